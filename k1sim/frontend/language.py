"""The ``tl`` builtins for launch, memory, creation and shaping (``triton.language``).

Math and reductions are in ``language_math``; ``TENSOR_METHODS`` lists the ones a
traced tensor also offers as methods (``x.reshape(...)``).
"""

from __future__ import annotations

from k1sim.frontend import dtypes as D
from k1sim.frontend import semantic as S
from k1sim.frontend.builtins import builtin, need_int, need_ints, unwrap
from k1sim.frontend.errors import UnsupportedError
from k1sim.frontend.tensor import Tensor
from k1sim.ir import types as T

PADDING = {"": None, None: None, "zero": 1, "nan": 2, "neg_inf": 3, "pos_inf": 4}


def _axis(axis, fn: str) -> int:
    axis = need_int(axis, "axis", fn)
    if axis not in (0, 1, 2):
        raise UnsupportedError(f"{fn}: axis must be 0, 1 or 2, got {axis}")
    return axis


@builtin
def program_id(ctx, axis=0):
    return S.wrap(ctx, ctx.k.program_id(_axis(axis, "tl.program_id")), D.int32)


@builtin
def num_programs(ctx, axis=0):
    return S.wrap(ctx, ctx.k.num_programs(_axis(axis, "tl.num_programs")), D.int32)


@builtin
def arange(ctx, start, end):
    start, end = need_int(start, "start", "tl.arange"), need_int(end, "end", "tl.arange")
    n = end - start
    if n <= 0 or n & (n - 1):
        raise UnsupportedError(f"tl.arange({start}, {end}): the length must be a power of 2, "
                               f"got {n}")
    return S.wrap(ctx, ctx.k.make_range(start, end), D.int32)


def _dtype(dtype, fn: str) -> D.dtype:
    dtype = unwrap(dtype)
    if not isinstance(dtype, D.dtype) or dtype.is_ptr():
        raise UnsupportedError(f"{fn}: dtype must be a tl dtype such as tl.float32, got {dtype!r}")
    return dtype


@builtin
def zeros(ctx, shape, dtype):
    return full(shape, 0, dtype, _ctx=ctx)


@builtin
def full(ctx, shape, value, dtype):
    shape, dtype = need_ints(shape, "shape", "tl.full"), _dtype(dtype, "tl.full")
    value = unwrap(value)
    if isinstance(value, Tensor):
        return S.broadcast_to(ctx, S.cast(ctx, value, dtype), shape)
    value = float(value) if dtype.is_floating() else int(value)
    return S.wrap(ctx, ctx.k.const(value, dtype.ir, shape), dtype)


def _pointee(p, fn: str) -> D.dtype:
    if not isinstance(p, Tensor) or not p.dtype.is_ptr():
        raise UnsupportedError(f"{fn} needs a pointer, got {S.describe(p)}")
    return p.dtype.element_ty


def _checks(boundary_check, fn: str) -> tuple:
    return need_ints(boundary_check or (), "boundary_check", fn)


@builtin
def load(ctx, pointer, mask=None, other=None, boundary_check=(), padding_option="",
         cache_modifier="", eviction_policy="", volatile=False):
    pointee = _pointee(pointer, "tl.load")
    padding_option = unwrap(padding_option)
    if padding_option not in PADDING:
        raise UnsupportedError(f"tl.load: padding_option {padding_option!r}; one of "
                               f"{', '.join(repr(k) for k in PADDING if k)}")
    if pointee.is_block():
        if mask is not None or other is not None:
            raise UnsupportedError("tl.load of a block pointer takes boundary_check and "
                                   "padding_option, not mask/other")
        handle = ctx.k.load(pointer.handle, boundary_check=_checks(boundary_check, "tl.load"),
                            padding=PADDING[padding_option])
        return S.wrap(ctx, handle, pointee.element_ty)
    if boundary_check:
        raise UnsupportedError("tl.load: boundary_check is for block pointers; use mask")
    if other is not None and mask is None:
        raise UnsupportedError("tl.load: 'other' needs a mask")
    m = _fit(ctx, S.as_condition(ctx, mask), pointer) if mask is not None else None
    o = _fit(ctx, S.to_tensor(ctx, other, pointee), pointer) if other is not None else None
    handle = ctx.k.load(pointer.handle, None if m is None else m.handle,
                        None if o is None else o.handle)
    return S.wrap(ctx, handle, pointee)


def _fit(ctx, x: Tensor, pointer: Tensor) -> Tensor:
    if x.shape and x.shape != pointer.shape and not pointer.shape:
        raise UnsupportedError(f"a mask or value of shape {list(x.shape)} for a scalar pointer")
    return S.broadcast_to(ctx, x, pointer.shape) if pointer.shape else x


@builtin
def store(ctx, pointer, value, mask=None, boundary_check=(), cache_modifier="",
          eviction_policy=""):
    pointee = _pointee(pointer, "tl.store")
    if pointee.is_block():
        if mask is not None:
            raise UnsupportedError("tl.store to a block pointer takes boundary_check, not mask")
        v = S.cast(ctx, S.to_tensor(ctx, value, pointee.element_ty), pointee.element_ty)
        v = S.broadcast_to(ctx, v, pointee.shape)
        ctx.k.store(pointer.handle, v.handle,
                    boundary_check=_checks(boundary_check, "tl.store"))
        return None
    if boundary_check:
        raise UnsupportedError("tl.store: boundary_check is for block pointers; use mask")
    v = _fit(ctx, S.cast(ctx, S.to_tensor(ctx, value, pointee), pointee), pointer)
    m = _fit(ctx, S.as_condition(ctx, mask), pointer) if mask is not None else None
    ctx.k.store(pointer.handle, v.handle, None if m is None else m.handle)
    return None


@builtin
def make_block_ptr(ctx, base, shape, strides, offsets, block_shape, order):
    pointee = _pointee(base, "tl.make_block_ptr")
    block_shape = need_ints(block_shape, "block_shape", "tl.make_block_ptr")
    order = need_ints(order, "order", "tl.make_block_ptr")
    lists = [unwrap(x) for x in (shape, strides, offsets)]
    for name, xs in zip(("shape", "strides", "offsets"), lists):
        if not isinstance(xs, (tuple, list)) or len(xs) != len(block_shape):
            raise UnsupportedError(f"tl.make_block_ptr: {name} needs {len(block_shape)} "
                                   f"entries, one per block dimension, got {xs!r}")
    shape, strides, offsets = ([_index(ctx, v) for v in xs] for xs in lists)
    handle = ctx.k.make_block_ptr(base.handle, shape, strides, offsets, block_shape, order)
    return S.wrap(ctx, handle, D.pointer_type(D.block_type(pointee, block_shape)))


def _index(ctx, v):
    """An int or an integer scalar's IR value (the Builder casts it to the width it needs)."""
    v = unwrap(v)
    if isinstance(v, Tensor):
        if v.shape or not v.dtype.is_int():
            raise UnsupportedError(f"expected an integer scalar, got {S.describe(v)}")
        return v.handle
    if isinstance(v, bool) or not isinstance(v, int):
        raise UnsupportedError(f"expected an integer, got {v!r}")
    return v


@builtin
def advance(ctx, base, offsets):
    pointee = _pointee(base, "tl.advance")
    offsets = unwrap(offsets)
    if not pointee.is_block() or len(offsets) != len(pointee.shape):
        raise UnsupportedError("tl.advance needs a block pointer and one offset per dimension")
    return S.wrap(ctx, ctx.k.advance(base.handle, [_index(ctx, v) for v in offsets]), base.dtype)


def _tensor(x, fn: str) -> Tensor:
    if not isinstance(x, Tensor) or x.dtype.is_ptr() and not x.shape:
        raise UnsupportedError(f"{fn} needs a tensor, got {S.describe(x)}")
    return x


def _dims(dims, fn: str):
    dims = tuple(unwrap(d) for d in dims)
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    return need_ints(dims, "dims", fn) if dims else None


@builtin
def trans(ctx, input, *dims):
    return S.permute(ctx, _tensor(input, "tl.trans"), _dims(dims, "tl.trans"))


@builtin
def permute(ctx, input, *dims):
    return S.permute(ctx, _tensor(input, "tl.permute"), _dims(dims, "tl.permute"))


@builtin
def reshape(ctx, input, *shape, can_reorder=False):
    shape = _dims(shape, "tl.reshape") or ()
    return S.reshape(ctx, _tensor(input, "tl.reshape"), shape)


@builtin
def view(ctx, input, *shape):
    return S.reshape(ctx, _tensor(input, "tl.view"), _dims(shape, "tl.view") or ())


@builtin
def broadcast_to(ctx, input, *shape):
    return S.broadcast_to(ctx, S.to_tensor(ctx, input), _dims(shape, "tl.broadcast_to") or ())


@builtin
def expand_dims(ctx, input, axis):
    x = S.to_tensor(ctx, input)
    for a in sorted(need_ints(axis, "axis", "tl.expand_dims")):
        x = S.expand_dims(ctx, x, a)
    return x


@builtin
def where(ctx, condition, x, y):
    cond = S.as_condition(ctx, condition)
    x, y = S.operands(ctx, x, y)
    cond, x = S.broadcast_pair(ctx, cond, x)
    cond, y = S.broadcast_pair(ctx, cond, y)
    x, y = S.broadcast_pair(ctx, x, y)
    cond, _ = S.broadcast_pair(ctx, cond, x)
    return S.wrap(ctx, ctx.k.emit("arith.select", [cond.handle, x.handle, y.handle],
                                  x.handle.type), x.dtype)


def _minmax(ctx, x, y, kind: str) -> Tensor:
    x, y = S.operands(ctx, x, y)
    if x.dtype.is_floating():
        name = f"{kind}numf"
    else:
        name = f"{kind}{'si' if x.dtype.signed else 'ui'}"
    return S.wrap(ctx, ctx.k.emit(f"arith.{name}", [x.handle, y.handle], x.handle.type),
                  x.dtype)


@builtin
def maximum(ctx, x, y, propagate_nan=None):
    return _minmax(ctx, x, y, "max")


@builtin
def minimum(ctx, x, y, propagate_nan=None):
    return _minmax(ctx, x, y, "min")


@builtin
def dot(ctx, input, other, acc=None, input_precision=None, allow_tf32=None,
        max_num_imprecise_acc=None, out_dtype=D.float32):
    a, b = _tensor(input, "tl.dot"), _tensor(other, "tl.dot")
    if len(a.shape) != 2 or len(b.shape) != 2:
        raise UnsupportedError(f"tl.dot multiplies 2-D tensors, got {list(a.shape)} and "
                               f"{list(b.shape)}")
    if a.shape[1] != b.shape[0] or a.dtype != b.dtype:
        raise UnsupportedError(f"tl.dot: {S.describe(a)} and {S.describe(b)} do not multiply")
    if acc is None:
        out = D.int32 if a.dtype.is_int() else _dtype(out_dtype, "tl.dot")
        acc = S.wrap(ctx, ctx.k.zeros((a.shape[0], b.shape[1]), out.ir), out)
    acc = S.to_tensor(ctx, acc)
    return S.wrap(ctx, ctx.k.matmul(a.handle, b.handle, acc.handle), acc.dtype)


@builtin
def cdiv(ctx, x, div):
    x, div = unwrap(x), unwrap(div)
    if not isinstance(x, Tensor) and not isinstance(div, Tensor):
        return (x + div - 1) // div
    return S.binary(ctx, "//", S.binary(ctx, "-", S.binary(ctx, "+", x, div), 1), div)


@builtin
def multiple_of(ctx, input, values):
    return input  # a hint for the compiler's alignment analysis: no op, no value change


@builtin
def max_contiguous(ctx, input, values):
    return input  # a hint, like multiple_of


@builtin
def static_assert(ctx, cond, msg=""):
    cond = unwrap(cond)
    if isinstance(cond, Tensor):
        raise UnsupportedError("tl.static_assert needs a compile-time condition; got a "
                               "runtime value")
    if not cond:
        raise UnsupportedError(f"static_assert failed: {unwrap(msg)}" if msg
                               else "static_assert failed")


class range:
    """``tl.range``: an ``scf.for`` (the tracer reads its bounds; the hints are accepted)."""

    def __init__(self, arg1, arg2=None, step=None, num_stages=None, loop_unroll_factor=None,
                 disallow_acc_multi_buffer=False, flatten=False, warp_specialize=False):
        self.start, self.end = (0, arg1) if arg2 is None else (arg1, arg2)
        self.step = 1 if step is None else step


class static_range:
    """``tl.static_range``: unrolled by the tracer; the bounds must be compile-time ints."""

    def __init__(self, arg1, arg2=None, step=None):
        self.start, self.end = (0, arg1) if arg2 is None else (arg1, arg2)
        self.step = 1 if step is None else step


# What a traced tensor offers as methods (x.reshape(...)); language_math adds its own.
TENSOR_METHODS = {"reshape": reshape, "view": view, "trans": trans, "permute": permute,
                  "broadcast_to": broadcast_to, "expand_dims": expand_dims}
