"""Every registered op decomposes, in every kernel of the library and the corpus, on every arch."""

from pathlib import Path

import pytest

from k1sim.cost import Uses, decompose
from k1sim.cost.fusion import absorbed_load
from k1sim.cost.work import ABSORBED_LOAD, ENGINES, SCOPES, UNITS, Transfer
from k1sim.ir.parser import parse
from k1sim.ir.registry import OPS, load_all
from tests.cost.helpers import A60, A100, AME, X60

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(ROOT.glob("kernels/*.xsmt")) + sorted(ROOT.glob("tests/corpus/*.xsmt"))
ARCHS = {"a60": A60, "x60": X60, "a100": A100, "ame": AME}


def functions(path):
    return parse(path.read_text(), path.name).functions


def check(w, op):
    assert w.unit in UNITS and w.engine in ENGINES, op
    assert w.issue_cycles >= 0 and w.fill_cycles >= 0 and w.reg_bytes >= 0, op
    assert all(isinstance(n, int) and n > 0 for n in w.ops.values()), op
    for t in w.transfers:
        assert isinstance(t, Transfer) and t.scope in SCOPES and t.nbytes > 0, op
        if t.operand == ABSORBED_LOAD:
            assert op.name == "xsmt.pack" and t.window, op
        else:
            assert 0 <= t.operand < len(op.operands), op
    if w.fused_into:
        assert (w.unit, w.issue_cycles, w.reg_bytes, w.transfers) == ("none", 0.0, 0, ()), op
    if w.warning:
        assert w.warning.startswith(f"{op.name} runs on "), op


@pytest.mark.parametrize("arch", ARCHS.values(), ids=ARCHS.keys())
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_op_of_every_kernel_decomposes(path, arch):
    for func in functions(path):
        uses = Uses.of(func)
        for op in func.walk():
            check(decompose(op, arch, uses), op)
            check(decompose(op, arch), op)


def test_the_kernels_use_every_registered_op():
    load_all()
    seen = {op.name for path in FILES for func in functions(path) for op in func.walk()}
    assert set(OPS) <= seen


def test_memory_ops_have_transfers_and_compute_ops_do_not():
    for path in FILES:
        for func in functions(path):
            uses = Uses.of(func)
            for op in func.walk():
                w = decompose(op, A60, uses)
                moves = (op.name in ("tt.load", "tt.store", "xsmt.descriptor_load_view")
                         and w.fused_into is None
                         or op.name == "xsmt.pack" and absorbed_load(op, uses) is not None)
                assert bool(w.transfers) == moves, op
                assert (w.unit == "lsu") == moves, op
