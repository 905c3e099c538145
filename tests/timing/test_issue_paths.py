"""The per-op issue functions (k1sim/cores/plan.py) time every op as the general path does:
the same cycles, statistics, trace and memory traffic, in-order and out of order."""

from pathlib import Path

import pytest

from k1sim import Simulator
from k1sim.cores import timing as timing_module
from k1sim.library import mm_even_k

ROOT = Path(__file__).resolve().parents[2]
# loads overlapping compute, in-place accumulates, loops, barriers, a scratchpad, stores
KERNELS = ["mm_even_k.xsmt", "gemm_i8.xsmt", "fifo_split2.xsmt", "flash_attn_fwd.xsmt",
           "scratchpad_roundtrip.xsmt", "softmax_rows.xsmt"]


def _general(timing, plan):
    return lambda ctx, args: timing._issue(ctx, plan.op, args, plan)


def _observed(result) -> dict:
    return {"cycles": result.cycles, "ops": result.ops, "unit_busy": result.unit_busy,
            "wait": result.wait_cycles, "bytes": result.bytes_by_level,
            "caches": result.caches, "overlap": result.overlap, "op_stats": result.op_stats,
            "trace": [(tuple(e), e.args) for e in result.trace]}


@pytest.mark.parametrize("arch", ["0xA064", "0x5064"])
@pytest.mark.parametrize("name", KERNELS)
def test_the_compiled_issue_functions_time_as_the_general_path(name, arch, monkeypatch):
    sim = Simulator(arch)
    fast = sim.execute(ROOT / "kernels" / name, timing_only=True)
    monkeypatch.setattr(timing_module, "issuer", _general)
    general = sim.execute(ROOT / "kernels" / name, timing_only=True)
    assert fast.cycles > 0
    assert _observed(fast) == _observed(general)


def test_most_ops_issue_without_a_generator():
    """Ops whose time passes without a SimPy wait return None from their issue function:
    the engine makes no generator for them."""
    returned = []
    original = timing_module.ArchTiming.issuer

    def counting(self, op):
        issue = original(self, op)

        def counted(ctx, args):
            wait = issue(ctx, args)
            returned.append(wait is None)
            return wait
        return counted
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timing_module.ArchTiming, "issuer", counting)
        Simulator().execute(mm_even_k(256, 256, 256).module, timing_only=True)
    # per program: 32 ops, of which 3 transfers and the mmt4d that waits for its loads
    assert len(returned) == 64 * 32
    assert sum(returned) >= 64 * 28
