"""The Python builder one feature at a time: buffers, tiles, views, casts, flow, errors."""

import inspect

import pytest

import k1sim
from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.builder import Builder, bf16, f16, f32, i1, i32, i64, index, ptr
from k1sim.ir.launch import select_kernel
from tests.ir.test_builder import assert_round_trips, one, ops, types_of


def test_buffers_barrier_copies_and_thread_queries():
    b = Builder()
    with b.kernel("buffers") as k:
        bufs = k.alloc_copies((64, 64), f16, "l2", copies=2)
        view = k.buffer_view(bufs, 1)
        bars = k.mbarrier_copies(transaction_count=1024, copies=2)
        slot = k.mbarrier_subview(bars, 1)
        k.barrier_arrive(slot)
        k.barrier_wait(slot, flag=1)
        g = k.global_mbarrier(0)
        k.barrier_set_expect(g, 2)
        k.get_num_of_thread()
        tile = k.load(view)
        k.compile_hint(tile, "hint")
        k.compile_hint(tile, "unroll", 4)
        with pytest.raises(k1sim.BuildError, match=r"mbarrier index 2 is out of range .*<2>"):
            k.mbarrier_subview(bars, 2)
    m = b.module
    buf_type = ('!xsmt.buffer<shape=[2, 64, 64], elementType=f16, copies=2, '
                'storageKind="l2">')
    assert str(one(m, "xsmt.alloc_copies").result.type) == buf_type
    bview = one(m, "xsmt.buffer_tensor_view")
    assert types_of(bview.operands) == [buf_type, "i32"]
    assert str(bview.result.type) == "!tt.ptr<tensor<64x64xf16>>"
    copies = one(m, "xsmt.mbarrier_copies")
    assert str(copies.result.type) == "!xsmt.mbarrier<2>"
    assert copies.prop("transactionCount") == 1024 and copies.prop("expectCount") == 1
    assert types_of(one(m, "xsmt.mbarrier_subview").operands) == ["!xsmt.mbarrier<2>", "i64"]
    assert types_of(one(m, "xsmt.global_mbarrier_init").operands) == ["i16"]
    assert types_of(one(m, "xsmt.barrier_set_expect").operands) == ["i64", "i16"]
    assert str(one(m, "xsmt.get_num_of_thread").result.type) == "i32"
    hints = ops(m, "xsmt.annotation")
    assert [dict(h.attrs) for h in hints] == [
        {"hint": A.UnitAttr()}, {"unroll": A.IntAttr(4, i32)}]
    assert_round_trips(m)


def test_tle_tiles():
    b = Builder()
    with b.kernel("tiles") as k:
        x = k.zeros((8, 16), f32)
        t1 = k.extract_tile(x, (1, 1), (4, 8))
        t2 = k.extract_tile(x, (k.program_id(0), 1), (4, 8))
        k.insert_tile(x, k.add(t1, t2), 2)
    m = b.module
    first, second = ops(m, "tle.extract_tile")
    assert first.prop("tile_shape") == (4, 8)
    assert first.operands[1].owner.props["value"] == A.IntAttr(3, i32)
    assert second.operands[1].owner.name == "arith.addi"
    assert str(first.result.type) == "tensor<4x8xf32>"
    insert = one(m, "tle.insert_tile")
    assert str(insert.result.type) == "tensor<8x16xf32>"
    assert "{tile_shape = array<i64: 4, 8>}" in m.to_text()
    assert_round_trips(m)


def test_descriptor_load_view_and_acc_dtype():
    b = Builder()
    with b.kernel("dlv") as k:
        a = k.arg("a", ptr(f16), shape=(64, 64))
        p = k.make_block_ptr(a, [64, 64], [64, 1], [0, 0], (64, 64), (1, 0))
        a4 = k.descriptor_load_view(p, (0, k.program_id(0)), (32, 64), (8, 32))
        b4 = k.descriptor_load_view(p, (0, 0), (64, 64), (32, 32))
        k.dot(a4, b4, acc_dtype=f32)
    m = b.module
    views = ops(m, "xsmt.descriptor_load_view")
    assert [types_of(v.operands[1:]) for v in views] == [["i64", "i64"]] * 2
    assert views[0].operands[2].owner.name == "arith.extsi"
    assert str(views[0].result.type) == "tensor<4x2x8x32xf16>"
    assert str(one(m, "xsmt.mmt4d").result.type) == "tensor<4x2x8x32xf32>"
    assert_round_trips(m)


def test_view_rules_on_packed_tensors():
    b = Builder()
    with b.kernel("views") as k:
        x4 = k.view(k.zeros((64, 64), f16), (0, 0), (64, 64), (16, 32))
        assert k.view(x4, (0, 0), (64, 64), (16, 32)) is x4
        assert k.view(x4, (0, 0), (64, 64)) is x4
        k.view(x4, (0, 16), (64, 64), (16, 32))
        k.view(x4, (0, 0), (64, 64), (8, 32))
    m = b.module
    assert len(ops(m, "xsmt.pack")) == 1
    repacks = ops(m, "xsmt.repack")
    assert [str(r.result.type) for r in repacks] == ["tensor<4x2x16x32xf16>",
                                                     "tensor<8x2x8x32xf16>"]
    assert_round_trips(m)


def test_dot_with_out_and_untransposed_b():
    b = Builder()
    with b.kernel("dot_out") as k:
        a4 = k.zeros((2, 4, 8, 16), f16)
        b4 = k.zeros((3, 4, 32, 16), f16)
        out = k.zeros((2, 3, 8, 32), f16)
        k.dot(a4, b4, out=out)
    m = b.module
    assert not ops(m, "tt.trans")
    assert len(one(m, "xsmt.mmt4d").operands) == 3
    assert_round_trips(m)


def test_if_with_results_and_nested_loops():
    b = Builder()
    with b.kernel("flow") as k:
        n = k.arg("n", i32, value=4)
        out = k.arg("out", ptr(i32), shape=(1,))
        with k.range(0, n, iter_args=[0, 0.0]) as outer:
            i, s = outer.args
            with k.range(0, outer.iv) as inner:
                k.store(out, inner.iv)
            with k.if_(k.cmp(">", outer.iv, 1)) as br:
                k.yield_(k.add(i, 1), k.add(s, 0.5))
            with br.else_():
                k.yield_(i, s)
            k.yield_(*br.results)
    m = b.module
    branch = one(m, "scf.if")
    assert types_of(branch.results) == ["i32", "f32"]
    outer_op = [op for op in ops(m, "scf.for") if op.results][0]
    assert outer_op.regions[0].block.terminator.operands == branch.results
    assert [a.name for a in select_kernel(m).regions[0].block.args] == ["n", "out"]
    assert_round_trips(m)


@pytest.mark.parametrize("src, dst, names", [
    (f16, f32, ["arith.extf"]), (f32, f16, ["arith.truncf"]), (i32, f32, ["arith.sitofp"]),
    (f32, i32, ["arith.fptosi"]), (i32, i64, ["arith.extsi"]), (i64, i32, ["arith.trunci"]),
    (i1, i32, ["arith.extui"]), (i32, index, ["arith.index_cast"]),
    (f16, bf16, ["arith.extf", "arith.truncf"]), (f32, i1, ["arith.cmpf"]),
])
def test_cast_picks_the_arith_op(src, dst, names):
    b = Builder()
    with b.kernel("cast") as k:
        x = k.arg("x", src)
        y = k.cast(x, dst)
        assert y.type == dst
    m = b.module
    body = [op.name for op in select_kernel(m).regions[0].block.ops
            if op.name not in ("arith.constant", "tt.return")]
    assert body == names
    assert_round_trips(m)


def test_arith_helpers_pick_int_or_float_ops_and_broadcast():
    b = Builder()
    with b.kernel("arith") as k:
        xi = k.arg("xi", i32)
        xf = k.arg("xf", f32)
        assert k.add(xi, 1).owner.name == "arith.addi"
        assert k.add(xf, 1).owner.name == "arith.addf"
        assert k.max(xf, 0.0).owner.name == "arith.maxnumf"
        assert k.div(xi, 2).owner.name == "arith.divsi"
        assert k.maximumf(xf, xf).owner.name == "arith.maximumf"
        assert k.neg(xi).owner.name == "arith.subi"
        assert k.cmp("olt", xf, 1.0).owner.props["predicate"].value == 4
        t = k.zeros((4, 8), f32)
        col = k.zeros((4, 1), f32)
        assert k.mul(t, xf).owner.operands[1].owner.name == "tt.splat"
        assert str(k.sub(t, col).type) == "tensor<4x8xf32>"
        assert k.select(k.cmp("<", t, 0.0), t, 0.0).owner.name == "arith.select"
        assert str(k.matmul(k.zeros((4, 8), f16), k.zeros((8, 2), f16)).type) == \
            "tensor<4x2xf32>"
        assert k.program_id("y").owner.prop("axis") == 1
    assert_round_trips(b.module)


# -- errors ---------------------------------------------------------------

def test_dot_shape_mismatch_names_both_shapes():
    b = Builder()
    with b.kernel("bad") as k:
        a4 = k.zeros((4, 2, 8, 32), f16)
        b4 = k.zeros((3, 5, 16, 16), f16)
        with pytest.raises(k1sim.BuildError) as err:
            k.dot(a4, b4)
        with pytest.raises(k1sim.BuildError, match="two packed 4-D tensors"):
            k.dot(a4, k.zeros((4, 4), f16))
    message = str(err.value)
    assert "tensor<4x2x8x32xf16>" in message and "tensor<3x5x16x16xf16>" in message


def test_view_errors():
    b = Builder()
    with b.kernel("bad") as k:
        x = k.zeros((64, 64), f16)
        with pytest.raises(k1sim.BuildError, match=r"view: offsets must have 2 entries .* got 3"):
            k.view(x, (0, 0, 0), (64, 64), (16, 16))
        with pytest.raises(k1sim.BuildError, match=r"needs packed_size"):
            k.view(x, (0, 0), (64, 64))
        p = k.alloc((64, 64), f16)
        with pytest.raises(k1sim.VerifyError, match=r"divisible by packed_size"):
            k.view(p, (0, 0), (64, 60), (16, 16))


def test_alloc_with_bad_storage_names_the_python_line():
    b = Builder()
    with b.kernel("bad") as k:
        with pytest.raises(k1sim.VerifyError) as err:
            line = inspect.currentframe().f_lineno + 1
            k.alloc((64, 64), f16, storage="dram")
    e = err.value
    assert "unknown memory scope 'dram'" in e.message and "'xsmt.alloc'" in e.message
    assert (e.filename, e.line) == (__file__, line)
    assert str(e).startswith(f"{__file__}:{line}:")


def test_structural_errors():
    b = Builder()
    with b.kernel("bad") as k:
        with pytest.raises(k1sim.BuildError, match=r"must end its body with k.yield_"):
            with k.range(0, 4, iter_args=[0]):
                pass
        with pytest.raises(k1sim.BuildError, match="must directly follow"):
            with k.if_(True) as br:
                pass
            k.get_num_of_thread()
            with br.else_():
                pass
        with pytest.raises(k1sim.VerifyError, match="scf.if with results needs an else"):
            with k.if_(True) as br:
                k.yield_(1)
            br.results
        with pytest.raises(k1sim.BuildError, match="unknown op 'xsmt.nope'"):
            k.op("xsmt.nope")
        with pytest.raises(k1sim.BuildError, match="needs the property 'order'"):
            k.op("tt.trans", [k.zeros((2, 2), f32)], [T.TensorType((2, 2), f32)])
        with pytest.raises(k1sim.BuildError, match="value= is for scalar arguments"):
            k.arg("p", ptr(f32), value=3)
        with pytest.raises(k1sim.BuildError, match="unknown predicate 'olt' for i32"):
            k.cmp("olt", 1, 2)


def test_locations_name_the_python_lines():
    b = Builder(locations=True)
    with b.kernel("located") as k:
        x = k.arg("x", ptr(f32), shape=(16,))
        line = inspect.currentframe().f_lineno + 1
        offs = k.make_range(0, 16)
        with k.parallel(0, 4):
            k.store(k.addptr(x, offs), 1.0)
    m = b.module
    loc = one(m, "tt.make_range").loc
    assert (loc.file, loc.line) == (__file__, line)
    assert one(m, "scf.for").loc.line == line + 1
    assert f'loc("{__file__}":{line}:' in m.to_text()
    assert_round_trips(m)


def test_built_kernels_record_python_lines_by_default():
    # Without locations the summary's `where` column repeated the op name and warnings
    # said <built>; the default now records the builder's lines.
    b = Builder()
    with b.kernel("located") as k:
        line = inspect.currentframe().f_lineno + 1
        x = k.arg("x", ptr(f32), shape=(16,))
        k.store(k.addptr(x, k.make_range(0, 16)), 1.0)
    assert one(b.module, "tt.store").loc.file == __file__
    assert f'loc("{__file__}":{line + 1}:' in b.module.to_text()
    assert "loc(" not in Builder(locations=False).module.to_text()
