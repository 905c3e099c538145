"""IME: SpacemiT's matrix instructions on the vector registers (A60 IME1, A100 IME2).

An IME instruction (``smt.vmadot`` and kin) computes ``C += A · Bᵀ`` on one engine tile
(A60 i8: 4 × 8 × 4; A100 i8: 8 × 16 × 8, f16: 8 × 8 × 8) with its operands and accumulators
in the 32 RVV registers, so the vector registers and the L1 load path feed it, and its
instructions take the vector unit's issue slots (the core keeps it busy too).
``cost(shape, arch)`` gives an mmt4d's instructions, issue cycles, latency and the L1
traffic of its register-blocking plan.
"""

from k1sim.ime.engine import EngineCost, cost, instructions

__all__ = ["EngineCost", "cost", "instructions"]

# The core units an IME instruction keeps busy: the matrix engine and the vector pipeline
# whose registers and issue slots it uses.
OCCUPIES = ("matrix", "vector")
