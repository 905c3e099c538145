"""What the library's builders refuse before they build: a config whose packed view would
reach past its buffer, or whose layout the builder cannot express, is a ``K1SimError``
that says what was wrong, with the values, and what is allowed. Without these checks
such a config builds and then faults at run time (an out-of-bounds store into mm
SPLIT_N's B stage) or fails to verify with a message about IR, not about the config.

A config that only pads (a block of a *tensor* that is not whole micro tiles: the pack
fills the rest with zeros) is legal here; ``k1sim tune`` prunes those too, as tiling,
because they waste the engine, not because they fault.
"""

from __future__ import annotations

from k1sim.errors import K1SimError
from k1sim.ir.types import SCALARS


def positive(op: str, **sizes) -> None:
    """Each of ``sizes`` (name=value) must be a positive int."""
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise K1SimError(f"{op}: {name} = {value!r}: give a positive integer")


def element(op: str, dtype: str):
    """The scalar type named ``dtype``."""
    if dtype not in SCALARS:
        raise K1SimError(f"{op}: dtype {dtype!r} is not a scalar type; give one of "
                         f"{', '.join(SCALARS)}")
    return SCALARS[dtype]


def micro_triple(op: str, micro) -> tuple[int, int, int]:
    """``micro`` as (MICRO_M, MICRO_K, MICRO_N) of positive ints."""
    if not isinstance(micro, (tuple, list)) or len(micro) != 3:
        raise K1SimError(f"{op}: micro = {micro!r}: give three sizes (MICRO_M, MICRO_K, "
                         "MICRO_N)")
    positive(op, MICRO_M=micro[0], MICRO_K=micro[1], MICRO_N=micro[2])
    return tuple(micro)


def whole_tiles(op: str, checks, why: str) -> None:
    """Each (name, size, micro name, micro) must have ``size`` a multiple of ``micro``;
    ``why`` says what would go wrong otherwise."""
    for name, size, micro_name, micro in checks:
        if size % micro:
            raise K1SimError(f"{op}: {name} = {size} is not a multiple of {micro_name} = "
                             f"{micro}: {why}; give a multiple of {micro}")


def sub_block(op: str, sub: tuple, block: tuple, micro: tuple, why: str) -> None:
    """A sub-block (name, size) of a block (name, size) cut into micro tiles (name,
    size): it must be whole tiles and divide the block, or the last sub-block's view
    reaches past the block's buffer; the message lists the sizes that fit."""
    (sub_name, size), (block_name, block_size), (micro_name, tile) = sub, block, micro
    fits = [s for s in range(tile, block_size + 1, tile) if block_size % s == 0]
    if size % tile == 0 and block_size % size == 0:
        return
    wrong = (f"is not a multiple of {micro_name} = {tile}" if size % tile else
             f"does not divide {block_name} = {block_size}")
    raise K1SimError(f"{op}: {sub_name} = {size} {wrong}: {why}; allowed: a multiple of "
                     f"{micro_name} that divides {block_name} = {block_size}: "
                     f"{', '.join(map(str, fits)) or 'none'}")
