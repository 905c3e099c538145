"""How the interpreter runs one op, decided once per op: its step.

A step is ``run(ctx, vals) -> args``: it reads the op's operand values from the frame
``vals``, puts the op's results in it, and returns the operand values (the ``args`` the
timing seam is handed). Everything that depends on the op alone is resolved when the step
is made, not at every execution: the op's warning, its semantics (specialised to the op
where its kind has a specialiser), how many results it has, and for a timing-only run
which values it leaves uncomputed. An op whose value cannot change within the launch
(``same_every_time``) is computed at its first execution only.

In a timing-only run a tensor of floats is never computed, and neither is anything derived
from a value that was not: those values are None. An op that reads an address (a load or
store) still runs when only its data are missing, so its address is checked.
"""

from __future__ import annotations

from itertools import repeat
from operator import is_, itemgetter

from k1sim.engine.state import fault
from k1sim.errors import K1SimError, RuntimeFault
from k1sim.functional.semantics import OP_WARNINGS, SEMANTICS, semantics_of
from k1sim.ir import types as T

# Ops whose addresses are checked even when their data is unknown: operand 0 is the
# address, operand 1 the data (a store's value, a load's mask), the rest more addresses.
MEMORY_OPS = ("tt.load", "tt.store", "xsmt.descriptor_load_view")

_NONE = repeat(None)   # ``map(is_, args, _NONE)``: which args are None, without a frame per arg


def _any_none(args) -> bool:
    return any(map(is_, args, _NONE))


def _address_missing(args) -> bool:
    return args[0] is None or any(map(is_, args[2:], _NONE))


def float_results(op) -> bool:
    return any(isinstance(r.type, T.TensorType) and T.is_float(r.type) for r in op.results)


def operand_getter(op):
    """``get(vals)``: the op's operand values, as a tuple."""
    operands = tuple(op.operands)
    if len(operands) > 1:
        return itemgetter(*operands)
    if operands:
        only = operands[0]
        return lambda vals: (vals[only],)
    return lambda vals: ()


def pure(op) -> bool:
    """Whether ``op``'s value is a function of its operand values alone, and immutable:
    an ``arith`` op (no memory, no thread, no time) with one scalar result (a numpy scalar;
    a tensor is an array its consumers could write)."""
    return (op.dialect == "arith" and len(op.results) == 1
            and not isinstance(op.results[0].type, T.TensorType))


def computed(op) -> bool:
    """Whether a timing-only run computes ``op``'s results whenever their operand values
    are: not for a memory op (a load's data are left out) nor, to keep this simple, for any
    tensor result (a float one is never computed; an integer one is left to the check)."""
    return op.name not in MEMORY_OPS and not any(isinstance(r.type, T.TensorType)
                                                 for r in op.results)


def runner(op, timing_only: bool, same_every_time: bool = False, known: bool = False):
    """The op's step (see the module doc). ``same_every_time``: the op is ``pure`` and its
    operands have the same values at every execution of the launch (kernel arguments,
    constants and what is computed from them alone), so its value does too. ``known``:
    its operand values are always computed (kernel arguments, loop indices and what
    ``computed`` ops make of them alone), so a timing-only run need not look for None."""
    get = operand_getter(op)
    warning = OP_WARNINGS.get(op.name)
    message = warning(op) if warning is not None else None
    results = tuple(op.results)
    single = results[0] if len(results) == 1 else None
    if timing_only and float_results(op) and op.name not in MEMORY_OPS:
        return _never_computed(op, get, message, results)
    unknown = None
    if timing_only and op.operands and not known:
        unknown = _address_missing if op.name in MEMORY_OPS else _any_none
    semantics = semantics_of(op) or SEMANTICS[op.name]
    if message is None and unknown is None and single is not None:
        run = _plain(op, get, semantics, single)
        return _once(run, single) if same_every_time else run
    missing = None if len(results) <= 1 else (None,) * len(results)

    def run(ctx, vals):
        args = get(vals)
        if message is not None:
            ctx.warn(op, message)
        if unknown is not None and unknown(args):
            out = missing
        else:
            try:
                out = semantics(op, args, ctx)
            except RuntimeFault:
                raise
            except K1SimError as e:
                raise fault(op, ctx, str(e)) from None
        if single is not None:
            vals[single] = out
        elif results:
            for r, v in zip(results, out):
                vals[r] = v
        return args
    return _once(run, single) if same_every_time else run


def _plain(op, get, semantics, result):
    """The step of most ops: one result, no warning, no operand that may be missing.
    ``runner``'s general step without its tests, which cost nearly as much as the rest."""
    def run(ctx, vals):
        args = get(vals)
        try:
            vals[result] = semantics(op, args, ctx)
        except RuntimeFault:
            raise
        except K1SimError as e:
            raise fault(op, ctx, str(e)) from None
        return args
    return run


def _once(run, result):
    """``run`` at the first execution; after it, its value (and operand values) again. A
    warning it gave need not be given again (the launch keeps one of each), nor can a fault
    happen again: the first execution's would have ended the run."""
    value = args = None
    done = False

    def once(ctx, vals):
        nonlocal value, args, done
        if done:
            vals[result] = value
            return args
        args = run(ctx, vals)
        value, done = vals[result], True
        return args
    return once


def _never_computed(op, get, message, results):
    """The step of an op whose results a timing-only run never computes (float tensors)."""
    if message is None and len(results) == 1:     # most: no warning, one result
        only = results[0]

        def run_one(ctx, vals):
            args = get(vals)
            vals[only] = None
            return args
        return run_one

    def run(ctx, vals):
        args = get(vals)
        if message is not None:
            ctx.warn(op, message)
        for r in results:
            vals[r] = None
        return args
    return run
