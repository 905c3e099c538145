"""Every executor gives the same table, bit for bit: serial, the local pool, Dask."""

import io
import signal

import pytest

import k1sim
from k1sim.errors import K1SimError
from k1sim.sweep.executors import LocalExecutor, SerialExecutor, make_executor

MM = "k1sim.library:mm"
# Eight points over two archs and two paths, one of them a capacity fault, so the failed
# rows must come out the same too.
AXES = {"arch": ["0xA03C", "0xA064"], "path": ["EVEN_K", "SPLIT_N"], "k": [64, 2048]}
FIXED = {"m": 64, "n": 64, "bn": 64, "timing_only": True}


def table(**options) -> bytes:
    frame = k1sim.sweep(MM, AXES, **FIXED, cache=None, **options)
    assert frame.attrs["ran"] == 8
    out = io.StringIO()
    frame.to_csv(out, index=False, float_format="%r")
    return out.getvalue().encode(), frame


def test_local_pool_and_serial_loop_give_the_same_table():
    serial, serial_frame = table(workers=1)
    pooled, pooled_frame = table(workers=2)
    assert pooled == serial
    assert (serial_frame["status"] == "capacity").sum() == 1
    assert serial_frame.equals(pooled_frame)


def test_dask_local_cluster_gives_the_same_table_as_the_local_pool():
    distributed = pytest.importorskip("distributed")
    local, local_frame = table(workers=2)

    def too_long(signum, frame):
        raise TimeoutError("the Dask LocalCluster sweep took over 240 s")

    old = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(240)
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:
            dask, dask_frame = table(scheduler=cluster.scheduler_address)
            ran_on = {w for w in cluster.scheduler_info["workers"]}
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert len(ran_on) == 2
    assert dask == local
    assert dask_frame.equals(local_frame)


def test_make_executor_picks_serial_pool_or_dask(monkeypatch):
    monkeypatch.delenv("K1SIM_SCHEDULER", raising=False)
    assert isinstance(make_executor(workers=1), SerialExecutor)
    pool = make_executor(workers=2)
    try:
        assert isinstance(pool, LocalExecutor) and pool.workers == 2
    finally:
        pool.close()
    with pytest.raises(K1SimError, match="--workers is for the local pool"):
        make_executor("tcp://127.0.0.1:1", workers=2)


def test_an_unreachable_scheduler_is_an_error_naming_it(monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setenv("K1SIM_SCHEDULER", "tcp://127.0.0.1:9")
    with pytest.raises(K1SimError, match="tcp://127.0.0.1:9: cannot reach the Dask scheduler"):
        make_executor()


def test_the_pool_submits_a_map_at_the_call_so_a_later_map_queues_behind_it():
    """``map_unordered`` submits every item before anything is read back: two maps run
    together on one pool, and each yields only its own items."""
    pool = LocalExecutor(2)
    try:
        first = pool.map_unordered(pow, [(2, 3), (3, 2)])
        assert len(pool.futures) == 2                # submitted, nothing read yet
        second = pool.map_unordered(pow, [(10, 2)])
        assert len(pool.futures) == 3
        assert sorted(second) == [(0, 100)]
        assert sorted(first) == [(0, 8), (1, 9)]
    finally:
        pool.close()
