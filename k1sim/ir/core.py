"""The IR: values, operations, blocks, regions and modules.

An ``Operation`` keeps its inherent attributes (MLIR "properties", the
``<{…}>`` of the generic form) apart from its discardable ones (the trailing
``{…}``), its ``.xsmt`` position and its source location. Two modules are equal
when they have the same structure, types, attributes and locations, whatever
their SSA names and text positions.
"""

from __future__ import annotations

from dataclasses import dataclass

from k1sim.errors import Pos, VerifyError
from k1sim.ir.attrs import Attr
from k1sim.ir.types import Type


class Location:
    __slots__ = ()

    def python(self) -> str | None:
        """The ``file:line:col`` this location names, if any."""
        return None


@dataclass(frozen=True, slots=True)
class UnknownLoc(Location):
    def __str__(self) -> str:
        return "loc(unknown)"

    def body(self) -> str:
        return "unknown"


@dataclass(frozen=True, slots=True)
class FileLoc(Location):
    file: str
    line: int
    col: int

    def python(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def body(self) -> str:
        from k1sim.ir.lexer import escape
        return f"{escape(self.file)}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class NameLoc(Location):
    name: str
    child: Location | None = None

    def python(self) -> str | None:
        return self.child.python() if self.child else None

    def body(self) -> str:
        from k1sim.ir.lexer import escape
        return escape(self.name) + (f"({self.child.body()})" if self.child else "")


@dataclass(frozen=True, slots=True)
class FusedLoc(Location):
    locs: tuple
    metadata: Attr | None = None

    def python(self) -> str | None:
        for loc in self.locs:
            found = loc.python()
            if found:
                return found
        return None

    def body(self) -> str:
        meta = f"<{self.metadata}>" if self.metadata is not None else ""
        return f"fused{meta}[" + ", ".join(l.body() for l in self.locs) + "]"


@dataclass(frozen=True, slots=True)
class CallSiteLoc(Location):
    callee: Location
    caller: Location

    def python(self) -> str | None:
        return self.callee.python() or self.caller.python()

    def body(self) -> str:
        return f"callsite({self.callee.body()} at {self.caller.body()})"


class Value:
    """An SSA value: an op result or a block argument."""

    __slots__ = ("name", "type", "owner", "index", "loc")

    def __init__(self, type: Type, owner=None, index: int = 0, name: str | None = None, loc=None):
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name
        self.loc = loc

    def __repr__(self) -> str:
        return f"<Value %{self.name or '?'} : {self.type}>"


class Operation:
    __slots__ = ("name", "operands", "results", "props", "attrs", "regions", "loc", "pos", "parent")

    def __init__(self, name: str, operands=(), result_types=(), props=None, attrs=None,
                 regions=(), loc: Location | None = None, pos: Pos | None = None):
        self.name = name
        self.operands: list[Value] = list(operands)
        self.results = [Value(t, self, i) for i, t in enumerate(result_types)]
        self.props: dict[str, Attr] = dict(props) if props else {}
        self.attrs: dict[str, Attr] = dict(attrs) if attrs else {}
        self.regions: list[Region] = list(regions)
        for r in self.regions:
            r.parent = self
        self.loc = loc
        self.pos = pos
        self.parent = None

    @property
    def dialect(self) -> str:
        return self.name.partition(".")[0]

    @property
    def result(self) -> Value:
        return self.results[0]

    def prop(self, name: str, default=None):
        a = self.props.get(name)
        if a is None:
            a = self.attrs.get(name)
        return default if a is None else a.value

    def python_loc(self) -> str | None:
        return self.loc.python() if self.loc else None

    def error(self, message: str) -> VerifyError:
        """A verifier error located at this op."""
        if self.pos is None:
            where = self.python_loc()
            file, line, col = where.rsplit(":", 2) if where else ("<built>", 0, 0)
            return VerifyError(f"'{self.name}': {message}", filename=file, line=int(line),
                               column=int(col))
        return VerifyError(message, self.pos, self.python_loc())

    def walk(self):
        """This op and every op nested in it, in program order."""
        yield self
        for r in self.regions:
            for b in r.blocks:
                for op in b.ops:
                    yield from op.walk()

    def __repr__(self) -> str:
        return f"<Operation {self.name}>"


class Block:
    __slots__ = ("args", "ops", "parent")

    def __init__(self, args=(), ops=()):
        self.args: list[Value] = list(args)
        for i, a in enumerate(self.args):
            a.owner, a.index = self, i
        self.ops: list[Operation] = []
        self.parent = None
        for op in ops:
            self.append(op)

    def append(self, op: Operation) -> Operation:
        op.parent = self
        self.ops.append(op)
        return op

    @property
    def terminator(self) -> Operation | None:
        return self.ops[-1] if self.ops else None


class Region:
    __slots__ = ("blocks", "parent", "end_pos")

    def __init__(self, blocks=()):
        self.blocks: list[Block] = list(blocks)
        for b in self.blocks:
            b.parent = self
        self.parent = None
        self.end_pos: Pos | None = None

    @property
    def block(self) -> Block:
        return self.blocks[0]


class Module:
    """A parsed or built ``.xsmt`` file: module attributes and functions."""

    def __init__(self, ops=(), attrs=None, name: str | None = None, filename: str = "<string>",
                 loc: Location | None = None):
        self.ops: list[Operation] = list(ops)
        self.attrs: dict[str, Attr] = dict(attrs or {})
        self.name = name
        self.filename = filename
        self.loc = loc
        self.warnings: list[str] = []

    @property
    def functions(self) -> list[Operation]:
        return [op for op in self.ops if op.name in ("tt.func", "func.func")]

    def attr(self, name: str, default=None):
        a = self.attrs.get(name)
        return default if a is None else a.value

    def to_text(self, generic: bool = False) -> str:
        from k1sim.ir.printer import print_module
        return print_module(self, generic=generic)

    def __str__(self) -> str:
        return self.to_text()

    def __eq__(self, other) -> bool:
        return isinstance(other, Module) and structure(self) == structure(other)

    __hash__ = None

    def walk(self):
        for op in self.ops:
            yield from op.walk()


def structure(module: Module) -> tuple:
    """A name- and position-independent key of a module, for equality."""
    numbers: dict[int, int] = {}

    def num(v: Value) -> int:
        return numbers.setdefault(id(v), len(numbers))

    def op_key(op: Operation) -> tuple:
        operands = tuple(numbers.get(id(v), -1) for v in op.operands)
        results = tuple((num(r), r.type) for r in op.results)
        regions = tuple(tuple(block_key(b) for b in r.blocks) for r in op.regions)
        return (op.name, operands, results, tuple(sorted(op.props.items())),
                tuple(sorted(op.attrs.items())), regions, op.loc)

    def block_key(b: Block) -> tuple:
        args = tuple((num(a), a.type, a.loc) for a in b.args)
        return args, tuple(op_key(op) for op in b.ops)

    return (module.name, tuple(sorted(module.attrs.items())), module.loc,
            tuple(op_key(op) for op in module.ops))
