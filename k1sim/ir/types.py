"""The types of FORMAT.md section 2, as frozen, hashable values.

``str(t)`` is the MLIR spelling, so printing a type is ``str`` and equality of
types is equality of values.
"""

from __future__ import annotations

from dataclasses import dataclass


class Type:
    __slots__ = ()


@dataclass(frozen=True, slots=True)
class IntType(Type):
    width: int

    def __str__(self) -> str:
        return f"i{self.width}"


@dataclass(frozen=True, slots=True)
class IndexType(Type):
    def __str__(self) -> str:
        return "index"


@dataclass(frozen=True, slots=True)
class FloatType(Type):
    name: str  # f16 bf16 f32 f64

    @property
    def width(self) -> int:
        return {"f16": 16, "bf16": 16, "f32": 32, "f64": 64}[self.name]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class TensorType(Type):
    shape: tuple[int, ...]
    element: Type

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def __str__(self) -> str:
        dims = "".join(f"{d}x" for d in self.shape)
        return f"tensor<{dims}{self.element}>"


@dataclass(frozen=True, slots=True)
class PtrType(Type):
    """``!tt.ptr<T>``; address space 1 is Triton's default global space."""

    pointee: Type
    addrspace: int = 1

    @property
    def is_block(self) -> bool:
        return isinstance(self.pointee, TensorType)

    def body(self) -> str:
        return f"<{self.pointee}>" if self.addrspace == 1 else f"<{self.pointee}, {self.addrspace}>"

    def __str__(self) -> str:
        return "!tt.ptr" + self.body()


@dataclass(frozen=True, slots=True)
class BufferType(Type):
    """``!xsmt.buffer<…>``: ``copies`` local buffers of ``shape`` elements."""

    shape: tuple[int, ...]
    element: Type
    copies: int
    storage: str
    storage_key: str = "storageKind"

    def __str__(self) -> str:
        dims = ", ".join(str(d) for d in self.shape)
        return (f'!xsmt.buffer<shape=[{dims}], elementType={self.element}, '
                f'copies={self.copies}, {self.storage_key}="{self.storage}">')


@dataclass(frozen=True, slots=True)
class MBarrierType(Type):
    slots: int

    def __str__(self) -> str:
        return f"!xsmt.mbarrier<{self.slots}>"


@dataclass(frozen=True, slots=True)
class FunctionType(Type):
    inputs: tuple[Type, ...]
    results: tuple[Type, ...]

    def __str__(self) -> str:
        ins = ", ".join(map(str, self.inputs))
        if len(self.results) == 1 and not isinstance(self.results[0], FunctionType):
            return f"({ins}) -> {self.results[0]}"
        return f"({ins}) -> ({', '.join(map(str, self.results))})"


i1, i8, i16, i32, i64 = (IntType(w) for w in (1, 8, 16, 32, 64))
i4 = IntType(4)
index = IndexType()
f16, bf16, f32, f64 = (FloatType(n) for n in ("f16", "bf16", "f32", "f64"))

SCALARS: dict[str, Type] = {
    "i1": i1, "i4": i4, "i8": i8, "i16": i16, "i32": i32, "i64": i64,
    "index": index, "f16": f16, "bf16": bf16, "f32": f32, "f64": f64,
}


def is_scalar(t: Type) -> bool:
    return isinstance(t, (IntType, IndexType, FloatType))


def is_float(t: Type) -> bool:
    return isinstance(element_of(t), FloatType)


def is_integer(t: Type) -> bool:
    return isinstance(element_of(t), (IntType, IndexType))


def element_of(t: Type) -> Type:
    """The element type of a tensor, or the type itself."""
    return t.element if isinstance(t, TensorType) else t


def like(t: Type, element: Type) -> Type:
    """``t`` with its element type replaced (a scalar becomes ``element``)."""
    return TensorType(t.shape, element) if isinstance(t, TensorType) else element


def bitwidth(t: Type) -> int:
    t = element_of(t)
    if isinstance(t, IndexType):
        return 64
    return t.width
