"""Parser for ``.xsmt`` files: modules, functions, ops and regions.

Grammar (FORMAT.md section 1)::

    file       ::= alias-def* (module | op*) alias-def* eof
    alias-def  ::= #name '=' (loc | attr)
    module     ::= 'module' @name? ('attributes' attr-dict)? '{' op* '}' loc?
    op         ::= (result (',' result)* '=')? (generic-op | custom-op) loc?
    result     ::= %name (':' int)?
    generic-op ::= string '(' values? ')' ('<' attr-dict '>')? ('(' region (',' region)* ')')?
                   attr-dict? ':' function-type
    region     ::= '{' (^label ('(' block-arg (',' block-arg)* ')')? ':')? op* '}'

Custom forms are read by each op's definition (``k1sim/ir/ops/``). Every op
is verified as soon as it is read, so errors point at the op.
"""

from __future__ import annotations

import gc
from pathlib import Path

from k1sim.errors import K1SimError, ParseError, Pos
from k1sim.ir import registry
from k1sim.ir.core import Block, FileLoc, Module, Operation, Region, UnknownLoc, Value
from k1sim.ir.lexer import EOF
from k1sim.ir.attr_syntax import AliasLoc
from k1sim.ir.operand_syntax import OperandSyntax

MAX_BYTES = 64 * 1024 * 1024


class Parser(OperandSyntax):
    def __init__(self, text: str, filename: str):
        super().__init__(text, filename)
        self.loc_aliases: dict[str, tuple] = {}
        self.warnings: list[str] = []

    # -- file and module ------------------------------------------------
    def parse_file(self) -> Module:
        if self.kinds[0] == EOF:
            raise ParseError("empty file: expected a module or a function",
                             Pos(self.source, 0))
        self._read_aliases_ahead()
        self._skip_alias_defs()
        if self.texts[self.i] == "module":
            module = self._parse_module()
        else:
            module = Module(filename=self.source.filename)
            while self.kinds[self.i] not in (EOF, "hash"):
                module.ops.append(self._parse_top_op())
        self._skip_alias_defs()
        if self.kinds[self.i] != EOF:
            raise self.error(f"expected end of file, found {self.found()}")
        module.warnings = self.warnings
        return module

    def _read_aliases_ahead(self) -> None:
        """Read every ``#name = …`` definition first: dumps put them after the module,
        but ops need them as they are read (diagnostics show the Python location)."""
        kinds, texts = self.kinds, self.texts
        starts = [j for j in range(len(kinds) - 1) if kinds[j] == "hash" and texts[j + 1] == "="]
        for j in starts:
            self.i = j + 2
            name = texts[j][1:]
            if texts[self.i] == "loc" and texts[self.i + 1] == "(":
                self.loc_aliases[name] = (self.parse_optional_loc(), self.pos(j))
            else:
                self.attr_aliases[name] = self.parse_attr()
        self.i = 0
        self.loc_aliases = {name: (self._resolve(loc, (name,)), pos)
                            for name, (loc, pos) in self.loc_aliases.items()}

    def _skip_alias_defs(self) -> None:
        while self.kinds[self.i] == "hash" and self.texts[self.i + 1] == "=":
            self.i += 2
            if self.parse_optional_loc() is None:
                self.parse_attr()

    def _parse_module(self) -> Module:
        self.i += 1
        name = self.advance()[1:] if self.kinds[self.i] == "symbol" else None
        attrs = {}
        if self.optional("attributes"):
            attrs = self.parse_attr_dict()
        self.expect("{", "to open the module body")
        module = Module(attrs=attrs, name=name, filename=self.source.filename)
        while not self.optional("}"):
            if self.kinds[self.i] == EOF:
                raise self.error("expected '}' to close the module")
            module.ops.append(self._parse_top_op())
        self.attach_loc(module)
        return module

    def _parse_top_op(self) -> Operation:
        op = self.parse_op()
        if op.name not in ("tt.func", "func.func"):
            raise ParseError(f"'{op.name}' cannot appear at module level; only tt.func and "
                             "func.func can", op.pos)
        return op

    # -- ops ------------------------------------------------------------
    def parse_op(self) -> Operation:
        start = self.i
        names = self._parse_result_names() if self.kinds[self.i] == "value" else []
        name_tok = self.i
        kind = self.kinds[name_tok]
        self.uses = []
        if kind == "string":
            name = self.parse_string()
            opdef = registry.lookup(name)
            if opdef is None:
                raise self.error(registry.unknown_op_message(name), name_tok)
            parsed = self._parse_generic()
        elif kind == "ident":
            name = self.advance()
            if name == "return":
                name = "func.return"
            opdef = registry.lookup(name)
            if opdef is None:
                raise self.error(registry.unknown_op_message(name), name_tok)
            if opdef.parse is None:
                raise self.error(f"'{name}' has no custom form; write it in generic form "
                                 f'("{name}"(…) …)', name_tok)
            parsed = opdef.parse(self, opdef)
        else:
            raise self.error(f"expected an operation, found {self.found()}")
        op = self._build(opdef, parsed, start, name_tok)
        self._bind_results(op, names, start)
        return op

    def _parse_result_names(self) -> list[tuple[str, int, int]]:
        names = []
        while True:
            tok = self.i
            text = self.expect_kind("value", "a result name")
            if "#" in text:
                raise self.error("a result name cannot have a '#N' suffix", tok)
            count = self.parse_int("a result count") if self.optional(":") else 0
            names.append((text[1:], count, tok))
            if not self.optional(","):
                break
        self.expect("=", "after the result names")
        return names

    def _parse_generic(self) -> registry.Parsed:
        self.expect("(", "to open the operand list")
        operands = [] if self.texts[self.i] == ")" else self.operand_list()
        self.expect(")", "to close the operand list")
        props = {}
        if self.texts[self.i] == "<" and self.texts[self.i + 1] == "{":
            self.i += 1
            props = self.parse_attr_dict()
            self.expect(">", "to close the properties")
        regions = []
        if self.texts[self.i] == "(" and self.texts[self.i + 1] == "{":
            self.i += 1
            regions.append(self.parse_region())
            while self.optional(","):
                regions.append(self.parse_region())
            self.expect(")", "to close the region list")
        attrs = self.parse_optional_attr_dict()
        self.expect(":", "before the generic op's function type")
        type_tok = self.i
        ftype = self.parse_function_type()
        if len(ftype.inputs) != len(operands):
            raise self.error(f"function type lists {len(ftype.inputs)} operand types for "
                             f"{len(operands)} operands", type_tok)
        self.typecheck(operands, ftype.inputs)
        parsed = registry.Parsed(operands, list(ftype.results), props, attrs, regions)
        parsed.generic = True
        return parsed

    def _build(self, opdef, parsed, start: int, name_tok: int) -> Operation:
        props, attrs = parsed.props, {}
        for key, value in parsed.attrs.items():
            if key in opdef.props and key not in props:
                props[key] = value
            else:
                attrs[key] = value
        pos = self.pos(start)
        if getattr(parsed, "generic", False):
            for key in [k for k in props if k not in opdef.props]:
                self.warnings.append(f"{pos}: warning: unknown property '{key}' on "
                                     f"'{opdef.name}' is kept and ignored")
                # Kept as a discardable attribute: custom forms print those, so it survives.
                attrs.setdefault(key, props.pop(key))
        op = Operation(opdef.name, parsed.operands, parsed.result_types, props, attrs,
                       parsed.regions, pos=pos)
        if self.texts[self.i] == "loc":
            self.attach_loc(op)
        for key in opdef.required:
            if key not in props:
                raise ParseError(f"'{opdef.name}' needs the property '{key}'", pos)
        if opdef.finish:
            opdef.finish(op)
        if opdef.verify:
            opdef.verify(op)
        return op

    def _bind_results(self, op: Operation, names, start: int) -> None:
        given = sum(c or 1 for _, c, _ in names)
        if given != len(op.results):
            have = len(op.results)
            raise self.error(f"'{op.name}' produces {have} result{'s' * (have != 1)} but "
                             f"{given} name{'s' * (given != 1)} {'were' if given != 1 else 'was'} "
                             "given", start)
        k = 0
        for base, count, tok in names:
            if count == 0:
                op.results[k].name = base
                self.declare(base, op.results[k], tok)
                k += 1
                continue
            for j in range(count):
                r = op.results[k]
                r.name = f"{base}#{j}"
                self.declare(r.name, r, tok)
                k += 1
            if count == 1:
                self.declare(base, op.results[k - 1], tok)

    # -- regions --------------------------------------------------------
    def parse_region(self, args: list[tuple[Value, int]] = ()) -> Region:
        """Parse ``{ … }``; ``args`` are (value, token) pairs the op's custom form declared."""
        open_tok = self.i
        self.expect("{", "to open a region")
        self.push_scope()
        for v, tok in args:
            self.declare(v.name, v, tok)
        block_args = [v for v, _ in args]
        if self.kinds[self.i] == "caret":
            block_args = self._parse_block_header(bool(args))
        block = Block(block_args)
        ops_append = block.append
        while self.texts[self.i] != "}" or self.kinds[self.i] == "string":
            kind = self.kinds[self.i]
            if kind == EOF:
                line, col = self.pos(open_tok).line_col
                raise self.error(f"expected '}}' to close the region opened at {line}:{col}")
            if kind == "caret":
                raise self.error("multi-block regions are not supported in format v1")
            ops_append(self.parse_op())
        end = self.i
        self.i += 1
        self.pop_scope()
        region = Region([block])
        region.end_pos = self.pos(end)
        return region

    def _parse_block_header(self, has_args: bool) -> list[Value]:
        self.i += 1
        out = []
        if self.optional("("):
            if has_args:
                raise self.error("this region's arguments are already declared by the op")
            while True:
                tok = self.i
                self.expect_kind("value", "a block argument")
                self.expect(":")
                v = self.new_arg(tok, self.parse_type())
                self.attach_loc(v)
                self.declare(v.name, v, tok)
                out.append(v)
                if not self.optional(","):
                    break
            self.expect(")", "to close the block arguments")
        self.expect(":", "after the block label")
        return out

    def attach_loc(self, owner) -> None:
        i, texts = self.i, self.texts
        if texts[i] == "loc" and i + 3 < len(texts) and texts[i + 3] == ")" \
                and self.kinds[i + 2] == "hash" and texts[i + 1] == "(":
            # loc(#alias), what dumps put on nearly every op: already resolved.
            entry = self.loc_aliases.get(texts[i + 2][1:])
            if entry is not None:
                self.i = i + 4
                owner.loc = entry[0]
                return
        aliases = self.alias_refs
        loc = self.parse_optional_loc()
        owner.loc = self._resolve(loc) if self.alias_refs != aliases else loc

    # -- location aliases -----------------------------------------------
    def _resolve(self, loc, seen=()):
        """Replace ``#alias`` references inside a location by what they name."""
        if isinstance(loc, (FileLoc, UnknownLoc)):
            return loc  # the common case: nothing inside to resolve, nothing to rebuild
        if isinstance(loc, AliasLoc):
            entry = self.loc_aliases.get(loc.name)
            if entry is None:
                raise ParseError(f"undefined location alias '#{loc.name}'", loc.pos)
            if loc.name in seen:
                raise ParseError(f"location alias '#{loc.name}' refers to itself", loc.pos)
            return self._resolve(entry[0], seen + (loc.name,))
        fields = getattr(loc, "__dataclass_fields__", None)
        if not fields:
            return loc
        values = {}
        for f in fields:
            v = getattr(loc, f)
            if isinstance(v, tuple):
                v = tuple(self._resolve(x, seen) for x in v)
            elif hasattr(v, "python"):
                v = self._resolve(v, seen)
            values[f] = v
        return type(loc)(**values)


def parse(text: str, filename: str = "<string>") -> "Module":
    """Parse ``.xsmt`` text into a verified ``Module``; raise ``ParseError`` on bad input."""
    if len(text) > MAX_BYTES:
        raise ParseError(f"file is {len(text)} characters; k1sim reads at most {MAX_BYTES}",
                         filename=filename, line=1, column=1)
    # The parse allocates many long-lived objects and frees none; collecting
    # during it only rescans the growing IR (a third of the time on large dumps).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        parser = Parser(text, filename)
        return parser.parse_file()
    except RecursionError:
        raise parser.error("nesting too deep: brackets, types, locations or regions nest "
                           "more levels than k1sim can read") from None
    finally:
        if was_enabled:
            gc.enable()


def parse_file(path) -> "Module":
    """Read and parse a ``.xsmt`` file; non-UTF-8 bytes are an error at the first bad byte."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise K1SimError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return _raise_not_utf8(data, e, str(path))
    return parse(text, str(path))


def _raise_not_utf8(data: bytes, e: UnicodeDecodeError, filename: str):
    good = data[:e.start].decode("utf-8")
    line = good.count("\n") + 1
    col = len(good) - (good.rfind("\n") + 1) + 1
    line_text = good[good.rfind("\n") + 1:]
    raise ParseError(f"invalid UTF-8 byte 0x{data[e.start]:02X}: .xsmt files are UTF-8 text",
                     filename=filename, line=line, column=col, line_text=line_text)


def parse_bytes(data: bytes, filename: str = "<bytes>") -> Module:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return _raise_not_utf8(data, e, filename)
    return parse(text, filename)


