"""``launcher.drive``: SimPy's run loop written out, with SimPy's event order."""

import pytest
import simpy

from k1sim.engine.launcher import drive


def _scene(env, log: list):
    """Processes that wait on timeouts, same-time events and each other, logging when."""
    def worker(name, delays):
        for d in delays:
            yield env.timeout(d)
            log.append((name, env.now))
        return name

    def waiter(procs):
        yield simpy.AllOf(env, procs)
        log.append(("all", env.now))
        done = env.event()
        done.succeed()
        yield done
        log.append(("after", env.now))

    procs = [env.process(worker(n, d)) for n, d in (("a", [1, 0, 2.5]), ("b", [1, 1, 0]),
                                                      ("c", [0, 3.5]))]
    env.process(waiter(procs))


def test_drive_runs_the_events_of_simpys_run_in_the_same_order():
    plain, ours = simpy.Environment(), simpy.Environment()
    expected, got = [], []
    _scene(plain, expected)
    _scene(ours, got)
    plain.run()
    drive(ours)
    assert got == expected and len(got) == 10 and ours.now == plain.now == 3.5


def test_drive_raises_a_failure_nobody_defused_as_a_copy_caused_by_it():
    env = simpy.Environment()

    def fails():
        yield env.timeout(1)
        raise ValueError("bad block")

    env.process(fails())
    with pytest.raises(ValueError, match="bad block") as raised:
        drive(env)
    cause = raised.value.__cause__
    assert type(cause) is ValueError and cause is not raised.value
