"""Launch metadata: kernel selection, argument attributes, grid (FORMAT.md section 3)."""

import pytest

import k1sim
from k1sim.ir import launch
from k1sim.ir import types as T


def _module(args: str, module_attrs: str = "", extra_func: str = "") -> str:
    attrs = f" attributes {{{module_attrs}}}" if module_attrs else ""
    return (f"module{attrs} {{\n"
            f"  tt.func public @k({args}) {{\n    tt.return\n  }}\n{extra_func}}}\n")


def test_kernel_args_read_k1sim_attributes():
    text = _module('%a: !tt.ptr<f16> {k1sim.shape = array<i64: 4, 8>, k1sim.init = "randn"}, '
                   '%n: i32 {k1sim.value = 7 : i32}, '
                   '%arg2: !tt.ptr<i8> {k1sim.name = "q", k1sim.init = "randint:-3:3"}')
    func = launch.select_kernel(k1sim.parse(text))
    a, n, q = launch.kernel_args(func)
    assert (a.name, a.type, a.shape, a.init) == ("a", T.PtrType(T.f16), (4, 8), "randn")
    assert (n.name, n.value, n.is_pointer) == ("n", 7, False)
    assert (q.name, q.init) == ("q", "randint:-3:3")
    assert "shape=[4, 8]" in a.describe() and "init=randn" in a.describe()


@pytest.mark.parametrize("attr, message", [
    ('k1sim.init = "gauss"', "unknown k1sim.init 'gauss'"),
    ("k1sim.shape = array<i64: 0, 4>", "k1sim.shape must be positive sizes"),
])
def test_bad_pointer_attributes_are_errors_at_the_function(attr, message):
    text = _module(f"%a: !tt.ptr<f32> {{{attr}}}")
    func = launch.select_kernel(k1sim.parse(text, "k.xsmt"))
    with pytest.raises(k1sim.ParseError) as info:
        launch.kernel_args(func)
    assert message in info.value.message
    assert (info.value.line, info.value.column) == (2, 3)


def test_shape_on_a_scalar_is_an_error():
    func = launch.select_kernel(k1sim.parse(_module("%n: i32 {k1sim.shape = array<i64: 4>}")))
    with pytest.raises(k1sim.ParseError, match="applies to pointer arguments"):
        launch.kernel_args(func)


def test_duplicate_argument_names_are_an_error():
    text = _module('%a: i32, %b: i32 {k1sim.name = "a"}')
    with pytest.raises(k1sim.ParseError, match="names must be unique"):
        launch.kernel_args(launch.select_kernel(k1sim.parse(text)))


def test_two_public_functions_need_a_choice():
    other = "  tt.func public @other() {\n    tt.return\n  }\n"
    module = k1sim.parse(_module("", extra_func=other), "two.xsmt")
    with pytest.raises(k1sim.ParseError) as info:
        launch.select_kernel(module)
    assert "'k' and 'other'" in info.value.message and "--kernel" in info.value.message
    assert info.value.line == 5
    assert launch.select_kernel(module, "other").prop("sym_name") == "other"
    with pytest.raises(k1sim.ParseError, match=r"no function named 'nope' \(functions: k, other\)"):
        launch.select_kernel(module, "nope")


def test_private_helpers_are_not_kernels():
    helper = "  tt.func private @helper() {\n    tt.return\n  }\n"
    module = k1sim.parse(_module("", extra_func=helper))
    assert launch.select_kernel(module).prop("sym_name") == "k"


def test_grid_defaults_trailing_dims_to_one():
    module = k1sim.parse(_module("", "k1sim.grid = array<i32: 4, 2>"))
    assert launch.launch_grid(module) == (4, 2, 1)
    assert launch.launch_grid(k1sim.parse(_module(""))) == (1, 1, 1)
    with pytest.raises(k1sim.ParseError, match="k1sim.grid must be 1 to 3 positive sizes"):
        launch.launch_grid(k1sim.parse(_module("", "k1sim.grid = array<i32: 0>")))


def test_op_counts_per_dialect():
    module = k1sim.parse_file("kernels/mm_even_k.xsmt")
    counts = launch.op_counts(launch.select_kernel(module))
    assert counts == {"arith": 8, "tt": 12, "xsmt": 4}
