"""Use lists and pointer origins: the static facts the fusion rules and memory scopes need.

The IR keeps no use lists, so ``Uses.of(func)`` builds one per kernel: every value maps to
the ops that read it, including ops nested in regions (a value defined outside a loop and
read inside it is used by the op inside). ``scope_of`` walks a pointer back through the ops
that derive pointers (block pointers, ``advance``, ``addptr``, ``splat``, views) to where it
comes from: a kernel argument is global memory, an ``xsmt.alloc`` is a local buffer.
"""

from __future__ import annotations

from k1sim.ir.core import Block, Operation, Value

# Ops whose result points into the memory of their operand 0.
_POINTER_DERIVING = frozenset((
    "tt.make_tensor_ptr", "tt.advance", "tt.addptr", "tt.splat", "tt.broadcast",
    "tt.expand_dims", "tt.reshape", "tt.trans", "xsmt.subview", "xsmt.subview_pack",
    "xsmt.buffer_tensor_view"))
_ALLOCS = ("xsmt.alloc", "xsmt.alloc_copies")
# Ops that meet other threads: the timing model lets a thread's batched time pass before
# them, and the fusions never move a load past them.
SYNC_OPS = frozenset((
    "xsmt_async.mbarrier_arrive", "xsmt_async.mbarrier_wait", "xsmt.barrier_set_expect",
    "xsmt_async.mbarrier_release", "xsmt.global_mbarrier_init"))


class Uses:
    """Value -> the ops that use it, for one function (nested regions included)."""

    __slots__ = ("users", "memo", "_scopes")

    def __init__(self, users: dict):
        self.users: dict[Value, list[Operation]] = users
        self.memo: dict = {}       # decompose's per-op fast path: (op, id(arch)) -> Work
        self._scopes: dict = {}

    @classmethod
    def of(cls, func: Operation) -> "Uses":
        users: dict[Value, list[Operation]] = {}
        for op in func.walk():
            if op is func:
                continue
            for v in op.operands:
                lst = users.setdefault(v, [])
                if not lst or lst[-1] is not op:  # an op reading a value twice uses it once
                    lst.append(op)
        return cls(users)

    def of_value(self, value: Value) -> list[Operation]:
        return self.users.get(value, [])

    def only_user(self, value: Value) -> Operation | None:
        """The single op that uses ``value``, or None (no user, or several)."""
        users = self.users.get(value)
        return users[0] if users and len(users) == 1 else None

    def scope(self, ptr: Value) -> str:
        """``scope_of`` memoised for this kernel."""
        s = self._scopes.get(ptr)
        if s is None:
            s = self._scopes[ptr] = scope_of(ptr)
        return s


def defining_op(value: Value) -> Operation | None:
    """The op whose result ``value`` is (None for a block argument)."""
    return value.owner if isinstance(value.owner, Operation) else None


def enclosing_op(block: Block) -> Operation | None:
    region = block.parent
    return region.parent if region is not None else None


def is_loop_carried(value: Value) -> bool:
    """Whether ``value`` is an iteration argument of an ``scf.for`` body (not its induction
    variable): the accumulator a loop carries from one iteration to the next."""
    owner = value.owner
    if not isinstance(owner, Block) or value.index == 0:
        return False
    loop = enclosing_op(owner)
    return loop is not None and loop.name == "scf.for" and owner is loop.regions[0].blocks[0]


def scope_of(ptr: Value) -> str:
    """Where a pointer points: ``"global"`` (a kernel argument: DRAM through L2 and L1),
    ``"local"`` (an ``xsmt.alloc`` buffer: scratchpad or L2 share) or ``"fragment"`` (an
    alloc in the vector registers). Pointers of unknown origin are taken as global."""
    v = ptr
    for _ in range(10_000):  # a chain of derivations; the bound only guards malformed IR
        op = defining_op(v)
        if op is None:
            block = v.owner
            loop = enclosing_op(block) if isinstance(block, Block) else None
            if loop is not None and loop.name == "scf.for" and v.index > 0:
                v = loop.operands[2 + v.index]  # the iter_arg's initial value
                continue
            return "global"  # a function argument
        if op.name in _ALLOCS:
            storage = op.prop("storage") or op.prop("scope") or "l2"
            return {"fragment": "fragment", "global": "global"}.get(storage, "local")
        if op.name in _POINTER_DERIVING and op.operands:
            v = op.operands[0]
        elif op.name == "arith.select":
            v = op.operands[1]
        elif op.name in ("scf.if", "scf.for") and op.regions and op.regions[0].blocks:
            v = op.regions[0].blocks[0].terminator.operands[v.index]
        else:
            return "global"
    return "global"
