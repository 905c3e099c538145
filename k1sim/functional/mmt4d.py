"""``xsmt.mmt4d`` values (FORMAT.md 4.3).

``C[i, j, a, b] = sum_{k, c} A[i, k, a, c] * B[j, k, b, c]`` with
``A[M1, K1, m0, k0]`` and ``B[N1, K1, n0, k0]`` (B already transposed). Products
accumulate in the wide type (f32 for f16/bf16/f32, i32 for i8/i4, f64 for f64)
and the sum is converted once to the result type: the operands' type, the wide
type, or bf16 (a float32 array of bf16 values, see ``dtypes``). ``acc`` models
``acc += mmt4d`` fused in place: it is added to the sum in the wide type before
that conversion.

The numba kernel untiles both operands to K-contiguous rows in the wide type
(f16 and i8 are widened once, up front: cheaper than per tile) and computes 4x4
blocks of dot products with the 16 sums in registers. i32 sums wrap like the
hardware's. Float sums are reassociated (vectorized along K, fused
multiply-adds) as a hardware engine's are, so they may differ from the numpy
twin's in the last bits; both are deterministic on one machine.
"""

from __future__ import annotations

import numpy as np

from k1sim.functional._jit import lazy_njit
from k1sim.functional.dtypes import result_dtype, round_bf16, wide_dtype
from k1sim.functional.errors import FunctionalError

_BLOCK = 4  # rows of A and of B per register block (4 x 4 sums)


def _check(a, b, out_dtype, acc):
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != 4 or b.ndim != 4:
        raise FunctionalError(f"mmt4d needs 4-D operands, got A {list(a.shape)} and "
                              f"B {list(b.shape)}")
    if a.shape[1] != b.shape[1] or a.shape[3] != b.shape[3]:
        raise FunctionalError(f"mmt4d operands disagree on K1 or k0: A {list(a.shape)} "
                              f"[M1, K1, m0, k0] and B {list(b.shape)} [N1, K1, n0, k0]")
    if a.dtype != b.dtype:
        raise FunctionalError(f"mmt4d operands have different dtypes: A {a.dtype}, B {b.dtype}")
    wide = wide_dtype(a.dtype)
    out, to_bf16 = result_dtype(a.dtype, out_dtype)
    if acc is not None:
        acc = np.asarray(acc)
        expected = (a.shape[0], b.shape[0], a.shape[2], b.shape[2])
        if acc.shape != expected:
            raise FunctionalError(f"mmt4d acc has shape {list(acc.shape)}, the product "
                                  f"{list(expected)}")
        if not np.can_cast(acc.dtype, wide, "same_kind"):
            raise FunctionalError(f"mmt4d acc of {acc.dtype} cannot join {wide} sums")
        acc = acc.astype(wide, copy=False)
    return a, b, wide, out, to_bf16, acc


def _finish(c, acc, out, to_bf16) -> np.ndarray:
    """Add ``acc`` and convert the wide sums once to the result type."""
    if acc is not None:
        c = c + acc
    if to_bf16:
        return round_bf16(c)
    return np.ascontiguousarray(c, dtype=out)


def mmt4d(a, b, out_dtype=None, acc=None) -> np.ndarray:
    """``xsmt.mmt4d``: ``C[M1, N1, m0, n0]``; ``out_dtype`` None means A's dtype."""
    a, b, wide, out, to_bf16, acc = _check(a, b, out_dtype, acc)
    (m1, _, m0, _), (n1, _, n0, _) = a.shape, b.shape
    a_rows, b_rows = _rows(a, wide), _rows(b, wide)
    c = np.empty((a_rows.shape[0], b_rows.shape[0]), wide)
    if c.size:
        _gemm(a_rows, b_rows, c)
    c = c[:m1 * m0, :n1 * n0].reshape(m1, m0, n1, n0).transpose(0, 2, 1, 3)
    return _finish(c, acc, out, to_bf16)


def _rows(x: np.ndarray, wide: np.dtype) -> np.ndarray:
    """``x[X1, K1, x0, k0]`` as rows ``[X1*x0, K1*k0]`` of the wide type, zero rows to a block."""
    x1, k1, x0, k0 = x.shape
    rows = x1 * x0
    out = np.zeros((-(-rows // _BLOCK) * _BLOCK, k1 * k0), wide)
    out[:rows].reshape(x1, x0, k1, k0)[...] = x.transpose(0, 2, 1, 3)
    return out


# One thread: numba's prange halves the time on an idle 2-core machine but
# doubles it when another process holds a core (threads wait at the barrier),
# and simulator sweeps already run one process per core.
@lazy_njit()
def _gemm(a, b, c):
    """``c = a @ b.T`` for row counts that are multiples of 4."""
    for r in range(0, a.shape[0], _BLOCK):
        for j in range(0, b.shape[0], _BLOCK):
            _block(a, b, c, r, j)


@lazy_njit(fastmath={"reassoc", "contract"})
def _block(a, b, c, r, j):
    """``c[r:r+4, j:j+4] = a[r:r+4] @ b[j:j+4].T``; the 16 sums stay in registers.

    numba widens int32 products to int64; storing the sums into the int32 ``c``
    keeps the low 32 bits, which is exactly i32 wrap-around accumulation.
    """
    a0, a1, a2, a3 = a[r], a[r + 1], a[r + 2], a[r + 3]
    b0, b1, b2, b3 = b[j], b[j + 1], b[j + 2], b[j + 3]
    s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = c.dtype.type(0)
    s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = c.dtype.type(0)
    for k in range(a.shape[1]):
        x0, x1, x2, x3 = a0[k], a1[k], a2[k], a3[k]
        y0, y1, y2, y3 = b0[k], b1[k], b2[k], b3[k]
        s00 += x0 * y0
        s01 += x0 * y1
        s02 += x0 * y2
        s03 += x0 * y3
        s10 += x1 * y0
        s11 += x1 * y1
        s12 += x1 * y2
        s13 += x1 * y3
        s20 += x2 * y0
        s21 += x2 * y1
        s22 += x2 * y2
        s23 += x2 * y3
        s30 += x3 * y0
        s31 += x3 * y1
        s32 += x3 * y2
        s33 += x3 * y3
    c[r, j], c[r, j + 1], c[r, j + 2], c[r, j + 3] = s00, s01, s02, s03
    c[r + 1, j], c[r + 1, j + 1], c[r + 1, j + 2], c[r + 1, j + 3] = s10, s11, s12, s13
    c[r + 2, j], c[r + 2, j + 1], c[r + 2, j + 2], c[r + 2, j + 3] = s20, s21, s22, s23
    c[r + 3, j], c[r + 3, j + 1], c[r + 3, j + 2], c[r + 3, j + 3] = s30, s31, s32, s33


def mmt4d_ref(a, b, out_dtype=None, acc=None) -> np.ndarray:
    """numpy twin of :func:`mmt4d`, written as the definition."""
    a, b, wide, out, to_bf16, acc = _check(a, b, out_dtype, acc)
    if wide.kind == "i":  # exact in int64, then wrapped to i32 as i32 accumulation wraps
        c = np.einsum("ikac,jkbc->ijab", a.astype(np.int64), b.astype(np.int64)).astype(wide)
    else:
        c = np.einsum("ikac,jkbc->ijab", a.astype(wide), b.astype(wide))
    return _finish(c, acc, out, to_bf16)
