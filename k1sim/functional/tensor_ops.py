"""Values of the Triton tensor ops (FORMAT.md 4.1-4.2), the ``tle`` tile ops (4.5) and the
``xsmt`` ops that only read the thread (``get_num_of_thread``, ``annotation``).

Shape ops (splat, broadcast, expand_dims, reshape, trans) work on value tensors and on
tensors of pointers alike: a pointer tensor is an engine object whose int64 offsets the
op rearranges (``apply``), and a scalar pointer splats itself.
"""

from __future__ import annotations

import numpy as np

from k1sim.functional.dtypes import round_bf16
from k1sim.functional.errors import FunctionalError
from k1sim.functional.semantics import apply, as_type, dtype_of, prepared, semantic
from k1sim.ir import types as T


def _result_type(op) -> T.Type:
    return op.results[0].type


# -- program ids and threads ------------------------------------------------

@semantic("tt.get_program_id")
def get_program_id(op, args, ctx):
    return np.int32(ctx.program_id[op.prop("axis")])


@prepared("tt.get_program_id")
def _prepared_program_id(op):
    """``get_program_id`` with its axis read once; ``_I32 + id`` is ``np.int32(id)`` (NEP 50,
    and the same OverflowError out of range) in a fifth of the time."""
    axis = op.prop("axis")
    return lambda op, args, ctx: _I32 + ctx.program_id[axis]


_I32 = np.int32(0)


@semantic("tt.get_num_programs")
def get_num_programs(op, args, ctx):
    return np.int32(ctx.grid[op.prop("axis")])


@semantic("xsmt.get_num_of_thread")
def get_num_of_thread(op, args, ctx):
    return np.int32(ctx.num_threads)


@semantic("xsmt.annotation")
def annotation(op, args, ctx):
    """No effect on values: the trace keeps the op, the value is untouched."""
    return None


# -- shaping ----------------------------------------------------------------

@semantic("tt.splat")
def splat(op, args, ctx):
    (x,), t = args, _result_type(op)
    if hasattr(x, "splat"):  # a scalar pointer becomes a tensor of pointers
        return x.splat(t.shape)
    return as_type(x, t)


@semantic("tt.broadcast")
def broadcast(op, args, ctx):
    shape = _result_type(op).shape
    # A copy: broadcast_to gives a read-only view with zero strides.
    return apply(args[0], lambda a: np.broadcast_to(a, shape).copy())


@semantic("tt.expand_dims")
def expand_dims(op, args, ctx):
    axis = op.prop("axis")
    return apply(args[0], lambda a: np.expand_dims(a, axis))


@semantic("tt.reshape")
def reshape(op, args, ctx):
    shape = _result_type(op).shape
    return apply(args[0], lambda a: np.reshape(a, shape))


@semantic("tt.trans")
def trans(op, args, ctx):
    order = tuple(op.prop("order"))
    # Contiguous, so the numba kernels downstream (pack, mmt4d) see one memory layout.
    return apply(args[0], lambda a: np.ascontiguousarray(np.transpose(a, order)))


@semantic("tt.make_range")
def make_range(op, args, ctx):
    return np.arange(op.prop("start"), op.prop("end"), dtype=np.int32)


# -- reductions ---------------------------------------------------------------

# combine op -> the binary ufunc it applies. maxnumf/minnumf ignore NaN (fmax/fmin),
# maximumf/minimumf propagate it; integer sums wrap, as i32/i64 arithmetic does.
_COMBINE = {
    "arith.addf": np.add, "arith.addi": np.add, "arith.mulf": np.multiply,
    "arith.maxnumf": np.fmax, "arith.minnumf": np.fmin,
    "arith.maximumf": np.maximum, "arith.minimumf": np.minimum,
    "arith.maxsi": np.maximum, "arith.minsi": np.minimum,
}

# On i1, signed values are 0 and -1: addi is xor, maxsi is and, minsi is or.
_BOOL_COMBINE = {"arith.addi": np.logical_xor, "arith.maxsi": np.logical_and,
                 "arith.minsi": np.logical_or}


def _tree_reduce(ufunc, x: np.ndarray, axis: int, bf16: bool) -> np.ndarray:
    """``x`` folded along ``axis`` as a balanced tree (a vector unit's unordered
    reduction), every partial result in ``x``'s dtype: numpy's own f16 sums
    accumulate in f32, and an f16 ``addf`` must round at each step."""
    x = np.moveaxis(x, axis, -1)
    if x.shape[-1] == 0:
        return ufunc.reduce(x, axis=-1)
    while x.shape[-1] > 1:
        half = x.shape[-1] // 2
        y = ufunc(x[..., :half], x[..., half:2 * half])
        if bf16:
            y = round_bf16(y)
        x = np.concatenate([y, x[..., 2 * half:]], axis=-1) if x.shape[-1] % 2 else y
    return x[..., 0]


def _combiner(op) -> str:
    """The name of the single combine op of ``op``'s region, checked to combine the two
    block arguments and to be what the region returns."""
    block = op.regions[0].block
    combine, ret = block.ops[0], block.terminator
    if (len(block.ops) != 2 or set(map(id, combine.operands)) != set(map(id, block.args))
            or [id(v) for v in ret.operands] != [id(combine.results[0])]):
        raise FunctionalError("tt.reduce: the combine region must return one arith op "
                              "applied to its two block arguments")
    return combine.name


@semantic("tt.reduce")
def reduce(op, args, ctx):
    if len(args) != 1:
        raise FunctionalError(f"tt.reduce with {len(args)} operands is not supported: "
                              "k1sim reduces one tensor per tt.reduce")
    (x,), t = args, _result_type(op)
    name = _combiner(op)
    ufunc = (_BOOL_COMBINE if x.dtype == np.bool_ else _COMBINE).get(name)
    if ufunc is None:
        raise FunctionalError(f"tt.reduce cannot combine {x.dtype} values with {name}")
    bf16 = str(T.element_of(t)) == "bf16"
    with np.errstate(all="ignore"):  # IEEE overflow to inf is the defined result
        return as_type(_tree_reduce(ufunc, np.asarray(x), op.prop("axis"), bf16), t)


# -- tt.dot -------------------------------------------------------------------

@semantic("tt.dot")
def dot(op, args, ctx):
    """``a @ b + c`` with a and b first converted to the accumulator's dtype (f16
    operands into an f32 accumulator multiply in f32; i8 into i32 sum exactly in i32)."""
    t = _result_type(op)
    dt = dtype_of(t)
    a, b, c = (np.asarray(v).astype(dt, copy=False) for v in args)
    with np.errstate(all="ignore"):  # IEEE overflow to inf is the defined result
        return as_type(np.matmul(a, b) + c, t)


# -- tle ------------------------------------------------------------------------

def _tile_slices(op, shape, tile_shape, index) -> tuple[slice, ...]:
    """The slices of tile ``index`` (row-major over the tile grid) of a tensor of ``shape``."""
    grid = tuple(s // t for s, t in zip(shape, tile_shape))
    count = int(np.prod(grid))
    index = int(index)
    if not 0 <= index < count:
        raise FunctionalError(f"{op.name}: tile index {index} is outside the tile grid "
                              f"{list(grid)} ({count} tiles of {list(tile_shape)} in "
                              f"{list(shape)})")
    coords = np.unravel_index(index, grid)
    return tuple(slice(int(c) * t, (int(c) + 1) * t) for c, t in zip(coords, tile_shape))


@semantic("tle.extract_tile")
def extract_tile(op, args, ctx):
    x, index = args
    tile_shape = tuple(_result_type(op).shape)
    return np.ascontiguousarray(x[_tile_slices(op, x.shape, tile_shape, index)])


@semantic("tle.insert_tile")
def insert_tile(op, args, ctx):
    x, index, tile = args
    out = np.array(x, copy=True)
    out[_tile_slices(op, x.shape, tile.shape, index)] = tile
    return out
