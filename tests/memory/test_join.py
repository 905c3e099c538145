"""k1sim.memory.events: a Join fires in the step env.all_of would, an Arrival waits for
both its bytes and its latency. Order matters: the memory system replaced conditions
with these without moving any event, so a test compares them step for step."""

import simpy

from k1sim.memory.events import Arrival, Join, join


def order_of(build):
    """Run ``build(env, log)``; the names its events logged, in processing order."""
    env, log = simpy.Environment(), []
    build(env, lambda name: lambda _e: log.append((env.now, name)))
    env.run()
    return log


def test_a_join_fires_in_the_step_all_of_fires():
    def build(env, note):
        first, last = env.timeout(5), env.timeout(5)
        env.timeout(5).callbacks.append(note("other"))   # queued at 5 after both
        env.all_of([first, last]).callbacks.append(note("all_of"))
        Join(env, [first, last]).callbacks.append(note("join"))
    assert order_of(build) == [(5, "other"), (5, "all_of"), (5, "join")]


def test_a_join_made_first_fires_first_and_waits_for_the_latest_event():
    def build(env, note):
        early, late = env.timeout(2), env.timeout(9)
        Join(env, [late, early]).callbacks.append(note("join"))
        env.all_of([late, early]).callbacks.append(note("all_of"))
        env.timeout(9).callbacks.append(note("other"))
    assert order_of(build) == [(9, "other"), (9, "join"), (9, "all_of")]


def test_a_join_of_processed_events_fires_at_once_as_all_of_does():
    def build(env, note):
        done = env.timeout(0)

        def later():
            yield env.timeout(3)
            Join(env, [done]).callbacks.append(note("join"))
            env.all_of([done]).callbacks.append(note("all_of"))
            yield Join(env, [])
            note("empty")(None)
        env.process(later())
    assert order_of(build) == [(3, "join"), (3, "all_of"), (3, "empty")]


def test_join_of_one_event_is_that_event():
    env = simpy.Environment()
    one = env.timeout(1)
    assert join(env, [one]) is one
    assert isinstance(join(env, [one, env.timeout(2)]), Join)


def test_an_arrival_waits_for_the_latency_when_the_bytes_beat_it():
    def build(env, note):
        arrival = Arrival(env, due=10)
        env.timeout(4).callbacks.append(arrival.moved)       # bytes in at 4
        arrival.callbacks.append(note("arrived"))
    assert order_of(build) == [(10, "arrived")]


def test_an_arrival_fires_one_step_after_bytes_that_come_after_the_latency():
    def build(env, note):
        arrival = Arrival(env, due=10)
        moved = env.timeout(15)
        moved.callbacks.append(arrival.moved)
        env.timeout(15).callbacks.append(note("other"))      # queued after the bytes
        arrival.callbacks.append(note("arrived"))
    assert order_of(build) == [(15, "other"), (15, "arrived")]


def test_an_event_that_is_never_the_last_does_not_move_the_join():
    # A load's L1 port time is left out of its join when a fetch surely lands after it:
    # the join must fire in the very same step, before and after the same other events.
    def build(with_port):
        def run(env, note):
            port, fetch = env.timeout(4), env.timeout(9)
            env.timeout(9).callbacks.append(note("other"))      # queued after the fetch
            waits = [port, fetch] if with_port else [fetch]
            Join(env, waits).callbacks.append(note("join"))
            env.timeout(9).callbacks.append(note("later"))
        return run
    assert order_of(build(True)) == order_of(build(False)) == [
        (9, "other"), (9, "later"), (9, "join")]
