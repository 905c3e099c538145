"""Rows of finished points on disk, so a repeated or interrupted sweep skips them.

A row is stored under the content hash of everything that decides it: the kernel (the
``.xsmt`` bytes or the builder's module source), the point, the arch file's bytes (for
every ``arch`` of the point) and k1sim itself: its version and a digest of the source
files that compute a row (``k1sim_digest``). Code that only presents or orchestrates
finished rows (``PRESENTATION``: the CLI, the report writers, plots, the tuner's outputs,
the model's mapping and tables) is left out, so editing it keeps the cache warm, while any
change to the simulator, the cost and timing models or a row's measures misses. A new
source file is hashed unless it is listed there: the safe default is a cold cache.

``K1SIM_CACHE=off`` (or ``0``, ``no``) turns every row cache off (sweeps, tuning, models):
the switch for a developer who wants fresh numbers whatever the key says. One small JSON
file per row, written atomically: a sweep killed mid-write leaves no half row.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

DEFAULT_DIR = Path(".k1sim-cache") / "sweep"


#: Source paths (under ``k1sim/``, prefixes) that never change a row's numbers: they
#: print, plot, export or schedule rows, or map a model to layers. ``ROW_MAKERS`` are the
#: exceptions inside them: a model row's key names its kernel call, not the program, so
#: the builders that turn a call into a program (``model/kernels*``, ``model/layers.py``)
#: are hashed.
PRESENTATION = ("cli/", "report/", "model/", "sweep/plots.py", "sweep/tune/",
                "sweep/executors.py", "sweep/batch.py", "sweep/run.py")
ROW_MAKERS = ("report/bound.py", "model/run.py", "model/kernels", "model/layers.py")
CACHE_ENV = "K1SIM_CACHE"


def cache_disabled() -> bool:
    """True when ``K1SIM_CACHE`` says off (``off``, ``0``, ``no``, ``false``)."""
    return os.environ.get(CACHE_ENV, "").strip().lower() in ("off", "0", "no", "false")


def hashed_sources(root: Path) -> list[Path]:
    """The files of k1sim under ``root`` whose bytes are part of every key, sorted."""
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(PRESENTATION) and not rel.startswith(ROW_MAKERS):
            continue
        out.append(path)
    return out


@lru_cache(maxsize=1)
def k1sim_digest() -> str:
    """k1sim's version and a hash of the source files that compute a row."""
    import k1sim

    return source_digest(Path(k1sim.__file__).parent, k1sim.__version__)


def source_digest(root: Path, version: str) -> str:
    """``version`` and the hashed sources under ``root`` (a k1sim package directory)."""
    h = hashlib.sha256(version.encode())
    for path in hashed_sources(root):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@lru_cache(maxsize=64)
def _arch_digest(arch: str) -> str:
    from k1sim.arch import arch_path

    path, _ = arch_path(arch)
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"   # the point itself will fail and say why


def point_key(kernel_digest: str, point: dict) -> str:
    """The content hash of one point of a kernel."""
    arch = point.get("arch")
    parts = {"kernel": kernel_digest, "point": point, "k1sim": k1sim_digest(),
             "arch_file": _arch_digest(str(arch)) if arch is not None else None}
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class RowCache:
    """Rows by key under ``directory`` (``None``, or ``K1SIM_CACHE=off``: nothing is
    cached)."""

    def __init__(self, directory=DEFAULT_DIR):
        off = directory is None or cache_disabled()
        self.directory = None if off else Path(directory)
        self.problem: str | None = None    # why a row could not be written, once

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        if self.directory is None:
            return None
        try:
            return json.loads(self._path(key).read_text())
        except (OSError, ValueError):
            return None

    def put(self, key: str, row: dict) -> None:
        if self.directory is None:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(row, sort_keys=True))
            tmp.replace(path)
        except OSError as e:
            # A read-only cache only costs re-running the point next time; say so once.
            self.problem = self.problem or f"cache {self.directory}: cannot write ({e})"
