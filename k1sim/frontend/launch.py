"""Launching traced kernels: ``frontend.target``, ``kernel[grid](...)``, ``frontend.launch``.

``target`` is a context that says where launches run (arch, threads, timing
only, seed, clock) and collects their ``RunResult``s; ``launch`` runs one
launch on its own target. A bad launch (wrong argument count, a missing
constexpr, an argument k1sim cannot hold) is a ``K1SimError`` at the kernel's
``def`` line.
"""

from __future__ import annotations

import os

from k1sim.errors import K1SimError
from k1sim.frontend import arguments as ARGS
from k1sim.frontend.builtins import unwrap
from k1sim.frontend.errors import TraceError

_ACTIVE: list = []


class Target:
    """Where launches run; ``results`` holds one ``RunResult`` per launch, in order.
    ``on_result(result)``, when set, is called after each launch (the CLI prints it)."""

    def __init__(self, arch, threads: int | None = None, timing_only: bool = False,
                 seed: int = 0, freq_mhz: float | None = None, on_result=None):
        from k1sim.simulator import Simulator
        self.simulator = Simulator(arch, freq_mhz)
        self.threads = threads
        self.timing_only = timing_only
        self.seed = seed
        self.results: list = []
        self.on_result = on_result

    def __enter__(self) -> "Target":
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc) -> bool:
        _ACTIVE.remove(self)
        return False

    def run(self, module, grid, inputs: dict, scalars: dict):
        r = self.simulator.execute(module, inputs=inputs, args=scalars, grid=grid,
                                   threads=self.threads, seed=self.seed,
                                   timing_only=self.timing_only, expects=[])
        self.results.append(r)
        if self.on_result is not None:
            self.on_result(r)
        return r


def target(arch, threads: int | None = None, timing_only: bool = False, seed: int = 0,
           freq_mhz: float | None = None) -> Target:
    """``with frontend.target("0xA064") as t:`` runs every launch inside on that arch."""
    return Target(arch, threads, timing_only, seed, freq_mhz)


def launch(kernel, grid, *args, arch=None, threads: int | None = None,
           timing_only: bool = False, seed: int = 0, freq_mhz: float | None = None, **kwargs):
    """One launch: ``kernel[grid](*args, **kwargs)`` on ``arch`` (default: the active
    target's); returns its ``RunResult``."""
    if not getattr(kernel, "k1sim_jit", False):
        raise K1SimError(f"launch needs a @triton.jit kernel, got {type(kernel).__name__}")
    if arch is None:
        return launch_on_target(kernel, grid, args, kwargs)
    with Target(arch, threads, timing_only, seed, freq_mhz) as t:
        return launch_on_target(kernel, grid, args, kwargs, t)


def launch_on_target(fn, grid, args, kwargs, tgt: Target | None = None):
    tgt = tgt or (_ACTIVE[-1] if _ACTIVE else None)
    if tgt is None:
        raise fn.error("no target to launch on: launch inside `with frontend.target(arch):`, "
                       "call frontend.launch(kernel, grid, ..., arch=...), or run the script "
                       "with `k1sim run script.py --arch ID`")
    # Triton's launch options, unless the kernel has a parameter of that name (FlagGems'
    # flash attention takes num_ctas as a constexpr)
    kwargs = {k: v for k, v in kwargs.items() if k not in ARGS.LAUNCH_OPTIONS or k in fn.params}
    bound = _bind(fn, args, kwargs)
    constexprs = {n: unwrap(bound[n]) for n in fn.params if n in fn.constexprs}
    types, pointers, scalars = {}, {}, {}
    for name in fn.params:
        if name in fn.constexprs:
            continue
        dtype, value = ARGS.classify(name, bound[name])
        if dtype is None:
            raise fn.error(f"argument '{name}': {value}")
        types[name] = dtype
        if isinstance(value, ARGS.PointerArg):
            pointers[name] = value
        else:
            scalars[name] = value
    key = (tuple((n, _key(v)) for n, v in constexprs.items()),
           tuple((n, str(d)) for n, d in types.items()))
    fresh = key not in fn.cache
    module = fn.specialization(key, types, constexprs)
    grid = _grid(fn, grid, bound)
    inputs = {n: p.simulator_input() for n, p in pointers.items()}
    result = tgt.run(module, grid, inputs, scalars)
    if not tgt.timing_only:
        for name, p in pointers.items():
            p.write_back(result.outputs[name])
    dump_dir = os.environ.get("K1SIM_DUMP_PATH")
    if dump_dir and fresh:
        from k1sim.frontend.dump import dump
        dump(dump_dir, module, key, result, {n: p.shape for n, p in pointers.items()}, scalars)
    return result


def _bind(fn, args, kwargs) -> dict:
    sig = fn.signature
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        n_const = len(fn.constexprs)
        raise fn.error(f"bad launch: {e}; the kernel takes {len(fn.params)} arguments "
                       f"({len(fn.params) - n_const} runtime, {n_const} constexpr: "
                       f"{', '.join(p for p in fn.params if p in fn.constexprs) or 'none'})"
                       ) from None
    bound.apply_defaults()
    return dict(bound.arguments)


def _key(v):
    try:
        hash(v)
        return v
    except TypeError:
        return repr(v)


def _grid(fn, grid, bound: dict) -> tuple:
    if callable(grid):
        grid = grid(dict(bound))
    grid = tuple(grid) if isinstance(grid, (tuple, list)) else (grid,)
    grid = tuple(int(g) if hasattr(g, "__index__") and not isinstance(g, bool) else g
                 for g in (unwrap(g) for g in grid))
    if not 1 <= len(grid) <= 3 or any(isinstance(g, bool) or not isinstance(g, int)
                                      or g <= 0 for g in grid):
        raise fn.error(f"the grid must be 1 to 3 positive ints, got {grid}")
    return grid


__all__ = ["Target", "target", "launch", "launch_on_target", "TraceError"]
