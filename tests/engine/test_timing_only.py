"""--timing-only: the same ops, the same time, no tensor values (FORMAT.md 3, 7)."""

from pathlib import Path

import pytest

from k1sim.engine import interpreter, steps
from k1sim.errors import RuntimeFault
from k1sim.functional import semantics
from k1sim.simulator import Simulator
from tests.engine.kernels import module, ptr
from tests.engine.test_faults import BLOCK_LOAD, GATHER, XY

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ["kernels/mm_even_k.xsmt", "tests/corpus/mm_split_n.xsmt",
           "tests/corpus/softmax_rows.xsmt", "tests/corpus/global_barrier_sum.xsmt"]


@pytest.mark.parametrize("path", KERNELS)
def test_timing_only_runs_the_same_ops_in_the_same_time(path):
    full = Simulator().execute(ROOT / path)
    fast = Simulator().execute(ROOT / path, timing_only=True)
    assert fast.op_counts == full.op_counts
    assert fast.cycles == full.cycles
    assert all(v is None for v in fast.outputs.values())
    assert fast.expects == [] and full.expects
    assert f"timing-only run: {len(full.expects)} expect(s) skipped" in fast.warnings


def test_timing_only_never_computes_float_tensors(monkeypatch):
    def refuse(op, args, ctx):
        raise AssertionError(f"{op.name} computed in a timing-only run")

    semantics.load_all()
    for name in ("xsmt.mmt4d", "xsmt.pack", "xsmt.unpack", "tt.trans"):
        monkeypatch.setitem(semantics.SEMANTICS, name, refuse)
    r = Simulator().execute(ROOT / "kernels/mm_even_k.xsmt", timing_only=True)
    assert r.op_counts["xsmt.mmt4d"] == 4


def test_timing_only_still_finds_memory_faults_of_addresses():
    with pytest.raises(RuntimeFault, match="dim 0 is not boundary-checked"):
        Simulator().execute(module(BLOCK_LOAD.format(off=6, checked="1"), XY),
                            timing_only=True)
    with pytest.raises(RuntimeFault, match="memory fault from an out-of-bounds load: element 5 of 'x'"):
        Simulator().execute(module(GATHER.format(n=5, load="%xp"),
                                   ptr("x", [5]) + ", " + ptr("y", [8])), timing_only=True)


def test_control_flow_on_tensor_data_cannot_run_timing_only():
    body = """
    %v = tt.load %x : !tt.ptr<i32>
    %c0 = arith.constant 0 : i32
    %c1 = arith.constant 1 : i32
    scf.for %i = %c0 to %v step %c1 : i32 {
    }"""
    m = module(body, ptr("x", [1], "i32", init="ones"))
    assert Simulator().execute(m).op_counts["scf.for"] == 1
    with pytest.raises(RuntimeFault, match="the loop bound depends on tensor data, which a "
                                           "timing-only run does not compute"):
        Simulator().execute(m, timing_only=True)


def test_timing_only_gives_the_warnings_that_depend_on_the_op_alone():
    path = ROOT / "tests/corpus/mm_split_m_fused.xsmt"
    full = Simulator().execute(path)
    fast = Simulator().execute(path, timing_only=True)
    dest = [w for w in full.warnings if "3-operand xsmt.mmt4d overwrites" in w]
    assert len(dest) == 1
    assert dest == [w for w in fast.warnings if "3-operand xsmt.mmt4d overwrites" in w]


@pytest.mark.parametrize("path", [*KERNELS, "kernels/flash_attn_fwd_causal.xsmt",
                                  "tests/corpus/fifo_pipeline.xsmt",
                                  "tests/corpus/int_arith.xsmt"])
def test_operands_said_to_be_known_are_computed_in_a_timing_only_run(monkeypatch, path):
    """A step told its operands are always computed (``known``) skips the look for None:
    every such operand must really have a value in a timing-only run."""
    real, checked = steps.runner, []

    def checking(op, timing_only, same_every_time=False, known=False):
        run = real(op, timing_only, same_every_time, known)
        if not known or not op.operands:
            return run
        get = steps.operand_getter(op)

        def run_checked(ctx, vals):
            assert all(a is not None for a in get(vals)), op.name
            checked.append(op.name)
            return run(ctx, vals)
        return run_checked

    monkeypatch.setattr(interpreter, "runner", checking)
    Simulator().execute(ROOT / path, timing_only=True)
    assert checked
