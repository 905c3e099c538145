"""What the tuner knows of one FlagGems op: one ``Op`` entry per op (``ops.OPS``).

An op names its key in FlagGems' ``tune_configs.yaml`` and the META keys its kernel reads
from there, the parametric builder that runs a config (its keyword arguments are the
shape's dimensions and the META keys), its search space (``space(shape, arch, dtype)`` ->
the configs to run and the ``Pruned`` ones with their reasons), a one-line description of
a config for the summary, and the two META keys its heatmap is drawn over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, NamedTuple

from k1sim.errors import K1SimError


class Pruned(NamedTuple):
    """A config dropped before anything ran: ``kind`` is what the summary counts (one of
    ``prune.KINDS``), ``reason`` says exactly why."""

    config: dict
    kind: str
    reason: str


@dataclass(frozen=True)
class Op:
    name: str                 # as ``k1sim tune`` takes it: mm, bmm, addmm, attention
    key: str                  # FlagGems' tune_configs.yaml key
    meta_keys: tuple          # exactly the keys FlagGems' kernel reads from a META dict
    builder: str              # "module:function" of the parametric kernel
    dims: tuple               # the shape's dimensions, as the builder names them
    dims_help: str            # what each dimension is, for messages
    example: str              # a shape, for messages
    space: Callable           # (shape, arch, dtype) -> (configs, [Pruned, ...])
    describe: Callable        # config -> a short text for the summary
    heat: tuple               # the heatmap's (x, y) META keys

    @property
    def shape_syntax(self) -> str:
        return "x".join(self.dims)

    def parse_shape(self, text) -> tuple:
        """``text`` ("64x128x256", or a tuple of ints) as this op's shape, or a K1SimError
        that says what was wrong and what the op takes."""
        if isinstance(text, str):
            parts = [p for p in re.split(r"[x,]", text.strip().lower())]
        else:
            parts = list(text)
        what = f"tune {self.name}: shape {text!r}"
        want = (f"give {self.shape_syntax} ({self.dims_help}), such as {self.example}")
        if len(parts) != len(self.dims):
            raise K1SimError(f"{what} has {len(parts)} dimension(s), {self.name} takes "
                             f"{len(self.dims)}: {want}")
        dims = []
        for name, part in zip(self.dims, parts):
            try:
                value = int(part)
            except (TypeError, ValueError):
                raise K1SimError(f"{what}: {name} = {str(part).strip()!r} is not a whole "
                                 f"number; {want}") from None
            if value < 1:
                raise K1SimError(f"{what}: {name} = {value}, every dimension must be at "
                                 f"least 1; {want}")
            dims.append(value)
        return tuple(dims)

    def shape_text(self, shape) -> str:
        return "x".join(map(str, shape))
