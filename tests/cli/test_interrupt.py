"""Ctrl-C (issue 13, item 7): a SIGINT to ``k1sim run`` on a long grid stops it cleanly,
prints the summary so far, writes --output and --json as far as they went, exits 130."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
MM = str(ROOT / "kernels/mm_even_k.xsmt")


def _start(tmp_path, *flags):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "k1sim.cli", "run", MM, "--grid", "100000", "--progress", *flags],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def _wait_for_progress(proc) -> None:
    """Read stderr until the progress bar shows: the simulation is under way."""
    seen = b""
    deadline = time.monotonic() + 120
    while b"programs," not in seen:
        chunk = proc.stderr.read1(4096)
        assert chunk and time.monotonic() < deadline, seen.decode()
        seen += chunk


def test_sigint_stops_with_a_partial_summary_and_the_files_so_far(tmp_path):
    proc = _start(tmp_path, "--json", "r.json", "--output", "out")
    _wait_for_progress(proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    out, err = out.decode(), err.decode()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    stopped = [line for line in out.splitlines() if line.startswith("stopped")]
    assert len(stopped) == 1 and " of 100,000 programs, at cycle " in stopped[0]
    done = int(stopped[0].split("after ")[1].split(" of")[0].replace(",", ""))
    assert 0 < done < 100_000
    assert "\ncycles      " in out and "expects not checked" in out
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["interrupted"] == {"programs_done": done, "programs": 100_000}
    assert data["cycles"] > 0 and data["expects"] == []
    c = np.load(tmp_path / "out" / "c.npy")
    assert c.shape == (64, 64) and np.any(c != 0)  # the programs that ran wrote their blocks


def test_sigint_with_quiet_says_interrupted_not_pass(tmp_path):
    proc = _start(tmp_path, "--quiet", "--timing-only")
    _wait_for_progress(proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    line, = out.decode().splitlines()
    assert line.startswith("mm_kernel 0xA03C INTERRUPTED after ") and "PASS" not in line
