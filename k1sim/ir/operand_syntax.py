"""Value scopes and operand reading, the part of the parser that op custom forms call."""

from __future__ import annotations

from k1sim.ir.core import Value
from k1sim.ir.lexer import EOF
from k1sim.ir.syntax import TokenStream


class OperandSyntax(TokenStream):
    def __init__(self, text: str, filename: str):
        super().__init__(text, filename)
        self.visible: dict[str, Value] = {}
        self.def_pos: dict[str, int] = {}
        self.scope_stack: list[list[str]] = [[]]
        self.uses: list[tuple[Value, int]] = []

    # -- scopes ---------------------------------------------------------
    def push_scope(self) -> None:
        self.scope_stack.append([])

    def pop_scope(self) -> None:
        visible, def_pos = self.visible, self.def_pos
        for name in self.scope_stack.pop():
            del visible[name]
            del def_pos[name]

    def declare(self, name: str, value: Value, tok: int) -> None:
        if name in self.visible:
            line, col = self.pos(self.def_pos[name]).line_col
            raise self.error(f"redefinition of '%{name}' (first defined at {line}:{col}); "
                             "a name stays visible to the end of its region", tok)
        self.visible[name] = value
        self.def_pos[name] = tok
        self.scope_stack[-1].append(name)

    def new_arg(self, tok: int, type_) -> Value:
        """A block argument named by the value token at ``tok``."""
        name = self.texts[tok][1:]
        if "#" in name:
            raise self.error("a block argument cannot be a result-group use", tok)
        return Value(type_, name=name)

    # -- operands -------------------------------------------------------
    def operand(self) -> Value:
        if self.kinds[self.i] != "value":
            raise self.error(f"expected an SSA value (%name), found {self.found()}")
        v = self.visible.get(self.texts[self.i][1:])
        if v is None:
            raise self.error(f"use of undefined value '{self.texts[self.i]}'")
        self.uses.append((v, self.i))
        self.i += 1
        return v

    def optional_operand(self) -> Value | None:
        return self.operand() if self.kinds[self.i] == "value" else None

    def operand_list(self) -> list[Value]:
        """values ::= value (',' value)*"""
        out = [self.operand()]
        while self.texts[self.i] == ",":
            if self.kinds[self.i + 1] == EOF:
                # A file cut off after a comma: the error belongs at its end, not at the comma.
                raise self.error("unexpected end of file in the operand list", self.i + 1)
            if self.kinds[self.i + 1] != "value":
                break
            self.i += 1
            out.append(self.operand())
        return out

    def bracket_operands(self) -> list[Value]:
        """'[' values? ']'"""
        self.expect("[")
        out = [] if self.texts[self.i] == "]" else self.operand_list()
        self.expect("]", "to close the operand list")
        return out

    def indexed_operand(self) -> tuple[Value, Value]:
        """value '[' value ']'  (a buffer, barrier group or tensor and an index into it)"""
        base = self.operand()
        self.expect("[", "before the index")
        index = self.operand()
        self.expect("]", "after the index")
        return base, index

    def typecheck(self, values, types) -> None:
        """Check operands against the types the custom form printed for them."""
        for v, t in zip(values, types):
            if v.type != t:
                tok = next((j for u, j in reversed(self.uses) if u is v), self.i)
                raise self.error(f"'{self.texts[tok]}' has type {v.type} but is used here "
                                 f"as {t}", tok)
