"""A kernel built in Python runs like a parsed one (docs/builder.md's example)."""

import numpy as np

from k1sim import Simulator, parse
from k1sim.ir.builder import Builder, f16, f32, i32, ptr


def build(bm=32, bn=64, bk=64):
    b = Builder(arch="0xA03C", num_threads=4, grid=(4, 2))
    b.expect("c = a @ b", rtol=1e-2, atol=1e-3)
    with b.kernel("mm") as k:
        a = k.arg("a", ptr(f16), shape=(128, 64), init="randn")
        w = k.arg("b", ptr(f16), shape=(64, 128), init="randn")
        c = k.arg("c", ptr(f32), shape=(128, 128))
        m, n, kk = (k.arg(name, i32, value=v) for name, v in (("M", 128), ("N", 128), ("K", 64)))
        pid_m, pid_n = k.program_id(0), k.program_id(1)
        a_ptr = k.make_block_ptr(a, [m, kk], [kk, 1], [k.mul(pid_m, bm), 0], (bm, bk), (1, 0))
        b_ptr = k.make_block_ptr(w, [kk, n], [n, 1], [0, k.mul(pid_n, bn)], (bk, bn), (1, 0))
        a4 = k.view(k.descriptor_load(a_ptr, (0, 0)), (0, 0), (bm, bk), (8, 32))
        b4 = k.view(k.descriptor_load(b_ptr, (0, 0)), (0, 0), (bk, bn), (32, 32))
        acc = k.view(k.dot(a4, b4), (0, 0), (bm, bn), (1, 1))
        c_ptr = k.make_block_ptr(c, [m, n], [n, 1], [k.mul(pid_m, bm), k.mul(pid_n, bn)],
                                 (bm, bn), (1, 0))
        k.store(c_ptr, k.cast(acc, f32), boundary_check=(0, 1))
    return b


def test_built_kernel_runs_and_matches_its_printed_form():
    b = build()
    built = Simulator().execute(b, seed=2)
    assert built.passed and built.expects
    printed = Simulator().execute(parse(b.module.to_text()), seed=2)
    assert printed.cycles == built.cycles
    assert np.array_equal(printed.outputs["c"], built.outputs["c"])


def test_built_kernel_with_a_wrong_block_fails_its_expect():
    # Blocks of 16 rows leave half of every 32-row band of c unwritten.
    b = build(bm=16)
    r = Simulator().execute(b)
    assert not r.passed and r.expects[0].index[0] >= 16
