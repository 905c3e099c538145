"""``RunResult``: everything one simulated launch produced."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class RunResult:
    """The outcome of ``Simulator.execute``.

    ``outputs`` maps every pointer argument's name to its array after the run
    (None in a timing-only run); ``expects`` holds one ``ExpectResult`` per
    check; ``op_counts`` counts executed ops by name (an ``scf.for`` counts
    once however many iterations it runs; the ops in its body count each time).
    """

    kernel: str
    arch: str
    grid: tuple
    threads: int
    cycles: int
    outputs: dict = field(default_factory=dict)
    expects: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    op_counts: dict = field(default_factory=dict)
    timing_only: bool = False
    seed: int = 0

    @property
    def programs(self) -> int:
        return self.grid[0] * self.grid[1] * self.grid[2]

    @property
    def passed(self) -> bool:
        """Every expect passed (vacuously true when there are none)."""
        return all(e.passed for e in self.expects)

    def to_dict(self) -> dict:
        """A JSON-safe summary; arrays appear as their shape and dtype."""
        return {
            "kernel": self.kernel,
            "arch": self.arch,
            "grid": list(self.grid),
            "threads": self.threads,
            "programs": self.programs,
            "cycles": int(self.cycles),
            "timing_only": self.timing_only,
            "seed": self.seed,
            "outputs": {name: None if a is None else
                        {"shape": list(a.shape), "dtype": str(np.asarray(a).dtype)}
                        for name, a in self.outputs.items()},
            "expects": [e.to_dict() for e in self.expects],
            "warnings": list(self.warnings),
            "op_counts": dict(self.op_counts),
        }
