"""IME: SpacemiT's matrix instructions on the vector registers (A60 IME1, A100 IME2).

An IME instruction (``smt.vmadot`` and kin) computes ``C += A · Bᵀ`` on one
engine tile (A60 i8: 4 × 8 × 4; A100 i8: 8 × 16 × 8, f16: 8 × 8 × 8) with its
operands and accumulators in the 32 RVV registers, so the vector unit's
register file and L1 feed it.
"""

from k1sim.ime.engine import Ime

__all__ = ["Ime"]
