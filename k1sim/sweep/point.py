"""One point of a sweep -> one row: the function every executor runs.

``run_point(source, point)`` is pure (the same source and point give the same row, bit
for bit, in any process) and never raises for a failing point: a memory fault, a capacity
overflow, a deadlock or an illegal config becomes a row whose ``status`` names the kind
and whose ``error`` holds the first line of the message, so the sweep goes on.

A row is the point's parameters, then ``MEASURES``: cycles, seconds, the engine:dtype that
did the most ops (``main``), its achieved giga-ops per second (``gops``: GFLOPS for a float
dtype, GOPS for an integer one; /1000 for TFLOPS/TOPS) and share of the arch's peak, the
bound (``k1sim.report.bound``), the expects' verdict, and the bytes each memory level served
(``bytes_L1`` ...).
"""

from __future__ import annotations

from k1sim.errors import K1SimError, RuntimeFault
from k1sim.sweep.source import RUN_KEYS

MEMORY_LEVELS = ("L1", "L2", "DRAM", "scratchpad")
MEASURES = ("cycles", "seconds", "main", "gops", "pct_of_peak", "bound", "expects",
            "warnings", *(f"bytes_{level}" for level in MEMORY_LEVELS), "status", "error")


def run_point(source, point: dict) -> dict:
    """Simulate ``source`` at ``point`` and return its row (see the module doc)."""
    row = {"kernel": source.name, **point}
    try:
        result = simulate(source, point)
    except RuntimeFault as e:
        return _failed(row, _fault_kind(str(e)), e)
    except K1SimError as e:
        return _failed(row, "illegal", e)
    except Exception as e:  # noqa: BLE001 - one broken point must not end the sweep
        return _failed(row, "crash", e, f"{type(e).__name__}: ")
    return {**row, **measures(result)}


def simulate(source, point: dict):
    """The ``RunResult`` of ``source`` at ``point``."""
    from k1sim.arch import load_arch
    from k1sim.simulator import Simulator

    run = {k: point[k] for k in RUN_KEYS if k in point}
    params = {k: v for k, v in point.items() if k not in RUN_KEYS}
    arch_name = run.get("arch")
    arch = load_arch(str(arch_name), run.get("freq_mhz")) if arch_name is not None else None
    program, args = source.build(params, arch, run.get("threads"))
    sim = Simulator(arch, run.get("freq_mhz"))
    return sim.execute(program, args=args, seed=int(run.get("seed", 0)),
                       timing_only=bool(run.get("timing_only", False)),
                       threads=run.get("threads"))


def measures(result) -> dict:
    """The measured columns of a finished run."""
    from k1sim.report.bound import classify

    key = result.main_engine()
    achieved = result.achieved_ops_per_s().get(key) if key else None
    pct = result.pct_of_peak().get(key) if key else None
    if result.timing_only or not result.expects:
        expects = "skipped" if result.timing_only and result.expects else "none"
    else:
        expects = "pass" if result.passed else "fail"
    out = {"cycles": int(result.cycles), "seconds": float(result.seconds), "main": str(key) if key else "",
           "gops": None if achieved is None else float(achieved) / 1e9,
           "pct_of_peak": None if pct is None else float(pct),
           "bound": classify(result).kind, "expects": expects,
           "warnings": len(result.warnings)}
    for level in MEMORY_LEVELS:
        out[f"bytes_{level}"] = int(result.bytes_by_level.get(level, 0))
    out["status"], out["error"] = "ok", ""
    return out


def _fault_kind(message: str) -> str:
    if "capacity fault" in message:
        return "capacity"
    if "deadlock" in message:
        return "deadlock"
    return "fault"


def _failed(row: dict, kind: str, error: Exception, prefix: str = "") -> dict:
    out = {**row, **{m: None for m in MEASURES}}
    first = str(error).strip().splitlines()
    out["status"], out["error"] = kind, prefix + (first[0] if first else "")
    return out
