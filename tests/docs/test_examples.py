"""Executable docs: every example in README.md and docs/*.md marked ``<!-- checked -->``
runs, and prints what the doc shows.

Mark an example by putting ``<!-- checked -->`` on the line right before its fence:

* a ``sh`` block is a shell session: each ``$ command`` (a line ending in ``\\`` goes
  on to the next) runs in bash, in a scratch directory where ``kernels/``, ``tests/`` and
  ``docs/`` point into the repository, and the lines after it, up to the next ``$``, are
  its output: its stdout, or its stderr when it
  printed nothing on stdout. A line ``...`` (indented or not) stands for any number of
  lines (an elision).
  Commands of one block share the shell, so ``$ echo $?`` shows the previous exit code.
* a ``python`` block runs as a script and must succeed; when a ``text`` block follows it
  directly, that is its stdout, compared the same way.

When the simulator's numbers change on purpose, refresh the shown outputs with

    K1SIM_UPDATE_DOCS=1 python -m pytest tests/docs

which rewrites each shown output from the real one, keeping every ``...`` (the lines
before the first ``...`` are the output's first lines, the lines after the last one its
last lines, and a segment between two ``...`` is re-anchored on its first word). Review
the diff like a golden-cycle update.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARK = "<!-- checked -->"
ELISION = "..."
UPDATE = os.environ.get("K1SIM_UPDATE_DOCS") == "1"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^" + re.escape(MARK) + r"\n```(sh|python)\n(.*?)^```\n"
                    r"(?:\n?```text\n(.*?)^```\n)?", re.M | re.S)


def examples() -> list:
    out = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for i, m in enumerate(_FENCE.finditer(text)):
            line = text[:m.start()].count("\n") + 2
            out.append(pytest.param(doc, i, id=f"{doc.relative_to(ROOT)}:{line}"))
    return out


def matches(shown: list[str], actual: list[str]) -> bool:
    """The shown lines, with ``...`` standing for any lines, are exactly the actual ones."""
    parts = [".*?" if s.strip() == ELISION else re.escape(s.rstrip()) + r"\n" for s in shown]
    return re.fullmatch("".join(parts), "".join(a.rstrip() + "\n" for a in actual),
                        re.S) is not None


def refreshed(shown: list[str], actual: list[str]) -> list[str]:
    """``shown`` rewritten from ``actual``, keeping its elisions (see the module doc)."""
    segments, current = [], []
    elisions = [s for s in shown if s.strip() == ELISION]
    for s in shown:
        if s.strip() == ELISION:
            segments.append(current)
            current = []
        else:
            current.append(s)
    segments.append(current)
    if len(segments) == 1:
        return list(actual)
    out = actual[:len(segments[0])]
    at = len(out)
    for seg, elision in zip(segments[1:-1], elisions):
        out.append(elision)
        word = seg[0].split()[0] if seg and seg[0].split() else ""
        start = next((i for i in range(at, len(actual)) if actual[i].split()[:1] == [word]), at)
        out += actual[start:start + len(seg)]
        at = start + len(seg)
    tail = segments[-1]
    out.append(elisions[-1])
    out += actual[len(actual) - len(tail):] if tail else []
    return out


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    d = tmp_path_factory.mktemp("docs")
    for name in ("kernels", "tests", "docs", "archs"):
        (d / name).symlink_to(ROOT / name)
    return d


def _shell(block: str):
    """[(command, shown output lines)] of a sh block; a command line ending in a
    backslash goes on over the next lines, as in the shell."""
    steps, going_on = [], False
    for line in block.rstrip("\n").split("\n"):
        if going_on:
            steps[-1] = (steps[-1][0] + "\n" + line, [])
        elif line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        going_on = bool(steps) and not steps[-1][1] and line.endswith("\\")
    return steps


def _run_shell(steps, cwd: Path) -> list[list[str]]:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               COLUMNS="100")
    script = []
    for i, (command, _) in enumerate(steps):
        script.append(f"{command} > .out{i} 2> .err{i}")
    subprocess.run(["bash", "-c", "\n".join(script)], cwd=cwd, env=env, timeout=600)
    outputs = []
    for i in range(len(steps)):
        out = (cwd / f".out{i}").read_text()
        text = out if out else (cwd / f".err{i}").read_text()
        outputs.append(text.rstrip("\n").split("\n") if text.strip() else [])
    return outputs


@pytest.mark.parametrize("doc, index", examples())
def test_example(doc, index, scratch):
    text = doc.read_text(encoding="utf-8")  # read again: an update may have moved it
    m = list(_FENCE.finditer(text))[index]
    kind, block, shown_out = m.group(1), m.group(2), m.group(3)
    if kind == "sh":
        steps = _shell(block)
        actual = _run_shell(steps, scratch)
        pairs = [(shown, got) for (_, shown), got in zip(steps, actual)]
        new_block = "".join(f"$ {cmd}\n" + "".join(f"{s}\n" for s in refreshed(shown, got))
                            for (cmd, shown), got in zip(steps, actual))
    else:
        proc = subprocess.run([sys.executable, "-c", block], cwd=scratch, capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, f"{doc.name}: the example failed:\n{proc.stderr}"
        got = proc.stdout.rstrip("\n").split("\n") if proc.stdout.strip() else []
        pairs = [] if shown_out is None else [(shown_out.rstrip("\n").split("\n"), got)]
        new_block = block
    if UPDATE and any(not matches(s, g) for s, g in pairs):
        start, end = m.span(2)
        new_text = text[:start] + new_block + text[end:]
        if shown_out is not None and kind == "python":
            s3, e3 = m.span(3)
            shown = shown_out.rstrip("\n").split("\n")
            new_text = text[:s3] + "".join(f"{s}\n" for s in refreshed(shown, got)) + text[e3:]
        doc.write_text(new_text, encoding="utf-8")
        return
    for shown, got in pairs:
        assert matches(shown, got), (f"{doc.name}: the example shows\n" + "\n".join(shown)
                                     + "\nbut the command printed\n" + "\n".join(got)
                                     + "\n(K1SIM_UPDATE_DOCS=1 python -m pytest tests/docs "
                                     "refreshes it)")


def test_a_command_goes_on_over_lines_ending_in_a_backslash():
    steps = _shell("$ echo a \\\n    b\na b\n$ echo c\nc\n")
    assert steps == [("echo a \\\n    b", ["a b"]), ("echo c", ["c"])]


def test_every_doc_has_checked_examples():
    checked = [doc.name for doc in DOCS if MARK in doc.read_text(encoding="utf-8")]
    assert {"README.md", "running.md"} <= set(checked)


def test_elisions_match_any_lines_and_survive_a_refresh():
    shown = ["a 1", "...", "top ops", "  x 5", "...", "end 9"]
    actual = ["a 2", "b", "c", "top ops", "  y 6", "d", "end 10"]
    assert not matches(shown, actual)
    new = refreshed(shown, actual)
    assert new == ["a 2", "...", "top ops", "  y 6", "...", "end 10"]
    assert matches(new, actual)
    assert matches(["x", "...", "y"], ["x", "y"]) and not matches(["x"], ["x", "y"])
