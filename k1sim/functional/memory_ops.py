"""Values of the ops that touch memory: block pointers, views, loads and stores.

Allocation itself (``xsmt.alloc``, ``xsmt.alloc_copies``) needs the executing
thread's capacity accounting and lives in the engine.
"""

from __future__ import annotations

from operator import index

from k1sim.functional import memory as mem
from k1sim.functional.packing import pack
from k1sim.functional.semantics import prepared, semantic
from k1sim.ir import types as T


def _ints(values) -> list[int]:
    return [int(v) for v in values]


@semantic("tt.make_tensor_ptr")
def _make_tensor_ptr(op, args, ctx):
    return _prepared_make_tensor_ptr(op)(op, args, ctx)


# The most block pointers one ``tt.make_tensor_ptr`` keeps, ~1 KB each with what they
# keep: about 1 MB per op, whatever the grid.
MAX_POINTERS = 1024


def recurring(ctx) -> int:
    """How many pointers an op keeps to find them again: one row of the grid. Programs run
    x fastest (``launcher.programs``), so a pointer made from the x id alone (the A panel
    of a GEMM tile) recurs once a row; a one-row grid (or no launch) repeats nothing."""
    grid = getattr(getattr(ctx, "launch", None), "grid", (1, 1, 1))
    return min(grid[0], MAX_POINTERS) if grid[1] * grid[2] > 1 else 0


@prepared("tt.make_tensor_ptr")
def _prepared_make_tensor_ptr(op):
    """``tt.make_tensor_ptr`` with the op's rank and block shape read once. It gives the
    pointer it made before for the same operand values within the last row of the grid
    (``recurring``): a block pointer is a value, never changed, and the same object keeps
    its in-bounds part (``BlockPtr.inside``), worked out once for all. When the op holds a
    row's worth it forgets them all, so a launch's memory stays flat."""
    r = (len(op.operands) - 1) // 3
    block = tuple(op.results[0].type.pointee.shape)
    # (allocation, base, the other operands) -> its block pointer. The operands' numpy
    # integers are the key as they are (equal and hashed as their ints), converted only
    # for a new pointer: converting them costs three times the lookup.
    made: dict = {}
    keep = None                      # ``recurring``, from the first program's launch

    def make_tensor_ptr(op, args, ctx):
        nonlocal keep
        base = args[0]
        key = (base.alloc, base.offset, args[1:])
        p = made.get(key)
        if p is None:
            if keep is None:
                keep = recurring(ctx)
            if len(made) >= keep:
                made.clear()
            ints = tuple(map(index, args[1:]))   # ``int``'s value, in half the time
            p = mem.BlockPtr(base.alloc, base.offset, ints[:r], ints[r:2 * r], ints[2 * r:],
                             block)
            if keep:
                made[key] = p
        return p
    return make_tensor_ptr


@semantic("tt.advance")
def _advance(op, args, ctx):
    return args[0].advance(tuple(map(int, args[1:])))


@prepared("tt.advance")
def _prepared_advance(op):
    """An advance by constant zeros (a loop's first step, or a kernel whose K loop runs
    once) is the block pointer itself: ``BlockPtr.advance`` by zeros, decided once."""
    if all(_zero_constant(v) for v in op.operands[1:]):
        return lambda op, args, ctx: args[0]
    return None


def _zero_constant(value) -> bool:
    owner = value.owner
    return (not isinstance(value.type, T.TensorType)
            and getattr(owner, "name", None) == "arith.constant" and owner.prop("value") == 0)


@semantic("tt.addptr")
def _addptr(op, args, ctx):
    return args[0].add(args[1])


def _segments(op, args) -> tuple:
    sizes = op.prop("operandSegmentSizes") or (1, int(len(args) > 1), int(len(args) > 2))
    out, i = [], 0
    for n in sizes:
        out.append(args[i] if n else None)
        i += n
    return tuple(out)


@semantic("tt.load")
def _load(op, args, ctx):
    ptr, mask, other = _segments(op, args)
    if isinstance(ptr, mem.BlockPtr):
        return mem.read_block(ptr, op.prop("boundaryCheck") or (), op.prop("padding"))
    return mem.gather(ptr, mask, other)


@prepared("tt.load")
def _prepared_load(op):
    """``_load`` with the op's boundary check and padding read once: a block pointer's load
    reads them alone (its mask and other operands are not used)."""
    checked, padding = tuple(op.prop("boundaryCheck") or ()), op.prop("padding")

    def load(op, args, ctx):
        if isinstance(args[0], mem.BlockPtr):
            return mem.read_block(args[0], checked, padding)
        return _load(op, args, ctx)
    return load


@semantic("tt.store")
def _store(op, args, ctx):
    ptr, value, *mask = args
    if isinstance(ptr, mem.BlockPtr):
        mem.write_block(ptr, value, op.prop("boundaryCheck") or ())
    else:
        mem.scatter(ptr, value, mask[0] if mask else None)


@prepared("tt.store")
def _prepared_store(op):
    """``_store`` with the op's boundary check read once (a block pointer's store reads
    it alone)."""
    checked = tuple(op.prop("boundaryCheck") or ())

    def store(op, args, ctx):
        if isinstance(args[0], mem.BlockPtr):
            mem.write_block(args[0], args[1], checked)
        else:
            _store(op, args, ctx)
    return store


@semantic("xsmt.subview")
def _subview(op, args, ctx):
    view, note = mem.subview(args[0], _ints(args[1:]), op.prop("shape"))
    if note:
        ctx.warn(op, note)
    return view


@semantic("xsmt.subview_pack")
def _subview_pack(op, args, ctx):
    return mem.subview_pack(args[0], _ints(args[1:]), op.prop("shape"), op.prop("packed_size"))


@semantic("xsmt.descriptor_load_view")
def _descriptor_load_view(op, args, ctx):
    ptr = args[0]
    block = mem.read_block(ptr, range(len(ptr.block)))
    if block is None:
        return None
    return pack(block, _ints(args[1:]), op.prop("shape"), op.prop("packed_size"))


@semantic("xsmt.buffer_tensor_view")
def _buffer_tensor_view(op, args, ctx):
    return args[0].slot(int(args[1]))

