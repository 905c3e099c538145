"""The library's builders refuse, before building, every config whose packed view would
reach past its buffer or that their layout cannot express; each refusal names the
values and what is allowed. Without the checks these configs built and then faulted at
run time (mm SPLIT_N's B stage), dropped part of K, or failed to verify with a message
about IR."""

import pytest

from k1sim import Simulator
from k1sim.arch import load_arch
from k1sim.errors import K1SimError
from k1sim.library import addmm_meta, attention_meta, bmm_meta, mm
from k1sim.sweep.tune.attention import space as attention_space
from k1sim.sweep.tune.mm import space as mm_space


@pytest.mark.parametrize("arch", ["0xA064", "0x5064"])
@pytest.mark.parametrize("shape", [(256, 192, 320), (256, 256, 512)])
def test_split_n_with_the_default_sub_n_is_refused_where_micro_n_is_32(arch, shape):
    # These faulted: the sub-block at column 16 of a stage viewed in 32-wide tiles
    # stored one tile past the (bk, bn) buffer.
    with pytest.raises(K1SimError) as e:
        mm(*shape, path="SPLIT_N", arch=arch)
    assert str(e.value) == (
        f"mm SPLIT_N on {arch}: sub_n (SUB_BLK_N, the default) = 16 is not a multiple of "
        f"MICRO_N = 32: each sub-block is a view of whole MICRO_N-wide tiles of the B stage "
        "(512 x 32), so a sub-block that cuts a tile or runs "
        "past bn writes past the stage buffer; allowed: a multiple of MICRO_N that divides "
        "bn (BLOCK_SIZE_N) = 32: 32")


def test_split_n_with_the_allowed_sub_n_runs_and_is_right():
    result = Simulator("0xA064").execute(mm(96, 64, 40, path="SPLIT_N", arch="0xA064",
                                            threads=2, sub_n=32))
    assert result.passed


@pytest.mark.parametrize("kw, message", [
    ({"sub_n": 64}, "sub_n (SUB_BLK_N) = 64 does not divide bn (BLOCK_SIZE_N) = 32: "),
    ({"bn": 96, "sub_n": 64}, "; allowed: a multiple of MICRO_N that divides bn "
                              "(BLOCK_SIZE_N) = 96: 32, 96"),
    ({"bn": 48, "sub_n": 32}, "bn (BLOCK_SIZE_N) = 48 is not a multiple of MICRO_N = 32: "
                              "SPLIT_N stages B in a bk x bn = 64 x 48 buffer"),
    ({"bk": 68, "sub_n": 32}, "bk (BLOCK_SIZE_K) = 68 is not a multiple of MICRO_K = 8"),
])
def test_split_n_views_past_the_stage_are_refused(kw, message):
    with pytest.raises(K1SimError, match="^mm SPLIT_N on 0xA064: ") as e:
        mm(64, 64, 64, path="SPLIT_N", arch="0xA064", **kw)
    assert message in str(e.value)


def test_a_stage_shorter_than_a_micro_k_is_refused():
    # K = 4 gives BLOCK_SIZE_K 4, less than one 8-deep tile of the stage's packed view.
    with pytest.raises(K1SimError, match=r"bk \(BLOCK_SIZE_K\) = 4 is not a multiple of "
                                         "MICRO_K = 8: .*give a multiple of 8$"):
        mm(64, 64, 4, path="SPLIT_N", arch="0xA064", sub_n=32)


@pytest.mark.parametrize("path", ["EVEN_K", "SPLIT_M", "SPLIT_N", "SPLIT_K"])
def test_a_k_block_shorter_than_k_is_refused(path):
    # Every path loads the whole K in one bk-wide block: the rest would be dropped.
    with pytest.raises(K1SimError, match=rf"^mm {path} on 0xA064: bk \(BLOCK_SIZE_K\) = 32 is "
                                         "smaller than K = 64: .*give at least 64$"):
        mm(64, 64, 64, path=path, arch="0xA064", bk=32, sub_n=32)


@pytest.mark.parametrize("kw, message", [
    ({"bm": 0}, "mm: bm = 0: give a positive integer"),
    ({"sub_k": -8, "path": "SPLIT_K"}, "mm: sub_k = -8: give a positive integer"),
    ({"micro": (16, 8)}, r"mm: micro = \(16, 8\): give three sizes"),
    ({"dtype": "f17"}, "mm: dtype 'f17' is not a scalar type; give one of "),
])
def test_bad_sizes_and_types_are_refused(kw, message):
    with pytest.raises(K1SimError, match="^" + message):
        mm(64, 64, 64, arch="0xA064", **kw)


ATTN = dict(Z=1, H=1, S=64, D=64, BLOCK_M=32, BLOCK_N=32, MICRO_M=16, MICRO_K=8, MICRO_N=32)


@pytest.mark.parametrize("change, message", [
    ({"D": 16}, r"BLOCK_SIZE_K \(next_pow2\(D\)\) = 16 is not a multiple of MICRO_N = 32"),
    ({"BLOCK_N": 16}, "BLOCK_N = 16 is not a multiple of MICRO_N = 32"),
    ({"BLOCK_M": 8}, "BLOCK_M = 8 is not a multiple of MICRO_M = 16"),
    ({"BLOCK_M": 24}, "BLOCK_M = 24 is not a multiple of MICRO_M = 16"),
    ({"S": 0}, "S = 0: give a positive integer"),
])
def test_attention_configs_its_layout_cannot_cut_are_refused(change, message):
    # These built IR that failed to verify (a 0-wide tile axis) or mis-shaped the
    # accumulator; now they say which size and which micro tile.
    with pytest.raises(K1SimError, match="^attention on 0xA064: " + message):
        attention_meta(**{**ATTN, **change}, arch="0xA064")


def test_bmm_and_addmm_refuse_non_positive_sizes():
    with pytest.raises(K1SimError, match="^bmm on 0xA064: B = 0: give a positive integer"):
        bmm_meta(0, 64, 64, 64, 32, 32, 1, 16, 32, 8)
    with pytest.raises(K1SimError, match="^addmm on 0xA064: BLOCK_SIZE_N = -32: give a "):
        addmm_meta(64, 64, 64, 32, -32, 1, 16, 32, 8)


@pytest.mark.parametrize("arch", ["0xA03C", "0xA064", "0x5064"])
def test_the_tuner_prunes_every_split_n_config_the_builder_refuses(arch):
    # The tuner's tiling prune is stricter (it also drops configs that only pad), so
    # each config it keeps must build, and none it runs can be refused.
    configs, pruned = mm_space((256, 192, 320), load_arch(arch), sub_blocks=(16, 32, 64))
    refused = 0
    for meta in [c for c in configs + [p.config for p in pruned] if c["SPLIT_N"]]:
        kept = meta in configs
        try:
            build_split_n(meta, arch)
        except K1SimError:
            refused += 1
            assert not kept, meta
    assert refused, "the space holds configs the builder refuses"


def build_split_n(meta, arch):
    return mm(256, 192, 320, path="SPLIT_N", arch=arch, micro=(meta["MICRO_M"],
              meta["MICRO_K"], meta["MICRO_N"]), bm=meta["BLOCK_SIZE_M"],
              bn=meta["BLOCK_SIZE_N"], sub_m=meta["SUB_BLK_M"], sub_n=meta["SUB_BLK_N"])


def test_every_attention_config_the_tuner_keeps_builds():
    configs, _ = attention_space((1, 2, 64, 64), load_arch("0xA064"), blocks=(16, 32, 64))
    assert configs
    for meta in configs:
        attention_meta(1, 2, 64, 64, **meta, arch="0xA064")
