"""Rows of finished points on disk, so a repeated or interrupted sweep skips them.

A row is stored under the content hash of everything that decides it: the kernel (the
``.xsmt`` bytes or the builder's module source), the point, the arch file's bytes (for
every ``arch`` of the point) and k1sim itself (its version and the digest of its own
source files, so a changed simulator never serves an old row). One small JSON file per
row, written atomically: a sweep killed mid-write leaves no half row.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

DEFAULT_DIR = Path(".k1sim-cache") / "sweep"


@lru_cache(maxsize=1)
def k1sim_digest() -> str:
    """k1sim's version and a hash of its source files (``k1sim/**/*.py``, ``archs``)."""
    import k1sim

    root = Path(k1sim.__file__).parent
    h = hashlib.sha256(k1sim.__version__.encode())
    for path in sorted(root.rglob("*.py")):
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
    """Rows by key under ``directory`` (``None``: nothing is cached)."""

    def __init__(self, directory=DEFAULT_DIR):
        self.directory = Path(directory) if directory is not None else None
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
