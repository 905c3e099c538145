"""Bad input: every error names its place (FORMAT.md section 7).

Each case checks the message, the exact line:column and the caret under the
source line. Syntax errors point at the offending token; verifier errors at the
start of the op (its first result, or its name); a missing terminator at the
region's closing ``}``; an empty file at 1:1; non-UTF-8 bytes at the first bad byte.
"""

from __future__ import annotations

import random
import time

import pytest

import k1sim
from k1sim.errors import K1SimError, ParseError
from k1sim.ir import launch

FILE = "t.xsmt"


def kernel(body: str, args: str = "%n: i32, %x: tensor<32x32xf32>") -> str:
    """A public tt.func around ``body``; the body starts on line 2."""
    return f"tt.func public @k({args}) {{\n{body}\n  tt.return\n}}\n"


def where(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """1-based line and column of the ``nth`` occurrence of ``needle`` in ``text``."""
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def error_of(text: str, filename: str = FILE) -> ParseError:
    with pytest.raises(ParseError) as info:
        k1sim.parse(text, filename)
    return info.value


def assert_error(e: ParseError, text: str, line: int, col: int, *fragments: str) -> None:
    """Message fragments, exact place, the header and the caret under the source line."""
    shown = str(e)
    assert (e.line, e.column) == (line, col), shown
    for fragment in fragments:
        assert fragment in e.message, shown
    assert shown.startswith(f"{e.filename}:{line}:{col}: error: {e.message}"), shown
    source_line = text.split("\n")[line - 1]
    assert f"\n{source_line}\n{' ' * (col - 1)}^" in shown, shown


def check(text: str, needle: str, *fragments: str, nth: int = 1) -> ParseError:
    e = error_of(text)
    assert_error(e, text, *where(text, needle, nth), *fragments)
    return e


# -- unknown ops and types --------------------------------------------------

def test_unknown_op_in_known_dialect_lists_the_dialect_ops():
    text = kernel("  %0 = xsmt.packk %x : tensor<32x32xf32>")
    e = check(text, "xsmt.packk", "unknown op 'xsmt.packk'", "supported xsmt ops")
    assert "xsmt.pack" in e.message.split("supported xsmt ops")[1]
    assert "xsmt.mmt4d" in e.message


def test_unknown_op_in_generic_form():
    text = kernel('  %0 = "arith.frobf"(%x) : (tensor<32x32xf32>) -> tensor<32x32xf32>')
    check(text, '"arith.frobf"', "unknown op 'arith.frobf'", "arith.addf")


def test_unknown_dialect():
    text = kernel("  %0 = foo.bar %x : tensor<32x32xf32>")
    check(text, "foo.bar", "dialect 'foo' is not supported", "xsmt")


@pytest.mark.parametrize("bad, needle, fragment", [
    ("tensor<32x>", "32x>", "malformed tensor type"),
    ("tensor<32xfoo>", "foo", "expected a type, found 'foo'"),
    ("!foo.bar", "!foo.bar", "expected a type, found '!foo.bar'"),
    ("!tt.ptr<>", ">)", "expected a type, found '>'"),
    ("tensor<?x32xf32>", "tensor<?", "dynamic dimensions"),
    ("tensor<32x32xtensor<2xf32>>", "tensor<32x32xtensor", "element type must be a scalar"),
])
def test_malformed_types(bad, needle, fragment):
    text = f"tt.func public @k(%a: {bad}) {{\n  tt.return\n}}\n"
    check(text, needle, fragment)


def test_malformed_type_in_an_op():
    text = kernel("  %0 = arith.addf %x, %x : tensor<32xfoo>")
    check(text, "foo>", "expected a type", "tensor<DxDxT>")


def test_dynamic_dims_in_an_op_type():
    text = kernel("  %0 = arith.addf %x, %x : tensor<?x32xf32>")
    check(text, "tensor<?", "dynamic dimensions ('?') are not supported")


# -- SSA names --------------------------------------------------------------

def test_undefined_value():
    text = kernel("  %0 = arith.addf %x, %y : tensor<32x32xf32>")
    check(text, "%y", "use of undefined value '%y'")


def test_value_defined_twice_names_the_first_definition():
    text = kernel("  %0 = arith.addf %x, %x : tensor<32x32xf32>\n"
                  "  %0 = arith.mulf %x, %x : tensor<32x32xf32>")
    check(text, "%0", "redefinition of '%0'", "first defined at 2:3", nth=2)


def test_redefining_an_argument():
    text = kernel("  %x = arith.addi %n, %n : i32")
    check(text, "%x =", "redefinition of '%x'", "first defined at 1:28")


LOOP = ("  %c0 = arith.constant 0 : i32\n"
        "  %c1 = arith.constant 1 : i32\n"
        "  scf.for %i = %c0 to %n step %c1 : i32 {\n"
        "    %y = arith.addi %i, %i : i32\n"
        "  }\n")


def test_use_after_the_region_closed():
    text = kernel(LOOP + "  %z = arith.addi %y, %c1 : i32")
    check(text, "%y, %c1", "use of undefined value '%y'")


def test_induction_variable_is_not_visible_after_the_loop():
    text = kernel(LOOP + "  %z = arith.addi %i, %c1 : i32")
    check(text, "%i, %c1", "use of undefined value '%i'")


def test_reuse_in_sibling_regions_and_after_the_region_is_allowed():
    text = kernel(LOOP + LOOP.split("\n", 2)[2] + "  %y = arith.addi %c0, %c1 : i32\n"
                  "  %i = arith.addi %y, %c1 : i32")
    module = k1sim.parse(text, FILE)
    assert [op.name for op in module.ops[0].regions[0].block.ops].count("scf.for") == 2


# -- terminators ------------------------------------------------------------

def test_function_without_return_errs_at_its_closing_brace():
    text = "tt.func public @k(%n: i32) {\n  %0 = arith.addi %n, %n : i32\n}\n"
    check(text, "}", "must end with 'tt.return'")


def test_loop_with_iter_args_needs_a_yield():
    text = kernel("  %c0 = arith.constant 0 : i32\n"
                  "  %c1 = arith.constant 1 : i32\n"
                  "  %r = scf.for %i = %c0 to %n step %c1 iter_args(%s = %c0) -> (i32) : i32 {\n"
                  "    %y = arith.addi %i, %s : i32\n"
                  "  }")
    assert_error(error_of(text), text, 6, 3, "region of 'scf.for' must end with 'scf.yield'")


def test_yield_of_the_wrong_types():
    text = kernel("  %c0 = arith.constant 0 : i32\n"
                  "  %c1 = arith.constant 1 : i32\n"
                  "  %r = scf.for %i = %c0 to %n step %c1 iter_args(%s = %c0) -> (i32) : i32 {\n"
                  "    scf.yield %x : tensor<32x32xf32>\n"
                  "  }")
    check(text, "scf.yield", "scf.yield gives (tensor<32x32xf32>)", "expects (i32)")


def test_terminator_in_the_middle_of_a_region():
    text = "tt.func public @k() {\n  tt.return\n  tt.return\n}\n"
    check(text, "tt.return", "must be the last op")


# -- operand and result counts ----------------------------------------------

def test_generic_addf_with_one_operand():
    text = kernel('  %0 = "arith.addf"(%x) : (tensor<32x32xf32>) -> tensor<32x32xf32>')
    check(text, "%0", "'arith.addf' takes 2 operands, got 1")


def test_generic_function_type_that_disagrees_with_the_operands():
    text = kernel('  %0 = "arith.addf"(%x, %x) : (tensor<32x32xf32>) -> tensor<32x32xf32>')
    check(text, "(tensor<32x32xf32>) ->", "lists 1 operand types for 2 operands")


def test_generic_op_with_no_result_where_one_is_needed():
    text = kernel('  "arith.addf"(%x, %x) : (tensor<32x32xf32>, tensor<32x32xf32>) -> ()')
    check(text, '"arith.addf"', "'arith.addf' has 1 result, got 0")


def test_mmt4d_with_four_operands():
    t = "tensor<2x2x8x8xf16>"
    text = kernel(f"  %0 = xsmt.mmt4d %p, %p, %p, %p : {t}, {t}, {t}, {t} -> {t}", f"%p: {t}")
    check(text, "%0", "'xsmt.mmt4d' takes 2 to 3 operands, got 4")


def test_two_names_for_one_result():
    text = kernel("  %a, %b = arith.addi %n, %n : i32")
    check(text, "%a", "'arith.addi' produces 1 result but 2 names were given")


def test_result_group_of_the_wrong_size():
    text = kernel("  %r:3 = arith.addi %n, %n : i32")
    check(text, "%r:3", "produces 1 result but 3 names were given")


# -- shapes -----------------------------------------------------------------

def test_mmt4d_k_mismatch_names_both_shapes():
    a, b = "tensor<2x2x8x8xf16>", "tensor<2x3x8x8xf16>"
    text = kernel(f"  %0 = xsmt.mmt4d %a, %b : {a}, {b} -> tensor<2x2x8x8xf32>",
                  f"%a: {a}, %b: {b}")
    check(text, "%0", a, b, "K1 (2 vs 3)")


def test_mmt4d_k0_mismatch():
    a, b = "tensor<2x2x8x8xf16>", "tensor<2x2x8x16xf16>"
    text = kernel(f"  %0 = xsmt.mmt4d %a, %b : {a}, {b} -> tensor<2x2x8x8xf32>",
                  f"%a: {a}, %b: {b}")
    check(text, "%0", a, b, "k0 (8 vs 16)")


def test_mmt4d_result_element_type():
    a = "tensor<2x2x8x8xf16>"
    text = kernel(f"  %0 = xsmt.mmt4d %a, %a : {a}, {a} -> tensor<2x2x8x8xi32>", f"%a: {a}")
    check(text, "%0", "result element type must be f16 or f32, got i32")


def test_pack_result_type_disagreeing_shows_both_types():
    text = kernel("  %c0 = arith.constant 0 : i32\n"
                  "  %0 = xsmt.pack %x, [%c0, %c0], [32, 32], [8, 16] : tensor<32x32xf32> -> "
                  "tensor<4x4x8x8xf32>")
    check(text, "%0", "tensor<4x4x8x8xf32>", "tensor<4x2x8x16xf32>")


def test_pack_needs_i32_offsets():
    text = kernel("  %c0 = arith.constant 0 : i64\n"
                  "  %0 = xsmt.pack %x, [%c0, %c0], [32, 32], [8, 16] : tensor<32x32xf32> -> "
                  "tensor<4x2x8x16xf32>")
    check(text, "%0", "offsets of 'xsmt.pack' must be i32, got i64")


def test_subview_pack_not_divisible():
    text = kernel("  %c0 = arith.constant 0 : i32\n"
                  "  %v = xsmt.subview_pack %p, [%c0, %c0], [[30, 32]], [[8, 16]] : "
                  "!tt.ptr<tensor<64x64xf16>> -> !tt.ptr<tensor<4x2x8x16xf16>>",
                  "%p: !tt.ptr<tensor<64x64xf16>>")
    check(text, "%v", "shape [30, 32] must be divisible by packed_size [8, 16]")


def test_trans_with_a_bad_order():
    text = kernel("  %0 = tt.trans %x {order = array<i32: 0, 0>} : tensor<32x32xf32> -> "
                  "tensor<32x32xf32>")
    check(text, "%0", "tt.trans order must be a permutation of 0..1")


def test_trans_result_type():
    text = kernel("  %0 = tt.trans %x {order = array<i32: 1, 0>} : tensor<32x16xf32> -> "
                  "tensor<32x16xf32>", "%x: tensor<32x16xf32>")
    check(text, "%0", "tensor<32x16xf32> does not match the inferred type tensor<16x32xf32>")


def test_dot_shapes():
    text = kernel("  %0 = tt.dot %x, %y, %x : tensor<32x32xf32> * tensor<16x32xf32> -> "
                  "tensor<32x32xf32>", "%x: tensor<32x32xf32>, %y: tensor<16x32xf32>")
    check(text, "%0", "tt.dot needs a[M,K], b[K,N], c[M,N]", "tensor<16x32xf32>")


def test_arith_mixing_scalar_and_tensor():
    text = kernel('  %0 = "arith.addf"(%x, %s) : (tensor<32x32xf32>, f32) -> tensor<32x32xf32>',
                  "%x: tensor<32x32xf32>, %s: f32")
    check(text, "%0", "must have the same type", "tensor<32x32xf32> vs f32")


def test_arith_mixing_int_and_float():
    text = kernel('  %0 = "arith.addi"(%n, %s) : (i32, f32) -> i32', "%n: i32, %s: f32")
    check(text, "%0", "must have the same type", "i32 vs f32")


def test_float_op_on_integers():
    text = kernel("  %0 = arith.addf %n, %n : i32")
    check(text, "%0", "'arith.addf' works on float scalars or tensors, got i32")


def test_custom_form_type_that_disagrees_with_the_operand():
    text = kernel("  %0 = arith.addi %n, %n : i64")
    check(text, "%n", "'%n' has type i32 but is used here as i64", nth=3)


def test_op_without_results_errs_at_its_name():
    text = kernel("  tt.store %p, %x : !tt.ptr<tensor<32x32xf16>>",
                  "%p: !tt.ptr<tensor<32x32xf16>>, %x: tensor<32x32xf32>")
    e = error_of(text)
    assert (e.line, e.column) == where(text, "tt.store")
    assert "tensor<32x32xf32>" in e.message


# -- empty and undecodable files ------------------------------------------

@pytest.mark.parametrize("text", ["", "   \n\n", "// only a comment\n// and another\n", "\n\t\n"])
def test_empty_file_errs_at_1_1(text):
    e = error_of(text)
    assert (e.line, e.column) == (1, 1)
    assert "empty file" in e.message
    assert str(e).startswith(f"{FILE}:1:1: error: empty file")


def test_non_utf8_file_errs_at_the_first_bad_byte(tmp_path):
    path = tmp_path / "bin.xsmt"
    path.write_bytes(b"tt.func public @k() {\n  tt.ret\xff\xfeurn \xc3\xa9\n}\n")
    with pytest.raises(ParseError) as info:
        k1sim.parse_file(path)
    e = info.value
    assert (e.line, e.column) == (2, 9)
    assert "UTF-8" in e.message and "0xFF" in e.message
    assert str(e).startswith(f"{path}:2:9: error: ")
    assert "\n  tt.ret\n        ^" in str(e)


def test_non_utf8_column_counts_characters(tmp_path):
    path = tmp_path / "bin.xsmt"
    path.write_bytes("// é€\n// ü".encode() + b"\x80\n")
    with pytest.raises(ParseError) as info:
        k1sim.parse_file(path)
    assert (info.value.line, info.value.column) == (2, 5)


def test_binary_garbage(tmp_path):
    path = tmp_path / "garbage.xsmt"
    path.write_bytes(b"\xff" + random.Random(1).randbytes(4096))
    with pytest.raises(ParseError) as info:
        k1sim.parse_file(path)
    assert "UTF-8" in info.value.message
    assert info.value.line >= 1 and info.value.column >= 1


def test_missing_file_is_a_k1sim_error(tmp_path):
    with pytest.raises(K1SimError, match="cannot read"):
        k1sim.parse_file(tmp_path / "nope.xsmt")


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_character(char):
    text = f"tt.func public @k() {{\n  tt.{char}return\n}}\n"
    e = error_of(text)
    assert (e.line, e.column) == (2, 6)
    assert "unexpected character" in e.message and repr(char) in e.message
    # The raw character never reaches the terminal; the caret still lines up.
    assert char not in str(e)
    assert "\n  tt.?return\n     ^" in str(e)


def test_stray_character():
    text = kernel("  %0 = arith.addf %x, %x : tensor<32x32xf32>;")
    check(text, ";", "unexpected character ';'")


# -- very large inputs --------------------------------------------------------

MB10 = 10 * 1024 * 1024


def test_ten_megabyte_valid_file_parses(tmp_path):
    line = "    %v{0} = arith.addi %v{1}, %c1 : i32 loc(#loc1)\n"
    head = ("#loc1 = loc(\"kernel.py\":3:4)\n"
            "tt.func public @big(%n: i32) {\n    %v0 = arith.addi %n, %n : i32\n"
            "    %c1 = arith.constant 1 : i32\n")
    n = MB10 // len(line.format(99999, 99999)) + 1
    body = "".join(line.format(i, i - 1) for i in range(1, n))
    path = tmp_path / "big.xsmt"
    path.write_text(head + body + "    tt.return\n}\n", encoding="utf-8")
    assert path.stat().st_size >= MB10
    module = k1sim.parse_file(path)
    ops = module.ops[0].regions[0].block.ops
    assert len(ops) == n + 2  # with %v0, %c1 and tt.return
    assert ops[-2].python_loc() == "kernel.py:3:4"


def test_ten_megabyte_garbage_is_a_clean_error(tmp_path):
    rnd = random.Random(7)
    pieces = ["(", "[", "{", "<", "tensor", "%x", "@f", ",", ":", "->", "1", "f32", "loc", " "]
    text = "".join(rnd.choice(pieces) for _ in range(MB10 // 3))[:MB10] + "'"
    path = tmp_path / "garbage.xsmt"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(ParseError) as info:
        k1sim.parse_file(path)
    assert time.perf_counter() - start < 30
    assert info.value.line == 1 and info.value.column >= 1


def test_ten_megabyte_unbalanced_nesting_is_a_clean_error():
    text = 'tt.func @k() {\n  %0 = "arith.addf"() : ' + "() -> (" * (MB10 // 7)
    start = time.perf_counter()
    e = error_of(text)
    assert time.perf_counter() - start < 30
    assert "nesting too deep" in e.message and e.line == 2


# -- locations ----------------------------------------------------------------

def test_undefined_loc_alias():
    text = "tt.func public @k() {\n  tt.return loc(#loc9)\n}\n#loc1 = loc(unknown)\n"
    check(text, "#loc9", "undefined location alias '#loc9'")


def test_python_loc_is_shown_under_the_caret():
    text = ("tt.func public @k(%a: i32) {\n"
            "  %0 = arith.addf %a, %a : i32 loc(#loc3)\n"
            "  tt.return\n"
            "}\n"
            '#loc = loc("kernel.py":12:4)\n'
            '#loc3 = loc("fused"(#loc))\n')
    e = check(text, "%0", "works on float scalars or tensors")
    assert str(e).endswith("\n  ^\n  at kernel.py:12:4")


def test_python_loc_of_a_missing_terminator():
    text = 'tt.func public @k() {\n} loc("kernel.py":7:0)\n'
    e = check(text, "}", "must end with 'tt.return'")
    assert str(e).endswith("  at kernel.py:7:0")


def test_syntax_error_in_a_location():
    text = 'tt.func public @k() {\n  tt.return loc("kernel.py":12)\n}\n'
    check(text, ")\n", "expected ':' between line and column, found ')'")


# -- kernels --------------------------------------------------------------

def test_two_public_functions_without_kernel_name():
    text = ("tt.func public @first() {\n  tt.return\n}\n"
            "tt.func public @second() {\n  tt.return\n}\n")
    module = k1sim.parse(text, FILE)
    with pytest.raises(ParseError) as info:
        launch.select_kernel(module)
    assert_error(info.value, text, 4, 1, "two public functions", "'first'", "'second'",
                 "--kernel")
    assert launch.select_kernel(module, "second").prop("sym_name") == "second"


def test_unknown_kernel_name():
    module = k1sim.parse("tt.func public @only() {\n  tt.return\n}\n", FILE)
    with pytest.raises(ParseError, match="no function named 'other'.*only"):
        launch.select_kernel(module, "other")


# -- syntax -----------------------------------------------------------------

def test_unterminated_string():
    text = 'tt.func public @k() {\n  tt.return {note = "abc}\n}\n'
    check(text, '"abc', "unterminated string")


def test_unbalanced_braces_at_end_of_file():
    text = "tt.func public @k() {\n  tt.return\n"
    e = error_of(text)
    assert_error(e, text, 3, 1, "expected '}' to close the region opened at 1:21")


def test_unbalanced_module_brace():
    text = "module {\n  tt.func public @k() {\n    tt.return\n  }\n"
    e = error_of(text)
    assert_error(e, text, 5, 1, "expected '}' to close the module")


def test_extra_closing_brace():
    text = "tt.func public @k() {\n  tt.return\n}\n}\n"
    check(text, "}", "expected an operation, found '}'", nth=2)


def test_missing_colon_before_a_type():
    text = kernel("  %0 = arith.addf %x, %x tensor<32x32xf32>")
    check(text, "tensor<32x32xf32>\n", "expected ':', found 'tensor'")


def test_missing_equals_after_results():
    text = kernel("  %0 arith.addf %x, %x : tensor<32x32xf32>")
    check(text, "arith.addf", "expected '=' after the result names")


def test_op_at_module_level():
    text = "module {\n  %0 = arith.constant 0 : i32\n}\n"
    check(text, "%0", "cannot appear at module level")


def test_missing_property_in_generic_form():
    text = kernel('  %c0 = arith.constant 0 : i32\n'
                  '  %0 = "xsmt.pack"(%x, %c0, %c0) <{operandSegmentSizes = array<i32: 1, 2, 0>, '
                  'packed_size = array<i32: 8, 16>}> : (tensor<32x32xf32>, i32, i32) -> '
                  'tensor<4x2x8x16xf32>')
    check(text, "%0", "'xsmt.pack' needs the property 'shape'")


def test_unknown_property_in_generic_form_is_a_warning():
    text = kernel('  %c0 = arith.constant 0 : i32\n'
                  '  %0 = "xsmt.pack"(%x, %c0, %c0) <{operandSegmentSizes = array<i32: 1, 2, 0>, '
                  'packed_size = array<i32: 8, 16>, shape = array<i32: 32, 32>, '
                  'colour = 3 : i32}> : (tensor<32x32xf32>, i32, i32) -> tensor<4x2x8x16xf32>')
    module = k1sim.parse(text, FILE)
    line, col = where(text, "%0")
    assert len(module.warnings) == 1
    assert module.warnings[0].startswith(f"{FILE}:{line}:{col}: warning: ")
    assert "unknown property 'colour'" in module.warnings[0]


def test_unknown_predicate():
    text = kernel("  %0 = arith.cmpi lessish, %n, %n : i32")
    check(text, "lessish", "unknown predicate 'lessish'", "slt")


def test_block_arguments_cannot_be_redeclared():
    text = kernel('  %0 = "tt.reduce"(%x) <{axis = 1 : i32}> ({\n'
                  "  ^bb0(%a: f32, %a: f32):\n"
                  "    tt.reduce.return %a : f32\n"
                  "  }) : (tensor<32x32xf32>) -> tensor<32xf32>")
    check(text, "%a", "redefinition of '%a'", nth=2)


def test_unknown_tt_dot_option_is_an_error_at_the_option():
    text = ("func.func @f(%a: tensor<4x4xf32>) {\n"
            "  %d = tt.dot %a, %a, %a, fastAcc = true : tensor<4x4xf32> * tensor<4x4xf32> -> "
            "tensor<4x4xf32>\n  return\n}\n")
    with pytest.raises(k1sim.ParseError) as info:
        k1sim.parse(text, "dot.xsmt")
    assert "unknown tt.dot option 'fastAcc'" in info.value.message
    assert "inputPrecision" in info.value.message
    assert (info.value.line, info.value.column) == (2, 27)
