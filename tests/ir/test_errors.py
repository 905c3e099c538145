"""Bad input: every error names its place (FORMAT.md section 7).

Each case checks the message, the exact line:column and the caret under the
source line. Syntax errors point at the offending token; verifier errors at the
start of the op (its first result, or its name); a missing terminator at the
region's closing ``}``; an empty file at 1:1; non-UTF-8 bytes at the first bad byte.
Files, locations, kernel selection and syntax are in test_syntax_errors.py.
"""

from __future__ import annotations

import pytest

import k1sim
from k1sim.errors import ParseError

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
