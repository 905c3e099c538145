"""Element types as numpy dtypes: storage, the wide accumulation type, bf16.

numpy has no bf16, so a bf16 tensor is a float32 array whose values are all
bf16 values (the low 16 bits of every float32 are zero); :func:`round_bf16`
rounds float32 values to that set. i4 (IME int4 studies) is stored in int8 and
i1 in bool.
"""

from __future__ import annotations

import numpy as np

from k1sim.functional.errors import FunctionalError

_STORAGE = {
    "i1": np.bool_, "i4": np.int8, "i8": np.int8, "i16": np.int16, "i32": np.int32,
    "i64": np.int64, "index": np.int64,
    "f16": np.float16, "bf16": np.float32, "f32": np.float32, "f64": np.float64,
}

# The type products of matrix operands are accumulated in (FORMAT.md 4.3).
_WIDE_NAME = {"i4": "i32", "i8": "i32", "f16": "f32", "bf16": "f32", "f32": "f32", "f64": "f64"}
_WIDE_DTYPE = {
    np.dtype(np.int8): np.dtype(np.int32),
    np.dtype(np.float16): np.dtype(np.float32),
    np.dtype(np.float32): np.dtype(np.float32),
    np.dtype(np.float64): np.dtype(np.float64),
}


def storage_dtype(name: str) -> np.dtype:
    """The numpy dtype that holds elements of type ``name`` (``'bf16'`` -> float32)."""
    try:
        return np.dtype(_STORAGE[name])
    except KeyError:
        raise FunctionalError(f"unknown element type {name!r}; expected one of "
                              f"{', '.join(_STORAGE)}") from None


def wide_name(name: str) -> str:
    """The accumulation type of a matrix operand type: f16/bf16/f32 -> f32, i8/i4 -> i32."""
    try:
        return _WIDE_NAME[name]
    except KeyError:
        raise FunctionalError(f"no matrix accumulation type for {name!r}; expected one of "
                              f"{', '.join(_WIDE_NAME)}") from None


def wide_dtype(dtype) -> np.dtype:
    """The accumulation dtype of matrix operands stored as ``dtype``."""
    dtype = np.dtype(dtype)
    try:
        return _WIDE_DTYPE[dtype]
    except KeyError:
        raise FunctionalError(f"mmt4d has no accumulation type for {dtype}; operands must be "
                              "float16, float32 (also bf16), float64 or int8 (also i4)") from None


def result_dtype(in_dtype, out_dtype) -> tuple[np.dtype, bool]:
    """The dtype an mmt4d result is stored in and whether it is rounded to bf16.

    ``out_dtype`` is None (the operands' dtype), a numpy dtype, or an element type
    name; it must be the operands' type or the wide type ('bf16' for float inputs
    whose wide type is f32).
    """
    in_dtype = np.dtype(in_dtype)
    wide = wide_dtype(in_dtype)
    if out_dtype is None:
        return in_dtype, False
    if isinstance(out_dtype, str) and out_dtype == "bf16":
        if wide != np.float32:
            raise FunctionalError(f"mmt4d of {in_dtype} operands cannot produce bf16")
        return wide, True
    out = storage_dtype(out_dtype) if isinstance(out_dtype, str) else np.dtype(out_dtype)
    if out not in (in_dtype, wide):
        allowed = str(in_dtype) if in_dtype == wide else f"{in_dtype} or {wide}"
        raise FunctionalError(f"mmt4d of {in_dtype} operands produces {allowed}, not {out}")
    return out, False


def round_bf16(x) -> np.ndarray:
    """Round float32 values to bf16 (nearest, ties to even), kept in a float32 array.

    Overflow gives +-inf; NaN stays NaN (quieted, sign kept) even when its payload
    lives only in the low 16 bits that bf16 drops.
    """
    x = np.asarray(x, dtype=np.float32)
    bits = x.view(np.uint32)
    lsb = (bits >> np.uint32(16)) & np.uint32(1)
    rounded = (bits + (np.uint32(0x7FFF) + lsb)) & np.uint32(0xFFFF0000)
    quiet_nan = (bits | np.uint32(0x00400000)) & np.uint32(0xFFFF0000)
    return np.where(np.isnan(x), quiet_nan, rounded).view(np.float32)
