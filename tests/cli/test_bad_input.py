"""Mistakes at the command line are refused before any work, with a message that says
where and what is allowed, exit code 2 (``INPUT``) and no traceback: each of these once
ran for minutes first, ran every point only to fail each, or exited 0."""

from pathlib import Path

import pytest

import k1sim.model.sources
from k1sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
MM = str(ROOT / "kernels/mm_even_k.xsmt")
BROKEN = "module {\n  tt.func @k(%a: i32) {\n    tt.return\n"


def _main(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture
def no_model_load(monkeypatch):
    """A model load is the slow part before tuning: these checks must come before it."""
    def refuse(*a, **k):
        raise AssertionError("the model was loaded before its archs and threads were checked")
    monkeypatch.setattr(k1sim.model.sources, "load_model", refuse)


@pytest.mark.parametrize("argv, message", [
    (["--arch", "0xA03C,0xBEEF", "--threads", "1"], "unknown arch '0xBEEF'; known archs: "),
    (["--arch", "0xA03C", "--threads", "0"], "threads = 0: 0xA03C has 4 cores (1 to 4)"),
    (["--arch", "0xA03C", "--threads", "two"], "threads must be a positive integer, got 'two'"),
    (["--arch", ","], "arch ',': give an arch id or YAML path"),
])
def test_model_checks_archs_and_threads_before_loading(capsys, no_model_load, argv, message):
    code, out, err = _main(capsys, "model", "resnet50", *argv)
    assert code == 2 and out == ""
    assert err.startswith(message)


@pytest.mark.parametrize("argv", [
    ["model", "resnet50", "--arch", "0xA03C", "--workers", "0"],
    ["sweep", MM, "--axis", "M=32", "--workers", "0"],
    ["tune", "mm", "--shape", "64x64x64", "--arch", "0xA03C", "--out", "x", "--workers", "-1"],
])
def test_a_worker_count_below_one_is_a_usage_error(capsys, argv):
    # 0 used to mean "the default" silently, and -1 failed only once a pool started.
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2
    assert "argument --workers: expected a whole number >= 1, got " in err


def test_a_sweep_axis_that_names_no_argument_runs_no_point(capsys):
    code, out, err = _main(capsys, "sweep", MM, "--axis", "Q=1,2", "--no-cache")
    assert code == 2 and out == ""
    assert err.strip() == (f"sweep {MM}: Q names no argument of kernel mm_kernel; its "
                           "arguments: a, b, c, M, N, K (run settings: arch, threads, "
                           "freq_mhz, timing_only, seed)")


def test_a_builder_sweep_parameter_it_does_not_take_runs_no_point(capsys):
    code, out, err = _main(capsys, "sweep", "k1sim.library:mm", "--axis", "zz=1", "--no-cache")
    assert code == 2 and out == ""
    assert err.startswith("k1sim.library:mm takes no parameter zz; it takes m, n, k, path")


def test_a_sweep_of_a_file_that_does_not_parse_says_where(capsys, tmp_path):
    bad = tmp_path / "bad.xsmt"
    bad.write_text(BROKEN)
    code, out, err = _main(capsys, "sweep", str(bad), "--axis", "M=1", "--no-cache")
    assert code == 2 and out == ""
    assert err.startswith(f"{bad}:4:1: error: expected '}}' to close the region opened at 2:")


@pytest.mark.parametrize("threads", ["0", "-2"])
def test_a_sweep_thread_count_no_arch_takes_is_refused(capsys, threads):
    code, out, err = _main(capsys, "sweep", MM, "--axis", "M=32", "--threads", threads,
                           "--no-cache")
    assert code == 2 and out == ""
    assert err.strip() == f"sweep threads {threads}: give a positive whole number"


def test_roofline_refuses_a_file_that_does_not_parse_instead_of_skipping_it(capsys, tmp_path):
    bad = tmp_path / "bad.xsmt"
    bad.write_text(BROKEN)
    code, out, err = _main(capsys, "roofline", "--arch", "0xA03C", str(bad), "--out",
                           str(tmp_path / "r"))
    assert code == 2 and out == ""
    assert err.startswith(f"{bad}:4:1: error: ")
    assert not (tmp_path / "r").exists()


def test_roofline_says_how_to_draw_a_python_kernel(capsys, tmp_path):
    script = tmp_path / "k.py"
    script.write_text("import triton\n")
    code, out, err = _main(capsys, "roofline", "--arch", "0xA03C", str(script))
    assert code == 2 and out == ""
    assert err.strip() == (f"{script}: k1sim roofline draws .xsmt kernels (or directories of "
                           "them) and saved runs (.json of k1sim run --json); for a Python "
                           "kernel, k1sim run SCRIPT --arch ID --json RUN.json, then draw "
                           "RUN.json")


def test_run_on_several_archs_loads_them_all_before_running_any(capsys):
    code, out, err = _main(capsys, "run", MM, "--arch", "0xA03C,0xBEEF")
    assert code == 2 and out == ""
    assert err.startswith("unknown arch '0xBEEF'") and "0xA03C:" not in err


def test_an_input_of_the_wrong_shape_is_named_before_the_expects_use_it(capsys, tmp_path):
    # It used to read as an expect whose '@' operands do not fit, at the file's expect.
    import numpy as np
    np.save(tmp_path / "a.npy", np.zeros((8, 8), np.float16))
    code, out, err = _main(capsys, "run", MM, "--input", f"a={tmp_path / 'a.npy'}")
    assert code == 2 and out == ""
    assert err.strip() == "input 'a' has shape [8, 8], but the argument's k1sim.shape is [64, 64]"


def test_check_says_how_to_check_a_python_kernel(capsys, tmp_path):
    script = tmp_path / "k.py"
    script.write_text("import triton\n")
    code, out, err = _main(capsys, "check", str(script))
    assert code == 2 and out == ""
    assert err.startswith(f"{script}: k1sim check reads .xsmt files; run a Python kernel's")


def test_model_progress_in_a_log_is_whole_lines(capsys, tmp_path, monkeypatch):
    # stderr is not a terminal here: each line ends, none is rewritten with a carriage return.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "net.csv").write_text("fc, 1, 10, 64,\ngemm2, 16, 16, 32,\n")
    code, out, err = _main(capsys, "model", "net.csv", "--arch", "0xA03C", "--threads", "1",
                           "--no-layers", "--no-tune", "--cache-dir", str(tmp_path / "c"))
    assert code == 0 and "latency" in out
    assert "\r" not in err
    lines = [x for x in err.splitlines() if x.startswith("k1sim: simulated")]
    assert lines and lines[-1] == "k1sim: simulated 2/2 distinct kernels"


def test_model_tuning_reports_its_progress_in_a_log(capsys, tmp_path, monkeypatch):
    # A cold tuned run simulates the configs of every GEMM shape before its first layer:
    # a log sees those points counted too, in whole lines.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "net.csv").write_text("gemm, 32, 64, 64,\n")
    code, out, err = _main(capsys, "model", "net.csv", "--arch", "0xA03C", "--threads", "1",
                           "--no-layers", "--cache-dir", str(tmp_path / "c"))
    assert code == 0 and "latency" in out and "\r" not in err
    tuning = [x for x in err.splitlines() if x.startswith("k1sim: [") and "points" in x]
    assert tuning and tuning[-1].endswith(" ran") and "points" in tuning[-1]
    done, total = tuning[-1].split("] ")[1].split(" points")[0].split("/")
    assert done == total and int(total) > 1
