"""``@triton.jit``: a kernel's source, its parameters and its traced specializations.

A launch specializes the kernel on its constexpr values and on the types of
its other arguments (pointer element types, scalar types); each distinct
specialization is traced once and cached on the function.
"""

from __future__ import annotations

import ast
import inspect
import os

from k1sim.frontend.builtins import constexpr, unwrap
from k1sim.frontend.errors import TraceError, UnsupportedError
from k1sim.frontend.launch import launch_on_target
from k1sim.frontend.semantic import wrap
from k1sim.frontend.tracer import Tracer
from k1sim.ir.builder import Builder
from k1sim.ir.core import FileLoc, Module


def _is_constexpr(annotation) -> bool:
    if annotation is constexpr:
        return True
    return isinstance(annotation, str) and annotation.split(".")[-1] == "constexpr"


class JITFunction:
    """A ``@triton.jit`` function: launched as ``kernel[grid](...)``, inlined when a kernel
    calls it."""

    k1sim_jit = True  # what the tracer and the launcher recognise a kernel by

    def __init__(self, fn, **options):
        self.fn = fn
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__
        self.__module__ = fn.__module__
        self.options = options  # do_not_specialize, noinline, ...: no effect on the IR here
        self.signature = inspect.signature(fn)
        self.params = list(self.signature.parameters)
        self.constexprs = {n for n, p in self.signature.parameters.items()
                           if _is_constexpr(p.annotation)}
        self.globals = fn.__globals__
        self.filename = fn.__code__.co_filename
        self.line = fn.__code__.co_firstlineno
        self.cache: dict = {}
        self._tree = None

    def __repr__(self) -> str:
        return f"JITFunction({self.__module__}:{self.__name__})"

    @property
    def tree(self) -> ast.FunctionDef:
        """The function's AST, from its file's cached parse (the file's lines and columns)."""
        if self._tree is None:
            self._tree = _function_node(self.fn, self.filename, self.line)
        return self._tree

    def error(self, message: str) -> TraceError:
        """An error at the kernel's ``def`` line."""
        line = self.line
        try:
            line = self.tree.lineno  # the def line (co_firstlineno is the decorator's)
        except TraceError:
            pass
        return TraceError(f"{self.__name__}: {message}", self.filename, line, 1)

    def def_loc(self) -> FileLoc:
        tree = self.tree
        return FileLoc(self.filename, tree.lineno, tree.col_offset)

    def bind(self, args, kwargs) -> dict:
        """Parameter name -> value for a call (defaults applied, constexprs unwrapped)."""
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as e:
            raise UnsupportedError(f"{self.__name__}(): {e}") from None
        bound.apply_defaults()
        return {k: unwrap(v) for k, v in bound.arguments.items()}

    def __getitem__(self, grid):
        def launcher(*args, **kwargs):
            return launch_on_target(self, grid, args, kwargs)
        return launcher

    def __call__(self, *args, **kwargs):
        raise UnsupportedError(f"{self.__name__} is a @triton.jit kernel: launch it as "
                               f"{self.__name__}[grid](...) (or call it from another kernel)")

    def specialization(self, key, types: dict, constexprs: dict) -> Module:
        """The traced module of one specialization (traced on first use)."""
        module = self.cache.get(key)
        if module is None:
            module = trace(self, types, constexprs)
            self.cache[key] = module
        return module


# filename -> (mtime, parsed module): a file's functions share one parse.
_FILES: dict = {}


def _function_node(fn, filename: str, first_line: int) -> ast.FunctionDef:
    """The ``def`` of ``fn`` in its file: the function of its name whose first line (its
    first decorator's) is ``first_line``."""
    try:
        mtime = os.stat(filename).st_mtime_ns
        cached = _FILES.get(filename)
        if cached is None or cached[0] != mtime:
            with open(filename, encoding="utf-8") as f:
                cached = _FILES[filename] = (mtime, ast.parse(f.read(), filename))
    except (OSError, UnicodeDecodeError, SyntaxError):
        cached = None
    for node in ast.walk(cached[1]) if cached else ():
        if isinstance(node, ast.FunctionDef) and node.name == fn.__name__:
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            if start == first_line:
                return node
    raise TraceError(f"cannot read the source of '{fn.__name__}'; a @triton.jit function "
                     "must be defined in a file", filename, first_line, 1)


class _TracingBuilder(Builder):
    """A Builder whose ops are located at the tracer's current Python node."""

    def __init__(self, filename: str):
        super().__init__(locations=True)
        self.module.filename = filename
        self.tracer = None
        self.fallback: FileLoc | None = None

    def loc(self) -> FileLoc | None:
        loc = self.tracer.loc() if self.tracer is not None else None
        return loc or self.fallback


def trace(fn: JITFunction, types: dict, constexprs: dict) -> Module:
    """Trace ``fn`` with runtime arguments of ``types`` (name -> dtype) and ``constexprs``."""
    b = _TracingBuilder(fn.filename)
    b.fallback = fn.def_loc()
    with b.kernel(fn.__name__) as k:
        tracer = Tracer(k, b.module)
        bound = dict(constexprs)
        for name in fn.params:
            if name in types:
                dtype = types[name]
                bound[name] = wrap(tracer, k.arg(name, dtype.ir), dtype)
        b.tracer = tracer
        tracer.run(fn, bound)
    b.tracer = None
    return b.module


def jit(fn=None, **options):
    """``@triton.jit`` and ``@triton.jit(...)``."""
    if fn is None:
        return lambda f: JITFunction(f, **options)
    return JITFunction(fn, **options)


__all__ = ["JITFunction", "jit", "trace"]
