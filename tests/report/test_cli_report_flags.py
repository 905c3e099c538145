"""``k1sim run --quiet / --json / --csv`` and the progress bar."""

import csv
import io
import json
import re
import sys
from pathlib import Path

import pytest

from k1sim.cli import main
from k1sim.cli.progress import Progress
from k1sim.report import to_json
from k1sim.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]
MM = str(ROOT / "kernels/mm_even_k.xsmt")
SPLIT_N = str(ROOT / "kernels/mm_split_n.xsmt")
MISCOMPILED = str(ROOT / "kernels/qk_scale_miscompiled.xsmt")


def documented_keys() -> dict:
    """The keys docs/result.md's JSON tables list: top-level ones under "", nested ones
    (``expects[].name``, ``links.*.bytes``) under their parent."""
    text = (ROOT / "docs/result.md").read_text()
    json_part = text.split("## JSON")[1].split("## CSV")[0]
    keys: dict = {}
    for cell in re.findall(r"^\| ([^|]+?) \|", json_part, re.M):
        parent = ""
        for name in re.findall(r"`([^`]+)`", cell):
            if "." in name:   # "expects[].out_value", "ref_value": both in expects
                parent = name.split("[")[0].split(".")[0]
            keys.setdefault(parent, set()).add(name.rsplit(".", 1)[-1])
    return keys


def test_quiet_prints_one_line(capsys):
    assert main(["run", MM, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert re.fullmatch(r"mm_kernel 0xA03C \d+ cycles [\d.]+ us rvv:f16 [\d.]+% of peak PASS\n",
                        out)


def test_quiet_says_fail_and_keeps_exit_1(capsys):
    assert main(["run", MISCOMPILED, "-q"]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1 and captured.out.rstrip().endswith(" FAIL")
    assert "has no f16 tile" in captured.err  # warnings still go to stderr


def test_json_round_trips_with_the_documented_keys(tmp_path, capsys):
    path = tmp_path / "r.json"
    assert main(["run", SPLIT_N, "--json", str(path)]) == 0
    data = json.loads(path.read_text())
    docs = documented_keys()
    assert set(data) == docs[""]
    assert set(data["expects"][0]) == docs["expects"]
    assert all(set(link) == docs["links"] for link in data["links"].values())
    assert all(set(r) == docs["op_stats"] for r in data["op_stats"])
    result = Simulator().execute(SPLIT_N)
    assert data == json.loads(to_json(result))
    assert data["cycles"] == result.cycles and data["kernel"] == "mm_kernel"
    assert path.read_text() == to_json(result)  # deterministic: the same bytes


def test_csv_rows_add_up_to_op_stats(tmp_path, capsys):
    path = tmp_path / "ops.csv"
    assert main(["run", SPLIT_N, "--csv", str(path)]) == 0
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    result = Simulator().execute(SPLIT_N)
    assert list(rows[0]) == ["op", "where", "count", "cycles", "share", "bound"]
    assert len(rows) == len(result.op_stats)
    # Whole cycles (no 7680.000000000002), each within half a cycle of the exact value.
    assert all(r["cycles"].isdigit() for r in rows)
    exact = sorted(s["cycles"] for s in result.op_stats)
    assert all(abs(int(r) - e) <= 0.5 for r, e in zip(sorted(int(r["cycles"]) for r in rows), exact))
    assert sum(float(r["share"]) for r in rows) == pytest.approx(1.0, abs=1e-4)
    first = result.op_stats[0]
    assert (rows[0]["op"], rows[0]["where"], int(rows[0]["count"]), rows[0]["bound"]) == \
        (first["op"], first["where"], first["count"], first["bound"])
    assert any("mm.py:" in r["where"] for r in rows)


def test_json_and_csv_are_written_when_an_expect_fails(tmp_path, capsys):
    j, c = tmp_path / "r.json", tmp_path / "r.csv"
    assert main(["run", MISCOMPILED, "--json", str(j), "--csv", str(c)]) == 1
    data = json.loads(j.read_text())
    assert data["expects"][0]["passed"] is False
    assert c.read_text().startswith("op,where,count,cycles,share,bound\n")


@pytest.mark.parametrize("flag, path, message", [
    ("--json", "/nonexistent-dir/r.json", "--json /nonexistent-dir/r.json: no such directory"),
    ("--csv", "{tmp}", "--csv {tmp}: is a directory"),
])
def test_a_bad_output_path_is_an_input_error(flag, path, message, tmp_path, capsys):
    path, message = path.format(tmp=tmp_path), message.format(tmp=tmp_path)
    assert main(["run", MM, flag, path]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err
    assert captured.out == ""  # rejected before simulating


def test_no_progress_output_when_stderr_is_not_a_terminal(capsys):
    assert not sys.stderr.isatty()
    assert main(["run", SPLIT_N]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err and "programs" not in err
    assert err.splitlines() == Simulator().execute(SPLIT_N).warnings


def test_progress_bar_on_a_terminal(monkeypatch, capsys):
    """On a tty, runs longer than the delay draw a bar and erase it when done."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setattr(Progress, "delay_s", 0.0)
    assert main(["run", SPLIT_N, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "\rk1sim: [" in captured.err and "9/9 programs" in captured.err
    assert captured.err.count("\r\033[K") == 1
    assert "programs" not in captured.out


def test_execute_reports_each_finished_program():
    seen = []
    Simulator().execute(SPLIT_N, timing_only=True, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(i, 9) for i in range(1, 10)]
