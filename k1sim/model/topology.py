"""SCALE-Sim topology CSVs -> layers.

A conv row is ``Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width,
Channels, Num Filter, Strides`` (SCALE-Sim's convention: the IFMAP sizes already include
the padding); a GEMM row is ``Layer name, M, N, K`` (SCALE-Sim's GEMM topology). A header
row (first field not a number after the name) is skipped; empty trailing fields are
ignored. Conv rows become im2col + GEMM, as an ONNX Conv does (no BN, no activation).
"""

from __future__ import annotations

import csv

from k1sim.errors import K1SimError
from k1sim.model.layers import Layer


def layers_from_topology(path, batch: int = 1) -> list[Layer]:
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        raise K1SimError(f"{path}: cannot read the topology CSV ({e.strerror})") from None
    layers = []
    for line, row in enumerate(rows, 1):
        cells = [c.strip() for c in row if c.strip()]
        if not cells or (line == 1 and not cells[-1].isdigit()):
            continue
        name, values = cells[0], cells[1:]
        try:
            nums = [int(v) for v in values]
        except ValueError:
            raise K1SimError(f"{path}:{line}: {name}: sizes must be integers, got "
                             f"{', '.join(values)}") from None
        if len(nums) == 7:
            layers += _conv(name, *nums, batch=batch)
        elif len(nums) == 3:
            m, n, k = nums
            layers.append(Layer(name, "GEMM", "gemm", f"{m}x{k} @ {k}x{n}", "gemm",
                                {"m": m * batch, "n": n, "k": k, "batch": 1, "bias": False,
                                 "act": None}, macs=m * batch * n * k))
        else:
            raise K1SimError(f"{path}:{line}: {name}: {len(nums)} sizes; a conv row has 7 "
                             "(IFMAP H, W, filter H, W, channels, filters, stride), a GEMM "
                             "row 3 (M, N, K)")
    if not layers:
        raise K1SimError(f"{path}: no layer rows")
    return layers


def _conv(name, h, w, r, s, c, filters, stride, batch):
    if r > h or s > w or stride < 1:
        raise K1SimError(f"topology {name}: filter {r}x{s} stride {stride} does not fit the "
                         f"{h}x{w} IFMAP")
    oh, ow = (h - r) // stride + 1, (w - s) // stride + 1
    m, k = batch * oh * ow, r * s * c
    out = []
    if (r, s, stride) != (1, 1, 1):
        out.append(Layer(f"{name}/im2col", "Im2Col", "im2col", f"{m}x{k}", "im2col",
                         {"rows": batch * oh, "oh": oh, "ow": ow, "c": c, "kh": r, "kw": s,
                          "stride": stride, "h_pad": h, "w_pad": w}))
    out.append(Layer(name, "Conv", "conv", f"{batch}x{c}x{h}x{w} k{r}x{s}/{stride} -> "
                     f"{filters}x{oh}x{ow}", "gemm",
                     {"m": m, "n": filters, "k": k, "batch": 1, "bias": False, "act": None},
                     macs=m * filters * k))
    return out


__all__ = ["layers_from_topology"]
