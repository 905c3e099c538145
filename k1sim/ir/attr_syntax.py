"""Parsers for attributes and locations, mixed into the token stream.

Each construct has a ``parse_X`` that raises when ``X`` is absent and, where a
caller needs to branch, a ``parse_optional_X`` that returns ``None`` instead.
Grammars are in the docstrings.
"""

from __future__ import annotations

import struct

import numpy as np

from k1sim.errors import Pos
from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.core import CallSiteLoc, FileLoc, FusedLoc, NameLoc, UnknownLoc
from k1sim.ir.lexer import EOF, join_tokens, unescape


class AliasLoc:
    """A ``loc(#name)`` reference, replaced once every alias has been read."""

    __slots__ = ("name", "pos")

    def __init__(self, name: str, pos: Pos):
        self.name, self.pos = name, pos

    def python(self):
        return None


class AttrSyntax:
    """Attribute and location parsing; needs the token methods of ``TokenStream``."""

    # -- attributes -----------------------------------------------------
    def parse_attr_dict(self) -> dict:
        """attr-dict ::= '{' (entry (',' entry)*)? '}';  entry ::= name ('=' attr)?"""
        self.expect("{")
        out: dict = {}
        if self.optional("}"):
            return out
        while True:
            kind = self.kinds[self.i]
            if kind == "string":
                name = self.parse_string()
            elif kind == "ident":
                name = self.advance()
            else:
                raise self.error(f"expected an attribute name, found {self.found()}")
            out[name] = self.parse_attr() if self.optional("=") else A.UnitAttr()
            if not self.optional(","):
                break
        self.expect("}", "to close the attribute dictionary")
        return out

    def parse_optional_attr_dict(self) -> dict:
        return self.parse_attr_dict() if self.texts[self.i] == "{" else {}

    def _typed_suffix(self, default: T.Type) -> T.Type:
        return self.parse_type() if self.optional(":") else default

    def parse_attr(self) -> A.Attr:
        """attr ::= number (':' type)? | 'true' | 'false' | string | 'unit' | array<…>
        | dense<…> ':' type | '[' attrs ']' | attr-dict | type | @symbol | #alias | #dialect<…>"""
        kind, text = self.kinds[self.i], self.texts[self.i]
        if kind in ("int", "hex", "float") or text == "-":
            return self._parse_number_attr()
        if kind == "string":
            s = self.parse_string()
            if self.optional(":"):
                self.parse_type()
            return A.StringAttr(s)
        if kind == "symbol":
            self.i += 1
            return A.SymbolRefAttr(unescape(text[1:]) if text[1] == '"' else text[1:])
        if kind == "hash":
            return self._parse_hash_attr()
        if text == "[":
            self.i += 1
            items = []
            if not self.optional("]"):
                items.append(self.parse_attr())
                while self.optional(","):
                    items.append(self.parse_attr())
                self.expect("]", "to close the array attribute")
            return A.ArrayAttr(tuple(items))
        if text == "{":
            return A.DictAttr(tuple(self.parse_attr_dict().items()))
        if kind == "ident":
            if text in ("true", "false"):
                self.i += 1
                return A.BoolAttr(text == "true")
            if text == "unit":
                self.i += 1
                return A.UnitAttr()
            if text == "array":
                return self._parse_dense_array()
            if text == "dense":
                return self._parse_dense()
            if text not in T.SCALARS and text != "tensor":
                self.i += 1
                return A.OpaqueAttr(text)
        return A.TypeAttr(self.parse_type())

    def _parse_number_attr(self) -> A.Attr:
        start = self.i
        neg = self.optional("-")
        kind, text = self.kinds[self.i], self.advance()
        if kind == "float" or text in ("inf", "nan"):
            t = self._typed_suffix(T.f64)
            v = float(text)
            return A.FloatAttr(-v if neg else v, t)
        if kind not in ("int", "hex"):
            raise self.error(f"expected a number, found '{text}'", start + neg)
        v = int(text, 16) if kind == "hex" else int(text)  # MLIR reads 010 as ten
        t = self._typed_suffix(T.i64)
        if isinstance(t, T.FloatType):
            if kind != "hex":
                return A.FloatAttr(-v if neg else float(v), t)
            return A.FloatAttr(float_from_bits(v, t), t)
        if not isinstance(t, (T.IntType, T.IndexType)):
            raise self.error(f"an integer attribute needs an integer type, not {t}", start)
        return A.IntAttr(-v if neg else v, t)

    def _parse_dense_array(self) -> A.DenseArrayAttr:
        self.i += 1
        self.expect("<", "after 'array'")
        el = self.parse_type()
        values = []
        if self.optional(":"):
            values.append(self._parse_scalar_literal(el))
            while self.optional(","):
                values.append(self._parse_scalar_literal(el))
        self.expect(">", "to close the array")
        return A.DenseArrayAttr(el, tuple(values))

    def _parse_scalar_literal(self, t: T.Type):
        text = self.texts[self.i]
        if text in ("true", "false"):
            self.i += 1
            return int(text == "true")
        neg = self.optional("-")
        kind = self.kinds[self.i]
        if isinstance(t, T.FloatType):
            if kind == "hex":
                return float_from_bits(int(self.advance(), 16), t)
            if kind in ("int", "float") or self.texts[self.i] in ("inf", "nan"):
                v = float(self.advance())
                return -v if neg else v
        elif kind in ("int", "hex"):
            v = int(self.advance(), 16 if kind == "hex" else 10)
            return -v if neg else v
        raise self.error(f"expected a {t} literal, found {self.found()}")

    def _parse_dense(self) -> A.DenseAttr:
        """'dense' '<' (literal | nested-list | hex-string) '>' ':' tensor-type"""
        start = self.i
        self.i += 1
        self.expect("<", "after 'dense'")
        body_start = self.i
        depth = 0
        while True:
            t = self.texts[self.i]
            if self.kinds[self.i] == EOF:
                raise self.error("unterminated dense<…> literal", start)
            if t == "[":
                depth += 1
            elif t == "]":
                depth -= 1
            elif t == ">" and depth == 0:
                break
            self.i += 1
        body_end = self.i
        self.i += 1
        self.expect(":", "after dense<…> (a dense literal needs its tensor type)")
        ty = self.parse_type()
        if not isinstance(ty, T.TensorType):
            raise self.error(f"a dense literal needs a tensor type, not {ty}", start)
        saved = self.i
        self.i = body_start
        values = self._dense_values(body_end, ty)
        self.i = saved
        if len(values) not in (1, ty.numel):
            raise self.error(f"dense literal has {len(values)} values but {ty} holds {ty.numel}",
                             start)
        return A.DenseAttr(tuple(values), ty)

    def _dense_values(self, end: int, ty: T.TensorType) -> list:
        if self.kinds[self.i] == "string":
            return _dense_hex(self.parse_string(), ty, self)
        values = []
        while self.i < end:
            if self.texts[self.i] in ("[", "]", ","):
                self.i += 1
                continue
            values.append(self._parse_scalar_literal(ty.element))
        return values

    def _parse_hash_attr(self) -> A.Attr:
        start = self.i
        name = self.advance()
        if self.texts[self.i] == "<":
            self.skip_balanced("<", ">")
            return A.OpaqueAttr(name + join_tokens(self.texts[start + 1:self.i]))
        alias = self.attr_aliases.get(name[1:])
        if alias is None:
            raise self.error(f"undefined attribute alias '{name}'", start)
        return alias

    def skip_balanced(self, open_: str, close: str) -> None:
        """Skip a balanced ``open … close`` group."""
        start, depth = self.i, 0
        while True:
            t = self.texts[self.i]
            if self.kinds[self.i] == EOF:
                raise self.error(f"unbalanced '{open_}'", start)
            depth += (t == open_) - (t == close)
            self.i += 1
            if depth == 0:
                return

    # -- locations ------------------------------------------------------
    def parse_optional_loc(self):
        """loc ::= 'loc' '(' loc-body ')'"""
        if self.texts[self.i] != "loc" or self.texts[self.i + 1] != "(":
            return None
        self.i += 2
        loc = self.parse_loc_body()
        self.expect(")", "to close loc(…)")
        return loc

    def parse_loc_body(self):
        """loc-body ::= 'unknown' | string ':' int ':' int ('to' …)? | string ('(' loc-body ')')?
        | 'fused' ('<' attr '>')? '[' loc-body (',' loc-body)* ']'
        | 'callsite' '(' loc-body 'at' loc-body ')' | #alias"""
        kind, text = self.kinds[self.i], self.texts[self.i]
        if kind == "string":
            name = self.parse_string()
            if self.optional(":"):
                line = self.parse_int("a line number")
                self.expect(":", "between line and column")
                col = self.parse_int("a column number")
                if self.optional("to"):
                    self.optional(":")
                    self.parse_int()
                    if self.optional(":"):
                        self.parse_int()
                return FileLoc(name, line, col)
            child = None
            if self.optional("("):
                child = self.parse_loc_body()
                self.expect(")", "to close the named location")
            return NameLoc(name, child)
        if kind == "hash":
            self.i += 1
            self.alias_refs += 1
            return AliasLoc(text[1:], self.pos(self.i - 1))
        if text == "unknown":
            self.i += 1
            return UnknownLoc()
        if text == "fused":
            self.i += 1
            meta = None
            if self.optional("<"):
                meta = self.parse_attr()
                self.expect(">")
            self.expect("[", "after 'fused'")
            locs = [self.parse_loc_body()]
            while self.optional(","):
                locs.append(self.parse_loc_body())
            self.expect("]", "to close the fused location")
            return FusedLoc(tuple(locs), meta)
        if text == "callsite":
            self.i += 1
            self.expect("(", "after 'callsite'")
            callee = self.parse_loc_body()
            self.expect("at", "in callsite location")
            caller = self.parse_loc_body()
            self.expect(")", "to close the callsite location")
            return CallSiteLoc(callee, caller)
        raise self.error(f"expected a location, found {self.found()}; locations are unknown, "
                         '"file":line:col, "name"(loc), fused[…], callsite(… at …), #alias')


def float_from_bits(bits: int, t: T.Type) -> float:
    """The value of a float written as its bit pattern (``0xFF800000 : f32`` is -inf)."""
    width = t.width
    if width == 16 and t.name == "f16":
        return float(struct.unpack("<e", struct.pack("<H", bits & 0xFFFF))[0])
    if width == 16:
        return float(struct.unpack("<f", struct.pack("<I", (bits & 0xFFFF) << 16))[0])
    if width == 32:
        return float(struct.unpack("<f", struct.pack("<I", bits & 0xFFFFFFFF))[0])
    return float(struct.unpack("<d", struct.pack("<Q", bits & (2**64 - 1)))[0])


_NP_DTYPES = {"f16": np.float16, "f32": np.float32, "f64": np.float64, "i8": np.int8,
              "i16": np.int16, "i32": np.int32, "i64": np.int64}


def _dense_hex(blob: str, ty: T.TensorType, stream: AttrSyntax) -> list:
    name = str(ty.element)
    if not blob.startswith("0x") or name not in _NP_DTYPES:
        raise stream.error(f"unsupported dense literal {blob[:20]!r} for {ty}", stream.i - 1)
    data = np.frombuffer(bytes.fromhex(blob[2:]), dtype=_NP_DTYPES[name])
    return [v.item() for v in data]
