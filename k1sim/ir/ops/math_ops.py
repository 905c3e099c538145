"""``math``: elementwise float functions (FORMAT.md 4.1)."""

from __future__ import annotations

from k1sim.ir import types as T
from k1sim.ir.ops.common import check_operands, check_result, fail, same_type_parse
from k1sim.ir.registry import register

UNARY = "exp exp2 log log2 sqrt rsqrt tanh erf absf floor ceil".split()


def _verifier(n: int):
    def verify(op) -> None:
        check_operands(op, n)
        t = op.operands[0].type
        if any(v.type != t for v in op.operands):
            fail(op, f"operands of '{op.name}' must have one type, got "
                     f"{', '.join(str(v.type) for v in op.operands)}")
        if not T.is_float(t) or isinstance(t, T.PtrType):
            fail(op, f"'{op.name}' works on float scalars or tensors, got {t}")
        check_result(op, t)

    return verify


for _name in UNARY:
    _p, _pr = same_type_parse(1, ("fastmath",))
    register(f"math.{_name}", parse=_p, print=_pr, verify=_verifier(1), props=("fastmath",))

_p, _pr = same_type_parse(3, ("fastmath",))
register("math.fma", parse=_p, print=_pr, verify=_verifier(3), props=("fastmath",))
