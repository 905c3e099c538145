"""The ``tl`` math builtins and reductions (also ``tl.math.*`` and tensor methods).

The IR's ``tt.reduce`` combines with one arith op, so ``argmax``/``argmin`` and
``cumsum`` are written with the ops the IR has: an arg-reduction is the max,
then the smallest index holding it (Triton's tie-break); a cumulative sum along
an axis of N is a masked sum over an N x N triangle (exact values, O(N^2) work).
"""

from __future__ import annotations

from k1sim.frontend import dtypes as D
from k1sim.frontend import semantic as S
from k1sim.frontend.builtins import builtin, need_int, unwrap
from k1sim.frontend.errors import UnsupportedError
from k1sim.frontend.language import where
from k1sim.frontend.tensor import Tensor
from k1sim.ir import types as T
from k1sim.ir.core import Block, Region, Value



def _float_math(name: str):
    def fn(ctx, x):
        x = S.to_tensor(ctx, x)
        if x.dtype.name not in ("fp32", "fp64"):
            raise UnsupportedError(f"tl.{name} expects fp32 or fp64 (as Triton), got {x.dtype}; "
                                   "cast with .to(tl.float32)")
        return S.wrap(ctx, ctx.k.emit(f"math.{name}", [x.handle], x.handle.type), x.dtype)
    fn.__name__ = name
    return builtin(fn)


exp, exp2, log, log2, sqrt, rsqrt, erf = (_float_math(n) for n in
                                          ("exp", "exp2", "log", "log2", "sqrt", "rsqrt", "erf"))


def _round(name: str):
    def fn(ctx, x):
        x = S.to_tensor(ctx, x)
        if not x.dtype.is_floating():
            raise UnsupportedError(f"tl.{name} expects a float, got {x.dtype}")
        return S.wrap(ctx, ctx.k.emit(f"math.{name}", [x.handle], x.handle.type), x.dtype)
    fn.__name__ = name
    return builtin(fn)


floor, ceil = _round("floor"), _round("ceil")


@builtin
def abs(ctx, x):
    x = S.to_tensor(ctx, x)
    if x.dtype.is_floating():
        return S.wrap(ctx, ctx.k.emit("math.absf", [x.handle], x.handle.type), x.dtype)
    if not x.dtype.signed or x.dtype.is_bool():
        return x
    return where(S.binary(ctx, "<", x, 0), S.neg(ctx, x), x, _ctx=ctx)


@builtin
def fma(ctx, x, y, z):
    x, y = S.operands(ctx, x, y)
    x, z = S.operands(ctx, x, z)
    x, y = S.broadcast_pair(ctx, x, y)
    if not x.dtype.is_floating():
        raise UnsupportedError(f"tl.fma expects floats, got {x.dtype}")
    return S.wrap(ctx, ctx.k.emit("math.fma", [x.handle, y.handle, z.handle], x.handle.type),
                  x.dtype)


def _prepare(ctx, x, axis, fn: str):
    """The tensor and a non-negative axis; ``axis=None`` flattens to 1-D first."""
    if not isinstance(x, Tensor) or not x.shape:
        raise UnsupportedError(f"{fn} needs a tensor, got {S.describe(x)}")
    axis = unwrap(axis)
    if axis is None:
        return S.reshape(ctx, x, (x.numel,)), 0
    axis = need_int(axis, "axis", fn)
    rank = len(x.shape)
    if not -rank <= axis < rank:
        raise UnsupportedError(f"{fn}: axis {axis} is out of range for shape {list(x.shape)}")
    return x, axis % rank


def _keep(ctx, r: Tensor, x: Tensor, axis, keep_dims) -> Tensor:
    if not unwrap(keep_dims):
        return r
    if unwrap(axis) is None:
        return S.reshape(ctx, r, (1,) * len(x.shape))
    return S.expand_dims(ctx, r, axis % len(x.shape))


def _sum_dtype(x: D.dtype, dtype) -> D.dtype:
    """Triton's ``_pick_sum_dtype``: small integers are summed in 32 bits."""
    dtype = unwrap(dtype)
    if dtype is not None:
        return dtype
    if x.is_int() and x.primitive_bitwidth < 32:
        return D.int32 if x.signed or x.is_bool() else D.uint32
    return x


def _reduce(ctx, x: Tensor, axis: int, combine: str) -> Tensor:
    if combine != "add" and x.dtype.is_int() and not x.dtype.signed:
        raise UnsupportedError(f"{combine} of unsigned {x.dtype} is not supported; cast to a "
                               "signed type first")
    return S.wrap(ctx, ctx.k.reduce(x.handle, axis, combine), x.dtype)


@builtin
def sum(ctx, input, axis=None, keep_dims=False, dtype=None):
    x, a = _prepare(ctx, input, axis, "tl.sum")
    x = S.cast(ctx, x, _sum_dtype(x.dtype, dtype))
    return _keep(ctx, _reduce(ctx, x, a, "add"), input, axis, keep_dims)


def _extreme(kind: str):
    def fn(ctx, input, axis=None, return_indices=False, return_indices_tie_break_left=True,
           keep_dims=False):
        x, a = _prepare(ctx, input, axis, f"tl.{kind}")
        r = _keep(ctx, _reduce(ctx, x, a, kind), input, axis, keep_dims)
        if unwrap(return_indices):
            return r, _keep(ctx, _arg(ctx, x, a, kind), input, axis, keep_dims)
        return r
    fn.__name__ = kind
    return builtin(fn)


max, min = _extreme("max"), _extreme("min")


def _arg(ctx, x: Tensor, axis: int, kind: str) -> Tensor:
    best = S.expand_dims(ctx, _reduce(ctx, x, axis, kind), axis)
    hit = S.binary(ctx, "==", x, S.broadcast_to(ctx, best, x.shape))
    n = x.shape[axis]
    idx = _iota(ctx, x.shape, axis)
    cand = where(hit, idx, n, _ctx=ctx)
    return _reduce(ctx, cand, axis, "min")


def _iota(ctx, shape, axis: int) -> Tensor:
    """An int32 tensor of ``shape`` holding each element's index along ``axis``."""
    r = S.wrap(ctx, ctx.k.make_range(0, shape[axis]), D.int32)
    for d in range(len(shape)):
        if d != axis:
            r = S.expand_dims(ctx, r, d)
    return S.broadcast_to(ctx, r, shape)


def _argfn(kind: str, name: str):
    def fn(ctx, input, axis, tie_break_left=True, keep_dims=False):
        x, a = _prepare(ctx, input, axis, f"tl.{name}")
        return _keep(ctx, _arg(ctx, x, a, kind), input, axis, keep_dims)
    fn.__name__ = name
    return builtin(fn)


argmax, argmin = _argfn("max", "argmax"), _argfn("min", "argmin")


@builtin
def cumsum(ctx, input, axis=0, reverse=False, dtype=None):
    x, a = _prepare(ctx, input, axis, "tl.cumsum")
    x = S.cast(ctx, x, _sum_dtype(x.dtype, dtype))
    n = x.shape[a]
    # [..., i, j, ...]: i is the output position (axis a), j the summed one (axis a + 1).
    tri_shape = x.shape[:a] + (n,) + x.shape[a:]
    xj = S.broadcast_to(ctx, S.expand_dims(ctx, x, a), tri_shape)
    i, j = _iota(ctx, tri_shape, a), _iota(ctx, tri_shape, a + 1)
    take = S.binary(ctx, ">=" if unwrap(reverse) else "<=", j, i)
    return _reduce(ctx, where(take, xj, 0, _ctx=ctx), a + 1, "add")


@builtin
def reduce(ctx, input, axis, combine_fn, keep_dims=False):
    """``tl.reduce`` with a @jit combine function that is one add, max, min or mul."""
    if isinstance(input, tuple):
        raise UnsupportedError("tl.reduce over a tuple of tensors is not supported")
    x, a = _prepare(ctx, input, axis, "tl.reduce")
    el = x.handle.type.element
    block = Block([Value(el), Value(el)])
    ctx.k.push(block)
    try:
        out = ctx.call(combine_fn, [S.wrap(ctx, v, x.dtype) for v in block.args], {})
        if not isinstance(out, Tensor) or out.handle.type != el:
            raise UnsupportedError(f"tl.reduce: the combine function must return one {x.dtype}")
        ctx.k.op("tt.reduce.return", [out.handle])
    finally:
        ctx.k.pop()
    shape = x.shape[:a] + x.shape[a + 1:]
    result = T.TensorType(shape, el) if shape else el
    from k1sim.ir import attrs as A
    handle = ctx.k.op("tt.reduce", [x.handle], [result], {"axis": A.IntAttr(a, T.i32)},
                      regions=[Region([block])]).result
    return _keep(ctx, S.wrap(ctx, handle, x.dtype), input, axis, keep_dims)


TENSOR_METHODS = {n: globals()[n] for n in ("sum", "max", "min", "argmax", "argmin", "reduce",
                                            "cumsum", "exp", "exp2", "log", "log2", "sqrt",
                                            "rsqrt", "abs")}
