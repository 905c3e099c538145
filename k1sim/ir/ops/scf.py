"""``scf``: loops, conditionals and yields (FORMAT.md 4.1).

``scf.for … {bind_sub_block = true}`` is ``smt.parallel``: a loop whose
iterations run concurrently on the threads of the stream.
"""

from __future__ import annotations

from k1sim.ir import types as T
from k1sim.ir.ops.common import (check_terminator, fail, parse_terminator, print_terminator,
                                 verify_terminator)
from k1sim.ir.printer import implied_yield
from k1sim.ir.registry import Parsed, register


def _parse_for(p, opdef) -> Parsed:
    """scf.for %iv = %lb to %ub step %st (':' T)? (iter_args '(' %a = %init, … ')' '->' '(' types ')')?
    (':' T)? region attr-dict?"""
    iv_tok = p.i
    p.expect_kind("value", "the induction variable")
    p.expect("=", "after the induction variable")
    lb = p.operand()
    p.expect("to", "between the loop bounds")
    ub = p.operand()
    p.expect("step", "after the upper bound")
    step = p.operand()
    iv_type = p.parse_type() if p.optional(":") else None
    inits, arg_toks = [], []
    result_types: list = []
    if p.optional("iter_args"):
        p.expect("(", "after 'iter_args'")
        while True:
            arg_toks.append(p.i)
            p.expect_kind("value", "an iteration argument")
            p.expect("=")
            inits.append(p.operand())
            if not p.optional(","):
                break
        p.expect(")", "to close iter_args")
        p.expect("->", "before the loop's result types")
        result_types = list(p.parse_paren_types() if p.peek() == "(" else (p.parse_type(),))
        if len(result_types) != len(inits):
            raise p.error(f"scf.for has {len(inits)} iter_args but {len(result_types)} result "
                          "types")
        p.typecheck(inits, result_types)
    if iv_type is None and p.optional(":"):
        iv_type = p.parse_type()
    iv_type = iv_type or T.index
    p.typecheck([lb, ub, step], [iv_type] * 3)
    args = [(p.new_arg(iv_tok, iv_type), iv_tok)]
    args += [(p.new_arg(tok, t), tok) for tok, t in zip(arg_toks, result_types)]
    region = p.parse_region(args)
    attrs = p.parse_optional_attr_dict()
    return Parsed([lb, ub, step, *inits], result_types, {}, attrs, [region])


def _print_for(pr, op) -> None:
    lb, ub, step, *inits = op.operands
    block = op.regions[0].block
    if any(a.loc is not None for a in block.args):
        return pr.generic_op(op)  # the custom form has no place for argument locations
    names = pr.declare_args(block.args)
    pr.w(f"scf.for {names[0]} = {pr.v(lb)} to {pr.v(ub)} step {pr.v(step)}")
    if inits:
        pairs = ", ".join(f"{n} = {pr.v(v)}" for n, v in zip(names[1:], inits))
        types = ", ".join(str(r.type) for r in op.results)
        pr.w(f" iter_args({pairs}) -> ({types})")
    if lb.type != T.index:
        pr.w(f" : {lb.type}")
    pr.w(" ")
    pr.region(op.regions[0], elide_yield=not inits)
    pr.end_declared()
    pr.attr_dict({**op.props, **op.attrs})


def _finish_for(op) -> None:
    if len(op.regions) != 1:
        fail(op, "scf.for has one region")
    check_terminator(op, op.regions[0], "scf.yield", implied=not op.results)


def _verify_for(op) -> None:
    if len(op.operands) < 3:
        fail(op, "scf.for needs a lower bound, an upper bound and a step")
    lb, ub, step, *inits = op.operands
    t = lb.type
    if not isinstance(t, (T.IntType, T.IndexType)) or ub.type != t or step.type != t:
        fail(op, f"scf.for bounds and step must share one integer or index type, got "
                 f"{lb.type}, {ub.type}, {step.type}")
    block = op.regions[0].block
    if [a.type for a in block.args] != [t] + [v.type for v in inits]:
        fail(op, "scf.for region arguments must be the induction variable and the iter_args")
    if [r.type for r in op.results] != [v.type for v in inits]:
        fail(op, "scf.for results must match its iter_args")
    _check_yield(op, block.terminator, [v.type for v in inits])
    if op.prop("bind_sub_block") and inits:
        fail(op, "a parallel loop (bind_sub_block = true) cannot have iter_args: its "
                 "iterations run concurrently")


def _check_yield(op, yield_op, want) -> None:
    got = [v.type for v in yield_op.operands]
    if got != list(want):
        fail(yield_op, f"scf.yield gives ({', '.join(map(str, got))}) but '{op.name}' "
                       f"expects ({', '.join(map(str, want))})")


register("scf.for", parse=_parse_for, print=_print_for, finish=_finish_for, verify=_verify_for)


def _parse_if(p, opdef) -> Parsed:
    """scf.if %cond ('->' '(' types ')')? region ('else' region)? attr-dict?"""
    cond = p.operand()
    result_types = []
    if p.optional("->"):
        result_types = list(p.parse_paren_types() if p.peek() == "(" else (p.parse_type(),))
    regions = [p.parse_region()]
    if p.optional("else"):
        regions.append(p.parse_region())
    attrs = p.parse_optional_attr_dict()
    return Parsed([cond], result_types, {}, attrs, regions)


def _print_if(pr, op) -> None:
    pr.w(f"scf.if {pr.v(op.operands[0])}")
    if op.results:
        pr.w(f" -> ({', '.join(str(r.type) for r in op.results)})")
    pr.w(" ")
    pr.region(op.regions[0], elide_yield=not op.results)
    else_ops = op.regions[1].block.ops if len(op.regions) > 1 else []
    if else_ops and (op.results or len(else_ops) > 1 or not implied_yield(else_ops[0])):
        pr.w(" else ")
        pr.region(op.regions[1], elide_yield=not op.results)
    pr.attr_dict({**op.props, **op.attrs})


def _finish_if(op) -> None:
    from k1sim.ir.core import Block, Region
    if not 1 <= len(op.regions) <= 2:
        fail(op, "scf.if has a then region and an optional else region")
    if len(op.regions) == 1:
        if op.results:
            fail(op, "scf.if with results needs an else region")
        else_region = Region([Block()])
        else_region.parent = op
        op.regions.append(else_region)
    for r in op.regions:
        check_terminator(op, r, "scf.yield", implied=not op.results)


def _verify_if(op) -> None:
    if len(op.operands) != 1 or op.operands[0].type != T.i1:
        fail(op, "scf.if needs one i1 condition")
    for r in op.regions:
        _check_yield(op, r.block.terminator, [x.type for x in op.results])


register("scf.if", parse=_parse_if, print=_print_if, finish=_finish_if, verify=_verify_if)


register("scf.yield", parse=parse_terminator, print=print_terminator, verify=verify_terminator,
         terminator=True)
