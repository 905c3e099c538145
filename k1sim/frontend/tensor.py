"""``Tensor``: what a traced kernel's Python code holds for an IR value (Triton's ``tl.tensor``).

A scalar (``pid``, ``M``) is a Tensor of shape ``()``; a block pointer, a
pointer or a tensor of pointers is a Tensor of a ``pointer_type``. Python
operators emit IR through the tracer's ``ops`` (the ``semantic`` module, with
Triton's type promotion) and methods (``x.sum(0)``) are the tracer's ``methods``.
"""

from __future__ import annotations

import functools
import math

from k1sim.frontend import dtypes as D
from k1sim.frontend.errors import UnsupportedError
from k1sim.ir import types as T


class Tensor:
    __slots__ = ("ctx", "handle", "dtype", "shape")

    def __init__(self, ctx, handle, dtype):
        self.ctx = ctx
        self.handle = handle
        self.dtype = dtype
        t = handle.type
        self.shape = t.shape if isinstance(t, T.TensorType) else ()

    @property
    def type(self):
        return D.block_type(self.dtype, self.shape) if self.shape else self.dtype

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    def __repr__(self) -> str:
        return f"<traced {self.dtype}{list(self.shape) if self.shape else ''}>"

    def __bool__(self):
        raise UnsupportedError("a runtime value used as a Python bool (in 'and', 'or', 'not' "
                               "or a Python condition); compare it and use a runtime 'if', or "
                               "make the value a tl.constexpr")

    def __iter__(self):
        raise UnsupportedError("iterating over a runtime tensor is not supported")

    def _bin(self, op, other, reverse=False):
        a, b = (other, self) if reverse else (self, other)
        return self.ctx.ops.binary(self.ctx, op, a, b)

    def __add__(self, o): return self._bin("+", o)
    def __radd__(self, o): return self._bin("+", o, True)
    def __sub__(self, o): return self._bin("-", o)
    def __rsub__(self, o): return self._bin("-", o, True)
    def __mul__(self, o): return self._bin("*", o)
    def __rmul__(self, o): return self._bin("*", o, True)
    def __truediv__(self, o): return self._bin("/", o)
    def __rtruediv__(self, o): return self._bin("/", o, True)
    def __floordiv__(self, o): return self._bin("//", o)
    def __rfloordiv__(self, o): return self._bin("//", o, True)
    def __mod__(self, o): return self._bin("%", o)
    def __rmod__(self, o): return self._bin("%", o, True)
    def __and__(self, o): return self._bin("&", o)
    def __rand__(self, o): return self._bin("&", o, True)
    def __or__(self, o): return self._bin("|", o)
    def __ror__(self, o): return self._bin("|", o, True)
    def __xor__(self, o): return self._bin("^", o)
    def __rxor__(self, o): return self._bin("^", o, True)
    def __lshift__(self, o): return self._bin("<<", o)
    def __rlshift__(self, o): return self._bin("<<", o, True)
    def __rshift__(self, o): return self._bin(">>", o)
    def __rrshift__(self, o): return self._bin(">>", o, True)
    def __lt__(self, o): return self._bin("<", o)
    def __le__(self, o): return self._bin("<=", o)
    def __gt__(self, o): return self._bin(">", o)
    def __ge__(self, o): return self._bin(">=", o)
    def __eq__(self, o): return self._bin("==", o)
    def __ne__(self, o): return self._bin("!=", o)

    __hash__ = object.__hash__

    def __neg__(self):
        return self.ctx.ops.neg(self.ctx, self)

    def __pos__(self):
        return self

    def __invert__(self):
        return self.ctx.ops.invert(self.ctx, self)

    def __getitem__(self, index):
        return self.ctx.ops.subscript(self.ctx, self, index)

    # Tensor methods Triton offers (x.to(...), x.sum(axis), x.T, ...).
    def to(self, dtype, bitcast=False, fp_downcast_rounding=None):
        return self.ctx.ops.cast(self.ctx, self, dtype, bitcast)

    @property
    def T(self):
        return self.ctx.ops.permute(self.ctx, self, None)

    def __getattr__(self, name):
        fn = self.ctx.methods.get(name)
        if fn is None:
                raise UnsupportedError(f"tensor.{name} is not supported by k1sim's front end")
        method = functools.partial(fn, self, _ctx=self.ctx)
        method.public_name = f"tensor.{name}"
        return method
