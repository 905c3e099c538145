"""Functions: ``tt.func`` / ``func.func`` and their returns (FORMAT.md 4.1).

A function is an op with one region whose entry block arguments are the
function's arguments; its properties are the ones MLIR's generic form shows
(``sym_name``, ``function_type``, ``sym_visibility``, ``arg_attrs``).
"""

from __future__ import annotations

from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.ops.common import (check_terminator, fail, parse_terminator, print_terminator,
                                 verify_terminator)
from k1sim.ir.registry import Parsed, register

FUNC_PROPS = ("sym_name", "function_type", "sym_visibility", "arg_attrs", "res_attrs")
VISIBILITY = ("public", "private", "nested")


def _parse_func(p, opdef) -> Parsed:
    props = {}
    if p.peek() in VISIBILITY and p.peek_kind() == "ident":
        props["sym_visibility"] = A.StringAttr(p.advance())
    tok = p.i
    sym = p.expect_kind("symbol", "the function name (@name)")[1:]
    props["sym_name"] = A.StringAttr(sym.strip('"'))
    p.expect("(", "to open the argument list")
    args, arg_attrs = [], []
    if not p.optional(")"):
        while True:
            atok = p.i
            p.expect_kind("value", "an argument (%name: type)")
            p.expect(":", "after the argument name")
            v = p.new_arg(atok, p.parse_type())
            arg_attrs.append(A.DictAttr(tuple(p.parse_optional_attr_dict().items())))
            p.attach_loc(v)
            args.append((v, atok))
            if not p.optional(","):
                break
        p.expect(")", "to close the argument list")
    results = ()
    if p.optional("->"):
        results = p.parse_paren_types() if p.peek() == "(" else (p.parse_type(),)
    attrs = p.parse_attr_dict() if p.optional("attributes") else {}
    props["function_type"] = A.TypeAttr(T.FunctionType(tuple(v.type for v, _ in args), results))
    if any(d.items for d in arg_attrs):
        props["arg_attrs"] = A.ArrayAttr(tuple(arg_attrs))
    regions = [p.parse_region(args)] if p.peek() == "{" else []
    if not regions and args:
        raise p.error("a function declaration without a body is not supported", tok)
    return Parsed([], [], props, attrs, regions)


def _print_func(pr, op) -> None:
    rest = dict(op.props)
    vis = rest.pop("sym_visibility", None)
    name = rest.pop("sym_name").value
    ftype = rest.pop("function_type").value
    arg_attrs = rest.pop("arg_attrs", None)
    pr.w(op.name + (f" {vis.value}" if vis else "") + " " + str(A.SymbolRefAttr(name)) + "(")
    args = op.regions[0].block.args if op.regions else []
    names = pr.declare_args(args)
    parts = []
    for i, (n, a) in enumerate(zip(names, args)):
        text = f"{n}: {a.type}"
        if arg_attrs is not None and arg_attrs.items[i].items:
            text += f" {arg_attrs.items[i]}"
        parts.append(text + pr.loc(a.loc))
    pr.w(", ".join(parts) + ")")
    if ftype.results:
        res = ftype.results
        pr.w(f" -> {res[0]}" if len(res) == 1 else f" -> ({', '.join(map(str, res))})")
    attrs = {**rest, **op.attrs}
    if attrs:
        pr.w(" attributes " + A.format_attr_dict(attrs))
    if op.regions:
        pr.w(" ")
        pr.region(op.regions[0])
    pr.end_declared()


def _returns(op) -> str:
    return "tt.return" if op.name == "tt.func" else "func.return"


def _finish_func(op) -> None:
    if op.regions:
        check_terminator(op, op.regions[0], _returns(op))


def _verify_func(op) -> None:
    ftype = op.prop("function_type")
    if not isinstance(ftype, T.FunctionType):
        fail(op, f"'{op.name}' needs a function_type property holding a function type")
    if len(op.regions) > 1:
        fail(op, f"'{op.name}' has one body region")
    if op.regions:
        args = op.regions[0].block.args
        if tuple(a.type for a in args) != ftype.inputs:
            fail(op, "the entry block arguments do not match the function type")
        ret = op.regions[0].block.terminator
        got = tuple(v.type for v in ret.operands)
        if got != ftype.results:
            fail(ret, f"'{ret.name}' returns ({', '.join(map(str, got))}) but the function "
                      f"type says ({', '.join(map(str, ftype.results))})")
    arg_attrs = op.prop("arg_attrs")
    if arg_attrs is not None and len(arg_attrs) != len(ftype.inputs):
        fail(op, "arg_attrs must have one dictionary per argument")


for _name in ("tt.func", "func.func"):
    register(_name, parse=_parse_func, print=_print_func, props=FUNC_PROPS,
             required=("sym_name", "function_type"), finish=_finish_func, verify=_verify_func)


for _name in ("tt.return", "func.return"):
    register(_name, parse=parse_terminator, print=print_terminator, verify=verify_terminator,
             terminator=True)
