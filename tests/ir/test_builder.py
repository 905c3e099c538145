"""The Python builder: kernels built as spine-triton would emit them, printed and parsed back.
One feature at a time, and errors: test_builder_ops.py."""

import math

import k1sim
from k1sim.ir import attrs as A
from k1sim.ir.builder import Builder, f16, f32, i16, i32, ptr
from k1sim.ir.launch import kernel_args, launch_grid, select_kernel

BM, BN, BK = 32, 64, 64
MICRO_M, MICRO_K, MICRO_N = 8, 32, 32


def ops(module, name):
    return [op for op in module.walk() if op.name == name]


def one(module, name):
    found = ops(module, name)
    assert len(found) == 1, f"{len(found)} '{name}' ops"
    return found[0]


def types_of(values):
    return [str(v.type) for v in values]


def assert_round_trips(module):
    text = module.to_text()
    assert k1sim.parse(text) == module, text
    assert k1sim.parse(module.to_text(generic=True)) == module
    assert k1sim.parse(text).to_text() == text


def mm_args(k, c_dtype=f16):
    a = k.arg("a", ptr(f16), shape=(128, 64), init="randn")
    b = k.arg("b", ptr(f16), shape=(64, 128), init="randn")
    c = k.arg("c", ptr(c_dtype), shape=(128, 128))
    m = k.arg("M", i32, value=128)
    n = k.arg("N", i32, value=128)
    kk = k.arg("K", i32, value=64)
    return a, b, c, m, n, kk


def block_ptrs(k, a, b, m, n, kk):
    pid_m, pid_n = k.program_id(0), k.program_id(1)
    a_ptr = k.make_block_ptr(a, [m, kk], [kk, 1], [k.mul(pid_m, BM), 0], (BM, BK), (1, 0))
    b_ptr = k.make_block_ptr(b, [kk, n], [n, 1], [0, k.mul(pid_n, BN)], (BK, BN), (1, 0))
    return pid_m, pid_n, a_ptr, b_ptr


def build_even_k():
    """FlagGems mm EVEN_K: pack A and B, dot (B transposed), unpack, cast, store."""
    b = Builder(arch="0xA03C", num_threads=4, grid=(4, 2))
    b.expect("c = a @ b", rtol=1e-2, atol=1e-3)
    with b.kernel("mm") as k:
        a, bb, c, m, n, kk = mm_args(k, c_dtype=f32)
        pid_m, pid_n, a_ptr, b_ptr = block_ptrs(k, a, bb, m, n, kk)
        a4 = k.view(k.descriptor_load(a_ptr, (0, 0)), (0, 0), (BM, BK), (MICRO_M, MICRO_K))
        b4 = k.view(k.descriptor_load(b_ptr, (0, 0)), (0, 0), (BK, BN), (MICRO_K, MICRO_N))
        acc = k.view(k.dot(a4, b4), (0, 0), (BM, BN), (1, 1))
        c_ptr = k.make_block_ptr(c, [m, n], [n, 1], [k.mul(pid_m, BM), k.mul(pid_n, BN)],
                                 (BM, BN), (1, 0))
        k.store(c_ptr, k.cast(acc, f32), boundary_check=(0, 1))
    return b.module


def test_even_k_mm_ops_and_types():
    m = build_even_k()
    packs = ops(m, "xsmt.pack")
    assert types_of(p.result for p in packs) == ["tensor<4x2x8x32xf16>", "tensor<2x2x32x32xf16>"]
    assert [p.prop("packed_size") for p in packs] == [(8, 32), (32, 32)]
    trans = one(m, "tt.trans")
    assert trans.prop("order") == (1, 0, 3, 2)
    assert str(trans.result.type) == "tensor<2x2x32x32xf16>"
    mmt4d = one(m, "xsmt.mmt4d")
    assert mmt4d.operands[1] is trans.result
    assert str(mmt4d.result.type) == "tensor<4x2x8x32xf16>"
    assert str(one(m, "xsmt.unpack").result.type) == "tensor<32x64xf16>"
    assert str(one(m, "arith.extf").result.type) == "tensor<32x64xf32>"
    loads = ops(m, "tt.load")
    assert [ld.prop("boundaryCheck") for ld in loads] == [(0, 1), (0, 1)]
    assert all(ld.operands[0].owner.name == "tt.advance" for ld in loads)
    store = one(m, "tt.store")
    assert store.prop("boundaryCheck") == (0, 1)
    shape_ops = [v.owner for v in ops(m, "tt.make_tensor_ptr")[0].operands[1:5]]
    assert [o.name for o in shape_ops] == ["arith.extsi", "arith.extsi", "arith.extsi",
                                           "arith.constant"]
    assert_round_trips(m)


def test_even_k_launch_metadata():
    m = build_even_k()
    assert m.attr("tt.arch_id") == "0xA03C"
    assert m.attr("tt.num_threads") == 4
    assert launch_grid(m) == (4, 2, 1)
    assert m.attr("k1sim.expect") == ("c = a @ b",)
    assert (m.attr("k1sim.rtol"), m.attr("k1sim.atol")) == (1e-2, 1e-3)
    args = kernel_args(select_kernel(m))
    assert [(x.name, x.shape, x.init, x.value) for x in args] == [
        ("a", (128, 64), "randn", None), ("b", (64, 128), "randn", None),
        ("c", (128, 128), None, None), ("M", None, None, 128), ("N", None, None, 128),
        ("K", None, None, 64)]
    assert "tt.func public @mm(%a: !tt.ptr<f16>" in m.to_text()


def test_constants_are_hoisted_shared_and_named():
    m = build_even_k()
    body = select_kernel(m).regions[0].block.ops
    consts = [op for op in body if op.name == "arith.constant"]
    assert body[:len(consts)] == consts
    names = [c.result.name for c in consts]
    assert len(names) == len(set(names))
    assert {"c32_i32", "c0_i32", "c1_i64", "c64_i32"} <= set(names)


def test_different_builds_are_not_equal():
    other = build_even_k()
    one(other, "tt.trans").props["order"] = A.i32_array((0, 1, 2, 3))
    assert other != build_even_k()
    assert build_even_k() == build_even_k()


def build_split_n():
    """FlagGems SPLIT_N: B packed once into a local buffer by the s_m == 0 iterations."""
    sub_m, sub_n = 16, 32
    b = Builder(arch="0xA03C", num_threads=4, grid=(4, 2))
    with b.kernel("mm_split_n") as k:
        a, bb, c, m, n, kk = mm_args(k)
        pid_m, pid_n, a_ptr, b_ptr = block_ptrs(k, a, bb, m, n, kk)
        num_m = k.ceildivsi(k.min(BM, k.sub(m, k.mul(pid_m, BM))), sub_m)
        num_n = k.ceildivsi(k.min(BN, k.sub(n, k.mul(pid_n, BN))), sub_n)
        b_alloc = k.alloc((BK, BN), f16)
        b_packed = k.view(b_alloc, (0, 0), (BK, BN), (MICRO_K, MICRO_N))
        bar = k.mbarrier(flag=0, expect_count=num_n)
        with k.parallel(0, k.mul(num_m, num_n)) as loop:
            s_m, s_n = k.div(loop.iv, num_n), k.rem(loop.iv, num_n)
            a4 = k.view(k.descriptor_load(a_ptr, (0, 0)), (k.mul(s_m, sub_m), 0), (sub_m, BK),
                        (MICRO_M, MICRO_K))
            b_sub = k.view(b_packed, (0, k.mul(s_n, sub_n)), (BK, sub_n))
            with k.if_(k.cmp("==", s_m, 0)) as branch:
                b4 = k.view(k.descriptor_load(b_ptr, (0, 0)), (0, k.mul(s_n, sub_n)),
                            (BK, sub_n), (MICRO_K, MICRO_N))
                k.store(b_sub, b4, boundary_check=(0, 1, 2, 3))
                k.barrier_arrive(bar)
            with branch.else_():
                k.barrier_wait(bar, flag=1)
            tile = k.load(b_sub, boundary_check=(0, 1, 2, 3))
            out = k.view(k.dot(a4, tile), (0, 0), (sub_m, sub_n), (1, 1))
            row = k.add(k.mul(pid_m, BM), k.mul(s_m, sub_m))
            col = k.add(k.mul(pid_n, BN), k.mul(s_n, sub_n))
            c_ptr = k.make_block_ptr(c, [m, n], [n, 1], [row, col], (sub_m, sub_n), (1, 0))
            k.store(c_ptr, out, boundary_check=(0, 1))
    return b.module


def test_split_n_views_barriers_and_parallel_loop():
    m = build_split_n()
    assert str(one(m, "xsmt.alloc").result.type) == "!tt.ptr<tensor<64x64xf16>>"
    assert str(one(m, "xsmt.subview_pack").result.type) == "!tt.ptr<tensor<2x2x32x32xf16>>"
    subview = one(m, "xsmt.subview")
    assert str(subview.result.type) == "!tt.ptr<tensor<2x1x32x32xf16>>"
    assert subview.prop("shape") == (64, 32)
    alloc = one(m, "xsmt_async.mbarrier_alloc")
    assert types_of(alloc.operands) == ["i16"] * 4
    assert alloc.operands[3].owner.name == "arith.trunci"
    loop = one(m, "scf.for")
    assert loop.attrs["bind_sub_block"].value is True
    branch = one(m, "scf.if")
    assert branch.operands[0].owner.name == "arith.cmpi"
    then_ops = [op.name for op in branch.regions[0].block.ops]
    else_ops = [op.name for op in branch.regions[1].block.ops]
    assert then_ops[-3:] == ["tt.store", "xsmt_async.mbarrier_arrive", "scf.yield"]
    assert else_ops == ["xsmt_async.mbarrier_wait", "scf.yield"]
    wait = one(m, "xsmt_async.mbarrier_wait")
    assert wait.operands[1].owner.props["value"] == A.IntAttr(1, i16)
    assert str(one(m, "xsmt.mmt4d").result.type) == "tensor<2x1x8x32xf16>"
    text = m.to_text()
    assert "} {bind_sub_block = true}" in text and "} else {" in text
    assert_round_trips(m)


def build_softmax():
    """Row softmax over a 4-row block through pointer tensors, masks and tt.reduce."""
    rows, block = 4, 128
    b = Builder(grid=(8,))
    b.expect("y = softmax(x, 1)")
    with b.kernel("softmax") as k:
        x = k.arg("x", ptr(f32), shape=(32, 100), init="randn")
        y = k.arg("y", ptr(f32), shape=(32, 100))
        n_cols = k.arg("n_cols", i32, value=100)
        row0 = k.mul(k.program_id(0), rows)
        r = k.expand_dims(k.add(k.make_range(0, rows), row0), 1)
        cols = k.expand_dims(k.make_range(0, block), 0)
        offsets = k.add(k.mul(r, n_cols), cols)
        mask = k.cmp("<", cols, n_cols)
        v = k.load(k.addptr(x, offsets), mask=mask, other=-math.inf)
        row_max = k.expand_dims(k.reduce(v, 1, "max"), 1)
        e = k.exp(k.sub(v, row_max))
        total = k.expand_dims(k.reduce(e, 1, "add"), 1)
        k.store(k.addptr(y, offsets), k.div(e, total), mask=mask)
    return b.module


def test_softmax_pointer_tensors_masks_and_reduce():
    m = build_softmax()
    load = one(m, "tt.load")
    assert types_of(load.operands) == ["tensor<4x128x!tt.ptr<f32>>", "tensor<4x128xi1>",
                                       "tensor<4x128xf32>"]
    assert load.prop("operandSegmentSizes") == (1, 1, 1)
    assert load.operands[1].owner.name == "tt.broadcast"
    assert math.isinf(load.operands[2].owner.props["value"].values[0])
    reduces = ops(m, "tt.reduce")
    assert [r.prop("axis") for r in reduces] == [1, 1]
    assert [str(r.result.type) for r in reduces] == ["tensor<4xf32>", "tensor<4xf32>"]
    combine = [[op.name for op in r.regions[0].block.ops] for r in reduces]
    assert combine == [["arith.maxnumf", "tt.reduce.return"], ["arith.addf", "tt.reduce.return"]]
    assert {"tt.splat", "tt.broadcast", "tt.addptr", "math.exp", "arith.divf"} <= {
        op.name for op in m.walk()}
    assert len(one(m, "tt.store").operands) == 3
    assert "0xFF800000" in m.to_text()
    assert_round_trips(m)


def build_split_k():
    """SPLIT_K: acc = acc + dot(a, b) over K windows of the loaded blocks (iter_args)."""
    sub_k = 32
    b = Builder(arch="0xA03C", num_threads=4, grid=(4, 2))
    with b.kernel("mm_split_k") as k:
        a, bb, c, m, n, kk = mm_args(k)
        pid_m, pid_n, a_ptr, b_ptr = block_ptrs(k, a, bb, m, n, kk)
        acc = k.view(k.zeros((BM, BN), f16), (0, 0), (BM, BN), (MICRO_M, MICRO_N))
        with k.range(0, k.ceildivsi(kk, sub_k), 1, iter_args=[acc]) as loop:
            (acc,) = loop.args
            a4 = k.view(k.descriptor_load(a_ptr), (0, k.mul(loop.iv, sub_k)), (BM, sub_k),
                        (MICRO_M, MICRO_K))
            b4 = k.view(k.descriptor_load(b_ptr), (k.mul(loop.iv, sub_k), 0), (sub_k, BN),
                        (MICRO_K, MICRO_N))
            k.yield_(k.add(acc, k.dot(a4, b4)))
        out = k.view(loop.result, (0, 0), (BM, BN), (1, 1))
        c_ptr = k.make_block_ptr(c, [m, n], [n, 1], [k.mul(pid_m, BM), k.mul(pid_n, BN)],
                                 (BM, BN), (1, 0))
        k.store(c_ptr, out, boundary_check=(0, 1))
    return b.module


def test_split_k_loop_with_iter_args():
    m = build_split_k()
    loop = one(m, "scf.for")
    assert types_of(loop.results) == ["tensor<4x2x8x32xf16>"]
    assert "bind_sub_block" not in loop.attrs
    body = loop.regions[0].block
    assert types_of(body.args) == ["i32", "tensor<4x2x8x32xf16>"]
    add = one(m, "arith.addf")
    assert add.operands[0] is body.args[1]
    assert add.operands[1].owner.name == "xsmt.mmt4d"
    assert body.terminator.name == "scf.yield" and body.terminator.operands == [add.result]
    assert one(m, "xsmt.unpack").operands[0] is loop.results[0]
    init = loop.operands[3].owner
    assert init.name == "xsmt.pack" and init.operands[0].owner.name == "arith.constant"
    assert "iter_args(" in m.to_text()
    assert_round_trips(m)
