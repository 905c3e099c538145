"""mmt4d engine choice, instruction counts, register blocking and tt.dot (issue 4 "Cost model";
issue 10 mechanism 6: the register-blocking plan)."""

import pytest

from k1sim import ame, ime
from k1sim.cores.units import timed
from k1sim.cost import decompose
from k1sim.cost.matrix import choose_engine
from tests.cost.helpers import A60, A100, AME, X60, fake_arch, kernel, op, tile


def mmt4d(a_shape, b_shape, dtype="i8", out=None, third=False):
    """A kernel with one mmt4d of constant operands; returns (the mmt4d, Uses)."""
    out = out or {"i8": "i32", "i4": "i32", "f16": "f32", "bf16": "f32"}.get(dtype, dtype)
    ta = f"tensor<{'x'.join(map(str, a_shape))}x{dtype}>"
    tb = f"tensor<{'x'.join(map(str, b_shape))}x{dtype}>"
    c_shape = (a_shape[0], b_shape[0], a_shape[2], b_shape[2])
    tc = f"tensor<{'x'.join(map(str, c_shape))}x{out}>"
    zero = "0.0" if dtype.startswith(("f", "b")) else "0"
    zc = "0.0" if out.startswith(("f", "b")) else "0"
    body = (f"    %a = arith.constant dense<{zero}> : {ta}\n"
            f"    %b = arith.constant dense<{zero}> : {tb}\n")
    if third:
        body += (f"    %d = arith.constant dense<{zc}> : {tc}\n"
                 f"    %c = xsmt.mmt4d %a, %b, %d : {ta}, {tb}, {tc} -> {tc}")
    else:
        body += f"    %c = xsmt.mmt4d %a, %b : {ta}, {tb} -> {tc}"
    func, uses = kernel(body)
    return op(func, "xsmt.mmt4d"), uses


def test_a60_i8_runs_on_the_ime_with_the_exact_instruction_count():
    # A [M1=4, K1=4, m0=16, k0=32], B [N1=2, K1=4, n0=16, k0=32]; IME1 tile 4 x 8 x 4 (M x K x N):
    # 4*2*4 steps x (16/4)*(16/4)*(32/8) = 32 x 64 = 2048 vmadot.
    mm, uses = mmt4d((4, 4, 16, 32), (2, 4, 16, 32))
    w = decompose(mm, A60, uses)
    assert (w.unit, w.engine, w.warning) == ("matrix", "ime", None)
    c = ime.cost(w.matrix, A60)
    assert c.instructions == ime.instructions(w.matrix) == 2048
    assert c.issue_cycles == 2048 / A60.matrix.instructions_per_cycle
    assert c.fill_cycles == A60.matrix.latency_cycles - 1
    assert w.ops == {"i8": 2 * (4 * 16) * (2 * 16) * (4 * 32)}
    # register blocking over engine tiles: 16 x 8 accumulator tiles (64 B each), 16 K steps
    # of 32-B A and B tiles; an mr x nr block and its operands fit the 1 KiB register file
    p = c.plan
    assert p.mr * p.nr * 64 + p.mr * 32 + p.nr * 32 <= 1024
    assert p.a_bytes == 16 * 16 * 32 * -(-8 // p.nr)
    assert p.b_bytes == 8 * 16 * 32 * -(-16 // p.mr)
    assert p.c_bytes == 16 * 8 * 64
    # the best block loads less than the naive one tile pair per instruction
    assert c.reg_bytes == p.a_bytes + p.b_bytes + p.c_bytes < 2048 * 64


def test_register_resident_operands_cost_no_l1_traffic():
    # A, B (256 B each) and C (256 B of i32) together fit the 1 KiB register file
    mm, uses = mmt4d((2, 4, 4, 8), (2, 4, 4, 8))
    c = ime.cost(decompose(mm, A60, uses).matrix, A60)
    assert (c.instructions, c.reg_bytes) == (16, 0)
    assert c.plan.mr == 0


def test_instructions_per_cycle_divides_the_issue_bound():
    mm, uses = mmt4d((4, 4, 16, 32), (2, 4, 16, 32))
    half = fake_arch(ipc=0.5)
    assert decompose(mm, half, uses).issue_cycles == 2 * decompose(mm, A60, uses).issue_cycles


@pytest.mark.parametrize("a_shape, b_shape, why", [
    ((1, 1, 6, 8), (1, 1, 4, 8), "micro tile 6x8x4 (m0 x k0 x n0) is not a multiple of the i8 "
                                 "IME tile 4x8x4 (M x K x N)"),
    ((1, 1, 4, 8), (1, 1, 2, 8), "micro tile 4x8x2"),
    ((1, 1, 4, 12), (1, 1, 4, 12), "micro tile 4x12x4"),
])
def test_non_multiple_micro_tiles_fall_back_to_rvv_with_a_warning_naming_the_op(a_shape, b_shape,
                                                                                 why):
    mm, uses = mmt4d(a_shape, b_shape)
    w = decompose(mm, A60, uses)
    assert (w.unit, w.engine, w.fill_cycles) == ("vector", "rvv", A60.latency.vector_int_cycles - 1)
    assert w.warning.startswith("xsmt.mmt4d runs on RVV: " + why)
    M, N, K = a_shape[2], b_shape[2], a_shape[3]
    assert w.issue_cycles == 2 * M * N * K / A60.rvv.fma_flops_per_cycle["i8"]


def test_a_dtype_without_a_tile_falls_back_with_the_reason():
    mm, uses = mmt4d((2, 4, 8, 16), (2, 4, 16, 16), dtype="f16")
    w = decompose(mm, A60, uses)
    assert w.engine == "rvv"
    assert "the IME of 0xA03C (spacemit-a60) has no f16 tile (its tiles: i8)" in w.warning
    macs = (2 * 8) * (2 * 16) * (4 * 16)
    assert w.issue_cycles == 2 * macs / A60.rvv.fma_flops_per_cycle["f16"]
    assert w.ops == {"f16": 2 * macs}


def test_an_arch_without_a_matrix_engine_uses_the_i8_fma_figure():
    mm, uses = mmt4d((4, 4, 16, 32), (2, 4, 16, 32))
    w = decompose(mm, X60, uses)
    assert w.engine == "rvv" and "0x503C (spacemit-x60) has no matrix engine" in w.warning
    assert w.issue_cycles == 2 * 64 * 32 * 128 / 64.0


def test_a100_has_f16_and_i4_tiles():
    mm, uses = mmt4d((1, 2, 16, 16), (1, 2, 8, 16), dtype="f16")
    w = decompose(mm, A100, uses)
    assert (w.engine, w.warning) == ("ime", None)
    assert ime.instructions(w.matrix) == 2 * (16 // 8) * (8 // 8) * (16 // 8)
    assert choose_engine(A100, "i4", 8, 32, 8)[:2] == ("ime", A100.matrix.tiles["i4"])
    assert choose_engine(A100, "i4", 8, 16, 8)[0] == "rvv"  # k0 16 is not a multiple of 32


def test_the_ame_masks_partial_tiles_instead_of_falling_back():
    mm, uses = mmt4d((1, 1, 16, 4), (1, 1, 16, 4), dtype="f16")  # AME f16 tile 32 x 2 x 32
    w = decompose(mm, AME, uses)
    assert (w.unit, w.engine, w.warning) == ("matrix", "ame", None)
    assert ame.instructions(w.matrix) == 1 * 1 * 2  # ceil(16/32) * ceil(16/32) * ceil(4/2)
    i8, u8 = mmt4d((1, 1, 32, 4), (1, 1, 32, 4), dtype="bf16")
    assert decompose(i8, AME, u8).engine == "rvv"  # no bf16 tile on this AME


def test_the_op_takes_the_longer_of_issue_and_operand_traffic_and_names_it():
    # micro tile = engine tile and K too long to keep in registers: 16 instructions but
    # every A and B tile streams from L1 (64 B per instruction at 32 B/cycle); the one
    # accumulator tile stays in registers
    small, u1 = mmt4d((1, 64, 4, 8), (1, 64, 4, 8))
    t = timed(decompose(small, A60, u1), A60)
    assert t.reg_bytes == 64 * 64
    assert t.busy == t.reg_bytes / A60.l1.bw_bytes_per_cycle
    assert t.bound == "L1" and t.units == ("matrix", "vector") and t.operand == t.busy
    # big micro tiles reuse each loaded tile across many instructions: issue-bound
    big, u2 = mmt4d((1, 4, 32, 32), (1, 4, 32, 32))
    t = timed(decompose(big, A60, u2), A60)
    assert t.busy == 4 * 8 * 8 * 4 and t.bound == "ime"
    assert t.fill == A60.matrix.latency_cycles - 1
    # the same op on an arch with a quarter of the L1 bandwidth flips to L1-bound
    narrow = fake_arch(l1_bw=8.0)
    assert timed(decompose(big, narrow, u2), narrow).bound == "L1"


def test_the_three_operand_form_does_not_read_its_destination():
    two, u2 = mmt4d((1, 1, 4, 8), (1, 1, 4, 8))
    three, u3 = mmt4d((1, 1, 4, 8), (1, 1, 4, 8), third=True)
    assert timed(decompose(three, A60, u3), A60) == timed(decompose(two, A60, u2), A60)


def test_tt_dot_is_rvv_fmas():
    func, uses = kernel("""
    %a = arith.constant dense<0.0> : tensor<16x32xf32>
    %b = arith.constant dense<0.0> : tensor<32x8xf32>
    %c = arith.constant dense<0.0> : tensor<16x8xf32>
    %d = tt.dot %a, %b, %c : tensor<16x32xf32> * tensor<32x8xf32> -> tensor<16x8xf32>""")
    w = decompose(op(func, "tt.dot"), A60, uses)
    flops = 2 * 16 * 8 * 32
    assert (w.unit, w.engine, w.ops) == ("vector", "rvv", {"f32": flops})
    assert w.issue_cycles == flops / A60.rvv.fma_flops_per_cycle["f32"]
    # c and the result (512 B each) fill the 1 KiB register file; a and b stream from L1
    assert w.reg_bytes == 16 * 32 * 4 + 32 * 8 * 4


def test_choose_engine_prefers_nothing_on_an_arch_of_kind_none_even_with_tiles():
    odd = fake_arch(kind="none", tiles={"i8": tile(4, 8, 4)})
    assert choose_engine(odd, "i8", 4, 8, 4)[0] == "rvv"
