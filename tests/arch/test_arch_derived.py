"""Derived values: golden peaks from the vendor figures, the clock override, what-if copies,
DRAM bandwidth per core."""

import os

import pytest

from k1sim.arch import ArchError, load_arch

from tests.arch.helpers import ARCH_IDS, raw, write


def test_a60_ime_int8_peak_is_the_vendor_figure():
    a60 = load_arch("0xA03C")
    assert a60.peak_ops_per_cycle("ime", "i8") == 256          # 2 x 4x8x4 x 1
    assert a60.peak_ops_per_s("ime", "i8", cores=1) == pytest.approx(0.512e12)
    assert a60.peak_ops_per_s("ime", "i8") == pytest.approx(2.048e12)   # "K1 total 2.0 TOPS"


def test_x60_vector_peaks_are_the_vendor_figures():
    x60 = load_arch("0x503C")
    for dtype, tops in (("f32", 0.032), ("f16", 0.064), ("i8", 0.128)):
        assert x60.peak_ops_per_s("rvv", dtype, cores=1) == pytest.approx(tops * 1e12)


def test_a100_int8_rate_reproduces_the_60_tops_int4_sparse_claim():
    a100 = load_arch("0xA064")
    dense_i8 = a100.peak_ops_per_s("ime", "i8")
    assert 4 * dense_i8 == pytest.approx(60e12, rel=0.01)       # x2 int4, x2 sparse
    assert a100.peak_ops_per_s("ime", "i4") == pytest.approx(2 * dense_i8)


def test_no_engine_or_no_tile_is_a_zero_peak():
    a60, x60 = load_arch("0xA03C"), load_arch("0x503C")
    assert a60.peak_ops_per_cycle("ime", "f16") == 0           # A60 has no fp matrix tile
    assert a60.peak_ops_per_cycle("ame", "i8") == 0            # not an AME arch
    assert x60.peak_ops_per_cycle("ime", "i8") == 0
    assert x60.peak_ops_per_cycle("rvv", "i4") == 0
    f000 = load_arch("0xF000")
    assert f000.peak_ops_per_cycle("ame", "f16") == 2 * 32 * 2 * 32 * 0.25
    with pytest.raises(ArchError, match="unknown engine 'gpu'; engines: ime, ame, rvv, scalar"):
        a60.peak_ops_per_cycle("gpu", "i8")


def test_scalar_float_arithmetic_peaks_at_the_scalar_pipe_rate():
    a60 = load_arch("0xA03C")
    assert a60.peak_ops_per_cycle("scalar", "f32") == a60.issue.scalar_ops_per_cycle
    assert a60.peak_ops_per_s("scalar", "f32", 2) == a60.issue.scalar_ops_per_cycle * 2000e6 * 2


def test_cores_are_checked():
    with pytest.raises(ArchError, match="cores must be 1 to 4 on 0xA03C"):
        load_arch("0xA03C").peak_ops_per_s("ime", "i8", cores=5)


@pytest.mark.parametrize("arch_id", ARCH_IDS)
def test_freq_override_scales_peaks_and_is_recorded(arch_id):
    base = load_arch(arch_id)
    slow = load_arch(arch_id, freq_mhz=base.freq_mhz / 2)
    assert slow is load_arch(arch_id, freq_mhz=base.freq_mhz / 2)       # cached
    assert slow.freq_mhz == base.freq_mhz / 2 and base.freq_mhz != slow.freq_mhz
    for engine, dtype in (("rvv", "f32"), (base.matrix.kind, "i8")):
        half = base.peak_ops_per_s(engine, dtype) / 2
        assert slow.peak_ops_per_s(engine, dtype) == pytest.approx(half)
    assert slow.peak_ops_per_cycle("rvv", "f16") == base.peak_ops_per_cycle("rvv", "f16")
    assert slow.dram_bytes_per_cycle == pytest.approx(2 * base.dram_bytes_per_cycle)
    kind, text = slow.provenance["freq_mhz"]
    assert kind == "overridden" and f"the file says {base.freq_mhz:g} MHz" in text
    assert slow.provenance["l2.size_kib_per_cluster"] == base.provenance["l2.size_kib_per_cluster"]


def test_a60_at_the_boards_clock():
    board = load_arch("0xA03C", freq_mhz=1600)
    assert board.peak_ops_per_s("ime", "i8") == pytest.approx(2 * 128 * 1600e6 * 4)
    assert load_arch(board, freq_mhz=2000).peak_ops_per_s("ime", "i8") == pytest.approx(2.048e12)


@pytest.mark.parametrize("bad", [0, -1, "fast", True])
def test_a_bad_freq_is_an_error(bad):
    with pytest.raises(ArchError, match="freq_mhz must be a positive number of MHz"):
        load_arch("0xA03C", freq_mhz=bad)


def test_a_what_if_copy_with_twice_the_ime_rate_doubles_the_ime_peak(tmp_path):
    data = raw("0xA03C")
    data["name"] = "a60-2x-ime"
    data["matrix"]["instructions_per_cycle"] = {"value": 2, "assumed": "what if: 2 per cycle"}
    data["scratchpad"]["size_kib"] = {"value": 256, "assumed": "what if: a 256 KiB TCM"}
    arch = load_arch(write(tmp_path, data))
    base = load_arch("0xA03C")
    assert arch.peak_ops_per_s("ime", "i8") == pytest.approx(2 * base.peak_ops_per_s("ime", "i8"))
    assert arch.peak_ops_per_s("rvv", "f32") == base.peak_ops_per_s("rvv", "f32")
    assert arch.scope_capacity("tcm") == ("scratchpad", 256 * 1024)
    assert arch.provenance["matrix.instructions_per_cycle"] == ("assumed", "what if: 2 per cycle")
    assert arch != base and arch.name == "a60-2x-ime"


def test_a_what_if_copy_is_reloaded_when_it_changes(tmp_path):
    data = raw("0xA03C")
    path = write(tmp_path, data)
    first = load_arch(path)
    mtime = path.stat().st_mtime_ns
    data["l1"]["size_kib"] = {"value": 64, "assumed": "what if"}
    write(tmp_path, data)
    os.utime(path, ns=(mtime + 10**9, mtime + 10**9))    # a later edit, whatever the clock
    assert load_arch(path).l1.size_kib == 64 and first.l1.size_kib == 32


def test_one_core_dram_bandwidth_is_limited_by_its_misses():
    a60 = load_arch("0xA03C")
    assert a60.dram_bytes_per_cycle == pytest.approx(10.66 / 2.0)          # GB/s / GHz
    assert a60.cycles_per_ns == 2.0
    assert a60.dram_latency_cycles == pytest.approx(a60.dram.latency_ns * 2.0)
    mlp = a60.outstanding_misses * a60.l1.line_bytes / a60.dram_latency_cycles
    assert a60.core_dram_bytes_per_cycle == pytest.approx(mlp)
    assert a60.core_dram_bytes_per_cycle < a60.dram_bytes_per_cycle
    for arch_id in ARCH_IDS:
        arch = load_arch(arch_id)
        assert arch.core_dram_bytes_per_cycle <= arch.dram_bytes_per_cycle
        # All cores together can reach the DRAM peak; one core alone cannot.
        assert arch.cores * arch.core_dram_bytes_per_cycle >= arch.dram_bytes_per_cycle


def test_ime_registers_fit_the_vector_register_file():
    for arch_id in ARCH_IDS:
        arch = load_arch(arch_id)
        assert arch.register_file_bytes == 32 * arch.rvv.vlen_bits // 8
        if arch.matrix.kind == "ime":
            tile = arch.matrix.tiles["i8"]
            # IME operands are whole vector registers (LMUL 1): one A tile fills one.
            assert tile.m * tile.k == arch.rvv.vlen_bits // 8
            assert arch.matrix.register_bytes <= arch.register_file_bytes
