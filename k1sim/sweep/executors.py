"""Where the points of a sweep run: in this process, a local process pool, or Dask.

All three have Dask's shape (``Client.map`` of a pure function over the points, results
collected ``as_completed``), behind one small interface:

* ``map_unordered(fn, items)`` returns an iterator of ``(index, result)`` as each item
  finishes; the pool and Dask executors submit every item at the call, so a later map
  queues behind it and both run while the caller waits on either (``k1sim.model`` starts
  its layers' kernels before it tunes);
* ``cancel()`` drops what has not started, of every map (Ctrl-C keeps what finished);
* ``workers`` and ``close()``.

``SerialExecutor`` runs in a loop here; ``LocalExecutor`` (the default) is a
``concurrent.futures`` process pool over the machine's cores; ``DaskExecutor`` connects to
an existing ``distributed`` scheduler (``--scheduler tcp://host:port`` or
``K1SIM_SCHEDULER``), from the ``dask`` extra. The order results arrive in never reaches
the table: the sweep sorts rows by point, so every executor gives the same table.
"""

from __future__ import annotations

import os

from k1sim.errors import K1SimError

SCHEDULER_ENV = "K1SIM_SCHEDULER"
INSTALL_DASK = 'pip install "k1sim[dask]"'


class SerialExecutor:
    """Every point in this process, one after the other."""

    workers = 1

    def map_unordered(self, fn, items):
        for i, item in enumerate(items):
            yield i, fn(*item)

    def cancel(self) -> None:
        pass

    def close(self) -> None:
        pass


class LocalExecutor:
    """A process pool of ``workers`` (default: the machine's cores)."""

    def __init__(self, workers: int | None = None):
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers or os.cpu_count() or 1
        if self.workers < 1:
            raise K1SimError(f"workers must be at least 1, got {workers}")
        self.pool = ProcessPoolExecutor(self.workers, initializer=_quiet_worker)
        self.futures = []

    def map_unordered(self, fn, items):
        from concurrent.futures import as_completed

        index = {self.pool.submit(fn, *item): i for i, item in enumerate(items)}
        self.futures += list(index)
        return ((index[future], future.result()) for future in as_completed(index))

    def cancel(self) -> None:
        for future in self.futures:
            future.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """The points on an existing Dask ``distributed`` cluster at ``address``."""

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:
            raise K1SimError(f"--scheduler {address}: Dask is not installed "
                             f"({INSTALL_DASK})") from None
        try:
            self.client = Client(address, timeout="5s")
        except (OSError, TimeoutError) as e:
            raise K1SimError(f"--scheduler {address}: cannot reach the Dask scheduler "
                             f"({e})") from None
        self.workers = max(1, sum(w.get("nthreads", 1) for w in
                                  self.client.scheduler_info()["workers"].values()))
        self.futures = []

    def map_unordered(self, fn, items):
        from distributed import as_completed

        items = list(items)
        # pure=False: Dask must run every point, never dedupe two by its own hashing.
        futures = self.client.map(_apply, [fn] * len(items), items, pure=False)
        self.futures += futures
        index = {f.key: i for i, f in enumerate(futures)}
        return ((index[future.key], result) for future, result
                in as_completed(futures, with_results=True))

    def cancel(self) -> None:
        if self.futures:
            self.client.cancel(self.futures)

    def close(self) -> None:
        self.client.close()


def _apply(fn, item):
    return fn(*item)


def _quiet_worker() -> None:
    """Workers leave Ctrl-C to the parent, which cancels and keeps what finished."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def make_executor(scheduler: str | None = None, workers: int | None = None):
    """Dask when ``scheduler`` (or ``K1SIM_SCHEDULER``) names one; else serial for one
    worker, a local process pool for more."""
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if scheduler:
        if workers is not None:
            raise K1SimError("--workers is for the local pool; a Dask cluster has its own "
                             "workers (drop --workers or --scheduler)")
        return DaskExecutor(scheduler)
    if workers == 1:
        return SerialExecutor()
    return LocalExecutor(workers)
