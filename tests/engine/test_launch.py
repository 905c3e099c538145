"""The launcher and interpreter: programs, parallel loops, control flow, overrides."""

from pathlib import Path

import numpy as np
import pytest

from k1sim.errors import K1SimError, VerifyError
from k1sim.simulator import Simulator
from tests.engine.kernels import module, ptr

ROOT = Path(__file__).resolve().parents[2]

# Each program writes 100*z + 10*y + x at its linear index.
PROGRAM_IDS = """
    %x = tt.get_program_id x : i32
    %y = tt.get_program_id y : i32
    %z = tt.get_program_id z : i32
    %nx = tt.get_num_programs x : i32
    %ny = tt.get_num_programs y : i32
    %c10 = arith.constant 10 : i32
    %c100 = arith.constant 100 : i32
    %a = arith.muli %z, %ny : i32
    %b = arith.addi %a, %y : i32
    %c = arith.muli %b, %nx : i32
    %lin = arith.addi %c, %x : i32
    %t1 = arith.muli %y, %c10 : i32
    %t2 = arith.muli %z, %c100 : i32
    %t3 = arith.addi %t1, %t2 : i32
    %v = arith.addi %t3, %x : i32
    %p = tt.addptr %out, %lin : !tt.ptr<i32>, i32
    tt.store %p, %v : !tt.ptr<i32>"""


def test_every_program_runs_with_its_ids():
    m = module(PROGRAM_IDS, ptr("out", [24], "i32"), grid=(4, 3, 2))
    r = Simulator().execute(m)
    want = [100 * z + 10 * y + x for z in range(2) for y in range(3) for x in range(4)]
    assert r.outputs["out"].tolist() == want
    assert r.programs == 24 and r.grid == (4, 3, 2)


def test_grid_and_threads_overrides():
    m = module(PROGRAM_IDS, ptr("out", [24], "i32"), grid=(1,))
    r = Simulator().execute(m, grid=(2, 2), threads=2)
    assert r.outputs["out"][:4].tolist() == [0, 1, 10, 11]
    assert r.outputs["out"][4:].tolist() == [0] * 20
    assert r.threads == 2


def test_programs_share_threads_so_time_scales_with_waves():
    one = Simulator().execute(module(PROGRAM_IDS, ptr("out", [24], "i32"), grid=(4,)))
    two = Simulator().execute(module(PROGRAM_IDS, ptr("out", [24], "i32"), grid=(8,)))
    # 4 threads: two waves. Each thread runs its second program after its first (the
    # stores of the second find their lines in L1, so the wave is shorter than the first).
    assert two.cycles > one.cycles
    ids = [e for e in two.trace if e[2] == "tt.get_program_id"]
    assert len(ids) == 8 * 3 and {e[0] for e in ids} == {0, 1, 2, 3}
    # a thread takes its next program only when its last one is over
    first_wave_end = min(max(e[5] for e in one.trace if e[0] == t) for t in range(4))
    assert sorted(e[4] for e in ids)[12] >= first_wave_end


def test_too_many_threads_is_an_input_error():
    m = module(PROGRAM_IDS, ptr("out", [24], "i32"), threads=8)
    with pytest.raises(K1SimError, match="0xA03C .* has 4 cores"):
        Simulator().execute(m)


PARALLEL = """
    %c0 = arith.constant 0 : i32
    %c1 = arith.constant 1 : i32
    %n = arith.constant {n} : i32
    scf.for %i = %c0 to %n step %c1 : i32 {{
      %sq = arith.muli %i, %i : i32
      %p = tt.addptr %out, %i : !tt.ptr<i32>, i32
      tt.store %p, %sq : !tt.ptr<i32>
    }} {{bind_sub_block = true}}"""


def test_parallel_loop_runs_iterations_concurrently():
    r4 = Simulator().execute(module(PARALLEL.format(n=4), ptr("out", [8], "i32")))
    r8 = Simulator().execute(module(PARALLEL.format(n=8), ptr("out", [8], "i32")))
    serial = Simulator().execute(module(PARALLEL.format(n=8), ptr("out", [8], "i32")),
                                 threads=1)
    assert r8.outputs["out"].tolist() == [i * i for i in range(8)]
    # 4 threads: 8 iterations take two rounds of the 4 that 4 iterations take, and
    # the busiest thread computes about a quarter of what one thread alone does (the
    # stores' write-back time, behind the write buffers, is the same either way).
    def compute(r):
        return max(u["scalar"] + u["vector"] for u in r.unit_busy.values())
    assert r4.cycles <= r8.cycles < 2.2 * r4.cycles
    assert 3 < compute(serial) / compute(r8) <= 4.2
    busy = [sum(u.values()) for u in r8.unit_busy.values()]
    assert len(busy) == 4 and min(busy) > 0


def test_nested_parallel_loops_are_rejected():
    body = """
    %c0 = arith.constant 0 : i32
    %c1 = arith.constant 1 : i32
    scf.for %i = %c0 to %c1 step %c1 : i32 {
      scf.for %j = %c0 to %c1 step %c1 : i32 {
      } {bind_sub_block = true}
    } {bind_sub_block = true}"""
    with pytest.raises(VerifyError, match="a parallel loop inside a parallel loop") as e:
        Simulator().execute(module(body, ptr("out", [1], "i32")))
    assert (e.value.line, e.value.column) == (7, 7)


def test_scf_if_and_loop_carried_values():
    body = """
    %c0 = arith.constant 0 : i32
    %c1 = arith.constant 1 : i32
    %c10 = arith.constant 10 : i32
    %sum = scf.for %i = %c0 to %c10 step %c1 iter_args(%s = %c0) -> (i32) : i32 {
      %odd = arith.remsi %i, %c1 : i32
      %two = arith.constant 2 : i32
      %r = arith.remsi %i, %two : i32
      %is_even = arith.cmpi eq, %r, %c0 : i32
      %add = scf.if %is_even -> (i32) {
        scf.yield %i : i32
      } else {
        scf.yield %c0 : i32
      }
      %s2 = arith.addi %s, %add : i32
      scf.yield %s2 : i32
    }
    tt.store %out, %sum : !tt.ptr<i32>"""
    r = Simulator().execute(module(body, ptr("out", [1], "i32")))
    assert r.outputs["out"].tolist() == [0 + 2 + 4 + 6 + 8]


def test_scalar_argument_values_and_overrides():
    args = ptr("out", [1], "f32") + ", %s: f32 {k1sim.value = 1.5 : f32}"
    body = "    tt.store %out, %s : !tt.ptr<f32>"
    assert Simulator().execute(module(body, args)).outputs["out"][0] == 1.5
    assert Simulator().execute(module(body, args), args={"s": -2}).outputs["out"][0] == -2.0


def test_inputs_replace_initial_data_and_are_checked():
    body = """
    %v = tt.load %x : !tt.ptr<f32>
    tt.store %out, %v : !tt.ptr<f32>"""
    m = module(body, ptr("x", [3], init="randn") + ", " + ptr("out", [1]))
    r = Simulator().execute(m, inputs={"x": np.array([7.0, 1, 2], np.float32)})
    assert r.outputs["out"][0] == 7.0
    with pytest.raises(K1SimError, match="input 'x' is float64, but the argument is "
                                         r"!tt.ptr<f32> \(needs float32\)"):
        Simulator().execute(m, inputs={"x": np.zeros(3)})
    with pytest.raises(K1SimError, match=r"input 'x' has shape \[4\], but the argument's "
                                         r"k1sim.shape is \[3\]"):
        Simulator().execute(m, inputs={"x": np.zeros(4, np.float32)})
    with pytest.raises(K1SimError, match="input 'nope' names no kernel argument; "
                                         "arguments: x, out"):
        Simulator().execute(m, inputs={"nope": np.zeros(4, np.float32)})


def test_missing_scalar_value_is_an_input_error():
    m = module("", ptr("out", [1]) + ", %n: i32")
    with pytest.raises(K1SimError, match="scalar argument 'n' .* has no value: add "
                                         "k1sim.value to it or pass --arg n=VALUE"):
        Simulator().execute(m)


def test_same_seed_same_values_other_seed_other_values():
    body = """
    %v = tt.load %x : !tt.ptr<f32>
    tt.store %out, %v : !tt.ptr<f32>"""
    m = module(body, ptr("x", [64], init="randn") + ", " + ptr("out", [1]))
    a, b = Simulator().execute(m, seed=3), Simulator().execute(m, seed=3)
    c = Simulator().execute(m, seed=4)
    assert a.outputs["x"].tobytes() == b.outputs["x"].tobytes()
    assert a.outputs["x"].tobytes() != c.outputs["x"].tobytes()
    assert a.cycles == b.cycles


def test_running_on_another_arch_warns():
    m = module("", ptr("out", [1]), threads=None)
    r = Simulator("0x503C").execute(m)
    assert r.threads == 8  # the x60 stream default: all 8 cores
    assert any("compiled for 0xA03C (tt.arch_id), running on 0x503C" in w for w in r.warnings)
    with pytest.raises(K1SimError, match="unknown arch '0x1234'; known archs: 0x503C"):
        Simulator("0x1234")


def test_a_run_collects_young_objects_less_often_and_restores_the_collector(monkeypatch):
    import gc

    import k1sim.simulator as simulator
    seen = []
    real = simulator.run_kernel

    def recording(*args):
        seen.append(gc.get_threshold())
        return real(*args)

    monkeypatch.setattr(simulator, "run_kernel", recording)
    before = gc.get_threshold()
    m = module(PROGRAM_IDS, ptr("out", [24], "i32"), grid=(4, 3, 2))
    Simulator().execute(m)
    assert seen[0][0] > before[0] and seen[0][1:] == before[1:]
    assert gc.get_threshold() == before
    # a run that fails hands the collector back as it found it too
    bad = module("""
    %c = arith.constant 5 : i32
    %p = tt.addptr %out, %c : !tt.ptr<i32>, i32
    tt.store %p, %c : !tt.ptr<i32>""", ptr("out", [4], "i32"), grid=(1,))
    with pytest.raises(K1SimError):
        Simulator().execute(bad)
    assert len(seen) == 2 and gc.get_threshold() == before


@pytest.mark.parametrize("path", ["tests/corpus/fifo_pipeline.xsmt",
                                  "tests/corpus/func_scf_generic.xsmt",
                                  "tests/corpus/global_barrier_sum.xsmt",
                                  "kernels/flash_attn_fwd_causal.xsmt"])
def test_op_counts_are_the_executions_the_timing_seam_sees(monkeypatch, path):
    """Ops are counted by the runs of ops between control ops (``Tally``): each op's count
    is still its executions. Every execution passes the timing seam once (a loop's control
    once per iteration, so at least as often as the loop runs)."""
    from collections import Counter

    from k1sim.engine.seam import NullTiming

    seen = Counter()

    def issuer(self, op):
        def issue(ctx, args):
            seen[op.name] += 1
        return issue

    monkeypatch.setattr(NullTiming, "issuer", issuer)
    counts = Simulator("0xA064").execute(ROOT / path, functional_only=True).op_counts
    loops = counts.pop("scf.for", 0)
    assert loops <= seen.pop("scf.for", 0) and counts == dict(seen)
