"""``xsmt``: SpacemiT's packed-tile ops, local buffers and barriers (FORMAT.md 4.3).

A packed tensor ``[B0, B1, t0, t1]`` holds tile ``(i, j)`` of a 2-D matrix at
``[i, j, :, :]``. The inference helpers (``pack_type`` …) are shared with the
builder so built and parsed programs agree on every result type.
"""

from __future__ import annotations

from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.ops.common import (cdiv, check_offsets, check_operands, check_result, check_results,
                                 fail, ints)
from k1sim.ir.ops.tt import parse_ptr_type
from k1sim.ir.registry import Parsed, register

STORAGES = ("l2", "shared", "smem", "tcm", "fragment", "global")
OFFSET_I32 = (T.i32,)


def pack_type(element: T.Type, shape, packed) -> T.TensorType:
    return T.TensorType((cdiv(shape[0], packed[0]), cdiv(shape[1], packed[1]),
                         packed[0], packed[1]), element)


def wide_type(element: T.Type) -> T.Type:
    """The type mmt4d accumulates in: f32 for f16/bf16/f32, i32 for i8/i4, f64 for f64."""
    if isinstance(element, T.FloatType):
        return T.f64 if element.name == "f64" else T.f32
    return T.i32


def mmt4d_type(a: T.TensorType, b: T.TensorType, element: T.Type | None = None) -> T.TensorType:
    return T.TensorType((a.shape[0], b.shape[0], a.shape[2], b.shape[2]), element or a.element)


def _check_shape_attrs(op, names) -> list[tuple]:
    out = []
    for name in names:
        vals = ints(op, name)
        if len(vals) != 2 or any(v <= 0 for v in vals):
            fail(op, f"'{op.name}' {name} must be two positive sizes, got {list(vals)}")
        out.append(vals)
    return out


def _segments(op) -> tuple[list, list, object]:
    """Split operands into base, offsets and destination by operandSegmentSizes."""
    segs = op.prop("operandSegmentSizes")
    n = len(op.operands)
    if (segs is None or not isinstance(segs, tuple) or len(segs) != 3
            or any(isinstance(x, bool) or not isinstance(x, int) for x in segs)
            or sum(segs) != n or segs[0] != 1 or segs[2] > 1):
        got = list(segs) if segs is not None else None
        fail(op, f"operandSegmentSizes {got} does not fit {n} operands "
                 "(base, offsets, destination)")
    base, offs = op.operands[0], op.operands[1:1 + segs[1]]
    dest = op.operands[-1] if segs[2] else None
    return base, offs, dest


# -- pack / unpack / repack -------------------------------------------------

def _pack_like_parse(with_packed: bool):
    def parse(p, opdef) -> Parsed:
        """%x ',' '[' offsets ']' ('into' '(' %d ':' T ')')? ',' ints (',' ints)? attr-dict
        ':' T '->' T"""
        base = p.operand()
        p.expect(",")
        offsets = p.bracket_operands()
        dest = None
        if p.optional("into"):
            p.expect("(", "after 'into'")
            dest = p.operand()
            p.expect(":")
            p.typecheck([dest], [p.parse_type()])
            p.expect(")", "to close into(…)")
        p.expect(",")
        props = {"shape": A.i32_array(p.parse_int_list())}
        if with_packed:
            p.expect(",")
            props["packed_size"] = A.i32_array(p.parse_int_list())
        attrs = p.parse_optional_attr_dict()
        p.expect(":")
        t_in = p.parse_type()
        p.expect("->")
        t_out = p.parse_type()
        p.typecheck([base], [t_in])
        operands = [base, *offsets] + ([dest] if dest is not None else [])
        props["operandSegmentSizes"] = A.i32_array([1, len(offsets), int(dest is not None)])
        return Parsed(operands, [t_out], props, attrs)

    def print_(pr, op) -> None:
        segs = op.prop("operandSegmentSizes")
        base, offs = op.operands[0], op.operands[1:1 + segs[1]]
        pr.w(f"{op.name} {pr.v(base)}, [{pr.vs(offs)}]")
        if segs[2]:
            dest = op.operands[-1]
            pr.w(f" into({pr.v(dest)} : {dest.type})")
        pr.w(f", [{', '.join(map(str, op.prop('shape')))}]")
        if with_packed:
            pr.w(f", [{', '.join(map(str, op.prop('packed_size')))}]")
        hidden = ("shape", "packed_size", "operandSegmentSizes")
        pr.attr_dict({**{k: v for k, v in op.props.items() if k not in hidden}, **op.attrs})
        pr.w(f" : {base.type} -> {op.results[0].type}")

    return parse, print_


def _finish_segments(op) -> None:
    if "operandSegmentSizes" not in op.props:
        n = len(op.operands)
        op.props["operandSegmentSizes"] = A.i32_array([1, min(2, n - 1), max(0, n - 3)])


def _verify_pack(op) -> None:
    base, offs, dest = _segments(op)
    rank_in = 2 if op.name == "xsmt.pack" else 4
    t = base.type
    if not isinstance(t, T.TensorType) or t.rank != rank_in:
        fail(op, f"'{op.name}' packs a {rank_in}-D tensor, got {t}")
    shape, packed = _check_shape_attrs(op, ("shape", "packed_size"))
    check_offsets(op, offs, 2, OFFSET_I32)
    result = pack_type(t.element, shape, packed)
    check_result(op, result)
    if dest is not None and dest.type != result:
        fail(op, f"the into() destination must have the result type {result}, got {dest.type}")


def _verify_unpack(op) -> None:
    base, offs, dest = _segments(op)
    t = base.type
    if not isinstance(t, T.TensorType) or t.rank != 4:
        fail(op, f"xsmt.unpack needs a packed 4-D tensor, got {t}")
    (shape,) = _check_shape_attrs(op, ("shape",))
    check_offsets(op, offs, 2, OFFSET_I32)
    result = T.TensorType(tuple(shape), t.element)
    check_result(op, result)
    if dest is not None and dest.type != result:
        fail(op, f"the into() destination must have the result type {result}, got {dest.type}")


_PACK_PROPS = ("shape", "packed_size", "operandSegmentSizes")
_pp, _ppr = _pack_like_parse(True)
for _name in ("xsmt.pack", "xsmt.repack"):
    register(_name, parse=_pp, print=_ppr, verify=_verify_pack, finish=_finish_segments,
             props=_PACK_PROPS, required=("shape", "packed_size"))
_up, _upr = _pack_like_parse(False)
register("xsmt.unpack", parse=_up, print=_upr, verify=_verify_unpack, finish=_finish_segments,
         props=("shape", "operandSegmentSizes"), required=("shape",))


# -- mmt4d ------------------------------------------------------------------

def _parse_mmt4d(p, opdef) -> Parsed:
    """%a ',' %b (',' %d)? attr-dict ':' '('? T ',' T (',' T)? ')'? '->' T"""
    operands = p.operand_list()
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    paren = p.optional("(")
    types = p.parse_type_list()
    if paren:
        p.expect(")")
    p.expect("->")
    result = p.parse_type()
    if len(types) != len(operands):
        raise p.error(f"xsmt.mmt4d lists {len(types)} operand types for {len(operands)} operands")
    p.typecheck(operands, types)
    return Parsed(operands, [result], {}, attrs)


def _print_mmt4d(pr, op) -> None:
    pr.w(f"xsmt.mmt4d {pr.vs(op.operands)}")
    pr.attr_dict({**op.props, **op.attrs})
    pr.w(f" : {', '.join(str(v.type) for v in op.operands)} -> {op.results[0].type}")


def _verify_mmt4d(op) -> None:
    check_operands(op, 2, 3)
    a, b = op.operands[0].type, op.operands[1].type
    for name, t in (("A", a), ("B", b)):
        if not isinstance(t, T.TensorType) or t.rank != 4:
            fail(op, f"xsmt.mmt4d operand {name} must be a packed 4-D tensor, got {t}")
    if a.shape[1] != b.shape[1] or a.shape[3] != b.shape[3]:
        fail(op, f"xsmt.mmt4d operands disagree: A {a} is [M1, K1, m0, k0] and B {b} is "
                 f"[N1, K1, n0, k0]; K1 ({a.shape[1]} vs {b.shape[1]}) and k0 ({a.shape[3]} "
                 f"vs {b.shape[3]}) must match")
    if a.element != b.element:
        fail(op, f"xsmt.mmt4d operands have different element types: {a.element} and "
                 f"{b.element}")
    check_results(op, 1)
    r = op.results[0].type
    allowed = (a.element, wide_type(a.element))
    if not isinstance(r, T.TensorType) or r.element not in allowed:
        fail(op, f"xsmt.mmt4d result element type must be {a.element} or "
                 f"{wide_type(a.element)}, got {T.element_of(r)}")
    check_result(op, mmt4d_type(a, b, r.element))
    if len(op.operands) == 3 and op.operands[2].type != r:
        fail(op, f"the third operand of xsmt.mmt4d must have the result type {r}, got "
                 f"{op.operands[2].type}")


register("xsmt.mmt4d", parse=_parse_mmt4d, print=_print_mmt4d, verify=_verify_mmt4d)


# -- pointer views ----------------------------------------------------------

def _ptr_view_parse(n_lists: int, result_is_ptr: bool):
    names = ("shape", "packed_size")[:n_lists]

    def parse(p, opdef) -> Parsed:
        """%p ',' '[' offsets ']' (',' '[[' ints ']]'){n} attr-dict ':' ptr '->' T"""
        base = p.operand()
        p.expect(",")
        offsets = p.bracket_operands()
        props = {}
        for name in names:
            p.expect(",")
            props[name] = A.i32_array(p.parse_int_list())
        attrs = p.parse_optional_attr_dict()
        p.expect(":")
        t_in = parse_ptr_type(p)
        p.expect("->")
        t_out = parse_ptr_type(p) if result_is_ptr else p.parse_type()
        p.typecheck([base], [t_in])
        return Parsed([base, *offsets], [t_out], props, attrs)

    def print_(pr, op) -> None:
        base, *offsets = op.operands
        pr.w(f"{op.name} {pr.v(base)}, [{pr.vs(offsets)}]")
        for name in names:
            pr.w(f", [[{', '.join(map(str, op.prop(name)))}]]")
        pr.attr_dict({**{k: v for k, v in op.props.items() if k not in names}, **op.attrs})
        pr.w(f" : {base.type} -> {op.results[0].type}")

    return parse, print_


def _block_ptr(op, rank: int | None = None) -> T.PtrType:
    t = op.operands[0].type if op.operands else None
    if not isinstance(t, T.PtrType) or not t.is_block or (rank and t.pointee.rank != rank):
        want = f"a pointer to a {rank}-D tensor" if rank else "a block pointer"
        fail(op, f"'{op.name}' needs {want}, got {t}")
    return t


def _verify_subview(op) -> None:
    t = _block_ptr(op)
    (shape,) = _check_shape_attrs(op, ("shape",))
    check_offsets(op, op.operands[1:], 2, OFFSET_I32)
    p = t.pointee
    if p.rank == 4:
        inner = pack_type(p.element, shape, p.shape[2:])
    elif p.rank == 2:
        inner = T.TensorType(tuple(shape), p.element)
    else:
        fail(op, f"xsmt.subview needs a pointer to a 2-D or packed 4-D tensor, got {t}")
    check_result(op, T.PtrType(inner, t.addrspace))


def _verify_subview_pack(op) -> None:
    t = _block_ptr(op, 2)
    shape, packed = _check_shape_attrs(op, ("shape", "packed_size"))
    check_offsets(op, op.operands[1:], 2, OFFSET_I32)
    if shape[0] % packed[0] or shape[1] % packed[1]:
        fail(op, f"xsmt.subview_pack shape {list(shape)} must be divisible by packed_size "
                 f"{list(packed)} (a packed view aliases memory and cannot pad)")
    check_result(op, T.PtrType(pack_type(t.pointee.element, shape, packed), t.addrspace))


def _verify_descriptor_load_view(op) -> None:
    t = _block_ptr(op, 2)
    shape, packed = _check_shape_attrs(op, ("shape", "packed_size"))
    check_offsets(op, op.operands[1:], 2, (T.i64,))
    check_result(op, pack_type(t.pointee.element, shape, packed))


for _name, _n, _is_ptr, _verify in (("xsmt.subview", 1, True, _verify_subview),
                                    ("xsmt.subview_pack", 2, True, _verify_subview_pack),
                                    ("xsmt.descriptor_load_view", 2, False,
                                     _verify_descriptor_load_view)):
    _vp, _vpr = _ptr_view_parse(_n, _is_ptr)
    _props = ("shape", "packed_size")[:_n]
    register(_name, parse=_vp, print=_vpr, verify=_verify, props=_props, required=_props)
