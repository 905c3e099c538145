"""The model's kernels compute what they claim (numpy references on small shapes)."""

import numpy as np
import pytest

from k1sim import Simulator
from k1sim.model.kernels import gemm, im2col
from k1sim.model.kernels_attention import attention
from k1sim.model.kernels_vector import elementwise, global_pool, rowwise, window

A = "0xA064"


def run(builder):
    return Simulator().execute(builder, seed=3).outputs


@pytest.mark.parametrize("act", [None, "relu", "clip"])
def test_gemm_batched_ragged_with_bias_and_activation(act):
    o = run(gemm(40, 24, 70, "f32", A, 2, (8, 32, 32), bm=16, bn=32, bk=32, batch=2,
                 bias=True, act=act))
    y = o["a"].reshape(2, 40, 70) @ o["w"].reshape(2, 70, 24) + o["bias"]
    if act:
        y = np.clip(y, 0, 6 if act == "clip" else None)
    np.testing.assert_allclose(o["c"], y.reshape(80, 24), rtol=1e-4, atol=1e-4)


def test_gemm_int8_requantizes_the_i32_accumulator():
    o = run(gemm(16, 32, 40, "i8", "0xA03C", 2, (16, 8, 32), bm=16, bn=32, bk=16))
    acc = o["a"].astype(np.int32) @ o["w"].astype(np.int32)
    want = np.trunc(acc.astype(np.float32) * np.float32(0.01))
    np.testing.assert_array_equal(o["c"].astype(np.int32), want.astype(np.int32))


def test_im2col_copies_every_tap_window():
    o = run(im2col(rows=6, ow=3, c=5, kh=3, kw=3, stride=2, h_pad=7, w_pad=7, oh=3,
                   dtype="f32", arch=A, threads=2))
    x = o["x"].reshape(2, 7, 7, 5)
    want = np.stack([np.stack([x[:, i:i + 5:2, j:j + 5:2] for j in range(3)], 3)
                     for i in range(3)], 3)
    np.testing.assert_array_equal(o["cols"].reshape(want.shape), want)


def test_im2col_reads_each_output_line_for_ownership_at_most_once():
    # A 3-channel stem's im2col writes 3 bytes of a 147-byte row per tap: partial lines.
    # Each program owns its output rows, so a line is fetched for ownership once by the
    # core that builds it, not once per tap by every core that writes a piece of it.
    rows, ow, kh, c = 8, 16, 7, 3
    result = Simulator().execute(im2col(rows, ow, c, kh, kh, 2, 2 * rows + 5, 2 * ow + 5,
                                        rows, dtype="i8", arch="0xA03C", threads=4),
                                 timing_only=True)
    out_lines = -(-rows * ow * kh * kh * c // 64) + rows      # + a straddled line per row
    assert 0 < result.caches["rfo_bytes"] <= out_lines * 64


def test_elementwise_ops():
    o = run(elementwise("add_relu", 3000, "f32", A, 2))
    np.testing.assert_allclose(o["y"].ravel()[:3000],
                               np.maximum(o["x0"] + o["x1"], 0).ravel()[:3000])
    o = run(elementwise("silu_mul", 2048, "f32", A, 2))
    g = o["x0"]
    np.testing.assert_allclose(o["y"], g / (1 + np.exp(-g)) * o["x1"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["softmax", "rmsnorm", "layernorm"])
def test_rowwise(op):
    o = run(rowwise(op, 10, 20, "f32", A, 2))
    x = o["x"]
    if op == "softmax":
        e = np.exp(x - x.max(1, keepdims=True))
        want = e / e.sum(1, keepdims=True)
    else:
        if op == "layernorm":
            x = x - x.mean(1, keepdims=True)
        want = x / np.sqrt((x * x).mean(1, keepdims=True) + 1e-6) * o["gamma"]
    np.testing.assert_allclose(o["y"], want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op", ["max", "avg", "dw"])
def test_window(op):
    o = run(window(op, 6, 3, 3, 5, 3, 3, 2, 7, 7, "f32", A, 2))
    x = o["x"].reshape(2, 7, 7, 5)
    taps = [x[:, i:i + 5:2, j:j + 5:2] for i in range(3) for j in range(3)]
    if op == "dw":
        taps = [t * o["w"][q] for q, t in enumerate(taps)]
    want = {"max": np.max, "avg": np.mean, "dw": np.sum}[op](taps, 0)
    np.testing.assert_allclose(o["y"], want.reshape(-1, 5), rtol=1e-5, atol=1e-6)


def test_global_pool():
    o = run(global_pool(2, 9, 5, "f32", A, 2))
    np.testing.assert_allclose(o["y"], o["x"].reshape(2, 9, 5).mean(1), rtol=1e-5)


@pytest.mark.parametrize("seq,kv,causal", [(5, 70, False), (40, 40, True), (1, 70, True)])
def test_attention_grouped_query_heads(seq, kv, causal):
    hq, hkv, d = 4, 2, 32
    o = run(attention(seq, kv, hq, hkv, d, "f32", A, 2, (8, 32, 32), bm=16, bn=32,
                      causal=causal))
    g = hq // hkv
    q = o["q"].reshape(hkv, seq, g, d)
    k, v = o["k"].reshape(hkv, kv, d), o["v"].reshape(hkv, kv, d)
    s = np.einsum("hsgd,hld->hsgl", q, k) / np.sqrt(d)
    if causal:
        hidden = np.arange(kv)[None, :] > (np.arange(seq)[:, None] + kv - seq)
        s = np.where(hidden[None, :, None, :], -np.inf, s)
    p = np.exp(s - s.max(-1, keepdims=True))
    want = np.einsum("hsgl,hld->hsgd", p / p.sum(-1, keepdims=True), v)
    np.testing.assert_allclose(o["o"], want.reshape(-1, d), rtol=1e-4, atol=1e-5)


def test_a_gemm_streams_its_weights_once_when_one_block_row_covers_m():
    """Why a 128-token prefill is memory-bound on 0xA064 whatever the config: with 64-row
    blocks the second block row of C reads the weights again (L2 keeps only part of them);
    with one 128-row block every byte of A, W and C crosses DRAM about once, and that is
    2 x 128 x 1024 x 1024 FLOP over 2.6 MB, about 100 FLOP per byte: under the ridge of
    IME2's f16 peak over 51.2 GB/s (~146)."""
    m, n, k = 128, 1024, 1024

    def dram(bm):
        b = gemm(m, n, k, "f16", A, 8, (16, 8, 32), bm=bm, bn=64, bk=512)
        return Simulator(A).execute(b, timing_only=True).bytes_by_level["DRAM"]

    unique = 2 * (m * k + k * n + m * n)
    once, twice = dram(128), dram(64)
    assert unique <= once <= 1.15 * unique
    assert twice > 1.4 * once
    assert 2 * m * n * k / once < 146
