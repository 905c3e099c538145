"""The ops ``k1sim tune`` takes: one ``Op`` per module, in this one table.

Adding an op is a module with its space and its ``Op`` entry, and a line here.
"""

from __future__ import annotations

from k1sim.errors import K1SimError
from k1sim.sweep.tune.attention import ATTENTION
from k1sim.sweep.tune.gemm import ADDMM, BMM
from k1sim.sweep.tune.mm import MM

OPS = {op.name: op for op in (MM, BMM, ADDMM, ATTENTION)}


def get(name: str):
    op = OPS.get(name)
    if op is None:
        raise K1SimError(f"tune {name}: k1sim tunes {', '.join(OPS)}")
    return op


def by_key(key: str):
    """The op whose FlagGems tune_configs.yaml key is ``key``, or None."""
    return next((op for op in OPS.values() if op.key == key), None)
