"""``tt`` pointers: block pointers, pointer arithmetic, loads and stores (FORMAT.md 4.2)."""

from __future__ import annotations

from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.ops.common import check_operands, check_result, check_results, fail
from k1sim.ir.ops.tt import parse_ptr_type
from k1sim.ir.registry import Parsed, register

# Triton's enum values for the load/store cache and eviction keywords.
CACHE = {"none": 1, "ca": 2, "cg": 3, "wb": 4, "cs": 5, "wt": 6, "cv": 7}
EVICT = {"evict_normal": 1, "evict_first": 2, "evict_last": 3}


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
