"""RunResult is plain typed data (k1sim/result.py): report code reads it, never the reverse."""

import dataclasses
import subprocess
import sys

from k1sim.report import to_dict
from k1sim.result import EngineDtype, RunResult
from k1sim.simulator import Simulator


def test_result_imports_no_report_code():
    code = ("import sys, k1sim.result\n"
            "print(sorted(m for m in sys.modules if m.startswith('k1sim.report')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
    assert not any(hasattr(RunResult, name) for name in ("summary", "to_json", "to_dict"))


def test_engine_dtype_keys_are_typed():
    """ops, peaks and shares are keyed by EngineDtype, not "engine:dtype" strings that
    every reader split again; only the JSON writes the text form."""
    r = Simulator("0xA03C").execute("kernels/gemm_i8.xsmt", timing_only=True)
    assert r.ops and all(type(k) is EngineDtype for k in r.ops)
    assert set(r.peak_ops_per_s) == set(r.ops) == set(r.pct_of_peak())
    key = r.main_engine()
    assert (key.engine, key.dtype) == ("ime", "i8") and r.ops["ime", "i8"] == r.ops[key]
    assert to_dict(r)["ops"] == {f"{k.engine}:{k.dtype}": n for k, n in r.ops.items()}
    assert str(key) == "ime:i8"


def test_fields_are_annotated_with_their_types():
    hints = {f.name: f.type for f in dataclasses.fields(RunResult)}
    assert hints["ops"] == "dict[EngineDtype, int]"
    assert hints["peak_ops_per_s"] == "dict[EngineDtype, float]"
    assert all(h not in ("dict", "list") for h in hints.values())


def test_the_trace_reads_like_the_list_of_its_events():
    """The trace makes each TraceEvent as it is read (most runs never read it): it still
    indexes, slices, iterates, compares and pickles as the list of those events."""
    import pickle

    from k1sim.cores.stats import TraceEvent

    r = Simulator("0xA03C").execute("kernels/gemm_i8.xsmt", timing_only=True)
    events = list(r.trace)
    assert len(events) == len(r.trace) > 2
    assert all(type(e) is TraceEvent for e in events)
    assert r.trace[0] == events[0] and r.trace[-1] == events[-1] and r.trace[1:3] == events[1:3]
    assert r.trace[0].args == events[0].args and "bound" in events[0].args
    assert r.trace == events and r.trace != events[:-1]
    again = pickle.loads(pickle.dumps(r.trace))
    assert type(again) is list and again == events
    assert [e.args for e in again] == [e.args for e in events]
