"""Each Python kernel traced at the specialization of its .xsmt twin runs on the same
inputs to the same values, and to the same cycles or to a difference named here.

The comparison is the differential check itself (``k1sim.frontend.diff``): the dump's
launch metadata gives the inputs, scalars and grid; the constexprs are the ones the
.xsmt file's opening comment states.
"""

from pathlib import Path

import numpy as np
import pytest

from k1sim import frontend
from k1sim.frontend.diff import diff_with_dump_inputs
from k1sim.simulator import Simulator, initial_arguments

KERNELS = Path(__file__).resolve().parents[2] / "kernels"


def _mm(path, bm, bn, bk, micro, sub_m=16, sub_n=16, sub_k=None):
    flags = {p: int(p == path) for p in ("EVEN_K", "SPLIT_M", "SPLIT_N", "SPLIT_K")}
    return dict(BLOCK_SIZE_M=bm, BLOCK_SIZE_N=bn, BLOCK_SIZE_K=bk, SUB_BLK_M=sub_m,
                SUB_BLK_N=sub_n, SUB_BLK_K=sub_k or min(512, bk), MICRO_M=micro[0],
                MICRO_K=micro[1], MICRO_N=micro[2], **flags)


def _flash(q_ctx, kv_ctx, stage):
    q_strides = dict(zip(("z", "h", "m", "k"), (2 * q_ctx * 64, q_ctx * 64, 64, 1)))
    kv_strides = dict(zip(("z", "h", "n", "k"), (2 * kv_ctx * 64, kv_ctx * 64, 64, 1)))
    strides = {f"stride_q{k}": v for k, v in q_strides.items()}
    strides.update({f"stride_o{k}": v for k, v in zip("zhmn", q_strides.values())})
    strides.update({f"stride_{t}{k}": v for t in "kv" for k, v in kv_strides.items()})
    return dict(strides, BLOCK_M=32, BLOCK_N=32, STAGE=stage, BLOCK_SIZE_K=64, MICRO_M=16,
                MICRO_K=8, MICRO_N=32, num_ctas=4)


def _fifo(split):
    return dict(SEQ_Q=32, SEQ_KV=384, HEAD_DIM=32, BLOCK_M=16, TILE_N=64, NUM_TILES=6,
                SPLIT=split, MICRO_M=8, MICRO_K=32, MICRO_N=32)


# (python file, jit function, dump, constexprs)
TWINS = [
    ("mm", "mm_kernel", "mm_split_m", _mm("SPLIT_M", 32, 32, 128, (8, 32, 32))),
    ("mm", "mm_kernel", "mm_split_n", _mm("SPLIT_N", 32, 32, 64, (8, 16, 16))),
    ("mm", "mm_kernel", "mm_split_k", _mm("SPLIT_K", 32, 32, 2048, (16, 8, 32))),
    ("bmm", "bmm_kernel", "bmm", dict(TILE_M=128, TILE_N=256, EVEN_K=1, TILE_K=128,
                                      MICRO_M=8, MICRO_K=32, MICRO_N=32, SUB_BLK_K=128)),
    ("addmm", "addmm_kernel", "addmm", dict(BLOCK_SIZE_M=128, BLOCK_SIZE_N=256, EVEN_K=1,
                                            BLOCK_SIZE_K=64, MICRO_M=16, MICRO_K=8,
                                            MICRO_N=32, SUB_BLK_K=64)),
    ("softmax", "softmax_kernel", "softmax_rows", dict(ROW_SIZE=4, COL_SIZE=64)),
    ("flash_attention", "_attn_fwd", "flash_attn_fwd", _flash(72, 80, 1)),
    ("flash_attention", "_attn_fwd", "flash_attn_fwd_causal", _flash(80, 80, 3)),
    ("qk_scale", "smt_qk_kernel", "qk_scale", dict(BLOCK_M=64, BLOCK_N=32, BLOCK_D=64,
                                                   SUB_BLK_M=16, MICRO_M=8, MICRO_K=16,
                                                   MICRO_N=16)),
    ("attention", "attn_block_scratchpad", "scratchpad_roundtrip",
     dict(SEQ_Q=64, BLOCK_M=32, BLOCK_N=32, HEAD_DIM=64, MICRO_M=16, MICRO_K=8, MICRO_N=32)),
    ("fifo", "fifo_qk_pv", "fifo_split1", _fifo(1)),
    ("fifo", "fifo_qk_pv", "fifo_split2", _fifo(2)),
    ("gemm_i8", "gemm_i8_kernel", "gemm_i8", dict(BLOCK_SIZE_M=32, BLOCK_SIZE_N=32,
                                                  BLOCK_SIZE_K=256, MICRO_M=16, MICRO_K=32,
                                                  MICRO_N=16)),
]
UNIT_STRIDES = {"mm_kernel": ("stride_ak", "stride_bn", "stride_cn"),
                "bmm_kernel": ("stride_ak", "stride_bn", "stride_cn"),
                "addmm_kernel": ("stride_ak", "stride_bn", "stride_in", "stride_cn"),
                "gemm_i8_kernel": ("stride_ak", "stride_bn", "stride_cn")}


# What the Python trace runs that its dump does not (op count, Python minus dump), and
# why. The dumps were written as Triton's compiler leaves the IR: scalar index
# arithmetic hoisted out of loops and shared (CSE, LICM); the trace recomputes it at
# each use, which only adds scalar-pipe work. A twin missing here runs the same ops.
SCALAR_ONLY = "the dump hoists and shares its scalar index arithmetic; the trace recomputes it"
WIDENED_DOT = ("smt.dot types its result as A (f16, as spine-triton's does) where the dump "
               "prints the P @ V mmt4d with the wide f32 result, so the trace adds an "
               "arith.extf per dot")
DIFFERENCES = {
    "mm_split_m": ({"arith.constant": -12, "arith.extsi": 60, "arith.muli": 42,
                    "arith.subi": 6}, SCALAR_ONLY),
    "mm_split_n": ({"arith.constant": -18, "arith.extsi": 118, "arith.muli": 133,
                    "arith.subi": 18}, SCALAR_ONLY),
    "mm_split_k": ({"arith.constant": -12, "arith.extsi": 36, "arith.muli": 30,
                    "arith.subi": 6}, SCALAR_ONLY),
    "bmm": ({"arith.constant": -6, "arith.extsi": 36}, SCALAR_ONLY),
    "addmm": ({"arith.constant": -2, "arith.extsi": 18, "arith.muli": 8}, SCALAR_ONLY),
    "fifo_split1": ({"arith.constant": -2, "arith.extsi": 24}, SCALAR_ONLY),
    "fifo_split2": ({"arith.cmpi": 12, "arith.extsi": 24, "arith.muli": 12,
                     "arith.trunci": -4}, SCALAR_ONLY),
    "gemm_i8": ({"arith.constant": -12, "arith.extsi": 72, "arith.muli": 24}, SCALAR_ONLY),
    "qk_scale": ({"arith.addi": 3, "arith.ceildivsi": -3, "arith.divsi": 3, "arith.extsi": 45,
                  "arith.muli": 12, "arith.subi": 3, "tt.splat": 9},
                 "the dump splats sm_scale once per program before the parallel loop (the "
                 "trace at each of the 4 sub-blocks' `acc * sm_scale`) and has "
                 "arith.ceildivsi where the source writes (x + 15) // 16"),
    "softmax_rows": ({"arith.addi": -60, "arith.cmpi": -60, "arith.extsi": 80,
                      "arith.muli": 60, "tt.addptr": -20, "tt.broadcast": 10,
                      "tt.make_range": -3, "tt.make_tensor_ptr": 80, "tt.splat": -63},
                     "FlagGems' softmax reads and writes each 64-column chunk through a 1-D "
                     "block pointer with padding_option='neg_inf'; the dump gathers and "
                     "scatters through masked pointer tensors with other = -inf"),
    "flash_attn_fwd": ({"arith.addf": 6, "arith.addi": 12, "arith.constant": -4,
                        "arith.extf": 18, "arith.extsi": 54, "arith.muli": 30,
                        "arith.subf": 6, "arith.subi": 14, "tt.make_range": 8,
                        "tt.reshape": 12, "tt.splat": 60},
                       WIDENED_DOT + "; the trace also computes m_i = zeros - inf and l_i = "
                       "zeros + 1 per task (the dump folds them to constants) and rebuilds the "
                       "offsets, reshapes and splats the dump hoists out of the task loop"),
    "flash_attn_fwd_causal": ({"arith.addf": 6, "arith.addi": 12, "arith.constant": -4,
                               "arith.extf": 12, "arith.extsi": 54, "arith.muli": 54,
                               "arith.subf": 6, "arith.subi": 14, "tt.advance": 6,
                               "tt.broadcast": 6, "tt.load": 6, "tt.make_range": 8,
                               "tt.reshape": 12, "tt.splat": 48, "xsmt.pack": 6},
                              "as flash_attn_fwd, and FlagGems' _attn_fwd_inner loads and "
                              "packs Q again in the diagonal pass where the dump packs it "
                              "once per task"),
    "scratchpad_roundtrip": ({"arith.extf": 2}, WIDENED_DOT),
}
EVEN_K_DELTA = {"arith.constant": -4, "arith.extsi": 36, "arith.muli": 8}
# scratchpad_roundtrip.xsmt prints its P @ V mmt4d with the wide f32 result; smt.dot
# gives A's type (f16, as spine-triton's does) and `.to(tl.float32)` widens it after, so
# the Python output carries one f16 rounding of P @ V: compared at f16's tolerance.
TOLERANCE = {"scratchpad_roundtrip": dict(rtol=1e-2, atol=5e-3)}


def run_twin(py, fn, dump, constexprs, **tolerance):
    kernel = getattr(frontend.load(str(KERNELS / f"{py}.py")), fn)
    values = {name: 1 for name in UNIT_STRIDES.get(fn, ())}
    return diff_with_dump_inputs(kernel, KERNELS / f"{dump}.xsmt", constexprs, values, seed=0,
                                 **tolerance)


def op_delta(report):
    py, dump = report.python.op_counts, report.dump_result.op_counts
    return {k: py.get(k, 0) - dump.get(k, 0) for k in sorted(set(py) | set(dump))
            if py.get(k, 0) != dump.get(k, 0)}


@pytest.mark.parametrize("py,fn,dump,constexprs", TWINS, ids=[t[2] for t in TWINS])
def test_python_kernel_runs_what_its_dump_runs(py, fn, dump, constexprs):
    report = run_twin(py, fn, dump, constexprs, **TOLERANCE.get(dump, {}))
    assert report.agree, report.text()
    assert set(report.compared) == set(report.arrays) and report.compared
    delta, why = DIFFERENCES.get(dump, ({}, None))
    assert op_delta(report) == delta, why
    if not delta:
        assert report.python.cycles == report.dump_result.cycles
    elif why == SCALAR_ONLY:
        # the same tensor ops plus scalar ones: never faster than the dump
        assert report.python.cycles >= report.dump_result.cycles


def test_mm_even_k_takes_strides_where_its_dump_reuses_k_and_n():
    """mm_even_k.xsmt's kernel has no stride arguments (it uses K and N as the row
    strides), so the differential check cannot match its arguments to mm_kernel's; run
    both on the same inputs by hand instead."""
    start = initial_arguments(KERNELS / "mm_even_k.xsmt")
    c = np.zeros((64, 64), np.float16)
    python = frontend.launch(
        frontend.load(str(KERNELS / "mm.py")).mm_kernel, (2, 2), start["a"], start["b"], c,
        64, 64, 64, 64, 1, 64, 1, 64, 1, arch="0xA03C",
        **_mm("EVEN_K", 32, 32, 64, (8, 16, 16)))
    dump = Simulator().execute(KERNELS / "mm_even_k.xsmt")
    np.testing.assert_array_equal(c, dump.outputs["c"])
    delta = {k: python.op_counts.get(k, 0) - dump.op_counts.get(k, 0)
             for k in set(python.op_counts) | set(dump.op_counts)}
    assert {k: v for k, v in delta.items() if v} == EVEN_K_DELTA
    assert python.cycles >= dump.cycles
