"""The AST tracer: a kernel's Python source -> k1sim IR, through the Builder.

Shaped like Triton's ``code_generator.py``: an ``ast.NodeVisitor`` with one
``visit_X`` per node kind, a scope of names, constexprs folded while walking
(Python values stay Python values; only traced ``Tensor``s emit IR), and
control flow in ``flow.FlowVisitor``. ``@triton.jit`` helpers are inlined
with their own scope. Every op's location is the Python ``file:line:col``
that made it (Triton's 0-based column).
"""

from __future__ import annotations

import ast
import operator
import warnings
from functools import partial

from k1sim.errors import K1SimError, ParseError
from k1sim.frontend import language, language_math
from k1sim.frontend import semantic as S
from k1sim.frontend.builtins import unwrap
from k1sim.frontend.errors import TraceError, UnsupportedError
from k1sim.frontend.flow import FlowVisitor
from k1sim.frontend.pybuiltins import PYTHON_BUILTINS
from k1sim.frontend.tensor import Tensor
from k1sim.ir.core import FileLoc

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow, ast.LShift: operator.lshift, ast.RShift: operator.rshift,
           ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor}
_CMPOPS = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
           ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Is: operator.is_,
           ast.IsNot: operator.is_not, ast.In: lambda a, b: a in b,
           ast.NotIn: lambda a, b: a not in b}


class _Return(Exception):
    def __init__(self, value):
        self.value = value


class Tracer(FlowVisitor):
    """Walks one kernel (and the helpers it calls) into the Builder's ``Kernel`` ``k``."""

    ops = S  # what a traced Tensor's operators call
    methods = {**language.TENSOR_METHODS, **language_math.TENSOR_METHODS}

    def __init__(self, kernel, module):
        self.k = kernel
        self.module = module
        self.fn = None          # the JITFunction whose body is being walked
        self.scope: dict = {}
        self.stack: list = []   # JITFunctions being inlined, for the recursion check
        self.depth = 0          # runtime regions (scf.if / scf.for) around the current node
        self.fn_depth = 0       # ``depth`` where the current function's body starts
        self.node = None

    # -- locations and errors -------------------------------------------
    def loc(self) -> FileLoc | None:
        if self.node is None or self.fn is None:
            return None
        return FileLoc(self.fn.filename, self.node.lineno,
                       self.node.col_offset)

    def error(self, message: str) -> TraceError:
        loc = self.loc()
        if loc is None:
            return TraceError(message, "<kernel>", 0, 0)
        return TraceError(message, loc.file, loc.line, loc.col + 1)

    def warn(self, message: str) -> None:
        loc = self.loc()
        where = f"{loc.file}:{loc.line}:{loc.col + 1}" if loc else "<kernel>"
        self.module.warnings.append(f"{where}: warning: {message}")
        warnings.warn_explicit(message, UserWarning, loc.file if loc else "<kernel>",
                               loc.line if loc else 0)

    def visit(self, node):
        prev = self.node
        if hasattr(node, "lineno"):
            self.node = node
        try:
            return super().visit(node)
        except (TraceError, _Return):
            raise
        except K1SimError as e:
            raise self.error(e.message if isinstance(e, ParseError) else str(e)) from None
        finally:
            self.node = prev

    def generic_visit(self, node):
        raise UnsupportedError(f"Python '{type(node).__name__}' is not supported in a kernel")

    def visit_block(self, stmts) -> None:
        for s in stmts:
            self.visit(s)

    # -- functions --------------------------------------------------------
    def run(self, fn, bound: dict):
        """Walk ``fn``'s body with ``bound`` names; the value it returns (None if none)."""
        if fn in self.stack:
            chain = " -> ".join(f.__name__ for f in self.stack + [fn])
            raise UnsupportedError(f"recursion is not supported in a kernel ({chain})")
        saved = (self.fn, self.scope, self.fn_depth)
        self.fn, self.scope, self.fn_depth = fn, dict(bound), self.depth
        self.stack.append(fn)
        try:
            self.visit_block(fn.tree.body)
            return None
        except _Return as r:
            return r.value
        finally:
            self.stack.pop()
            self.fn, self.scope, self.fn_depth = saved

    def call(self, fn, args: list, kwargs: dict):
        """Call a builtin, a @jit helper (inlined) or an allowed Python builtin."""
        if getattr(fn, "k1sim_jit", False):
            return self.run(fn, fn.bind(args, kwargs))
        if getattr(fn, "k1sim_builtin", False):
            try:
                return fn(*args, _ctx=self, **kwargs)
            except TypeError as e:
                raise UnsupportedError(f"{fn.public_name}(): {e}") from None
        if isinstance(getattr(fn, "__self__", None), Tensor) or isinstance(fn, partial):
            try:
                return fn(*args, **kwargs)  # a tensor method: x.to(...), x.sum(0)
            except TypeError as e:
                raise UnsupportedError(f"{getattr(fn, 'public_name', 'tensor method')}(): "
                                       f"{e}") from None
        handler = PYTHON_BUILTINS.get(fn) if _hashable(fn) else None
        if handler is not None:
            return handler(self, *args, **kwargs)
        if isinstance(fn, type) and getattr(fn, "__module__", "").startswith("k1sim.frontend"):
            return fn(*args, **kwargs)  # tl.range, smt.parallel, tl.constexpr, ...
        name = getattr(fn, "__qualname__", None) or repr(fn)
        raise UnsupportedError(f"calling '{name}' inside a kernel is not supported: a kernel "
                               "calls tl/smt builtins and other @triton.jit functions")

    # -- statements -------------------------------------------------------
    def visit_Expr(self, node):
        self.visit(node.value)

    def visit_Pass(self, node):
        pass

    def visit_Assign(self, node):
        value = self.visit(node.value)
        for target in node.targets:
            self.assign(target, value)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.assign(node.target, self.visit(node.value))

    def visit_AugAssign(self, node):
        if not isinstance(node.target, ast.Name):
            raise UnsupportedError("augmented assignment is supported to names only")
        current = self.lookup(node.target.id)
        self.assign(node.target, self.binop(node.op, current, self.visit(node.value)))

    def assign(self, target, value) -> None:
        if isinstance(target, ast.Name):
            self.scope[target.id] = unwrap(value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if not isinstance(value, (tuple, list)) or len(value) != len(target.elts):
                raise UnsupportedError(f"cannot unpack {S.describe(value)} into "
                                       f"{len(target.elts)} names")
            for t, v in zip(target.elts, value):
                self.assign(t, v)
        else:
            raise UnsupportedError(f"assignment to a {type(target).__name__} is not supported; "
                                   "assign to a name (tensors are values, stored with tl.store)")

    def visit_Return(self, node):
        if self.depth > self.fn_depth:
            raise UnsupportedError("'return' inside a runtime if or loop is not supported; "
                                   "assign the value and return it at the end")
        raise _Return(None if node.value is None else self.visit(node.value))

    def visit_Break(self, node):
        raise UnsupportedError("'break' is not supported in a kernel: an scf.for has no early "
                               "exit; bound the loop or guard its body with an if")

    def visit_Continue(self, node):
        raise UnsupportedError("'continue' is not supported in a kernel; guard the rest of "
                               "the body with an if")

    def visit_Assert(self, node):
        cond = unwrap(self.visit(node.test))
        if isinstance(cond, Tensor):
            raise UnsupportedError("'assert' on a runtime value is not supported (a device "
                                   "assert); assert on constexprs only")
        if not cond:
            msg = unwrap(self.visit(node.msg)) if node.msg is not None else ""
            raise UnsupportedError(f"assert failed: {msg}" if msg else "assert failed")

    # -- expressions ------------------------------------------------------
    def visit_Constant(self, node):
        return node.value

    def lookup(self, name: str):
        if name in self.scope:
            return self.scope[name]
        g = self.fn.globals
        if name in g:
            return unwrap(g[name])
        import builtins
        if hasattr(builtins, name):
            value = getattr(builtins, name)
            if value in PYTHON_BUILTINS or value in (True, False, None):
                return value
            raise UnsupportedError(f"the Python builtin '{name}' is not supported in a kernel")
        raise UnsupportedError(f"name '{name}' is not defined")

    def visit_Name(self, node):
        return self.lookup(node.id)

    def visit_Attribute(self, node):
        obj = self.visit(node.value)
        try:
            return unwrap(getattr(obj, node.attr))
        except UnsupportedError:
            raise
        except AttributeError:
            raise UnsupportedError(f"{S.describe(obj)} has no attribute '{node.attr}'") from None

    def visit_Call(self, node):
        fn = self.visit(node.func)
        args = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                args.extend(self.visit(a.value))
            else:
                args.append(self.visit(a))
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                kwargs.update(self.visit(kw.value))
            else:
                kwargs[kw.arg] = self.visit(kw.value)
        return unwrap(self.call(fn, args, kwargs))

    def binop(self, op, a, b):
        f = _BINOPS.get(type(op))
        if f is None:
            raise UnsupportedError(f"the operator {type(op).__name__} is not supported")
        if f is operator.pow and (isinstance(a, Tensor) or isinstance(b, Tensor)):
            raise UnsupportedError("'**' on runtime values is not supported")
        return f(a, b)

    def visit_BinOp(self, node):
        return self.binop(node.op, self.visit(node.left), self.visit(node.right))

    def visit_UnaryOp(self, node):
        x = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return S.logical_not(self, x) if isinstance(x, Tensor) else not x
        if isinstance(node.op, ast.USub):
            return -x
        if isinstance(node.op, ast.UAdd):
            return +x
        return ~x

    def visit_Compare(self, node):
        left = self.visit(node.left)
        result = None
        for op, right_node in zip(node.ops, node.comparators):
            right = self.visit(right_node)
            r = _CMPOPS[type(op)](left, right)
            result = r if result is None else self.logical("and", result, r)
            left = right
        return result

    def logical(self, kind: str, a, b):
        if isinstance(a, Tensor) or isinstance(b, Tensor):
            a, b = S.as_condition(self, a), S.as_condition(self, b)
            return S.binary(self, "&" if kind == "and" else "|", a, b)
        return (a and b) if kind == "and" else (a or b)

    def visit_BoolOp(self, node):
        kind = "and" if isinstance(node.op, ast.And) else "or"
        value = self.visit(node.values[0])
        for v in node.values[1:]:
            if not isinstance(value, Tensor) and (bool(value) != (kind == "and")):
                return value  # Python's short circuit on a compile-time value
            value = self.logical(kind, value, self.visit(v))
        return value

    def visit_IfExp(self, node):
        cond = unwrap(self.visit(node.test))
        if not isinstance(cond, Tensor):
            return self.visit(node.body if cond else node.orelse)
        return language.where(cond, self.visit(node.body), self.visit(node.orelse), _ctx=self)

    def visit_Subscript(self, node):
        value = self.visit(node.value)
        index = self.visit(node.slice)
        return unwrap(value[index])

    def visit_Slice(self, node):
        parts = (node.lower, node.upper, node.step)
        return slice(*(None if p is None else self.visit(p) for p in parts))

    def visit_Tuple(self, node):
        return tuple(self.visit(e) for e in node.elts)

    def visit_List(self, node):
        return [self.visit(e) for e in node.elts]

    def visit_JoinedStr(self, node):
        return "".join(str(self.visit(v)) for v in node.values)

    def visit_FormattedValue(self, node):
        return format(self.visit(node.value), self.visit(node.format_spec)
                      if node.format_spec else "")


def _hashable(x) -> bool:
    try:
        hash(x)
        return True
    except TypeError:
        return False

