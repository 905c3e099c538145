"""``k1sim archs`` and ``k1sim peak``: the table, the assumptions, formulas, exit codes."""

import pytest

from k1sim.cli import main

from tests.arch.helpers import ARCH_IDS, raw, write


def test_archs_prints_an_aligned_table(capsys):
    assert main(["archs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split()
    assert header[:6] == ["id", "name", "core", "SoC", "cores", "clock"]
    rows = {line.split()[0]: line for line in lines[1:1 + len(ARCH_IDS)]}
    assert list(rows) == ARCH_IDS
    assert "IME i8 4x8x4" in rows["0xA03C"] and "128 KiB" in rows["0xA03C"]
    assert "10.66 GB/s" in rows["0xA03C"] and "2000 MHz" in rows["0xA03C"]
    assert "IME i8 8x16x8, i4 8x32x8, f16 8x8x8, bf16 8x8x8" in rows["0xA064"]
    assert " none " in rows["0x503C"] and "8 (2x4)" in rows["0x503C"]
    assert all(rows[i].rstrip().endswith("projected") for i in ("0xF000", "0x50C8", "0xA0C8"))
    assert "AME" in rows["0xA0C8"] and "4-issue" not in rows["0x50C8"]
    assert not any(rows[i].rstrip().endswith("projected") for i in ARCH_IDS[:4])
    # Aligned: every row's DRAM column starts where the header's does.
    col = lines[0].index("DRAM")
    assert all(r[col - 2:col] == "  " and r[col] != " " for r in rows.values())


def test_archs_with_a_clock_override(capsys):
    assert main(["archs", "--freq-mhz", "1600"]) == 0
    out = capsys.readouterr().out
    assert out.count("1600 MHz") == len(ARCH_IDS) and "overridden" in out


def test_assumptions_lists_every_assumed_value_with_its_reasoning(capsys):
    assert main(["archs", "--assumptions", "0xa064"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("0xA064 a100 (spacemit-a100, K3), archs/0xA064.yaml: 36 of 54 "
                          "values assumed")
    assert "\n  matrix.instructions_per_cycle = 0.4578\n" in out
    assert "60 TOPS int4" in out
    assert "matrix.tiles.i8" not in out             # sourced values are not listed


def test_assumptions_of_the_projected_arch_cover_everything(capsys):
    assert main(["archs", "--assumptions", "0xF000"]) == 0
    out = capsys.readouterr().out
    assert "53 of 53 values assumed" in out
    assert "\n  matrix.tiles.f16 = 32x2x32\n" in out
    assert "\n  legal_micro_tiles.f16 = (32, 2, 32)\n" in out


def test_assumptions_show_a_clock_override(capsys):
    assert main(["archs", "--assumptions", "0xA03C", "--freq-mhz", "1600"]) == 0
    out = capsys.readouterr().out
    assert "\n  freq_mhz = 1600 (overridden)\n" in out and "the file says 2000 MHz" in out


def test_peak_prints_each_number_with_its_formula(capsys):
    assert main(["peak", "--arch", "0xA03C"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("0xA03C a60 (spacemit-a60, K1): 4 of 4 cores at 2000 MHz\n")
    assert ("IME i8: 2 x 4x8x4 MACs x 1 instr/cycle x 2000 MHz x 4 cores = 2.05 TOPS "
            "(0.512 TOPS per core)") in out
    assert ("RVV f32: 16 FLOP/cycle (8 FMA lanes x 2) x 2000 MHz x 4 cores = 128 GFLOPS "
            "(32 GFLOPS per core)") in out
    assert "RVV i8: 64 ops/cycle (32 MAC lanes x 2)" in out
    assert "L1: 32 B/cycle x 2000 MHz = 64 GB/s per core; x 4 cores = 256 GB/s" in out
    assert "L2: 32 B/cycle per cluster x 2000 MHz = 64 GB/s per cluster" in out
    assert "scratchpad: 32 B/cycle x 2000 MHz = 64 GB/s per core" in out
    assert ("DRAM per core: 8 misses x 64 B / (150 ns x 2000 MHz = 300 cycles) = 1.71 B/cycle "
            "= 3.41 GB/s") in out
    assert ("DRAM total: min(4 cores x 3.41 GB/s, 10.66 GB/s peak = 5.33 B/cycle) = "
            "10.66 GB/s") in out


def test_peak_for_one_dtype_some_cores_and_another_clock(capsys):
    assert main(["peak", "--arch", "0xA03C", "--dtype", "f16", "--cores", "1",
                 "--freq-mhz", "1600"]) == 0
    out = capsys.readouterr().out
    assert "1 of 4 cores at 1600 MHz (overridden)" in out
    assert "IME f16: no f16 tile (tiles: i8); mmt4d runs on RVV" in out
    assert "RVV f16: 32 FLOP/cycle (16 FMA lanes x 2) x 1600 MHz x 1 core = 51.2 GFLOPS\n" in out
    assert "RVV f32" not in out and "IME i8" not in out


def test_peak_on_archs_without_a_matrix_engine_or_a_scratchpad(capsys):
    assert main(["peak", "--arch", "0x503C"]) == 0
    out = capsys.readouterr().out
    assert "matrix: none on this arch (mmt4d runs on RVV)" in out
    assert "scratchpad: none" in out
    assert "x 2 clusters = 128 GB/s" in out


def test_peak_of_the_projected_ame(capsys):
    assert main(["peak", "--arch", "0xF000", "--dtype", "f16"]) == 0
    out = capsys.readouterr().out
    assert "[projected: every value assumed]" in out
    assert "AME f16: 2 x 32x2x32 MACs x 0.25 instr/cycle x 2000 MHz x 8 cores = 16.4 TFLOPS" in out


def test_peak_of_a_what_if_copy(tmp_path, capsys):
    data = raw("0xA03C")
    data["name"] = "a60-2x-ime"
    data["matrix"]["instructions_per_cycle"] = {"value": 2, "assumed": "what if"}
    path = write(tmp_path, data)
    assert main(["peak", "--arch", str(path), "--dtype", "i8"]) == 0
    out = capsys.readouterr().out
    assert "0xA03C a60-2x-ime" in out
    assert "IME i8: 2 x 4x8x4 MACs x 2 instr/cycle x 2000 MHz x 4 cores = 4.1 TOPS" in out
    assert main(["archs", "--assumptions", str(path)]) == 0
    assert "\n  matrix.instructions_per_cycle = 2\n      what if\n" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["peak", "--arch", "0xB000"], "unknown arch '0xB000'; known archs: 0x503C"),
    (["archs", "--assumptions", "nope"], "unknown arch 'nope'"),
    (["peak", "--arch", "0xA03C", "--cores", "5"], "cores must be 1 to 4 on 0xA03C"),
    (["peak", "--arch", "0xA03C", "--dtype", "f64"], "--dtype f64: unknown dtype; dtypes: f32"),
    (["peak", "--arch", "0xA03C", "--freq-mhz", "0"], "freq_mhz must be a positive number"),
    (["archs", "--freq-mhz", "-5"], "freq_mhz must be a positive number"),
])
def test_input_errors_exit_2_with_a_message(argv, message, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err


def test_a_broken_file_exits_2_listing_its_problems(tmp_path, capsys):
    data = raw("0xA03C")
    del data["dram"]["latency_ns"]
    path = write(tmp_path, data)
    assert main(["peak", "--arch", str(path)]) == 2
    assert f"{path}: 1 problem: dram.latency_ns: missing" in capsys.readouterr().err
