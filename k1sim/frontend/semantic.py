"""Triton's semantic rules over traced values: promotion, broadcasting, casts, operators.

``ctx`` is the tracer; ``ctx.k`` the Builder ``Kernel`` the ops go to. Python
numbers meet tensors the way Triton's "weak" scalars do: an int takes an
integer tensor's type, any number takes a float tensor's type, a float meeting
an integer tensor is fp32.
"""

from __future__ import annotations

from k1sim.frontend import dtypes as D
from k1sim.frontend.errors import UnsupportedError
from k1sim.frontend.tensor import Tensor
from k1sim.ir import types as T

_INT_OPS = {"+": "addi", "-": "subi", "*": "muli", "//": "divsi", "%": "remsi", "&": "andi",
            "|": "ori", "^": "xori", "<<": "shli", ">>": "shrsi"}
_UNSIGNED = {"divsi": "divui", "remsi": "remui", "shrsi": "shrui"}
_FLOAT_OPS = {"+": "addf", "-": "subf", "*": "mulf", "/": "divf", "%": "remf"}
_CMP_INT = {"<": "slt", "<=": "sle", ">": "sgt", ">=": "sge", "==": "eq", "!=": "ne"}
_CMP_FLOAT = {"<": "olt", "<=": "ole", ">": "ogt", ">=": "oge", "==": "oeq", "!=": "une"}
_CMP_NAMES = ("eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge")
_CMPF_NAMES = ("false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt", "uge",
               "ult", "ule", "une", "uno", "true")
PYTHON_NUMBER = (bool, int, float)


def wrap(ctx, handle, dtype) -> Tensor:
    return Tensor(ctx, handle, dtype)


def python_dtype(x) -> D.dtype:
    """The dtype Triton gives a Python number on its own."""
    if isinstance(x, bool):
        return D.int1
    if isinstance(x, int):
        if -2**31 <= x < 2**31:
            return D.int32
        if -2**63 <= x < 2**63:
            return D.int64
        if x < 2**64:
            return D.uint64
        raise UnsupportedError(f"the integer {x} does not fit in 64 bits")
    return D.float32


def to_tensor(ctx, x, dtype: D.dtype | None = None, shape=None) -> Tensor:
    """``x`` (a Tensor or a Python number) as a Tensor, optionally of ``dtype`` / ``shape``."""
    if isinstance(x, Tensor):
        t = cast(ctx, x, dtype) if dtype is not None else x
    elif isinstance(x, PYTHON_NUMBER):
        dtype = dtype or python_dtype(x)
        value = float(x) if dtype.is_floating() else int(x)
        t = wrap(ctx, ctx.k.const(value, dtype.ir), dtype)
    else:
        raise UnsupportedError(f"expected a number or a tensor, got {describe(x)}")
    return broadcast_to(ctx, t, shape) if shape is not None else t


def describe(x) -> str:
    if isinstance(x, Tensor):
        return f"a {x.dtype} tensor of shape {list(x.shape)}" if x.shape else f"a {x.dtype} value"
    return f"{type(x).__name__} {x!r}"


def computation_type(a: D.dtype, b: D.dtype, div_or_mod: bool = False) -> D.dtype:
    """Triton's ``computation_type_impl``: the type two operands are computed in."""
    if a.is_fp64() or b.is_fp64():
        return D.float64
    if a.is_fp32() or b.is_fp32():
        return D.float32
    if a.is_fp16() or b.is_fp16():
        return D.float32 if div_or_mod else D.float16
    if a.is_bf16() or b.is_bf16():
        return D.bfloat16 if a == b and not div_or_mod else D.float32
    if not (a.is_int() and b.is_int()):
        raise UnsupportedError(f"cannot compute with {a} and {b}")
    if div_or_mod and a.signed != b.signed:
        raise UnsupportedError(f"cannot divide {a} by {b}: one is signed and one unsigned; "
                               "cast one of them first")
    if a.signed == b.signed:
        return a if a.primitive_bitwidth >= b.primitive_bitwidth else b
    unsigned, signed = (a, b) if not a.signed else (b, a)
    return unsigned if unsigned.primitive_bitwidth >= signed.primitive_bitwidth else signed


def _weak_type(number, other: D.dtype) -> D.dtype:
    """The type of a Python number meeting a tensor of ``other``."""
    if other.is_floating():
        return other
    if isinstance(number, float):
        return D.float32
    if isinstance(number, bool) and other.is_bool():
        return D.int1
    return other if not other.is_bool() else D.int32


def operands(ctx, a, b, div_or_mod: bool = False, promote: bool = True):
    """Two operands as Tensors of one type and one shape."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = to_tensor(ctx, a)
    if not isinstance(a, Tensor):
        a = to_tensor(ctx, a, _weak_type(a, b.dtype))
    if not isinstance(b, Tensor):
        b = to_tensor(ctx, b, _weak_type(b, a.dtype))
    for x in (a, b):
        if x.dtype.is_ptr():
            raise UnsupportedError(f"arithmetic on {describe(x)} is only + and - with integers")
    if promote:
        t = computation_type(a.dtype, b.dtype, div_or_mod)
        a, b = cast(ctx, a, t), cast(ctx, b, t)
    return broadcast_pair(ctx, a, b)


def broadcast_pair(ctx, a: Tensor, b: Tensor):
    if a.shape == b.shape:
        return a, b
    if not a.shape:
        return broadcast_to(ctx, a, b.shape), b
    if not b.shape:
        return a, broadcast_to(ctx, b, a.shape)
    ra, rb = a.shape, b.shape
    ra, rb = (1,) * (len(rb) - len(ra)) + ra, (1,) * (len(ra) - len(rb)) + rb
    if any(x != y and 1 not in (x, y) for x, y in zip(ra, rb)):
        raise UnsupportedError(f"cannot broadcast shapes {list(a.shape)} and {list(b.shape)}")
    shape = tuple(max(x, y) for x, y in zip(ra, rb))
    return broadcast_to(ctx, a, shape), broadcast_to(ctx, b, shape)


def broadcast_to(ctx, x: Tensor, shape) -> Tensor:
    shape = tuple(shape)
    if x.shape == shape:
        return x
    if not x.shape:
        return wrap(ctx, ctx.k.splat(x.handle, shape), x.dtype)
    while len(x.shape) < len(shape):  # new leading dims, as Triton adds them
        x = expand_dims(ctx, x, 0)
    if len(x.shape) != len(shape) or any(s != d and s != 1 for s, d in zip(x.shape, shape)):
        raise UnsupportedError(f"cannot broadcast shape {list(x.shape)} to {list(shape)}")
    return wrap(ctx, ctx.k.broadcast(x.handle, shape), x.dtype)


def reshape(ctx, x: Tensor, shape) -> Tensor:
    shape = tuple(shape)
    n = 1
    for d in shape:
        n *= d
    if n != x.numel:
        raise UnsupportedError(f"cannot reshape {list(x.shape)} ({x.numel} elements) to "
                               f"{list(shape)} ({n} elements)")
    if not x.shape:
        return broadcast_to(ctx, x, shape)
    if shape == x.shape:
        return x
    return wrap(ctx, ctx.k.reshape(x.handle, shape), x.dtype)


def cast(ctx, x, dtype, bitcast: bool = False) -> Tensor:
    """``x.to(dtype)`` (``bitcast`` reinterprets the bits of a type of the same width)."""
    if not isinstance(dtype, D.dtype) or dtype.is_ptr():
        raise UnsupportedError(f".to() needs a scalar dtype such as tl.float16, got {dtype!r}")
    if not isinstance(x, Tensor):
        return to_tensor(ctx, x, dtype)
    if x.dtype == dtype:
        return x
    if x.dtype.is_ptr():
        raise UnsupportedError(f"cannot cast {describe(x)} to {dtype}")
    if bitcast:
        if x.dtype.primitive_bitwidth != dtype.primitive_bitwidth:
            raise UnsupportedError(f"bitcast from {x.dtype} to {dtype}: the widths differ")
        return wrap(ctx, ctx.k.bitcast(x.handle, T.like(x.handle.type, dtype.ir)), dtype)
    if x.dtype.ir == dtype.ir:  # int8 <-> uint8: the same bits, another reading
        return wrap(ctx, x.handle, dtype)
    signed = dtype.signed if x.dtype.is_floating() and dtype.is_int() else x.dtype.signed
    return wrap(ctx, ctx.k.cast(x.handle, dtype.ir, signed=signed), dtype)


def binary(ctx, op: str, a, b) -> Tensor:
    """``a <op> b`` for the Python operators, as Triton computes them."""
    if op in ("+", "-") and any(isinstance(x, Tensor) and x.dtype.is_ptr() for x in (a, b)):
        return _pointer_arith(ctx, op, a, b)
    if op in _CMP_INT:
        a, b = operands(ctx, a, b)
        return compare(ctx, op, a, b)
    if op == "/":
        a, b = operands(ctx, a, b, div_or_mod=True)
        if a.dtype.is_int():
            a, b = cast(ctx, a, D.float32), cast(ctx, b, D.float32)
        return _emit(ctx, "divf", a, b)
    a, b = operands(ctx, a, b, div_or_mod=op in ("//", "%"))
    if a.dtype.is_floating():
        name = _FLOAT_OPS.get(op)
        if name is None:
            raise UnsupportedError(f"'{op}' needs integer operands, got {a.dtype}")
    else:
        name = _INT_OPS[op]
        if not a.dtype.signed:
            name = _UNSIGNED.get(name, name)
    return _emit(ctx, name, a, b)


def _emit(ctx, name: str, a: Tensor, b: Tensor) -> Tensor:
    return wrap(ctx, ctx.k.emit(f"arith.{name}", [a.handle, b.handle], a.handle.type), a.dtype)


def compare(ctx, op: str, a: Tensor, b: Tensor) -> Tensor:
    if a.dtype.is_floating():
        pred, name, table = _CMP_FLOAT[op], "arith.cmpf", _CMPF_NAMES
    else:
        pred, name, table = _CMP_INT[op], "arith.cmpi", _CMP_NAMES
        if not a.dtype.signed and pred[0] == "s":
            pred = "u" + pred[1:]
    from k1sim.ir import attrs as A
    handle = ctx.k.emit(name, [a.handle, b.handle], T.like(a.handle.type, T.i1),
                        {"predicate": A.IntAttr(table.index(pred), T.i64)})
    return wrap(ctx, handle, D.int1)


def _pointer_arith(ctx, op: str, a, b) -> Tensor:
    if op == "-" and not (isinstance(a, Tensor) and a.dtype.is_ptr()):
        raise UnsupportedError("an integer minus a pointer is not a pointer")
    p, off = (a, b) if isinstance(a, Tensor) and a.dtype.is_ptr() else (b, a)
    if isinstance(off, Tensor) and (off.dtype.is_ptr() or off.dtype.is_floating()):
        raise UnsupportedError(f"a pointer moves by integers, not by {describe(off)}")
    if p.dtype.element_ty.is_block():
        raise UnsupportedError("a block pointer moves with tl.advance, not + or -")
    off = to_tensor(ctx, off) if not isinstance(off, Tensor) else off
    if op == "-":
        off = neg(ctx, off)
    if off.shape and p.shape:
        p, off = broadcast_pair(ctx, p, off)
    elif p.shape and not off.shape:
        off = broadcast_to(ctx, off, p.shape)
    return wrap(ctx, ctx.k.addptr(p.handle, off.handle), p.dtype)


def neg(ctx, x) -> Tensor:
    x = to_tensor(ctx, x)
    if x.dtype.is_floating():
        return wrap(ctx, ctx.k.emit("arith.negf", [x.handle], x.handle.type), x.dtype)
    return binary(ctx, "-", 0, x)


def invert(ctx, x) -> Tensor:
    x = to_tensor(ctx, x)
    if not x.dtype.is_int():
        raise UnsupportedError(f"'~' needs an integer, got {x.dtype}")
    return binary(ctx, "^", x, True if x.dtype.is_bool() else -1)


def logical_not(ctx, x) -> Tensor:
    x = as_condition(ctx, x)
    return binary(ctx, "^", x, True)


def as_condition(ctx, x) -> Tensor:
    """A value as i1 (nonzero is true), as an ``if`` or ``tl.where`` reads it."""
    x = to_tensor(ctx, x)
    return x if x.dtype.is_bool() else binary(ctx, "!=", x, 0)


def subscript(ctx, x: Tensor, index) -> Tensor:
    """``x[None, :]``: a None adds a dimension of 1, ':' keeps one; nothing else."""
    index = index if isinstance(index, tuple) else (index,)
    if any(i is Ellipsis for i in index):
        raise UnsupportedError("'...' in a tensor index is not supported; write the ':'s")
    dim = 0  # the dimension of the result the next index entry stands for
    for i in index:
        if i is None:
            x = expand_dims(ctx, x, dim)
        elif not (isinstance(i, slice) and i == slice(None)):
            raise UnsupportedError(f"a tensor index may hold only None and ':', got {i!r}")
        elif dim >= len(x.shape):
            raise UnsupportedError(f"too many ':' for a tensor of shape {list(x.shape)}")
        dim += 1
    return x


def expand_dims(ctx, x: Tensor, axis: int) -> Tensor:
    if not x.shape:
        return broadcast_to(ctx, x, (1,))
    axis = axis + len(x.shape) + 1 if axis < 0 else axis
    if not 0 <= axis <= len(x.shape):
        raise UnsupportedError(f"expand_dims axis {axis} is out of range for shape "
                               f"{list(x.shape)}")
    return wrap(ctx, ctx.k.expand_dims(x.handle, axis), x.dtype)


def permute(ctx, x: Tensor, dims) -> Tensor:
    if not x.shape:
        raise UnsupportedError("trans/permute needs a tensor, got a scalar")
    order = tuple(reversed(range(len(x.shape)))) if dims is None else tuple(dims)
    if sorted(order) != list(range(len(x.shape))):
        raise UnsupportedError(f"{list(order)} is not a permutation of the {len(x.shape)} "
                               "dimensions")
    return wrap(ctx, ctx.k.trans(x.handle, order), x.dtype)
