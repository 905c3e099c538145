"""spine-triton's ``smt`` builtins (``triton.language.extra.smt``), as its ``language/smt``
defines them: each emits what spine-triton's semantic layer emits, through the Builder.

``smt.dot`` follows spine-triton's rule for B: B is ``[K1, N1, k0, n0]`` (and is
transposed to ``[N1, K1, n0, k0]`` before the mmt4d) when A's K1 and k0 match
B's dims 0 and 2, checked first; otherwise B must already be ``[N1, K1, n0, k0]``.
When both readings fit (K1 == N1 and k0 == n0) the first wins and a warning
names the Python line: a Q@Kᵀ written with K packed as ``[N1, K1, n0, k0]`` is
silently computed as Q@K otherwise.
"""

from __future__ import annotations

from k1sim.frontend import dtypes as D
from k1sim.frontend import semantic as S
from k1sim.frontend.builtins import builtin, need_int, need_ints, unwrap
from k1sim.frontend.errors import UnsupportedError
from k1sim.frontend.language import range as tl_range
from k1sim.frontend.tensor import Tensor
from k1sim.ir import types as T


def _value(x, fn: str):
    """An int, or a runtime integer scalar's IR value."""
    x = unwrap(x)
    if isinstance(x, Tensor):
        if x.shape or not x.dtype.is_int():
            raise UnsupportedError(f"{fn}: expected an integer scalar, got {S.describe(x)}")
        return x.handle
    return need_int(x, "an argument", fn)


def _result(ctx, handle) -> Tensor:
    return S.wrap(ctx, handle, D.from_ir(T.element_of(handle.type)))


def _block_ptr(x, fn: str) -> Tensor:
    if not (isinstance(x, Tensor) and x.dtype.is_ptr() and x.dtype.element_ty.is_block()):
        raise UnsupportedError(f"{fn} needs a block pointer (tl.make_block_ptr, smt.alloc, a "
                               f"buffer copy), got {S.describe(x)}")
    return x


@builtin
def descriptor_load(ctx, base, offsets, destination=None):
    base = _block_ptr(base, "smt.descriptor_load")
    offs = [_value(o, "smt.descriptor_load") for o in unwrap(offsets)]
    if destination is not None:
        ctx.k.descriptor_load(base.handle, offs, into=_block_ptr(destination,
                                                                 "smt.descriptor_load").handle)
        return None
    return S.wrap(ctx, ctx.k.descriptor_load(base.handle, offs), base.dtype.element_ty.element_ty)


@builtin
def view(ctx, base, offsets, shape, packed_size=None, destination=None):
    if not isinstance(base, Tensor) or not (base.shape or base.dtype.is_ptr()):
        raise UnsupportedError(f"smt.view needs a tensor or a block pointer, got "
                               f"{S.describe(base)}")
    offs = [_value(o, "smt.view") for o in unwrap(offsets)]
    shape = need_ints(shape, "shape", "smt.view")
    packed = None if unwrap(packed_size) is None else need_ints(packed_size, "packed_size",
                                                                "smt.view")
    into = None if destination is None else destination.handle
    handle = ctx.k.view(base.handle, offs, shape, packed, into)
    if base.dtype.is_ptr():
        return S.wrap(ctx, handle, D.from_ir(handle.type))
    return S.wrap(ctx, handle, base.dtype)


@builtin
def dot(ctx, a_packed, b_packed, out_unpacked=None):
    a, b = a_packed, b_packed
    for x in (a, b):
        if not isinstance(x, Tensor) or len(x.shape) != 4:
            raise UnsupportedError(f"smt.dot needs two packed 4-D tensors (from smt.view), got "
                                   f"{S.describe(x)}")
    sa, sb = a.shape, b.shape
    if sa[1] == sb[0] and sa[3] == sb[2] and sa[1] == sb[1] and sa[3] == sb[3]:
        ctx.warn(f"smt.dot: B {list(sb)} is ambiguous with A {list(sa)} (K1 == N1 == {sa[1]} "
                 f"and k0 == n0 == {sa[3]}): read as [K1, N1, k0, n0] and transposed, as "
                 "spine-triton does. If B is already [N1, K1, n0, k0] (as K is for Q @ K^T), the "
                 "result is wrong: pack B with a tile whose k0 differs from n0")
    out = None if out_unpacked is None else S.to_tensor(ctx, out_unpacked).handle
    # spine-triton types the result as A; for integer tiles that would wrap every sum, so
    # an integer dot keeps its i32 accumulator (FORMAT 4.3's wide form, as gemm_i8.xsmt)
    result = D.int32 if a.dtype.is_int() and a.dtype.ir.width < 32 else a.dtype
    return S.wrap(ctx, ctx.k.dot(a.handle, b.handle, out, result.ir), result)


def _storage(storage, fn: str) -> str:
    storage = unwrap(storage)
    if not isinstance(storage, str):
        raise UnsupportedError(f"{fn}: storage must be a string such as 'l2', got {storage!r}")
    return storage


def _dtype(dtype, fn: str) -> D.dtype:
    dtype = unwrap(dtype)
    if not isinstance(dtype, D.dtype) or dtype.is_ptr():
        raise UnsupportedError(f"{fn}: the type must be a tl dtype, got {dtype!r}")
    return dtype


@builtin
def alloc(ctx, shape, type=D.float32, storage="l2"):
    shape = need_ints(shape, "shape", "smt.alloc")
    dtype = _dtype(type, "smt.alloc")
    handle = ctx.k.alloc(shape, dtype.ir, _storage(storage, "smt.alloc"))
    return S.wrap(ctx, handle, D.pointer_type(D.block_type(dtype, shape)))


class Buffer(Tensor):
    """``smt.alloc_copies``: ``buf[i]`` is a block pointer to copy ``i``."""

    __slots__ = ("element",)

    def __getitem__(self, index):
        handle = self.ctx.k.buffer_view(self.handle, _value(index, "buffer[i]"))
        return S.wrap(self.ctx, handle, D.from_ir(handle.type))


@builtin
def alloc_copies(ctx, shape, dtype=D.float32, storage="l2", copies=1):
    shape = need_ints(shape, "shape", "smt.alloc_copies")
    el = _dtype(dtype, "smt.alloc_copies")
    copies = need_int(copies, "copies", "smt.alloc_copies")
    handle = ctx.k.alloc_copies(shape, el.ir, _storage(storage, "smt.alloc_copies"), copies)
    return Buffer(ctx, handle, el)


class MBarriers(Tensor):
    """``smt.mbarrier_copies``: ``bars[i]`` is slot ``i``'s i64 handle."""

    __slots__ = ()

    def __getitem__(self, index):
        index = unwrap(index)
        if isinstance(index, Tensor):
            index = S.cast(self.ctx, index, D.int64).handle
        return S.wrap(self.ctx, self.ctx.k.mbarrier_subview(self.handle, index), D.int64)


@builtin
def mbarrier(ctx, flag=0, arrive_count=0, transaction_count=0, expect_count=1):
    counts = [_value(v, "smt.mbarrier") for v in (flag, arrive_count, transaction_count,
                                                  expect_count)]
    return S.wrap(ctx, ctx.k.mbarrier(*counts), D.int64)


@builtin
def mbarrier_copies(ctx, flag=0, arrive_count=0, transaction_count=0, expect_count=1, copies=1):
    fn = "smt.mbarrier_copies"
    handle = ctx.k.mbarrier_copies(need_int(flag, "flag", fn),
                                   need_int(arrive_count, "arrive_count", fn),
                                   need_int(transaction_count, "transaction_count", fn),
                                   need_int(expect_count, "expect_count", fn),
                                   need_int(copies, "copies", fn))
    return MBarriers(ctx, handle, D.int64)


@builtin
def barrier_arrive(ctx, bar):
    ctx.k.barrier_arrive(_value(bar, "smt.barrier_arrive"))


@builtin
def barrier_wait(ctx, bar, flag=0, arrive_count=0):
    ctx.k.barrier_wait(*(_value(v, "smt.barrier_wait") for v in (bar, flag, arrive_count)))


@builtin
def get_num_of_thread(ctx):
    return S.wrap(ctx, ctx.k.get_num_of_thread(), D.int32)


@builtin
def global_mbarrier(ctx, id):
    return S.wrap(ctx, ctx.k.global_mbarrier(_value(id, "smt.global_mbarrier")), D.int64)


@builtin
def barrier_set_expect(ctx, bar, expect_count=1):
    ctx.k.barrier_set_expect(*(_value(v, "smt.barrier_set_expect") for v in (bar, expect_count)))


@builtin
def compile_hint(ctx, ptr, hint_name, hint_val=None):
    name, val = unwrap(hint_name), unwrap(hint_val)
    if not isinstance(name, str):
        raise UnsupportedError(f"smt.compile_hint: the hint name must be a string, got {name!r}")
    if val is not None and not isinstance(val, (bool, int)):
        raise UnsupportedError(f"smt.compile_hint: the value must be a bool or an int, got "
                               f"{val!r}")
    ctx.k.compile_hint(S.to_tensor(ctx, ptr).handle, name, val or None)


class parallel(tl_range):
    """``smt.parallel``: an ``scf.for {bind_sub_block = true}`` over the stream's threads."""

    def __init__(self, arg1, arg2=None, step=None, num_stages=None, loop_unroll_factor=None,
                 bind_sub_block=True):
        super().__init__(arg1, arg2, step)
        self.bind_sub_block = bind_sub_block
