"""Token stream with the parsers for types; attributes and locations come from
``attr_syntax``.

Each construct has a ``parse_X`` that raises when ``X`` is absent and, where a
caller needs to branch, a ``parse_optional_X`` that returns ``None`` instead.
Grammars are in the docstrings.
"""

from __future__ import annotations

from k1sim.errors import ParseError, Pos, Source
from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.attr_syntax import AttrSyntax
from k1sim.ir.lexer import EOF, tokenize, unescape

TYPE_HELP = ("types are i1 i4 i8 i16 i32 i64 index f16 bf16 f32 f64, tensor<DxDxT>, "
             "!tt.ptr<T>, !tt.ptr<tensor<…>>, !xsmt.buffer<…>, !xsmt.mbarrier<N>")


_TENSORS: dict[tuple[str, str], T.TensorType] = {}


class TokenStream(AttrSyntax):
    def __init__(self, text: str, filename: str):
        self.source = Source(filename, text)
        self.kinds, self.texts = tokenize(self.source)
        self.i = 0
        self.attr_aliases: dict[str, A.Attr] = {}
        self.alias_refs = 0

    # -- tokens ---------------------------------------------------------
    def pos(self, i: int | None = None) -> Pos:
        return Pos(self.source, token=self.i if i is None else i)

    def error(self, message: str, i: int | None = None) -> ParseError:
        return ParseError(message, self.pos(i))

    def found(self) -> str:
        if self.kinds[self.i] == EOF:
            return "end of file"
        return f"'{self.texts[self.i]}'"

    def peek(self) -> str:
        return self.texts[self.i]

    def peek_kind(self) -> str:
        return self.kinds[self.i]

    def advance(self) -> str:
        text = self.texts[self.i]
        self.i += 1
        return text

    def optional(self, text: str) -> bool:
        if self.texts[self.i] == text and self.kinds[self.i] != "string":
            self.i += 1
            return True
        return False

    def expect(self, text: str, context: str = "") -> None:
        if self.texts[self.i] != text or self.kinds[self.i] == "string":
            where = f" {context}" if context else ""
            raise self.error(f"expected '{text}'{where}, found {self.found()}")
        self.i += 1

    def expect_kind(self, kind: str, what: str) -> str:
        if self.kinds[self.i] != kind:
            raise self.error(f"expected {what}, found {self.found()}")
        return self.advance()

    def parse_int(self, what: str = "an integer") -> int:
        neg = self.optional("-")
        kind = self.kinds[self.i]
        if kind == "int":
            v = int(self.advance())
        elif kind == "hex":
            v = int(self.advance(), 16)
        else:
            raise self.error(f"expected {what}, found {self.found()}")
        return -v if neg else v

    def parse_string(self) -> str:
        return unescape(self.expect_kind("string", "a string literal"))

    def parse_keyword(self) -> str:
        return self.expect_kind("ident", "a keyword")

    # -- types ----------------------------------------------------------
    def parse_type(self) -> T.Type:
        """type ::= scalar | tensor-type | ptr-type | buffer-type | mbarrier-type | function-type"""
        kind, text = self.kinds[self.i], self.texts[self.i]
        if kind == "ident":
            t = T.SCALARS.get(text)
            if t is not None:
                self.i += 1
                return t
            if text == "tensor":
                return self._parse_tensor()
        elif kind == "bang":
            if text == "!tt.ptr":
                self.i += 1
                return self.parse_ptr_body()
            if text == "!xsmt.buffer":
                self.i += 1
                return self.parse_buffer_body()
            if text == "!xsmt.mbarrier":
                self.i += 1
                return self.parse_mbarrier_body()
        elif text == "(":
            return self.parse_function_type()
        raise self.error(f"expected a type, found {self.found()}; {TYPE_HELP}")

    def parse_ptr_body(self) -> T.PtrType:
        """ptr-body ::= '<' type (',' int)? '>'   (after ``!tt.ptr``, or alone)"""
        self.expect("<", "after '!tt.ptr'")
        pointee = self.parse_type()
        space = self.parse_int("an address space") if self.optional(",") else 1
        self.expect(">", "to close the pointer type")
        return T.PtrType(pointee, space)

    def _parse_tensor(self) -> T.TensorType:
        start = self.i
        texts = self.texts
        # Fast path for the common spelling tensor<NxMxT>: dumps repeat a few types.
        if len(texts) > start + 4 and texts[start + 4] == ">" and texts[start + 1] == "<":
            cached = _TENSORS.get((texts[start + 2], texts[start + 3]))
            if cached is not None:
                self.i = start + 5
                return cached
        self.i += 1
        self.expect("<", "after 'tensor'")
        shape: tuple[int, ...] = ()
        if self.kinds[self.i] == "dims":
            text = self.advance()
            if "?" in text:
                raise self.error("dynamic dimensions ('?') are not supported in format v1; "
                                 "give every dimension a static size", start)
            shape = tuple(int(d) for d in text.split("x")[:-1])
        elif self.kinds[self.i] in ("int", "hex"):
            raise self.error("malformed tensor type: a dimension must be followed by 'x' "
                             "and an element type, as in tensor<32x64xf16>")
        element = self.parse_type()
        if not T.is_scalar(element) and not isinstance(element, T.PtrType):
            raise self.error(f"tensor element type must be a scalar or !tt.ptr, not {element}", start)
        self.expect(">", "to close the tensor type")
        t = T.TensorType(shape, element)
        if self.i == start + 5 and T.is_scalar(element):
            _TENSORS[(texts[start + 2], texts[start + 3])] = t
        return t

    def parse_mbarrier_body(self) -> T.MBarrierType:
        """mbarrier-body ::= '<' int '>'   (after ``!xsmt.mbarrier``, or alone)"""
        self.expect("<", "after '!xsmt.mbarrier'")
        n = self.parse_int("a slot count")
        self.expect(">", "to close the mbarrier type")
        return T.MBarrierType(n)

    def parse_buffer_body(self) -> T.BufferType:
        """buffer-body ::= '<' 'shape' '=' '[' ints ']' ',' 'elementType' '=' type ','
        'copies' '=' int ',' ('storageKind' | 'scopeKind') '=' string '>'
        (after ``!xsmt.buffer``, or alone); ``numBuffers`` is accepted for ``copies``."""
        start = self.i
        self.expect("<", "after '!xsmt.buffer'")
        fields: dict = {}
        while True:
            key = self.parse_keyword()
            self.expect("=")
            if key == "shape":
                fields[key] = tuple(self.parse_int_list())
            elif key == "elementType":
                fields[key] = self.parse_type()
            elif key in ("copies", "numBuffers"):
                fields["copies"] = self.parse_int()
            elif key in ("storageKind", "scopeKind"):
                fields["storage_key"], fields["storage"] = key, self.parse_string()
            else:
                raise self.error(f"unknown !xsmt.buffer field '{key}'; fields are shape, "
                                 "elementType, copies, storageKind (or scopeKind)", self.i - 2)
            if not self.optional(","):
                break
        self.expect(">", "to close !xsmt.buffer")
        missing = [k for k in ("shape", "elementType", "copies", "storage") if k not in fields]
        if missing:
            raise self.error(f"!xsmt.buffer lacks {', '.join(missing)}", start)
        return T.BufferType(fields["shape"], fields["elementType"], fields["copies"],
                            fields["storage"], fields["storage_key"])

    def parse_function_type(self) -> T.FunctionType:
        """function-type ::= '(' types? ')' '->' (type | '(' types? ')')"""
        return self._function_type_after(self.parse_paren_types())

    def _function_type_after(self, ins: tuple) -> T.FunctionType:
        self.expect("->", "in function type")
        if self.texts[self.i] != "(":
            return T.FunctionType(ins, (self.parse_type(),))
        outs = self.parse_paren_types()
        if self.texts[self.i] == "->":
            # `(a) -> (b) -> c`: the list just read was the inputs of a function-typed result.
            # Deciding after the fact, not by scanning ahead, keeps nested types linear.
            return T.FunctionType(ins, (self._function_type_after(outs),))
        return T.FunctionType(ins, outs)

    def parse_paren_types(self) -> tuple:
        self.expect("(")
        if self.optional(")"):
            return ()
        types = self.parse_type_list()
        self.expect(")", "to close the type list")
        return types

    def parse_type_list(self) -> tuple:
        types = [self.parse_type()]
        while self.optional(","):
            types.append(self.parse_type())
        return tuple(types)

    def parse_int_list(self) -> list[int]:
        """int-list ::= '[' (int (',' int)*)? ']'  |  '[[' … ']]'  (printed declarative form)"""
        self.expect("[")
        double = self.optional("[")
        values = []
        if self.texts[self.i] != "]":
            values.append(self.parse_int())
            while self.optional(","):
                values.append(self.parse_int())
        self.expect("]", "to close the integer list")
        if double:
            self.expect("]", "to close '[['")
        return values
