"""``Simulator(arch).execute(program) -> RunResult``: the public way to run a kernel.

``execute`` reads the launch metadata of the file (FORMAT.md section 3), lets
its arguments override it exactly as the CLI flags do, builds the memory image,
runs every program on a SimPy model of the arch's threads, and checks the
expects against the inputs.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import simpy

from k1sim.arch import Arch, load_arch
from k1sim.engine import runtime_ops  # noqa: F401  (registers alloc and barrier semantics)
from k1sim.engine.inputs import build_arguments
from k1sim.engine.interpreter import is_parallel
from k1sim.engine.launcher import run_kernel
from k1sim.engine.result import RunResult
from k1sim.engine.state import Launch
from k1sim.engine.arch_timing import ArchTiming
from k1sim.errors import K1SimError
from k1sim.functional import expect as expect_mod
from k1sim.functional.semantics import load_all
from k1sim.ir import launch as meta
from k1sim.ir.core import Module

# Tolerances of an expect when neither the file nor the caller gives them, by
# the output's element type: about what one rounding of that type allows.
DEFAULT_TOLERANCE = {"f16": 1e-2, "bf16": 2e-2, "f32": 1e-4, "f64": 1e-10}


class Simulator:
    """A model of one arch. ``arch`` is an arch id (``"0xA03C"``), the path of an
    arch YAML, or an ``Arch``; None takes each file's ``tt.arch_id``. ``freq_mhz``
    overrides the arch clock."""

    def __init__(self, arch=None, freq_mhz: float | None = None):
        if freq_mhz is not None and not freq_mhz > 0:
            raise K1SimError(f"freq_mhz must be positive, got {freq_mhz}")
        self.freq_mhz = freq_mhz
        self.arch: Arch | None = self._load(arch) if arch is not None else None

    def _load(self, arch) -> Arch:
        if isinstance(arch, Arch):
            return arch if self.freq_mhz is None else arch.model_copy(
                update={"freq_mhz": self.freq_mhz})
        return load_arch(str(arch), self.freq_mhz)

    def execute(self, program, inputs=None, seed: int = 0, timing_only: bool = False,
                grid=None, args=None, threads: int | None = None, kernel: str | None = None,
                expects=None, rtol: float | None = None, atol: float | None = None,
                poison_alloc: bool = False, progress=None) -> RunResult:
        """Run ``program``; ``progress(done, total)``, when given, is called as each
        program of the grid finishes (the CLI draws a progress bar with it)."""
        module = _module(program)
        func = meta.select_kernel(module, kernel)
        kargs = meta.kernel_args(func)
        warnings: list[str] = list(module.warnings)
        arch = self._arch(module, warnings)
        grid = _grid(grid) if grid is not None else meta.launch_grid(module)
        n_threads = _threads(module, arch, threads)
        _check_parallel_loops(func)
        checks = _expects(module, kargs, expects)
        values, allocs = build_arguments(kargs, dict(inputs or {}), dict(args or {}), seed,
                                         timing_only, warnings)
        # Expects read the inputs as they were before the run wrote over them.
        before = {}
        if checks and not timing_only:
            before = {name: a.data.reshape(a.shape).copy() for name, a in allocs.items()}
            before.update({a.name: float(v) for a, v in zip(kargs, values) if not a.is_pointer})

        load_all()
        env = simpy.Environment()
        timing = ArchTiming(env, arch, func, n_threads)
        launch = Launch(env, arch, timing, grid, n_threads, timing_only, poison_alloc)
        with np.errstate(all="ignore"):
            run_kernel(launch, func, values, module.filename, progress)
        warnings += list(launch.warnings.values())

        outputs = {name: None if a.data is None else a.data.reshape(a.shape)
                   for name, a in allocs.items()}
        results = []
        if timing_only:
            if checks:
                warnings.append(f"timing-only run: {len(checks)} expect(s) skipped")
        else:
            for e in checks:
                out = outputs[e.name]
                tol = DEFAULT_TOLERANCE.get(allocs[e.name].element, 0.0)
                r_tol = _tolerance(rtol, module, "k1sim.rtol", tol)
                a_tol = _tolerance(atol, module, "k1sim.atol", tol)
                results.append(expect_mod.check(e, out, before, r_tol, a_tol))
        return RunResult(kernel=func.prop("sym_name"), arch=arch.arch_id, arch_config=arch,
                         grid=grid, threads=n_threads, cycles=math.ceil(env.now),
                         freq_mhz=arch.freq_mhz,
                         outputs=outputs, expects=results, warnings=warnings,
                         op_counts=dict(launch.counts), timing_only=timing_only, seed=seed,
                         **timing.results(arch, n_threads))

    def _arch(self, module: Module, warnings: list) -> Arch:
        file_arch = module.attr("tt.arch_id")
        if self.arch is None:
            if file_arch is None:
                raise K1SimError(f"{module.filename}: no arch: the file has no tt.arch_id; "
                                 "give one (--arch ID, or Simulator(arch))")
            return self._load(file_arch)
        if file_arch is not None and file_arch.lower() != self.arch.arch_id.lower():
            warnings.append(f"{module.filename}: compiled for {file_arch} (tt.arch_id), "
                            f"running on {self.arch.arch_id}")
        return self.arch


def _module(program) -> Module:
    if isinstance(program, Module):
        return program
    if isinstance(program, (str, Path)):
        from k1sim.ir.parser import parse_file
        return parse_file(str(program))
    module = getattr(program, "module", None)
    if isinstance(module, Module):
        return module
    raise K1SimError(f"cannot run a {type(program).__name__}: give a Module, a Builder or "
                     "the path of a .xsmt file")


def _grid(grid) -> tuple:
    grid = tuple(grid) if isinstance(grid, (tuple, list)) else (grid,)
    if not 1 <= len(grid) <= 3 or any(not isinstance(g, (int, np.integer)) or g <= 0
                                      for g in grid):
        raise K1SimError(f"grid must be 1 to 3 positive sizes, got {list(grid)}")
    return tuple(int(g) for g in grid) + (1,) * (3 - len(grid))


def _threads(module: Module, arch: Arch, threads) -> int:
    source = "threads"
    if threads is None:
        threads, source = module.attr("tt.num_threads"), "tt.num_threads"
    if threads is None:
        return arch.cores
    if not isinstance(threads, (int, np.integer)) or threads <= 0:
        raise K1SimError(f"{source} must be a positive number of threads, got {threads}")
    if threads > arch.cores:
        raise K1SimError(f"{source} = {threads}, but {arch.arch_id} ({arch.core}) has "
                         f"{arch.cores} cores; a stream binds one thread per core")
    return int(threads)


def _check_parallel_loops(func) -> None:
    """Reject a parallel loop nested in another (the verifier rejects iter_args)."""
    for op in func.walk():
        if is_parallel(op):
            for inner in op.regions[0].block.ops:
                for nested in inner.walk():
                    if is_parallel(nested):
                        raise nested.error("a parallel loop inside a parallel loop: the "
                                           "stream's threads are already taken by the outer one")


def _expects(module: Module, kargs, given) -> list:
    texts = given if given is not None else (module.attr("k1sim.expect") or ())
    texts = [texts] if isinstance(texts, str) else list(texts)
    pointers = {a.name for a in kargs if a.is_pointer}
    out = []
    for text in texts:
        e = expect_mod.parse_expect(text)
        if e.name not in pointers:
            raise K1SimError(f'expect "{text}": \'{e.name}\' is not a pointer argument; '
                             f"outputs: {', '.join(sorted(pointers)) or 'none'}")
        out.append(e)
    return out


def _tolerance(given, module: Module, key: str, default: float) -> float:
    value = given if given is not None else module.attr(key)
    if value is None:
        return default
    if not float(value) >= 0:
        raise K1SimError(f"{key.split('.')[-1]} must be >= 0, got {value}")
    return float(value)


__all__ = ["Simulator", "RunResult", "DEFAULT_TOLERANCE"]
