"""Whole-module verification, for modules built or changed in Python.

The parser verifies each op as it reads it; a module assembled by hand gets
the same checks here, plus SSA dominance: every operand is defined earlier in
its own or an enclosing region.
"""

from __future__ import annotations

from k1sim.ir import registry
from k1sim.ir.core import Module, Operation


def verify(module: Module) -> Module:
    """Raise ``VerifyError`` at the first op that breaks its definition; return the module."""
    for op in module.ops:
        if op.name not in ("tt.func", "func.func"):
            raise op.error(f"'{op.name}' cannot appear at module level; only functions can")
        _verify_op(op, set())
    return module


def _verify_op(op: Operation, visible: set) -> None:
    opdef = registry.lookup(op.name)
    if opdef is None:
        raise op.error(registry.unknown_op_message(op.name))
    for i, v in enumerate(op.operands):
        if id(v) not in visible:
            raise op.error(f"operand #{i} ({v.type}) is not defined before '{op.name}' in an "
                           "enclosing region")
    for key in opdef.required:
        if key not in op.props:
            raise op.error(f"'{op.name}' needs the property '{key}'")
    for region in op.regions:
        inner = set(visible)
        for block in region.blocks:
            inner.update(id(a) for a in block.args)
            for nested in block.ops:
                _verify_op(nested, inner)
                inner.update(id(r) for r in nested.results)
    if opdef.verify:
        opdef.verify(op)
