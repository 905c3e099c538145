"""``tle``: tile extract/insert by row-major tile index (FORMAT.md 4.5)."""

from __future__ import annotations

from k1sim.ir import types as T
from k1sim.ir.ops.common import check_operands, check_result, fail
from k1sim.ir.registry import Parsed, register


def _parse_extract(p, opdef) -> Parsed:
    """%t '[' %idx ']' attr-dict ':' T ',' T '->' T"""
    src, idx = p.indexed_operand()
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    t_src, t_idx = p.parse_type(), None
    p.expect(",")
    t_idx = p.parse_type()
    p.expect("->")
    p.typecheck([src, idx], [t_src, t_idx])
    return Parsed([src, idx], [p.parse_type()], {}, attrs)


def _print_extract(pr, op) -> None:
    src, idx = op.operands
    pr.w(f"tle.extract_tile {pr.v(src)}[{pr.v(idx)}]")
    pr.attr_dict({**op.props, **op.attrs})
    pr.w(f" : {src.type}, {idx.type} -> {op.results[0].type}")


def _parse_insert(p, opdef) -> Parsed:
    """%t '[' %idx ']' '=' %tile attr-dict ':' T ',' T ',' T '->' T"""
    src, idx = p.indexed_operand()
    p.expect("=")
    tile = p.operand()
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    types = [p.parse_type()]
    for _ in range(2):
        p.expect(",")
        types.append(p.parse_type())
    p.expect("->")
    p.typecheck([src, idx, tile], types)
    return Parsed([src, idx, tile], [p.parse_type()], {}, attrs)


def _print_insert(pr, op) -> None:
    src, idx, tile = op.operands
    pr.w(f"tle.insert_tile {pr.v(src)}[{pr.v(idx)}] = {pr.v(tile)}")
    pr.attr_dict({**op.props, **op.attrs})
    pr.w(f" : {src.type}, {idx.type}, {tile.type} -> {op.results[0].type}")


def _check_tiles(op, src, tile_shape) -> None:
    if not isinstance(src, T.TensorType):
        fail(op, f"'{op.name}' needs a tensor, got {src}")
    if not isinstance(op.operands[1].type, (T.IntType, T.IndexType)):
        fail(op, f"'{op.name}' tile index must be an integer, got {op.operands[1].type}")
    if (len(tile_shape) != src.rank or any(t <= 0 for t in tile_shape)
            or any(s % t for s, t in zip(src.shape, tile_shape))):
        fail(op, f"tile shape {list(tile_shape)} must divide {src} dimension by dimension")


def _verify_extract(op) -> None:
    check_operands(op, 2)
    src = op.operands[0].type
    tile_shape = op.prop("tile_shape")
    if tile_shape is None:
        fail(op, "tle.extract_tile needs tile_shape")
    _check_tiles(op, src, tile_shape)
    check_result(op, T.TensorType(tuple(tile_shape), src.element))


def _verify_insert(op) -> None:
    check_operands(op, 3)
    src, tile = op.operands[0].type, op.operands[2].type
    if not isinstance(tile, T.TensorType) or tile.element != T.element_of(src):
        fail(op, f"tle.insert_tile needs a tile tensor of {T.element_of(src)}, got {tile}")
    tile_shape = op.prop("tile_shape") or tile.shape
    if tuple(tile_shape) != tile.shape:
        fail(op, f"tile_shape {list(tile_shape)} does not match the tile {tile}")
    _check_tiles(op, src, tile_shape)
    check_result(op, src)


register("tle.extract_tile", parse=_parse_extract, print=_print_extract, verify=_verify_extract,
         props=("tile_shape",))
register("tle.insert_tile", parse=_parse_insert, print=_print_insert, verify=_verify_insert,
         props=("tile_shape",))
