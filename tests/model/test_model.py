"""Whole-model runs on reduced models: reuse, scaling, what-if archs, bounds, and every
per-layer number equal to ``k1sim run`` of that layer's kernel."""

import dataclasses
import json

import pytest
import yaml

from k1sim.cli import main
from k1sim.errors import K1SimError
from k1sim.model import ModelComparison, model
from k1sim.model.decoder import PRESETS


def test_identical_layers_are_simulated_once_and_reused(cnn, tmp_path):
    r = model(cnn, "0xA03C", 4, "int8", cache_dir=tmp_path, workers=1)
    convs = [row for row in r.rows if row["kind"] == "conv"]
    assert len(convs) == 2 and convs[0]["cycles"] == convs[1]["cycles"] > 0
    calls = {row["config"] for row in r.rows if row["kernel"] not in ("view", "fallback")}
    assert r.distinct_kernels == len(calls) < len(r.rows) - 1
    assert r.simulations == r.distinct_kernels
    again = model(cnn, "0xA03C", 4, "int8", cache_dir=tmp_path, workers=1)
    assert again.simulations == 0
    assert again.total_seconds == r.total_seconds
    assert not r.unmapped and r.total_seconds == pytest.approx(sum(x["seconds"] for x in r.rows))


def test_a_warm_run_builds_no_kernel(cnn, tmp_path, monkeypatch):
    """The cache key names the kernel call, so a warm run finds every row without building
    (or printing) a program."""
    from k1sim.model.layers import KernelCall
    cold = model(cnn, "0xA03C", 4, "int8", cache_dir=tmp_path, workers=1)
    built = []
    monkeypatch.setattr(KernelCall, "build", lambda self, *a: built.append(self))
    warm = model(cnn, "0xA03C", 4, "int8", cache_dir=tmp_path, workers=1)
    assert built == [] and warm.simulations == 0
    assert [x["cycles"] for x in warm.rows] == [x["cycles"] for x in cold.rows]


def test_latency_never_grows_with_threads(cnn, tmp_path):
    comp = model(cnn, "0xA064", "1,2,4,8", "f16", cache_dir=tmp_path, workers=1)
    assert isinstance(comp, ModelComparison)
    totals = [r.total_seconds for r in comp.results]
    assert [r.threads for r in comp.results] == [1, 2, 4, 8]
    assert all(b <= a for a, b in zip(totals, totals[1:]))
    assert totals[-1] < totals[0]
    assert list(comp.table["threads"]) == [1, 2, 4, 8]


@pytest.mark.parametrize("section,field,factor", [("dram", "bw_gb_per_s", 4.0),
                                                  ("matrix", "instructions_per_cycle", 2.0)])
def test_latency_never_grows_with_more_bandwidth_or_peak(cnn, tmp_path, section, field, factor):
    from k1sim.arch import arch_path
    data = yaml.safe_load(arch_path("0xA03C")[0].read_text())
    data[section][field]["value"] *= factor
    data[section][field] = {"value": data[section][field]["value"], "assumed": "what-if"}
    faster = tmp_path / "fast.yaml"
    faster.write_text(yaml.safe_dump(data))
    base = model(cnn, "0xA03C", 4, "int8", cache_dir=tmp_path, workers=1)
    what_if = model(cnn, str(faster), 4, "int8", cache_dir=tmp_path, workers=1)
    assert what_if.total_seconds <= base.total_seconds
    memory_rows = [i for i, row in enumerate(base.rows) if row["bound"] == "DRAM"]
    # A pipelined core can shift an op's issue by a fraction of a cycle when another op
    # finishes sooner (docs/timing.md, known limits): a layer may end one cycle later.
    assert memory_rows and all(what_if.rows[i]["cycles"] <= base.rows[i]["cycles"] + 1
                               for i in range(len(base.rows)))


def test_every_layer_number_equals_k1sim_run(cnn, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    assert main(["model", cnn, "--arch", "0xA03C", "--threads", "4", "--dtype", "int8",
                 "--cache-dir", str(tmp_path), "--json", str(out / "m.json"),
                 "--dump-kernels", str(out)]) == 0
    result = json.loads((out / "m.json").read_text())
    assert {"total_seconds", "arch", "threads", "dtype", "layers"} <= set(result)
    assert isinstance(result["total_seconds"], float) and result["dtype"] == "int8"
    by_name = {row["name"]: row for row in result["layers"]}
    files = sorted(out.glob("*.xsmt"))
    assert files
    for f in files:
        layer = f.stem.split("_", 2)[2].replace("_im2col", "/im2col")
        assert main(["run", str(f), "--timing-only", "--json", str(f.with_suffix(".json")),
                     "--quiet"]) == 0
        run = json.loads(f.with_suffix(".json").read_text())
        assert run["cycles"] == by_name[layer]["cycles"], layer
        assert run["seconds"] == pytest.approx(by_name[layer]["seconds"], rel=1e-12)
    for row in result["layers"]:
        assert {"name", "op", "kernel", "cycles", "seconds", "mapped"} <= set(row)


def test_decoder_prefill_of_512_tokens_is_compute_bound_on_k3_and_decode_memory_bound(
        tmp_path, monkeypatch):
    """On 0xA064 (IME2 f16 over 8 cores against 51.2 GB/s: a ridge near 146 FLOP per DRAM
    byte) a GEMM of M tokens whose blocks stream each weight once does about M FLOP per
    weight byte: 512 tokens, tuned, sit above the ridge; decode's M = 1 GEMMs stream their
    weights for 2 FLOP each. The tuner's space is cut to its two largest blocks here, to
    keep the test fast; the bound breakdown says which way each run went."""
    import k1sim.model.sources as sources
    import k1sim.model.tuning as tuning
    for name, spec in PRESETS.items():       # one of the 28 layers: the same kernels
        monkeypatch.setitem(sources.PRESETS, name, dataclasses.replace(spec, layers=1))
    monkeypatch.setattr(tuning, "BLOCKS", (128, 256))
    prefill = model("qwen3-0.6b-prefill:512", "0xA064", 8, "f16", cache_dir=tmp_path)
    decode = model("qwen3-0.6b-decode", "0xA064", 8, "f16", cache_dir=tmp_path)
    gemms = [row for row in prefill.rows if row["kind"] == "gemm"]
    assert len(gemms) == 7 and all(row["config"].endswith("(tuned)") for row in gemms)
    assert all(row["bound"] == "compute" for row in gemms)
    assert all(2 * row["macs"] / row["dram_bytes"] > 146 for row in gemms)
    assert prefill.dominant("bound") == "compute"
    assert decode.dominant("bound") in ("DRAM", "L2")
    assert decode.breakdown("bound").loc[decode.dominant("bound"), "share"] > 0.5
    assert all(row["bound"] == "DRAM" for row in decode.rows if row["kind"] == "gemm")
    for result, bound in ((prefill, "compute"), (decode, decode.dominant("bound"))):
        lines = result.summary().split("\n")     # the printed bound breakdown, longest first
        assert lines[lines.index("by bound") + 2].split()[0] == bound


def test_int8_on_an_arch_without_int8_matrix_unit_says_so(cnn, tmp_path):
    r = model(cnn, "0x503C", 2, "int8", cache_dir=tmp_path, workers=1)
    assert any("no int8 matrix" in w for w in r.warnings)


def test_trace_has_one_slice_per_layer_on_each_thread_that_ran_it(cnn, tmp_path):
    r = model(cnn, "0xA064", 4, "f16", cache_dir=tmp_path, workers=1)
    slices = [e for e in r.chrome_trace()["traceEvents"] if e["ph"] == "X"]
    ran = [row for row in r.rows if row["threads_used"]]
    assert len(slices) == sum(len(row["threads_used"]) for row in ran)
    starts = sorted({e["ts"] for e in slices})
    assert len(starts) == len(ran)            # layers back to back, one start each
    last = max(slices, key=lambda e: e["ts"] + e["dur"])
    assert last["ts"] + last["dur"] == pytest.approx(r.total_seconds * 1e6)


def test_several_archs_leave_out_thread_counts_above_an_archs_cores(cnn, tmp_path, capsys):
    assert main(["model", cnn, "--arch", "0xA03C,0xA064", "--threads", "1,8", "--no-layers",
                 "--cache-dir", str(tmp_path), "--workers", "1", "--json",
                 str(tmp_path / "m.json")]) == 0
    out = capsys.readouterr().out
    assert "note: 0xA03C has 4 cores: threads 8 left out on it" in out
    runs = json.loads((tmp_path / "m.json").read_text())
    assert [(r["arch"], r["threads"]) for r in runs["runs"]] == [
        ("0xA03C", 1), ("0xA064", 1), ("0xA064", 8)]
    assert runs["notes"] == ["0xA03C has 4 cores: threads 8 left out on it"]
    with pytest.raises(K1SimError, match="0xA03C has 4 cores"):
        model(cnn, "0xA03C", "1,8", "f16", cache_dir=tmp_path, workers=1)
    with pytest.raises(K1SimError, match="give at least one count from 1 to 4"):
        model(cnn, "0xA03C,0xA064", "8", "f16", cache_dir=tmp_path, workers=1)


def test_a_bad_arch_or_thread_count_late_in_the_list_fails_before_anything_runs(cnn, tmp_path):
    for arch, threads, message in (("0xA03C,0xBEEF", "1", "0xBEEF"),
                                   ("0xA064,0xA03C", "0", "threads = 0")):
        with pytest.raises(K1SimError, match=message):
            model(cnn, arch, threads, "int8", cache_dir=tmp_path, workers=1)
    assert not list(tmp_path.iterdir())      # nothing simulated, tuned or cached
