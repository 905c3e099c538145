"""Attribute values (FORMAT.md section 1): frozen, comparable, printable.

``str(a)`` is the MLIR spelling. ``a.value`` is the plain Python value the
rest of k1sim uses (an int, a float, a tuple, a dict, a string).
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass

from k1sim.ir.lexer import escape
from k1sim.ir.types import FloatType, IntType, TensorType, Type, f64, i64


# The predicates of arith.cmpi / arith.cmpf, in MLIR's order: the attribute's integer value
# indexes these tables (the op definitions parse with them, the functional model evaluates).
CMPI = ("eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge")
CMPF = ("false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt", "uge", "ult",
        "ule", "une", "uno", "true")


class Attr:
    __slots__ = ()


@dataclass(frozen=True, slots=True)
class IntAttr(Attr):
    value: int
    type: Type = i64

    def __str__(self) -> str:
        if isinstance(self.type, IntType) and self.type.width == 1:
            return "true" if self.value else "false"
        return f"{self.value} : {self.type}"


def _f64_bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def format_float(value: float, t: Type) -> str:
    """A float literal that parses back to the same bits of ``t``."""
    if math.isfinite(value):
        text = repr(float(value))
        return text if ("." in text or "e" in text) else text + ".0"
    if isinstance(t, FloatType) and t.name == "f32":
        return f"0x{struct.unpack('<I', struct.pack('<f', value))[0]:08X}"
    if isinstance(t, FloatType) and t.name == "f16":
        return f"0x{struct.unpack('<H', struct.pack('<e', value))[0]:04X}"
    if isinstance(t, FloatType) and t.name == "bf16":
        return f"0x{struct.unpack('<I', struct.pack('<f', value))[0] >> 16:04X}"
    return f"0x{_f64_bits(value):016X}"


@dataclass(frozen=True, slots=True, eq=False)
class FloatAttr(Attr):
    value: float
    type: Type = f64

    def __eq__(self, other) -> bool:
        return (isinstance(other, FloatAttr) and self.type == other.type
                and _f64_bits(self.value) == _f64_bits(other.value))

    def __hash__(self) -> int:
        return hash((_f64_bits(self.value), self.type))

    def __str__(self) -> str:
        return f"{format_float(self.value, self.type)} : {self.type}"


@dataclass(frozen=True, slots=True)
class BoolAttr(Attr):
    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(frozen=True, slots=True)
class StringAttr(Attr):
    value: str

    def __str__(self) -> str:
        return escape(self.value)


@dataclass(frozen=True, slots=True)
class UnitAttr(Attr):
    @property
    def value(self) -> bool:
        return True

    def __str__(self) -> str:
        return "unit"


@dataclass(frozen=True, slots=True)
class DenseArrayAttr(Attr):
    """``array<i32: 1, 0>``."""

    element: Type
    value: tuple

    def __str__(self) -> str:
        if not self.value:
            return f"array<{self.element}>"
        if isinstance(self.element, FloatType):
            body = ", ".join(format_float(v, self.element) for v in self.value)
        elif self.element == IntType(1):
            body = ", ".join("true" if v else "false" for v in self.value)
        else:
            body = ", ".join(str(v) for v in self.value)
        return f"array<{self.element}: {body}>"


@dataclass(frozen=True, slots=True, eq=False)
class DenseAttr(Attr):
    """``dense<…> : tensor<…>``: a splat (one value) or every element, row-major."""

    values: tuple
    type: TensorType

    @property
    def is_splat(self) -> bool:
        return len(self.values) == 1 and self.type.numel != 1

    @property
    def value(self) -> tuple:
        return self.values

    def _key(self):
        if isinstance(self.type.element, FloatType):
            return tuple(_f64_bits(v) for v in self.values)
        return self.values

    def __eq__(self, other) -> bool:
        return isinstance(other, DenseAttr) and self.type == other.type and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self._key(), self.type))

    def _lit(self, v) -> str:
        el = self.type.element
        if isinstance(el, FloatType):
            return format_float(v, el)
        if el == IntType(1):
            return "true" if v else "false"
        return str(v)

    def __str__(self) -> str:
        if len(self.values) == 1:
            return f"dense<{self._lit(self.values[0])}> : {self.type}"
        return f"dense<{_nest(self.values, self.type.shape, self._lit)}> : {self.type}"


def _nest(flat, shape, lit) -> str:
    if len(shape) <= 1:
        return "[" + ", ".join(lit(v) for v in flat) + "]"
    step = len(flat) // shape[0]
    inner = (_nest(flat[i * step:(i + 1) * step], shape[1:], lit) for i in range(shape[0]))
    return "[" + ", ".join(inner) + "]"


@dataclass(frozen=True, slots=True)
class ArrayAttr(Attr):
    items: tuple

    @property
    def value(self) -> tuple:
        return tuple(getattr(a, "value", a) for a in self.items)

    def __str__(self) -> str:
        return "[" + ", ".join(map(str, self.items)) + "]"


@dataclass(frozen=True, slots=True)
class DictAttr(Attr):
    items: tuple  # ((name, Attr), ...)

    @property
    def value(self) -> dict:
        return dict(self.items)

    def __str__(self) -> str:
        return format_attr_dict(dict(self.items))


@dataclass(frozen=True, slots=True)
class TypeAttr(Attr):
    type: Type

    @property
    def value(self) -> Type:
        return self.type

    def __str__(self) -> str:
        return str(self.type)


@dataclass(frozen=True, slots=True)
class SymbolRefAttr(Attr):
    value: str

    def __str__(self) -> str:
        name = self.value
        plain = name and (name[0].isalpha() or name[0] in "_$.") and all(
            c.isalnum() or c in "_$.-" for c in name)
        return "@" + (name if plain else escape(name))


@dataclass(frozen=True, slots=True)
class OpaqueAttr(Attr):
    """A dialect attribute k1sim keeps as text, e.g. ``#arith.fastmath<none>``."""

    text: str

    @property
    def value(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


_BARE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$.]*")


def format_attr_entry(name: str, attr: Attr) -> str:
    if not _BARE_NAME.fullmatch(name):
        name = escape(name)  # e.g. "ttg.num-warps": not a bare identifier
    if isinstance(attr, UnitAttr):
        return name
    return f"{name} = {attr}"


def format_attr_dict(attrs: dict) -> str:
    return "{" + ", ".join(format_attr_entry(k, v) for k, v in attrs.items()) + "}"


def int_attr(value: int, width: int = 64) -> IntAttr:
    return IntAttr(int(value), IntType(width))


def float_attr(value: float, t: Type = f64) -> FloatAttr:
    return FloatAttr(float(value), t)


def i32_array(values) -> DenseArrayAttr:
    return DenseArrayAttr(IntType(32), tuple(int(v) for v in values))


def i64_array(values) -> DenseArrayAttr:
    return DenseArrayAttr(IntType(64), tuple(int(v) for v in values))


def attr_value(attr):
    """The Python value of an attribute (``None`` stays ``None``)."""
    return None if attr is None else attr.value
