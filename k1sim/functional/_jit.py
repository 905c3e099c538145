"""Lazy numba compilation.

``import k1sim.functional`` must not import numba (it takes about a second and
``k1sim --help`` stays instant), so kernels are plain Python functions wrapped
in a :class:`LazyKernel`. The first call imports numba, compiles the function
with ``numba.njit(cache=True, ...)`` (the on-disk cache makes later processes
skip the compile) and rebinds the module global to the numba dispatcher, so
later calls, and other kernels that call this one, go straight to numba.
"""

from __future__ import annotations

import functools


class LazyKernel:
    """A Python function that becomes ``numba.njit(cache=True, **options)`` on first use."""

    def __init__(self, py_func, options: dict):
        functools.update_wrapper(self, py_func)
        self.py_func = py_func
        self.options = options
        self._dispatcher = None

    def load(self):
        """Compile (or load from the cache) and return the numba dispatcher."""
        if self._dispatcher is None:
            import numba

            module_globals = self.py_func.__globals__
            # numba resolves globals at compile time: a kernel calling another
            # kernel needs that callee's dispatcher there.
            for name in self.py_func.__code__.co_names:
                callee = module_globals.get(name)
                if isinstance(callee, LazyKernel):
                    module_globals[name] = callee.load()
            self._dispatcher = numba.njit(cache=True, **self.options)(self.py_func)
            module_globals[self.py_func.__name__] = self._dispatcher
        return self._dispatcher

    def __call__(self, *args):
        return self.load()(*args)


def lazy_njit(**options):
    """Decorator: compile with ``numba.njit(cache=True, **options)`` on first call."""

    def wrap(py_func):
        return LazyKernel(py_func, options)

    return wrap

