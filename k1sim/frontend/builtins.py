"""The ``@builtin`` marker and ``constexpr``, shared by the ``tl`` and ``smt`` stand-ins.

A builtin is a function the tracer calls with ``_ctx=`` (itself); it turns
traced values into IR. Called outside a kernel it says so instead of running.
"""

from __future__ import annotations

import functools

from k1sim.frontend.errors import UnsupportedError
from k1sim.frontend.tensor import Tensor


def builtin(fn):
    """Mark ``fn`` as a traced builtin named ``fn.__qualname__`` in messages."""
    @functools.wraps(fn)
    def wrapper(*args, _ctx=None, **kwargs):
        if _ctx is None:
            raise UnsupportedError(f"{wrapper.public_name}() runs only inside a @triton.jit "
                                   "kernel that is being traced")
        return fn(_ctx, *args, **kwargs)
    wrapper.k1sim_builtin = True
    wrapper.public_name = fn.__name__
    return wrapper


class constexpr:
    """``tl.constexpr``: as an annotation it marks a compile-time parameter; as a value
    (``tl.constexpr(4)``) it is that value, unwrapped wherever the tracer meets it."""

    def __init__(self, value=None):
        self.value = value.value if isinstance(value, constexpr) else value

    def __repr__(self) -> str:
        return f"constexpr[{self.value!r}]"


def unwrap(x):
    return x.value if isinstance(x, constexpr) else x


def need_int(x, what: str, fn: str) -> int:
    """A compile-time int (a shape, a tile size), or an error that says so."""
    x = unwrap(x)
    if isinstance(x, Tensor):
        raise UnsupportedError(f"{fn}: {what} must be a compile-time int (a tl.constexpr "
                               f"parameter or a literal), got a runtime {x.dtype} value; "
                               "declare it as NAME: tl.constexpr")
    if isinstance(x, bool) or not isinstance(x, int):
        raise UnsupportedError(f"{fn}: {what} must be an int, got {x!r}")
    return x


def need_ints(xs, what: str, fn: str) -> tuple:
    xs = unwrap(xs)
    if isinstance(xs, (int, Tensor)):
        xs = (xs,)
    if not isinstance(xs, (tuple, list)):
        raise UnsupportedError(f"{fn}: {what} must be a list or tuple of ints, got {xs!r}")
    return tuple(need_int(v, what, fn) for v in xs)
