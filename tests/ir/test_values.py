"""Types, attributes and printed names: the pieces the round trip rests on."""

import math

import pytest

import k1sim
from k1sim.ir import attrs as A
from k1sim.ir import types as T


@pytest.mark.parametrize("text", [
    "tensor<128x64xf16>", "!tt.ptr<f32>", "!tt.ptr<f32, 12>", "!tt.ptr<tensor<32x32xbf16>>",
    "tensor<128x!tt.ptr<f32>>", "!xsmt.mbarrier<2>", "tensor<i32>",
    '!xsmt.buffer<shape=[2, 64, 64], elementType=f16, copies=2, storageKind="l2">',
])
def test_types_print_as_they_parse(text):
    module = k1sim.parse(f"func.func @f(%x: {text}) {{\n  return\n}}\n")
    (arg,) = module.functions[0].regions[0].block.args
    assert str(arg.type) == text


@pytest.mark.parametrize("value, type_, text", [
    (float("-inf"), T.f32, "0xFF800000 : f32"),
    (float("inf"), T.f16, "0x7C00 : f16"),
    (0.1, T.f32, "0.1 : f32"),
    (1.0, T.f64, "1.0 : f64"),
])
def test_float_attributes_print_exactly(value, type_, text):
    assert str(A.FloatAttr(value, type_)) == text


def test_hex_float_constant_reads_as_its_bit_pattern():
    module = k1sim.parse("func.func @f() {\n  %m = arith.constant 0xFF800000 : f32\n  return\n}\n")
    value = module.functions[0].regions[0].block.ops[0].prop("value")
    assert math.isinf(value) and value < 0


def test_nan_attributes_compare_equal_to_themselves():
    assert A.FloatAttr(float("nan"), T.f32) == A.FloatAttr(float("nan"), T.f32)
    assert A.FloatAttr(0.0, T.f32) != A.FloatAttr(-0.0, T.f32)


def test_dense_attribute_nests_by_shape():
    attr = A.DenseAttr((1, 2, 3, 4, 5, 6), T.TensorType((2, 3), T.i32))
    assert str(attr) == "dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>"


def test_string_escapes_round_trip():
    text = 'func.func @f() attributes {note = "a \\"quoted\\" \\\\ line\\n"} {\n  return\n}\n'
    module = k1sim.parse(text)
    assert module.functions[0].attrs["note"].value == 'a "quoted" \\ line\n'
    assert k1sim.parse(module.to_text()) == module


def test_printer_renames_clashing_names_and_keeps_the_rest():
    text = ("func.func @f(%x: i32) {\n"
            "  scf.if %c {\n    %y = arith.addi %x, %x : i32\n  }\n"
            "  %y = arith.muli %x, %x : i32\n  return\n}\n")
    text = text.replace("scf.if %c", "%c = arith.cmpi slt, %x, %x : i32\n  scf.if %c")
    module = k1sim.parse(text)
    printed = module.to_text()
    assert printed.count("%y = ") == 2  # sibling scopes may reuse a name
    assert k1sim.parse(printed) == module


def test_structural_equality_notices_changed_attributes():
    module = k1sim.parse_file("kernels/mm_even_k.xsmt")
    other = k1sim.parse_file("kernels/mm_even_k.xsmt")
    assert module == other
    pack = next(op for op in other.walk() if op.name == "xsmt.pack")
    pack.props["packed_size"] = A.i32_array([4, 16])
    assert module != other


def test_verify_rejects_a_use_before_its_definition():
    module = k1sim.parse_file("kernels/mm_even_k.xsmt")
    body = module.functions[0].regions[0].block.ops
    body.insert(0, body.pop(body.index(next(op for op in body if op.name == "xsmt.mmt4d"))))
    with pytest.raises(k1sim.VerifyError, match="is not defined before 'xsmt.mmt4d'"):
        k1sim.verify(module)
