"""``Simulator(arch).execute(program) -> RunResult``: the public way to run a kernel.

``execute`` resolves the launch once (``ir/launch.py``: the file's launch metadata,
FORMAT.md section 3, with the ``RunOptions`` overrides applied exactly as the CLI flags
do), builds the memory image, runs every program on a SimPy model of the arch's threads,
and checks the expects against the inputs.
"""

from __future__ import annotations

import gc
import math
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import simpy

from k1sim.arch import Arch, load_arch
from k1sim.arch_micro import check_micro
from k1sim.cores import ArchTiming
from k1sim.engine import budget
from k1sim.engine import runtime_ops  # noqa: F401  (registers alloc and barrier semantics)
from k1sim.engine.inputs import build_arguments, check_inputs
from k1sim.engine.interpreter import is_parallel
from k1sim.engine.launcher import run_kernel
from k1sim.engine.seam import NullTiming
from k1sim.engine.state import Launch
from k1sim.errors import K1SimError, ParseError, RunInterrupted
from k1sim.functional import expect as expect_mod
from k1sim.functional.expect_shapes import placeholder
from k1sim.functional.semantics import load_all
from k1sim.ir import launch as meta
from k1sim.ir.core import Module
from k1sim.ir.launch import LaunchSpec
from k1sim.result import RunResult
from k1sim.run_options import RunOptions

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

    def execute(self, program, options: RunOptions | None = None, **changes) -> RunResult:
        """Run ``program`` (a Module, a Builder or a .xsmt path) with ``options`` (a
        :class:`RunOptions`), changed by any ``RunOptions`` field given as a keyword:
        ``execute(path, seed=1, timing_only=True)``."""
        opts = (options or RunOptions()).with_changes(**changes)
        spec = meta.resolve_launch(_module(program), kernel=opts.kernel, grid=opts.grid,
                                   threads=opts.threads, expects=opts.expects,
                                   rtol=opts.rtol, atol=opts.atol)
        return self.launch(spec, opts)

    def launch(self, spec: LaunchSpec, opts: RunOptions) -> RunResult:
        """Run a resolved launch; only ``opts``' data and run fields are read here (the
        launch overrides are already in ``spec``)."""
        warnings: list[str] = list(spec.warnings)
        arch = self._arch(spec, warnings)
        n_threads = _threads(spec, arch)
        _check_parallel_loops(spec.func)
        warnings += check_micro(arch, _micro_tiles(spec.func), opts.strict)
        budget.check_programs(spec.grid, opts.max_programs)
        check_inputs(spec.args, dict(opts.inputs))
        checks = check_expects(spec, opts.inputs, opts.args)
        budget.check_memory(budget.tensor_bytes(spec.args, dict(opts.inputs), checks,
                                                opts.timing_only), opts.memory_limit)
        values, allocs = build_arguments(spec.args, dict(opts.inputs), dict(opts.args),
                                         opts.seed, opts.timing_only, warnings)
        # Expects read the inputs as they were before the run wrote over them.
        before = {}
        if checks and not opts.timing_only:
            before = {name: a.data.reshape(a.shape).copy() for name, a in allocs.items()}
            before.update({a.name: float(v) for a, v in zip(spec.args, values)
                           if not a.is_pointer})

        load_all()
        env = simpy.Environment()
        timing = (NullTiming() if opts.functional_only
                  else ArchTiming(env, arch, spec.func, n_threads))
        launch = Launch(env, arch, timing, spec.grid, n_threads, opts.timing_only,
                        opts.poison_alloc)
        outputs = {name: None if a.data is None else a.data.reshape(a.shape)
                   for name, a in allocs.items()}

        def result(expects: list) -> RunResult:
            return RunResult(kernel=spec.kernel, arch=arch.arch_id, arch_config=arch,
                             grid=spec.grid, threads=n_threads, cycles=math.ceil(env.now),
                             freq_mhz=arch.freq_mhz, outputs=outputs, expects=expects,
                             warnings=warnings, op_counts=dict(launch.counts),
                             timing_only=opts.timing_only, seed=opts.seed,
                             **timing.results(arch, n_threads))

        try:
            with np.errstate(all="ignore"), _fewer_collections():
                run_kernel(launch, spec.func, values, spec.filename, opts.progress)
        except KeyboardInterrupt:
            # Ctrl-C: hand back the run as far as it went instead of a bare traceback.
            warnings += list(launch.warnings.values()) + timing.trace_warnings()
            warnings.append(f"interrupted: {launch.programs_done:,} of "
                            f"{math.prod(spec.grid):,} programs finished; expects not checked")
            raise RunInterrupted(result([]), launch.programs_done,
                                 math.prod(spec.grid)) from None
        warnings += list(launch.warnings.values()) + timing.trace_warnings()

        results = []
        if opts.timing_only:
            if checks:
                warnings.append(f"timing-only run: {len(checks)} expect(s) skipped")
        else:
            for e in checks:
                tol = DEFAULT_TOLERANCE.get(allocs[e.name].element, 0.0)
                r_tol = tol if spec.rtol is None else spec.rtol
                a_tol = tol if spec.atol is None else spec.atol
                results.append(expect_mod.check(e, outputs[e.name], before, r_tol, a_tol))
        return result(results)

    def _arch(self, spec: LaunchSpec, warnings: list) -> Arch:
        if self.arch is None:
            if spec.arch_id is None:
                raise K1SimError(f"{spec.filename}: no arch: the file has no tt.arch_id; "
                                 "give one (--arch ID, or Simulator(arch))")
            return self._load(spec.arch_id)
        if spec.arch_id is not None and spec.arch_id.lower() != self.arch.arch_id.lower():
            warnings.append(f"{spec.filename}: compiled for {spec.arch_id} (tt.arch_id), "
                            f"running on {self.arch.arch_id}")
        return self.arch


@contextmanager
def _fewer_collections():
    """Run with the collector's youngest generation collected every ``_YOUNG`` net
    allocations instead of Python's 700: a run makes millions of short-lived objects
    (SimPy events, trace rows, tuples) that die young, and scanning them 700 at a time
    cost about 4% of a timing-only run. Memory stays bounded: a collection still runs."""
    was = gc.get_threshold()
    gc.set_threshold(_YOUNG, *was[1:])
    try:
        yield
    finally:
        gc.set_threshold(*was)


_YOUNG = 20_000


def initial_arguments(program, seed: int = 0, kernel: str | None = None) -> dict:
    """The values a run of ``program`` starts from, by argument name: each pointer
    argument's array (its ``k1sim.shape`` filled by ``k1sim.init`` from ``seed``, exactly
    as ``execute`` fills it) and each scalar argument's ``k1sim.value``."""
    module = _module(program)
    kargs = meta.kernel_args(meta.select_kernel(module, kernel))
    values, allocs = build_arguments(kargs, {}, {}, seed, False, [])
    return {a.name: allocs[a.name].data.reshape(allocs[a.name].shape) if a.is_pointer
            else getattr(v, "item", lambda: v)() for a, v in zip(kargs, values)}


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


def _threads(spec: LaunchSpec, arch: Arch) -> int:
    if spec.threads is None:
        return arch.cores
    if spec.threads > arch.cores:
        raise K1SimError(f"{spec.threads_from} = {spec.threads}, but {arch.arch_id} "
                         f"({arch.core}) has {arch.cores} cores; a stream binds one thread "
                         "per core")
    return spec.threads


def _check_parallel_loops(func) -> None:
    """Reject a parallel loop nested in another (the verifier rejects iter_args)."""
    for op in func.walk():
        if is_parallel(op):
            for inner in op.regions[0].block.ops:
                for nested in inner.walk():
                    if is_parallel(nested):
                        raise nested.error("a parallel loop inside a parallel loop: the "
                                           "stream's threads are already taken by the outer one")


def _micro_tiles(func) -> list:
    """(where, dtype, (MICRO_M, MICRO_K, MICRO_N)) of each ``xsmt.mmt4d``: A is packed
    [M1, K1, m0, k0] and B (after its transpose) [N1, K1, n0, k0]."""
    found = []
    for op in func.walk():
        if op.name == "xsmt.mmt4d":
            a, b = op.operands[0].type, op.operands[1].type
            where = str(op.pos) if op.pos is not None else "<built>"
            found.append((where, str(a.element), (a.shape[2], a.shape[3], b.shape[2])))
    return found


def check_expects(spec: LaunchSpec, inputs=None, scalars=None) -> list:
    """Parse the launch's expects and check their names and shapes against the arguments
    (``inputs`` arrays and ``scalars`` override the file's shapes and values), before any
    memory is allocated. An error names the expect's place in the file when it is there."""
    pointers = {a.name for a in spec.args if a.is_pointer}
    inputs, scalars = dict(inputs or {}), dict(scalars or {})
    env, shapes = {}, {}
    for a in spec.args:
        if a.is_pointer:
            shape = np.shape(inputs[a.name]) if a.name in inputs else a.shape
            try:
                if shape is not None:
                    env[a.name] = shapes[a.name] = placeholder(tuple(shape))
            except ValueError:
                pass  # beyond numpy's sizes: the memory budget refuses it by name
        else:
            value = scalars.get(a.name, a.value)
            env[a.name] = float(value) if isinstance(value, (int, float)) else 0.0
    out = []
    for text in spec.expects:
        try:
            e = expect_mod.parse_expect(text)
            if e.name not in pointers:
                raise expect_mod.ExpectError(
                    e.text, f"'{e.name}' is not a pointer argument", 1,
                    f"outputs: {', '.join(sorted(pointers)) or 'none'}")
            expect_mod.check_names(e, [a.name for a in spec.args])
            if e.name in shapes and all(name in env for name, _ in e._names):
                expect_mod.check_shapes(e, env, shapes[e.name].shape)
        except expect_mod.ExpectError as err:
            raise _placed(spec, text, err) from None
        out.append(e)
    return out


def _placed(spec: LaunchSpec, text: str, err) -> K1SimError:
    """``err`` at the expect's place in its ``.xsmt`` file, when the file holds the text."""
    pos = spec.func.pos
    at = pos.source.text.find(f'"{text}"') if pos is not None else -1
    if at < 0:
        return err
    start = at + 1 + (len(text) - len(text.lstrip()))
    line, col = pos.source.line_col(start + (err.column or 1) - 1)
    return ParseError(str(err), filename=pos.source.filename, line=line, column=col,
                      line_text=pos.source.line_text(line))


__all__ = ["Simulator", "RunOptions", "RunResult", "DEFAULT_TOLERANCE", "initial_arguments"]
