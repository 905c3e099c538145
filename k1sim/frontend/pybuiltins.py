"""The Python builtins a kernel may call, as Triton's code generator allows them.

On compile-time values they are Python itself; ``min``/``max``/``abs`` on
runtime values become ``tl.minimum``/``tl.maximum``/``tl.abs``; ``range`` is
``tl.range`` (an ``scf.for``, even with constant bounds).
"""

from __future__ import annotations

import builtins

from k1sim.frontend.builtins import unwrap
from k1sim.frontend.errors import UnsupportedError
from k1sim.frontend.tensor import Tensor


def _fold(kind: str):
    def handler(ctx, *args, **kwargs):
        if kwargs:
            raise UnsupportedError(f"{kind}() with keywords is not supported in a kernel")
        values = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
        if not values:
            raise UnsupportedError(f"{kind}() needs at least one value")
        if not any(isinstance(v, Tensor) for v in values):
            return getattr(builtins, kind)(values)
        from k1sim.frontend.language import maximum, minimum
        combine = minimum if kind == "min" else maximum
        result = values[0]
        for v in values[1:]:
            result = combine(result, v, _ctx=ctx)
        return result
    return handler


def _python_only(fn):
    def handler(ctx, *args, **kwargs):
        if any(isinstance(unwrap(a), Tensor) for a in (*args, *kwargs.values())):
            raise UnsupportedError(f"{fn.__name__}() of a runtime value is not supported; "
                                   "use .to(dtype) to convert a tensor")
        return fn(*args, **kwargs)
    return handler


def _range(ctx, *args, **kwargs):
    from k1sim.frontend.language import range as tl_range
    return tl_range(*args, **kwargs)


def _abs(ctx, x):
    if isinstance(x, Tensor):
        from k1sim.frontend.language_math import abs as tl_abs
        return tl_abs(x, _ctx=ctx)
    return builtins.abs(x)


PYTHON_BUILTINS = {
    builtins.min: _fold("min"), builtins.max: _fold("max"), builtins.range: _range,
    builtins.abs: _abs,
    **{f: _python_only(f) for f in (builtins.len, builtins.int, builtins.float, builtins.bool,
                                     builtins.isinstance, builtins.tuple, builtins.list,
                                     builtins.str)},
}
