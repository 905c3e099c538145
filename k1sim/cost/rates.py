"""Per-dtype rates of the vector unit, and byte sizes of IR types.

The arch lists FMA and ALU rates for the dtypes the vendor quotes (f32, f16, bf16, i8, i32).
Other element types take the rate of the nearest listed type of their kind, scaled by width
(an assumption: RVV processes DLEN bits per cycle whatever the element width, so twice the
width is half the elements): i1 and i4 run as i8, i16 at twice the i32 rate, i64 and index at
half the i32 rate, f64 at half the f32 rate.
"""

from __future__ import annotations

from k1sim.ir import types as T

# element type name -> (listed type it runs as, factor on that type's rate)
_FALLBACK = {
    "i1": (("i8", 1.0),), "i4": (("i8", 1.0),),
    "i8": (("i32", 4.0),), "i16": (("i32", 2.0), ("i8", 0.5)),
    "i32": (("i8", 0.25),), "i64": (("i32", 0.5), ("i8", 0.125)),
    "index": (("i32", 0.5), ("i8", 0.125)),
    "f16": (("f32", 2.0),), "bf16": (("f16", 1.0), ("f32", 2.0)),
    "f32": (("f16", 0.5),), "f64": (("f32", 0.5),),
}


def dtype_name(t: T.Type) -> str:
    """The element type's name: ``"f16"``, ``"i8"``, ``"index"``; pointers are ``"i64"``."""
    e = T.element_of(t)
    if isinstance(e, T.PtrType):
        return "i64"
    return str(e)


def rate(table, dtype: str) -> float:
    """``table[dtype]`` or the width-scaled rate of a listed type of the same kind."""
    got = table.get(dtype)
    if got:
        return float(got)
    for listed, factor in _FALLBACK.get(dtype, ()):
        if table.get(listed):
            return float(table[listed]) * factor
    raise KeyError(f"the arch gives no vector rate for {dtype} or a type it could run as")


def element_bytes(t: T.Type) -> float:
    """Bytes per element (pointers are 8; i1 and i4 are packed, so fractional)."""
    e = T.element_of(t)
    if isinstance(e, T.PtrType):
        return 8.0
    if isinstance(e, (T.IntType, T.FloatType, T.IndexType)):
        return T.bitwidth(e) / 8
    return 0.0


def element_bits(t: T.Type) -> int:
    e = T.element_of(t)
    return 64 if isinstance(e, T.PtrType) else T.bitwidth(e)


def numel(t: T.Type) -> int:
    return t.numel if isinstance(t, T.TensorType) else 1


def nbytes(t: T.Type) -> int:
    """Bytes of a value of type ``t`` (a tensor's elements, a scalar's width; i1 rounds up)."""
    if isinstance(t, T.TensorType) or T.is_scalar(t) or isinstance(t, T.PtrType):
        return int(-(-numel(t) * element_bytes(t) // 1))
    return 0


def is_tensor(t: T.Type) -> bool:
    return isinstance(t, T.TensorType)
