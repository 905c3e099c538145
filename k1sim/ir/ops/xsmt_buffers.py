"""``xsmt`` local buffers, barriers and thread queries (FORMAT.md 4.3-4.4)."""

from __future__ import annotations

from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.ops.common import check_operands, check_result, check_results, fail, ints
from k1sim.ir.ops.tt import parse_ptr_type
from k1sim.ir.ops.xsmt import STORAGES
from k1sim.ir.registry import Parsed, register

MBAR_FIELDS = (("copies", "numCopies"), ("flag", "flag"), ("arrive", "arriveCount"),
               ("txn", "transactionCount"), ("expect", "expectCount"))


def _storage_key(op) -> str:
    return "scope" if "scope" in op.props else "storage"


def _check_storage(op) -> str:
    storage = op.prop(_storage_key(op))
    if storage not in STORAGES:
        fail(op, f"unknown memory scope {storage!r}; scopes are {', '.join(STORAGES)}")
    return storage


def _alloc_parse(result_parser):
    def parse(p, opdef) -> Parsed:
        """'[[' ints ']]' ('storage' | 'scope') '(' string ')' attr-dict ':' T"""
        shape = p.parse_int_list()
        tok = p.i
        key = p.parse_keyword()
        if key not in ("storage", "scope"):
            raise p.error(f"expected storage(\"…\") or scope(\"…\"), found '{key}'", tok)
        p.expect("(")
        storage = p.parse_string()
        p.expect(")")
        attrs = p.parse_optional_attr_dict()
        p.expect(":")
        width = 64 if opdef.name == "xsmt.alloc_copies" else 32
        props = {"shape": A.DenseArrayAttr(T.IntType(width), tuple(shape)),
                 key: A.StringAttr(storage)}
        return Parsed([], [result_parser(p)], props, attrs)
    return parse


def _print_alloc(pr, op) -> None:
    key = _storage_key(op)
    pr.w(f"{op.name} [[{', '.join(map(str, op.prop('shape')))}]] {key}({op.props[key]})")
    pr.attr_dict({**{k: v for k, v in op.props.items() if k not in ("shape", key)}, **op.attrs})
    pr.w(f" : {op.results[0].type}")


def _positive_shape(op) -> tuple:
    shape = ints(op, "shape")
    if not shape or any(d <= 0 for d in shape):
        fail(op, f"'{op.name}' shape must be positive sizes, got {list(shape)}")
    return shape


def _verify_alloc(op) -> None:
    check_operands(op, 0)
    check_results(op, 1)
    shape = _positive_shape(op)
    _check_storage(op)
    r = op.results[0].type
    if not isinstance(r, T.PtrType) or not r.is_block or r.pointee.shape != shape:
        fail(op, f"xsmt.alloc of shape {list(shape)} gives !tt.ptr<tensor<"
                 f"{'x'.join(map(str, shape))}xT>>, got {r}")


def short_or_full(p, short_parser, cls, what: str):
    """A type in full (``!xsmt.x<…>``) or short (``<…>``) spelling."""
    tok = p.i
    t = short_parser() if p.peek() == "<" else p.parse_type()
    if not isinstance(t, cls):
        raise p.error(f"expected {what}, got {t}", tok)
    return t


def _buffer_type(p) -> T.BufferType:
    return short_or_full(p, p.parse_buffer_body, T.BufferType, "an !xsmt.buffer type")


def _mbarrier_type(p) -> T.MBarrierType:
    return short_or_full(p, p.parse_mbarrier_body, T.MBarrierType, "an !xsmt.mbarrier type")


def _verify_alloc_copies(op) -> None:
    check_operands(op, 0)
    check_results(op, 1)
    shape = _positive_shape(op)
    storage = _check_storage(op)
    r = op.results[0].type
    if not isinstance(r, T.BufferType) or r.shape != shape or r.copies != shape[0] \
            or r.storage != storage:
        fail(op, f"xsmt.alloc_copies [[{', '.join(map(str, shape))}]] gives an !xsmt.buffer "
                 f"with shape={list(shape)}, copies={shape[0]}, storage {storage!r}; got {r}")


register("xsmt.alloc", parse=_alloc_parse(parse_ptr_type), print=_print_alloc,
         verify=_verify_alloc, props=("shape", "storage", "scope"), required=("shape",))


register("xsmt.alloc_copies", parse=_alloc_parse(_buffer_type), print=_print_alloc,
         verify=_verify_alloc_copies, props=("shape", "storage", "scope"), required=("shape",))


def _parse_buffer_view(p, opdef) -> Parsed:
    """%b '[' %k ']' attr-dict ':' buffer-type '->' ptr-type"""
    buf, idx = p.indexed_operand()
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    p.typecheck([buf], [_buffer_type(p)])
    p.expect("->")
    return Parsed([buf, idx], [parse_ptr_type(p)], {}, attrs)


def _print_buffer_view(pr, op) -> None:
    buf, idx = op.operands
    pr.w(f"xsmt.buffer_tensor_view {pr.v(buf)}[{pr.v(idx)}]")
    pr.attr_dict({**op.props, **op.attrs})
    pr.w(f" : {buf.type} -> {op.results[0].type}")


def _verify_buffer_view(op) -> None:
    check_operands(op, 2)
    buf, idx = (v.type for v in op.operands)
    if not isinstance(buf, T.BufferType):
        fail(op, f"xsmt.buffer_tensor_view needs an !xsmt.buffer, got {buf}")
    if not isinstance(idx, (T.IntType, T.IndexType)):
        fail(op, f"xsmt.buffer_tensor_view index must be an integer, got {idx}")
    check_result(op, T.PtrType(T.TensorType(buf.shape[1:], buf.element)))


register("xsmt.buffer_tensor_view", parse=_parse_buffer_view, print=_print_buffer_view,
         verify=_verify_buffer_view)


def _parse_mbarrier_copies(p, opdef) -> Parsed:
    """'copies' '(' N ')' 'flag' '(' F ')' 'arrive' '(' A ')' 'txn' '(' T ')' 'expect' '(' E ')'
    attr-dict ':' mbarrier-type"""
    props = {}
    for word, prop in MBAR_FIELDS:
        p.expect(word, "in xsmt.mbarrier_copies (copies flag arrive txn expect)")
        p.expect("(")
        props[prop] = A.IntAttr(p.parse_int(), T.i64)
        p.expect(")")
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    return Parsed([], [_mbarrier_type(p)], props, attrs)


def _print_mbarrier_copies(pr, op) -> None:
    pr.w("xsmt.mbarrier_copies " + " ".join(f"{w}({op.prop(k)})" for w, k in MBAR_FIELDS))
    names = {k for _, k in MBAR_FIELDS}
    pr.attr_dict({**{k: v for k, v in op.props.items() if k not in names}, **op.attrs})
    pr.w(f" : {op.results[0].type}")


def _verify_mbarrier_copies(op) -> None:
    check_operands(op, 0)
    n = op.prop("numCopies")
    if not isinstance(n, int) or n <= 0:
        fail(op, f"xsmt.mbarrier_copies needs a positive copies count, got {n}")
    if op.prop("expectCount", 0) <= 0:
        fail(op, "xsmt.mbarrier_copies expect count must be positive")
    check_result(op, T.MBarrierType(n))


register("xsmt.mbarrier_copies", parse=_parse_mbarrier_copies, print=_print_mbarrier_copies,
         verify=_verify_mbarrier_copies, props=tuple(k for _, k in MBAR_FIELDS),
         required=tuple(k for _, k in MBAR_FIELDS))


def _parse_mbarrier_subview(p, opdef) -> Parsed:
    """%M '[' %k ']' attr-dict ':' '(' mbarrier-type ',' T ')' '->' T"""
    bar, idx = p.indexed_operand()
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    p.expect("(")
    t_bar = _mbarrier_type(p)
    p.expect(",")
    t_idx = p.parse_type()
    p.expect(")")
    p.expect("->")
    p.typecheck([bar, idx], [t_bar, t_idx])
    return Parsed([bar, idx], [p.parse_type()], {}, attrs)


def _print_mbarrier_subview(pr, op) -> None:
    bar, idx = op.operands
    pr.w(f"xsmt.mbarrier_subview {pr.v(bar)}[{pr.v(idx)}]")
    pr.attr_dict({**op.props, **op.attrs})
    pr.w(f" : ({bar.type}, {idx.type}) -> {op.results[0].type}")


def _verify_mbarrier_subview(op) -> None:
    check_operands(op, 2)
    bar, idx = (v.type for v in op.operands)
    if not isinstance(bar, T.MBarrierType):
        fail(op, f"xsmt.mbarrier_subview needs an !xsmt.mbarrier, got {bar}")
    if idx not in (T.i32, T.i64, T.index):
        fail(op, f"xsmt.mbarrier_subview index must be i32, i64 or index, got {idx}")
    check_result(op, T.i64)


register("xsmt.mbarrier_subview", parse=_parse_mbarrier_subview, print=_print_mbarrier_subview,
         verify=_verify_mbarrier_subview)


def _parse_num_threads(p, opdef) -> Parsed:
    attrs = p.parse_optional_attr_dict()
    t = p.parse_type() if p.optional(":") else T.i32
    return Parsed([], [t], {}, attrs)


def _print_num_threads(pr, op) -> None:
    pr.w("xsmt.get_num_of_thread")
    pr.attr_dict({**op.props, **op.attrs})


def _verify_num_threads(op) -> None:
    check_operands(op, 0)
    check_result(op, T.i32)


register("xsmt.get_num_of_thread", parse=_parse_num_threads, print=_print_num_threads,
         verify=_verify_num_threads)


def _parse_annotation(p, opdef) -> Parsed:
    t = p.operand()
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    p.typecheck([t], [p.parse_type()])
    return Parsed([t], [], {}, attrs)


def _print_annotation(pr, op) -> None:
    pr.w(f"xsmt.annotation {pr.v(op.operands[0])}")
    pr.attr_dict({**op.props, **op.attrs})
    pr.w(f" : {op.operands[0].type}")


def _verify_annotation(op) -> None:
    check_operands(op, 1)
    if not isinstance(op.operands[0].type, T.TensorType):
        fail(op, f"xsmt.annotation annotates a tensor, got {op.operands[0].type}")


register("xsmt.annotation", parse=_parse_annotation, print=_print_annotation,
         verify=_verify_annotation)


def _parse_global_init(p, opdef) -> Parsed:
    """%id attr-dict ':' T   (T is the result type; the id is an i16)"""
    ident = p.operand()
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    return Parsed([ident], [p.parse_type()], {}, attrs)


def _print_global_init(pr, op) -> None:
    pr.w(f"xsmt.global_mbarrier_init {pr.v(op.operands[0])}")
    pr.attr_dict({**op.props, **op.attrs})
    pr.w(f" : {op.results[0].type}")


def _verify_global_init(op) -> None:
    check_operands(op, 1)
    if not isinstance(op.operands[0].type, T.IntType):
        fail(op, f"xsmt.global_mbarrier_init id must be an integer, got {op.operands[0].type}")
    check_result(op, T.i64)


register("xsmt.global_mbarrier_init", parse=_parse_global_init, print=_print_global_init,
         verify=_verify_global_init)


def _parse_set_expect(p, opdef) -> Parsed:
    """%g ',' %n attr-dict ':' T   (T is the barrier's type)"""
    bar = p.operand()
    p.expect(",")
    n = p.operand()
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    p.typecheck([bar], [p.parse_type()])
    return Parsed([bar, n], [], {}, attrs)


def _print_set_expect(pr, op) -> None:
    pr.w(f"xsmt.barrier_set_expect {pr.vs(op.operands)}")
    pr.attr_dict({**op.props, **op.attrs})
    pr.w(f" : {op.operands[0].type}")


def _verify_set_expect(op) -> None:
    check_operands(op, 2)
    bar, n = (v.type for v in op.operands)
    if bar != T.i64 or not isinstance(n, T.IntType):
        fail(op, f"xsmt.barrier_set_expect takes an i64 barrier and an integer count, got "
                 f"{bar} and {n}")


register("xsmt.barrier_set_expect", parse=_parse_set_expect, print=_print_set_expect,
         verify=_verify_set_expect)
