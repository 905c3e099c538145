"""``xsmt_async``: the barrier lifecycle (FORMAT.md 4.4). These ops only have the generic form."""

from __future__ import annotations

from k1sim.ir import types as T
from k1sim.ir.ops.common import check_result, fail
from k1sim.ir.registry import register

SIGNATURES = {
    "xsmt_async.mbarrier_alloc": ((T.i16, T.i16, T.i16, T.i16), T.i64,
                                  "(flag, arrive, txn, expect)"),
    "xsmt_async.mbarrier_arrive": ((T.i64,), None, "(barrier)"),
    "xsmt_async.mbarrier_wait": ((T.i64, T.i16, T.i16), None, "(barrier, parity, count)"),
    "xsmt_async.mbarrier_release": ((T.i64,), None, "(barrier)"),
}


def _verifier(name: str):
    ins, out, names = SIGNATURES[name]

    def verify(op) -> None:
        got = tuple(v.type for v in op.operands)
        if got != ins:
            fail(op, f"'{name}' takes {names} of types ({', '.join(map(str, ins))}), got "
                     f"({', '.join(map(str, got))})")
        if out is None:
            if op.results:
                fail(op, f"'{name}' has no results")
        elif len(op.results) != 1:
            fail(op, f"'{name}' has one {out} result")
        else:
            check_result(op, out)

    return verify


for _name in SIGNATURES:
    register(_name, verify=_verifier(_name))
