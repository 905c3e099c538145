"""``sweep(kernel, axes)``: a kernel over the product of axes, one row per point.

The points are the Cartesian product of the axes in the order given (the last axis
varies fastest). Each point runs through an executor (``executors``), unless the row cache
already holds it (``cache``). The first full (not timing-only) point runs in this process
first, so numba's on-disk cache holds its compiled kernels before any worker starts and no
worker compiles; a timing-only run computes no tensor values and never calls numba, so a
sweep of timing-only points (every tune) sends them all to the workers at once. A lone
point runs here, without starting an executor.
Rows come back in any order and are put back in point order, so every executor and worker
count gives the same table. Ctrl-C cancels what has not started and returns the rows that
finished (``df.attrs["interrupted"]``).
"""

from __future__ import annotations

import itertools
import sys
import time

from k1sim.errors import K1SimError
from k1sim.sweep.cache import DEFAULT_DIR, RowCache, point_key
from k1sim.sweep.executors import make_executor
from k1sim.sweep.point import MEASURES, run_point
from k1sim.sweep.source import RUN_KEYS, check_run_settings, source_of


def expand(axes: dict) -> list[dict]:
    """Every point of the product of ``axes`` ({name: values}; a single value is an axis
    of one)."""
    names, values = [], []
    for name, vals in axes.items():
        vals = list(vals) if isinstance(vals, (list, tuple, range)) else [vals]
        if not vals:
            raise K1SimError(f"sweep axis {name!r} has no values")
        names.append(str(name))
        values.append(vals)
    return [dict(zip(names, combo)) for combo in itertools.product(*values)]


def sweep(kernel, axes: dict | None = None, *, scheduler: str | None = None,
          workers: int | None = None, cache=DEFAULT_DIR, progress=None, executor=None,
          **fixed):
    """Run ``kernel`` (a ``.xsmt`` path, ``module:function`` builder or a function) over
    the product of ``axes`` plus the ``fixed`` parameters; return a pandas DataFrame with
    one row per point (see ``k1sim.sweep.point``). ``scheduler`` a Dask address,
    ``workers`` the local pool's size (1: serial), ``cache`` a directory or None,
    ``progress`` a stream for the progress bar (None: stderr when it is a terminal)."""
    source = source_of(kernel)
    points = expand({**(axes or {}), **{k: [v] for k, v in fixed.items()}})
    check_run_settings(points)
    source.check({name for point in points for name in point} - set(RUN_KEYS))
    rows, stats = run_points(source, points, scheduler=scheduler, workers=workers,
                             cache=cache, progress=progress, executor=executor)
    return to_frame(rows, points, stats)


def run_points(source, points: list, *, scheduler=None, workers=None, cache=DEFAULT_DIR,
               progress=None, executor=None) -> tuple[list, dict]:
    """Rows (None for a point that never ran) and counts: ran, cached, failed, interrupted."""
    store = cache if isinstance(cache, RowCache) else RowCache(cache)
    digest = source.digest()
    keys = [point_key(digest, p) for p in points]
    rows = [store.get(k) for k in keys]
    todo = [i for i, r in enumerate(rows) if r is None]
    stats = {"points": len(points), "cached": len(points) - len(todo), "ran": 0,
             "interrupted": False, "notes": []}
    bar = Progress(len(points), progress)
    bar.update(stats["cached"], 0)

    def finish(i, row):
        rows[i] = row
        store.put(keys[i], row)
        stats["ran"] += 1
        bar.update(stats["cached"] + stats["ran"], stats["ran"])

    own = executor is None
    try:
        first = next((i for i in todo if not points[i].get("timing_only")),
                     todo[0] if len(todo) == 1 else None)
        if first is not None:
            finish(first, run_point(source, points[first]))   # compiles numba here
        rest = [i for i in todo if i != first]
        if rest:
            executor = executor or make_executor(scheduler, workers)
            items = [(source, points[i]) for i in rest]
            for j, row in executor.map_unordered(run_point, items):
                finish(rest[j], row)
    except KeyboardInterrupt:
        stats["interrupted"] = True
        if executor is not None:
            executor.cancel()
    finally:
        bar.close()
        if own and executor is not None:
            executor.close()
    if store.problem:
        stats["notes"].append(store.problem)
    stats["failed"] = sum(1 for r in rows if r is not None and r["status"] != "ok")
    return rows, stats


def to_frame(rows: list, points: list, stats: dict):
    """The rows that exist, in point order, as a DataFrame; ``attrs`` holds ``stats``."""
    try:
        import pandas as pd
    except ImportError:
        raise K1SimError('sweeps return a pandas DataFrame: pip install "k1sim[sweep]"') \
            from None
    params = list(points[0]) if points else []
    columns = ["kernel", *params, *MEASURES]
    done = [r for r in rows if r is not None]
    frame = pd.DataFrame([[r.get(c) for c in columns] for r in done], columns=columns)
    for col in ("cycles", "warnings", *(c for c in MEASURES if c.startswith("bytes_"))):
        frame[col] = frame[col].astype("Int64")
    for col in ("seconds", "gops", "pct_of_peak"):
        frame[col] = frame[col].astype("float64")
    frame.attrs.update(stats)
    return frame


class Progress:
    """``k1sim: [#####.....] 12/50 points, 4 ran, ETA 0:42`` on one line of ``stream``, redrawn
    at most 10 times a second. With no stream, stderr when it is a terminal, else
    silent; a given stream that is not a terminal (a log, a pipe) gets the same text as
    whole lines, one at each tenth of the points. The ETA is the mean time of the points
    run so far times the points left."""

    def __init__(self, total: int, stream=None):
        self.stream = stream if stream is not None else (
            sys.stderr if sys.stderr.isatty() else None)
        self.lines = self.stream is not None and not _is_terminal(self.stream)
        self.total, self.start, self.last, self.shown = total, time.monotonic(), 0.0, False
        self.tenth = -1

    def update(self, done: int, ran: int) -> None:
        now = time.monotonic()
        if self.stream is None or not self.total:
            return
        if self.lines:
            tenth = done * 10 // self.total
            if tenth == self.tenth or (ran == 0 and done < self.total):
                return
            self.tenth = tenth
        elif now - self.last < 0.1 and done < self.total:
            return
        self.last, self.shown = now, True
        eta = ""
        if ran and done < self.total:
            left = (now - self.start) / ran * (self.total - done)
            eta = f", ETA {int(left // 60)}:{int(left % 60):02d}"
        filled = 30 * done // self.total
        text = (f"k1sim: [{'#' * filled}{'.' * (30 - filled)}] "
                f"{done}/{self.total} points, {ran} ran{eta}")
        self.stream.write(text + "\n" if self.lines else f"\r{text}\033[K")
        self.stream.flush()

    def close(self) -> None:
        if self.shown and not self.lines:
            self.stream.write("\n")
            self.stream.flush()


def _is_terminal(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
