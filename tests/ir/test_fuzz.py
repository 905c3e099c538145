"""Fuzzing the front end: whatever the input, the result is a Module or a K1SimError.

Any other exception (IndexError, AttributeError, RecursionError, …) or a hang is a
bug in k1sim/ir. Two generators: random streams of MLIR-ish tokens, and mutations
(delete / duplicate / swap a token span, flip a character, truncate, insert bytes)
of valid ``.xsmt`` text. Set K1SIM_FUZZ_EXAMPLES to fuzz longer than CI does.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k1sim.errors import K1SimError, ParseError
from k1sim.ir import registry
from k1sim.ir.core import Module
from k1sim.ir.parser import parse, parse_bytes

EXAMPLES = int(os.environ.get("K1SIM_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ROOT = Path(__file__).resolve().parents[2]

# xsmt ops in custom and generic form, for mutations that reach their parsers.
T2 = r'''tt.func public @k(%x: tensor<32x64xf16>, %y: tensor<64x32xf16>, %p: !tt.ptr<tensor<64x64xf16>>) {
  %c0 = arith.constant 0 : i32
  %a = xsmt.pack %x, [%c0, %c0], [32, 64], [8, 16] : tensor<32x64xf16> -> tensor<4x4x8x16xf16>
  %b0 = "xsmt.pack"(%y, %c0, %c0) <{operandSegmentSizes = array<i32: 1, 2, 0>, packed_size = array<i32: 16, 16>, shape = array<i32: 64, 32>}> : (tensor<64x32xf16>, i32, i32) -> tensor<4x2x16x16xf16>
  %b = tt.trans %b0 {order = array<i32: 1, 0, 3, 2>} : tensor<4x2x16x16xf16> -> tensor<2x4x16x16xf16>
  %c = xsmt.mmt4d %a, %b : tensor<4x4x8x16xf16>, tensor<2x4x16x16xf16> -> tensor<4x2x8x16xf32>
  %u = xsmt.unpack %c, [%c0, %c0], [32, 32] : tensor<4x2x8x16xf32> -> tensor<32x32xf32>
  %v = xsmt.subview_pack %p, [%c0, %c0], [[32, 32]], [[8, 16]] : !tt.ptr<tensor<64x64xf16>> -> !tt.ptr<tensor<4x2x8x16xf16>>
  %s = "tt.reduce"(%u) <{axis = 1 : i32}> ({
  ^bb0(%l: f32, %r: f32):
    %m = arith.maxnumf %l, %r : f32
    tt.reduce.return %m : f32
  }) : (tensor<32x32xf32>) -> tensor<32xf32>
  %cond = arith.cmpi slt, %c0, %c0 : i32
  scf.if %cond {
    %w = arith.constant 0x7F800000 : f32
  }
  tt.return
}
'''


def _corpus() -> list[str]:
    texts = [T2]
    for folder in (ROOT / "tests" / "corpus", ROOT / "kernels"):
        if folder.is_dir():
            texts += [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.xsmt"))]
    return texts


CORPUS = _corpus()

VOCAB = [
    "%x", "%0", "%arg0", "%c-7_i16", "%r:2", "%r#1", "@f", "@k", '@"q"', "^bb0",
    "module", "attributes", "tt.func", "func.func", "public", "private", "tt.return",
    "return", "{", "}", "(", ")", "[", "]", "[[", "]]", "<", ">", "<{", "}>", ",", ":",
    "=", "->", "*", "?", "-", "+", "tensor", "128x", "32x32x", "?x", "2x2x8x8x", "f32",
    "f16", "bf16", "i1", "i4", "i32", "i64", "index", "!tt.ptr", "!xsmt.buffer",
    "!xsmt.mbarrier", "!foo.bar", "loc(", "loc", "#loc", "#loc1", "#xsmt.memory_space",
    "unknown", "fused", "callsite", "at", '"kernel.py"', '"a\\"b\\n"', '"unterminated',
    '"xsmt.pack"', '"arith.addf"', '"tt.reduce"', "0", "1", "-1", "42", "0x7F800000",
    "1.5", "1e-3", "inf", "dense", "array", "true", "false", "unit", "xsmt.pack",
    "xsmt.unpack", "xsmt.mmt4d", "xsmt.subview_pack", "xsmt.alloc", "xsmt.foo",
    "arith.constant", "arith.addf", "arith.addi", "arith.cmpi", "slt", "scf.for",
    "scf.yield", "scf.if", "else", "iter_args", "to", "step", "tt.load", "tt.store",
    "tt.make_tensor_ptr", "tt.advance", "tt.trans", "tt.dot", "tt.reduce",
    "tt.reduce.return", "tt.get_program_id", "x", "into", "storage", "fastmath", "shape",
    "packed_size", "operandSegmentSizes", "order", "\n", "// comment\n", "\t", "é", "\x00",
]
SEPARATORS = [" ", " ", " ", "", "\n"]
PRELUDES = ["", "tt.func public @k(%x: i32, %t: tensor<32x32xf32>) {\n",
            "module {\n  tt.func @k() {\n", '%0 = "xsmt.pack"(']


def check_outcome(thunk):
    """Run a parse; a Module or a K1SimError is fine, anything else is a bug."""
    try:
        result = thunk()
    except K1SimError as e:
        text = str(e)  # every error renders
        assert text
        if isinstance(e, ParseError):
            assert e.line >= 1 and e.column >= 1, text
            assert text.startswith(f"{e.filename}:{e.line}:{e.column}: error: "), text
        return e
    assert isinstance(result, Module)
    return result


@st.composite
def token_streams(draw) -> str:
    tokens = draw(st.lists(st.tuples(st.sampled_from(VOCAB), st.sampled_from(SEPARATORS)),
                           max_size=80))
    body = "".join(t + s for t, s in tokens)
    return draw(st.sampled_from(PRELUDES)) + body + draw(st.sampled_from(["", "\n}", "\n}\n}"]))


_SPLIT = re.compile(r"\s+|%[\w.$#-]+|[A-Za-z_][\w.$]*|\d+|\"(?:[^\"\\\n]|\\.)*\"|.", re.S)


@st.composite
def mutants(draw) -> bytes:
    text = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(1, 3))):
        text = _mutate(draw, text)
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # raw bytes, often not UTF-8
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data


def _mutate(draw, text: str) -> str:
    tokens = _SPLIT.findall(text) or [""]
    n = len(tokens)
    i = draw(st.integers(0, n - 1))
    j = draw(st.integers(i, min(n, i + 12)))
    how = draw(st.sampled_from(["delete", "duplicate", "swap", "flip", "truncate", "insert"]))
    if how == "delete":
        tokens[i:j] = []
    elif how == "duplicate":
        tokens[j:j] = tokens[i:j]
    elif how == "swap":
        k = draw(st.integers(0, n - 1))
        tokens[i], tokens[k] = tokens[k], tokens[i]
    elif how == "insert":
        tokens.insert(i, draw(st.sampled_from(VOCAB)) + draw(st.sampled_from(SEPARATORS)))
    else:
        s = "".join(tokens)
        at = draw(st.integers(0, max(0, len(s) - 1)))
        if how == "truncate":
            return s[:at]
        char = draw(st.characters(codec="utf-8") | st.sampled_from(list("{}()<>[]%@#!\":=,x0")))
        return s[:at] + char + s[at + 1:]
    return "".join(tokens)


@pytest.mark.parametrize("text", CORPUS[:2], ids=["t1", "t2"])
def test_seed_texts_parse(text):
    assert isinstance(parse(text), Module)


@FUZZ
@given(token_streams())
def test_random_token_streams(text):
    check_outcome(lambda: parse(text, "fuzz.xsmt"))


@FUZZ
@given(mutants())
def test_mutated_corpus(data):
    check_outcome(lambda: parse_bytes(data, "fuzz.xsmt"))


@FUZZ
@given(st.text(max_size=200))
def test_arbitrary_text(text):
    check_outcome(lambda: parse(text, "fuzz.xsmt"))


# Property values that satisfy each op's required properties, so verifiers run.
PROPS = {"value": "1 : i32", "predicate": "0 : i64", "sym_name": '"f"',
         "function_type": "() -> ()", "axis": "0 : i32", "order": "array<i32: 1, 0>",
         "start": "0 : i32", "end": "4 : i32", "shape": "array<i32: 16, 16>",
         "packed_size": "array<i32: 8, 8>", "numCopies": "2 : i32", "flag": "0 : i32",
         "arriveCount": "1 : i32", "transactionCount": "0 : i32", "expectCount": "1 : i32",
         "storage": '"l2"', "operandSegmentSizes": "array<i32: 1, 2, 0>",
         "tile_shape": "array<i32: 2, 2>"}
ARITIES = [((), ()), (("%t",), ()), ((), ("i32", "i32")), (("%i", "%i", "%i", "%i"), ("i32",)),
           (("%b",), ("tensor<4x4xf32>",)), (("%q", "%q"), ("i32",))]
ARG_TYPES = {"%i": "i32", "%t": "tensor<4x4xf32>", "%b": "!tt.ptr<tensor<16x16xf16>>",
             "%q": "tensor<2x2x8x8xf16>"}
REGIONS = ["", " ({\n})"]


def _all_ops() -> list[str]:
    registry.load_all()
    return sorted(registry.OPS)


@pytest.mark.parametrize("name", _all_ops())
def test_generic_form_with_any_arity_is_a_clean_error(name):
    """Only the generic form can give an op too few operands or results: verifiers
    must say so, not index past the end."""
    props = ", ".join(f"{k} = {PROPS[k]}" for k in registry.OPS[name].props if k in PROPS)
    sig = ", ".join(f"{v}: {t}" for v, t in ARG_TYPES.items())
    for operands, results in ARITIES:
        for prop_dict in ("", f" <{{{props}}}>"):
            for region in REGIONS:
                lhs = ", ".join(f"%r{k}" for k in range(len(results)))
                lhs = f"{lhs} = " if results else ""
                in_types = ", ".join(ARG_TYPES[v] for v in operands)
                text = (f"tt.func @k({sig}) {{\n  {lhs}\"{name}\"({', '.join(operands)})"
                        f"{prop_dict}{region} : ({in_types}) -> ({', '.join(results)})\n"
                        "  tt.return\n}\n")
                check_outcome(lambda: parse(text, "arity.xsmt"))


@pytest.mark.parametrize("text", [
    "#a = " + "[" * 5000,
    "#a = " + "[" * 5000 + "]" * 5000,
    "tt.func @k(%a: " + "!tt.ptr<" * 5000,
    "tt.func @k(%a: " + "tensor<" * 5000,
    'tt.func @k() {\n  %0 = "arith.addf"() : ' + "() -> (" * 5000,
    "tt.func @k() {\n  tt.return loc(" + '"n"(' * 5000,
    "tt.func @k() {\n  tt.return loc(" + "fused[" * 5000,
    "tt.func @k(%c: i1) {\n" + "scf.if %c {\n" * 5000,
    "tt.func @k() attributes {a = " + "{b = " * 5000,
], ids=["brackets", "brackets-closed", "ptr", "tensor", "function-types", "named-locs",
        "fused-locs", "regions", "dicts"])
def test_deep_nesting_is_a_clean_error(text):
    e = check_outcome(lambda: parse(text, "deep.xsmt"))
    assert isinstance(e, ParseError)
    assert "nesting too deep" in e.message or "expected" in e.message


def test_deep_brackets_message_and_place():
    text = "#a = " + "[" * 5000 + "]" * 5000 + "\n"
    e = check_outcome(lambda: parse(text, "deep.xsmt"))
    assert isinstance(e, ParseError) and "nesting too deep" in e.message
    assert e.line == 1 and 5 < e.column < 5000


def test_float_operand_segment_sizes_are_a_clean_error():
    # Found by tests/fuzz/corpus_mutate.py: a type swap made the sizes floats, which
    # slipped past the sum check and crashed slicing the operands with a TypeError.
    text = T2.replace("operandSegmentSizes = array<i32: 1, 2, 0>",
                      "operandSegmentSizes = array<f32: 1.0, 2.0, 0.0>")
    with pytest.raises(K1SimError, match=r"operandSegmentSizes .* does not fit 3 operands"):
        parse(text)


def test_float_transpose_order_is_a_clean_error():
    # Found by the scale fuzzer (18 of its 25 bugs): tt.trans with array<f32: ...> crashed
    # indexing the shape with a float.
    text = T2.replace("{order = array<i32: 1, 0, 3, 2>}", "{order = array<f32: 1.0, 0.0, 3.0, 2.0>}")
    with pytest.raises(K1SimError, match="tt.trans order must be a permutation of 0..3"):
        parse(text)
