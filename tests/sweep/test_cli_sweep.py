"""``k1sim sweep``: the table on stdout, CSV and Parquet files, heatmaps and lines."""

import pandas as pd

from k1sim.cli import main

ARGS = ["sweep", "k1sim.library:mm", "--arch", "0xA03C,0xA064", "--axis", "m=64",
        "--axis", "n=64", "--axis", "k=64", "--axis", "bm=32,64", "--axis", "bn=32,64",
        "--workers", "1"]


def test_sweep_writes_the_table_and_one_heatmap_per_arch(tmp_path, capsys):
    csv, parquet = tmp_path / "t.csv", tmp_path / "t.parquet"
    rc = main(ARGS + ["--cache", str(tmp_path / "cache"), "--csv", str(csv), "--parquet",
                      str(parquet), "--heatmap", "bm,bn", "--lines", "bm",
                      "--plots", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "8 points: 8 ran, 0 from the cache, 0 failed" in out
    from_csv, from_parquet = pd.read_csv(csv), pd.read_parquet(parquet)
    assert len(from_csv) == 8 and list(from_csv.columns) == list(from_parquet.columns)
    assert list(from_csv["cycles"]) == list(from_parquet["cycles"])
    for arch in ("0xA03C", "0xA064"):
        for suffix in (".png", ".svg"):
            assert (tmp_path / f"sweep_heatmap_bm_bn_{arch}{suffix}").stat().st_size > 1000
    assert (tmp_path / "sweep_lines_bm.svg").exists()
    # The same sweep again comes from the cache.
    assert main(ARGS + ["--cache", str(tmp_path / "cache")]) == 0
    assert "8 points: 0 ran, 8 from the cache" in capsys.readouterr().out


def test_bad_sweep_input_is_exit_2_with_a_message(tmp_path, capsys):
    assert main(ARGS + ["--no-cache", "--mode", "fast"]) == 2
    assert "--mode fast: give timing, full or both" in capsys.readouterr().err
    assert main(ARGS + ["--no-cache", "--heatmap", "bm"]) == 2
    assert "--heatmap X,Y: give two axis names" in capsys.readouterr().err
    assert main(ARGS + ["--no-cache", "--csv", str(tmp_path / "no" / "t.csv")]) == 2
    assert "no such directory" in capsys.readouterr().err
    assert main(["sweep", "k1sim.library:nothing", "--no-cache"]) == 2
    assert "has no function nothing" in capsys.readouterr().err
