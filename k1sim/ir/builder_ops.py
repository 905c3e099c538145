"""The ``Kernel`` methods for what ``tl.*`` builds: ``arith``, ``math`` and ``tt`` ops.

Operands follow Triton's rules: a Python number takes the type of the other
operand, a scalar meeting a tensor is splatted, and tensors of one rank are
broadcast to a common shape (see ``Kernel.pair``).
"""

from __future__ import annotations

from k1sim.errors import BuildError
from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.attrs import CMPF, CMPI
from k1sim.ir.core import Block, Region, Value
from k1sim.ir.ops.arith import FLOAT_BINARY, INT_BINARY
from k1sim.ir.ops.math_ops import UNARY
from k1sim.ir.ops.tt import COMBINERS
from k1sim.ir.ops.tt_memory import load_result_type


def as_type(t) -> T.Type:
    """A type, or its scalar name (``"f16"``)."""
    if isinstance(t, T.Type):
        return t
    if isinstance(t, str) and t in T.SCALARS:
        return T.SCALARS[t]
    raise BuildError(f"not a type: {t!r} (use k1sim.ir.types, e.g. f16, or a name such as 'f16')")


# A kind of operation -> (the integer op, the float op).
_KINDS = {"add": ("addi", "addf"), "sub": ("subi", "subf"), "mul": ("muli", "mulf"),
          "div": ("divsi", "divf"), "rem": ("remsi", "remf"), "max": ("maxsi", "maxnumf"),
          "min": ("minsi", "minnumf")}
_REDUCE = {**_KINDS, "mul": (None, "mulf")}
_CMP_SYMBOLS = {"<": ("slt", "olt"), "<=": ("sle", "ole"), ">": ("sgt", "ogt"),
                ">=": ("sge", "oge"), "==": ("eq", "oeq"), "!=": ("ne", "une")}
CASTS = "extf truncf sitofp uitofp fptosi fptoui extsi extui trunci index_cast bitcast".split()
PADDING = {"zero": 1, "nan": 2}


class ArithOps:
    """Scalar and elementwise ops; the type picks the integer or float op."""

    def binary(self, name: str, a, b) -> Value:
        """``arith.<name>`` of two operands."""
        a, b = self.pair(a, b)
        return self.emit(f"arith.{name}", [a, b], a.type)

    def _kind(self, kind: str, a, b) -> Value:
        a, b = self.pair(a, b)
        name = _KINDS[kind][T.is_float(a.type)]
        return self.emit(f"arith.{name}", [a, b], a.type)

    def add(self, a, b) -> Value:
        return self._kind("add", a, b)

    def sub(self, a, b) -> Value:
        return self._kind("sub", a, b)

    def mul(self, a, b) -> Value:
        return self._kind("mul", a, b)

    def div(self, a, b) -> Value:
        """``divf`` for floats, ``divsi`` (truncating) for integers."""
        return self._kind("div", a, b)

    def rem(self, a, b) -> Value:
        return self._kind("rem", a, b)

    def max(self, a, b) -> Value:
        return self._kind("max", a, b)

    def min(self, a, b) -> Value:
        return self._kind("min", a, b)

    def neg(self, x) -> Value:
        x = self.value(x)
        if T.is_float(x.type):
            return self.emit("arith.negf", [x], x.type)
        return self.sub(0, x)

    def cmp(self, pred: str, a, b) -> Value:
        """``arith.cmpi``/``cmpf``: a predicate name (``slt``, ``olt``) or ``< <= > >= == !=``."""
        a, b = self.pair(a, b)
        is_float = T.is_float(a.type)
        pred = _CMP_SYMBOLS[pred][is_float] if pred in _CMP_SYMBOLS else pred
        table = CMPF if is_float else CMPI
        if pred not in table:
            raise BuildError(f"unknown predicate {pred!r} for {a.type}; one of "
                             f"{' '.join(table)} or {' '.join(_CMP_SYMBOLS)}")
        return self.emit("arith.cmpf" if is_float else "arith.cmpi", [a, b],
                         T.like(a.type, T.i1), {"predicate": A.IntAttr(table.index(pred), T.i64)})

    def select(self, cond, a, b) -> Value:
        """``arith.select``; an i1 scalar condition picks whole tensors."""
        a, b = self.pair(a, b)
        cond = self.value(cond)
        if isinstance(cond.type, T.TensorType):
            cond = self._fit(cond, a.type)
        return self.emit("arith.select", [cond, a, b], a.type)

    def cast(self, x, dtype, signed: bool = True) -> Value:
        """Convert the element type as Triton's ``.to()`` does (``signed`` picks si/ui ops)."""
        x = self.value(x)
        src, dst = T.element_of(x.type), as_type(dtype)
        if src == dst:
            return x
        if not (T.is_scalar(src) and T.is_scalar(dst)):
            raise BuildError(f"cast converts integers and floats, not {x.type} to {dst}")
        if dst == T.i1:
            return self.cmp("!=", x, 0)  # Triton: nonzero is true
        unsigned = src == T.i1 or not signed
        if isinstance(src, T.FloatType) and isinstance(dst, T.FloatType):
            if src.width == dst.width:  # f16 <-> bf16 goes through f32
                return self.cast(self.cast(x, T.f32), dst)
            name = "extf" if src.width < dst.width else "truncf"
        elif isinstance(dst, T.FloatType):
            name = "uitofp" if unsigned else "sitofp"
        elif isinstance(src, T.FloatType):
            name = "fptosi" if signed else "fptoui"
        elif T.index in (src, dst):
            name = "index_cast"
        elif T.bitwidth(src) < T.bitwidth(dst):
            name = "extui" if unsigned else "extsi"
        else:
            name = "trunci"
        return self.emit(f"arith.{name}", [x], T.like(x.type, dst))

    def fma(self, a, b, c) -> Value:
        a, b = self.pair(a, b)
        a, c = self.pair(a, c)
        return self.emit("math.fma", [a, b, c], a.type)


def _binary_method(name: str):
    def method(self, a, b) -> Value:
        return self.binary(name, a, b)
    method.__name__ = name
    method.__doc__ = f"``arith.{name}``."
    return method


def _cast_method(name: str):
    def method(self, x, dtype) -> Value:
        x = self.value(x)
        return self.emit(f"arith.{name}", [x], T.like(x.type, as_type(dtype)))
    method.__name__ = name
    method.__doc__ = f"``arith.{name}`` to ``dtype`` (shape kept)."
    return method


def _math_method(name: str):
    def method(self, x) -> Value:
        x = self.value(x, T.f32)
        return self.emit(f"math.{name}", [x], x.type)
    method.__name__ = name
    method.__doc__ = f"``math.{name}``."
    return method


for _n in INT_BINARY + FLOAT_BINARY:
    setattr(ArithOps, _n, _binary_method(_n))
for _n in CASTS:
    setattr(ArithOps, _n, _cast_method(_n))
for _n in UNARY:
    setattr(ArithOps, _n, _math_method(_n))


def _axis(axis) -> int:
    a = "xyz".index(axis) if isinstance(axis, str) and axis in ("x", "y", "z") else axis
    if a not in (0, 1, 2):
        raise BuildError(f"a program axis is 0, 1, 2 or 'x', 'y', 'z', got {axis!r}")
    return a


def _tensor(x: Value, what: str) -> T.TensorType:
    if not isinstance(x, Value) or not isinstance(x.type, T.TensorType):
        raise BuildError(f"{what} needs a tensor, got {getattr(x, 'type', x)}")
    return x.type


class TritonOps:
    """Program ids, tensor shaping, pointers, loads, stores and reductions."""

    def program_id(self, axis=0) -> Value:
        return self.emit("tt.get_program_id", [], T.i32, {"axis": A.IntAttr(_axis(axis), T.i32)})

    def num_programs(self, axis=0) -> Value:
        return self.emit("tt.get_num_programs", [], T.i32,
                         {"axis": A.IntAttr(_axis(axis), T.i32)})

    def make_range(self, start: int, end: int) -> Value:
        return self.emit("tt.make_range", [], T.TensorType((end - start,), T.i32),
                         {"start": A.IntAttr(start, T.i32), "end": A.IntAttr(end, T.i32)})

    def splat(self, x, shape) -> Value:
        x = self.value(x)
        return self.emit("tt.splat", [x], T.TensorType(tuple(shape), x.type))

    def broadcast(self, x, shape) -> Value:
        t = _tensor(x, "broadcast")
        if t.shape == tuple(shape):
            return x
        return self.emit("tt.broadcast", [x], T.TensorType(tuple(shape), t.element))

    def expand_dims(self, x, axis: int) -> Value:
        t = _tensor(x, "expand_dims")
        axis = axis + t.rank + 1 if axis < 0 else axis
        shape = t.shape[:axis] + (1,) + t.shape[axis:]
        return self.emit("tt.expand_dims", [x], T.TensorType(shape, t.element),
                         {"axis": A.IntAttr(axis, T.i32)})

    def reshape(self, x, shape) -> Value:
        t = _tensor(x, "reshape")
        return self.emit("tt.reshape", [x], T.TensorType(tuple(shape), t.element))

    def trans(self, x, order=None) -> Value:
        """``tt.trans``; the default order reverses the dimensions."""
        t = _tensor(x, "trans")
        order = tuple(order) if order is not None else tuple(reversed(range(t.rank)))
        shape = tuple(t.shape[i] if 0 <= i < t.rank else 0 for i in order)
        return self.emit("tt.trans", [x], T.TensorType(shape, t.element),
                         {"order": A.i32_array(order)})

    def addptr(self, p, offset) -> Value:
        """``tt.addptr``; a scalar pointer or offset meeting a tensor is splatted."""
        p = self.value(p)
        offset = self.value(offset)
        if isinstance(offset.type, T.TensorType) and not isinstance(p.type, T.TensorType):
            p = self.splat(p, offset.type.shape)
        elif isinstance(p.type, T.TensorType) and not isinstance(offset.type, T.TensorType):
            offset = self.splat(offset, p.type.shape)
        return self.emit("tt.addptr", [p, offset], p.type)

    def make_block_ptr(self, base, shape, strides, offsets, block_shape, order) -> Value:
        """``tt.make_tensor_ptr``: shape and strides become i64, offsets i32."""
        base = self.value(base)
        operands = ([self.to_int(v, T.i64) for v in shape]
                    + [self.to_int(v, T.i64) for v in strides]
                    + [self.to_int(v, T.i32) for v in offsets])
        pointee = base.type.pointee if isinstance(base.type, T.PtrType) else base.type
        result = T.PtrType(T.TensorType(tuple(block_shape), pointee),
                           getattr(base.type, "addrspace", 1))
        return self.emit("tt.make_tensor_ptr", [base, *operands], result,
                         {"order": A.i32_array(order)})

    def advance(self, p, offsets) -> Value:
        p = self.value(p)
        offs = [self.to_int(v, T.i32) for v in offsets]
        return self.emit("tt.advance", [p, *offs], p.type)

    def load(self, p, mask=None, other=None, boundary_check=None, padding=None) -> Value:
        """``tt.load`` via a block pointer (boundary_check, padding) or pointers (mask, other)."""
        p = self.value(p)
        result = load_result_type(p.type)
        operands = [p]
        if mask is not None:
            operands.append(self._fit(self.value(mask), result))
        if other is not None:
            if mask is None:
                raise BuildError("load: 'other' needs a mask")
            operands.append(self._fit(self.value(other, result), result))
        props = {}
        if boundary_check:
            props["boundaryCheck"] = A.i32_array(boundary_check)
        if padding is not None:
            props["padding"] = A.IntAttr(PADDING.get(padding, padding), T.i32)
        return self.emit("tt.load", operands, result, props)

    def store(self, p, value, mask=None, boundary_check=None) -> None:
        """``tt.store``; the value is cast to the pointee type, as ``tl.store`` does."""
        p = self.value(p)
        want = load_result_type(p.type)
        value = self.value(value, want)
        if T.is_scalar(T.element_of(want)) and T.element_of(value.type) != T.element_of(want):
            value = self.cast(value, T.element_of(want))
        operands = [p, self._fit(value, want)]
        if mask is not None:
            operands.append(self._fit(self.value(mask), want))
        props = {"boundaryCheck": A.i32_array(boundary_check)} if boundary_check else {}
        self.op("tt.store", operands, [], props)

    def _fit(self, v: Value, t: T.Type) -> Value:
        """``v`` splatted or broadcast to the shape of ``t``."""
        if not isinstance(t, T.TensorType) or v.type == T.like(t, T.element_of(v.type)):
            return v
        if isinstance(v.type, T.TensorType):
            return self.broadcast(v, t.shape)
        return self.splat(v, t.shape)

    def reduce(self, x, axis: int, combine: str = "add") -> Value:
        """Generic ``tt.reduce`` with one combine op: add, max, min, mul or an arith op name."""
        t = _tensor(x, "reduce")
        axis = axis + t.rank if axis < 0 else axis
        el = t.element
        name = _REDUCE[combine][T.is_float(el)] if combine in _REDUCE else combine
        if name is None or f"arith.{name}" not in COMBINERS:
            raise BuildError(f"reduce cannot combine {el} with {combine!r}; use add, max, min, "
                             f"mul or one of {' '.join(COMBINERS)}")
        block = Block([Value(el), Value(el)])
        combined = self.make(f"arith.{name}", block.args, [el])
        block.append(combined)
        block.append(self.make("tt.reduce.return", [combined.result]))
        shape = t.shape[:axis] + t.shape[axis + 1:]
        result = T.TensorType(shape, el) if shape else el
        return self.op("tt.reduce", [x], [result], {"axis": A.IntAttr(axis, T.i32)},
                       regions=[Region([block])]).result

    def matmul(self, a, b, acc=None) -> Value:
        """``tt.dot`` (2-D, on the vector unit); ``acc`` defaults to zeros of f32 / i32."""
        ta, tb = _tensor(a, "matmul"), _tensor(b, "matmul")
        if acc is None:
            wide = T.f32 if T.is_float(ta) else T.i32
            acc = self.zeros((ta.shape[0], tb.shape[-1]), wide)
        return self.emit("tt.dot", [a, b, acc], acc.type)
