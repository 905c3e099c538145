"""The ``triton`` modules a kernel file imports, resolved to k1sim's front end.

``triton``, ``triton.language`` (``tl``, with ``tl.math``),
``triton.language.extra.smt``, ``triton.runtime.driver`` and
``triton.backends.spine_triton.driver`` are module objects built here. A name
they lack is an ``UnsupportedError`` naming it (also an AttributeError, so
``hasattr`` works). ``installed()`` puts them in ``sys.modules`` for the
duration of a ``with`` (hiding a real Triton, if any) and restores it after.
"""

from __future__ import annotations

import contextlib
import sys
import types

from k1sim.frontend import dtypes as D
from k1sim.frontend import language as L
from k1sim.frontend import language_math as M
from k1sim.frontend import smt_builtins as SMT
from k1sim.frontend.builtins import constexpr
from k1sim.frontend.errors import UnsupportedError
from k1sim.frontend.jit import JITFunction, jit
from k1sim.frontend.tensor import Tensor

TL_NAMES = ("program_id num_programs arange zeros full load store make_block_ptr advance trans "
            "permute reshape view broadcast_to expand_dims dot where maximum minimum cdiv "
            "multiple_of max_contiguous static_assert range static_range").split()
TL_MATH_NAMES = "exp exp2 log log2 sqrt rsqrt abs floor ceil erf fma".split()
TL_REDUCE_NAMES = "sum max min argmax argmin reduce cumsum".split()
SMT_NAMES = ("descriptor_load view dot alloc alloc_copies mbarrier mbarrier_copies "
             "barrier_arrive barrier_wait barrier_set_expect get_num_of_thread parallel "
             "compile_hint global_mbarrier").split()


def _module(name: str, names: dict, doc: str) -> types.ModuleType:
    mod = types.ModuleType(name, doc)
    mod.__dict__.update(names)

    def __getattr__(attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise UnsupportedError(f"{name}.{attr} is not supported by k1sim's front end; "
                               f"{name} offers: {', '.join(sorted(n for n in names if n[0] != '_'))}")
    mod.__getattr__ = __getattr__
    return mod


def next_power_of_2(n: int) -> int:
    """``triton.next_power_of_2``: the smallest power of 2 >= n (host side)."""
    return 1 if n <= 1 else 1 << (int(n) - 1).bit_length()


def cdiv(x, y):
    """``triton.cdiv`` on the host (inside a kernel ``tl.cdiv`` is traced)."""
    return (x + y - 1) // y


class CPUDriver:
    """spine-triton's CPU driver: selecting it is what the script does on the board."""


class _Driver:
    def __init__(self):
        self.active = CPUDriver()

    def set_active(self, driver) -> None:
        self.active = driver

    def reset_active(self) -> None:
        self.active = CPUDriver()


def _build() -> dict:
    tl_math = _module("triton.language.math", {n: getattr(M, n) for n in TL_MATH_NAMES},
                      "tl.math")
    smt = _module("triton.language.extra.smt", {n: getattr(SMT, n) for n in SMT_NAMES},
                  "spine-triton's smt builtins")
    extra = _module("triton.language.extra", {"smt": smt}, "tl.extra")
    tl_names = {n: getattr(L, n) for n in TL_NAMES}
    tl_names.update({n: getattr(M, n) for n in TL_MATH_NAMES + TL_REDUCE_NAMES})
    tl_names.update(D.EXPORTS)
    tl_names.update({"constexpr": constexpr, "tensor": Tensor, "dtype": D.dtype,
                     "pointer_type": D.pointer_type, "block_type": D.block_type,
                     "math": tl_math, "extra": extra})
    tl = _module("triton.language", tl_names, "triton.language, traced by k1sim")
    spine_driver = _module("triton.backends.spine_triton.driver", {"CPUDriver": CPUDriver},
                           "spine-triton's driver")
    spine = _module("triton.backends.spine_triton", {"driver": spine_driver}, "")
    backends = _module("triton.backends", {"spine_triton": spine}, "")
    driver = _Driver()
    runtime = _module("triton.runtime", {"driver": driver, "JITFunction": JITFunction}, "")
    triton = _module("triton", {"jit": jit, "cdiv": cdiv, "next_power_of_2": next_power_of_2,
                                "language": tl, "runtime": runtime, "backends": backends,
                                "JITFunction": JITFunction, "__version__": "k1sim"},
                     "k1sim's stand-in for triton")
    mods = {"triton": triton, "triton.language": tl, "triton.language.math": tl_math,
            "triton.language.extra": extra, "triton.language.extra.smt": smt,
            "triton.runtime": runtime, "triton.backends": backends,
            "triton.backends.spine_triton": spine,
            "triton.backends.spine_triton.driver": spine_driver}
    for name, mod in mods.items():
        mod.__path__ = []  # a package, so submodule imports resolve through sys.modules
    return mods


MODULES = _build()


@contextlib.contextmanager
def installed():
    """``triton`` and its submodules resolve to the stand-ins inside the ``with``."""
    saved = {k: v for k, v in sys.modules.items() if k == "triton" or k.startswith("triton.")}
    for k in saved:
        del sys.modules[k]
    sys.modules.update(MODULES)
    try:
        yield MODULES["triton"]
    finally:
        for k in MODULES:
            sys.modules.pop(k, None)
        for k in [k for k in sys.modules if k == "triton" or k.startswith("triton.")]:
            del sys.modules[k]
        sys.modules.update(saved)
