"""k1sim.sweep: one row per point over a product of axes, failures as rows, the cache."""

from pathlib import Path

import pandas as pd
import pytest

import k1sim
from k1sim.errors import K1SimError
from k1sim.sweep.cache import RowCache
from k1sim.sweep.run import expand

ROOT = Path(__file__).resolve().parents[2]
MM = "k1sim.library:mm"
SMALL = {"m": 64, "n": 64, "k": 64}


def test_expand_is_the_product_in_axis_order_last_fastest():
    points = expand({"a": [1, 2], "b": ["x", "y"], "c": 7})
    assert points == [{"a": 1, "b": "x", "c": 7}, {"a": 1, "b": "y", "c": 7},
                      {"a": 2, "b": "x", "c": 7}, {"a": 2, "b": "y", "c": 7}]
    with pytest.raises(K1SimError, match="axis 'a' has no values"):
        expand({"a": []})


def test_one_row_per_point_with_parameters_and_measures():
    frame = k1sim.sweep(MM, {"arch": ["0xA03C", "0xA064"], "bm": [32, 64]}, **SMALL,
                        timing_only=True, cache=None, workers=1)
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == 4
    assert list(frame[["arch", "bm"]].itertuples(index=False, name=None)) == [
        ("0xA03C", 32), ("0xA03C", 64), ("0xA064", 32), ("0xA064", 64)]
    for col in ("kernel", "m", "timing_only", "cycles", "seconds", "gops", "pct_of_peak",
                "bound", "bytes_L2", "bytes_DRAM", "status", "error"):
        assert col in frame.columns
    assert (frame["status"] == "ok").all() and (frame["error"] == "").all()
    # Each row is the run it names: the same point run directly gives the same cycles.
    direct = k1sim.Simulator("0xA064").execute(
        k1sim.library.mm(64, 64, 64, arch="0xA064", threads=8, bm=64), timing_only=True)
    assert frame.iloc[3]["cycles"] == direct.cycles
    assert frame.iloc[3]["main"] == "ime:f16" and frame.iloc[0]["main"] == "rvv:f16"
    assert frame.iloc[3]["bytes_DRAM"] > 0


def test_failing_points_are_rows_with_their_reason_and_the_sweep_goes_on():
    # SPLIT_N stages B (BK x BN f16) in local memory: 2048 x 64 x 2 B = 256 KiB overflows
    # 0xA03C's 128 KiB L2 share per thread; a path FlagGems does not have is illegal.
    frame = k1sim.sweep(MM, {"path": ["SPLIT_N", "NO_SUCH"], "k": [64, 2048]}, m=64, n=64,
                        bn=64,
                        arch="0xA03C", timing_only=True, cache=None, workers=1)
    by = {(r.path, r.k): r for r in frame.itertuples()}
    assert by[("SPLIT_N", 64)].status == "ok"
    assert by[("SPLIT_N", 2048)].status == "capacity"
    assert "capacity fault" in by[("SPLIT_N", 2048)].error
    assert pd.isna(by[("SPLIT_N", 2048)].cycles)
    assert by[("NO_SUCH", 64)].status == "illegal"
    assert "give one of EVEN_K, SPLIT_M, SPLIT_N, SPLIT_K" in by[("NO_SUCH", 64)].error
    assert frame.attrs["failed"] == 3


def test_an_xsmt_kernel_takes_its_scalar_arguments_from_the_axes():
    kernel = ROOT / "kernels" / "mm_even_k.xsmt"
    frame = k1sim.sweep(str(kernel), {"M": [64, 48]}, cache=None, workers=1)
    assert list(frame["M"]) == [64, 48]
    assert frame.iloc[0]["expects"] == "pass"
    # M = 48 runs the same 64-row blocks, masked: fewer bytes from DRAM.
    assert frame.iloc[1]["bytes_DRAM"] < frame.iloc[0]["bytes_DRAM"]
    with pytest.raises(K1SimError, match="no such kernel file"):
        k1sim.sweep("nope.xsmt", {}, cache=None)


def test_the_cache_serves_repeated_points_and_runs_only_new_ones(tmp_path):
    first = k1sim.sweep(MM, {"bm": [32, 64]}, **SMALL, arch="0xA064", timing_only=True,
                        cache=tmp_path, workers=1)
    assert (first.attrs["ran"], first.attrs["cached"]) == (2, 0)
    again = k1sim.sweep(MM, {"bm": [32, 64, 128]}, **SMALL, arch="0xA064", timing_only=True,
                        cache=tmp_path, workers=1)
    assert (again.attrs["ran"], again.attrs["cached"]) == (1, 2)
    pd.testing.assert_frame_equal(again.iloc[:2].reset_index(drop=True), first)


def test_the_cache_key_changes_with_the_arch_file(tmp_path):
    from k1sim.sweep.cache import point_key
    import shutil

    yaml = tmp_path / "what_if.yaml"
    shutil.copy(ROOT / "archs" / "0xA064.yaml", yaml)
    before = point_key("k", {"arch": str(yaml), "bm": 32})
    assert point_key("k", {"arch": str(yaml), "bm": 32}) == before
    assert point_key("k", {"arch": str(yaml), "bm": 64}) != before
    from k1sim.sweep import cache
    cache._arch_digest.cache_clear()
    yaml.write_text(yaml.read_text().replace("value: 2000,", "value: 1600,", 1))
    assert point_key("k", {"arch": str(yaml), "bm": 32}) != before


def test_an_unwritable_cache_is_reported_not_fatal(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = RowCache(blocker / "sub")
    store.put("ab" * 32, {"x": 1})
    assert "cannot write" in store.problem
