"""Triton's dtypes as the front end sees them: a name, the IR type, the signedness.

The IR's integers are signless (MLIR), so ``uint8`` and ``int8`` are both
``i8``; the dtype remembers the sign so that division, comparison, shifts and
casts pick the unsigned ops, as Triton's semantic layer does.
"""

from __future__ import annotations

import numpy as np

from k1sim.ir import types as T


class dtype:
    """A scalar element type (``tl.float16``); ``str`` is Triton's short name (``fp16``)."""

    def __init__(self, name: str, ir: T.Type, signed: bool = True):
        self.name = name
        self.ir = ir
        self.signed = signed

    def __repr__(self) -> str:
        return f"triton.language.{self.name}"

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other) -> bool:
        return isinstance(other, dtype) and type(other) is type(self) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    @property
    def scalar(self) -> "dtype":
        return self

    @property
    def primitive_bitwidth(self) -> int:
        return T.bitwidth(self.ir)

    int_bitwidth = primitive_bitwidth

    def is_floating(self) -> bool:
        return isinstance(self.ir, T.FloatType)

    def is_int(self) -> bool:
        return isinstance(self.ir, T.IntType)

    def is_bool(self) -> bool:
        return self.ir == T.i1

    def is_int_signed(self) -> bool:
        return self.is_int() and self.signed

    def is_int_unsigned(self) -> bool:
        return self.is_int() and not self.signed

    def is_ptr(self) -> bool:
        return False

    def is_block(self) -> bool:
        return False

    def is_fp16(self) -> bool:
        return self.name == "fp16"

    def is_bf16(self) -> bool:
        return self.name == "bf16"

    def is_fp32(self) -> bool:
        return self.name == "fp32"

    def is_fp64(self) -> bool:
        return self.name == "fp64"


class pointer_type(dtype):
    """``tl.pointer_type(element_ty)``: a global pointer (``!tt.ptr<T>``)."""

    def __init__(self, element_ty, address_space: int = 1):
        self.element_ty = element_ty
        pointee = element_ty.ir if isinstance(element_ty, dtype) else element_ty.ir_tensor
        super().__init__(f"pointer<{element_ty}>", T.PtrType(pointee, address_space))

    def is_ptr(self) -> bool:
        return True


class block_type:
    """The type of a tensor value: an element dtype and a shape (``x.type``)."""

    def __init__(self, element_ty: dtype, shape):
        self.element_ty = element_ty
        self.shape = tuple(shape)

    @property
    def scalar(self) -> dtype:
        return self.element_ty

    @property
    def ir_tensor(self) -> T.TensorType:
        return T.TensorType(self.shape, self.element_ty.ir)

    def is_block(self) -> bool:
        return True

    def is_ptr(self) -> bool:
        return False

    def __eq__(self, other) -> bool:
        return (isinstance(other, block_type) and other.shape == self.shape
                and other.element_ty == self.element_ty)

    def __hash__(self) -> int:
        return hash((self.element_ty, self.shape))

    def __str__(self) -> str:
        return f"<{list(self.shape)}, {self.element_ty}>"


int1 = dtype("int1", T.i1)
int8, int16, int32, int64 = (dtype(f"int{w}", T.IntType(w)) for w in (8, 16, 32, 64))
uint8, uint16, uint32, uint64 = (dtype(f"uint{w}", T.IntType(w), signed=False)
                                 for w in (8, 16, 32, 64))
float16, bfloat16, float32, float64 = (dtype(n, T.SCALARS[i]) for n, i in
                                       (("fp16", "f16"), ("bf16", "bf16"), ("fp32", "f32"),
                                        ("fp64", "f64")))

# What the ``tl`` namespace exports under which names.
EXPORTS = {"int1": int1, "int8": int8, "int16": int16, "int32": int32, "int64": int64,
           "uint8": uint8, "uint16": uint16, "uint32": uint32, "uint64": uint64,
           "float16": float16, "bfloat16": bfloat16, "float32": float32, "float64": float64}

_BY_IR_SIGNED = {d.ir: d for d in EXPORTS.values() if d.signed}
_BY_IR_UNSIGNED = {d.ir: d for d in EXPORTS.values() if not d.signed}

# numpy dtype name -> dtype of a pointer argument's elements.
_NUMPY = {"float16": float16, "float32": float32, "float64": float64, "int8": int8,
          "int16": int16, "int32": int32, "int64": int64, "uint8": uint8, "uint32": uint32,
          "bool": int1, "bfloat16": bfloat16}


def from_ir(t: T.Type, signed: bool = True):
    """The dtype of a scalar IR type (signedness from the operands it came from)."""
    if isinstance(t, T.PtrType):
        if isinstance(t.pointee, T.TensorType):
            return pointer_type(block_type(from_ir(t.pointee.element), t.pointee.shape),
                                t.addrspace)
        return pointer_type(from_ir(t.pointee), t.addrspace)
    if isinstance(t, T.IndexType):
        return int64
    table = _BY_IR_SIGNED if signed or t == T.i1 else _BY_IR_UNSIGNED
    return table.get(t) or _BY_IR_SIGNED[t]


def from_numpy(np_dtype) -> dtype | None:
    """The element dtype of an array argument, or None when k1sim cannot hold it."""
    return _NUMPY.get(np.dtype(np_dtype).name)


def numpy_names() -> str:
    return ", ".join(_NUMPY)
