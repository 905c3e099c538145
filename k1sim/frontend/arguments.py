"""A launch's arguments: host arrays as pointer arguments, Python numbers as scalars.

A pointer argument is a numpy array or anything with ``__dlpack__`` or
``__array__`` (a torch CPU tensor): its dtype is the pointee type and the
kernel reads and writes the caller's memory. The simulator gets a flat copy of
the memory the array spans (strided views included: the host passes strides
in elements, as with Triton) and the elements are written back in place.
"""

from __future__ import annotations

import numpy as np

from k1sim.frontend import dtypes as D
from k1sim.frontend.semantic import python_dtype

# Triton's launch options: accepted on a launch and not kernel arguments.
LAUNCH_OPTIONS = ("num_warps", "num_stages", "num_ctas", "maxnreg", "enable_fp_fusion")


class PointerArg:
    """An array argument: ``memory`` is the flat span of the caller's memory it covers."""

    def __init__(self, name: str, array: np.ndarray, dtype: D.dtype):
        self.name = name
        self.dtype = dtype
        self.memory = _span(array)
        # A contiguous array keeps its shape (summaries and dumps show it); a strided view
        # is the flat span of memory it covers.
        self.shape = array.shape if array.flags.c_contiguous and array.ndim else \
            self.memory.shape

    def simulator_input(self) -> np.ndarray:
        m = self.memory
        if self.dtype.is_bf16():  # k1sim holds bf16 as float32 with the low 16 bits zero
            m = (m.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
        elif self.dtype.is_int() and not self.dtype.signed:
            m = m.view(np.dtype(f"int{m.itemsize * 8}"))
        return m.reshape(self.shape)

    def write_back(self, out: np.ndarray) -> None:
        """Copy the run's memory into the caller's array where it changed."""
        out = out.reshape(-1)
        if self.dtype.is_bf16():
            out = (out.view(np.uint32) >> 16).astype(np.uint16)
            target = self.memory.view(np.uint16)
        else:
            out = out.view(self.memory.dtype)
            target = self.memory
        if not np.array_equal(target, out, equal_nan=target.dtype.kind == "f"):
            np.copyto(target, out)


def _span(a: np.ndarray) -> np.ndarray:
    """A 1-D view of the memory from ``a``'s first element to its last."""
    if a.ndim == 0:
        return a.reshape(1)
    if a.flags.c_contiguous:
        return a.reshape(-1)
    if any(s < 0 for s in a.strides) or any(s % a.itemsize for s in a.strides):
        raise ValueError("negative or unaligned strides")
    n = 1 + sum((d - 1) * s // a.itemsize for d, s in zip(a.shape, a.strides))
    return np.lib.stride_tricks.as_strided(a, shape=(n,), strides=(a.itemsize,))


def as_array(x):
    """``x`` as a numpy array sharing its memory, or None when it is not array-like."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "__dlpack__"):
        try:
            return np.from_dlpack(x)
        except (TypeError, RuntimeError, BufferError, AttributeError):
            pass
    if hasattr(x, "__array__"):
        return np.asarray(x)
    return None


def classify(name: str, value):
    """(dtype, PointerArg or scalar value) of one runtime argument, or (None, why)."""
    if isinstance(value, (bool, int, float)) and not isinstance(value, np.ndarray):
        try:
            return python_dtype(value), value
        except Exception as e:  # an int wider than 64 bits
            return None, str(e)
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return classify(name, value.item())
    array = as_array(value)
    if array is None:
        return None, (f"{type(value).__name__} is neither an array (numpy, __array__, DLPack) "
                      "nor a Python int, float or bool")
    dtype = D.from_numpy(array.dtype)
    if dtype is None:
        return None, (f"arrays of {array.dtype} are not supported; element types: "
                      f"{D.numpy_names()}")
    try:
        return D.pointer_type(dtype), PointerArg(name, array, dtype)
    except ValueError as e:
        return None, f"the array's memory cannot be passed ({e})"
