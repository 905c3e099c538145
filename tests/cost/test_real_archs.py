"""The cost model on the arch files of archs/ (k1sim.arch.load_arch)."""

from pathlib import Path

import pytest

from k1sim.arch import load_arch
from k1sim.cost import Uses, decompose
from k1sim import ime as ime_engine
from k1sim.cores.units import timed
from k1sim.cost.vector import register_file_bytes
from k1sim.ir.parser import parse

ROOT = Path(__file__).resolve().parents[2]
ARCH_IDS = ("0x503C", "0xA03C", "0x5064", "0xA064", "0xF000")
FILES = sorted(ROOT.glob("kernels/*.xsmt")) + sorted(ROOT.glob("tests/corpus/*.xsmt"))


def kernel(name: str):
    func = parse((ROOT / name).read_text(), Path(name).name).functions[0]
    return func, Uses.of(func)


def named(func, name):
    return [op for op in func.walk() if op.name == name]


@pytest.mark.parametrize("arch_id", ARCH_IDS)
def test_no_op_of_any_kernel_beats_the_arch_peak(arch_id):
    arch = load_arch(arch_id)
    for path in FILES:
        for func in parse(path.read_text(), path.name).functions:
            uses = Uses.of(func)
            for op in func.walk():
                w = decompose(op, arch, uses)
                cycles = timed(w, arch).busy
                for dtype, n in w.ops.items():
                    engine = w.engine if w.engine in ("ime", "ame") else "rvv"
                    peak = arch.peak_ops_per_cycle(engine, dtype) or arch.peak_ops_per_cycle(
                        "rvv", "f32")
                    assert n / cycles <= peak * (1 + 1e-9), (path.name, op, w)


def test_the_a60_int8_gemm_runs_on_the_ime_at_its_peak():
    arch = load_arch("0xA03C")
    func, uses = kernel("kernels/gemm_i8.xsmt")
    (mm,) = named(func, "xsmt.mmt4d")
    w = decompose(mm, arch, uses)
    assert (w.unit, w.engine, w.warning) == ("matrix", "ime", None)
    # A [2, 8, 16, 32] x B [2, 8, 16, 32], tile 4 x 8 x 4: 32 steps x 4*4*4
    c = ime_engine.cost(w.matrix, arch)
    assert c.instructions == 2048
    assert timed(w, arch).bound == "ime"
    assert w.ops["i8"] / c.issue_cycles == arch.peak_ops_per_cycle("ime", "i8") == 256
    assert c.fill_cycles == arch.matrix.latency_cycles - 1


def test_the_same_int8_gemm_on_x60_falls_back_and_is_far_slower():
    a60, x60 = load_arch("0xA03C"), load_arch("0x503C")
    func, uses = kernel("kernels/gemm_i8.xsmt")
    (mm,) = named(func, "xsmt.mmt4d")
    ime, rvv = decompose(mm, a60, uses), decompose(mm, x60, uses)
    assert rvv.engine == "rvv" and "0x503C (spacemit-x60) has no matrix engine" in rvv.warning
    assert rvv.issue_cycles == rvv.ops["i8"] / x60.rvv.fma_flops_per_cycle["i8"]
    # the vendor peaks: IME 256 i8 ops/cycle against 64 on RVV (less the IME pipeline fill)
    assert timed(rvv, x60).busy > 3.9 * timed(ime, a60).busy


def test_a100_runs_the_f16_attention_mmt4ds_on_ime2():
    arch = load_arch("0xA064")
    func, uses = kernel("kernels/scratchpad_roundtrip.xsmt")
    works = [decompose(mm, arch, uses) for mm in named(func, "xsmt.mmt4d")]
    assert [(w.engine, w.warning) for w in works] == [("ime", None), ("ime", None)]
    a60_works = [decompose(mm, load_arch("0xA03C"), uses) for mm in named(func, "xsmt.mmt4d")]
    assert all(w.engine == "rvv" for w in a60_works)


def test_the_projected_ame_takes_f16_mmt4ds():
    arch = load_arch("0xF000")
    func, uses = kernel("kernels/mm_even_k.xsmt")
    (mm,) = named(func, "xsmt.mmt4d")
    assert decompose(mm, arch, uses).engine == "ame"


def test_the_register_file_matches_the_arch():
    for arch_id in ARCH_IDS:
        arch = load_arch(arch_id)
        assert register_file_bytes(arch) == arch.register_file_bytes


def test_scratchpad_roundtrip_stores_and_reloads_locally():
    arch = load_arch("0xA064")
    func, uses = kernel("kernels/scratchpad_roundtrip.xsmt")
    store = [decompose(s, arch, uses) for s in named(func, "tt.store")]
    # A load a pack absorbs moves its bytes as the pack.
    loads = [w for w in (decompose(o, arch, uses) for o in func.walk()
                         if o.name in ("tt.load", "xsmt.pack")) if w.transfers]
    assert [t.scope for w in store for t in w.transfers] == ["local", "global"]
    assert [t.scope for w in loads for t in w.transfers] == ["global", "global", "local",
                                                             "global"]
    assert store[0].transfers[0].nbytes == loads[2].transfers[0].nbytes == 32 * 32 * 2


def test_a_clock_override_keeps_per_cycle_costs():
    func, uses = kernel("kernels/gemm_i8.xsmt")
    (mm,) = named(func, "xsmt.mmt4d")
    fast, slow = load_arch("0xA03C"), load_arch("0xA03C", freq_mhz=1600)
    assert timed(decompose(mm, slow, uses), slow) == timed(decompose(mm, fast, uses), fast)
