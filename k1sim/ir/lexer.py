"""Tokenizer for MLIR text.

One master regular expression splits the whole file at once, which is what
makes parsing 20,000-op dumps fast. Shape prefixes such as ``128x64x`` in
``tensor<128x64xf16>`` are one token, so the type parser never has to split
identifiers apart.
"""

from __future__ import annotations

import re

from k1sim.errors import ParseError, Pos, Source

# Token kinds. Order of the alternatives matters: longer, more specific first. Punctuation
# that starts no other token, then identifiers, come first: they are most of a file's tokens.
_SPEC = [
    ("punct", r"[()\[\]{}<>,:=*+]"),
    ("ident", r"[A-Za-z_][A-Za-z0-9_$.]*"),
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
    ("arrow", r"->"),
    ("punct", r"[()\[\]{}<>,:=*?+\-]"),
    ("bad", r'.'),
    ("eof", r"\Z"),
]
# One group: the token; whitespace and comments before it are skipped.
_TOKEN = re.compile(r"(?:[ \t\r\n]+|//[^\n]*)*(" + "|".join(p for _, p in _SPEC) + ")", re.S)
_PREFIXED = {"%": "value", "@": "symbol", "^": "caret", "#": "hash", "!": "bang", '"': "string"}
_SIMPLE = {c: "ident" for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"}
_SIMPLE.update({c: "punct" for c in "()[]{}<>,:=*+"})
_SIMPLE.update(_PREFIXED)  # a prefix character alone is a bad token: checked separately

EOF = "eof"


def _classify(text: str) -> str:
    c = text[0]
    if c in _PREFIXED:
        return _PREFIXED[c] if len(text) > 1 else "bad"
    if text == "->":
        return "arrow"
    if text in ("-", "?"):
        return "punct"
    # The master expression already chose the token; only its kind is left.
    if text[-1] == "x":
        return "dims"
    if text[:2] == "0x":
        return "hex"
    if c.isdigit():
        return "int" if text.isdigit() else "float"
    return "bad"


def tokenize(source: Source) -> tuple[list[str], list[str]]:
    """Split ``source`` into parallel lists of token kinds and texts.

    Value names may contain ``-`` (``%c-7_i16``), bare identifiers may not, so
    ``f32->`` lexes as a type and an arrow. The lists end with an ``eof``
    token (the empty match at the end of the text). Character offsets are
    computed only if a position is shown.
    """
    text = source.text
    texts = _TOKEN.findall(text)
    if len(texts) > 1 and texts[-2] == "":
        texts.pop()  # the end matches twice when whitespace precedes it
    simple = _SIMPLE.get
    kinds = [simple(t[0]) or _classify(t) for t in texts[:-1]]
    kinds.append(EOF)
    offsets: list[int] = []

    def token_offsets() -> list[int]:
        if not offsets:
            offsets.extend(m.start(1) for m in _TOKEN.finditer(text))
        return offsets

    source.token_offsets = token_offsets
    if not _PREFIXED.keys().isdisjoint(texts):
        kinds = [("bad" if t in _PREFIXED else k) for k, t in zip(kinds, texts)]
    if "bad" in kinds:
        i = kinds.index("bad")
        what = "unterminated string" if texts[i] == '"' else f"unexpected character {texts[i]!r}"
        raise ParseError(what, Pos(source, token=i))
    return kinds, texts


def join_tokens(texts) -> str:
    """Re-spell a token run compactly (for attributes k1sim keeps as text)."""
    out = []
    prev = ""
    for t in texts:
        if out and (prev[-1:].isalnum() or prev[-1:] in "_\"") and (t[:1].isalnum() or t[:1]
                                                                     in "_%@#!\""):
            out.append(" ")
        elif prev == ",":
            out.append(" ")
        out.append(t)
        prev = t
    return "".join(out)


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
