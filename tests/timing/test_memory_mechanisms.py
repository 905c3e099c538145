"""The memory system's mechanisms, end to end on small kernels (tests/timing/kernels):
posted writes against latency-bound reads, a copy's overlap and its DRAM bytes, the
write buffer and write-backs in the result, and the lines a transposed tile touches.
Each test asserts a mechanism, never a tuned number."""

from pathlib import Path

import pytest
import yaml

import k1sim
from k1sim import Simulator
from k1sim.arch import ARCHS_DIR

KERNELS = Path(__file__).resolve().parent / "kernels"
ARRAY_BYTES = 2048 * 256 * 4          # each stream kernel's array


def run(name, arch="0xA03C", text=None):
    source = k1sim.parse(text) if text is not None else KERNELS / name
    return Simulator(arch).execute(source, timing_only=True)


@pytest.mark.parametrize("arch", ["0xA03C", "0xA064"])
def test_a_fill_is_faster_than_a_read_and_a_copy_beats_read_plus_write(arch):
    read = run("stream_read.xsmt", arch)
    fill = run("stream_fill.xsmt", arch)
    copy = run("stream_copy.xsmt", arch)
    assert fill.cycles < read.cycles                 # posted writes, latency-bound reads
    assert copy.cycles < read.cycles + fill.cycles   # the write stream drains under the reads
    assert read.bytes_by_level["DRAM"] == ARRAY_BYTES


def test_the_write_buffer_and_the_write_backs_are_in_the_result():
    fill = run("stream_fill.xsmt").caches
    assert sum(fill["write_buffer_stall_cycles"]) > 0        # 64 KiB stores, 512 B buffer
    written = fill["written_back"]["DRAM"] + fill["flushed"]["DRAM"]
    assert written == ARRAY_BYTES                            # every dirty line reaches DRAM
    assert fill["written_back"]["L2"] > 0 and fill["flushed"]["DRAM"] > 0


def test_a_copys_dram_bytes_are_the_read_the_write_backs_and_the_rfo_of_its_policy(tmp_path):
    skip = run("stream_copy.xsmt")
    assert skip.caches["rfo_bytes"] == 0                     # full lines skip the RFO
    assert skip.bytes_by_level["DRAM"] == 2 * ARRAY_BYTES
    data = yaml.safe_load((ARCHS_DIR / "0xA03C.yaml").read_text())
    data["write_buffer"]["full_line_writes_skip_rfo"] = {"value": False, "assumed": "a test"}
    path = tmp_path / "rfo.yaml"
    path.write_text(yaml.safe_dump(data))
    rfo = run("stream_copy.xsmt", str(path))
    assert rfo.caches["rfo_bytes"] == ARRAY_BYTES
    assert rfo.bytes_by_level["DRAM"] == 3 * ARRAY_BYTES     # read + RFO + write-back
    assert rfo.cycles > skip.cycles


@pytest.mark.parametrize("arch", ["0xA03C", "0xA064"])
def test_a_transposed_tile_costs_more_by_the_lines_it_touches(arch):
    """Each tile misses the lines it touches (8 along rows, 64 through the transposed
    strides); its load takes longer for them, at most in proportion (a tile's misses
    overlap up to the core's miss slots: 7.6x on 0xA03C, 4.0x on 0xA064)."""
    text = (KERNELS / "tile_strides.xsmt").read_text().replace('"0xA03C"', f'"{arch}"')
    swapped = (text.replace("%srow = arith.constant 4096", "%srow = arith.constant 1")
               .replace("%scol = arith.constant 1 :", "%scol = arith.constant 4096 :"))
    assert swapped != text
    rows, cols = run(None, arch, text), run(None, arch, swapped)
    assert rows.bytes_by_level["DRAM"] == 64 * 8 * 64        # 64 tiles x 8 lines
    assert cols.bytes_by_level["DRAM"] == 64 * 64 * 64       # 64 tiles x 64 lines
    assert (rows.caches["misses"]["L1"], cols.caches["misses"]["L1"]) == (64 * 8, 64 * 64)
    (load_rows,), (load_cols,) = ([x["cycles"] for x in r.op_stats if x["op"] == "tt.load"]
                                  for r in (rows, cols))
    # within 2%: a tile's miss slots fill at a slightly different pace at 8 and 64 lines
    assert load_rows < load_cols <= 8 * load_rows * 1.02
    assert cols.cycles > rows.cycles
