"""One kernel on several archs side by side: ``k1sim run FILE --arch A,B,C``.

One row per arch: cycles, time, the engine:dtype that did the most ops and its share of
that arch's peak, the bound, and the op that took the most cycles (with its source
place). An arch the kernel cannot run on is a row with the reason.
"""

from __future__ import annotations

from k1sim.report.bound import classify
from k1sim.report.summary import columns
from k1sim.report.tables import op_rows


def compare_table(runs) -> str:
    """``runs``: (arch name, RunResult or the error text) pairs, in the order given."""
    rows = [["arch", "cycles", "time (us)", "engine", "% of peak", "bound", "top op"]]
    for name, result in runs:
        if isinstance(result, str):
            rows.append([name, "-", "-", "-", "-", "-", f"did not run: {result}"])
            continue
        key = result.main_engine()
        pct = result.pct_of_peak().get(key) if key else None
        top = op_rows(result)[:1]
        rows.append([name, f"{result.cycles:,}", f"{result.seconds * 1e6:.2f}",
                     str(key) if key else "-", "-" if pct is None else f"{pct:.1f}%",
                     classify(result).kind,
                     f"{top[0]['op']} {top[0]['share']:.0%} at {top[0]['where']}" if top
                     else "-"])
    return "\n".join(columns(rows, right={1, 2, 4})) + "\n"
