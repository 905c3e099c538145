"""ONNX Conv, Gemm/MatMul and Attention -> matrix-kernel layers (docs/model.md).

* Conv (group 1) is im2col + GEMM, as FlagGems' SpacemiT ``conv2d``: an ``im2col`` layer
  (skipped for a 1x1 stride-1 unpadded conv, whose NHWC input already is the matrix) and
  a ``gemm`` layer of M = N·OH·OW, N = C_out, K = kh·kw·C_in. A BatchNormalization that
  is the conv's only reader folds into its weights and bias; a Relu or Clip after that is
  the GEMM epilogue. A grouped conv is one GEMM per group (the kernel's batch axis);
  a depthwise conv (groups = C_in = C_out) runs on RVV (``window`` dw).
* Gemm and MatMul by a constant run as one GEMM over all leading rows; MatMul of two
  activations is a batched GEMM. A bias Add (or Gemm's C) and a Relu fuse.
* Attention (opset 23) is the flash attention kernel.
"""

from __future__ import annotations

import math

from k1sim.errors import K1SimError
from k1sim.model.layers import Layer
from k1sim.model.onnx_graph import (Graph, fallback_layer, fuse_activation, node_name, pads,
                                    shape_text)


def conv_layers(g: Graph, node, done: set) -> list[Layer]:
    a = g.attrs[id(node)]
    x, w = g.shape(node.input[0]), g.shape(node.input[1])
    if len(x) != 4 or any(d != 1 for d in a.get("dilations", [1, 1])):
        return [fallback_layer(g, node)]
    n, c, h, wd = x
    co, _, kh, kw = w
    groups = a.get("group", 1)
    stride = a.get("strides", [1, 1])[0]
    ph, pw = pads(a, 2)
    name = node_name(node)
    out, fused = node.output[0], []
    bn = g.only_consumer(out, ("BatchNormalization",))
    if bn is not None:
        done.add(id(bn))
        fused.append("BatchNormalization")
        out = bn.output[0]
    _, _, oh, ow = g.shape(out)
    shape = f"{n}x{c}x{h}x{wd} k{kh}x{kw}/{stride} -> {co}x{oh}x{ow}"
    window = {"rows": n * oh, "oh": oh, "ow": ow, "kh": kh, "kw": kw, "stride": stride,
              "h_pad": h + ph, "w_pad": wd + pw}
    if groups > 1 and groups == c == co:
        return [Layer(name, "+".join(["Conv", *fused]), "depthwise", shape, "window",
                      {"op": "dw", "c": c, **window}, macs=n * oh * ow * c * kh * kw,
                      fused=tuple(fused))]
    act, out = fuse_activation(g, out, done, fused)
    layers = []
    if (kh, kw, stride, ph, pw) != (1, 1, 1, 0, 0):
        layers.append(Layer(f"{name}/im2col", "Im2Col", "im2col",
                            f"{n * oh * ow}x{kh * kw * c}", "im2col", {"c": c, **window}))
    m, k, cols = n * oh * ow, kh * kw * c // groups, co // groups
    layers.append(Layer(name, "+".join(["Conv", *fused]), "conv", shape, "gemm",
                        {"m": m, "n": cols, "k": k, "batch": groups,
                         "bias": len(node.input) > 2 or bn is not None, "act": act},
                        macs=groups * m * cols * k, fused=tuple(fused)))
    return layers


def matmul_layer(g: Graph, node, done: set) -> Layer:
    a = g.attrs[id(node)]
    sa, sb = g.shape(node.input[0]), g.shape(node.input[1])
    if node.op_type == "Gemm":
        (m, k), n = (sa[::-1] if a.get("transA") else sa), (sb[0] if a.get("transB") else sb[1])
        batch, bias = 1, len(node.input) > 2 and bool(node.input[2])
    else:
        if len(sa) < 2 or len(sb) < 2:
            raise K1SimError(f"onnx: MatMul {node_name(node)} of {sa} by {sb}: 1-D operands "
                             "are not supported")
        k, n = sb[-2], sb[-1]
        if node.input[1] in g.constants or len(sb) == 2:
            batch, m = 1, math.prod(sa[:-1])
        else:
            batch, m = math.prod(max(sa[:-2], sb[:-2], key=math.prod)), sa[-2]
        bias = False
    out, fused = node.output[0], []
    add = g.only_consumer(out, ("Add",))
    if node.op_type == "MatMul" and add is not None and any(
            i in g.constants for i in add.input if i != out):
        done.add(id(add))
        fused.append("Add")
        bias, out = True, add.output[0]
    act, out = fuse_activation(g, out, done, fused, ("Relu",))
    return Layer(node_name(node), "+".join([node.op_type, *fused]), "gemm",
                 f"{batch}x{m}x{k} @ {k}x{n}" if batch > 1 else f"{m}x{k} @ {k}x{n}", "gemm",
                 {"m": m, "n": n, "k": k, "batch": batch, "bias": bias, "act": act},
                 macs=batch * m * n * k, fused=tuple(fused))


def attention_layer(g: Graph, node) -> Layer:
    a = g.attrs[id(node)]
    q, k = g.shape(node.input[0]), g.shape(node.input[1])
    if len(q) == 4:                 # [B, H, S, D]
        batch, hq, seq, d = q
        hkv, new = k[1], k[2]
    else:                           # [B, S, H * D]
        hq, hkv = a["q_num_heads"], a["kv_num_heads"]
        batch, seq, d = q[0], q[1], q[2] // hq
        new = k[1]
    past = g.shape(node.input[4])[2] if len(node.input) > 4 and node.input[4] else 0
    kv_len = past + new
    causal = bool(a.get("is_causal", 0))
    # Causal prefill sees about half the keys: the MACs the kernel does per query row.
    seen = kv_len - (seq - 1) / 2 if causal else kv_len
    return Layer(node_name(node), "Attention", "attention",
                 f"{batch}x{hq}/{hkv}h S{seq} KV{kv_len} D{d}", "attention",
                 {"seq": seq, "kv_len": kv_len, "q_heads": hq * batch, "kv_heads": hkv * batch,
                  "head_dim": d, "causal": causal},
                 macs=int(2 * batch * hq * seq * seen * d))


__all__ = ["conv_layers", "matmul_layer", "attention_layer"]
