"""``tt``: Triton program ids, tensor shaping, block pointers, loads and stores (FORMAT.md 4.1-4.2)."""

from __future__ import annotations

from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.ops.common import (check_operands, check_result, check_results, check_terminator,
                                 fail, parse_terminator, print_terminator, unary_arrow_parse,
                                 unary_arrow_print, verify_terminator)
from k1sim.ir.registry import Parsed, register

AXES = ("x", "y", "z")
# Triton's enum values for the load/store cache and eviction keywords.
CACHE = {"none": 1, "ca": 2, "cg": 3, "wb": 4, "cs": 5, "wt": 6, "cv": 7}
EVICT = {"evict_normal": 1, "evict_first": 2, "evict_last": 3}


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
    if not isinstance(order, tuple) or sorted(order) != list(range(src.rank)):
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


# -- block pointers ---------------------------------------------------------

def _parse_make_tensor_ptr(p, opdef) -> Parsed:
    """tt.make_tensor_ptr %base, '[' shape ']', '[' strides ']', '[' offsets ']' attr-dict ':' ptr"""
    base = p.operand()
    groups = []
    for _ in range(3):
        p.expect(",")
        groups.append(p.bracket_operands())
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    t = parse_ptr_type(p)
    return Parsed([base, *groups[0], *groups[1], *groups[2]], [t], {}, attrs)


def _print_make_tensor_ptr(pr, op) -> None:
    base, *rest = op.operands
    r = len(rest) // 3
    groups = ", ".join(f"[{pr.vs(rest[i * r:(i + 1) * r])}]" for i in range(3))
    pr.w(f"tt.make_tensor_ptr {pr.v(base)}, {groups}")
    pr.attr_dict({**op.props, **op.attrs})
    pr.w(f" : {op.results[0].type.body()}")


def _verify_make_tensor_ptr(op) -> None:
    check_results(op, 1)
    if not op.operands:
        fail(op, "tt.make_tensor_ptr needs a base pointer, shape, strides and offsets")
    base, *rest = op.operands
    result = op.results[0].type
    if not isinstance(base.type, T.PtrType) or base.type.is_block:
        fail(op, f"tt.make_tensor_ptr needs a scalar pointer base, got {base.type}")
    if len(rest) % 3:
        fail(op, "tt.make_tensor_ptr needs shape, strides and offsets of one rank")
    rank = len(rest) // 3
    for group, want, what in ((rest[:rank], T.i64, "shape"), (rest[rank:2 * rank], T.i64,
                                                                "strides"),
                              (rest[2 * rank:], T.i32, "offsets")):
        for v in group:
            if v.type != want:
                fail(op, f"tt.make_tensor_ptr {what} must be {want}, got {v.type}")
    order = op.prop("order")
    if not isinstance(order, tuple) or sorted(order) != list(range(rank)):
        fail(op, f"tt.make_tensor_ptr order must be a permutation of 0..{rank - 1}, got {order}")
    if (not isinstance(result, T.PtrType) or not result.is_block
            or result.pointee.rank != rank or result.pointee.element != base.type.pointee):
        fail(op, f"tt.make_tensor_ptr result must point to a rank-{rank} tensor of "
                 f"{base.type.pointee}, got {result}")


register("tt.make_tensor_ptr", parse=_parse_make_tensor_ptr, print=_print_make_tensor_ptr,
         verify=_verify_make_tensor_ptr, props=("order",), required=("order",))


def _parse_advance(p, opdef) -> Parsed:
    ptr = p.operand()
    p.expect(",")
    offsets = p.bracket_operands()
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    t = parse_ptr_type(p)
    p.typecheck([ptr], [t])
    return Parsed([ptr, *offsets], [t], {}, attrs)


def _print_advance(pr, op) -> None:
    ptr, *offsets = op.operands
    pr.w(f"tt.advance {pr.v(ptr)}, [{pr.vs(offsets)}]")
    pr.attr_dict({**op.props, **op.attrs})
    pr.w(f" : {op.results[0].type.body()}")


def _verify_advance(op) -> None:
    if not op.operands:
        fail(op, "tt.advance needs a block pointer and offsets")
    ptr, *offsets = op.operands
    if not isinstance(ptr.type, T.PtrType) or not ptr.type.is_block:
        fail(op, f"tt.advance needs a block pointer, got {ptr.type}")
    if len(offsets) != ptr.type.pointee.rank:
        fail(op, f"tt.advance needs {ptr.type.pointee.rank} offsets (one per dimension), "
                 f"got {len(offsets)}")
    if any(v.type != T.i32 for v in offsets):
        fail(op, "tt.advance offsets must be i32")
    check_result(op, ptr.type)


register("tt.advance", parse=_parse_advance, print=_print_advance, verify=_verify_advance)


# -- loads and stores -------------------------------------------------------

def _parse_cache_words(p, props: dict) -> None:
    while p.peek() in ("cacheModifier", "evictionPolicy"):
        key = p.advance()
        p.expect("=")
        tok = p.i
        word = p.parse_keyword()
        table, prop = (CACHE, "cache") if key == "cacheModifier" else (EVICT, "evict")
        if word not in table:
            raise p.error(f"unknown {key} '{word}'; one of {', '.join(table)}", tok)
        props[prop] = A.IntAttr(table[word], T.i32)


def _mem_parse(low: int, high: int, operands_help: str, loads: bool):
    def parse(p, opdef) -> Parsed:
        """%ptr (',' %operand)* cache-words attr-dict ':' ptr-type"""
        operands = p.operand_list()
        props: dict = {}
        _parse_cache_words(p, props)
        attrs = p.parse_optional_attr_dict()
        p.expect(":")
        t = p.parse_type()
        if not low <= len(operands) <= high:
            raise p.error(f"{opdef.name} takes {operands_help}, got {len(operands)} operands")
        p.typecheck(operands[:1], [t])
        return Parsed(operands, [load_result_type(t)] if loads else [], props, attrs)
    return parse


def load_result_type(t: T.Type) -> T.Type:
    """What loading through a pointer (block, tensor of pointers or scalar) gives."""
    if isinstance(t, T.PtrType):
        return t.pointee
    if isinstance(t, T.TensorType) and isinstance(t.element, T.PtrType):
        return T.TensorType(t.shape, t.element.pointee)
    return t


def _print_mem(pr, op) -> None:
    pr.w(f"{op.name} {pr.vs(op.operands)}")
    pr.attr_dict({**{k: v for k, v in op.props.items() if k != "operandSegmentSizes"},
                  **op.attrs})
    pr.w(f" : {op.operands[0].type}")


def _finish_load(op) -> None:
    if "operandSegmentSizes" not in op.props:
        n = len(op.operands)
        op.props["operandSegmentSizes"] = A.i32_array([1, int(n > 1), int(n > 2)])


def _check_ptr_operand(op, t) -> None:
    ok = isinstance(t, T.PtrType) or (isinstance(t, T.TensorType)
                                      and isinstance(t.element, T.PtrType))
    if not ok:
        fail(op, f"'{op.name}' needs a pointer, a block pointer or a tensor of pointers, got {t}")


def _check_boundary(op, t) -> None:
    bc = op.prop("boundaryCheck")
    if bc is None:
        return
    if not (isinstance(t, T.PtrType) and t.is_block):
        fail(op, f"boundaryCheck applies to block pointers only, not {t}")
    rank = t.pointee.rank
    if any(not 0 <= d < rank for d in bc):
        fail(op, f"boundaryCheck dimensions must be in 0..{rank - 1}, got {list(bc)}")


def _check_mask(op, mask, value_type) -> None:
    want = T.like(value_type, T.i1)
    if mask.type != want:
        fail(op, f"the mask of '{op.name}' must be {want}, got {mask.type}")


def _verify_load(op) -> None:
    check_operands(op, 1, 3)
    ptr = op.operands[0].type
    _check_ptr_operand(op, ptr)
    _check_boundary(op, ptr)
    result = load_result_type(ptr)
    check_result(op, result)
    segs = op.prop("operandSegmentSizes")
    if segs is not None and (len(segs) != 3 or sum(segs) != len(op.operands) or segs[0] != 1):
        fail(op, f"operandSegmentSizes {list(segs)} does not fit {len(op.operands)} operands")
    rest = op.operands[1:]
    if segs is not None and segs[1] == 0 and rest:
        fail(op, "tt.load with 'other' but no mask is not supported")
    if rest:
        _check_mask(op, rest[0], result)
    if len(rest) > 1 and rest[1].type != result:
        fail(op, f"the 'other' value of tt.load must be {result}, got {rest[1].type}")


register("tt.load", parse=_mem_parse(1, 3, "a pointer, a mask and an other value", True),
         print=_print_mem, finish=_finish_load, verify=_verify_load,
         props=("boundaryCheck", "padding", "operandSegmentSizes", "cache", "evict", "isVolatile"))


def _verify_store(op) -> None:
    check_operands(op, 2, 3)
    ptr, value = op.operands[0].type, op.operands[1].type
    _check_ptr_operand(op, ptr)
    _check_boundary(op, ptr)
    if value != load_result_type(ptr):
        fail(op, f"tt.store through {ptr} needs a value of type {load_result_type(ptr)}, "
                 f"got {value}")
    if len(op.operands) == 3:
        _check_mask(op, op.operands[2], value)


register("tt.store", parse=_mem_parse(2, 3, "a pointer, a value and an optional mask", False),
         print=_print_mem, verify=_verify_store, props=("boundaryCheck", "cache", "evict"))


def _parse_addptr(p, opdef) -> Parsed:
    ptr = p.operand()
    p.expect(",")
    off = p.operand()
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    t = p.parse_type()
    p.expect(",")
    t_off = p.parse_type()
    p.typecheck([ptr, off], [t, t_off])
    return Parsed([ptr, off], [t], {}, attrs)


def _print_addptr(pr, op) -> None:
    pr.w(f"tt.addptr {pr.vs(op.operands)}")
    pr.attr_dict({**op.props, **op.attrs})
    pr.w(f" : {op.results[0].type}, {op.operands[1].type}")


def _verify_addptr(op) -> None:
    check_operands(op, 2)
    ptr, off = op.operands[0].type, op.operands[1].type
    _check_ptr_operand(op, ptr)
    if not T.is_integer(off) or T.like(ptr, T.element_of(off)) != off:
        fail(op, f"tt.addptr offset must be an integer shaped like the pointer {ptr}, got {off}")
    check_result(op, ptr)


register("tt.addptr", parse=_parse_addptr, print=_print_addptr, verify=_verify_addptr)


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
