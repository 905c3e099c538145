"""A buffer allocated after another was freed is new memory: the caches name allocations
by a serial, never by ``id()``, which CPython hands from a freed object to the next one
(tests/timing/kernels/fresh_buffer.xsmt: each program reads a new global-storage buffer)."""

from pathlib import Path

from k1sim import Simulator
from k1sim.functional.memory import Allocation

KERNEL = Path(__file__).resolve().parent / "kernels" / "fresh_buffer.xsmt"
BUFFER_LINES = 32 * 64 * 4 // 64


def run(programs):
    return Simulator("0xA03C").execute(KERNEL, timing_only=True, grid=(programs, 1, 1))


def test_every_programs_new_buffer_misses_as_the_first_did():
    one, eight = run(1).caches, run(8).caches
    assert one["misses"]["L2"] == BUFFER_LINES                # the buffer, from DRAM
    assert eight["misses"] == {level: 8 * n for level, n in one["misses"].items()}
    assert eight["hits"] == {"L1": 0, "L2": 0}                # nothing of a dead buffer


def test_a_freed_allocations_identity_is_never_reused():
    first = Allocation("a", "f32", (4,), "global", itemsize=4)
    serial = first.serial
    del first
    assert all(Allocation("b", "f32", (4,), "global", itemsize=4).serial != serial
               for _ in range(100))
