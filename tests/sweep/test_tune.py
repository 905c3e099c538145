"""k1sim tune: FlagGems' mm space, pruning with reasons, the winner, tune_configs.yaml."""

import yaml

from k1sim.arch import load_arch
from k1sim.arch_micro import legal_micro
from k1sim.cli import main
from k1sim.cli.tune import OPS_HELP
from k1sim.sweep.tune import tune, write_outputs
from k1sim.sweep.tune.export import check_tune_file
from k1sim.sweep.tune.mm import space as mm_space
from k1sim.sweep.tune.ops import OPS

MM_KEYS = OPS["mm"].meta_keys


def test_the_space_holds_only_legal_configs_and_prunes_the_rest_with_reasons():
    arch = load_arch("0xA064")
    configs, pruned = mm_space((1024, 1024, 1024), arch, "f16")
    assert len(configs) >= 50
    assert {(c["MICRO_M"], c["MICRO_K"], c["MICRO_N"]) for c in configs} == {(16, 8, 32)}
    assert {p for p in ("EVEN_K", "SPLIT_M", "SPLIT_N", "SPLIT_K")
            if any(c[p] for c in configs)} == {"EVEN_K", "SPLIT_M", "SPLIT_N", "SPLIT_K"}
    assert all(c["BLOCK_SIZE_N"] % 32 == 0 and c["BLOCK_SIZE_K"] == 1024
               and c["SUB_BLK_K"] == 512 for c in configs)
    reasons = {r for _, _, r in pruned}
    assert "SUB_BLK_M does not divide BLOCK_SIZE_M" in reasons      # 64 in a 32 block
    # SPLIT_N stages 1024 x 256 f16 = 512 KiB of B: over 0xA064's scratchpad per thread.
    assert "SPLIT_N's B stage over the scratchpad capacity per thread (384 KiB)" in reasons
    assert not [c for c in configs if c["SPLIT_N"] and c["BLOCK_SIZE_N"] == 256]


def test_tune_finds_the_fastest_config_and_exports_flaggems_yaml(tmp_path):
    tuned = tune("mm", ["64x64x64", "128x64x128"], ["0xA064"], cache=None, workers=1)
    assert len(tuned.best) == 2
    for b in tuned.best:
        m, n, k = b["shape"]
        rows = tuned.frame[(tuned.frame["M"] == m) & (tuned.frame["K"] == k)]
        ok = rows[rows["status"] == "ok"]
        assert b["best"]["cycles"] == ok["cycles"].min()
        assert b["runner_up"]["cycles"] >= b["best"]["cycles"]
        assert b["margin_pct"] >= 0
    written = write_outputs(tuned, tmp_path)
    text = (tmp_path / "0xA064" / "tune_configs.yaml").read_text()
    data = yaml.safe_load(text)
    assert list(data) == ["mm_spacemit"] and len(data["mm_spacemit"]) == 2
    for entry in data["mm_spacemit"]:
        assert list(entry) == ["META"]
        assert tuple(entry["META"]) == MM_KEYS
        meta = entry["META"]
        assert (meta["MICRO_M"], meta["MICRO_K"], meta["MICRO_N"]) in legal_micro(
            load_arch("0xA064"), "f16")
        assert sum(meta[p] for p in ("EVEN_K", "SPLIT_M", "SPLIT_N", "SPLIT_K")) == 1
    assert check_tune_file(text, "0xA064", "f16") == []
    assert (tmp_path / "0xA064" / "heatmap_64x64x64.png") in written
    assert "| 64x64x64 |" in (tmp_path / "summary.md").read_text()


def test_check_tune_file_flags_wrong_keys_and_illegal_micro_tiles():
    good = {"BLOCK_SIZE_M": 32, "BLOCK_SIZE_N": 32, "EVEN_K": 1, "SPLIT_M": 0, "SPLIT_N": 0,
            "SPLIT_K": 0, "SUB_BLK_M": 32, "SUB_BLK_N": 32, "MICRO_M": 16, "MICRO_K": 8,
            "MICRO_N": 32}
    extra = {**good, "BLOCK_SIZE_K": 64}
    text = yaml.safe_dump({"mm_spacemit": [{"META": good}, {"META": extra}]}, sort_keys=False)
    problems = check_tune_file(text, "0xA03C", "f16")
    assert problems[0] == "mm_spacemit[0]: micro tile (16, 8, 32) is not legal on 0xA03C"
    assert problems[1].startswith("mm_spacemit[1]: keys")


def test_tune_cli_writes_the_files_and_rejects_bad_input(tmp_path, capsys):
    assert main(["tune", "mm", "--shape", "64x64x64", "--arch", "0xA03C", "--out",
                 str(tmp_path), "--workers", "1", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "## 0xA03C" in out and "tune_configs.yaml" in out
    assert check_tune_file((tmp_path / "0xA03C" / "tune_configs.yaml").read_text(),
                           "0xA03C", "f16") == []
    assert main(["tune", "mm", "--shape", "64x64", "--arch", "0xA03C", "--out",
                 str(tmp_path)]) == 2
    assert ("shape '64x64' has 2 dimension(s), mm takes 3: give MxNxK"
            in capsys.readouterr().err)
    assert main(["tune", "conv", "--shape", "8x8x8", "--arch", "0xA03C", "--out",
                 str(tmp_path)]) == 2
    assert "k1sim tunes mm" in capsys.readouterr().err


def test_the_cli_help_names_every_op_and_its_shape():
    for op in OPS.values():
        assert f"{op.name} (shape {op.shape_syntax})" in OPS_HELP
