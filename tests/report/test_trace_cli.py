"""k1sim run --trace and --roofline write what the API builds."""

import json
from pathlib import Path

from k1sim import Simulator
from k1sim.cli import main
from k1sim.report import chrome_trace

ROOT = Path(__file__).resolve().parents[2]
KERNEL = ROOT / "kernels/mm_split_n.xsmt"


def test_run_trace_flag_writes_the_api_trace(tmp_path, capsys):
    path = tmp_path / "t.json"
    assert main(["run", str(KERNEL), "--quiet", "--trace", str(path)]) == 0
    written = json.loads(path.read_text())
    expected = chrome_trace(Simulator().execute(KERNEL, timing_only=True))
    assert written == json.loads(json.dumps(expected))
    slices = [e for e in written["traceEvents"] if e.get("ph") == "X" and e.get("cat") == "sync"]
    assert len(slices) == 10  # one per waiting SPLIT_N sub-block


def test_run_roofline_flag_draws_the_run(tmp_path, capsys):
    png, svg = tmp_path / "r.png", tmp_path / "r.svg"
    assert main(["run", str(KERNEL), "--quiet", "--roofline", str(png)]) == 0
    assert main(["run", str(KERNEL), "--quiet", "--roofline", str(svg)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "mm_kernel" in svg.read_text()
