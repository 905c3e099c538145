"""Bad kernels and bad launches: a K1SimError that names the Python line and what is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from k1sim import K1SimError, frontend
from tests.frontend.helpers import line_of, write_kernel


def _fails(path, kernel: str, args, match: str, line_text: str, grid=(1,), **kw):
    mod = frontend.load(path)
    with pytest.raises(K1SimError, match=match) as e:
        frontend.launch(getattr(mod, kernel), grid, *args, arch="0xA03C", **kw)
    msg = str(e.value)
    assert f"{path}:{line_of(path, line_text)}:" in msg, msg
    assert "Traceback" not in msg
    return msg


def test_an_unsupported_tl_name(tmp_path):
    path = write_kernel(tmp_path, """
        @triton.jit
        def k(x_ptr):
            y = tl.sort(tl.load(x_ptr + tl.arange(0, 8)))
    """)
    msg = _fails(path, "k", [np.zeros(8, np.float32)], r"triton\.language\.sort is not "
                 "supported", "tl.sort")
    assert "arange" in msg  # the names that are supported


def test_a_tensor_valued_while(tmp_path):
    path = write_kernel(tmp_path, """
        @triton.jit
        def k(x_ptr, n):
            i = 0
            while i < n:
                i += 1
    """)
    _fails(path, "k", [np.zeros(8, np.float32), 4], "'while' on a runtime", "while i < n")


def test_break(tmp_path):
    path = write_kernel(tmp_path, """
        @triton.jit
        def k(x_ptr, n):
            for i in range(0, n):
                break
    """)
    _fails(path, "k", [np.zeros(8, np.float32), 4], "'break' is not supported", "break")


def test_recursion(tmp_path):
    path = write_kernel(tmp_path, """
        @triton.jit
        def helper(x):
            return helper(x)

        @triton.jit
        def k(x_ptr):
            helper(1)
    """)
    _fails(path, "k", [np.zeros(8, np.float32)], r"recursion .*helper -> helper",
           "return helper(x)")


def test_a_shape_that_is_not_a_constexpr(tmp_path):
    path = write_kernel(tmp_path, """
        @triton.jit
        def k(x_ptr, BLOCK):
            offs = tl.arange(0, BLOCK)
    """)
    _fails(path, "k", [np.zeros(8, np.float32), 8], "end must be a compile-time int",
           "tl.arange(0, BLOCK)")


def test_a_wrong_argument_count(tmp_path):
    path = write_kernel(tmp_path, """
        @triton.jit
        def k(x_ptr, n, BLOCK: tl.constexpr):
            pass
    """)
    _fails(path, "k", [np.zeros(8, np.float32)], r"bad launch: missing a required "
           r"argument: 'n'.*3 arguments \(2 runtime, 1 constexpr: BLOCK\)", "def k(", BLOCK=8)
    _fails(path, "k", [np.zeros(8, np.float32), 1, 8, 9], "too many positional", "def k(")


def test_a_missing_constexpr(tmp_path):
    path = write_kernel(tmp_path, """
        @triton.jit
        def k(x_ptr, BLOCK: tl.constexpr):
            pass
    """)
    _fails(path, "k", [np.zeros(8, np.float32)], "missing a required argument: 'BLOCK'",
           "def k(")


def test_an_unsupported_dtype(tmp_path):
    path = write_kernel(tmp_path, """
        @triton.jit
        def k(x_ptr):
            pass
    """)
    _fails(path, "k", [np.zeros(8, np.complex64)], "argument 'x_ptr': arrays of complex64 "
           "are not supported", "def k(")
    _fails(path, "k", ["text"], "argument 'x_ptr': str is neither an array", "def k(")


def test_an_error_inside_a_helper_names_the_helper_line(tmp_path):
    path = write_kernel(tmp_path, """
        @triton.jit
        def helper(x):
            return tl.exp(x)

        @triton.jit
        def k(x_ptr):
            helper(tl.load(x_ptr + tl.arange(0, 8)))
    """)
    _fails(path, "k", [np.zeros(8, np.float16)], "tl.exp expects fp32 or fp64", "tl.exp(x)")


def test_ambiguous_smt_dot_warns_at_its_line(tmp_path):
    path = write_kernel(tmp_path, """
        @triton.jit
        def k(q_ptr, k_ptr, o_ptr):
            qb = tl.make_block_ptr(q_ptr, [16, 16], [16, 1], [0, 0], [16, 16], [1, 0])
            kb = tl.make_block_ptr(k_ptr, [16, 16], [16, 1], [0, 0], [16, 16], [1, 0])
            q = smt.view(smt.descriptor_load(qb, (0, 0)), (0, 0), (16, 16), (8, 16))
            kk = smt.view(smt.descriptor_load(kb, (0, 0)), (0, 0), (16, 16), (16, 16))
            s = smt.dot(q, kk)
    """)
    mod = frontend.load(path)
    x = np.zeros((16, 16), np.float16)
    with pytest.warns(UserWarning, match="ambiguous"):
        r = frontend.launch(mod.k, (1,), x, x, x, arch="0xA03C", timing_only=True)
    assert any(f"kern.py:{line_of(path, 'smt.dot(')}:" in w and "ambiguous" in w
               for w in r.warnings)
