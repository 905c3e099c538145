"""Walk an ONNX graph and map each node to layers (the rules are in onnx_graph.py,
onnx_matrix.py and docs/model.md)."""

from __future__ import annotations

from k1sim.model.layers import Layer
from k1sim.model.onnx_graph import (BINARY, CONSTANT_OPS, ROWWISE, UNARY, VIEW_OPS, Graph,
                                    elementwise_layer, elements, fallback_layer,
                                    fuse_activation, node_name, shape_text, silu_layer,
                                    window_layer)
from k1sim.model.onnx_matrix import attention_layer, conv_layers, matmul_layer


def layers_from_onnx(model) -> list[Layer]:
    """The layers of an ``onnx.ModelProto``, in graph order."""
    g = Graph(model)
    done: set = set()
    layers: list = []
    for node in g.nodes:
        if id(node) in done or node.op_type in CONSTANT_OPS or not node.output:
            continue
        done.add(id(node))
        if node.input and all(i in g.constants for i in node.input if i):
            continue        # folded at load time: computed from weights alone
        layers += map_node(g, node, done)
    return layers


def map_node(g: Graph, node, done: set) -> list[Layer]:
    op, name = node.op_type, node_name(node)
    if op == "Conv":
        return conv_layers(g, node, done)
    if op in ("Gemm", "MatMul"):
        return [matmul_layer(g, node, done)]
    if op == "Attention":
        return [attention_layer(g, node)]
    if op in VIEW_OPS or (op == "Transpose" and g.reads_as_matrix(node.output[0])):
        return [Layer(name, op, "view", shape_text(g.shape(node.output[0])), "view")]
    if op in ROWWISE:
        shape = g.shape(node.output[0])
        return [Layer(name, op, "softmax" if op == "Softmax" else "norm", shape_text(shape),
                      "rowwise", {"op": ROWWISE[op], "rows": elements(shape[:-1]),
                                  "cols": shape[-1]})]
    if op in ("MaxPool", "AveragePool"):
        return [window_layer(g, node, "max" if op == "MaxPool" else "avg")]
    if op in ("GlobalAveragePool", "GlobalMaxPool"):
        n, c, h, w = g.shape(node.input[0])
        return [Layer(name, op, "pool", f"{n}x{c}x{h}x{w}", "global_pool",
                      {"batch": n, "hw": h * w, "c": c})]
    if op == "Sigmoid":
        silu = silu_layer(g, node, done)
        if silu is not None:
            return [silu]
    if op in UNARY:
        return [elementwise_layer(g, node, UNARY[op], node.output[0], [])]
    if op in BINARY and len([i for i in node.input if i]) == 2:
        fused: list = []
        out = node.output[0]
        if BINARY[op] == "add":         # a residual sum and the Relu after it: one pass
            act, out = fuse_activation(g, out, done, fused, ("Relu",))
        return [elementwise_layer(g, node, "add_relu" if fused else BINARY[op], out, fused)]
    if op in ("Transpose", "Concat"):   # a real copy
        return [elementwise_layer(g, node, "copy", node.output[0], [])]
    if op == "BatchNormalization":      # not after a conv: x * scale (+ shift), one pass
        return [elementwise_layer(g, node, "mul", node.output[0], [])]
    if op == "RotaryEmbedding":
        return [elementwise_layer(g, node, "rope", node.output[0], [])]
    return [fallback_layer(g, node)]


__all__ = ["layers_from_onnx", "map_node"]
