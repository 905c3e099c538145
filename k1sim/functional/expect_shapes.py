"""An expect's names and shapes, checked before any data exists.

``k1sim check`` and every run check their expects before the run starts: a name that is
no argument (``c = a @ bb``) or shapes that do not fit (``c = a @ a`` for a 64x32 ``a``)
fail in a second, not after a long simulation. :class:`ShapeEvaluator` walks the same
checked tree as the real evaluator, on placeholders: each array is a zero-stride view
(``np.broadcast_to``), which costs no memory whatever its shape, and each operation
computes its result's shape by numpy's rules without touching elements. Scalar
sub-expressions (indices, axes, shapes) are computed for real, so ``a[n - 1]`` and
``sum(x, 1)`` are checked as they will run.
"""

from __future__ import annotations

import numpy as np

from k1sim.functional.expect_eval import Evaluator, Function

# Functions whose result has their first argument's shape.
_SAME_SHAPE = {"exp", "log", "sqrt", "tanh", "abs", "astype", "softmax", "tril", "triu"}
_REDUCTIONS = {"sum", "max", "min", "mean", "logsumexp"}
_BROADCASTING = {"maximum", "minimum", "where"}
_SMALL = 1 << 16  # elements a real call may touch to check its arguments


def placeholder(shape) -> np.ndarray:
    """A read-only float64 array of ``shape`` that takes no memory (all strides zero)."""
    return np.broadcast_to(np.float64(0.0), shape)


def matmul_shape(a: tuple, b: tuple) -> tuple:
    """The shape of ``a @ b`` by numpy's rules; a ValueError when they do not fit."""
    if not a or not b:
        raise ValueError("matmul needs arrays, not scalars")
    a2, b2 = (a if len(a) > 1 else (1,) + a), (b if len(b) > 1 else b + (1,))
    if a2[-1] != b2[-2]:
        raise ValueError(f"inner dimensions {a2[-1]} and {b2[-2]} differ")
    out = np.broadcast_shapes(a2[:-2], b2[:-2]) + (a2[-2], b2[-1])
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    if len(b) == 1:
        out = out[:-1]
    return out


def _axes(axis, ndim: int) -> set[int]:
    out = set()
    for a in axis if isinstance(axis, tuple) else (axis,):
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of bounds for array of dimension {ndim}")
        out.add(a % ndim)
    return out


class ShapeEvaluator(Evaluator):
    """The expect evaluator on placeholders: every array result is a ``placeholder``."""

    def unary(self, apply, x):
        return apply(x) if x.ndim == 0 else x

    def binary(self, symbol: str, apply, left, right):
        if left.ndim == 0 and right.ndim == 0:
            return apply(left, right)
        if symbol == "@":
            return placeholder(matmul_shape(left.shape, right.shape))
        return placeholder(np.broadcast_shapes(left.shape, right.shape))

    def call(self, name: str, function: Function, args: list):
        if name in ("zeros", "ones"):
            return placeholder(args[0])
        arrays = [a for a in args if isinstance(a, np.ndarray)]
        if all(a.ndim == 0 for a in arrays) or name in ("transpose", "reshape"):
            return function.impl(*args)  # scalars, or views of a placeholder: no memory
        if name == "matmul":
            return placeholder(matmul_shape(args[0].shape, args[1].shape))
        if name in _BROADCASTING:
            return placeholder(np.broadcast_shapes(*(a.shape for a in arrays)))
        x = args[0]
        # The real call on a small array checks rank and axis arguments, with numpy's own
        # messages; an array of the same rank with one element stands in for a large one.
        function.impl(x if x.size <= _SMALL else np.zeros((1,) * x.ndim), *args[1:])
        if name in _SAME_SHAPE:
            return x
        # A reduction (tests check that every function of the language has a rule here).
        if len(args) < 2 or args[1] is None:
            return np.float64(0.0)
        kept = set(range(x.ndim)) - _axes(args[1], x.ndim)
        return placeholder(tuple(d for i, d in enumerate(x.shape) if i in kept))
