"""Layers run the tuner's config for their GEMM shape and arch: tuned on first use through
the sweep (its executors and row cache), read back from that cache on the next run."""

import pytest

import k1sim
from k1sim.arch import load_arch
from k1sim.cli import main
from k1sim.model import model
from k1sim.model.kernels import micro_tile
from k1sim.model.tuning import GEMM_SOURCE, gemm_space


def gemm_rows(result):
    return [row for row in result.rows if row["kernel"] == "gemm"]


def test_layers_run_the_fastest_config_of_the_space_and_the_next_run_is_warm(cnn, tmp_path):
    first = model(cnn, "0xA064", 8, "f16", cache_dir=tmp_path, workers=1)
    assert first.tuning["shapes"] == 2 and first.tuning["simulated"] == first.tuning["points"]
    arch = load_arch("0xA064")
    for row in gemm_rows(first):
        params = dict(row["call"].params)
        assert row["config"].endswith("(tuned)")
        m, n, k = params["m"], params["n"], params["k"]
        space = gemm_space(m, n, k, micro_tile(arch, "f16"))
        # The same points through k1sim.sweep: every row is already in the sweep cache.
        df = k1sim.sweep(GEMM_SOURCE, {"bm": sorted({c["bm"] for c in space}),
                                       "bn": sorted({c["bn"] for c in space})},
                         arch="0xA064", m=m, n=n, k=k, dtype="f16",
                         micro=list(micro_tile(arch, "f16")), bk=space[0]["bk"], threads=8,
                         timing_only=True, cache=tmp_path / "sweep", workers=1)
        assert df.attrs["ran"] == 0 and df.attrs["cached"] == len(space)
        fastest = df.sort_values(["cycles", "bm", "bn"]).iloc[0]
        assert (params["bm"], params["bn"], params["bk"]) == \
            (fastest["bm"], fastest["bn"], fastest["bk"])
    again = model(cnn, "0xA064", 8, "f16", cache_dir=tmp_path, workers=1)
    assert again.tuning["simulated"] == 0 and again.simulations == 0
    assert again.total_cycles == first.total_cycles


def test_no_tune_runs_the_default_blocks_and_says_so(cnn, tmp_path, capsys):
    assert main(["model", cnn, "--arch", "0xA064", "--no-tune", "--cache-dir",
                 str(tmp_path), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "tuning      none" in out and "(default)" in out and "(tuned)" not in out
    assert not (tmp_path / "sweep").exists()


def test_given_configs_win_over_tuning(cnn, tmp_path):
    r = model(cnn, "0xA064", 8, "f16", cache_dir=tmp_path, workers=1,
              configs={(144, 16, 144, "f16"): {"bm": 48, "bn": 32, "bk": 144}})
    conv = next(row for row in gemm_rows(r) if row["kind"] == "conv")
    assert conv["config"] == "gemm[f16] bm=48 bn=32 bk=144 micro=16x8x32 (given)"
    assert r.tuning["shapes"] == 1          # only the classifier's Gemm was tuned


@pytest.mark.parametrize("shape", [(1, 1000, 2048), (144, 16, 144), (3136, 64, 576)])
def test_the_space_has_distinct_fitted_blocks_and_flaggems_k_step(shape):
    m, n, k = shape
    micro = (16, 8, 32)
    space = gemm_space(m, n, k, micro)
    keys = [(c["bm"], c["bn"]) for c in space]
    assert len(keys) == len(set(keys)) and 1 <= len(keys) <= 16
    assert all(c["bm"] % 16 == 0 and c["bn"] % 32 == 0 for c in space)
    assert all(c["bm"] <= 16 * -(-m // 16) and c["bn"] <= 32 * -(-n // 32) for c in space)
    assert {c["bk"] for c in space} == {min(512, 1 << (k - 1).bit_length(), 8 * -(-k // 8))}


def test_layers_that_need_no_gemm_config_are_submitted_before_the_tuning(cnn, tmp_path,
                                                                         monkeypatch):
    """One executor serves the model: the im2col, pool, sum and softmax kernels go to it
    before the GEMM configs, so they share the cores with the tuning; they still count
    as this run's simulations, once each."""
    import k1sim.model.run as run
    from k1sim.sweep.executors import SerialExecutor
    submitted = []

    class Recording(SerialExecutor):
        def map_unordered(self, fn, items):
            items = list(items)
            submitted.append((fn.__name__, len(items)))
            return super().map_unordered(fn, items)

    plain = model(cnn, "0xA064", 8, "f16", cache_dir=False, workers=1)
    monkeypatch.setattr(run, "make_executor", lambda *a: Recording())
    r = model(cnn, "0xA064", 8, "f16", cache_dir=False)
    others = {row["config"] for row in r.rows if row["kernel"] not in ("gemm", "view")}
    assert submitted[0] == ("simulate_call", len(others))
    assert submitted[1] == ("run_point", r.tuning["points"])
    assert submitted[2:] == [("simulate_call", len({x["config"] for x in gemm_rows(r)}))]
    assert r.simulations == r.distinct_kernels and r.tuning["simulated"] == r.tuning["points"]
    assert [x["cycles"] for x in r.rows] == [x["cycles"] for x in plain.rows]
