"""``arith``: constants, binary ops, comparisons, select and casts (FORMAT.md 4.1)."""

from __future__ import annotations

from k1sim.ir import attrs as A
from k1sim.ir.attrs import CMPF, CMPI
from k1sim.ir import types as T
from k1sim.ir.ops.common import (FLAG_PROPS, check_operands, check_result, check_results, fail,
                                 parse_flags, print_flags, same_type_parse)
from k1sim.ir.registry import Parsed, register

INT_BINARY = ("addi subi muli divsi divui remsi remui ceildivsi floordivsi minsi maxsi "
              "minui maxui andi ori xori shli shrsi shrui").split()
FLOAT_BINARY = "addf subf mulf divf remf maxnumf minnumf maximumf minimumf".split()

FLAGS = ("fastmath", "overflow")
FLAG_NAMES = tuple(FLAG_PROPS[f] for f in FLAGS)  # their property names


def _check_binary(op, want_float: bool) -> None:
    check_operands(op, 2)
    a, b = (v.type for v in op.operands)
    if a != b:
        fail(op, f"operands of '{op.name}' must have the same type (scalar with scalar, "
                 f"tensor with tensor of one shape): {a} vs {b}")
    kind_ok = T.is_float(a) if want_float else T.is_integer(a)
    if not kind_ok or isinstance(a, (T.PtrType,)) or not _arith_type(a):
        fail(op, f"'{op.name}' works on {'float' if want_float else 'integer'} scalars or "
                 f"tensors, got {a}")
    check_result(op, a)


def _arith_type(t) -> bool:
    return T.is_scalar(t) or (isinstance(t, T.TensorType) and T.is_scalar(t.element))


for _n in INT_BINARY:
    _p, _pr = same_type_parse(2, FLAGS)
    register(f"arith.{_n}", parse=_p, print=_pr, props=FLAG_NAMES,
             verify=lambda op: _check_binary(op, False))
for _n in FLOAT_BINARY:
    _p, _pr = same_type_parse(2, FLAGS)
    register(f"arith.{_n}", parse=_p, print=_pr, props=FLAG_NAMES,
             verify=lambda op: _check_binary(op, True))


def _verify_negf(op) -> None:
    check_operands(op, 1)
    t = op.operands[0].type
    if not (T.is_float(t) and _arith_type(t)):
        fail(op, f"'arith.negf' works on float scalars or tensors, got {t}")
    check_result(op, t)


_p, _pr = same_type_parse(1, FLAGS)
register("arith.negf", parse=_p, print=_pr, props=FLAG_NAMES, verify=_verify_negf)


# -- constant ---------------------------------------------------------------

def _parse_constant(p, opdef) -> Parsed:
    attrs = p.parse_optional_attr_dict()
    value = p.parse_attr()
    if isinstance(value, A.BoolAttr):
        value = A.IntAttr(int(value.value), T.i1)
    t = getattr(value, "type", None)
    if t is None or isinstance(value, A.TypeAttr):
        raise p.error("arith.constant needs a typed value such as '0 : i32', '1.0 : f32' or "
                      "'dense<0.0> : tensor<4xf32>'", p.i - 1)
    return Parsed([], [t], {"value": value}, attrs)


def _print_constant(pr, op) -> None:
    pr.w("arith.constant")
    pr.attr_dict(op.attrs)
    pr.w(f" {op.props['value']}")


def _verify_constant(op) -> None:
    check_operands(op, 0)
    value = op.props.get("value")
    if isinstance(value, A.BoolAttr):
        value = op.props["value"] = A.IntAttr(int(value.value), T.i1)
    if not isinstance(value, (A.IntAttr, A.FloatAttr, A.DenseAttr)):
        fail(op, f"arith.constant value must be an integer, float or dense literal, got {value}")
    check_result(op, value.type)


register("arith.constant", parse=_parse_constant, print=_print_constant, props=("value",),
         required=("value",), verify=_verify_constant)


# -- comparisons ------------------------------------------------------------

def _cmp_defs(name: str, preds: tuple, want_float: bool):
    def parse(p, opdef) -> Parsed:
        tok = p.i
        word = p.parse_keyword()
        if word not in preds:
            raise p.error(f"unknown predicate '{word}' for {name}; predicates: {' '.join(preds)}",
                          tok)
        p.expect(",")
        a = p.operand()
        p.expect(",")
        b = p.operand()
        props = parse_flags(p, ("fastmath",))
        attrs = p.parse_optional_attr_dict()
        p.expect(":")
        t = p.parse_type()
        p.typecheck([a, b], [t, t])
        props["predicate"] = A.IntAttr(preds.index(word), T.i64)
        return Parsed([a, b], [T.like(t, T.i1)], props, attrs)

    def print_(pr, op) -> None:
        rest = dict(op.props)
        pred = rest.pop("predicate")
        pr.w(f"{name} {preds[pred.value]}, {pr.vs(op.operands)}")
        rest = print_flags(pr, rest, ("fastmath",))
        pr.attr_dict({**rest, **op.attrs})
        pr.w(f" : {op.operands[0].type}")

    def verify(op) -> None:
        check_operands(op, 2)
        pred = op.props.get("predicate")
        if isinstance(pred, A.OpaqueAttr):
            word = str(pred).strip()
            if word not in preds:
                fail(op, f"unknown predicate '{word}' for {name}; predicates: {' '.join(preds)}")
            pred = op.props["predicate"] = A.IntAttr(preds.index(word), T.i64)
        if not isinstance(pred, A.IntAttr) or not 0 <= pred.value < len(preds):
            fail(op, f"{name} needs a predicate, one of {' '.join(preds)} (or 0..{len(preds) - 1})")
        a, b = (v.type for v in op.operands)
        if a != b or not _arith_type(a) or T.is_float(a) != want_float:
            kind = "float" if want_float else "integer"
            fail(op, f"'{name}' compares two {kind} values of one type, got {a} and {b}")
        check_result(op, T.like(a, T.i1))

    register(name, parse=parse, print=print_, verify=verify, props=("predicate", "fastmath"),
             required=("predicate",))


_cmp_defs("arith.cmpi", CMPI, False)
_cmp_defs("arith.cmpf", CMPF, True)


# -- select -----------------------------------------------------------------

def _parse_select(p, opdef) -> Parsed:
    c = p.operand()
    p.expect(",")
    a = p.operand()
    p.expect(",")
    b = p.operand()
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    t = p.parse_type()
    if p.optional(","):
        p.typecheck([c], [t])
        t = p.parse_type()
    p.typecheck([a, b], [t, t])
    return Parsed([c, a, b], [t], {}, attrs)


def _print_select(pr, op) -> None:
    c, a, _ = op.operands
    pr.w(f"arith.select {pr.vs(op.operands)}")
    pr.attr_dict({**op.props, **op.attrs})
    prefix = f"{c.type}, " if isinstance(c.type, T.TensorType) else ""
    pr.w(f" : {prefix}{a.type}")


def _verify_select(op) -> None:
    check_operands(op, 3)
    c, a, b = (v.type for v in op.operands)
    if a != b:
        fail(op, f"arith.select branches must have one type: {a} vs {b}")
    if c != T.i1 and c != T.like(a, T.i1):
        fail(op, f"arith.select condition must be i1 or a tensor of i1 shaped like the "
                 f"values, got {c}")
    check_result(op, a)


register("arith.select", parse=_parse_select, print=_print_select, verify=_verify_select)


# -- casts ------------------------------------------------------------------

def _parse_cast(p, opdef) -> Parsed:
    x = p.operand()
    props = parse_flags(p, ("fastmath",))
    attrs = p.parse_optional_attr_dict()
    p.expect(":")
    t_in = p.parse_type()
    p.expect("to", "between the cast's types")
    t_out = p.parse_type()
    p.typecheck([x], [t_in])
    return Parsed([x], [t_out], props, attrs)


def _print_cast(pr, op) -> None:
    pr.w(f"{op.name} {pr.v(op.operands[0])}")
    rest = print_flags(pr, op.props, ("fastmath",))
    pr.attr_dict({**rest, **op.attrs})
    pr.w(f" : {op.operands[0].type} to {op.results[0].type}")


def _width(t) -> int:
    return T.bitwidth(t)


_CASTS = {
    "extf": (T.is_float, T.is_float, lambda a, b: _width(a) < _width(b)),
    "truncf": (T.is_float, T.is_float, lambda a, b: _width(a) > _width(b)),
    "sitofp": (T.is_integer, T.is_float, None),
    "uitofp": (T.is_integer, T.is_float, None),
    "fptosi": (T.is_float, T.is_integer, None),
    "fptoui": (T.is_float, T.is_integer, None),
    "extsi": (T.is_integer, T.is_integer, lambda a, b: _width(a) < _width(b)),
    "extui": (T.is_integer, T.is_integer, lambda a, b: _width(a) < _width(b)),
    "trunci": (T.is_integer, T.is_integer, lambda a, b: _width(a) > _width(b)),
    "index_cast": (T.is_integer, T.is_integer,
                   lambda a, b: isinstance(T.element_of(a), T.IndexType)
                   != isinstance(T.element_of(b), T.IndexType)),
    "bitcast": (lambda t: True, lambda t: True, lambda a, b: _width(a) == _width(b)),
}


def _cast_verifier(kind: str):
    src_ok, dst_ok, rule = _CASTS[kind]

    def verify(op) -> None:
        check_operands(op, 1)
        check_results(op, 1)
        a, b = op.operands[0].type, op.results[0].type
        shape_a = a.shape if isinstance(a, T.TensorType) else None
        shape_b = b.shape if isinstance(b, T.TensorType) else None
        if shape_a != shape_b or not (_arith_type(a) and _arith_type(b)):
            fail(op, f"arith.{kind} converts element types of one shape, got {a} to {b}")
        if not (src_ok(a) and dst_ok(b)) or (rule and not rule(T.element_of(a),
                                                               T.element_of(b))):
            fail(op, f"arith.{kind} cannot convert {T.element_of(a)} to {T.element_of(b)}")

    return verify


for _k in _CASTS:
    register(f"arith.{_k}", parse=_parse_cast, print=_print_cast, verify=_cast_verifier(_k),
             props=("fastmath",))
