"""The differential check's element-wise comparison and argument matching."""

import numpy as np
import pytest

from k1sim.errors import K1SimError
from k1sim.frontend.diff import match_arguments
from k1sim.frontend.diff_compare import compare
from k1sim.ir import types as T
from k1sim.ir.builder import ptr as ptr_type
from k1sim.ir.launch import KernelArg


def test_equal_arrays_agree():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert compare("c", a, a.copy()) is None


def test_a_mismatch_reports_the_count_the_first_index_and_both_values():
    py = np.ones((3, 4), dtype=np.float32)
    dump = py.copy()
    dump[1, 2] = dump[2, 0] = 0.0
    m = compare("s", py, dump)
    assert (m.name, m.count, m.total, m.index) == ("s", 2, 12, (1, 2))
    assert (m.python_value, m.dump_value) == (1.0, 0.0)
    assert m.describe() == ("2 of 12 elements differ (rtol 0.0001, atol 0.0001); first at "
                            "(1, 2): Python 1.0, dump 0.0")


def test_the_default_tolerance_is_one_rounding_of_the_element_type():
    py = np.full(4, 1.0, dtype=np.float16)
    assert compare("x", py, py + np.float16(0.005)) is None          # f16: 1e-2
    assert compare("x", py, py + np.float16(0.05)).count == 4
    f32 = np.full(4, 1.0, dtype=np.float32)
    assert compare("x", f32, f32 + np.float32(1e-3)).count == 4      # f32: 1e-4


def test_zero_tolerance_asks_for_equality_and_integers_are_exact():
    py = np.full(3, 1.0, dtype=np.float32)
    assert compare("x", py, np.nextafter(py, 2), rtol=0, atol=0).count == 3
    ints = np.arange(6, dtype=np.int32)
    other = ints.copy()
    other[5] += 1
    assert compare("c", ints, other, rtol=1, atol=1).index == (5,)


def test_nan_agrees_with_nan_only():
    py = np.array([np.nan, 1.0, np.inf], dtype=np.float32)
    assert compare("x", py, py.copy()) is None
    m = compare("x", py, np.array([1.0, 1.0, np.inf], dtype=np.float32))
    assert m.count == 1 and m.index == (0,)


def _args(*spec):
    return [KernelArg(name, ptr_type(T.SCALARS["f32"]) if ptr else T.SCALARS["i32"]) for name, ptr in spec]


def test_arguments_match_by_position():
    params = ["a_ptr", "b_ptr", "M"]
    got = match_arguments(params, {}, _args(("a", 1), ("b", 1), ("m", 0)), "k")
    assert {p: a.name for p, a in got.items()} == {"a_ptr": "a", "b_ptr": "b", "M": "m"}


def test_unit_integer_parameters_are_left_out_as_triton_specializes_them():
    params = ["a_ptr", "M", "stride_am", "stride_ak"]
    values = {"a_ptr": np.zeros(4), "M": 8, "stride_am": 8, "stride_ak": 1}
    got = match_arguments(params, values, _args(("a", 1), ("M", 0), ("stride_am", 0)), "k")
    assert list(got) == ["a_ptr", "M", "stride_am"]


def test_a_count_that_does_not_match_names_both_lists():
    with pytest.raises(K1SimError, match=r"the dump's kernel has 1 arguments \(a\), k has 2 "
                                         r"runtime parameters \(a_ptr, M\).*--arg NAME=1"):
        match_arguments(["a_ptr", "M"], {}, _args(("a", 1)), "k")


def test_an_array_where_the_dump_has_a_scalar_is_an_error():
    with pytest.raises(K1SimError, match="parameter 'x' of k is an array, but the dump's "
                                         "argument n in its place is i32"):
        match_arguments(["x"], {"x": np.zeros(2)}, _args(("n", 0)), "k")
