"""``tune(op, shapes, archs)``: every legal config of an op's space, simulated.

Every config the op's space keeps (``Op.space``) runs timing-only as one sweep point of
the op's parametric kernel (``Op.builder``), through the sweep's executors and cache. The
result per (shape, arch): the fastest config by simulated cycles, the runner-up and the
margin between them (``report`` writes them out).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from k1sim.errors import K1SimError
from k1sim.sweep.run import run_points, to_frame
from k1sim.sweep.source import BuilderSource
from k1sim.sweep.tune import ops


@dataclass
class Tuned:
    """The table of every run config, the pruned ones, and the winners."""

    op: str
    dtype: str
    frame: object                                   # pandas DataFrame, one row per config
    pruned: dict = field(default_factory=dict)      # (shape, arch) -> Counter of (kind, reason)
    best: list = field(default_factory=list)        # one dict per (shape, arch)


def tune(op: str, shapes, archs, dtype: str = "f16", **run_options) -> Tuned:
    """Tune ``op`` over ``shapes`` (tuples or "AxBxC" text in the op's dimensions) on
    ``archs`` (ids or YAML paths); ``run_options`` go to the sweep (scheduler, workers,
    cache, progress)."""
    from k1sim.arch import load_arch

    spec = ops.get(op)
    shapes = [spec.parse_shape(s) for s in shapes]
    points, pruned = [], {}
    for arch_name in archs:
        arch = load_arch(str(arch_name))
        for shape in shapes:
            configs, dropped = spec.space(shape, arch, dtype)
            pruned[(shape, str(arch_name))] = Counter((p.kind, p.reason) for p in dropped)
            points += [{"arch": str(arch_name), **dict(zip(spec.dims, shape)),
                        "dtype": dtype, **c, "timing_only": True} for c in configs]
    if not points:
        reasons = Counter()
        for counts in pruned.values():
            reasons.update(counts)
        raise K1SimError(f"tune {op}: every config was pruned before running: " + "; ".join(
            f"{n} x {kind}: {reason}" for (kind, reason), n in reasons.most_common()))
    rows, stats = run_points(BuilderSource(spec.builder), points, **run_options)
    frame = to_frame(rows, points, stats)
    tuned = Tuned(op, dtype, frame, pruned)
    for arch_name in archs:
        for shape in shapes:
            tuned.best.append(_winner(frame, spec, shape, str(arch_name)))
    return tuned


def _winner(frame, spec, shape, arch: str) -> dict:
    mine = frame[frame["arch"] == arch]
    for dim, size in zip(spec.dims, shape):
        mine = mine[mine[dim] == size]
    ok = mine[mine["status"] == "ok"].sort_values(["cycles", *spec.meta_keys], kind="stable")
    out = {"arch": arch, "shape": shape, "ran": len(mine), "failed": len(mine) - len(ok),
           "best": None, "runner_up": None, "margin_pct": None}
    if len(ok):
        out["best"] = ok.iloc[0].to_dict()
    if len(ok) > 1:
        out["runner_up"] = ok.iloc[1].to_dict()
        out["margin_pct"] = 100.0 * (out["runner_up"]["cycles"] / out["best"]["cycles"] - 1)
    return out
