"""The ``Kernel`` methods for spine-triton's ``smt`` and ``tle`` builtins.

Each method emits what spine-triton's Python front end emits for the builtin
of the same name (``language/smt/semantic.py`` and the pybind builders), so a
program built here reads like a ``SPINE_TRITON_DUMP_PATH`` dump. Packed
tensors are ``[B0, B1, t0, t1]``: tile ``(i, j)`` of a matrix at ``[i, j]``.
"""

from __future__ import annotations

from k1sim.errors import BuildError
from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.builder_ops import as_type
from k1sim.ir.core import Value
from k1sim.ir.ops.xsmt import mmt4d_type, pack_type

_TRANSPOSE_B = (1, 0, 3, 2)


def _two(values, what: str, op: str, sizes: bool = True) -> tuple:
    """Two entries, one per matrix dimension; ``sizes`` must be Python ints."""
    values = tuple(values)
    if len(values) != 2:
        raise BuildError(f"{op}: {what} must have 2 entries (one per matrix dimension), "
                         f"got {len(values)}: {list(values)}")
    if sizes and not all(isinstance(v, int) for v in values):
        raise BuildError(f"{op}: {what} must be Python ints, got {list(values)}")
    return values


def _is_zero(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x == 0


class SmtOps:
    """Packed views, mmt4d, local buffers, barriers and tiles."""

    # -- loads and views -------------------------------------------------
    def descriptor_load(self, block_ptr, offsets=None, into=None) -> Value | None:
        """``smt.descriptor_load``: ``tt.advance`` then ``tt.load`` checking every dim.

        With ``into`` (a block pointer) the block is stored there and nothing is returned.
        """
        block_ptr = self.value(block_ptr)
        t = block_ptr.type
        if not (isinstance(t, T.PtrType) and t.is_block):
            raise BuildError(f"descriptor_load needs a block pointer, got {t}")
        rank = t.pointee.rank
        moved = self.advance(block_ptr, offsets if offsets is not None else [0] * rank)
        loaded = self.load(moved, boundary_check=range(rank))
        if into is None:
            return loaded
        into = self.value(into)
        self.store(into, loaded, boundary_check=range(into.type.pointee.rank))
        return None

    def descriptor_load_view(self, block_ptr, offsets, shape, packed) -> Value:
        """The fused ``xsmt.descriptor_load_view`` (load a window and pack it); i64 offsets."""
        block_ptr = self.value(block_ptr)
        t = block_ptr.type
        if not (isinstance(t, T.PtrType) and t.is_block):
            raise BuildError(f"descriptor_load_view needs a block pointer, got {t}")
        offsets = _two(offsets, "offsets", "descriptor_load_view", sizes=False)
        offs = [self.to_int(o, T.i64) for o in offsets]
        shape = _two(shape, "shape", "descriptor_load_view")
        packed = _two(packed, "packed", "descriptor_load_view")
        return self.emit("xsmt.descriptor_load_view", [block_ptr, *offs],
                         pack_type(t.pointee.element, shape, packed),
                         {"shape": A.i32_array(shape), "packed_size": A.i32_array(packed)})

    def view(self, base, offsets, shape, packed_size=None, into=None) -> Value:
        """``smt.view``: pack, unpack or repack a tensor, or view a block pointer.

        On a tensor: ``packed_size`` all 1 unpacks a 4-D tensor; a 4-D tensor
        repacks (or is returned as is when the view is all of it at literal
        offsets 0 with its own tile; ``None`` keeps its tile); a 2-D tensor
        packs. On a pointer: ``None``/all 0, or a 4-D pointee's own tile, is a
        ``subview``; anything else a ``subview_pack``. Offsets are i32.
        """
        base = self.value(base)
        offsets = _two(offsets, "offsets", "view", sizes=False)
        shape = _two(shape, "shape", "view")
        packed = _two(packed_size, "packed_size", "view") if packed_size is not None else (0, 0)
        t = base.type
        if isinstance(t, T.PtrType) and t.is_block:
            return self._view_ptr(base, offsets, shape, packed)
        if not isinstance(t, T.TensorType):
            raise BuildError(f"view needs a tensor or a block pointer, got {t}")
        if packed == (1, 1):
            return self._pack_like("xsmt.unpack", base, offsets, shape, None, into)
        if t.rank == 4:
            tile = t.shape[2:] if packed == (0, 0) else packed
            whole = shape == (t.shape[0] * t.shape[2], t.shape[1] * t.shape[3])
            if tile == t.shape[2:] and whole and all(map(_is_zero, offsets)) and into is None:
                return base
            return self._pack_like("xsmt.repack", base, offsets, shape, tile, into)
        if packed == (0, 0):
            raise BuildError(f"view of {t} needs packed_size (the tile to pack into)")
        return self._pack_like("xsmt.pack", base, offsets, shape, packed, into)

    def _pack_like(self, name, base, offsets, shape, packed, into) -> Value:
        offs = [self.to_int(o, T.i32) for o in offsets]
        element = base.type.element
        result = T.TensorType(shape, element) if packed is None else pack_type(element, shape,
                                                                                packed)
        props = {"shape": A.i32_array(shape)}
        if packed is not None:
            props["packed_size"] = A.i32_array(packed)
        dest = [] if into is None else [self.value(into)]
        props["operandSegmentSizes"] = A.i32_array([1, len(offs), len(dest)])
        return self.emit(name, [base, *offs, *dest], result, props)

    def _view_ptr(self, base, offsets, shape, packed) -> Value:
        t = base.type
        pointee = t.pointee
        offs = [self.to_int(o, T.i32) for o in offsets]
        own_tile = pointee.rank == 4 and packed == pointee.shape[2:]
        if packed == (0, 0) or own_tile:
            inner = (pack_type(pointee.element, shape, pointee.shape[2:]) if pointee.rank == 4
                     else T.TensorType(shape, pointee.element))
            return self.emit("xsmt.subview", [base, *offs], T.PtrType(inner, t.addrspace),
                             {"shape": A.i32_array(shape)})
        return self.emit("xsmt.subview_pack", [base, *offs],
                         T.PtrType(pack_type(pointee.element, shape, packed), t.addrspace),
                         {"shape": A.i32_array(shape), "packed_size": A.i32_array(packed)})

    def dot(self, a, b, out=None, acc_dtype=None) -> Value:
        """``smt.dot``: ``xsmt.mmt4d`` of packed A ``[M1, K1, m0, k0]`` and B.

        B given as ``[K1, N1, k0, n0]`` is first transposed to ``[N1, K1, n0, k0]``
        (checked first, as spine-triton does); ``out`` is the 3-operand form's
        destination. The result holds A's element type unless ``acc_dtype``.
        """
        a, b = self.value(a), self.value(b)
        ta, tb = a.type, b.type
        if not all(isinstance(t, T.TensorType) and t.rank == 4 for t in (ta, tb)):
            raise BuildError(f"dot needs two packed 4-D tensors, got {ta} and {tb}")
        if ta.shape[1] == tb.shape[0] and ta.shape[3] == tb.shape[2]:
            b = self.trans(b, _TRANSPOSE_B)
        elif not (ta.shape[1] == tb.shape[1] and ta.shape[3] == tb.shape[3]):
            raise BuildError(
                f"dot cannot multiply A {ta} by B {tb}: A is [M1, K1, m0, k0] with K1 = "
                f"{ta.shape[1]} and k0 = {ta.shape[3]}, so B must be [K1, N1, k0, n0] or "
                f"[N1, K1, n0, k0]")
        element = as_type(acc_dtype) if acc_dtype is not None else ta.element
        operands = [a, b] + ([self.value(out)] if out is not None else [])
        return self.emit("xsmt.mmt4d", operands, mmt4d_type(ta, b.type, element))

    # -- local buffers ---------------------------------------------------
    def alloc(self, shape, dtype=T.f32, storage: str = "l2") -> Value:
        """``smt.alloc``: a local buffer, as a block pointer (the default dtype is f32)."""
        shape = tuple(shape)
        t = T.PtrType(T.TensorType(shape, as_type(dtype)))
        return self.emit("xsmt.alloc", [], t, {"shape": A.i32_array(shape),
                                                "storage": A.StringAttr(storage)})

    def alloc_copies(self, shape, dtype=T.f32, storage: str = "l2", copies: int = 1) -> Value:
        """``smt.alloc_copies``: ``copies`` buffers of ``shape`` (an ``!xsmt.buffer``)."""
        full = (copies, *shape)
        t = T.BufferType(full, as_type(dtype), copies, storage)
        return self.emit("xsmt.alloc_copies", [], t, {"shape": A.i64_array(full),
                                                       "storage": A.StringAttr(storage)})

    def buffer_view(self, buffer, index) -> Value:
        """``buffer[index]``: ``xsmt.buffer_tensor_view``, a pointer to one copy (i32 index)."""
        buffer = self.value(buffer)
        t = buffer.type
        if not isinstance(t, T.BufferType):
            raise BuildError(f"buffer_view needs an !xsmt.buffer, got {t}")
        return self.emit("xsmt.buffer_tensor_view", [buffer, self.to_int(index, T.i32)],
                         T.PtrType(T.TensorType(t.shape[1:], t.element)))

    # -- barriers --------------------------------------------------------
    def mbarrier(self, flag=0, arrive_count=0, transaction_count=0, expect_count=1) -> Value:
        """``smt.mbarrier``: ``xsmt_async.mbarrier_alloc`` of four i16 counts; an i64 handle."""
        counts = [self.to_int(v, T.i16) for v in (flag, arrive_count, transaction_count,
                                                  expect_count)]
        return self.emit("xsmt_async.mbarrier_alloc", counts, T.i64)

    def barrier_arrive(self, bar) -> None:
        self.op("xsmt_async.mbarrier_arrive", [self.to_int(bar, T.i64)])

    def barrier_wait(self, bar, flag=0, arrive_count=0) -> None:
        """Wait until the barrier's phase is ``flag`` (kernels wait with ``flag=1``)."""
        self.op("xsmt_async.mbarrier_wait", [self.to_int(bar, T.i64), self.to_int(flag, T.i16),
                                             self.to_int(arrive_count, T.i16)])

    def mbarrier_copies(self, flag=0, arrive_count=0, transaction_count=0, expect_count=1,
                        copies=1) -> Value:
        """``xsmt.mbarrier_copies``: ``copies`` barrier slots (compile-time counts only)."""
        fields = {"numCopies": copies, "flag": flag, "arriveCount": arrive_count,
                  "transactionCount": transaction_count, "expectCount": expect_count}
        for key, v in fields.items():
            if not isinstance(v, int) or isinstance(v, bool):
                raise BuildError(f"mbarrier_copies {key} must be a Python int, got {v!r}")
        props = {k: A.IntAttr(v, T.i64) for k, v in fields.items()}
        return self.emit("xsmt.mbarrier_copies", [], T.MBarrierType(copies), props)

    def mbarrier_subview(self, bars, index) -> Value:
        """``bars[index]``: one slot's i64 handle (a Python index is range-checked, i64)."""
        bars = self.value(bars)
        if isinstance(index, int):
            slots = getattr(bars.type, "slots", None)
            if slots is not None and not 0 <= index < slots:
                raise BuildError(f"mbarrier index {index} is out of range for {bars.type}")
            index = self.const(index, T.i64)
        return self.emit("xsmt.mbarrier_subview", [bars, index], T.i64)

    def get_num_of_thread(self) -> Value:
        return self.emit("xsmt.get_num_of_thread", [], T.i32)

    def global_mbarrier(self, ident) -> Value:
        """``xsmt.global_mbarrier_init``: the launch-wide barrier ``ident`` (an i16)."""
        return self.emit("xsmt.global_mbarrier_init", [self.to_int(ident, T.i16)], T.i64)

    def barrier_set_expect(self, bar, expect_count=1) -> None:
        self.op("xsmt.barrier_set_expect", [self.to_int(bar, T.i64),
                                            self.to_int(expect_count, T.i16)])

    def compile_hint(self, t, key: str, value=None) -> None:
        """``xsmt.annotation``: ``key`` as a unit (``None``), bool or i32 attribute."""
        if value is None:
            attr = A.UnitAttr()
        elif isinstance(value, bool):
            attr = A.BoolAttr(value)
        else:
            attr = A.IntAttr(int(value), T.i32)
        self.op("xsmt.annotation", [self.value(t)], [], attrs={key: attr})

    # -- tle -------------------------------------------------------------
    def extract_tile(self, x, index, tile_shape) -> Value:
        """``tle.extract_tile``: tile ``index`` (an int, a value or a tuple over the tile grid)."""
        x = self.value(x)
        tile_shape = tuple(tile_shape)
        t = x.type
        idx = self._tile_index(t, tile_shape, index)
        element = t.element if isinstance(t, T.TensorType) else t
        return self.emit("tle.extract_tile", [x, idx], T.TensorType(tile_shape, element),
                         {"tile_shape": A.i64_array(tile_shape)})

    def insert_tile(self, x, tile, index) -> Value:
        """``tle.insert_tile``: ``x`` with tile ``index`` replaced by ``tile``."""
        x, tile = self.value(x), self.value(tile)
        idx = self._tile_index(x.type, getattr(tile.type, "shape", ()), index)
        return self.emit("tle.insert_tile", [x, idx, tile], x.type)

    def _tile_index(self, t, tile_shape, index) -> Value:
        """A row-major linear tile index; tuples of ints fold, tuples with values compute."""
        if not isinstance(index, (tuple, list)):
            return self.to_int(index, T.i32)
        shape = getattr(t, "shape", ())
        if len(index) != len(shape) or len(tile_shape) != len(shape) or 0 in tile_shape:
            raise BuildError(f"tile index {tuple(index)} needs one entry per dimension of {t} "
                             f"and a tile shape of that rank, got {tuple(tile_shape)}")
        grid = [s // d for s, d in zip(shape, tile_shape)]
        linear = index[0]
        for i, g in zip(index[1:], grid[1:]):
            if isinstance(linear, int) and isinstance(i, int):
                linear = linear * g + i
            else:
                linear = self.add(self.mul(self.to_int(linear, T.i32), g), self.to_int(i, T.i32))
        return self.to_int(linear, T.i32)
