"""Fuzzing at scale: mutate the whole corpus, parse every mutant, run verifiable ones.

Outside the default test run (it takes minutes). From the repository root:

    python -m tests.fuzz.corpus_mutate --files 10000 --kernels 1000 --workers 2

The corpus is every ``.xsmt`` file in ``tests/corpus/`` and ``kernels/`` and every
``.xsmt`` example fenced in README.md and ``docs/``. Each of ``--files`` mutants (delete,
duplicate or swap a span, truncate, flip a character, swap a token, change a number or a
type, insert raw bytes) is parsed with a per-file time limit and must end in a ``Module``
or a ``K1SimError``. Each of ``--kernels`` mutants that still parses and verifies (numbers,
types, launch attributes changed) is run with a time limit and must end in a
``RunResult`` or a ``K1SimError`` (input errors, and runtime faults: memory faults,
capacity, deadlock reports). Any other exception, or a time-out, is a bug: the mutant is
saved under ``--save`` for reproduction. Mutants are made from ``--seed`` and their index,
so a run is reproducible. Exit status 1 when a bug was found.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import re
import signal
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_FENCE = re.compile(r"```(?:mlir|xsmt)?\n(.*?)```", re.S)
_TOKEN = re.compile(r"%[\w#.]+|@[\w.]+|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|\w+|\S")
_NUMBER = re.compile(r"(?<![\w%#.])-?\d+(?![\w.])")
_TYPES = ("f16", "f32", "bf16", "f64", "i1", "i8", "i16", "i32", "i64")
_NUMBERS = ("0", "1", "-1", "2", "3", "7", "16", "63", "64", "65", "128", "1000", "4096",
            "2147483647", "-2147483648", "9223372036854775807", "99999999999999999999")


def corpus() -> list[tuple[str, str]]:
    """(name, text) of every corpus file and every fenced .xsmt example in the docs."""
    out = []
    for folder in ("tests/corpus", "kernels"):
        out += [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"))
                for p in sorted((ROOT / folder).glob("*.xsmt"))]
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for i, block in enumerate(_FENCE.findall(doc.read_text(encoding="utf-8"))):
            if "tt.func" in block:
                out.append((f"{doc.relative_to(ROOT)}#{i}", block))
    return out


# -- mutations: each takes (rng, text, pool of tokens) and returns text or bytes --------

def _span(rng, text):
    a = rng.randrange(len(text) + 1)
    return a, min(len(text), a + rng.randint(1, 40))


def delete_span(rng, text, pool):
    a, b = _span(rng, text)
    return text[:a] + text[b:]


def duplicate_span(rng, text, pool):
    a, b = _span(rng, text)
    return text[:b] + text[a:b] + text[b:]


def swap_lines(rng, text, pool):
    lines = text.split("\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def truncate(rng, text, pool):
    return text[:rng.randrange(len(text) + 1)]


def flip_char(rng, text, pool):
    i = rng.randrange(max(1, len(text)))
    return text[:i] + rng.choice(",:[](){}<>%@#!\"=-x0123456789 \n\t\\") + text[i + 1:]


def swap_token(rng, text, pool):
    spots = list(_TOKEN.finditer(text))
    if not spots:
        return text
    m = rng.choice(spots)
    return text[:m.start()] + rng.choice(pool) + text[m.end():]


def change_number(rng, text, pool):
    spots = list(_NUMBER.finditer(text))
    if not spots:
        return text
    m = rng.choice(spots)
    return text[:m.start()] + rng.choice(_NUMBERS) + text[m.end():]


def change_type(rng, text, pool):
    spots = [m for m in re.finditer(r"\b(?:" + "|".join(_TYPES) + r")\b", text)]
    if not spots:
        return text
    m = rng.choice(spots)
    return text[:m.start()] + rng.choice(_TYPES) + text[m.end():]


def insert_bytes(rng, text, pool):
    data = text.encode()
    i = rng.randrange(len(data) + 1)
    return data[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))) + data[i:]


SYNTAX = (delete_span, duplicate_span, swap_lines, truncate, flip_char, swap_token,
          change_number, change_type, insert_bytes)
# Mutations that usually keep a file parseable: the ones the runs use.
SEMANTIC = (change_number, change_number, change_type, swap_token)


def mutant(seed: int, index: int, kind: str, files, pool):
    """The ``index``-th mutant of ``kind`` ("parse" or "run"): (source name, text or bytes)."""
    rng = random.Random(f"{seed}:{kind}:{index}")
    name, text = rng.choice(files)
    mutations = SYNTAX if kind == "parse" else SEMANTIC
    for _ in range(rng.randint(1, 3)):
        text = rng.choice(mutations)(rng, text, pool)
        if isinstance(text, bytes):
            break
    return name, text


# -- workers ---------------------------------------------------------------------------

class TimeLimit(BaseException):
    """Raised by the alarm when a mutant takes longer than its limit (not an Exception, so
    nothing under test can swallow it)."""


def _alarm(signum, frame):
    raise TimeLimit()


_STATE = {}


def _init(seed, limits):
    files = corpus()
    pool = sorted({t for _, text in files for t in _TOKEN.findall(text)})
    _STATE.update(seed=seed, files=files, pool=pool, limits=limits)
    signal.signal(signal.SIGALRM, _alarm)


def check_one(task):
    """Parse (and for kind "run", simulate) one mutant; (kind, index, outcome, detail, s)."""
    from k1sim.errors import K1SimError, RuntimeFault
    from k1sim.ir.parser import parse_bytes

    kind, index = task
    name, text = mutant(_STATE["seed"], index, kind, _STATE["files"], _STATE["pool"])
    data = text if isinstance(text, bytes) else text.encode()
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, _STATE["limits"][kind])
    try:
        module = parse_bytes(data, f"mutant-{kind}-{index}.xsmt")
        outcome = "module"
        if kind == "run":
            from k1sim.simulator import Simulator
            Simulator().execute(module, max_programs=4096, memory_limit=512e6)
            outcome = "result"
    except TimeLimit:
        outcome, detail = "time limit", f"from {name}"
    except RuntimeFault as e:
        outcome = "deadlock" if "deadlock" in e.message else "fault"
    except K1SimError:
        outcome = "k1sim error"
    except Exception as e:  # the bug this job looks for
        outcome = "BUG"
        detail = f"from {name}: {type(e).__name__}: {e}\n{traceback.format_exc(limit=-4)}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    seconds = time.monotonic() - start
    if outcome not in ("BUG", "time limit"):
        detail = ""
    return kind, index, outcome, detail, seconds, data if detail else b""


def verifiable_runs(seed: int, count: int, files, pool) -> list[int]:
    """Indices of the first ``count`` run mutants that parse and verify; a mutant whose
    parse raises anything else is a bug the parse workers report (it is kept as a task)."""
    from k1sim.errors import K1SimError
    from k1sim.ir.parser import parse_bytes
    found, index = [], 0
    while len(found) < count:
        _, text = mutant(seed, index, "run", files, pool)
        try:
            parse_bytes(text.encode(), "m.xsmt")
            found.append(index)
        except K1SimError:
            pass
        except Exception:
            found.append(index)  # check_one reports it, with the mutant saved
        index += 1
    return found


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz.corpus_mutate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--files", type=int, default=10_000, help="mutants to parse")
    p.add_argument("--kernels", type=int, default=1_000, help="verifiable mutants to run")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--parse-limit", type=float, default=10.0, help="seconds per parse")
    p.add_argument("--run-limit", type=float, default=60.0, help="seconds per run")
    p.add_argument("--save", default="fuzz-failures", help="where failing mutants go")
    args = p.parse_args(argv)
    return run(args.files, args.kernels, args.workers, args.seed,
               {"parse": args.parse_limit, "run": args.run_limit}, Path(args.save))


def run(files: int, kernels: int, workers: int, seed: int, limits: dict, save: Path,
        out=sys.stdout) -> int:
    start = time.monotonic()
    sources = corpus()
    pool = sorted({t for _, text in sources for t in _TOKEN.findall(text)})
    tasks = [("parse", i) for i in range(files)]
    tasks += [("run", i) for i in verifiable_runs(seed, kernels, sources, pool)]
    counts = {"parse": Counter(), "run": Counter()}
    seconds = {"parse": 0.0, "run": 0.0}
    bugs = []
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, _init, (seed, limits), maxtasksperchild=200) as workers_pool:
        for n, (kind, index, outcome, detail, s, data) in enumerate(
                workers_pool.imap_unordered(check_one, tasks, chunksize=8), 1):
            counts[kind][outcome] += 1
            seconds[kind] += s
            if detail:
                bugs.append((kind, index, outcome, detail))
                save.mkdir(parents=True, exist_ok=True)
                (save / f"{kind}-{index}.xsmt").write_bytes(data)
            if n % 500 == 0:
                print(f"  {n}/{len(tasks)} mutants, {time.monotonic() - start:.0f} s",
                      file=sys.stderr)
    wall = time.monotonic() - start
    print(f"corpus: {len(sources)} sources, seed {seed}", file=out)
    for kind in ("parse", "run"):
        total = sum(counts[kind].values())
        shown = ", ".join(f"{k} {v}" for k, v in sorted(counts[kind].items()))
        print(f"{kind}: {total} mutants: {shown}; {seconds[kind]:.0f} s of worker time, "
              f"max limit {limits[kind]:g} s each", file=out)
    print(f"wall time {wall:.0f} s with {workers} workers; bugs: {len(bugs)}", file=out)
    for kind, index, outcome, detail in bugs:
        print(f"{outcome} in {kind} mutant {index} (saved to {save}/{kind}-{index}.xsmt) "
              f"{detail}", file=out)
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
