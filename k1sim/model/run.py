"""Simulate a model's distinct kernel calls once each, timing-only, and cost its layers.

Each distinct ``(KernelCall, arch, threads)`` is one simulation; its numbers are kept in
a content-hash cache on disk (the key hashes the kernel's ``.xsmt`` text, the arch's
values, the thread count and the timing model's source), so identical layers, and later
runs, reuse it. Misses run on a local process pool, or on Dask when a scheduler address
is given.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from k1sim.errors import K1SimError
from k1sim.model.onnx_graph import BYTES

# The packages whose code decides simulated cycles: a change to any of them changes the key.
TIMING_SOURCES = ("arch.py", "arch_schema.py", "simulator.py", "cost", "cores", "engine",
                  "ime", "ame", "memory", "functional", "ir", "model/kernels.py",
                  "model/kernels_vector.py", "model/kernels_attention.py")
_fingerprint: str | None = None


def timing_fingerprint() -> str:
    """A hash of the simulator's timing-relevant source files."""
    global _fingerprint
    if _fingerprint is None:
        root = Path(__file__).resolve().parent.parent
        h = hashlib.sha256()
        for entry in TIMING_SOURCES:
            path = root / entry
            for f in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
                h.update(f.read_bytes())
        _fingerprint = h.hexdigest()[:16]
    return _fingerprint


def default_cache_dir() -> Path:
    base = os.environ.get("K1SIM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "k1sim")
    return Path(base) / "model"


def call_key(module_text: str, arch, threads: int) -> str:
    h = hashlib.sha256()
    for part in (module_text, arch.model_dump_json(), str(threads), timing_fingerprint()):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


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


def _simulate_packed(args):
    return simulate_call(*args)


class Runner:
    """Simulates kernel calls through the cache; ``simulated`` counts real simulations."""

    def __init__(self, cache_dir=None, workers: int | None = None, scheduler: str | None = None,
                 progress=None):
        self.cache_dir = None if cache_dir is False else Path(cache_dir or default_cache_dir())
        self.workers = workers or os.cpu_count() or 1
        self.scheduler = scheduler
        self.progress = progress
        self.simulated = 0

    def run(self, calls: list, arch, threads: int) -> dict:
        """``{call: numbers}`` for every distinct call."""
        out, todo = {}, {}
        for call in dict.fromkeys(calls):
            key = call_key(call.build(arch.arch_id, threads).module.to_text(), arch, threads)
            hit = self._load(key)
            if hit is not None:
                out[call] = hit
            else:
                todo[call] = key
        for call, numbers in self._execute(list(todo), arch, threads):
            self.simulated += 1
            self._store(todo[call], numbers)
            out[call] = numbers
        return out

    def _execute(self, calls: list, arch, threads: int):
        jobs = [(c, arch, threads) for c in calls]
        done = 0
        if self.scheduler:
            results = _dask_map(self.scheduler, jobs)
        elif self.workers <= 1 or len(jobs) <= 1:
            results = map(_simulate_packed, jobs)
        else:
            with ProcessPoolExecutor(max_workers=min(self.workers, len(jobs))) as pool:
                results = list(pool.map(_simulate_packed, jobs))
        for call, numbers in zip(calls, results):
            done += 1
            if self.progress:
                self.progress(done, len(calls), call)
            yield call, numbers

    def _load(self, key: str):
        if self.cache_dir is None:
            return None
        path = self.cache_dir / key[:2] / f"{key}.json"
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return None

    def _store(self, key: str, numbers: dict) -> None:
        if self.cache_dir is None:
            return
        path = self.cache_dir / key[:2] / f"{key}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(numbers))
        os.replace(tmp, path)       # atomic: concurrent runs never read half a file


def _dask_map(scheduler: str, jobs: list):
    try:
        from dask.distributed import Client
    except ImportError:
        raise K1SimError("a Dask scheduler was given but dask.distributed is not installed "
                         "(pip install 'dask[distributed]')") from None
    with Client(scheduler) as client:
        return client.gather(client.map(_simulate_packed, jobs, pure=False))


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


__all__ = ["Runner", "simulate_call", "fallback_cost", "call_key", "default_cache_dir"]
