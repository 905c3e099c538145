"""Launch metadata: kernel selection, argument attributes, grid (FORMAT.md section 3)."""

import re

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


def test_resolve_launch_reads_the_file_and_applies_overrides():
    text = _module('%c: !tt.ptr<f32> {k1sim.shape = array<i64: 4>}',
                   'k1sim.grid = array<i32: 4, 2>, tt.num_threads = 2 : i32, '
                   'tt.arch_id = "0xA03C", k1sim.expect = ["c = c"], k1sim.rtol = 0.5')
    module = k1sim.parse(text, "k.xsmt")
    spec = launch.resolve_launch(module)
    assert (spec.kernel, spec.filename, spec.grid, spec.arch_id) == ("k", "k.xsmt", (4, 2, 1),
                                                                      "0xA03C")
    assert (spec.threads, spec.threads_from) == (2, "tt.num_threads")
    assert (spec.expects, spec.rtol, spec.atol) == (("c = c",), 0.5, None)
    assert [a.name for a in spec.args] == ["c"]
    over = launch.resolve_launch(module, grid=3, threads=1, expects="c = 2 * c", rtol=0.0,
                                 atol=1e-3)
    assert (over.grid, over.threads, over.threads_from) == ((3, 1, 1), 1, "threads")
    assert (over.expects, over.rtol, over.atol) == (("c = 2 * c",), 0.0, 1e-3)


@pytest.mark.parametrize("override, message", [
    ({"grid": (2, 0)}, "grid must be 1 to 3 positive sizes, got [2, 0]"),
    ({"grid": (1, 1, 1, 1)}, "grid must be 1 to 3 positive sizes"),
    ({"threads": 0}, "threads must be a positive number of threads, got 0"),
    ({"rtol": -1.0}, "rtol must be >= 0, got -1.0"),
])
def test_resolve_launch_rejects_bad_overrides(override, message):
    with pytest.raises(k1sim.K1SimError, match=re.escape(message)):
        launch.resolve_launch(k1sim.parse(_module("")), **override)


def test_a_file_thread_count_is_checked_where_it_is_read():
    text = _module("", "tt.num_threads = 0 : i32")
    with pytest.raises(k1sim.K1SimError, match="tt.num_threads must be a positive number"):
        launch.resolve_launch(k1sim.parse(text))
