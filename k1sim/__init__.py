"""k1sim: a cycle-approximate simulator for the SpacemiT K1/K3 matrix engines.

The public names are imported on first use, so ``import k1sim`` (and
``k1sim --help``) stays fast: numba and simpy load only when a run needs them.
"""

from k1sim.errors import BuildError, K1SimError, ParseError, RuntimeFault, VerifyError

__version__ = "0.1.0"

_LAZY = {
    "parse": ("k1sim.ir.parser", "parse"),
    "parse_file": ("k1sim.ir.parser", "parse_file"),
    "Module": ("k1sim.ir.core", "Module"),
    "verify": ("k1sim.ir.verify", "verify"),
    "Builder": ("k1sim.ir.builder", "Builder"),
    "Simulator": ("k1sim.simulator", "Simulator"),
    "RunOptions": ("k1sim.run_options", "RunOptions"),
    "load_arch": ("k1sim.arch", "load_arch"),
    "Arch": ("k1sim.arch", "Arch"),
    "RunResult": ("k1sim.result", "RunResult"),
    "sweep": ("k1sim", "sweep"),
}

__all__ = ["K1SimError", "ParseError", "VerifyError", "BuildError", "RuntimeFault", *_LAZY]


def __getattr__(name):
    if name == "sweep":
        # The package k1sim.sweep is callable: k1sim.sweep(kernel, axes) runs a sweep.
        import importlib
        return importlib.import_module("k1sim.sweep")
    if name in _LAZY:
        import importlib
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'k1sim' has no attribute {name!r}")
