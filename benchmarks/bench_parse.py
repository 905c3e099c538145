"""Parse speed: a ~20,000-op kernel against a plain tokenizing loop over the same text.

Run with::

    python -m pytest benchmarks/bench_parse.py --benchmark-enable -q

(``benchmarks/`` is not in the test paths, and ``--benchmark-disable`` is the default:
without ``--benchmark-enable`` the parse runs once and nothing is timed.)

The project target is 50,000 ops/s. Wall-clock speed depends on the machine, so the
assertion compares the parse with a baseline measured in the same run: a pure-Python
loop over the tokens of the same text (``re.finditer``), which scales with the
machine and its load the same way the parser does. The measured ops/s, the ratio
and whether the target is met are printed in the terminal summary.
"""

from __future__ import annotations

import re

import pytest

from k1sim.ir.parser import parse

TARGET_OPS_PER_S = 50_000
# Calibration: on the reference machine (2-CPU dev VM, CPython 3.11.7) the baseline loop
# reads 5.45 million tokens/s. For the generated file (about 20,000 ops, 437,000 tokens)
# 50,000 ops/s is then a parse/baseline time ratio of about 5.0.
REF_BASELINE_TOKENS_PER_S = 5.45e6
# The assertion is a regression guard 1.5x above the target ratio: it holds under the
# run-to-run noise of a shared machine (measured ratios 4.7 to 6.5).
GUARD = 1.5

# One straight-line step of a packed GEMM-like kernel: 19 ops.
STEP = """\
    %pid{k} = tt.get_program_id x : i32 loc(#loc2)
    %row{k} = arith.muli %pid{k}, %c32 : i32 loc(#loc3)
    %off{k} = arith.addi %row{k}, %c1 : i32 loc(#loc3)
    %bp{k} = tt.make_tensor_ptr %arg0, [%c64_i64, %c64_i64], [%c64_i64, %c1_i64], [%off{k}, %c0] {{order = array<i32: 1, 0>}} : <tensor<32x64xf16>> loc(#loc4)
    %adv{k} = tt.advance %bp{k}, [%c0, %c0] : <tensor<32x64xf16>> loc(#loc4)
    %ld{k} = tt.load %adv{k} {{boundaryCheck = array<i32: 0, 1>, padding = 1 : i32}} : !tt.ptr<tensor<32x64xf16>> loc(#loc5)
    %pa{k} = xsmt.pack %ld{k}, [%c0, %c0], [32, 64], [8, 16] : tensor<32x64xf16> -> tensor<4x4x8x16xf16> loc(#loc6)
    %mm{k} = xsmt.mmt4d %pa{k}, %pbt : tensor<4x4x8x16xf16>, tensor<2x4x16x16xf16> -> tensor<4x2x8x16xf32> loc(#loc7)
    %up{k} = xsmt.unpack %mm{k}, [%c0, %c0], [32, 32] : tensor<4x2x8x16xf32> -> tensor<32x32xf32> loc(#loc8)
    %sum{k} = arith.addf %up{k}, %cst fastmath<fast> : tensor<32x32xf32> loc(#loc9)
    %sq{k} = arith.mulf %sum{k}, %sum{k} : tensor<32x32xf32> loc(#loc9)
    %ex{k} = math.exp %sq{k} : tensor<32x32xf32> loc(#loc9)
    %tr{k} = arith.truncf %ex{k} : tensor<32x32xf32> to tensor<32x32xf16> loc(#loc10)
    %lt{k} = arith.cmpi slt, %off{k}, %arg1 : i32 loc(#loc11)
    %sel{k} = arith.select %lt{k}, %off{k}, %c0 : i32 loc(#loc11)
    %wide{k} = arith.extsi %sel{k} : i32 to i64 loc(#loc11)
    %sp{k} = tt.splat %sel{k} : i32 -> tensor<32xi32> loc(#loc12)
    %obp{k} = tt.make_tensor_ptr %arg2, [%c64_i64, %c64_i64], [%c64_i64, %c1_i64], [%sel{k}, %c0] {{order = array<i32: 1, 0>}} : <tensor<32x32xf16>> loc(#loc13)
    tt.store %obp{k}, %tr{k} {{boundaryCheck = array<i32: 0, 1>}} : !tt.ptr<tensor<32x32xf16>> loc(#loc14)
"""
STEP_OPS = 19

# A loop nest accumulating mmt4d results: 2 loops, 2 yields, 1 if and 10 other ops.
LOOP = """\
    %acc{k} = scf.for %i{k} = %c0 to %arg1 step %c1 iter_args(%a{k} = %zero4d) -> (tensor<4x2x8x16xf32>) : i32 {{
      %in{k} = scf.for %j{k} = %c0 to %c32 step %c1 iter_args(%b{k} = %a{k}) -> (tensor<4x2x8x16xf32>) : i32 {{
        %io{k} = arith.addi %i{k}, %j{k} : i32 loc(#loc3)
        %lp{k} = tt.advance %bpb, [%io{k}, %c0] : <tensor<32x64xf16>> loc(#loc4)
        %lv{k} = tt.load %lp{k} {{boundaryCheck = array<i32: 0, 1>}} : !tt.ptr<tensor<32x64xf16>> loc(#loc5)
        %lpk{k} = xsmt.pack %lv{k}, [%c0, %c0], [32, 64], [8, 16] : tensor<32x64xf16> -> tensor<4x4x8x16xf16> loc(#loc6)
        %lm{k} = xsmt.mmt4d %lpk{k}, %pbt : tensor<4x4x8x16xf16>, tensor<2x4x16x16xf16> -> tensor<4x2x8x16xf32> loc(#loc7)
        %la{k} = arith.addf %b{k}, %lm{k} : tensor<4x2x8x16xf32> loc(#loc9)
        scf.yield %la{k} : tensor<4x2x8x16xf32> loc(#loc15)
      }} loc(#loc16)
      %odd{k} = arith.cmpi eq, %i{k}, %c1 : i32 loc(#loc11)
      scf.if %odd{k} {{
        %note{k} = arith.addi %i{k}, %c1 : i32 loc(#loc3)
      }} loc(#loc17)
      scf.yield %in{k} : tensor<4x2x8x16xf32> loc(#loc15)
    }} loc(#loc16)
"""
LOOP_OPS = 15  # 2 for, 1 if, 4 yields (both of the if's are implied), 8 others

HEAD = """\
module attributes {{tt.arch_id = "0xA03C", tt.num_threads = 4 : i32, k1sim.grid = array<i32: 4, 4>}} {{
  tt.func public @big(%arg0: !tt.ptr<f16> {{tt.divisibility = 16 : i32, k1sim.shape = array<i64: 64, 64>}} loc(#loc), %arg1: i32 {{k1sim.value = 4 : i32}} loc(#loc), %arg2: !tt.ptr<f16> {{k1sim.shape = array<i64: 64, 64>}} loc(#loc)) attributes {{noinline = false}} {{
    %c0 = arith.constant 0 : i32 loc(#loc1)
    %c1 = arith.constant 1 : i32 loc(#loc1)
    %c32 = arith.constant 32 : i32 loc(#loc1)
    %c1_i64 = arith.constant 1 : i64 loc(#loc1)
    %c64_i64 = arith.constant 64 : i64 loc(#loc1)
    %cst = arith.constant dense<0.000000e+00> : tensor<32x32xf32> loc(#loc1)
    %zero4d = arith.constant dense<0.000000e+00> : tensor<4x2x8x16xf32> loc(#loc1)
    %bpb = tt.make_tensor_ptr %arg0, [%c64_i64, %c64_i64], [%c64_i64, %c1_i64], [%c0, %c0] {{order = array<i32: 1, 0>}} : <tensor<32x64xf16>> loc(#loc4)
    %bb = tt.load %bpb {{boundaryCheck = array<i32: 0, 1>}} : !tt.ptr<tensor<32x64xf16>> loc(#loc5)
    %bt = tt.trans %bb {{order = array<i32: 1, 0>}} : tensor<32x64xf16> -> tensor<64x32xf16> loc(#loc6)
    %pb = xsmt.pack %bt, [%c0, %c0], [64, 32], [16, 16] : tensor<64x32xf16> -> tensor<4x2x16x16xf16> loc(#loc6)
    %pbt = tt.trans %pb {{order = array<i32: 1, 0, 3, 2>}} : tensor<4x2x16x16xf16> -> tensor<2x4x16x16xf16> loc(#loc7)
"""
HEAD_OPS = 12
TAIL = """\
    tt.return loc(#loc18)
  }} loc(#loc)
}} loc(#loc)
#loc = loc("/flag_gems/ops/big.py":21:0)
#loc1 = loc(unknown)
""" + "".join(f'#loc{i} = loc("/flag_gems/ops/big.py":{40 + i}:{4 * i})\n' for i in range(2, 19))


def make_kernel(target_ops: int = 20_000) -> tuple[str, int]:
    """A realistic dump of about ``target_ops`` ops (as ``Module.walk`` counts them, with
    the function and implied yields); returns the text and that count."""
    parts, n, k = [HEAD.format()], HEAD_OPS + 2, 0  # + tt.func and tt.return
    while n < target_ops:
        if k % 10 == 9:
            parts.append(LOOP.format(k=k))
            n += LOOP_OPS
        else:
            parts.append(STEP.format(k=k))
            n += STEP_OPS
        k += 1
    parts.append(TAIL.format())
    return "".join(parts), n


_TOKEN = re.compile(r'[%@#!^]?[\w.$-]+|"[^"\n]*"|->|\S')


def baseline(text: str) -> int:
    """A pure-Python tokenizing loop: one iteration per token, no parsing."""
    count = 0
    for _ in _TOKEN.finditer(text):
        count += 1
    return count


def count_ops(module) -> int:
    return sum(1 for _ in module.walk())


@pytest.fixture(scope="module")
def kernel() -> tuple[str, int]:
    text, n_ops = make_kernel()
    assert count_ops(parse(text)) == n_ops
    return text, n_ops


def test_parse_speed(benchmark, kernel, bench_report, cpu_seconds):
    text, n_ops = kernel
    module = benchmark.pedantic(parse, args=(text,), rounds=5, iterations=1, warmup_rounds=1)
    assert count_ops(module) == n_ops
    if benchmark.disabled:
        return
    parse_s = benchmark.stats.stats.min
    base_s = cpu_seconds(baseline, text, repeat=7)   # CPU time, as the benchmark timer
    ratio = parse_s / base_s
    ops_per_s = n_ops / parse_s
    # The baseline's time on the reference machine gives the target ratio, and the speed
    # the measured ratio means there (comparable across machines).
    ref_base_s = baseline(text) / REF_BASELINE_TOKENS_PER_S
    target_ratio = n_ops / TARGET_OPS_PER_S / ref_base_s
    normalized = n_ops / (ratio * ref_base_s)
    benchmark.extra_info.update(ops=n_ops, ops_per_s=round(ops_per_s), baseline_s=base_s,
                                ratio=round(ratio, 2), reference_ops_per_s=round(normalized))
    met = "met" if ratio <= target_ratio else "NOT met"
    bench_report.append(
        f"parse: {n_ops} ops in {parse_s:.3f} s = {ops_per_s:,.0f} ops/s here; baseline "
        f"tokenizing loop {base_s:.3f} s; ratio {ratio:.2f} = {normalized:,.0f} ops/s on the "
        f"reference machine (target ratio {target_ratio:.2f} = {TARGET_OPS_PER_S:,} ops/s: "
        f"{met}; the assertion guards ratio <= {GUARD * target_ratio:.2f})")
    assert ratio <= GUARD * target_ratio, bench_report[-1]


def test_baseline_tokenizing_loop(benchmark, kernel):
    """The baseline alone, for the table next to the parse."""
    text, _ = kernel
    assert benchmark(baseline, text) > 400_000


def _garbage(size: int) -> str:
    """Random MLIR-ish tokens ending in an unterminated string: the parser must reject
    the whole text (tests/ir/test_syntax_errors.py checks the error itself)."""
    import random
    rnd = random.Random(7)
    pieces = ["(", "[", "{", "<", "tensor", "%x", "@f", ",", ":", "->", "1", "f32", "loc", " "]
    return "".join(rnd.choice(pieces) for _ in range(size // 3))[:size] + "'"


def _reject(text: str) -> None:
    from k1sim.errors import ParseError
    try:
        parse(text)
    except ParseError:
        return
    raise AssertionError("garbage parsed")


def test_bad_input_scales_linearly(bench_report, cpu_seconds):
    """Rejecting 10 MB of garbage takes about 10x rejecting 1 MB: no quadratic path (the
    test suite checks the errors; wall-clock limits belong here, as a ratio in one run)."""
    small, big = _garbage(1 << 20), _garbage(10 << 20)
    small_s = cpu_seconds(_reject, small, repeat=3)
    big_s = cpu_seconds(_reject, big, repeat=1)
    ratio = big_s / small_s
    bench_report.append(f"parse errors: 1 MB garbage {small_s:.3f} s, 10 MB {big_s:.3f} s, "
                        f"ratio {ratio:.1f} (linear is 10; the guard is <= 25)")
    assert ratio <= 25, bench_report[-1]
