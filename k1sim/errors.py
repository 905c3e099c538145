"""Errors k1sim raises on purpose.

Every error a user can cause is a ``K1SimError``. Errors tied to a place in a
``.xsmt`` file carry that place and render as ``file:line:col: error: message``
followed by the source line and a caret, and, when the op carries a Python
``loc``, a second line naming the Python source.
"""

from __future__ import annotations

import bisect


class K1SimError(Exception):
    """Base of every error k1sim raises on purpose."""


class Source:
    """A decoded source text with a line index, shared by every position in it."""

    __slots__ = ("filename", "text", "_line_starts", "token_offsets")

    def __init__(self, filename: str, text: str):
        self.filename = filename
        self.text = text
        self._line_starts = None
        # Set by the lexer: computes character offsets of tokens, only when a
        # position is actually shown (most parses never need one).
        self.token_offsets = None

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of a character offset."""
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def line_text(self, line: int) -> str:
        self.line_col(0)
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]


class Pos:
    """A position in a source: a character offset, or a token index resolved on demand."""

    __slots__ = ("source", "_offset", "token")

    def __init__(self, source: Source, offset: int | None = None, token: int | None = None):
        self.source = source
        self._offset = offset
        self.token = token

    @property
    def offset(self) -> int:
        if self._offset is None:
            self._offset = self.source.token_offsets()[self.token]
        return self._offset

    @property
    def line_col(self) -> tuple[int, int]:
        return self.source.line_col(self.offset)

    def __str__(self) -> str:
        line, col = self.line_col
        return f"{self.source.filename}:{line}:{col}"


# Control characters would garble the terminal; each shows as one '?' so the caret still lines up.
_UNPRINTABLE = {c: "?" for c in (*range(0x20), 0x7F) if c != 0x09}


def _caret_block(line_text: str, col: int) -> str:
    shown = line_text.rstrip("\r").expandtabs(1).translate(_UNPRINTABLE)
    if len(shown) > 200:
        start = max(0, col - 100)
        shown, col = shown[start:start + 200], col - start
    return f"{shown}\n{' ' * (col - 1)}^"


class ParseError(K1SimError):
    """An input error at a place in a ``.xsmt`` file (syntax or verification)."""

    kind = "error"

    def __init__(self, message: str, pos: Pos | None = None, pyloc: str | None = None,
                 *, filename: str | None = None, line: int = 0, column: int = 0,
                 line_text: str | None = None):
        self.message = message
        self.pyloc = pyloc
        if pos is not None:
            filename = pos.source.filename
            line, column = pos.line_col
            line_text = pos.source.line_text(line)
        self.filename = filename or "<unknown>"
        self.line = line
        self.column = column
        self.line_text = line_text
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.filename}:{self.line}:{self.column}: {self.kind}: {self.message}"
        parts = [head]
        if self.line_text is not None and self.line:
            parts.append(_caret_block(self.line_text, self.column))
        if self.pyloc:
            parts.append(f"  at {self.pyloc}")
        return "\n".join(parts)


class VerifyError(ParseError):
    """An op whose operands, attributes or types break its definition."""


class BuildError(K1SimError):
    """A Python-built program that is not a valid kernel."""


class RuntimeFault(ParseError):
    """The simulated kernel did what hardware would not survive: a memory fault, a
    capacity overflow, a deadlock. ``notes`` say where it ran (thread, program)
    and the fault's numbers."""

    def __init__(self, message: str, pos: Pos | None = None, pyloc: str | None = None,
                 notes=(), **where):
        self.notes = list(notes)
        super().__init__(message, pos, pyloc, **where)

    def __str__(self) -> str:
        head = super().__str__() if self.line else f"{self.filename}: error: {self.message}"
        return "\n".join([head, *self.notes])


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a simulation. ``result`` is the RunResult as far as it went (cycles
    so far, outputs as memory holds them, no expects checked); ``done`` programs of
    ``total`` finished. A KeyboardInterrupt, so code that does not look for it stops as
    Ctrl-C always stops it."""

    def __init__(self, result, done: int, total: int):
        self.result, self.done, self.total = result, done, total
        super().__init__(f"interrupted at cycle {result.cycles}: {done} of {total} programs "
                         "finished")
