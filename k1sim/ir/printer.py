"""Printer: custom forms by default, MLIR's generic form on request.

SSA names are kept where they are unambiguous, so a printed dump reads like
the one it came from; values without a usable name get fresh numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k1sim.ir import registry
from k1sim.ir.attrs import format_attr_dict
from k1sim.ir.types import FunctionType

if TYPE_CHECKING:   # annotations only: core imports this module (Module.to_text), not back
    from k1sim.ir.core import Module, Operation, Region, Value


class Printer:
    def __init__(self, generic: bool = False):
        self.generic = generic
        self.lines: list[str] = []
        self.depth = 0
        self.names: dict[int, str] = {}
        self.visible: dict[str, int] = {}
        self.scopes: list[list[str]] = [[]]
        self.counter = 0
        self.buf: list[str] = []

    # -- names ----------------------------------------------------------
    def _fresh(self) -> str:
        while str(self.counter) in self.visible or f"{self.counter}#0" in self.visible:
            self.counter += 1
        self.counter += 1
        return str(self.counter - 1)

    def _bind(self, v: Value, name: str) -> None:
        self.names[id(v)] = name
        self.visible[name] = id(v)
        self.scopes[-1].append(name)

    def define(self, v: Value) -> str:
        name = v.name
        if not name or "#" in name or name in self.visible:
            name = self._fresh()
        self._bind(v, name)
        return "%" + name

    def define_results(self, op: Operation) -> str:
        rs = op.results
        if len(rs) == 1:
            return self.define(rs[0])
        bases = {(r.name or "").partition("#")[0] for r in rs}
        base = bases.pop() if len(bases) == 1 else ""
        if not base or any(f"{base}#{i}" in self.visible for i in range(len(rs))):
            base = self._fresh()
        for i, r in enumerate(rs):
            self._bind(r, f"{base}#{i}")
        return f"%{base}:{len(rs)}"

    def v(self, value: Value) -> str:
        name = self.names.get(id(value))
        if name is None:
            raise ValueError(f"value {value!r} is used outside the scope that defines it")
        return "%" + name

    def vs(self, values) -> str:
        return ", ".join(self.v(x) for x in values)

    # -- output ---------------------------------------------------------
    def w(self, text: str) -> None:
        self.buf.append(text)

    def attr_dict(self, attrs: dict) -> None:
        if attrs:
            self.w(" " + format_attr_dict(attrs))

    def loc(self, loc) -> str:
        return f" loc({loc.body()})" if loc is not None else ""

    def _flush(self) -> None:
        self.lines.append("  " * self.depth + "".join(self.buf))
        self.buf = []

    def region(self, region: Region, declared_args: bool = True, elide_yield: bool = False) -> None:
        """Print ``{ … }``; ``declared_args`` means the op's custom form named the args."""
        self.w("{")
        self._flush()
        self.depth += 1
        self.scopes.append([])
        block = region.blocks[0]
        if not declared_args and block.args:
            args = ", ".join(f"{self.define(a)}: {a.type}{self.loc(a.loc)}" for a in block.args)
            self.depth -= 1
            self.w(f"^bb0({args}):")
            self._flush()
            self.depth += 1
        for op in block.ops:
            if elide_yield and op is block.ops[-1] and implied_yield(op):
                continue
            self.op(op)
        for name in self.scopes.pop():
            del self.visible[name]
        self.depth -= 1
        self.w("}")

    def declare_args(self, values) -> list[str]:
        """Names for region arguments a custom form prints before the region."""
        self.scopes.append([])
        return [self.define(a) for a in values]

    def end_declared(self) -> None:
        for name in self.scopes.pop():
            del self.visible[name]

    # -- ops ------------------------------------------------------------
    def op(self, op: Operation) -> None:
        opdef = registry.lookup(op.name)
        if op.results:
            self.w(self.define_results(op) + " = ")
        if self.generic or opdef is None or opdef.print is None:
            self.generic_op(op)
        else:
            opdef.print(self, op)
        self.w(self.loc(op.loc))
        self._flush()

    def generic_op(self, op: Operation) -> None:
        self.w(f'"{op.name}"({self.vs(op.operands)})')
        if op.props:
            self.w(" <" + format_attr_dict(op.props) + ">")
        if op.regions:
            self.w(" (")
            for i, r in enumerate(op.regions):
                if i:
                    self.w(", ")
                self.region(r, declared_args=False)
            self.w(")")
        self.attr_dict(op.attrs)
        ftype = FunctionType(tuple(v.type for v in op.operands), tuple(r.type for r in op.results))
        self.w(f" : {ftype}")


def implied_yield(op: Operation) -> bool:
    """An empty ``scf.yield`` a custom form may leave out: the parser adds it back as it was."""
    return (op.name == "scf.yield" and not op.operands and op.loc is None and not op.props
            and not op.attrs)


def print_module(module: Module, generic: bool = False) -> str:
    p = Printer(generic)
    head = "module"
    if module.name:
        head += f" @{module.name}"
    if module.attrs:
        head += " attributes " + format_attr_dict(module.attrs)
    p.w(head + " {")
    p._flush()
    p.depth += 1
    for op in module.ops:
        p.op(op)
    p.depth -= 1
    p.w("}" + p.loc(module.loc))
    p._flush()
    return "\n".join(p.lines) + "\n"
