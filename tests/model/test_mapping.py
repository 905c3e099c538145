"""Graphs, presets and topologies become the documented layers (no simulation here)."""

import dataclasses
from collections import Counter

import onnx
import pytest
from onnx import TensorProto, helper

from k1sim.errors import K1SimError
from k1sim.model.decoder import PRESETS, decoder_graph
from k1sim.model.onnx_map import layers_from_onnx
from k1sim.model.sources import load_model


def test_light_resnet50_maps_every_op():
    name, layers = load_model("resnet50")
    ops = Counter(layer.op for layer in layers)
    convs = [layer for layer in layers if layer.op.startswith("Conv")]
    assert len(convs) == 53
    assert all("BatchNormalization" in layer.fused for layer in convs)
    assert ops["Conv+BatchNormalization+Relu"] == 33        # the other 20 feed a residual sum
    assert ops["Sum+Relu"] == 16
    assert ops["MaxPool"] == ops["AveragePool"] == ops["Gemm"] == ops["Softmax"] == 1
    assert all(layer.mapped for layer in layers)
    # 1x1 stride-1 convs need no im2col: conv1 (7x7), the 16 3x3 and 3 strided 1x1 do
    assert ops["Im2Col"] == 20


def test_other_light_models_map_without_fallback():
    for name in ("shufflenet", "inception_v2", "densenet121"):
        _, layers = load_model(name)
        assert layers and all(layer.mapped for layer in layers), name


def test_decoder_layer_maps_to_gemms_attention_and_vector_kernels():
    spec = dataclasses.replace(PRESETS["qwen3-0.6b-decode"], layers=1)
    layers = layers_from_onnx(decoder_graph(spec))
    kinds = Counter(layer.kind for layer in layers)
    assert kinds["gemm"] == 7 and kinds["attention"] == 1 and kinds["norm"] == 4
    att = next(layer for layer in layers if layer.kind == "attention")
    assert att.params["kv_len"] == 129 and att.params["seq"] == 1
    assert any(layer.op == "Sigmoid+Mul+Mul" for layer in layers)       # SiLU·mul, one pass


def test_unmapped_op_is_flagged_not_dropped():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 8])
    graph = helper.make_graph([helper.make_node("Erf", ["x"], ["y"], name="erf")], "g", [x], [y])
    layers = layers_from_onnx(helper.make_model(graph))
    assert [(layer.name, layer.mapped) for layer in layers] == [("erf", False)]
    assert layers[0].fallback == {"elements_moved": 64, "ops": 32}


def test_topology_csv(tmp_path):
    path = tmp_path / "net.csv"
    path.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
                    "Channels, Num Filter, Strides,\nconv1, 230, 230, 7, 7, 3, 64, 2,\n"
                    "fc, 1, 1000, 2048,\n")
    name, layers = load_model(str(path))
    assert name == "net"
    assert [(layer.name, layer.kernel) for layer in layers] == [
        ("conv1/im2col", "im2col"), ("conv1", "gemm"), ("fc", "gemm")]
    assert layers[1].params["m"] == 112 * 112 and layers[1].params["k"] == 147


def test_bad_inputs_say_what_is_allowed(tmp_path):
    with pytest.raises(K1SimError, match="presets: resnet50"):
        load_model("resnet51")
    bad = tmp_path / "bad.csv"
    bad.write_text("a, 1, 2\n")
    with pytest.raises(K1SimError, match=r"bad.csv:1: a: 2 sizes"):
        load_model(str(bad))
    with pytest.raises(K1SimError, match="no such ONNX file"):
        load_model(str(tmp_path / "none.onnx"))


def test_mapped_layers_are_cached_and_an_edited_source_maps_afresh(tmp_path, monkeypatch):
    import k1sim.model.sources as sources
    topo = tmp_path / "net.csv"
    topo.write_text("conv1, 230, 230, 7, 7, 3, 64, 2\nfc, 1, 1000, 2048\n")
    name, layers = load_model(str(topo), cache_dir=tmp_path / "layers")
    _, preset = load_model("qwen3-0.6b-decode:256", cache_dir=tmp_path / "layers")

    def refuse(*args):
        raise AssertionError("mapped again: the cache missed")
    monkeypatch.setattr(sources, "_map", refuse)
    assert load_model(str(topo), cache_dir=tmp_path / "layers") == (name, layers)
    assert load_model("qwen3-0.6b-decode:256", cache_dir=tmp_path / "layers")[1] == preset
    topo.write_text("conv1, 230, 230, 7, 7, 3, 32, 2\nfc, 1, 1000, 2048\n")
    with pytest.raises(AssertionError, match="mapped again"):
        load_model(str(topo), cache_dir=tmp_path / "layers")
    with pytest.raises(AssertionError, match="mapped again"):
        load_model(str(topo), batch=2, cache_dir=tmp_path / "layers")
    with pytest.raises(AssertionError, match="mapped again"):
        load_model("qwen3-0.6b-decode:512", cache_dir=tmp_path / "layers")
