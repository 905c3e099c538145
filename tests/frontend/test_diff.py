"""The differential check on the forum case: the Python QK kernel against the correct
dump (they agree) and the miscompiled one (every nonzero score differs)."""

from pathlib import Path

import numpy as np
import pytest

from k1sim import frontend
from k1sim.cli import main
from k1sim.errors import K1SimError
from k1sim.frontend.diff import diff, diff_with_dump_inputs

KERNELS = Path(__file__).resolve().parents[2] / "kernels"
QK = ["-D", "BLOCK_M=64", "-D", "BLOCK_N=32", "-D", "BLOCK_D=64", "-D", "SUB_BLK_M=16",
      "-D", "MICRO_M=8", "-D", "MICRO_K=16", "-D", "MICRO_N=16"]


@pytest.fixture(scope="module")
def qk():
    return frontend.load(str(KERNELS / "qk_scale.py"))


def test_the_python_kernel_and_its_correct_dump_agree(qk):
    report = diff_with_dump_inputs(qk.smt_qk_kernel, KERNELS / "qk_scale.xsmt", qk.CONSTEXPRS)
    assert report.agree, report.text()
    assert report.compared == ("q", "k", "s")
    assert report.text().endswith("all 3 outputs agree")


def test_the_miscompiled_dump_differs_wherever_the_score_is_not_zero(qk):
    rng = np.random.default_rng(3)
    q = rng.standard_normal((64, 64)).astype(np.float16)
    k = rng.standard_normal((80, 64)).astype(np.float16)
    s = np.full((64, 80), 7.0, dtype=np.float32)
    report = diff(qk.smt_qk_kernel, KERNELS / "qk_scale_miscompiled.xsmt", (1, 3), q, k, s,
                  64, 80, 64, 0.125, **qk.CONSTEXPRS)
    assert np.all(s == 7.0), "diff writes into copies, never the caller's arrays"
    [m] = report.mismatches
    python_s, dump_s = report.arrays["s"]
    assert not dump_s.any(), "the miscompiled dump stores zeros"
    expected = q.astype(np.float64) @ k.T.astype(np.float64) * 0.125
    assert np.allclose(python_s, expected, rtol=1e-2, atol=1e-2)
    differ = np.abs(python_s) > m.atol
    assert (m.name, m.count, m.total) == ("s", int(differ.sum()), 5120)
    assert m.index == tuple(int(i) for i in np.argwhere(differ)[0])
    assert m.dump_value == 0.0 and m.python_value == python_s[m.index]


def test_k1sim_diff_catches_the_miscompile(capsys):
    code = main(["diff", str(KERNELS / "qk_scale.py"),
                 str(KERNELS / "qk_scale_miscompiled.xsmt"), *QK])
    out = capsys.readouterr().out
    assert code == 1
    assert "  s           " in out and "of 5120 elements differ" in out
    assert "first at (0, 0): Python " in out and ", dump 0.0" in out
    assert out.rstrip().endswith("1 of 3 outputs differ")


def test_k1sim_diff_passes_the_correct_dump(capsys):
    code = main(["diff", str(KERNELS / "qk_scale.py"), str(KERNELS / "qk_scale.xsmt"), *QK])
    assert code == 0, capsys.readouterr().out


def test_unit_strides_are_given_with_arg(capsys):
    base = ["diff", str(KERNELS / "mm.py"), str(KERNELS / "mm_split_m.xsmt"),
            "-D", "BLOCK_SIZE_M=32", "-D", "BLOCK_SIZE_N=32", "-D", "BLOCK_SIZE_K=128",
            "-D", "EVEN_K=0", "-D", "SPLIT_M=1", "-D", "SPLIT_N=0", "-D", "SPLIT_K=0",
            "-D", "SUB_BLK_M=16", "-D", "SUB_BLK_N=16", "-D", "MICRO_M=8", "-D", "MICRO_K=32",
            "-D", "MICRO_N=32", "-D", "SUB_BLK_K=128"]
    assert main(base) == 2
    assert ("the dump's kernel has 9 arguments (a, b, c, M, N, K, stride_am, stride_bk, "
            "stride_cm), mm_kernel has 12 runtime parameters") in capsys.readouterr().err
    units = ["--arg", "stride_ak=1", "--arg", "stride_bn=1", "--arg", "stride_cn=1"]
    assert main(base + units) == 0, capsys.readouterr().out


@pytest.mark.parametrize("argv,message", [
    (["-D", "BLOCK_M"], "-D BLOCK_M: expected NAME=VALUE"),
    (["--arg", "nope=1"], "smt_qk_kernel has no runtime parameter nope"),
    (["--kernel", "other"], "no @triton.jit function 'other'; it has smt_qk_kernel"),
    (["--grid", "1,x"], "--grid 1,x: expected X[,Y[,Z]]"),
])
def test_bad_diff_options_are_input_errors(argv, message, capsys):
    code = main(["diff", str(KERNELS / "qk_scale.py"), str(KERNELS / "qk_scale.xsmt"),
                 *QK, *argv])
    assert code == 2 and message in capsys.readouterr().err


def test_a_wrong_argument_count_names_the_parameters(qk):
    with pytest.raises(K1SimError, match=r"smt_qk_kernel takes 7 runtime arguments "
                                         r"\(q, k, s, M, N, D, sm_scale\), got 2"):
        diff(qk.smt_qk_kernel, KERNELS / "qk_scale.xsmt", (1, 3), 1, 2)
