"""``expect`` checks (FORMAT.md section 6): ``NAME = EXPRESSION`` over kernel arguments.

An expect names an output argument and gives its reference value as an expression over
the arguments' input values (pointer arguments as float64 arrays, scalar arguments as
numbers). :func:`parse_expect` parses the text with Python's ``ast`` module and checks
every node against a whitelist before anything runs; :func:`evaluate` walks the checked
tree with numpy (``expect_eval``); nothing is ever ``eval``-ed or compiled. :func:`check`
compares an output against the reference the way ``numpy.isclose`` does
(``|out - ref| <= atol + rtol * |ref|``, NaN matching NaN, infinities matching
themselves) and reports the largest errors and the first bad element.

Error messages quote the expect, name the offending construct with its 1-based column
(in characters) and say what is allowed.
"""

from __future__ import annotations

import ast
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from k1sim.functional.expect_eval import (BINARY_OPS, COMPARE_OPS, FUNCTIONS, INTEGER_PARAMS,
                                          PARAM_KINDS, ROUNDINGS, UNARY_OPS, Evaluator,
                                          ExpectError, Locator, bind_call)
from k1sim.functional.expect_shapes import ShapeEvaluator

__all__ = ["Expect", "ExpectError", "ExpectResult", "check", "check_names", "check_shapes",
           "evaluate", "parse_expect"]

_FORM = 'an expect is NAME = EXPRESSION, e.g. "c = a @ b"'
_LANGUAGE = ("allowed are numbers, argument names, + - * / @ **, unary - and +, one of "
             "< <= > >= == != at a time, .T, indexing and slicing, and calls of "
             + ", ".join(FUNCTIONS))
_DTYPES = ", ".join(f'"{name}"' for name in ROUNDINGS)
_OPERATOR_SYMBOLS = {ast.Mod: "%", ast.FloorDiv: "//", ast.LShift: "<<", ast.RShift: ">>",
                     ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not",
                     ast.Invert: "~", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
                     ast.NotIn: "not in"}
_CONSTRUCTS = {ast.Lambda: "a lambda", ast.ListComp: "a list comprehension",
               ast.SetComp: "a set comprehension", ast.DictComp: "a dict comprehension",
               ast.GeneratorExp: "a generator expression", ast.JoinedStr: "an f-string",
               ast.NamedExpr: "an assignment expression ':='", ast.List: "a list",
               ast.Dict: "a dict", ast.Set: "a set", ast.Starred: "a starred argument '*'",
               ast.Await: "'await'", ast.Yield: "'yield'", ast.YieldFrom: "'yield from'"}
_STATEMENTS = {ast.Import: "an import", ast.ImportFrom: "an import",
               ast.AugAssign: "an augmented assignment", ast.AnnAssign: "an annotated assignment"}


@dataclass(frozen=True)
class Expect:
    """A parsed, whitelist-checked expect: the output argument ``name`` and the ``text``."""

    name: str
    text: str
    _tree: ast.expr = field(repr=False, compare=False)
    _names: tuple[tuple[str, int], ...] = field(repr=False, compare=False)  # (name, column)


class _Checker:
    """Checks a parsed expect against the language; records the names it reads."""

    def __init__(self, text: str):
        self.text, self.at = text, Locator(text)
        self.names: list[tuple[str, int]] = []

    def error(self, what: str, column: int | None, allowed: str | None = _LANGUAGE):
        return ExpectError(self.text, what, column, allowed)

    def statement(self, module: ast.Module) -> tuple[str, ast.expr]:
        if not module.body:
            raise self.error("the expect is empty", None, _FORM)
        if len(module.body) > 1:
            raise self.error("more than one statement", self.at.column(module.body[1]), _FORM)
        stmt = module.body[0]
        if isinstance(stmt, ast.Expr):
            node = stmt.value
            if (isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.Eq)
                    and isinstance(node.left, ast.Name)):
                raise self.error("'==' compares; the expect needs a single '=' after its "
                                 "name", self.at.op_column(node), _FORM)
            raise self.error("missing 'NAME ='", 1, _FORM)
        if not isinstance(stmt, ast.Assign):
            kind = _STATEMENTS.get(type(stmt), "a statement")
            raise self.error(f"{kind} is not an expect", self.at.column(stmt), _FORM)
        if len(stmt.targets) > 1:
            raise self.error("more than one '='", self.at.column(stmt.targets[1]), _FORM)
        target = stmt.targets[0]
        if not isinstance(target, ast.Name):
            raise self.error("the left side must be the name of an output argument",
                             self.at.column(target), _FORM)
        self.check_name(target)
        self.value(stmt.value)
        return target.id, stmt.value

    def check_name(self, node: ast.Name) -> None:
        if node.id.startswith("__"):
            raise self.error(f"name '{node.id}' is not allowed", self.at.column(node),
                             "names starting with '__' never are")

    def value(self, node: ast.expr) -> None:
        """An array-valued expression."""
        check = getattr(self, "_" + type(node).__name__, None)
        if check is not None:
            return check(node)
        if isinstance(node, ast.Tuple):
            raise self.error("a tuple is not a value", self.at.column(node),
                             "tuples are only shapes, axes and indices")
        if isinstance(node, ast.IfExp):
            raise self.error("a conditional expression 'if ... else' is not allowed",
                             self.at.after(node.body), "use where(cond, x, y)")
        if isinstance(node, ast.BoolOp):
            word = "and" if isinstance(node.op, ast.And) else "or"
            raise self.error(f"boolean operator '{word}' is not allowed",
                             self.at.after(node.values[0]), _LANGUAGE)
        what = _CONSTRUCTS.get(type(node), f"a {type(node).__name__} expression")
        raise self.error(f"{what} is not allowed", self.at.column(node))

    def _Constant(self, node: ast.Constant) -> None:
        v = node.value
        if isinstance(v, str):
            raise self.error(f"string {v!r} is not allowed", self.at.column(node),
                             "a string is only the dtype of astype(x, dtype)")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.error(f"constant {v!r} is not allowed", self.at.column(node),
                             "constants are int or float numbers")
        if isinstance(v, int) and abs(v) >= 2 ** 1024:
            raise self.error(f"number {str(v)[:20]}... is too large",
                             self.at.column(node), "numbers must fit a float64")

    def _Name(self, node: ast.Name) -> None:
        self.check_name(node)
        self.names.append((node.id, self.at.column(node)))

    def _Attribute(self, node: ast.Attribute) -> None:
        if node.attr != "T":
            raise self.error(f"attribute '.{node.attr}' is not allowed",
                             self.at.op_column(node), "only '.T' is")
        self.value(node.value)

    def _UnaryOp(self, node: ast.UnaryOp) -> None:
        if type(node.op) not in UNARY_OPS:
            symbol = _OPERATOR_SYMBOLS[type(node.op)]
            raise self.error(f"operator '{symbol}' is not allowed", self.at.column(node))
        self.value(node.operand)

    def _BinOp(self, node: ast.BinOp) -> None:
        self.value(node.left)
        if type(node.op) not in BINARY_OPS:
            symbol = _OPERATOR_SYMBOLS[type(node.op)]
            raise self.error(f"operator '{symbol}' is not allowed", self.at.op_column(node))
        self.value(node.right)

    def _Compare(self, node: ast.Compare) -> None:
        self.value(node.left)
        if type(node.ops[0]) not in COMPARE_OPS:
            symbol = _OPERATOR_SYMBOLS[type(node.ops[0])]
            raise self.error(f"operator '{symbol}' is not allowed", self.at.op_column(node))
        if len(node.ops) > 1:
            raise self.error("chained comparison is not allowed",
                             self.at.after(node.comparators[0]),
                             "compare two values at a time")
        self.value(node.comparators[0])

    def _Subscript(self, node: ast.Subscript) -> None:
        self.value(node.value)
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for part in parts:
            if isinstance(part, ast.Slice):
                for bound in (part.lower, part.upper, part.step):
                    if bound is not None:
                        self.integer(bound, "a slice bound")
            elif not (isinstance(part, ast.Constant) and part.value is Ellipsis):
                self.integer(part, "an index")

    def integer(self, node: ast.expr, what: str) -> None:
        """An expression that must come out an integer (checked again when evaluated)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, float) \
                and not node.value.is_integer():
            raise self.error(f"{what} must be an integer, got {node.value!r}",
                             self.at.column(node), "write an integer such as 2 or n - 1")
        self.value(node)

    def _Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Name):
            self.value(func)
            raise self.error("only functions can be called", self.at.column(func))
        self.check_name(func)
        function = FUNCTIONS.get(func.id)
        if function is None:
            raise self.error(f"unknown function '{func.id}'", self.at.column(func),
                             "functions are " + ", ".join(FUNCTIONS))
        signature = f"{func.id}({', '.join(function.params)})"
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.error("a starred argument '*' is not allowed", self.at.column(arg),
                                 f"call {signature}")
        if len(node.args) > len(function.params):
            raise self.error(f"too many arguments for {func.id}()",
                             self.at.column(node.args[len(function.params)]), f"call {signature}")
        given = set(function.params[:len(node.args)])
        keywords = ", ".join(f"{k}=" for k in function.keywords) or "no keywords"
        for kw in node.keywords:
            column = self.at.column(kw)
            if kw.arg is None:
                raise self.error("'**' arguments are not allowed", column, f"call {signature}")
            if kw.arg not in function.keywords:
                raise self.error(f"{func.id}() takes no keyword '{kw.arg}'", column,
                                 f"it takes {keywords}")
            if kw.arg in given:
                raise self.error(f"{func.id}() got '{kw.arg}' twice", column, f"call {signature}")
            given.add(kw.arg)
        missing = [p for p in function.params[:function.required] if p not in given]
        if missing:
            raise self.error(f"{func.id}() is missing '{missing[0]}'", self.at.column(node),
                             f"call {signature}")
        for param, arg in bind_call(function, node).items():
            self.argument(func.id, PARAM_KINDS.get(param, "array"), arg)

    def argument(self, function: str, kind: str, node: ast.expr) -> None:
        if kind == "dtype":
            if not (isinstance(node, ast.Constant) and node.value in ROUNDINGS
                    and isinstance(node.value, str)):
                raise self.error(f"{function}() needs a dtype string", self.at.column(node),
                                 f"dtypes are {_DTYPES}")
        elif kind == "array":
            self.value(node)
        elif kind != "int" and isinstance(node, ast.Tuple):
            for element in node.elts:
                self.integer(element, INTEGER_PARAMS[kind])
        else:
            self.integer(node, INTEGER_PARAMS[kind])


def parse_expect(text: str) -> Expect:
    """Parse ``NAME = EXPRESSION`` and check it against the expect language.

    Leading and trailing whitespace is dropped; columns count in the stripped text.
    """
    text = text.strip()
    if "\n" in text or "\r" in text:
        column = min(i for i in (text.find("\n"), text.find("\r")) if i >= 0) + 1
        raise ExpectError(text.replace("\n", " ").replace("\r", " "),
                          "a line break is not allowed", column, "an expect is one line")
    checker = _Checker(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            module = ast.parse(text, mode="exec")
        name, tree = checker.statement(module)
    except SyntaxError as exc:
        raise ExpectError(text, exc.msg, exc.offset, _FORM) from None
    except ValueError as exc:  # a NUL character (a SyntaxError from Python 3.12)
        raise ExpectError(text, str(exc), None, _FORM) from None
    except (RecursionError, MemoryError):
        raise ExpectError(text, "the expression is nested too deeply", None) from None
    return Expect(name, text, tree, tuple(checker.names))


def evaluate(expect: Expect, env: dict[str, np.ndarray | float],
             evaluator: type[Evaluator] = Evaluator) -> np.ndarray:
    """The float64 reference value of ``expect`` over the input arguments in ``env``.

    ``env`` maps argument names to input values (before the run); the expect's own name
    must be one of them. Returned arrays may be read-only views of the inputs.
    """
    check_names(expect, list(env))
    inputs = {}
    for name, _ in expect._names:
        if name not in inputs:
            inputs[name] = _as_input(expect.text, name, env[name])
    walker = evaluator(expect.text, inputs, Locator(expect.text))
    try:
        with np.errstate(all="ignore"):
            return walker.value(expect._tree)
    except RecursionError:
        raise ExpectError(expect.text, "the expression is nested too deeply", None) from None


def check_names(expect: Expect, names: list[str]) -> None:
    """Every name ``expect`` reads, and its output, must be one of the argument ``names``."""
    available = "arguments are " + (", ".join(names) or "none")
    if expect.name not in names:
        raise ExpectError(expect.text, f"'{expect.name}' is not an argument of the kernel",
                          1, available)
    for name, column in expect._names:
        if name not in names:
            hint = f"; {name}() is a function" if name in FUNCTIONS else ""
            raise ExpectError(expect.text, f"unknown name '{name}'", column, available + hint)


def check_shapes(expect: Expect, env: dict[str, np.ndarray | float], out_shape: tuple) -> None:
    """Check ``expect``'s names and shapes before any data exists: ``env`` maps argument
    names to arrays of their shape (``expect_shapes.placeholder``) or scalar values.
    Raises the ExpectError the run would raise, without computing an element."""
    _check_fits(expect, evaluate(expect, env, ShapeEvaluator).shape, tuple(out_shape))


def _check_fits(expect: Expect, ref_shape: tuple, out_shape: tuple) -> None:
    try:
        fits = np.broadcast_shapes(ref_shape, out_shape) == out_shape
    except ValueError:
        fits = False
    if not fits:
        raise ExpectError(expect.text, f"the reference has shape {ref_shape}, which does not "
                          f"broadcast to the shape {out_shape} of output '{expect.name}'")


def _as_input(text: str, name: str, value) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64).view()
    except (TypeError, ValueError):
        raise ExpectError(text, f"argument '{name}' is not numeric "
                                f"({type(value).__name__})") from None
    array.flags.writeable = False  # a read-only view: the expression never changes inputs
    return array


def _json_float(v: float | None) -> float | str | None:
    return v if v is None or math.isfinite(v) else str(v)


@dataclass(frozen=True)
class ExpectResult:
    """The outcome of one expect: pass/fail, the largest errors, the first bad element."""

    name: str
    text: str
    passed: bool
    max_abs_err: float
    max_rel_err: float
    index: tuple[int, ...] | None
    out_value: float | None
    ref_value: float | None
    message: str

    def to_dict(self) -> dict:
        """JSON-safe: NaN and infinities become the strings "nan", "inf", "-inf"; the
        index a list."""
        return {"name": self.name, "text": self.text, "passed": self.passed,
                "max_abs_err": _json_float(self.max_abs_err),
                "max_rel_err": _json_float(self.max_rel_err),
                "index": None if self.index is None else list(self.index),
                "out_value": _json_float(self.out_value),
                "ref_value": _json_float(self.ref_value), "message": self.message}


def check(expect: Expect, out: np.ndarray, env: dict, rtol: float, atol: float) -> ExpectResult:
    """Compare the output ``out`` of argument ``expect.name`` with the reference.

    An element passes when both are finite and ``|out - ref| <= atol + rtol * |ref|``,
    when they are equal (infinities), or when both are NaN. The errors are the largest
    over elements where both are finite (and, for the relative one, ``ref != 0``).
    """
    if not (rtol >= 0 and atol >= 0):
        raise ExpectError(expect.text, f"rtol {rtol} and atol {atol} must be >= 0")
    out = np.asarray(out, dtype=np.float64)
    ref = evaluate(expect, env)
    _check_fits(expect, ref.shape, out.shape)
    ref = np.broadcast_to(ref, out.shape)
    with np.errstate(all="ignore"):
        diff = np.abs(out - ref)
        finite = np.isfinite(out) & np.isfinite(ref)
        close = np.where(finite, diff <= atol + rtol * np.abs(ref), out == ref)
        bad = ~(close | (np.isnan(out) & np.isnan(ref)))
        max_abs = float(np.max(diff[finite], initial=0.0))
        rel = finite & (ref != 0)
        max_rel = float(np.max(diff[rel] / np.abs(ref[rel]), initial=0.0))
    errors = f"max abs err {max_abs:.1e}, max rel err {max_rel:.1e}"
    count = int(np.count_nonzero(bad))
    if count == 0:
        return ExpectResult(expect.name, expect.text, True, max_abs, max_rel, None, None, None,
                            f"{expect.name}: ok ({errors})")
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad.ravel())), out.shape))
    got, want = float(out[index]), float(ref[index])
    differ = "element differs" if count == 1 else "elements differ"
    message = (f"{expect.name}: {errors} at {index}: got {got!r}, expected {want!r} "
               f"(rtol {rtol:g}, atol {atol:g}); {count} of {out.size} {differ}")
    return ExpectResult(expect.name, expect.text, False, max_abs, max_rel, index, got, want,
                        message)
