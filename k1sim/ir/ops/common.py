"""Syntax and verifier pieces shared by the op definitions."""

from __future__ import annotations

from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.lexer import join_tokens
from k1sim.ir.registry import Parsed


def fail(op, message: str):
    raise op.error(message)


def check_result(op, inferred: T.Type, index: int = 0) -> None:
    """A printed result type that disagrees with the inferred one is an error."""
    if index == 0:
        check_results(op, 1)  # only the generic form can list another count
    actual = op.results[index].type
    if actual != inferred:
        fail(op, f"result type {actual} does not match the inferred type {inferred}")


def check_operands(op, low: int, high: int | None = None) -> None:
    high = low if high is None else high
    n = len(op.operands)
    if not low <= n <= high:
        want = str(low) if low == high else f"{low} to {high}"
        fail(op, f"'{op.name}' takes {want} operand{'s' * (high != 1)}, got {n}")


def check_results(op, n: int) -> None:
    if len(op.results) != n:
        fail(op, f"'{op.name}' has {n} result{'s' * (n != 1)}, got {len(op.results)}")


def check_scalar(op, index: int, kinds: tuple, what: str) -> None:
    t = op.operands[index].type
    if not isinstance(t, kinds):
        fail(op, f"{what} must be {' or '.join(_kind_names(kinds))}, got {t}")


def _kind_names(kinds) -> list[str]:
    names = {T.IntType: "an integer", T.IndexType: "index", T.FloatType: "a float",
             T.TensorType: "a tensor", T.PtrType: "a pointer"}
    return [names.get(k, k.__name__) for k in kinds]


def check_offsets(op, offsets, rank: int, allowed: tuple, what: str = "offsets") -> None:
    if len(offsets) != rank:
        fail(op, f"'{op.name}' needs {rank} {what} (one per dimension), got {len(offsets)}")
    for v in offsets:
        if v.type not in allowed:
            names = " or ".join(str(t) for t in allowed)
            fail(op, f"{what} of '{op.name}' must be {names}, got {v.type}")


def ints(op, name: str) -> tuple:
    v = op.prop(name)
    if v is None:
        fail(op, f"'{op.name}' needs the property '{name}'")
    return tuple(v) if isinstance(v, tuple) else (v,)


def cdiv(a: int, b: int) -> int:
    return (a + b - 1) // b


# -- custom-form pieces ---------------------------------------------------

# The keyword a flag is printed with -> the property MLIR keeps it in (its generic form).
FLAG_PROPS = {"fastmath": "fastmath", "overflow": "overflowFlags"}


def parse_flags(p, names: tuple) -> dict:
    """``fastmath<…>`` / ``overflow<…>`` flags after the operands of arith/math ops."""
    props = {}
    while p.peek() in names and p.texts[p.i + 1] == "<":
        key = p.advance()
        start = p.i
        p.skip_balanced("<", ">")
        props[FLAG_PROPS[key]] = A.OpaqueAttr(f"#arith.{key}" + join_tokens(p.texts[start:p.i]))
    return props


def print_flags(pr, props: dict, names: tuple) -> dict:
    """Print the flags of ``names`` in custom form; return the props left to print."""
    rest = dict(props)
    for key in names:
        a = rest.pop(FLAG_PROPS[key], None)
        prefix = f"#arith.{key}<"
        if isinstance(a, A.OpaqueAttr) and a.text.startswith(prefix):
            pr.w(f" {key}<{a.text[len(prefix):]}")
        elif a is not None:
            rest[FLAG_PROPS[key]] = a
    return rest


def same_type_parse(n: int, flags: tuple = ()):
    """``%a, %b [flags] attr-dict : T``: n operands and one result, all of type T."""

    def parse(p, opdef) -> Parsed:
        operands = [p.operand()]
        for _ in range(n - 1):
            p.expect(",")
            operands.append(p.operand())
        props = parse_flags(p, flags)
        attrs = p.parse_optional_attr_dict()
        p.expect(":")
        t = p.parse_type()
        p.typecheck(operands, [t] * n)
        return Parsed(operands, [t], props, attrs)

    def print_(pr, op) -> None:
        pr.w(f"{op.name} {pr.vs(op.operands)}")
        rest = print_flags(pr, op.props, flags)
        pr.attr_dict({**rest, **op.attrs})
        pr.w(f" : {op.results[0].type}")

    return parse, print_


def unary_arrow_parse(p, opdef) -> Parsed:
    """``%x attr-dict : T1 -> T2`` (tt.splat, tt.broadcast, tt.reshape, tt.trans …)."""
    x = p.operand()
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    t_in = p.parse_type()
    p.expect("->")
    t_out = p.parse_type()
    p.typecheck([x], [t_in])
    return Parsed([x], [t_out], {}, attrs)


def unary_arrow_print(pr, op) -> None:
    pr.w(f"{op.name} {pr.v(op.operands[0])}")
    pr.attr_dict({**op.props, **op.attrs})
    pr.w(f" : {op.operands[0].type} -> {op.results[0].type}")


def region_error(op, region, message: str):
    """An error at a region's closing brace (where a missing terminator belongs)."""
    from k1sim.errors import VerifyError
    if region.end_pos is None:
        return op.error(message)
    return VerifyError(message, region.end_pos, op.python_loc())


def check_terminator(op, region, want: str, implied: bool = False) -> None:
    """The region's block ends in ``want``; terminators elsewhere are errors.

    With ``implied`` a missing ``want`` with no operands is added, as MLIR does
    for ``scf.yield`` in loops and ifs without results.
    """
    from k1sim.ir.registry import lookup
    block = region.block
    for inner in block.ops[:-1]:
        d = lookup(inner.name)
        if d is not None and d.terminator:
            fail(inner, f"'{inner.name}' must be the last op of its region")
    last = block.terminator
    last_def = lookup(last.name) if last is not None else None
    if last is not None and last.name == want:
        return
    if last_def is not None and last_def.terminator:
        fail(last, f"'{last.name}' cannot end the region of '{op.name}'; it needs '{want}'")
    if implied:
        from k1sim.ir.core import Operation
        block.append(Operation(want))
        return
    raise region_error(op, region, f"region of '{op.name}' must end with '{want}'")


def parse_terminator(p, opdef) -> Parsed:
    """attr-dict? (values ':' types)? attr-dict?   (returns and yields; MLIR prints the
    attributes first, older dumps after the values)"""
    attrs = p.parse_optional_attr_dict()
    values = []
    if p.peek_kind() == "value":
        values = p.operand_list()
        p.expect(":", "before the types of the values")
        p.typecheck(values, p.parse_type_list())
    attrs.update(p.parse_optional_attr_dict())
    return Parsed(values, [], {}, attrs)


def print_terminator(pr, op) -> None:
    pr.w(op.name)
    pr.attr_dict({**op.props, **op.attrs})
    if op.operands:
        pr.w(f" {pr.vs(op.operands)} : {', '.join(str(v.type) for v in op.operands)}")


def verify_terminator(op) -> None:
    if op.results:
        fail(op, f"'{op.name}' has no results")
