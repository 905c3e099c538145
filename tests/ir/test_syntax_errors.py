"""Bad files, locations, kernel selection and syntax, each error at its place."""

import random

import pytest

import k1sim
from k1sim.errors import K1SimError, ParseError
from k1sim.ir import launch
from tests.ir.test_errors import FILE, assert_error, check, error_of, kernel, where


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
    with pytest.raises(ParseError) as info:
        k1sim.parse_file(path)
    assert info.value.line == 1 and info.value.column >= 1


def test_ten_megabyte_unbalanced_nesting_is_a_clean_error():
    text = 'tt.func @k() {\n  %0 = "arith.addf"() : ' + "() -> (" * (MB10 // 7)
    e = error_of(text)
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


@pytest.mark.parametrize("tail", ["", "\n", "  // cut here\n"])
def test_file_cut_off_in_an_operand_list_errs_at_its_end(tail):
    # Truncated in the middle of a pack's offsets: the comma is fine, the end of file is not.
    text = ("tt.func public @k(%a: i32) {\n  %c0_i32 = arith.constant 0 : i32\n"
            "  %1 = xsmt.pack %a, [%c0_i32," + tail)
    e = error_of(text)
    assert e.message == "unexpected end of file in the operand list"
    lines = text.split("\n")
    assert (e.line, e.column) == ((3, len(lines[2]) + 1) if tail == "" else (4, len(lines[3]) + 1))
