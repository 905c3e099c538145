"""A transformer decoder built in code as an ONNX graph (opset 23), and its presets.

One layer, Qwen3-style: RMSNorm; Q, K, V projections; per-head RMSNorm of Q and K;
RoPE; grouped-query Attention (causal, with a KV cache of ``cache`` tokens for decode);
the output projection and residual Add; RMSNorm; gate and up projections, SiLU(gate)·up,
the down projection and residual Add. Weights are ``ConstantOfShape`` nodes, as in the
light models the onnx wheel ships, so the graph holds no weight data. The embedding and
the LM head are not part of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from k1sim.errors import K1SimError


@dataclass(frozen=True)
class DecoderSpec:
    hidden: int
    q_heads: int
    kv_heads: int
    head_dim: int
    ffn: int
    seq: int
    cache: int = 0
    layers: int = 1
    batch: int = 1


QWEN3_06B = dict(hidden=1024, q_heads=16, kv_heads=8, head_dim=128, ffn=3072, layers=28)
PRESETS = {
    "qwen3-0.6b-prefill": DecoderSpec(**QWEN3_06B, seq=128, cache=0),
    "qwen3-0.6b-decode": DecoderSpec(**QWEN3_06B, seq=1, cache=128),
}


def preset_spec(text: str, presets=None) -> DecoderSpec | None:
    """The spec a preset name gives, or None when ``text`` names no preset. ``NAME:N``
    sets the token count: the prompt length of a prefill preset, the KV-cache length of a
    decode preset (``qwen3-0.6b-prefill:512``)."""
    presets = PRESETS if presets is None else presets
    name, colon, count = text.partition(":")
    if name not in presets:
        return None
    spec = presets[name]
    if not colon:
        return spec
    if not count.isdigit() or int(count) < 1:
        raise K1SimError(f"model {text!r}: the token count after ':' must be a positive "
                         f"integer, such as {name}:512")
    field = "cache" if spec.cache else "seq"
    return replace(spec, **{field: int(count)})


def decoder_graph(spec: DecoderSpec):
    """The ONNX model of ``spec.layers`` decoder layers."""
    from onnx import TensorProto, helper
    if spec.q_heads % spec.kv_heads:
        raise K1SimError(f"decoder: q_heads {spec.q_heads} is not a multiple of kv_heads "
                         f"{spec.kv_heads}")
    nodes, inits = [], []
    b, s, h, d = spec.batch, spec.seq, spec.hidden, spec.head_dim
    hq, hkv = spec.q_heads, spec.kv_heads

    def const(name, shape):
        inits.append(helper.make_tensor(f"{name}_shape", TensorProto.INT64, [len(shape)],
                                        list(shape)))
        nodes.append(helper.make_node("ConstantOfShape", [f"{name}_shape"], [name],
                                      value=helper.make_tensor("v", TensorProto.FLOAT, [1],
                                                               [0.01])))
        return name

    def shape_of(name, values):     # a Reshape target: an initializer holding the shape
        inits.append(helper.make_tensor(name, TensorProto.INT64, [len(values)], values))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [b, s, h])]
    x = "x"
    for i in range(spec.layers):
        p = f"l{i}."
        n1 = node("RMSNormalization", [x, const(p + "ln1.w", [h])], p + "input_norm", axis=-1)
        heads = {}
        for proj, nh in (("q", hq), ("k", hkv), ("v", hkv)):
            y = node("MatMul", [n1, const(f"{p}{proj}.w", [h, nh * d])], f"{p}{proj}_proj")
            y = node("Reshape", [y, shape_of(f"{p}{proj}.shape4", [b, s, nh, d])],
                     f"{p}{proj}_heads")
            if proj != "v":
                y = node("RMSNormalization", [y, const(f"{p}{proj}_norm.w", [d])],
                         f"{p}{proj}_norm", axis=-1)
            heads[proj] = node("Transpose", [y], f"{p}{proj}_bhsd", perm=[0, 2, 1, 3])
        rope = [const(p + "cos", [s + spec.cache, d // 2]),
                const(p + "sin", [s + spec.cache, d // 2]), const(p + "pos", [b, s])]
        for proj in ("q", "k"):
            heads[proj] = node("RotaryEmbedding", [heads[proj], *rope], f"{p}{proj}_rope")
        attn_in = [heads["q"], heads["k"], heads["v"]]
        if spec.cache:
            attn_in += ["", const(p + "past_k", [b, hkv, spec.cache, d]),
                        const(p + "past_v", [b, hkv, spec.cache, d])]
        a = node("Attention", attn_in, p + "attention", is_causal=1, q_num_heads=hq,
                 kv_num_heads=hkv)
        a = node("Transpose", [a], p + "attn_bshd", perm=[0, 2, 1, 3])
        a = node("Reshape", [a, shape_of(p + "o.shape3", [b, s, hq * d])], p + "attn_merge")
        o = node("MatMul", [a, const(p + "o.w", [hq * d, h])], p + "o_proj")
        x1 = node("Add", [x, o], p + "residual1")
        n2 = node("RMSNormalization", [x1, const(p + "ln2.w", [h])], p + "post_norm", axis=-1)
        gate = node("MatMul", [n2, const(p + "gate.w", [h, spec.ffn])], p + "gate_proj")
        up = node("MatMul", [n2, const(p + "up.w", [h, spec.ffn])], p + "up_proj")
        sig = node("Sigmoid", [gate], p + "silu_mul")
        act = node("Mul", [gate, sig], p + "silu")
        act = node("Mul", [act, up], p + "gated")
        down = node("MatMul", [act, const(p + "down.w", [spec.ffn, h])], p + "down_proj")
        x = node("Add", [x1, down], p + "residual2")
    graph = helper.make_graph(nodes, "decoder", inputs,
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, [b, s, h])],
                              initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)],
                             producer_name="k1sim")


__all__ = ["DecoderSpec", "PRESETS", "decoder_graph", "preset_spec"]
