"""A small CNN the whole-model tests share: conv-bn-relu twice at one shape, a residual
sum + relu, a pool, a Gemm and a Softmax."""

import math

import onnx
import pytest
from onnx import TensorProto, helper


def small_cnn(path):
    """conv-bn-relu twice at the same shape, a residual sum + relu, pool, gemm, softmax."""
    nodes, inits = [], []

    def weight(name, shape):
        inits.append(helper.make_tensor(name, TensorProto.FLOAT, shape,
                                        [0.01] * math.prod(shape)))
        return name

    x = "x"
    for i in range(2):
        nodes.append(helper.make_node("Conv", [x, weight(f"w{i}", [16, 16, 3, 3])], [f"c{i}"],
                                      pads=[1, 1, 1, 1], name=f"conv{i}"))
        bn = [weight(f"bn{i}_{j}", [16]) for j in range(4)]
        nodes.append(helper.make_node("BatchNormalization", [f"c{i}", *bn], [f"b{i}"]))
        nodes.append(helper.make_node("Relu", [f"b{i}"], [f"r{i}"]))
        x = f"r{i}"
    nodes += [helper.make_node("Sum", ["x", x], ["s"], name="sum"),
              helper.make_node("Relu", ["s"], ["sr"]),
              helper.make_node("GlobalAveragePool", ["sr"], ["p"], name="pool"),
              helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
              helper.make_node("Gemm", ["f", weight("fc", [10, 16])], ["g"], transB=1,
                               name="fc"),
              helper.make_node("Softmax", ["g"], ["y"], name="softmax")]
    graph = helper.make_graph(nodes, "cnn", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 16, 12, 12])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, [1, 10])], initializer=inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return str(path)


@pytest.fixture(scope="module")
def cnn(tmp_path_factory):
    return small_cnn(tmp_path_factory.mktemp("cnn") / "cnn.onnx")
