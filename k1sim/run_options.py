"""``RunOptions``: how one ``Simulator.execute`` call runs a kernel, grouped in one place.

A frozen dataclass, so a sweep can build one set of options and vary a field with
``dataclasses.replace``. ``execute(program, options, **changes)`` also takes any field
as a keyword (``execute(path, seed=1, timing_only=True)``). To add an option, add a field
here with its default and a line of documentation; ``execute`` passes it on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Callable, Mapping

from k1sim.engine.budget import DEFAULT_MAX_PROGRAMS


@dataclass(frozen=True)
class RunOptions:
    """Options of one run. The launch overrides (``kernel`` to ``atol``) replace what the
    file says when they are not None, exactly as the CLI flags do."""

    # -- the launch: None keeps the file's value (FORMAT.md section 3)
    kernel: str | None = None            #: the function to run when the file has several
    grid: object = None                  #: int or 1-3 sizes; default the file's k1sim.grid
    threads: int | None = None           #: default tt.num_threads, else every core
    expects: object = None               #: check texts replacing the file's k1sim.expect
    rtol: float | None = None            #: relative tolerance of the expects
    atol: float | None = None            #: absolute tolerance of the expects
    # -- the data
    inputs: Mapping = field(default_factory=dict)   #: pointer argument name -> array
    args: Mapping = field(default_factory=dict)     #: scalar argument name -> value
    seed: int = 0                        #: seed of the k1sim.init random data
    # -- how to run
    timing_only: bool = False            #: scalars and addresses only; expects skipped
    poison_alloc: bool = False           #: fill local allocations with NaN / 0xAA
    functional_only: bool = False        #: values only, no timing model (0 cycles)
    strict: bool = False                 #: a micro tile illegal on the arch is an error
    progress: Callable[[int, int], None] | None = None  #: called (done, total) per program
    # -- budgets, checked before anything is allocated (k1sim.engine.budget)
    max_programs: int | None = DEFAULT_MAX_PROGRAMS  #: refuse bigger grids; None: no limit
    memory_limit: float | None = None    #: bytes for tensors; None: half the available RAM

    def with_changes(self, **changes) -> "RunOptions":
        """A copy with ``changes`` applied; an unknown name is a TypeError naming the fields."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"unknown run option(s) {', '.join(sorted(unknown))}; options: "
                            f"{', '.join(f.name for f in fields(self))}")
        return replace(self, **changes) if changes else self
