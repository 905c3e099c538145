"""``decompose(op, arch, uses) -> Work``: the one entry point of the cost model.

Each op name maps to a rule: a cost function, the static context it needs from the kernel
(fusion with a neighbour, the memory scope of a pointer) and the properties its cost depends
on. Works are cached on what determines them, never on the op's identity: the op name, the
operand and result types, those properties, that context and the arch's values. Two ops of
one shape share one Work object. A cost function must read nothing of the op but these.

A Work with a warning (an mmt4d off its matrix engine) is located per op: the cached Work
says why, and each op gets a copy that names its position.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from k1sim.cost import fusion, matrix, memory_ops, scalar, vector
from k1sim.cost.fusion import Fused
from k1sim.cost.uses import Uses, scope_of
from k1sim.cost.work import Work, fused
from k1sim.ir import types as T


class Rule(NamedTuple):
    cost: Callable             # (op, arch, context) -> Work
    context: Callable | None = None   # (op, uses) -> hashable
    props: tuple = ()          # property names the cost depends on


def _scope(op, uses: Uses | None) -> str:
    """The memory scope of the op's pointer (operand 0)."""
    ptr = op.operands[0]
    return uses.scope(ptr) if uses is not None else scope_of(ptr)


def _fused_if(pred, into: str):
    return lambda op, uses: Fused(into) if pred(op, uses) else ()


def _on_tensors(op) -> bool:
    return any(isinstance(v.type, T.TensorType) for v in (*op.operands, *op.results))


def _arith(op, arch, ctx) -> Work:
    return vector.elementwise(op, arch) if _on_tensors(op) else scalar.scalar(op, arch)


def _movement(op, arch, ctx) -> Work:
    return vector.movement(op, arch)


def _scalar(op, arch, ctx) -> Work:
    return scalar.scalar(op, arch)


def _load_context(op, uses):
    return Fused("xsmt.pack") if fusion.load_window(op, uses) else (_scope(op, uses),)


def _pack_context(op, uses):
    """(the absorbed load's pointer type, its scope), or () for a pack on its own."""
    load = fusion.absorbed_load(op, uses)
    return (load.operands[0].type, _scope(load, uses)) if load is not None else ()


def _pack(op, arch, ctx) -> Work:
    return memory_ops.packed_load(op, arch, *ctx) if ctx else vector.movement(op, arch)


def _acc_add_context(op, uses):
    return Fused("xsmt.mmt4d") if fusion.accumulated_mmt4d(op, uses) is not None else ()


_PACK_PROPS = ("shape", "packed_size")
RULES: dict[str, Rule] = {
    "xsmt.mmt4d": Rule(lambda op, arch, ctx: matrix.mmt4d(op, arch, ctx[0]),
                       lambda op, uses: (fusion.mmt4d_accumulates(op, uses),)),
    "tt.dot": Rule(lambda op, arch, ctx: matrix.dot(op, arch)),
    "tt.load": Rule(lambda op, arch, ctx: memory_ops.load(op, arch, *ctx), _load_context),
    "tt.store": Rule(lambda op, arch, ctx: memory_ops.store(op, arch, *ctx),
                     lambda op, uses: (_scope(op, uses),)),
    "xsmt.descriptor_load_view": Rule(
        lambda op, arch, ctx: memory_ops.descriptor_load_view(op, arch, *ctx),
        lambda op, uses: (_scope(op, uses),), _PACK_PROPS),
    "xsmt.pack": Rule(_pack, _pack_context, _PACK_PROPS),
    "xsmt.repack": Rule(_movement, None, _PACK_PROPS),
    "xsmt.unpack": Rule(_movement, _fused_if(fusion.unpack_fused, "tt.store"), ("shape",)),
    "tt.trans": Rule(_movement, _fused_if(fusion.trans_fused, "xsmt.pack"), ("order",)),
    "tt.reduce": Rule(lambda op, arch, ctx: vector.reduce(op, arch), None, ("axis",)),
    "tt.make_range": Rule(lambda op, arch, ctx: vector.elementwise(op, arch)),
    "tt.addptr": Rule(_arith),
    "arith.addf": Rule(_arith, _acc_add_context),
    "arith.addi": Rule(_arith, _acc_add_context),
    **{name: Rule(_movement) for name in vector.MOVEMENT | vector.METADATA
       if name not in ("xsmt.pack", "xsmt.unpack", "xsmt.repack", "tt.trans")},
}
_DEFAULT_ARITH = Rule(_arith)
_DEFAULT = Rule(_scalar)


def rule_for(name: str) -> Rule:
    rule = RULES.get(name)
    if rule is not None:
        return rule
    if name.startswith(("arith.", "math.")) and name != "arith.constant":
        return _DEFAULT_ARITH
    return _DEFAULT


_CACHE: dict = {}
_ARCH_KEYS: dict[int, tuple] = {}


def decompose(op, arch, uses: Uses | None = None) -> Work:
    """What ``op`` costs on ``arch``; ``uses`` (``Uses.of(func)``) enables the fusions."""
    if uses is not None:
        hit = uses.memo.get((op, id(arch)))
        if hit is not None and hit[0] is arch:
            return hit[1]
    rule = rule_for(op.name)
    ctx = rule.context(op, uses) if rule.context is not None else ()
    if isinstance(ctx, Fused):
        work = fused(ctx.into)
    else:
        key = (op.name, tuple(v.type for v in op.operands), tuple(r.type for r in op.results),
               tuple(_prop_key(op.prop(p)) for p in rule.props), ctx, arch_key(arch))
        work = _CACHE.get(key)
        if work is None:
            work = _CACHE[key] = rule.cost(op, arch, ctx)
    if uses is not None:
        uses.memo[(op, id(arch))] = (arch, work)
    return work


def _prop_key(value):
    return tuple(value) if isinstance(value, list) else value


def arch_key(arch) -> tuple:
    """The arch's values, frozen: the cache key part that makes two equal archs share Works."""
    entry = _ARCH_KEYS.get(id(arch))
    if entry is None or entry[0] is not arch:
        entry = _ARCH_KEYS[id(arch)] = (arch, _freeze(arch))
    return entry[1]


def _freeze(x):
    if hasattr(x, "model_dump"):
        x = x.model_dump()
    elif hasattr(x, "__dict__") and not isinstance(x, type):
        x = vars(x)
    if isinstance(x, dict):
        return tuple(sorted((str(k), _freeze(v)) for k, v in x.items()))
    if isinstance(x, (list, tuple)):
        return tuple(_freeze(v) for v in x)
    return x


def clear_cache() -> None:
    _CACHE.clear()
    _ARCH_KEYS.clear()
