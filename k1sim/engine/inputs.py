"""The kernel's arguments as memory: global tensors from ``k1sim.shape`` /
``k1sim.init`` / user arrays, and scalar values (FORMAT.md section 3).

Each pointer argument's random data comes from its own stream, seeded by
``(seed, argument index)``, so adding an argument does not change the others.
"""

from __future__ import annotations

import re

import numpy as np

from k1sim.errors import K1SimError
from k1sim.functional.dtypes import round_bf16, storage_dtype
from k1sim.functional.memory import Allocation, Pointer
from k1sim.functional.semantics import as_type
from k1sim.ir import types as T

_RANDINT = re.compile(r"randint:(-?\d+):(-?\d+)$")


def _fill(init: str, shape: tuple, element: str, rng) -> np.ndarray:
    dtype = storage_dtype(element)
    if init == "zeros":
        data = np.zeros(shape)
    elif init == "ones":
        data = np.ones(shape)
    elif init == "randn":
        data = rng.standard_normal(shape)
    elif init == "rand":
        data = rng.random(shape)
    elif init == "arange":
        data = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)
    else:
        lo, hi = map(int, _RANDINT.match(init).groups())
        if lo >= hi:
            raise K1SimError(f"k1sim.init \"{init}\": randint:LOW:HIGH needs LOW < HIGH "
                             "(HIGH excluded)")
        data = rng.integers(lo, hi, shape, endpoint=False)
    if dtype.kind in "iub" and init in ("randn", "rand"):
        data = np.rint(data)
    data = data.astype(dtype)
    return round_bf16(data) if element == "bf16" else data


def check_inputs(kargs, inputs: dict) -> None:
    """Each user array against its argument (a pointer argument of that name, its dtype
    and shape), before anything reads them: an expect's shapes come from these arrays, so
    a wrong one is named here, not as an expect whose operands do not fit."""
    by_name = {a.name: a for a in kargs}
    for name, array in inputs.items():
        arg = by_name.get(name)
        if arg is None:
            raise K1SimError(f"input '{name}' names no kernel argument; arguments: "
                             f"{', '.join(by_name)}")
        if not arg.is_pointer:
            raise K1SimError(f"'{name}' is a scalar argument ({arg.type}): give it with "
                             f"--arg {name}=VALUE, not --input")
        array = np.asarray(array)
        dtype = storage_dtype(str(T.element_of(arg.type.pointee)))
        if array.dtype != dtype:
            raise K1SimError(f"input '{name}' is {array.dtype}, but the argument is "
                             f"{arg.type} (needs {dtype})")
        if arg.shape is not None and tuple(array.shape) != tuple(arg.shape):
            raise K1SimError(f"input '{name}' has shape {list(array.shape)}, but the "
                             f"argument's k1sim.shape is {list(arg.shape)}")


def _user_array(arg, array, element: str, warnings: list) -> np.ndarray:
    array = np.asarray(array)
    if element == "bf16":
        rounded = round_bf16(array)
        if not np.array_equal(rounded, array, equal_nan=True):
            warnings.append(f"input '{arg.name}': values rounded to bf16")
        array = rounded
    return np.array(array, copy=True)


def _scalar(arg, value):
    try:
        return as_type(value, arg.type)
    except (TypeError, ValueError, OverflowError):
        raise K1SimError(f"argument '{arg.name}' is {arg.type}; cannot use {value!r}") from None


def build_arguments(kargs, inputs: dict, scalars: dict, seed: int, timing_only: bool,
                    warnings: list):
    """The argument values in order, and each pointer argument's allocation by name."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise K1SimError(f"seed must be a non-negative integer, got {seed!r}; each "
                         "argument's data comes from the stream (seed, argument index)")
    check_inputs(kargs, inputs)
    names = {a.name for a in kargs}
    for name in scalars:
        if name not in names:
            raise K1SimError(f"argument value '{name}' names no kernel argument; arguments: "
                             f"{', '.join(a.name for a in kargs)}")
    values, allocs = [], {}
    for i, arg in enumerate(kargs):
        if not arg.is_pointer:
            value = scalars.get(arg.name, arg.value)
            if value is None:
                raise K1SimError(f"scalar argument '{arg.name}' ({arg.type}) has no value: "
                                 f"add k1sim.value to it or pass --arg {arg.name}=VALUE")
            values.append(_scalar(arg, value))
            continue
        if arg.name in scalars:
            raise K1SimError(f"'{arg.name}' is a pointer argument: give its data with "
                             f"--input {arg.name}=FILE.npy, not --arg")
        element = str(T.element_of(arg.type.pointee))
        if arg.name in inputs:
            data = _user_array(arg, inputs[arg.name], element, warnings)
            shape = data.shape
            data = None if timing_only else data
        elif arg.shape is None:
            raise K1SimError(f"pointer argument '{arg.name}' has no k1sim.shape; add one to "
                             f"the file or pass --input {arg.name}=FILE.npy")
        else:
            shape = arg.shape
            data = None if timing_only else _fill(arg.init or "zeros", shape, element,
                                                  np.random.default_rng([seed, i]))
        itemsize = max(1, T.bitwidth(arg.type.pointee) // 8)
        alloc = Allocation(arg.name, element, shape, "global",
                           None if data is None else data.reshape(-1), itemsize)
        allocs[arg.name] = alloc
        values.append(Pointer(alloc, 0))
    return values, allocs
