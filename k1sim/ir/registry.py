"""One registry maps an op name to its definition.

An ``OpDef`` names the op's custom-form parser and printer (absent for ops
that only have the generic form), its verifier (which also infers result
types), the property names of its generic form, and a ``finish`` hook that
completes regions (implied terminators).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Parsed:
    """What a custom-form parser read."""

    operands: list
    result_types: list
    props: dict = field(default_factory=dict)
    attrs: dict = field(default_factory=dict)
    regions: list = field(default_factory=list)


@dataclass
class OpDef:
    name: str
    parse: Callable | None = None
    print: Callable | None = None
    verify: Callable | None = None
    props: tuple = ()
    required: tuple = ()
    finish: Callable | None = None
    terminator: bool = False


OPS: dict[str, OpDef] = {}
DIALECTS = ("arith", "math", "scf", "tt", "func", "xsmt", "xsmt_async", "tle")


def register(name: str, **kw) -> OpDef:
    d = OpDef(name, **kw)
    OPS[name] = d
    return d


def ops_of(dialect: str) -> list[str]:
    return sorted(n for n in OPS if n.partition(".")[0] == dialect)


_loaded = False


def lookup(name: str) -> OpDef | None:
    # A flag, not "OPS is empty": importing one ops module (the builder does)
    # registers some ops without the others.
    if not _loaded:
        load_all()
    return OPS.get(name)


def unknown_op_message(name: str) -> str:
    dialect = name.partition(".")[0]
    if dialect in DIALECTS and "." in name:
        listed = " ".join(ops_of(dialect))
        return f"unknown op '{name}'; supported {dialect} ops: {listed}"
    return (f"unknown op '{name}': dialect '{dialect}' is not supported; "
            f"supported dialects: {', '.join(DIALECTS)}")


# The modules of k1sim/ir/ops/ that register ops when imported.
OP_MODULES = ("arith", "func", "math_ops", "scf", "tle", "tt", "tt_memory", "xsmt",
              "xsmt_async", "xsmt_buffers")


def load_all() -> None:
    global _loaded
    for module in OP_MODULES:
        importlib.import_module(f"k1sim.ir.ops.{module}")
    _loaded = True
