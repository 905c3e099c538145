"""A micro tile the arch does not accept (FlagGems' LEGAL_CONFIGS) warns, naming the legal
triples; strict runs refuse it."""

from pathlib import Path

import pytest

from k1sim import Simulator
from k1sim.arch import load_arch
from k1sim.arch_micro import legal_micro, micro_problem
from k1sim.cli import main
from k1sim.errors import K1SimError

KERNEL = Path(__file__).resolve().parents[2] / "kernels" / "mm_even_k.xsmt"


def test_the_legal_triples_are_the_arch_files_flaggems_legal_configs():
    # _GEMM_CONFIG_A03C fp16 {"MICRO_M": 8, "MICRO_N": 16, "MICRO_K": 16}, as (M, K, N).
    assert legal_micro(load_arch("0xa03c"), "f16") == [(8, 16, 16)]
    assert legal_micro(load_arch("0xA064"), "f16") == [(16, 8, 32)]
    assert legal_micro(load_arch("0x5064"), "f16") is None   # FlagGems does not list 0x5064
    assert legal_micro(load_arch("0xA064"), "i8") is None
    assert micro_problem(load_arch("0xA064"), "f16", (16, 8, 32)) is None


def test_an_illegal_triple_warns_with_the_op_place_and_the_legal_triples():
    # mm_even_k.xsmt packs 0xA03C's f16 tile (8, 16, 16): legal there, not on 0xA064.
    own = Simulator("0xA03C").execute(str(KERNEL), timing_only=True)
    assert not any("micro tile" in w for w in own.warnings)
    other = Simulator("0xA064").execute(str(KERNEL), timing_only=True)
    [warning] = [w for w in other.warnings if "micro tile" in w]
    assert warning.startswith(f"{KERNEL}:29:5: warning: micro tile (MICRO_M=8, MICRO_K=16, "
                              "MICRO_N=16) of f16 is not legal on 0xA064")
    assert "legal: (MICRO_M=16, MICRO_K=8, MICRO_N=32)" in warning


def test_strict_makes_it_an_error(capsys):
    with pytest.raises(K1SimError, match=r"mm_even_k.xsmt:29:5: error: micro tile .* legal: "
                                         r"\(MICRO_M=16, MICRO_K=8, MICRO_N=32\) \(--strict\)"):
        Simulator("0xA064").execute(str(KERNEL), timing_only=True, strict=True)
    assert main(["run", str(KERNEL), "--arch", "0xA064", "--strict", "--quiet"]) == 2
    assert "is not legal on 0xA064" in capsys.readouterr().err
    assert main(["run", str(KERNEL), "--arch", "0xA064", "--quiet"]) == 0
