"""Simulate a model's distinct kernel calls once each, timing-only, and cost its layers.

Each distinct ``(KernelCall, arch, threads)`` is one simulation. Its numbers are a row of
the sweep's content-hash cache (``k1sim.sweep.cache``: the key hashes the call (kernel
family, sizes, config, dtype), the arch's values, the thread count, k1sim's version and
the code that computes a row, which includes the model's kernel builders), so identical
layers, and later runs, reuse it. The key is found without building the program: a warm
run builds no kernel. Misses run through the sweep's executors: a local process pool by
default, Dask when a scheduler address is given.
"""

from __future__ import annotations

import hashlib
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from k1sim.model.onnx_graph import BYTES
from k1sim.sweep.cache import DEFAULT_DIR, RowCache, point_key
from k1sim.sweep.executors import make_executor

#: the cache root unless one is given: model rows in ``model/``, tuning rows in ``sweep/``
#: (the sweep's own cache, so ``k1sim sweep`` and ``k1sim model`` share tuning points)
DEFAULT_CACHE_DIR = DEFAULT_DIR.parent


def arch_values(arch) -> str:
    """The hash of every value of ``arch`` (a what-if arch differs from its file)."""
    return hashlib.sha256(arch.model_dump_json().encode()).hexdigest()


def call_key(call, values: str, threads: int) -> str:
    """The cache key of ``call`` on the arch whose ``arch_values`` are ``values``. The
    program a call builds is decided by the call and the builders' source, which
    ``k1sim_digest`` hashes (``sweep.cache.ROW_MAKERS``), so nothing is built here."""
    return point_key(f"model:{call.kernel}", {"params": call.params, "dtype": call.dtype,
                                              "threads": threads, "arch_values": values})


def simulate_call(call, arch, threads: int) -> dict:
    """Run one kernel call timing-only and keep the numbers a layer row needs."""
    from k1sim.report.bound import active_threads, classify
    from k1sim.simulator import Simulator
    result = Simulator(arch).execute(call.build(arch.arch_id, threads), timing_only=True)
    key = result.main_engine()
    # The row is cached as JSON: engine:dtype keys in their text form.
    return {"cycles": int(result.cycles), "seconds": result.seconds,
            "ops": {str(k): n for k, n in result.ops.items()},
            "main_key": str(key) if key else None,
            "main_peak": result.peak_ops_per_s.get(key, 0.0) if key else 0.0,
            "pct_of_peak": result.pct_of_peak().get(key, 0.0) if key else 0.0,
            "bound": classify(result).kind,
            "dram_bytes": float(result.bytes_by_level.get("DRAM", 0)),
            "l2_bytes": float(result.bytes_by_level.get("L2", 0)),
            "threads_used": [str(t) for t in active_threads(result)],
            "warnings": list(result.warnings)}


class Runner:
    """Simulates kernel calls through the cache; ``simulated`` counts real simulations.
    ``cache_dir`` is the cache root (model rows in ``model/``, tuning rows in ``sweep/``,
    mapped layers in ``layers/``); False disables the cache.

    One executor serves the whole model: ``start`` submits calls without waiting (a
    model starts the layers that need no GEMM config before it tunes, so the two share
    the cores), and ``run`` collects them, counting them as its own simulations. Rows
    this runner simulated are kept in memory too, so a run with the cache off still
    simulates each call once. ``close`` ends the executor."""

    def __init__(self, cache_dir=None, workers: int | None = None, scheduler: str | None = None,
                 progress=None):
        root = None if cache_dir is False else Path(cache_dir or DEFAULT_CACHE_DIR)
        self.root = root
        self.cache = RowCache(root / "model" if root else None)
        self.sweep_cache = root / "sweep" if root else None
        self.workers = workers
        self.scheduler = scheduler
        self.progress = progress
        self.simulated = 0
        self.executor = None
        self.rows: dict = {}        # key -> numbers of what this runner simulated
        self.started: dict = {}     # key -> the Batch that will yield it

    def pool(self):
        """The runner's executor, made on first use."""
        if self.executor is None:
            self.executor = make_executor(self.scheduler, self.workers)
        return self.executor

    def _found(self, key: str):
        return self.rows.get(key) or self.cache.get(key)

    def start(self, calls: list, arch, threads: int) -> None:
        """Submit every distinct call of ``calls`` with no row yet, without waiting."""
        values = arch_values(arch)
        keys = {call: call_key(call, values, threads) for call in dict.fromkeys(calls)}
        todo = [call for call, key in keys.items()
                if key not in self.started and self._found(key) is None]
        if not todo:
            return
        jobs = [(call, arch, threads) for call in todo]
        batch = Batch(self.pool().map_unordered(simulate_call, jobs), todo,
                      [keys[call] for call in todo])
        self.started.update(dict.fromkeys(batch.keys, batch))

    def run(self, calls: list, arch, threads: int) -> dict:
        """``{call: numbers}`` for every distinct call, simulating (or collecting) the
        ones with no row."""
        self.start(calls, arch, threads)
        values = arch_values(arch)
        out = {}
        for call in dict.fromkeys(calls):
            key = call_key(call, values, threads)
            while self._found(key) is None:
                self._collect(self.started[key])
            out[call] = self._found(key)
        return out

    def _collect(self, batch: "Batch") -> None:
        """The next finished call of ``batch``: cached, kept and counted."""
        i, numbers = next(batch.results)
        batch.done += 1
        self.simulated += 1
        self.rows[batch.keys[i]] = numbers
        self.cache.put(batch.keys[i], numbers)
        del self.started[batch.keys[i]]
        if self.progress:
            self.progress(batch.done, len(batch.calls), batch.calls[i])

    def tune(self, shapes, arch_name: str, arch, micro_of):
        """Tuned configs for the GEMM ``shapes`` on ``arch`` (``k1sim.model.tuning``), on
        the runner's executor."""
        from k1sim.model.tuning import tune_gemms
        # A run that reports its kernels reports its tuning too, on stderr (whole lines
        # in a log): a cold ResNet-50 tunes for minutes before its first kernel is done.
        return tune_gemms(shapes, arch_name, arch, micro_of, cache=self.sweep_cache,
                          executor=self.pool(), progress=sys.stderr if self.progress else None)

    def close(self, cancel: bool = False) -> None:
        """End the executor; ``cancel`` first drops what has not started (Ctrl-C)."""
        if self.executor is not None:
            if cancel:
                self.executor.cancel()
            self.executor.close()
            self.executor = None


@dataclass
class Batch:
    """Calls submitted together: ``results`` yields (index, numbers) as each finishes."""

    results: object
    calls: list
    keys: list
    done: int = 0


def fallback_cost(layer, arch, dtype: str, threads: int) -> dict:
    """The roofline fallback of an unmapped op: its bytes at DRAM bandwidth or its ops at
    the vector peak of ``threads`` cores, whichever is longer."""
    from k1sim.report.roofline import compute_ceilings, memory_ceilings
    dram = next(m.bytes_per_s for m in memory_ceilings(arch) if m.level == "DRAM")
    peak = next((c.ops_per_s for c in compute_ceilings(arch)
                 if c.engine == "rvv" and c.dtype == dtype), 0.0) * threads / arch.cores
    moved = layer.fallback["elements_moved"] * BYTES[dtype]
    t_mem, t_ops = moved / dram, layer.fallback["ops"] / peak if peak else 0.0
    cycles = math.ceil(max(t_mem, t_ops) * arch.freq_mhz * 1e6)
    return {"cycles": cycles, "seconds": cycles / (arch.freq_mhz * 1e6),
            "bound": "DRAM" if t_mem >= t_ops else "compute", "dram_bytes": moved}


__all__ = ["Runner", "simulate_call", "fallback_cost", "call_key", "arch_values",
           "DEFAULT_CACHE_DIR"]
