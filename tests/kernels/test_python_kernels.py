"""Every Python kernel in kernels/ runs through the front end on every arch, with its
values checked against numpy.

The micro tile on each arch is FlagGems' LEGAL_CONFIGS entry for the dtype (the arch
files' ``legal_micro_tiles``); where an arch has none (0x5064), FlagGems keeps the tuned
config's tile, ``_GEMM_CONFIG_0``: (16, 8, 32) for f16 and (8, 32, 32) for f32. Shapes are
small and ragged so every boundary path runs.
"""

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from k1sim import frontend
from k1sim.arch import ARCH_IDS, load_arch

KERNELS = Path(__file__).resolve().parents[2] / "kernels"
TUNED_MICRO = {"f16": (16, 8, 32), "f32": (8, 32, 32)}


@lru_cache(maxsize=None)
def kernel_file(name):
    return frontend.load(str(KERNELS / f"{name}.py"))


def micro(arch, dtype):
    return load_arch(arch).legal_micro_tiles.get(dtype) or TUNED_MICRO[dtype]


def launched(arch, call):
    """Run ``call`` (a host function of a kernel file) on ``arch``; return its value and
    the RunResult of each launch it made."""
    with frontend.target(arch) as t:
        value = call()
    assert t.results and all(r.arch == arch and r.cycles > 0 for r in t.results)
    return value, t.results


def rand(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("arch", ARCH_IDS)
@pytest.mark.parametrize("path,dtype", [("EVEN_K", "f16"), ("SPLIT_M", "f32"),
                                        ("SPLIT_N", "f16"), ("SPLIT_K", "f16")])
def test_mm_every_path(arch, path, dtype):
    rng = np.random.default_rng(1)
    np_dtype = np.float16 if dtype == "f16" else np.float32
    M, N, K = (72, 80, 40) if path != "SPLIT_K" else (40, 48, 600)
    a, b = rand(rng, (M, K), np_dtype), rand(rng, (K, N), np_dtype)
    tile = micro(arch, dtype)
    # sub-blocks hold whole micro tiles, and each block two sub-blocks per dim
    sub_m, sub_n = max(16, tile[0]), max(16, tile[2])
    mod = kernel_file("mm")
    c, runs = launched(arch, lambda: mod.mm(a, b, path, tile, 2 * sub_m, 2 * sub_n, sub_m,
                                            sub_n))
    tol = {"f32": (1e-4, 1e-3), "f16": (2e-2, 2e-2)}[dtype]
    if path == "SPLIT_K":
        tol = (1e-2, 1.25e-1)       # the f16 accumulator rounds each chunk's partial sum
    np.testing.assert_allclose(c, a.astype(np.float64) @ b, rtol=tol[0], atol=tol[1])
    assert runs[-1].grid == (-(-M // (2 * sub_m)), -(-N // (2 * sub_n)), 1)


@pytest.mark.parametrize("arch", ARCH_IDS)
def test_bmm(arch):
    rng = np.random.default_rng(2)
    a, b = rand(rng, (2, 40, 24), np.float32), rand(rng, (2, 24, 36), np.float32)
    o, runs = launched(arch, lambda: kernel_file("bmm").bmm(a, b, micro(arch, "f32"),
                                                           tile_m=32, tile_n=32))
    np.testing.assert_allclose(o, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-3)
    assert runs[-1].grid == (2, 2, 2)


@pytest.mark.parametrize("arch", ARCH_IDS)
def test_addmm(arch):
    rng = np.random.default_rng(3)
    a, b = rand(rng, (40, 32), np.float16), rand(rng, (32, 48), np.float16)
    bias = rand(rng, (48,), np.float16)         # a row vector, broadcast by the host
    c, _ = launched(arch, lambda: kernel_file("addmm").addmm(
        bias, a, b, alpha=0.75, beta=-1.25, micro=micro(arch, "f16"), block_m=32,
        block_n=32))
    ref = 0.75 * (a.astype(np.float64) @ b) - 1.25 * bias.astype(np.float64)
    np.testing.assert_allclose(c, ref, rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("arch", ARCH_IDS)
def test_softmax(arch):
    x = rand(np.random.default_rng(4), (9, 100), np.float16)
    x[3, 7] = -np.inf                           # a masked score stays 0 after the softmax
    mod = kernel_file("softmax")
    y, _ = launched(arch, lambda: mod.softmax(x))
    np.testing.assert_allclose(y, mod.softmax_ref(x), rtol=1e-2, atol=1e-3)
    assert y[3, 7] == 0


@pytest.mark.parametrize("arch", ARCH_IDS)
@pytest.mark.parametrize("causal", [False, True], ids=["noncausal", "causal"])
def test_flash_attention(arch, causal):
    rng = np.random.default_rng(5)
    q_ctx, kv_ctx = (48, 48) if causal else (40, 56)
    q = rand(rng, (1, 2, q_ctx, 64), np.float16)
    k, v = (rand(rng, (1, 2, kv_ctx, 64), np.float16) for _ in range(2))
    mod = kernel_file("flash_attention")
    (o, m), _ = launched(arch, lambda: mod.attention(q, k, v, 0.125, causal,
                                                     micro(arch, "f16")))
    o_ref, m_ref = mod.attention_ref(q, k, v, 0.125, causal)
    np.testing.assert_allclose(o, o_ref, rtol=1e-2, atol=5e-3)
    np.testing.assert_allclose(m, m_ref, rtol=1e-2, atol=5e-3)


@pytest.mark.parametrize("arch", ARCH_IDS)
def test_qk_scale(arch):
    rng = np.random.default_rng(6)
    q, k = rand(rng, (48, 64), np.float16), rand(rng, (40, 64), np.float16)
    mm_, mk, mn = micro(arch, "f16")
    s, _ = launched(arch, lambda: kernel_file("qk_scale").qk_scores(
        q, k, 0.125, MICRO_M=mm_, MICRO_K=mk, MICRO_N=mn))
    np.testing.assert_allclose(s, q.astype(np.float64) @ k.T.astype(np.float64) * 0.125,
                               rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("arch", ARCH_IDS)
def test_attention_through_the_scratchpad(arch):
    rng = np.random.default_rng(7)
    q = rand(rng, (64, 64), np.float16)
    k, v = rand(rng, (32, 64), np.float16), rand(rng, (32, 64), np.float16)
    mod = kernel_file("attention")
    o, _ = launched(arch, lambda: mod.attention_block(q, k, v, 0.125, micro(arch, "f16")))
    np.testing.assert_allclose(o, mod.attention_block_ref(q, k, v, 0.125), rtol=1e-2,
                               atol=5e-3)


@pytest.mark.parametrize("arch", ARCH_IDS)
@pytest.mark.parametrize("split", [1, 2])
def test_fifo_pipeline(arch, split):
    rng = np.random.default_rng(8)
    q = rand(rng, (32, 32), np.float32)
    k, v = rand(rng, (320, 32), np.float32), rand(rng, (320, 32), np.float32)
    o, runs = launched(arch, lambda: kernel_file("fifo").qk_pv(q, k, v, split,
                                                               micro=micro(arch, "f32")))
    np.testing.assert_allclose(o, q.astype(np.float64) @ k.T @ v, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("arch", ARCH_IDS)
def test_gemm_i8(arch):
    rng = np.random.default_rng(9)
    a = rng.integers(-8, 8, (48, 72)).astype(np.int8)
    b = rng.integers(-8, 8, (72, 40)).astype(np.int8)
    c, _ = launched(arch, lambda: kernel_file("gemm_i8").gemm_i8(a, b))
    np.testing.assert_array_equal(c, a.astype(np.int32) @ b.astype(np.int32))
