"""The memory image: allocations and the pointers a kernel holds into them.

An ``Allocation`` is one contiguous run of elements (a global tensor of a
kernel argument, or a local buffer of an ``xsmt.alloc``), kept flat. Kernels
reach it three ways (FORMAT.md 4.2):

* ``Pointer``: a scalar pointer, an element offset into an allocation;
* ``Pointers``: a tensor of pointers (gather / scatter), offsets as an array;
* ``BlockPtr``: a block pointer, a strided window with bounds per dim. Views
  (``subview``, ``subview_pack``, a buffer slot) are block pointers too: their
  bounds are the view's own shape, and their strides alias the memory below.

An access outside the bounds on a dim that is not boundary-checked, or an
in-bounds element whose address leaves its allocation, is a ``MemoryFault``.
In a timing-only run allocations have no data; addresses are still checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

import numpy as np

from k1sim.functional.errors import FunctionalError
from k1sim.functional.inside import Inside, inside_of


class MemoryFault(FunctionalError):
    """An access the hardware would not survive (FORMAT.md 4.2)."""


# Allocation serials: a timing model names an allocation by its serial, never by id():
# CPython hands a freed object's id to the next object, so a buffer allocated after a
# program frees one would find the dead buffer's lines in the caches.
_serials = count()


class Allocation:
    """``size`` elements of ``element`` (a type name such as ``'f16'``) in ``scope``;
    ``serial`` is unique among the allocations of the process (its identity for timing)."""

    __slots__ = ("name", "element", "scope", "shape", "size", "itemsize", "data", "serial")

    def __init__(self, name: str, element: str, shape: tuple, scope: str, data=None,
                 itemsize: int = 0):
        self.name = name
        self.element = element
        self.scope = scope
        self.shape = tuple(shape)
        self.size = int(np.prod(self.shape, dtype=np.int64))
        self.data = data  # flat array, or None in a timing-only run
        self.itemsize = itemsize
        self.serial = next(_serials)

    @property
    def nbytes(self) -> int:
        return self.size * self.itemsize

    def describe(self) -> str:
        dims = "x".join(map(str, self.shape))
        return f"'{self.name}' ({self.scope}, {dims} {self.element}, {self.size} elements)"


@dataclass(frozen=True)
class Pointer:
    alloc: Allocation
    offset: int

    def splat(self, shape) -> "Pointers":
        return Pointers(self.alloc, np.full(shape, self.offset, np.int64))

    def add(self, n) -> "Pointer | Pointers":
        if isinstance(n, np.ndarray):
            return Pointers(self.alloc, self.offset + n.astype(np.int64))
        return Pointer(self.alloc, self.offset + int(n))


@dataclass(frozen=True)
class Pointers:
    alloc: Allocation
    offsets: np.ndarray

    def map(self, fn) -> "Pointers":
        return Pointers(self.alloc, np.asarray(fn(self.offsets)))

    def add(self, n) -> "Pointers":
        return Pointers(self.alloc, self.offsets + np.asarray(n).astype(np.int64))


@dataclass(frozen=True)
class Buffer:
    """An ``xsmt.alloc_copies`` buffer: ``copies`` slots of ``shape`` elements, back to back."""

    alloc: Allocation
    copies: int
    shape: tuple

    def slot(self, k: int) -> "BlockPtr":
        if not 0 <= k < self.copies:
            raise MemoryFault(f"buffer slot {k} of {self.alloc.describe()}, which has "
                              f"{self.copies} copies")
        size = int(np.prod(self.shape, dtype=np.int64))
        return BlockPtr.view(self.alloc, k * size, self.shape)


def row_major(shape) -> tuple:
    strides, s = [], 1
    for d in reversed(shape):
        strides.append(s)
        s *= d
    return tuple(reversed(strides))


class BlockPtr:
    """A ``block``-shaped window at ``offsets`` of a tensor of ``shape`` (the bounds)
    laid out with ``strides`` from element ``base`` of ``alloc``.

    A value: never changed once made (``advance`` and ``window`` make new ones), so its
    ``inside()``, which every load, store and timed transfer of it reads, is computed once,
    and so is ``seam_access``, what the engine's timing seam describes it as
    (``k1sim.engine.seam.access``; None until asked).
    A plain class rather than a frozen dataclass: kernels make one per block per program,
    and a frozen dataclass's constructor costs four times as much."""

    __slots__ = ("alloc", "base", "shape", "strides", "offsets", "block", "_inside",
                 "seam_access")

    def __init__(self, alloc: Allocation, base: int, shape: tuple, strides: tuple,
                 offsets: tuple, block: tuple):
        self.alloc = alloc
        self.base = base
        self.shape = shape
        self.strides = strides
        self.offsets = offsets
        self.block = block
        self._inside = None
        self.seam_access = None

    def _key(self) -> tuple:
        return (self.alloc, self.base, self.shape, self.strides, self.offsets, self.block)

    def __eq__(self, other) -> bool:
        return other.__class__ is BlockPtr and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"BlockPtr(alloc={self.alloc!r}, base={self.base}, shape={self.shape}, "
                f"strides={self.strides}, offsets={self.offsets}, block={self.block})")

    @classmethod
    def view(cls, alloc: Allocation, base: int, block, strides=None) -> "BlockPtr":
        """A view: bounds are the block itself, at offset zero."""
        block = tuple(block)
        return cls(alloc, base, block, tuple(strides or row_major(block)), (0,) * len(block), block)

    def advance(self, deltas) -> "BlockPtr":
        """The window moved by ``deltas`` (ints); itself when they are all zero."""
        if not any(deltas):
            return self
        offsets = tuple(o + d for o, d in zip(self.offsets, deltas))
        return BlockPtr(self.alloc, self.base, self.shape, self.strides, offsets, self.block)

    def window(self, offsets, shape) -> "BlockPtr":
        """The ``shape`` window at ``offsets`` inside this block, clipped to the block
        (itself when that is the whole block)."""
        if not any(offsets) and tuple(shape) == self.block:   # the whole block: most windows
            return self
        at, block = [], []
        for p, o, n, b in zip(self.offsets, offsets, shape, self.block):
            o = int(o)
            at.append(p + o)
            block.append(max(0, min(n, b - o)))
        at, block = tuple(at), tuple(block)
        if at == self.offsets and block == self.block:
            return self
        return BlockPtr(self.alloc, self.base, self.shape, self.strides, at, block)

    def inside(self) -> Inside:
        """The in-bounds part of the window (see ``Inside``), computed at its first use."""
        if self._inside is None:
            self._inside = inside_of(self)
        return self._inside

    def origin(self) -> int:
        """The element address of the window's first element."""
        return self.base + sum(o * s for o, s in zip(self.offsets, self.strides))


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


def subview(p: BlockPtr, offsets, shape) -> tuple[BlockPtr, str | None]:
    """``xsmt.subview``: element offsets; on a packed 4-D view they round up to whole tiles.

    Also says where the subview reaches past its parent's window, if it does:
    hardware does not check, so accesses there silently reach other data.
    """
    offsets = [int(o) for o in offsets]
    if len(p.block) == 4:
        t0, t1 = p.block[2], p.block[3]
        start = (_cdiv(offsets[0], t0), _cdiv(offsets[1], t1))
        block = (_cdiv(shape[0], t0), _cdiv(shape[1], t1), t0, t1)
    else:
        start, block = tuple(offsets), tuple(shape)
    base = p.origin() + start[0] * p.strides[0] + start[1] * p.strides[1]
    past = [d for d in (0, 1) if start[d] + block[d] > p.block[d]]
    note = None
    if past:
        unit = "tiles" if len(p.block) == 4 else "elements"
        note = (f"subview [{start[0]}:{start[0] + block[0]}, {start[1]}:{start[1] + block[1]}] "
                f"({unit}) reaches past its parent's {list(p.block[:2])} on dim "
                f"{' and '.join(map(str, past))}: accesses there reach other data of "
                f"{p.alloc.describe()}")
    return BlockPtr.view(p.alloc, base, block, p.strides), note


def subview_pack(p: BlockPtr, offsets, shape, packed) -> BlockPtr:
    """``xsmt.subview_pack``: the 2-D window as ``[S0/P0, S1/P1, P0, P1]`` tiles, aliasing it."""
    s0, s1 = p.strides
    base = p.origin() + int(offsets[0]) * s0 + int(offsets[1]) * s1
    p0, p1 = packed
    block = (shape[0] // p0, shape[1] // p1, p0, p1)
    return BlockPtr.view(p.alloc, base, block, (p0 * s0, p1 * s1, s0, s1))


def _checked(p: BlockPtr, checked, what: str) -> Inside:
    """The in-bounds part of the window (a box, since each dim's indices are a run), after
    the checks of an access: faults on an unchecked dim out of bounds, and on a box
    reaching outside the allocation."""
    inside = p.inside()
    for d in inside.partial:
        if d not in checked:
            (lo, hi), off = inside.runs[d], p.offsets[d]
            bad = off if lo else off + hi
            raise MemoryFault(f"memory fault from an out-of-bounds {what}: index {bad} "
                              f"on dim {d} is outside the bounds "
                              f"[0, {p.shape[d]}) and dim {d} is not boundary-checked "
                              f"(boundaryCheck = {sorted(checked)})")
    if inside.reaches_out:
        _check_in_allocation(p.alloc, _box_addresses(p, inside.box(), inside.start), what)
    return inside


def _box_addresses(p: BlockPtr, box, start: int) -> np.ndarray:
    """Every address of the box, row-major."""
    addr = np.int64(start)
    for d, (b, stride) in enumerate(zip(box, p.strides)):
        shape = [1] * len(box)
        shape[d] = b.stop - b.start
        addr = addr + (np.arange(b.stop - b.start, dtype=np.int64) * stride).reshape(shape)
    return np.broadcast_to(addr, [b.stop - b.start for b in box])


def _box_view(p: BlockPtr, box, start: int) -> np.ndarray:
    """The box as a view of the allocation's data (strided, so writes land in memory)."""
    data = p.alloc.data
    shape = [b.stop - b.start for b in box]
    if all(s >= 0 for s in p.strides):
        return np.lib.stride_tricks.as_strided(
            data[start:], shape, [s * data.itemsize for s in p.strides])
    return None


def _check_in_allocation(alloc: Allocation, addr: np.ndarray, what: str) -> None:
    outside = (addr < 0) | (addr >= alloc.size)
    if outside.any():
        bad = int(addr[outside][0])
        raise MemoryFault(f"memory fault from an out-of-bounds {what}: element {bad} "
                          f"of {alloc.describe()}, outside "
                          f"[0, {alloc.size})")


# tt.load's ``padding`` property: what a float element outside the checked bounds
# reads (FORMAT.md 4.2; 3 and 4 are spine-triton's neg_inf / pos_inf padding options).
# Anything else, and every integer element, reads zero.
PADDING_FILL = {2: np.nan, 3: -np.inf, 4: np.inf}


def read_block(p: BlockPtr, checked=(), padding=None):
    """``tt.load`` of a block pointer: out-of-bounds elements on checked dims read
    zero, or ``PADDING_FILL[padding]`` for floats; None in a timing-only run."""
    inside = _checked(p, checked, "load")
    data = p.alloc.data
    if data is None:
        return None
    fill = PADDING_FILL.get(padding, 0) if data.dtype.kind == "f" else 0
    out = np.full(p.block, fill, data.dtype)
    if inside.start is not None:
        box = inside.box()
        view = _box_view(p, box, inside.start)
        out[box] = view if view is not None else data[_box_addresses(p, box, inside.start)]
    return out


def write_block(p: BlockPtr, value, checked=()) -> None:
    """``tt.store`` to a block pointer: writes the in-bounds elements."""
    inside = _checked(p, checked, "store")
    if p.alloc.data is None or value is None or inside.start is None:
        return
    box = inside.box()
    part = np.broadcast_to(np.asarray(value), p.block)[box]
    view = _box_view(p, box, inside.start)
    if view is not None:
        view[...] = part
    else:
        p.alloc.data[_box_addresses(p, box, inside.start)] = part


def _lanes(ptrs, mask):
    if isinstance(ptrs, Pointer):
        offsets = np.asarray(ptrs.offset, np.int64)
    else:
        offsets = ptrs.offsets
    live = np.ones(offsets.shape, bool) if mask is None else np.broadcast_to(
        np.asarray(mask, bool), offsets.shape)
    return offsets, live


def gather(ptrs, mask=None, other=None):
    """``tt.load`` of a pointer or tensor of pointers; masked-off lanes read ``other``."""
    offsets, live = _lanes(ptrs, mask)
    _check_in_allocation(ptrs.alloc, offsets[live], "load")
    data = ptrs.alloc.data
    if data is None:
        return None
    out = np.zeros(offsets.shape, data.dtype)
    if other is not None:
        out[...] = other
    out[live] = data[offsets[live]]
    return out if out.ndim else out[()]


def scatter(ptrs, value, mask=None) -> None:
    """``tt.store`` through a pointer or tensor of pointers; masked-off lanes are not written."""
    offsets, live = _lanes(ptrs, mask)
    _check_in_allocation(ptrs.alloc, offsets[live], "store")
    if ptrs.alloc.data is not None and value is not None:
        value = np.broadcast_to(np.asarray(value), offsets.shape)
        ptrs.alloc.data[offsets[live]] = value[live]
