"""``tt``: Triton program ids, tensor shaping, ``tt.dot`` and reductions (FORMAT.md 4.1-4.2).

Pointers, loads and stores are in ``tt_memory``.
"""

from __future__ import annotations

from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.ops.common import (check_operands, check_result, check_results, check_terminator,
                                 fail, parse_terminator, print_terminator, unary_arrow_parse,
                                 unary_arrow_print, verify_terminator)
from k1sim.ir.registry import Parsed, register

AXES = ("x", "y", "z")


def parse_ptr_type(p) -> T.PtrType:
    """A pointer type, in full (``!tt.ptr<…>``) or short (``<…>``) spelling."""
    tok = p.i
    t = p.parse_ptr_body() if p.peek() == "<" else p.parse_type()
    if not isinstance(t, T.PtrType):
        raise p.error(f"expected a pointer type, got {t}", tok)
    return t


# -- program ids ------------------------------------------------------------

def _pid_defs(name: str) -> None:
    def parse(p, opdef) -> Parsed:
        tok = p.i
        axis = p.parse_keyword()
        if axis not in AXES:
            raise p.error(f"{name} axis must be x, y or z, got '{axis}'", tok)
        attrs = p.parse_optional_attr_dict()
        p.expect(":")
        t = p.parse_type()
        return Parsed([], [t], {"axis": A.IntAttr(AXES.index(axis), T.i32)}, attrs)

    def print_(pr, op) -> None:
        rest = {k: v for k, v in op.props.items() if k != "axis"}
        pr.w(f"{name} {AXES[op.prop('axis')]}")
        pr.attr_dict({**rest, **op.attrs})
        pr.w(f" : {op.results[0].type}")

    def verify(op) -> None:
        check_operands(op, 0)
        if op.prop("axis") not in (0, 1, 2):
            fail(op, f"{name} axis must be 0, 1 or 2 (x, y, z)")
        check_result(op, T.i32)

    register(name, parse=parse, print=print_, verify=verify, props=("axis",), required=("axis",))


_pid_defs("tt.get_program_id")
_pid_defs("tt.get_num_programs")


# -- shaping ----------------------------------------------------------------

def _tensor_in(op) -> T.TensorType:
    check_operands(op, 1)
    check_results(op, 1)
    t = op.operands[0].type
    if not isinstance(t, T.TensorType):
        fail(op, f"'{op.name}' needs a tensor operand, got {t}")
    return t


def _verify_splat(op) -> None:
    check_operands(op, 1)
    check_results(op, 1)
    src, dst = op.operands[0].type, op.results[0].type
    if not isinstance(dst, T.TensorType) or dst.element != src:
        fail(op, f"tt.splat makes a tensor of its operand's type {src}, got {dst}")


def _verify_broadcast(op) -> None:
    src, dst = _tensor_in(op), op.results[0].type
    ok = (isinstance(dst, T.TensorType) and dst.element == src.element and dst.rank == src.rank
          and all(a == b or a == 1 for a, b in zip(src.shape, dst.shape)))
    if not ok:
        fail(op, f"tt.broadcast cannot broadcast {src} to {dst}: dims must match or be 1")


def _verify_expand_dims(op) -> None:
    src = _tensor_in(op)
    axis = op.prop("axis")
    if not isinstance(axis, int) or not 0 <= axis <= src.rank:
        fail(op, f"tt.expand_dims axis must be in 0..{src.rank}, got {axis}")
    shape = src.shape[:axis] + (1,) + src.shape[axis:]
    check_result(op, T.TensorType(shape, src.element))


def _verify_reshape(op) -> None:
    src, dst = _tensor_in(op), op.results[0].type
    if not isinstance(dst, T.TensorType) or dst.numel != src.numel or dst.element != src.element:
        fail(op, f"tt.reshape keeps the element count and type: {src} -> {dst}")


def _verify_trans(op) -> None:
    src = _tensor_in(op)
    order = op.prop("order")
    if (not isinstance(order, tuple) or any(type(i) is not int for i in order)
            or sorted(order) != list(range(src.rank))):
        fail(op, f"tt.trans order must be a permutation of 0..{src.rank - 1}, got {order}")
    check_result(op, T.TensorType(tuple(src.shape[i] for i in order), src.element))


for _name, _verify, _props in (("tt.splat", _verify_splat, ()),
                               ("tt.broadcast", _verify_broadcast, ()),
                               ("tt.expand_dims", _verify_expand_dims, ("axis",)),
                               ("tt.reshape", _verify_reshape, ("allow_reorder",
                                                                "efficient_layout")),
                               ("tt.trans", _verify_trans, ("order",))):
    register(_name, parse=unary_arrow_parse, print=unary_arrow_print, verify=_verify,
             props=_props, required=tuple(p for p in _props if p in ("axis", "order")))


def _parse_make_range(p, opdef) -> Parsed:
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    return Parsed([], [p.parse_type()], {}, attrs)


def _print_make_range(pr, op) -> None:
    pr.w("tt.make_range")
    pr.attr_dict({**op.props, **op.attrs})
    pr.w(f" : {op.results[0].type}")


def _verify_make_range(op) -> None:
    start, end = op.prop("start"), op.prop("end")
    if not (isinstance(start, int) and isinstance(end, int) and end > start):
        fail(op, f"tt.make_range needs integer start < end, got start={start}, end={end}")
    check_result(op, T.TensorType((end - start,), T.i32))


register("tt.make_range", parse=_parse_make_range, print=_print_make_range,
         verify=_verify_make_range, props=("start", "end"), required=("start", "end"))


# -- tt.dot -----------------------------------------------------------------

DOT_PROPS = ("inputPrecision", "maxNumImpreciseAcc")

def _parse_dot(p, opdef) -> Parsed:
    """tt.dot %a, %b, %c (',' key '=' value)* attr-dict ':' T '*' T '->' T"""
    a = p.operand()
    p.expect(",")
    b = p.operand()
    p.expect(",")
    c = p.operand()
    props = {}
    while p.optional(","):
        tok = p.i
        key = p.parse_keyword()
        if key not in DOT_PROPS:
            raise p.error(f"unknown tt.dot option '{key}'; options: {', '.join(DOT_PROPS)}", tok)
        p.expect("=")
        props[key] = p.parse_attr()
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    ta = p.parse_type()
    p.expect("*")
    tb = p.parse_type()
    p.expect("->")
    tc = p.parse_type()
    p.typecheck([a, b, c], [ta, tb, tc])
    return Parsed([a, b, c], [tc], props, attrs)


def _print_dot(pr, op) -> None:
    a, b, c = op.operands
    pr.w(f"tt.dot {pr.vs(op.operands)}")
    for key, value in op.props.items():
        pr.w(f", {key} = {value}")
    pr.attr_dict(op.attrs)
    pr.w(f" : {a.type} * {b.type} -> {op.results[0].type}")


def _verify_dot(op) -> None:
    check_operands(op, 3)
    a, b, c = (v.type for v in op.operands)
    ok = all(isinstance(t, T.TensorType) and t.rank == 2 for t in (a, b, c))
    if not ok or a.shape[1] != b.shape[0] or c.shape != (a.shape[0], b.shape[1]):
        fail(op, f"tt.dot needs a[M,K], b[K,N], c[M,N]; got {a}, {b}, {c}")
    check_result(op, c)


register("tt.dot", parse=_parse_dot, print=_print_dot, verify=_verify_dot, props=DOT_PROPS)


# -- reductions -------------------------------------------------------------

COMBINERS = tuple(f"arith.{n}" for n in
                  "addf addi maxnumf maximumf minnumf minimumf maxsi minsi mulf".split())

def _finish_reduce(op) -> None:
    if len(op.regions) != 1:
        fail(op, "tt.reduce has one combine region")
    check_terminator(op, op.regions[0], "tt.reduce.return")


def _verify_reduce(op) -> None:
    if not op.operands:
        fail(op, "tt.reduce needs at least one operand")
    axis = op.prop("axis")
    n = len(op.operands)
    block = op.regions[0].block
    for v, r in zip(op.operands, op.results):
        t = v.type
        if not isinstance(t, T.TensorType) or not isinstance(axis, int) or not 0 <= axis < t.rank:
            fail(op, f"tt.reduce axis {axis} is not a dimension of {t}")
        shape = t.shape[:axis] + t.shape[axis + 1:]
        want = T.TensorType(shape, t.element) if shape else t.element
        if r.type != want:
            fail(op, f"result type {r.type} does not match the inferred type {want}")
    if len(op.results) != n:
        fail(op, f"tt.reduce has one result per operand ({n}), got {len(op.results)}")
    elements = [v.type.element for v in op.operands]
    if [a.type for a in block.args] != elements * 2:
        fail(op, "the combine region of tt.reduce takes two scalars per operand "
                 f"({', '.join(map(str, elements * 2))})")
    ret = block.terminator
    if [v.type for v in ret.operands] != elements:
        fail(ret, f"tt.reduce.return must return ({', '.join(map(str, elements))})")
    body = block.ops[:-1]
    if len(body) != 1 or body[0].name not in COMBINERS:
        fail(op, "the combine region of tt.reduce must be a single op, one of "
                 + " ".join(COMBINERS))


register("tt.reduce", finish=_finish_reduce, verify=_verify_reduce, props=("axis",),
         required=("axis",))


register("tt.reduce.return", parse=parse_terminator, print=print_terminator,
         verify=verify_terminator, terminator=True)
