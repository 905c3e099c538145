"""Every op of the IR can execute: a semantic function or an interpreter rule."""

from k1sim.engine import runtime_ops  # noqa: F401  (registers its semantics)
from k1sim.engine.interpreter import Interpreter
from k1sim.functional.semantics import load_all
from k1sim.ir.registry import OPS, load_all as load_ops

# Ops the interpreter itself runs (structure, terminators, the blocking wait),
# and tt.reduce's region terminator, which tt.reduce's semantics reads.
INTERPRETED = {"tt.func", "func.func", "tt.return", "func.return", "scf.yield",
               "tt.reduce.return"}


def test_every_registered_op_has_semantics_or_an_interpreter_rule():
    load_ops()
    semantics = load_all()
    interp = Interpreter(launch=None)
    missing = [name for name in OPS
               if name not in semantics and name not in interp.control and name not in INTERPRETED]
    assert missing == []
    assert not (set(interp.control) & set(semantics)), "one place per op"
