"""The values of an ``expect`` expression: its functions and a float64 tree walker.

:mod:`k1sim.functional.expect` checks an expression against the whitelist when it
is parsed; this module evaluates the checked Python ``ast`` tree node by node with
numpy. Nothing here compiles or runs Python code: names are looked up in the
argument environment and calls in :data:`FUNCTIONS`, a table of numpy functions.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from typing import Callable

import numpy as np

from k1sim.errors import K1SimError
from k1sim.functional.dtypes import round_bf16


class ExpectError(K1SimError):
    """An ``expect`` that cannot be parsed, is outside the language, or cannot be evaluated.

    ``column`` is 1-based in characters of ``text`` (None when the whole expect is meant).
    """

    def __init__(self, text: str, what: str, column: int | None = None,
                 allowed: str | None = None):
        self.text, self.what, self.column, self.allowed = text, what, column, allowed
        message = f'expect "{text}": {what}'
        if column is not None:
            message += f" (col {column})"
        if allowed:
            message += f"; {allowed}"
        super().__init__(message)


def _softmax(x, axis=None):
    # Subtract the max so exp never overflows; a slice that is all -inf keeps its shift at 0.
    top = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - np.where(np.isfinite(top), top, 0.0))
    return e / np.sum(e, axis=axis, keepdims=True)


def _logsumexp(x, axis=None):
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


def _triangle(keep):
    def triangle(x, k=0):
        if x.ndim < 2:
            raise ValueError(f"needs an array of at least 2 dimensions, got shape {x.shape}")
        return keep(x, k)
    return triangle


def _round_to_int(bits: int):
    # A C cast: truncate toward zero, then wrap to the two's-complement range. Values with
    # no integer (NaN, +-inf) stay NaN. fmod and the +-2**bits fix-ups are exact in float64.
    def round_to(x):
        t = np.fmod(np.trunc(x), 2.0 ** bits)
        t = np.where(t >= 2.0 ** (bits - 1), t - 2.0 ** bits, t)
        t = np.where(t < -(2.0 ** (bits - 1)), t + 2.0 ** bits, t)
        return np.where(np.isfinite(x), t, np.nan)
    return round_to


# astype(x, name): x rounded to the type, returned as float64. bf16 rounds through f32, as
# hardware rounding an f32 accumulator does.
ROUNDINGS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "f16": lambda x: x.astype(np.float16),
    "bf16": lambda x: round_bf16(x.astype(np.float32)),
    "f32": lambda x: x.astype(np.float32),
    "f64": lambda x: x,
    "i8": _round_to_int(8), "i16": _round_to_int(16),
    "i32": _round_to_int(32), "i64": _round_to_int(64),
}


@dataclass(frozen=True)
class Function:
    """One callable of the language: parameter names in order, how many are required,
    which may be passed as keywords, and the numpy implementation. It is called with
    its arguments in order; at most one, trailing, parameter is optional."""

    impl: Callable
    params: tuple[str, ...]
    required: int
    keywords: tuple[str, ...] = ()


# What a parameter takes, by its name; every other parameter takes an array.
PARAM_KINDS = {"axis": "axis", "axes": "axes", "k": "int", "shape": "shape", "dtype": "dtype"}
# How errors name an integer a parameter of that kind takes (or each element of its tuple).
INTEGER_PARAMS = {"int": "k", "axis": "an axis", "axes": "an axis", "shape": "a dimension"}

_UNARY = ("x",)
_REDUCE = dict(params=("x", "axis"), required=1, keywords=("axis",))
_TRIANGLE = dict(params=("x", "k"), required=1, keywords=("k",))

FUNCTIONS: dict[str, Function] = {
    "exp": Function(np.exp, _UNARY, 1), "log": Function(np.log, _UNARY, 1),
    "sqrt": Function(np.sqrt, _UNARY, 1), "tanh": Function(np.tanh, _UNARY, 1),
    "abs": Function(np.abs, _UNARY, 1),
    "maximum": Function(np.maximum, ("x", "y"), 2), "minimum": Function(np.minimum, ("x", "y"), 2),
    "where": Function(lambda cond, x, y: np.where(cond != 0, x, y), ("cond", "x", "y"), 3),
    "transpose": Function(np.transpose, ("x", "axes"), 1, ("axes",)),
    "reshape": Function(np.reshape, ("x", "shape"), 2, ("shape",)),
    "sum": Function(np.sum, **_REDUCE), "max": Function(np.max, **_REDUCE),
    "min": Function(np.min, **_REDUCE), "mean": Function(np.mean, **_REDUCE),
    "softmax": Function(_softmax, **_REDUCE), "logsumexp": Function(_logsumexp, **_REDUCE),
    "tril": Function(_triangle(np.tril), **_TRIANGLE),
    "triu": Function(_triangle(np.triu), **_TRIANGLE),
    "astype": Function(lambda x, dtype: ROUNDINGS[dtype](x), ("x", "dtype"), 2, ("dtype",)),
    "matmul": Function(np.matmul, ("x", "y"), 2),
    "zeros": Function(np.zeros, ("shape",), 1), "ones": Function(np.ones, ("shape",), 1),
}

BINARY_OPS = {ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub),
              ast.Mult: ("*", operator.mul), ast.Div: ("/", operator.truediv),
              ast.MatMult: ("@", np.matmul), ast.Pow: ("**", operator.pow)}
COMPARE_OPS = {ast.Lt: ("<", np.less), ast.LtE: ("<=", np.less_equal),
               ast.Gt: (">", np.greater), ast.GtE: (">=", np.greater_equal),
               ast.Eq: ("==", np.equal), ast.NotEq: ("!=", np.not_equal)}
UNARY_OPS = {ast.USub: ("-", operator.neg), ast.UAdd: ("+", operator.pos)}


class Locator:
    """1-based character columns of nodes (``ast`` offsets count UTF-8 bytes)."""

    def __init__(self, text: str):
        self.encoded = text.encode()

    def _char_column(self, byte_offset: int) -> int:
        return len(self.encoded[:byte_offset].decode(errors="ignore")) + 1

    def column(self, node: ast.AST) -> int:
        return self._char_column(node.col_offset)

    def after(self, node: ast.AST) -> int:
        """The column of what follows ``node``: its operator, '.', 'if' or 'and'."""
        i = node.end_col_offset
        while i < len(self.encoded) and self.encoded[i] in b" \t\f)":
            i += 1
        return self._char_column(i)

    def op_column(self, node: ast.AST) -> int:
        if isinstance(node, ast.Attribute):
            return self.after(node.value)
        if isinstance(node, (ast.BinOp, ast.Compare)):
            return self.after(node.left)
        return self.column(node)


class Evaluator:
    """Walks a checked expression tree; every value is a float64 ndarray (0-d for scalars).

    Comparisons give 1.0 / 0.0; ``where`` takes any nonzero condition as true.
    """

    def __init__(self, text: str, env: dict[str, np.ndarray], at: Locator):
        self.text, self.env, self.at = text, env, at

    def error(self, what: str, node: ast.AST, at_op: bool = False) -> ExpectError:
        column = self.at.op_column(node) if at_op else self.at.column(node)
        return ExpectError(self.text, what, column)

    def value(self, node: ast.expr) -> np.ndarray:
        method = getattr(self, "_" + type(node).__name__)
        return np.asarray(method(node), dtype=np.float64)

    def _Constant(self, node: ast.Constant):
        return np.float64(node.value)

    def _Name(self, node: ast.Name):
        return self.env[node.id]

    def _Attribute(self, node: ast.Attribute):  # only .T gets past the parser
        return self.value(node.value).T

    def _UnaryOp(self, node: ast.UnaryOp):
        return self.unary(UNARY_OPS[type(node.op)][1], self.value(node.operand))

    def unary(self, apply, x):
        return apply(x)

    def binary(self, symbol: str, apply, left, right):
        """``left symbol right``; a ValueError when the shapes do not fit."""
        return apply(left, right)

    def _BinOp(self, node: ast.BinOp):
        symbol, apply = BINARY_OPS[type(node.op)]
        left, right = self.value(node.left), self.value(node.right)
        try:
            return self.binary(symbol, apply, left, right)
        except ValueError:
            how = "do not fit a matrix product" if symbol == "@" else "do not broadcast"
            raise self.error(f"operands of '{symbol}' have shapes {left.shape} and "
                             f"{right.shape}, which {how}", node, at_op=True) from None

    def _Compare(self, node: ast.Compare):
        symbol, apply = COMPARE_OPS[type(node.ops[0])]
        left, right = self.value(node.left), self.value(node.comparators[0])
        try:
            return self.binary(symbol, apply, left, right)
        except ValueError:
            raise self.error(f"operands of '{symbol}' have shapes {left.shape} and "
                             f"{right.shape}, which do not broadcast", node, at_op=True) from None

    def _Subscript(self, node: ast.Subscript):
        array = self.value(node.value)
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        index = tuple(self.index_part(p) for p in parts)
        try:
            return array[index]
        except (IndexError, OverflowError) as exc:
            raise self.error(f"indexing shape {array.shape}: {exc}", node.slice) from None

    def index_part(self, node: ast.expr):
        if isinstance(node, ast.Slice):
            return slice(*(None if n is None else self.integer(n, "a slice bound")
                           for n in (node.lower, node.upper, node.step)))
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            return Ellipsis
        return self.integer(node, "an index")

    def integer(self, node: ast.expr, what: str) -> int:
        v = self.value(node)
        if v.ndim != 0 or not np.isfinite(v) or v != np.trunc(v):
            got = f"an array of shape {v.shape}" if v.ndim else repr(float(v))
            raise self.error(f"{what} must be an integer, got {got}", node)
        return int(v)

    def integers(self, node: ast.expr, what: str) -> int | tuple[int, ...]:
        if isinstance(node, ast.Tuple):
            return tuple(self.integer(e, what) for e in node.elts)
        return self.integer(node, what)

    def argument(self, kind: str, node: ast.expr):
        if kind == "dtype":
            return node.value
        if kind == "array":
            return self.value(node)
        return self.integers(node, INTEGER_PARAMS[kind])

    def _Call(self, node: ast.Call):
        name = node.func.id
        function = FUNCTIONS[name]
        args = {p: self.argument(PARAM_KINDS.get(p, "array"), arg)
                for p, arg in bind_call(function, node).items()}
        try:
            return self.call(name, function, [args[p] for p in function.params if p in args])
        except (ValueError, TypeError, IndexError, OverflowError, MemoryError) as exc:
            raise self.error(f"{name}() failed: {exc}", node) from None


    def call(self, name: str, function: Function, args: list):
        """``name(*args)`` with the arguments in parameter order."""
        return function.impl(*args)


def bind_call(function: Function, node: ast.Call) -> dict[str, ast.expr]:
    """The call's argument nodes by parameter name; the parser has checked they bind."""
    bound = dict(zip(function.params, node.args))
    bound.update((kw.arg, kw.value) for kw in node.keywords)
    return bound
