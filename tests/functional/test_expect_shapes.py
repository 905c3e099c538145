"""Expect names and shapes checked before any data exists (issue 13, item 6): the shape
walker agrees with the real evaluator, and ``check`` / ``run`` refuse a bad expect with
its place in the file before allocating anything."""

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from k1sim.cli import main
from k1sim.errors import K1SimError
from k1sim.functional.expect import ExpectError, check_shapes, evaluate, parse_expect
from k1sim.functional.expect_eval import FUNCTIONS
from k1sim.functional.expect_shapes import (_BROADCASTING, _REDUCTIONS, _SAME_SHAPE,
                                            ShapeEvaluator, placeholder)
from k1sim.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]
SHAPES = {"a": (6, 4), "b": (4, 5), "c": (6, 5), "v": (4,), "t": (2, 6, 4)}
EXPRESSIONS = [
    "c = a @ b", "c = a @ bb", "c = a @ a", "c = a @ b + 1", "c = -(a @ b) * 2",
    "c = softmax(a @ b, 1)", "c = sum(a @ b, 1)", "c = sum(a)", "c = a[0] @ b",
    "c = tril(a @ b, -1)", "c = triu(v)", "c = zeros((6, 5))", "c = ones((5, 6))",
    "c = reshape(a, (6, 4)) @ b", "c = transpose(b)", "c = transpose(a @ b, (1, 0))",
    "c = sum(a, 5)", "c = maximum(a @ b, 0)", "c = where(a @ b > 0, a @ b, 0)",
    "c = a[:, :2] @ b[:2]", "c = logsumexp(a @ b, 1)", "c = mean(t, 0) @ b",
    "c = max(t, (0, 2))", "c = a @ v", "c = v @ b", "c = t @ b", "c = exp(a) @ b.T",
    "c = astype(a @ b, \"f16\")", "c = a @ b > 1", "c = a[7] @ b", "c = sqrt(abs(a)) @ b",
    "c = a @ b ** 2", "c = a @ b - v", "c = matmul(a, b) / c", "c = min(a @ b, -1)",
]


def _real(text):
    rng = np.random.default_rng(0)
    env = {n: rng.standard_normal(s) for n, s in SHAPES.items()}
    try:
        return ("shape", evaluate(parse_expect(text), env).shape)
    except ExpectError as e:
        return ("error", str(e))


def _by_shape(text):
    try:
        e = parse_expect(text)
        return ("shape", evaluate(e, {n: placeholder(s) for n, s in SHAPES.items()},
                                  evaluator=ShapeEvaluator).shape)
    except ExpectError as e:
        return ("error", str(e))


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_the_shape_walker_agrees_with_the_evaluator(text):
    assert _by_shape(text) == _real(text)


def test_every_function_has_a_shape_rule():
    ruled = _SAME_SHAPE | _REDUCTIONS | _BROADCASTING | {"zeros", "ones", "matmul",
                                                         "transpose", "reshape"}
    assert set(FUNCTIONS) == ruled


def test_huge_shapes_cost_nothing():
    big = {"a": placeholder((40000, 40000)), "c": placeholder((40000, 40000))}
    tracemalloc.start()
    check_shapes(parse_expect("c = softmax(a @ a.T * 0.5, 1) + sum(a, 0)"), big, (40000, 40000))
    assert tracemalloc.get_traced_memory()[1] < 1_000_000
    tracemalloc.stop()
    with pytest.raises(ExpectError, match=r"shapes \(40000, 40000\) and \(3, 40000\), which do"):
        check_shapes(parse_expect("c = a @ a[:3]"), big, (40000, 40000))


def _kernel_with(tmp_path, expect: str) -> str:
    text = (ROOT / "kernels/mm_even_k.xsmt").read_text().replace('"c = a @ b"', f'"{expect}"')
    path = tmp_path / "k.xsmt"
    path.write_text(text)
    return str(path)


def _line_col(path: str, expect: str, column: int) -> tuple[int, int]:
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if f'"{expect}"' in line:
            return n, line.index(f'"{expect}"') + 1 + column
    raise AssertionError("expect not in the file")


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("expect, column, message", [
    ("c = a @ bb", 9, "unknown name 'bb' (col 9); arguments are a, b, c, M, N, K"),
    ("c = a @ b[:32]", 7, "operands of '@' have shapes (64, 64) and (32, 64), which do not "
                          "fit a matrix product (col 7)"),
    ("c = a[:32]", 1, "the reference has shape (32, 64), which does not broadcast to the "
                      "shape (64, 64) of output 'c'"),
])
def test_check_and_run_refuse_a_bad_expect_at_its_place(tmp_path, capsys, command, expect,
                                                        column, message):
    path = _kernel_with(tmp_path, expect)
    assert main([command, path]) == 2
    out, err = capsys.readouterr()
    line, col = _line_col(path, expect, column)
    assert err.startswith(f'{path}:{line}:{col}: error: expect "{expect}": {message}\n')
    assert "ok" not in out and "cycles" not in out  # refused before anything ran


def test_a_run_refuses_a_bad_expect_before_allocating_its_tensors(tmp_path):
    path = _kernel_with(tmp_path, "c = a @ bb")
    text = Path(path).read_text().replace("array<i64: 64, 64>", "array<i64: 4000, 4000>")
    Path(path).write_text(text)
    tracemalloc.start()
    with pytest.raises(K1SimError, match="unknown name 'bb'"):
        Simulator().execute(path)
    assert tracemalloc.get_traced_memory()[1] < 20_000_000  # 4000² f16 is 32 MB per tensor
    tracemalloc.stop()


def test_expects_given_as_flags_are_checked_too(capsys):
    assert main(["run", str(ROOT / "kernels/mm_even_k.xsmt"), "--expect", "c = a @ a[:3]"]) == 2
    assert 'expect "c = a @ a[:3]": operands of \'@\' have shapes (64, 64) and (3, 64)' in \
        capsys.readouterr().err
