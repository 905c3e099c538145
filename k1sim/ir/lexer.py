"""Tokenizer for MLIR text.

One master regular expression splits the whole file at once, which is what
makes parsing 20,000-op dumps fast. Shape prefixes such as ``128x64x`` in
``tensor<128x64xf16>`` are one token, so the type parser never has to split
identifiers apart.
"""

from __future__ import annotations

import re

from k1sim.errors import ParseError, Pos, Source

# Token kinds. Order of the alternatives matters: longer, more specific first.
_SPEC = [
    ("ws", r"[ \t\r\n]+|//[^\n]*"),
    ("value", r"%[A-Za-z0-9_$.\-]+(?:#[0-9]+)?"),
    ("symbol", r'@(?:[A-Za-z_$.][A-Za-z0-9_$.\-]*|"(?:[^"\\\n]|\\.)*")'),
    ("caret", r"\^[A-Za-z0-9_$.\-]+"),
    ("hash", r"#[A-Za-z_][A-Za-z0-9_$.]*"),
    ("bang", r"![A-Za-z_][A-Za-z0-9_$.]*"),
    ("hex", r"0x[0-9a-fA-F]+(?![A-Za-z0-9_])"),
    ("dims", r"(?:[0-9]+|\?)(?:x(?:[0-9]+|\?))*x(?=[A-Za-z!])"),
    ("float", r"[0-9]+\.[0-9]*(?:[eE][+\-]?[0-9]+)?|[0-9]+[eE][+\-]?[0-9]+"),
    ("int", r"[0-9]+"),
    ("string", r'"(?:[^"\\\n]|\\.)*"'),
    ("ident", r"[A-Za-z_][A-Za-z0-9_$.]*"),
    ("arrow", r"->"),
    ("punct", r"[()\[\]{}<>,:=*?+\-]"),
    ("bad", r'"|.'),
]
_MASTER = re.compile("|".join(f"(?P<{k}>{p})" for k, p in _SPEC), re.S)

EOF = "eof"


def tokenize(source: Source) -> tuple[list[str], list[str], list[int]]:
    """Split ``source`` into parallel lists of kinds, texts and offsets.

    Value names may contain ``-`` (``%c-7_i16``), bare identifiers may not, so
    ``f32->`` lexes as a type and an arrow. The list ends with an ``eof`` token.
    """
    kinds: list[str] = []
    texts: list[str] = []
    offs: list[int] = []
    kadd, tadd, oadd = kinds.append, texts.append, offs.append
    for m in _MASTER.finditer(source.text):
        kind = m.lastgroup
        if kind == "ws":
            continue
        text = m.group()
        if kind == "bad":
            what = "unterminated string" if text == '"' else f"unexpected character {text!r}"
            raise ParseError(what, Pos(source, m.start()))
        kadd(kind), tadd(text), oadd(m.start())
    kadd(EOF), tadd(""), oadd(len(source.text))
    return kinds, texts, offs


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unescape(literal: str) -> str:
    """Decode an MLIR string literal (with its quotes)."""
    body = literal[1:-1]
    if "\\" not in body:
        return body
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            hexpair = body[i + 1:i + 3]
            if len(hexpair) == 2 and all(h in "0123456789abcdefABCDEF" for h in hexpair):
                out.append(chr(int(hexpair, 16)))
                i += 3
                continue
        out.append(c)
        i += 1
    return "".join(out)


def escape(text: str) -> str:
    """Encode a Python string as an MLIR string literal."""
    out = ['"']
    for c in text:
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20:
            out.append(f"\\{ord(c):02X}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)
