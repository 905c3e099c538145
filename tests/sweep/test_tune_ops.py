"""k1sim tune bmm / addmm / attention: FlagGems' spaces and keys, pruning by kind with
reasons (registers included), the builders' values, and the exported tune_configs.yaml."""

import pytest
import yaml

from k1sim.arch import load_arch
from k1sim.arch_micro import legal_micro
from k1sim.cli import main
from k1sim.cost.blocking import block_bytes
from k1sim.errors import K1SimError
from k1sim.library import addmm_meta, attention_meta, bmm_meta
from k1sim.simulator import Simulator
from k1sim.sweep.tune import tune, write_outputs
from k1sim.sweep.tune.export import check_tune_file
from k1sim.sweep.tune.ops import OPS
from k1sim.sweep.tune.prune import KINDS, registers

SHAPES = {"mm": (256, 256, 256), "bmm": (4, 256, 256, 256), "addmm": (256, 256, 256),
          "attention": (1, 4, 256, 64)}


@pytest.mark.parametrize("arch_id", ["0xA03C", "0xA064"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_keeps_only_legal_configs_and_gives_each_pruned_one_a_kind(name, arch_id):
    op, arch = OPS[name], load_arch(arch_id)
    configs, pruned = op.space(SHAPES[name], arch, "f16")
    assert configs, f"{name} on {arch_id} keeps nothing"
    legal = legal_micro(arch, "f16")
    for config in configs:
        assert set(op.meta_keys) <= set(config)
        assert (config["MICRO_M"], config["MICRO_K"], config["MICRO_N"]) in legal
    assert all(p.kind in KINDS and p.reason for p in pruned)
    # Every shipped arch's triple is offered; the ones this arch does not accept are
    # pruned as illegal, naming its LEGAL_CONFIGS.
    illegal = [p for p in pruned if p.kind == "illegal micro tile"]
    assert illegal and all((p.config["MICRO_M"], p.config["MICRO_K"], p.config["MICRO_N"])
                           not in legal and "LEGAL_CONFIGS" in p.reason for p in illegal)


def test_the_spaces_are_flaggems_blocks():
    arch = load_arch("0xA064")
    attention, _ = OPS["attention"].space((1, 8, 1024, 64), arch, "f16")
    assert {(c["BLOCK_M"], c["BLOCK_N"]) for c in attention} == {
        (m, n) for m in (32, 64, 128) for n in (32, 64, 128)}
    bmm, pruned = OPS["bmm"].space((2, 1024, 1024, 2048), arch, "f16")
    assert {(c["TILE_M"], c["EVEN_K"]) for c in bmm} == {
        (m, e) for m in (32, 64, 128, 256) for e in (0, 1)}
    # K = 512 fits one SUB_BLK_K window, so the K loop is EVEN_K's work plus a zeroed
    # accumulator: it is pruned as redundant, with its reason.
    addmm, pruned = OPS["addmm"].space((1024, 1024, 512), arch, "f16")
    assert {c["EVEN_K"] for c in addmm} == {1}
    assert {p.reason for p in pruned if p.config["EVEN_K"] == 0
            and p.kind == "redundant"} == {
        "EVEN_K = 0 with K <= SUB_BLK_K: one K window, EVEN_K's work plus a zeroed "
        "accumulator"}


@pytest.mark.parametrize("name", sorted(OPS))
def test_a_micro_tile_over_register_capacity_is_pruned_with_its_reason(name):
    # 0x5064 lists no LEGAL_CONFIGS, so every shipped arch's triple is offered; its f16
    # mmt4d runs on RVV (no f16 IME tile) with 32 x 256-bit registers = 1024 B, one
    # accumulator row per MICRO_M row. (32, 2, 32) needs 32 rows of 16 f16 lanes (1024 B)
    # beside a B vector and 32 broadcast A elements: over capacity for every op. (16, 8,
    # 32) fits with f16 accumulators (mm, bmm, addmm) but not with attention's f32 ones.
    arch = load_arch("0x5064")
    acc = "f32" if name == "attention" else "f16"
    configs, pruned = OPS[name].space(SHAPES[name], arch, "f16")
    over = {(p.config["MICRO_M"], p.config["MICRO_K"], p.config["MICRO_N"]): p.reason
            for p in pruned if p.kind == "register capacity"}
    kept = {(c["MICRO_M"], c["MICRO_K"], c["MICRO_N"]) for c in configs}
    assert (32, 2, 32) in over and (32, 2, 32) not in kept
    assert (8, 16, 16) in kept and (8, 16, 16) not in over
    assert ((16, 8, 32) in over) == (acc == "f32")
    need = int(block_bytes(32, 1, 2, 32, 16 * 2 if acc == "f16" else 16 * 4))
    assert over[(32, 2, 32)] == (
        f"micro tile (32, 2, 32): 32 rows x 16 {acc} accumulators (a VLEN-wide panel) + "
        f"one K step's operands = {need} B > 1024 B of vector registers (RVV)")


def test_register_capacity_follows_the_engine():
    # 0xA064's f16 IME tile is 8x8x8 with operands and f32 accumulators in 32 x 1024-bit
    # registers (4096 B): its legal (16, 8, 32) takes 2 x 4 accumulator tiles (2048 B at
    # f32) + 2 A and 4 B tiles (768 B). An AME keeps them in its own tile registers.
    a064 = load_arch("0xA064")
    assert registers(a064, "f16", "f32", (16, 8, 32)) is None
    assert registers(a064, "f16", "f32", (64, 8, 64)) == (
        "register capacity", "micro tile (64, 8, 64): 64x64 f32 accumulators + one K "
        "step's operands = 18432 B > 4096 B of vector registers (IME)")
    f000 = load_arch("0xF000")
    assert registers(f000, "f16", "f32", (32, 2, 32)) is None       # exactly 4352 B
    assert registers(f000, "f16", "f32", (64, 2, 32))[1].endswith("> 4352 B of AME tile "
                                                                  "registers")


@pytest.mark.parametrize("arch_id", ["0xA03C", "0xA064"])
def test_the_builders_compute_what_flaggems_computes(arch_id):
    arch = load_arch(arch_id)
    m = dict(zip(("MICRO_M", "MICRO_K", "MICRO_N"), legal_micro(arch, "f16")[0]),
             arch=arch_id, threads=arch.cores)
    sim = Simulator(arch_id)
    runs = [bmm_meta(2, 40, 48, 72, TILE_M=32, TILE_N=32, EVEN_K=0, **m),
            bmm_meta(2, 40, 48, 72, TILE_M=64, TILE_N=32, EVEN_K=1, **m),
            addmm_meta(40, 48, 72, BLOCK_SIZE_M=32, BLOCK_SIZE_N=32, EVEN_K=1, **m),
            attention_meta(1, 2, 40, 32, BLOCK_M=32, BLOCK_N=32, **m)]
    for program in runs:
        result = sim.execute(program, seed=3)
        assert result.passed, result.expects


def test_tune_exports_each_op_in_flaggems_shape_and_checks_back(tmp_path):
    for name, shape in (("bmm", "2x64x64x64"), ("addmm", "64x64x64"),
                        ("attention", "1x2x64x64")):
        out = tmp_path / name
        tuned = tune(name, [shape], ["0xA064"], cache=None, workers=1)
        write_outputs(tuned, out)
        text = (out / "0xA064" / "tune_configs.yaml").read_text()
        data = yaml.safe_load(text)
        op = OPS[name]
        assert list(data) == [op.key] and len(data[op.key]) == 1
        assert tuple(data[op.key][0]["META"]) == op.meta_keys
        assert check_tune_file(text, "0xA064", "f16") == []
        assert check_tune_file(text, "0xA03C", "f16") != []        # 0xA03C's triple differs
        best = tuned.best[0]
        assert best["best"]["cycles"] == tuned.frame[tuned.frame["status"] == "ok"][
            "cycles"].min()
        summary = (out / "summary.md").read_text()
        assert f"| {shape} |" in summary and "Pruned before running" in summary


def test_check_tune_file_wants_exactly_the_kernel_keys():
    meta = {"BLOCK_M": 32, "BLOCK_N": 32, "PRE_LOAD_V": True, "MICRO_M": 16, "MICRO_K": 8,
            "MICRO_N": 32}
    text = yaml.safe_dump({"attention": [{"META": meta}]}, sort_keys=False)
    assert check_tune_file(text, "0xA064", "f16")[0].startswith("attention[0]: keys")
    del meta["PRE_LOAD_V"]
    text = yaml.safe_dump({"attention": [{"META": meta}]}, sort_keys=False)
    assert check_tune_file(text, "0xA064", "f16") == []


@pytest.mark.parametrize("op, shape, message", [
    ("bmm", "64x64x64", "tune bmm: shape '64x64x64' has 3 dimension(s), bmm takes 4: give "
     "BxMxNxK (B batches of an M x K by K x N product), such as 8x512x512x512"),
    ("attention", "1x2x0x64", "tune attention: shape '1x2x0x64': S = 0, every dimension "
     "must be at least 1; give ZxHxSxD"),
    ("addmm", "64xabcx64", "tune addmm: shape '64xabcx64': N = 'abc' is not a whole number; "
     "give MxNxK"),
])
def test_bad_shapes_say_what_was_wrong_and_what_the_op_takes(op, shape, message, tmp_path,
                                                             capsys):
    assert main(["tune", op, "--shape", shape, "--arch", "0xA064", "--out",
                 str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    with pytest.raises(K1SimError, match="every dimension|dimension|whole number"):
        tune(op, [shape], ["0xA064"], cache=None)


def test_a_space_with_nothing_left_says_why():
    # Head dim 8 is a BLOCK_SIZE_K of 8: 0xA064's legal (MICRO_M, MICRO_N) = (16, 32)
    # accumulator tiles cannot cut it, whatever the blocks, and the other archs' triples
    # are illegal there: the error lists every reason instead of running nothing.
    with pytest.raises(K1SimError, match="^tune attention: every config was pruned before "
                       "running: ") as error:
        tune("attention", ["1x2x64x8"], ["0xA064"], cache=None)
    assert "9 x tiling: BLOCK_SIZE_K (next_pow2(D)) not a multiple of MICRO_N" in str(error.value)
    assert ("9 x illegal micro tile: micro tile (8, 16, 16) not in 0xA064's LEGAL_CONFIGS "
            "for f16: (MICRO_M=16, MICRO_K=8, MICRO_N=32)") in str(error.value)
