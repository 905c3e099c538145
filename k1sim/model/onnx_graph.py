"""ONNX graph -> layers, by the rules of docs/model.md ("How a graph becomes kernels").

Shapes come from ``onnx.shape_inference``; activations are laid out NHWC (what the im2col
GEMM wants), weights are constants (initializers, ``Constant`` or ``ConstantOfShape``
nodes, as in the light models the onnx wheel ships) and cost nothing to produce.
Nodes folded into a layer (BatchNormalization into its Conv, Relu/Clip into the GEMM's
epilogue or the residual sum, Sigmoid·Mul·Mul into one SiLU·mul) are listed in the
layer's ``fused``; a node no rule maps becomes a ``fallback`` layer.
"""

from __future__ import annotations

import math

from k1sim.errors import K1SimError
from k1sim.model.layers import Layer

CONSTANT_OPS = {"Constant", "ConstantOfShape", "Shape", "Range"}
VIEW_OPS = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"}
MATRIX_READERS = {"MatMul", "Gemm", "Attention", "RotaryEmbedding"}
UNARY = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Exp": "exp",
         "Sqrt": "sqrt", "Clip": "clip"}
BINARY = {"Add": "add", "Sum": "add", "Sub": "sub", "Mul": "mul", "Div": "div"}
ROWWISE = {"Softmax": "softmax", "LayerNormalization": "layernorm",
           "RMSNormalization": "rmsnorm", "SimplifiedLayerNormalization": "rmsnorm"}
BYTES = {"i8": 1, "f16": 2, "f32": 4}


class Graph:
    """The inferred graph: shapes by value name, consumers, constants."""

    def __init__(self, model):
        import onnx
        from onnx import shape_inference
        try:
            model = shape_inference.infer_shapes(model, strict_mode=False)
        except Exception as e:      # onnx raises its own types for a malformed graph
            raise K1SimError(f"onnx shape inference failed: {e}") from None
        g = model.graph
        self.nodes = list(g.node)
        self.shapes = {}
        for vi in list(g.input) + list(g.value_info) + list(g.output):
            dims = vi.type.tensor_type.shape.dim
            self.shapes[vi.name] = tuple(d.dim_value if d.dim_value > 0 else 1 for d in dims)
        for init in g.initializer:
            self.shapes[init.name] = tuple(init.dims)
        self.constants = {i.name for i in g.initializer}
        self.consumers: dict = {}
        for node in self.nodes:
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)
            if node.op_type in CONSTANT_OPS or (
                    node.input and all(i in self.constants for i in node.input if i)):
                self.constants.update(node.output)
        self.attrs = {id(n): {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
                      for n in self.nodes}

    def shape(self, name: str) -> tuple:
        if name not in self.shapes:
            raise K1SimError(f"onnx: no shape for value {name!r} after shape inference")
        return self.shapes[name]

    def only_consumer(self, name: str, op_types) -> object | None:
        users = self.consumers.get(name, [])
        if len(users) == 1 and users[0].op_type in op_types:
            return users[0]
        return None

    def reads_as_matrix(self, name: str) -> bool:
        """Every reader (through views) takes it by block pointer: a transpose is free."""
        users = self.consumers.get(name, [])
        return bool(users) and all(
            u.op_type in MATRIX_READERS or (u.op_type in VIEW_OPS and
                                            self.reads_as_matrix(u.output[0]))
            for u in users)


def node_name(node) -> str:
    return node.name or f"{node.op_type}:{node.output[0]}"


def elements(shape) -> int:
    return math.prod(shape) if shape else 1


def fuse_activation(g: Graph, out: str, done: set, fused: list, ops=("Relu", "Clip")):
    """A Relu or Clip (of ``ops``) that is the only reader of ``out``: (act, the output
    name after it); (None, out) when there is none."""
    act = g.only_consumer(out, ops)
    if act is None:
        return None, out
    done.add(id(act))
    fused.append(act.op_type)
    return ("relu" if act.op_type == "Relu" else "clip"), act.output[0]


def shape_text(shape) -> str:
    return "x".join(map(str, shape))


def elementwise_layer(g, node, kernel_op, out, fused) -> Layer:
    shape = g.shape(out)
    kind = "elementwise" if kernel_op != "copy" else "copy"
    return Layer(node_name(node), "+".join([node.op_type, *fused]), kind, shape_text(shape),
                 "elementwise", {"op": kernel_op, "elements": elements(shape)},
                 fused=tuple(fused))


def silu_layer(g, node, done):
    """Sigmoid(x) read by Mul(x, ·) is SiLU; a SiLU read only by a Mul is SiLU·mul."""
    x = node.input[0]
    mul = g.only_consumer(node.output[0], ("Mul",))
    if mul is None or x not in mul.input:
        return None
    done.add(id(mul))
    gate = g.only_consumer(mul.output[0], ("Mul",))
    if gate is None:
        return elementwise_layer(g, node, "silu", mul.output[0], ["Mul"])
    done.add(id(gate))
    return elementwise_layer(g, node, "silu_mul", gate.output[0], ["Mul", "Mul"])


def pads(attrs, spatial: int) -> tuple:
    pads = list(attrs.get("pads", [0] * 2 * spatial))
    if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET", b"VALID", "VALID"):
        raise K1SimError("onnx: auto_pad SAME_* is not supported; export explicit pads")
    return pads[0] + pads[spatial], pads[1] + pads[spatial + 1]


def window_layer(g, node, op) -> Layer:
    a = g.attrs[id(node)]
    n, c, h, w = g.shape(node.input[0])
    kh, kw = a["kernel_shape"]
    s = a.get("strides", [1, 1])[0]
    ph, pw = pads(a, 2)
    _, _, oh, ow = g.shape(node.output[0])
    return Layer(node_name(node), node.op_type, "pool", f"{n}x{c}x{h}x{w} k{kh}x{kw}/{s}",
                 "window", {"op": op, "rows": n * oh, "oh": oh, "ow": ow, "c": c, "kh": kh,
                            "kw": kw, "stride": s, "h_pad": h + ph, "w_pad": w + pw})


def fallback_layer(g, node) -> Layer:
    """No kernel: every input and output tensor crosses DRAM once, one op per output
    element (the documented roofline fallback)."""
    ins = [g.shapes.get(i, ()) for i in node.input if i]
    outs = [g.shapes.get(o, ()) for o in node.output if o]
    return Layer(node_name(node), node.op_type, "fallback",
                 shape_text(outs[0]) if outs else "?", "fallback",
                 fallback={"elements_moved": sum(elements(s) for s in ins + outs),
                           "ops": sum(elements(s) for s in outs)})


__all__ = ["Graph", "BYTES", "node_name", "elements", "shape_text", "fuse_activation",
           "pads", "elementwise_layer", "silu_layer", "window_layer", "fallback_layer"]
