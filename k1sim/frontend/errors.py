"""The front end's errors: located at the kernel's Python line, never a traceback."""

from __future__ import annotations

import linecache

from k1sim.errors import K1SimError, ParseError


class UnsupportedError(K1SimError, AttributeError):
    """A name or construct the front end does not support; an AttributeError too, so
    ``hasattr(tl, "x")`` and ``getattr(tl, "x", None)`` keep working on the stand-ins."""


class TraceError(ParseError):
    """An error at a line of the kernel's Python source (shown with the line and a caret).

    ``column`` is 1-based, like every k1sim diagnostic (op locations keep Triton's
    0-based column)."""

    def __init__(self, message: str, filename: str, line: int, column: int):
        text = linecache.getline(filename, line).rstrip("\n") if line else None
        super().__init__(message, filename=filename, line=line, column=column,
                         line_text=text or None)
