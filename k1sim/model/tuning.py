"""Tuned GEMM configs for a model's layers: each distinct GEMM shape is tuned on an arch
the first time a model needs it, through the sweep's executors and row cache.

The space is the tuner's block space (``k1sim.sweep.tune.mm.BLOCKS``: BLOCK_SIZE_M and
BLOCK_SIZE_N in 32 ... 256), each block fitted to the problem the way the model's
``gemm`` kernel shrinks it (a multiple of the micro tile, no larger than the matrix
rounded up to it: a 1-row decode GEMM gets one 16-row block, never four the same), so no
two configs of a shape run the same programs. The K step is not tuned: it is FlagGems'
``SUB_BLK_K``, ``min(512, next_pow2(K))``, as its host code sets it (fitted to the micro
tile), the same rule ``k1sim tune mm`` follows.

Every config is a point of the sweep over ``k1sim.model.kernels:gemm`` (plain: no bias,
no activation, one batch, on all the arch's cores, timing-only). Its row lives in the
sweep cache, so a second run, or ``k1sim sweep`` over the same points, reads it instead
of simulating. The winner per shape is the fewest cycles, ties to the smaller blocks.
The config is per shape and arch, as FlagGems' ``tune_configs.yaml`` is per arch: a
``--threads 1,2,4`` run uses one config at every thread count, so only the threads change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from k1sim.model.kernels import cdiv, gemm_config
from k1sim.library.mm import next_pow2
from k1sim.sweep.source import BuilderSource
from k1sim.sweep.tune.mm import BLOCKS

GEMM_SOURCE = BuilderSource("k1sim.model.kernels:gemm")


def fit(size: int, block: int, tile: int) -> int:
    """``block`` shrunk to ``size`` rounded up to the micro ``tile`` (kernels.gemm_config's
    rule), and made a multiple of the tile."""
    return min(tile * cdiv(block, tile), tile * cdiv(size, tile))


def gemm_space(m: int, n: int, k: int, micro: tuple) -> list[dict]:
    """Every distinct {"bm", "bn", "bk"} of the tuner's block space for this shape."""
    m0, k0, n0 = micro
    bk = fit(k, min(512, next_pow2(k)), k0)
    rows = sorted({fit(m, b, m0) for b in BLOCKS})
    cols = sorted({fit(n, b, n0) for b in BLOCKS})
    return [{"bm": bm, "bn": bn, "bk": bk} for bm in rows for bn in cols]


@dataclass
class Tuning:
    """What tuning did in one model run: ``configs`` maps (m, n, k, dtype) to the winner,
    ``points`` is how many configs were looked at, ``ran`` how many of them were simulated
    (the rest came from the sweep cache), ``defaulted`` the shapes no config of the space
    ran for (they keep the default blocks), ``notes`` says why."""

    configs: dict = field(default_factory=dict)
    defaulted: set = field(default_factory=set)
    points: int = 0
    ran: int = 0
    notes: list = field(default_factory=list)


def tune_gemms(shapes, arch_name: str, arch, micro_of, cache=None, workers=None,
               scheduler=None, progress=None, executor=None) -> Tuning:
    """Tune every (m, n, k, dtype) of ``shapes`` on ``arch`` (``arch_name`` is what
    ``load_arch`` reads: an id or a YAML path). ``micro_of(dtype)`` is the micro tile;
    ``cache`` a sweep cache directory (None: no cache); ``executor`` one to share (else
    the sweep makes one of ``workers``, or on ``scheduler``)."""
    from k1sim.sweep.run import run_points

    shapes = list(dict.fromkeys(shapes))
    if not shapes:
        return Tuning()
    points, owner = [], []
    for shape in shapes:
        m, n, k, dtype = shape
        micro = micro_of(dtype)
        for cfg in gemm_space(m, n, k, micro):
            points.append({"arch": arch_name, "m": m, "n": n, "k": k, "dtype": dtype,
                           "micro": list(micro), **cfg, "threads": arch.cores,
                           "timing_only": True})
            owner.append(shape)
    rows, stats = run_points(GEMM_SOURCE, points, scheduler=scheduler, workers=workers,
                             cache=cache, progress=progress, executor=executor)
    if stats["interrupted"]:
        raise KeyboardInterrupt     # the sweep kept what finished; the model stops here
    out = Tuning(points=len(points), ran=stats["ran"], notes=list(stats["notes"]))
    best: dict = {}
    for shape, row in zip(owner, rows):
        if row is None or row["status"] != "ok":
            continue
        rank = (row["cycles"], row["bm"], row["bn"])
        if shape not in best or rank < best[shape][0]:
            best[shape] = (rank, {"bm": row["bm"], "bn": row["bn"], "bk": row["bk"]})
    for shape in shapes:
        if shape in best:
            out.configs[shape] = best[shape][1]
        else:
            m, n, k, dtype = shape
            out.configs[shape] = gemm_config(m, n, k, micro_of(dtype))
            out.defaulted.add(shape)
            out.notes.append(f"gemm {m}x{n}x{k} {dtype}: no config of the space ran on "
                             f"{arch.arch_id}; the default blocks are used")
    return out


__all__ = ["tune_gemms", "gemm_space", "Tuning", "GEMM_SOURCE"]
