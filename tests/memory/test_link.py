"""FairShareLink: processor sharing, water-filling caps, counters, event economy."""

import random
import time

import pytest
import simpy

from k1sim.memory import FairShareLink


def start(env, link, at, nbytes, ends, name, cap=None, owner=None):
    def proc():
        if at:
            yield env.timeout(at)
        yield from link.transfer(nbytes, cap=cap, owner=owner)
        ends[name] = env.now
    env.process(proc())


def test_solo_transfer_takes_bytes_over_bandwidth(env):
    link, ends = FairShareLink(env, 10.0, "L"), {}
    start(env, link, 0, 1000, ends, "a")
    env.run()
    assert ends == {"a": pytest.approx(100.0)}
    assert link.bytes == 1000 and link.busy_cycles == pytest.approx(100.0)
    assert link.trace == [(0, pytest.approx(100.0), 1000, None)]


def test_two_equal_transfers_finish_together_at_twice_the_solo_time(env):
    link, ends = FairShareLink(env, 10.0, "L"), {}
    start(env, link, 0, 1000, ends, "a")
    start(env, link, 0, 1000, ends, "b")
    env.run()
    assert ends["a"] == ends["b"] == pytest.approx(200.0)


def test_late_arrival_slows_the_first_as_processor_sharing_predicts(env):
    # a alone for 50 cycles moves 500 B; then both at 5 B/c: a's last 500 B take 100
    # cycles (ends 150); b has 500 B left at 150 and finishes alone at 10 B/c (ends 200).
    link, ends = FairShareLink(env, 10.0, "L"), {}
    start(env, link, 0, 1000, ends, "a")
    start(env, link, 50, 1000, ends, "b")
    env.run()
    assert ends["a"] == pytest.approx(150.0)
    assert ends["b"] == pytest.approx(200.0)
    assert link.busy_cycles == pytest.approx(200.0)


def test_capped_transfer_runs_at_its_cap_and_the_other_takes_the_rest(env):
    # a capped at 2 B/c, b gets 8: b ends at 125 with a at 250 B; a's last 750 B at its
    # cap even alone: 375 more cycles.
    link, ends = FairShareLink(env, 10.0, "L"), {}
    start(env, link, 0, 1000, ends, "a", cap=2.0)
    start(env, link, 0, 1000, ends, "b")
    env.run()
    assert ends["b"] == pytest.approx(125.0)
    assert ends["a"] == pytest.approx(500.0)


def test_water_filling_three_ways(env):
    # 12 B/c: a capped at 2, b and c split the other 10.
    link, ends = FairShareLink(env, 12.0, "L"), {}
    start(env, link, 0, 200, ends, "a", cap=2.0)
    start(env, link, 0, 500, ends, "b")
    start(env, link, 0, 500, ends, "c")
    env.run()
    assert ends["a"] == ends["b"] == ends["c"] == pytest.approx(100.0)


def test_a_cap_above_the_fair_share_does_not_bind(env):
    link, ends = FairShareLink(env, 10.0, "L"), {}
    start(env, link, 0, 500, ends, "a", cap=8.0)
    start(env, link, 0, 500, ends, "b")
    env.run()
    assert ends["a"] == ends["b"] == pytest.approx(100.0)


def test_transfers_of_one_owner_share_its_cap(env):
    link, ends = FairShareLink(env, 10.0, "L"), {}
    start(env, link, 0, 400, ends, "a", cap=4.0, owner="core0")
    start(env, link, 0, 400, ends, "b", cap=4.0, owner="core0")
    start(env, link, 0, 400, ends, "c", cap=4.0, owner="core1")
    env.run()
    # core0's two transfers split its 4 B/c; core1 runs at its own cap.
    assert ends["a"] == ends["b"] == pytest.approx(200.0)
    assert ends["c"] == pytest.approx(100.0)
    assert [t[3] for t in link.trace] == ["core1", "core0", "core0"]


def test_zero_bytes_finish_at_once_and_leave_no_trace(env):
    link, ends = FairShareLink(env, 10.0, "L"), {}
    start(env, link, 7, 0, ends, "a")
    env.run()
    assert ends == {"a": 7} and link.trace == [] and link.busy_cycles == 0


def test_busy_cycles_count_only_time_with_a_transfer(env):
    link, ends = FairShareLink(env, 10.0, "L"), {}
    start(env, link, 0, 1000, ends, "a")
    start(env, link, 300, 500, ends, "b")
    env.run()
    assert link.busy_cycles == pytest.approx(150.0)
    assert link.stats() == {"bytes": 1500, "busy_cycles": pytest.approx(150.0),
                            "saturated_cycles": pytest.approx(150.0),
                            "transfers": 2, "bw_bytes_per_cycle": 10.0}


def test_saturated_cycles_leave_out_the_time_capped_transfers_ran_below_the_bandwidth(env):
    """a alone at its 2 B/c cap (latency-limited) for 100 cycles, then b joins uncapped and
    the two fill the 10 B/c link until b ends; a finishes alone at its cap again."""
    link, ends = FairShareLink(env, 10.0, "L"), {}
    start(env, link, 0, 1000, ends, "a", cap=2.0)
    start(env, link, 100, 400, ends, "b")
    env.run()
    assert ends == {"b": pytest.approx(150.0), "a": pytest.approx(500.0)}
    assert link.busy_cycles == pytest.approx(500.0)
    assert link.saturated_cycles == pytest.approx(50.0)      # only while b shared it


def test_invalid_bandwidth_and_cap_are_rejected(env):
    with pytest.raises(ValueError, match="bytes_per_cycle"):
        FairShareLink(env, 0, "L")
    link = FairShareLink(env, 1.0, "L")
    with pytest.raises(ValueError, match="cap"):
        next(link.transfer(10, cap=0))


@pytest.mark.parametrize("seed", range(5))
def test_random_arrivals_are_work_conserving_and_never_beat_the_link(seed):
    """Uncapped PS is work conserving: busy time = bytes / bandwidth exactly; no
    transfer is faster than the whole link."""
    rng, env = random.Random(seed), simpy.Environment()
    link, ends, sizes = FairShareLink(env, 8.0, "L"), {}, {}
    for i in range(200):
        sizes[i] = rng.randint(1, 5000)
        start(env, link, rng.uniform(0, 20000), sizes[i], ends, i)
    env.run()
    assert link.busy_cycles == pytest.approx(sum(sizes.values()) / 8.0, rel=1e-9)
    for s, e, n, _ in link.trace:
        assert e - s >= n / 8.0 * (1 - 1e-9)


def test_events_grow_linearly_with_transfers(count_steps):
    """1000 staggered transfers (the link half loaded) and 1000 simultaneous ones."""
    counts = {}
    for label, gap in (("staggered", 200.0), ("simultaneous", 0.0)):
        env = simpy.Environment()
        link, ends = FairShareLink(env, 10.0, "L"), {}
        for i in range(1000):
            start(env, link, i * gap, 1000, ends, i)
        t0 = time.perf_counter()
        counts[label] = (count_steps(env), time.perf_counter() - t0)
        assert len(ends) == 1000
    print(f"\nenv steps for 1000 transfers: {counts}")
    # per transfer: start process + delay + wake-up + done + resume, plus at most one
    # superseded wake-up per arrival
    for steps, _ in counts.values():
        assert steps <= 7 * 1000


@pytest.mark.parametrize("seed", range(3))
def test_adding_transfers_then_settling_once_is_starting_them_one_by_one(seed):
    """MemorySystem starts one request's transfers with ``add`` and shares the link once
    (``settle``): finishes, trace and rates record are bit for bit those of ``start``."""
    def run(batched):
        rng, env = random.Random(seed), simpy.Environment()
        link = FairShareLink(env, 8.0, "L")

        def burst(at, sizes):
            yield env.timeout(at)
            for nbytes, cap, owner in sizes:
                (link.add if batched else link.start)(nbytes, cap, owner)
            link.settle()
        for _ in range(60):
            sizes = [(rng.randint(1, 4000), rng.choice([None, 1.5, 3.0]), rng.randint(0, 3))
                     for _ in range(rng.randint(1, 4))]
            env.process(burst(rng.uniform(0, 5000), sizes))
        env.run()
        return list(link.trace), list(link.rates), link.busy_cycles, link.saturated_cycles
    assert run(batched=True) == run(batched=False)
