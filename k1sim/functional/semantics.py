"""One table maps an op name to the function that computes its values.

A semantic function is ``fn(op, args, ctx)``: ``op`` is the ``Operation``,
``args`` the values of its operands, and ``ctx`` the executing thread, which
offers ``ctx.warn(op, message)`` for warnings that depend on values (those that depend on
the op alone are in ``OP_WARNINGS``). It returns the op's single result, a tuple
when the op has several, or None when it has none.

Values follow one convention everywhere: a scalar is a numpy scalar of the
element type's storage dtype (``np.int32(3)``, ``np.float16(0.5)``, ``np.bool_``
for i1, ``np.int64`` for index); a tensor is a numpy array of that dtype with
the type's shape; bf16 is float32 holding bf16-rounded values. Pointers,
block pointers and barriers are objects of the engine's memory image.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from k1sim.functional.dtypes import round_bf16, storage_dtype
from k1sim.ir import types as T

SEMANTICS: dict[str, Callable] = {}
# Semantics specialised to one op: ``fn(op)`` returns a semantic function for that op alone
# (its types decided once, not at every execution), or None to use ``SEMANTICS``. The
# interpreter prepares each op once; the result must equal ``SEMANTICS``'s.
PREPARED: dict[str, Callable] = {}
# Warnings that depend on the op alone, not on values: a timing-only run, which computes no
# float tensors, still gives them. ``fn(op) -> message or None``.
OP_WARNINGS: dict[str, Callable] = {}


def _register_in(table: dict, *names: str):
    def register(fn):
        for name in names:
            table[name] = fn
        return fn
    return register


def semantic(*names: str):
    """Register the decorated function as the semantics of the named ops."""
    return _register_in(SEMANTICS, *names)


def prepared(*names: str):
    """Register the decorated ``fn(op)`` as the per-op specialiser of the named ops."""
    return _register_in(PREPARED, *names)


def semantics_of(op) -> Callable | None:
    """The semantic function for ``op``: its specialised one where there is one."""
    prepare = PREPARED.get(op.name)
    return (prepare and prepare(op)) or SEMANTICS.get(op.name)


def op_warning(*names: str):
    """Register the decorated function as the value-independent warning of the named ops."""
    return _register_in(OP_WARNINGS, *names)


def dtype_of(t: T.Type) -> np.dtype:
    """The numpy dtype that stores values of ``t`` (a scalar or tensor type)."""
    return storage_dtype(str(T.element_of(t)))


def as_type(x, t: T.Type):
    """``x`` converted to the storage of type ``t``: a numpy scalar for scalar types,
    an array of ``t``'s shape for tensors, rounded to bf16 where ``t`` says so."""
    el = T.element_of(t)
    arr = np.asarray(x)
    dt = storage_dtype(str(el))
    if arr.dtype != dt:
        arr = arr.astype(dt)
    if isinstance(el, T.FloatType) and el.name == "bf16":
        arr = round_bf16(arr)
    if isinstance(t, T.TensorType):
        if arr.shape != t.shape:
            arr = np.broadcast_to(arr, t.shape).copy()
        return arr
    return arr[()]


def apply(x, fn):
    """``fn`` applied to a tensor value, or to the offsets of a tensor of pointers
    (which have a ``map`` method), so shape ops work on both."""
    return x.map(fn) if hasattr(x, "map") else fn(x)


# The modules of k1sim/functional/ that register semantics when imported.
MODULES = ("arith", "casts", "math_fns", "tensor_ops", "xsmt_values", "memory_ops")


def load_all() -> dict[str, Callable]:
    """Import every semantics module; the table, complete."""
    import importlib

    for module in MODULES:
        importlib.import_module(f"k1sim.functional.{module}")
    return SEMANTICS
