"""Vector-unit work: elementwise rates, transcendentals, casts, movement, reductions, residency."""

import math

import pytest

from k1sim.cores.units import timed
from k1sim.cost import decompose
from k1sim.cost.vector import register_file_bytes, spilled_bytes
from k1sim.ir import types as T
from tests.cost.helpers import A60, A100, C32, kernel, op

RV = A60.rvv


def one(body: str, name: str, arch=A60, args: str = ""):
    func, uses = kernel(body, args)
    return decompose(op(func, name), arch, uses)


def test_elementwise_float_ops_run_at_the_alu_rate_and_count_one_flop_each():
    w = one("""
    %x = arith.constant dense<1.0> : tensor<64xf32>
    %y = arith.addf %x, %x : tensor<64xf32>""", "arith.addf")
    assert (w.unit, w.engine) == ("vector", "rvv")
    assert w.fill_cycles == A60.latency.vector_float_cycles - 1  # ready after its latency
    assert w.issue_cycles == 64 / RV.alu_ops_per_cycle["f32"]
    assert w.ops == {"f32": 64}
    h = one("""
    %x = arith.constant dense<1.0> : tensor<64xf16>
    %y = arith.mulf %x, %x : tensor<64xf16>""", "arith.mulf")
    assert h.issue_cycles == 64 / RV.alu_ops_per_cycle["f16"] and h.ops == {"f16": 64}


def test_math_fma_is_two_flops_per_element_at_the_fma_rate():
    w = one("""
    %x = arith.constant dense<1.0> : tensor<64xf32>
    %y = math.fma %x, %x, %x : tensor<64xf32>""", "math.fma")
    assert w.issue_cycles == 128 / RV.fma_flops_per_cycle["f32"] and w.ops == {"f32": 128}


@pytest.mark.parametrize("name", ["math.exp", "math.log", "math.tanh", "math.erf", "math.sqrt",
                                  "math.rsqrt"])
def test_transcendentals_cost_per_vlen_vector(name):
    w = one(f"""
    %x = arith.constant dense<1.0> : tensor<100xf32>
    %y = {name} %x : tensor<100xf32>""", name)
    vectors = math.ceil(100 / (RV.vlen_bits / 32))  # 13 vectors of 8 f32
    assert w.issue_cycles == vectors * RV.transcendental_cycles_per_vector
    assert w.ops == {"f32": 100}


def test_divf_is_iterative():
    w = one("""
    %x = arith.constant dense<1.0> : tensor<16xf16>
    %y = arith.divf %x, %x : tensor<16xf16>""", "arith.divf")
    assert w.issue_cycles == 1 * RV.transcendental_cycles_per_vector  # 16 f16 = one VLEN 256


def test_casts_run_at_the_wider_types_rate_and_count_nothing():
    up = one("""
    %x = arith.constant dense<1.0> : tensor<64xf16>
    %y = arith.extf %x : tensor<64xf16> to tensor<64xf32>""", "arith.extf")
    down = one("""
    %x = arith.constant dense<1.0> : tensor<64xf32>
    %y = arith.truncf %x : tensor<64xf32> to tensor<64xf16>""", "arith.truncf")
    assert up.issue_cycles == down.issue_cycles == 64 / RV.alu_ops_per_cycle["f32"]
    assert up.ops == down.ops == {}


def test_integer_tensor_arithmetic_is_address_math_and_counts_no_ops():
    w = one("""
    %x = tt.make_range {end = 64 : i32, start = 0 : i32} : tensor<64xi32>
    %y = arith.addi %x, %x : tensor<64xi32>""", "arith.addi")
    assert w.issue_cycles == 64 / RV.alu_ops_per_cycle["i32"] and w.ops == {}
    r = one("""
    %x = tt.make_range {end = 64 : i32, start = 0 : i32} : tensor<64xi32>""", "tt.make_range")
    assert r.issue_cycles == 64 / RV.alu_ops_per_cycle["i32"]


def test_rates_for_unlisted_types_scale_by_width():
    w = one("""
    %x = arith.constant dense<1> : tensor<64xi64>
    %y = arith.addi %x, %x : tensor<64xi64>""", "arith.addi")
    assert w.issue_cycles == 64 / (RV.alu_ops_per_cycle["i32"] / 2)


def test_data_movement_is_the_bytes_written_at_dlen():
    w = one(C32 + """
    %x = arith.constant dense<1.0> : tensor<32x64xf16>
    %pk = xsmt.pack %x, [%c0, %c0], [32, 64], [8, 16] : tensor<32x64xf16> -> tensor<4x4x8x16xf16>""",
            "xsmt.pack")
    assert w.issue_cycles == 32 * 64 * 2 / (RV.dlen_bits / 8) and w.ops == {}
    b = one("""
    %x = arith.constant dense<1.0> : tensor<32x1xf32>
    %y = tt.broadcast %x : tensor<32x1xf32> -> tensor<32x64xf32>""", "tt.broadcast")
    assert b.issue_cycles == 32 * 64 * 4 / 16


@pytest.mark.parametrize("body, name", [
    ("""    %x = arith.constant dense<1.0> : tensor<32xf32>
    %y = tt.reshape %x : tensor<32xf32> -> tensor<2x16xf32>""", "tt.reshape"),
    ("""    %x = arith.constant dense<1.0> : tensor<32xf32>
    %y = tt.expand_dims %x {axis = 1 : i32} : tensor<32xf32> -> tensor<32x1xf32>""",
     "tt.expand_dims"),
])
def test_reshape_and_expand_dims_are_metadata(body, name):
    w = one(body, name)
    assert (w.unit, w.issue_cycles, w.reg_bytes) == ("none", 0.0, 0)


def test_reduce_is_the_elements_plus_a_log2_tree():
    w = one("""
    %x = arith.constant dense<1.0> : tensor<4x64xf32>
    %s = "tt.reduce"(%x) <{axis = 1 : i32}> ({
    ^bb0(%l: f32, %r: f32):
      %m = arith.addf %l, %r : f32
      tt.reduce.return %m : f32
    }) : (tensor<4x64xf32>) -> tensor<4xf32>""", "tt.reduce")
    assert w.issue_cycles == 256 / RV.alu_ops_per_cycle["f32"] + 6
    assert w.ops == {"f32": 256 - 4}


def test_register_residency_threshold():
    assert register_file_bytes(A60) == 32 * 256 // 8 == 1024
    # in + out = 512 + 512 B: exactly the register file, no L1 traffic
    fits = one("""
    %x = arith.constant dense<1.0> : tensor<128xf32>
    %y = arith.negf %x : tensor<128xf32>""", "arith.negf")
    assert fits.reg_bytes == 0
    # one more element each: the operand still fits on its own, the result no longer does
    spills = one("""
    %x = arith.constant dense<1.0> : tensor<129xf32>
    %y = arith.negf %x : tensor<129xf32>""", "arith.negf")
    assert spills.reg_bytes == 129 * 4
    # a value bigger than the whole file: both operand and result live in L1
    big = one("""
    %x = arith.constant dense<1.0> : tensor<512xf32>
    %y = arith.negf %x : tensor<512xf32>""", "arith.negf")
    assert big.reg_bytes == 2 * 2048
    assert timed(big, A60).busy == max(big.issue_cycles, 4096 / A60.l1.bw_bytes_per_cycle)
    # the same op on VLEN 1024 (a 4 KiB register file) keeps both in registers
    wide = one("""
    %x = arith.constant dense<1.0> : tensor<512xf32>
    %y = arith.negf %x : tensor<512xf32>""", "arith.negf", arch=A100)
    assert wide.reg_bytes == 0


def test_spilled_bytes_keeps_the_small_values_in_registers():
    t = lambda n: T.TensorType((n,), T.f32)  # noqa: E731
    assert spilled_bytes([t(64), t(64), t(256)], A60) == 1024  # 256 + 256 fit, 1 KiB does not
    assert spilled_bytes([T.f32, T.i32], A60) == 0  # scalars are in scalar registers
