"""``xsmt.pack`` / ``unpack`` / ``repack`` values (FORMAT.md 4.3).

A packed tensor ``P[T0, T1, P0, P1]`` holds a 2-D window in tiles:
``P[i, j, a, b] = W[i*P0 + a, j*P1 + b]``. **pack** takes the window
``x[o0:o0+S0, o1:o1+S1]`` clipped to ``x``'s bounds (offsets may be negative or
past the end), zero-pads it to ``cdiv(S, P) * P`` and tiles it. **unpack**
untiles the whole 4-D tensor and takes ``[o0:o0+S0, o1:o1+S1]``, zero outside.
**repack** is unpack-all, then pack with the new tile, in one pass.

Each numba kernel sits next to its numpy ``*_ref`` twin; the tests compare them
bit for bit.
"""

from __future__ import annotations

import numpy as np

from k1sim.functional._jit import lazy_njit
from k1sim.functional.errors import FunctionalError


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


_LIMIT = 1 << 62  # offsets and sizes stay far from int64 overflow inside the kernels


def _pair(op: str, name: str, value, minimum: int) -> tuple[int, int]:
    try:
        first, second = (int(v) for v in value)
    except (TypeError, ValueError):
        raise FunctionalError(f"{op}: {name} must be two integers, got {value!r}") from None
    for v in (first, second):
        if not minimum <= v < _LIMIT:
            raise FunctionalError(f"{op}: {name} must be in [{minimum}, 2**62), "
                                  f"got [{first}, {second}]")
    return first, second


def _check_rank(op: str, x: np.ndarray, rank: int) -> None:
    if x.ndim != rank:
        raise FunctionalError(f"{op} needs a {rank}-D tensor, got shape {list(x.shape)}")


def _args(op, x, rank, offsets, shape, packed=None):
    """Checked operands; with ``packed``, also the zero-filled 4-D result."""
    x = np.asarray(x)
    _check_rank(op, x, rank)
    o0, o1 = _pair(op, "offsets", offsets, -_LIMIT)
    s0, s1 = _pair(op, "shape", shape, 0)
    if packed is None:
        return x, o0, o1, s0, s1
    p0, p1 = _pair(op, "packed tile", packed, 1)
    return x, o0, o1, s0, s1, np.zeros((_cdiv(s0, p0), _cdiv(s1, p1), p0, p1), x.dtype)


def _as_bits(x: np.ndarray) -> np.ndarray:
    """``x`` viewed as unsigned ints of its item size: the kernels only move bits, and
    numba has no float16 (one compiled kernel per item size serves every dtype)."""
    bits = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}.get(x.dtype.itemsize)
    if bits is None or x.dtype.kind not in "biuf":
        raise FunctionalError(f"cannot pack elements of dtype {x.dtype}")
    return x.view(bits)


def _clip(offset: int, size: int, extent: int) -> tuple[int, int]:
    """The window positions ``[lo, hi)`` whose source index ``offset + w`` is in ``[0, extent)``."""
    lo = min(max(0, -offset), size)
    return lo, max(lo, min(size, extent - offset))


# ---------------------------------------------------------------------- pack


def pack(x, offsets, shape, packed) -> np.ndarray:
    """``xsmt.pack``: the clipped, zero-padded window of ``x`` as ``[T0, T1, P0, P1]`` tiles."""
    x, o0, o1, s0, s1, out = _args("pack", x, 2, offsets, shape, packed)
    if x.size and out.size:
        _pack_kernel(_as_bits(x), o0, o1, s0, s1, _as_bits(out))
    return out


@lazy_njit()
def _pack_kernel(x, o0, o1, s0, s1, out):
    p0, p1 = out.shape[2], out.shape[3]
    lo0, hi0 = min(max(0, -o0), s0), min(s0, x.shape[0] - o0)
    lo1, hi1 = min(max(0, -o1), s1), min(s1, x.shape[1] - o1)
    for w0 in range(lo0, hi0):
        i, a = w0 // p0, w0 % p0
        w1 = lo1
        while w1 < hi1:  # one contiguous run per destination tile row
            j, b = w1 // p1, w1 % p1
            n = min(p1 - b, hi1 - w1)
            for e in range(n):
                out[i, j, a, b + e] = x[o0 + w0, o1 + w1 + e]
            w1 += n


def pack_ref(x, offsets, shape, packed) -> np.ndarray:
    """numpy twin of :func:`pack`."""
    x, o0, o1, s0, s1, out = _args("pack", x, 2, offsets, shape, packed)
    t0, t1, p0, p1 = out.shape
    window = np.zeros((t0 * p0, t1 * p1), x.dtype)
    lo0, hi0 = _clip(o0, s0, x.shape[0])
    lo1, hi1 = _clip(o1, s1, x.shape[1])
    window[lo0:hi0, lo1:hi1] = x[o0 + lo0:o0 + hi0, o1 + lo1:o1 + hi1]
    return np.ascontiguousarray(window.reshape(t0, p0, t1, p1).transpose(0, 2, 1, 3))


# -------------------------------------------------------------------- unpack


def unpack(p, offsets, shape) -> np.ndarray:
    """``xsmt.unpack``: ``untile(p)[o0:o0+S0, o1:o1+S1]``, zero outside, shape ``(S0, S1)``."""
    p, o0, o1, s0, s1 = _args("unpack", p, 4, offsets, shape)
    out = np.zeros((s0, s1), p.dtype)
    if p.size and out.size:
        _unpack_kernel(_as_bits(p), o0, o1, _as_bits(out))
    return out


@lazy_njit()
def _unpack_kernel(p, o0, o1, out):
    b0, b1, t0, t1 = p.shape
    s0, s1 = out.shape
    lo0, hi0 = min(max(0, -o0), s0), min(s0, b0 * t0 - o0)
    lo1, hi1 = min(max(0, -o1), s1), min(s1, b1 * t1 - o1)
    for w0 in range(lo0, hi0):
        r = o0 + w0
        i, a = r // t0, r % t0
        w1 = lo1
        while w1 < hi1:  # one contiguous run per source tile row
            c = o1 + w1
            j, b = c // t1, c % t1
            n = min(t1 - b, hi1 - w1)
            for e in range(n):
                out[w0, w1 + e] = p[i, j, a, b + e]
            w1 += n


def _untile_ref(p: np.ndarray) -> np.ndarray:
    b0, b1, t0, t1 = p.shape
    return p.transpose(0, 2, 1, 3).reshape(b0 * t0, b1 * t1)


def unpack_ref(p, offsets, shape) -> np.ndarray:
    """numpy twin of :func:`unpack`."""
    p, o0, o1, s0, s1 = _args("unpack", p, 4, offsets, shape)
    full = _untile_ref(p)
    out = np.zeros((s0, s1), p.dtype)
    lo0, hi0 = _clip(o0, s0, full.shape[0])
    lo1, hi1 = _clip(o1, s1, full.shape[1])
    out[lo0:hi0, lo1:hi1] = full[o0 + lo0:o0 + hi0, o1 + lo1:o1 + hi1]
    return out


# -------------------------------------------------------------------- repack


def repack(p, offsets, shape, packed) -> np.ndarray:
    """``xsmt.repack``: ``pack(untile(p), offsets, shape, packed)`` without the 2-D copy."""
    p, o0, o1, s0, s1, out = _args("repack", p, 4, offsets, shape, packed)
    if p.size and out.size:
        _repack_kernel(_as_bits(p), o0, o1, s0, s1, _as_bits(out))
    return out


@lazy_njit()
def _repack_kernel(p, o0, o1, s0, s1, out):
    b0, b1, t0, t1 = p.shape
    p0, p1 = out.shape[2], out.shape[3]
    lo0, hi0 = min(max(0, -o0), s0), min(s0, b0 * t0 - o0)
    lo1, hi1 = min(max(0, -o1), s1), min(s1, b1 * t1 - o1)
    for w0 in range(lo0, hi0):
        r = o0 + w0
        i, a, si, sa = w0 // p0, w0 % p0, r // t0, r % t0
        w1 = lo1
        while w1 < hi1:  # runs end where a source or a destination tile row ends
            c = o1 + w1
            j, b, sj, sb = w1 // p1, w1 % p1, c // t1, c % t1
            n = min(p1 - b, t1 - sb, hi1 - w1)
            for e in range(n):
                out[i, j, a, b + e] = p[si, sj, sa, sb + e]
            w1 += n


def repack_ref(p, offsets, shape, packed) -> np.ndarray:
    """numpy twin of :func:`repack`: literally pack of the untiled tensor."""
    p = _args("repack", p, 4, offsets, shape, packed)[0]
    return pack_ref(_untile_ref(p), offsets, shape, packed)
