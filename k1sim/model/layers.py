"""A model as a list of layers, and how a layer becomes one kernel call on an arch.

A ``Layer`` is arch-independent: its op, shape and the kernel family with the sizes it
needs. ``kernel_call(layer, arch, dtype, config)`` picks the dtype the kernel runs in, the
micro tile and block config for that arch, and returns a hashable ``KernelCall``: the
identity of one simulation. Layers with equal calls are simulated once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from k1sim.errors import K1SimError
from k1sim.model import kernels, kernels_attention, kernels_vector

# kernel family -> (builder, kind of op it is in the breakdowns)
BUILDERS = {
    "gemm": kernels.gemm,
    "im2col": kernels.im2col,
    "attention": kernels_attention.attention,
    "elementwise": kernels_vector.elementwise,
    "rowwise": kernels_vector.rowwise,
    "window": kernels_vector.window,
    "global_pool": kernels_vector.global_pool,
}
DTYPES = ("i8", "f16", "f32")
DTYPE_NAMES = {"int8": "i8", "i8": "i8", "f16": "f16", "fp16": "f16", "f32": "f32",
               "fp32": "f32"}


@dataclass
class Layer:
    """One row of the model: ``kernel`` is a key of BUILDERS with its size ``params``, or
    ``view`` (free: a reshape or a transpose folded into its reader's strides), or
    ``fallback`` (no mapping: costed by the roofline, ``fallback`` holds its bytes and
    ops). ``fused`` names the graph nodes folded into it; ``macs`` its multiply-adds."""

    name: str
    op: str
    kind: str
    shape: str
    kernel: str
    params: dict = field(default_factory=dict)
    macs: int = 0
    fused: tuple = ()
    fallback: dict = field(default_factory=dict)

    @property
    def mapped(self) -> bool:
        return self.kernel != "fallback"


@dataclass(frozen=True)
class KernelCall:
    """One distinct simulation: kernel family, its sizes and config, and dtype."""

    kernel: str
    params: tuple
    dtype: str

    def build(self, arch: str, threads: int):
        return BUILDERS[self.kernel](**dict(self.params), dtype=self.dtype, arch=arch,
                                     threads=threads)

    def label(self) -> str:
        cfg = dict(self.params)
        keys = [k for k in ("bm", "bn", "bk", "micro", "op") if k in cfg]
        text = " ".join(f"{k}={_fmt(cfg[k])}" for k in keys)
        return f"{self.kernel}[{self.dtype}]" + (f" {text}" if text else "")


def _fmt(v) -> str:
    return "x".join(map(str, v)) if isinstance(v, tuple) else str(v)


def model_dtype(dtype: str) -> str:
    if dtype not in DTYPE_NAMES:
        raise K1SimError(f"dtype {dtype!r}: use int8, f16 or f32")
    return DTYPE_NAMES[dtype]


def gemm_key(layer: Layer, dtype: str) -> tuple | None:
    """(m, n, k, dtype): what a GEMM layer's config is chosen by (None for other layers)."""
    if layer.kernel != "gemm":
        return None
    return (layer.params["m"], layer.params["n"], layer.params["k"], dtype)


def kernel_call(layer: Layer, arch, dtype: str, configs=None) -> KernelCall | None:
    """The kernel call of ``layer`` on ``arch`` in the model ``dtype`` (None for views and
    fallbacks). GEMMs run in the model dtype; attention in f16 for an int8 model (its
    softmax needs the range) and vector kernels in the activation dtype. ``configs``
    maps (m, n, k, dtype) to a ``{"bm", "bn", "bk"}`` (tuned or given); absent, the
    documented default ``kernels.gemm_config``."""
    if not layer.mapped or layer.kernel == "view":
        return None
    params = dict(layer.params)
    run_dtype = dtype
    if layer.kernel == "gemm":
        micro = kernels.micro_tile(arch, dtype)
        key = gemm_key(layer, dtype)
        cfg = (configs or {}).get(key) or kernels.gemm_config(*key[:3], micro)
        params.update(micro=micro, **cfg)
    elif layer.kernel == "attention":
        run_dtype = "f16" if dtype == "i8" else dtype
        m0, k0, n0 = kernels.micro_tile(arch, run_dtype)
        params.update(micro=(m0, k0, n0), bm=max(32, m0), bn=max(64, n0, k0))
    return KernelCall(layer.kernel, tuple(sorted(params.items())), run_dtype)


__all__ = ["Layer", "KernelCall", "BUILDERS", "kernel_call", "gemm_key", "model_dtype",
           "DTYPES"]
