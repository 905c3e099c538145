"""Mapped layers on disk, so a warm ``k1sim model`` does not read the graph again.

Mapping a graph (importing onnx, shape inference, the rules of docs/model.md) costs about
a second of CPU for ResNet-50: more than everything else a warm run does. The layers of a
source are kept as one JSON file under the cache root's ``layers/``, keyed by what they
come from (the ONNX or CSV file's bytes, or a preset's spec), the batch, k1sim's version
and the source of the mapping code (``MAPPING``), so an edited model file or mapping rule
maps afresh. ``K1SIM_CACHE=off`` turns this cache off with the others.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from k1sim.model.layers import Layer
from k1sim.sweep.cache import cache_disabled

#: the model modules whose rules decide a source's layers
MAPPING = ("decoder.py", "layers.py", "onnx_graph.py", "onnx_map.py", "onnx_matrix.py",
           "sources.py", "topology.py")


@lru_cache(maxsize=1)
def _mapping_digest() -> str:
    import k1sim
    h = hashlib.sha256(k1sim.__version__.encode())
    for name in MAPPING:
        h.update((Path(__file__).parent / name).read_bytes())
    return h.hexdigest()


def layers_key(identity: bytes, batch: int) -> str:
    h = hashlib.sha256(_mapping_digest().encode())
    h.update(f"batch={batch}\n".encode())
    h.update(identity)
    return h.hexdigest()


def get(directory, key: str) -> list | None:
    """The cached layers under ``key``, or None (no directory, cache off, or a miss)."""
    if directory is None or cache_disabled():
        return None
    try:
        rows = json.loads((Path(directory) / f"{key}.json").read_text())
        return [Layer(**{**row, "fused": tuple(row["fused"])}) for row in rows]
    except (OSError, ValueError, TypeError, KeyError):
        return None


def put(directory, key: str, layers: list) -> None:
    """Keep ``layers`` under ``key``, atomically; a cache that cannot be written is skipped
    (mapping again next time is all it costs)."""
    if directory is None or cache_disabled():
        return
    path = Path(directory) / f"{key}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps([dataclasses.asdict(x) for x in layers]))
        tmp.replace(path)
    except OSError:
        pass


__all__ = ["get", "put", "layers_key", "MAPPING"]
