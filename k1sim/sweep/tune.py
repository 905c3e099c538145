"""``tune(op, shapes, archs)``: FlagGems' config space per shape and arch, simulated.

Every legal config of the space (``space``) runs timing-only as one sweep point of the
parametric kernel (``k1sim.library.mm_meta``), through the sweep's executors and cache.
The result per (op, shape, arch): the fastest config by simulated cycles, the runner-up
and the margin between them, written as FlagGems' ``tune_configs.yaml`` per arch, a
Markdown summary (best config, % of peak, bound, pruned configs by reason) and a heatmap
of the best cycles over BLOCK_SIZE_M x BLOCK_SIZE_N.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from k1sim.errors import K1SimError
from k1sim.sweep.run import run_points, to_frame
from k1sim.sweep.source import BuilderSource
from k1sim.sweep.space import OPS, META_KEYS, mm_space, tune_yaml

KERNELS = {"mm": BuilderSource("k1sim.library:mm_meta")}


@dataclass
class Tuned:
    """The table of every run config, the pruned ones, and the winners."""

    op: str
    dtype: str
    frame: object                                   # pandas DataFrame, one row per config
    pruned: dict = field(default_factory=dict)      # (shape, arch) -> Counter of reasons
    best: list = field(default_factory=list)        # one dict per (shape, arch)


def parse_shape(text: str) -> tuple:
    try:
        dims = tuple(int(d) for d in text.lower().split("x"))
    except ValueError:
        dims = ()
    if len(dims) != 3 or min(dims) < 1:
        raise K1SimError(f"shape {text!r}: give MxNxK, such as 1024x1024x1024")
    return dims


def tune(op: str, shapes, archs, dtype: str = "f16", **run_options) -> Tuned:
    """Tune ``op`` over ``shapes`` ((M, N, K) or "MxNxK") on ``archs`` (ids or YAML paths);
    ``run_options`` go to the sweep (scheduler, workers, cache, progress)."""
    from k1sim.arch import load_arch

    if op not in KERNELS:
        raise K1SimError(f"tune {op}: k1sim tunes {', '.join(KERNELS)} (bmm, addmm and "
                         "attention have no parametric kernel yet)")
    shapes = [parse_shape(s) if isinstance(s, str) else tuple(s) for s in shapes]
    points, pruned = [], {}
    for arch_name in archs:
        arch = load_arch(str(arch_name))
        for shape in shapes:
            configs, dropped = mm_space(shape, arch, dtype)
            pruned[(shape, str(arch_name))] = Counter(reason for _, reason in dropped)
            m, n, k = shape
            points += [{"arch": str(arch_name), "M": m, "N": n, "K": k, "dtype": dtype,
                        **c, "timing_only": True} for c in configs]
    if not points:
        raise K1SimError(f"tune {op}: every config was pruned; see the reasons with --verbose")
    rows, stats = run_points(KERNELS[op], points, **run_options)
    frame = to_frame(rows, points, stats)
    tuned = Tuned(op, dtype, frame, pruned)
    for arch_name in archs:
        for shape in shapes:
            tuned.best.append(_winner(frame, shape, str(arch_name)))
    return tuned


def _winner(frame, shape, arch: str) -> dict:
    m, n, k = shape
    mine = frame[(frame["arch"] == arch) & (frame["M"] == m) & (frame["N"] == n)
                 & (frame["K"] == k)]
    ok = mine[mine["status"] == "ok"].sort_values(["cycles", *META_KEYS["mm_spacemit"]],
                                                  kind="stable")
    out = {"arch": arch, "shape": shape, "ran": len(mine), "failed": len(mine) - len(ok),
           "best": None, "runner_up": None, "margin_pct": None}
    if len(ok):
        out["best"] = ok.iloc[0].to_dict()
    if len(ok) > 1:
        out["runner_up"] = ok.iloc[1].to_dict()
        out["margin_pct"] = 100.0 * (out["runner_up"]["cycles"] / out["best"]["cycles"] - 1)
    return out


def path_of(config: dict) -> str:
    return next(p for p in ("EVEN_K", "SPLIT_M", "SPLIT_N", "SPLIT_K") if config[p])


def describe(config: dict) -> str:
    path = path_of(config)
    text = f"{path} {config['BLOCK_SIZE_M']}x{config['BLOCK_SIZE_N']}"
    if path in ("SPLIT_M", "SPLIT_N"):
        text += f" sub {config['SUB_BLK_M']}x{config['SUB_BLK_N']}"
    return text + f" micro {config['MICRO_M']}x{config['MICRO_K']}x{config['MICRO_N']}"


def write_outputs(tuned: Tuned, out) -> list[Path]:
    """Per arch: ``<arch>/tune_configs.yaml`` and ``<arch>/heatmap_<MxNxK>.png/svg``; and
    ``summary.md`` and ``configs.csv`` (every config run) over all archs."""
    from k1sim.sweep.plots import heatmap, write_table

    out = Path(out)
    written = []
    archs = list(dict.fromkeys(b["arch"] for b in tuned.best))
    for arch in archs:
        folder = out / Path(arch).stem
        folder.mkdir(parents=True, exist_ok=True)
        mine = [b for b in tuned.best if b["arch"] == arch and b["best"] is not None]
        entries = {OPS[tuned.op]: [(f"{'x'.join(map(str, b['shape']))} on {arch}: "
                                    f"{int(b['best']['cycles'])} cycles", b["best"])
                                   for b in mine]}
        path = folder / "tune_configs.yaml"
        path.write_text(tune_yaml(entries))
        written.append(path)
        for b in mine:
            m, n, k = b["shape"]
            written += heatmap(tuned.frame, "BLOCK_SIZE_M", "BLOCK_SIZE_N",
                               folder / f"heatmap_{m}x{n}x{k}",
                               where={"arch": arch, "M": m, "N": n, "K": k},
                               title=f"{tuned.op} {m}x{n}x{k} on {arch}: best cycles over "
                               "the other keys")
    written.append(write_table(tuned.frame, out / "configs.csv"))
    path = out / "summary.md"
    path.write_text(summary_markdown(tuned))
    written.append(path)
    return written


def summary_markdown(tuned: Tuned) -> str:
    out = [f"# k1sim tune {tuned.op} ({tuned.dtype})", ""]
    for arch in dict.fromkeys(b["arch"] for b in tuned.best):
        out += [f"## {arch}", "",
                "| shape | best config | cycles | % of peak | bound | runner-up | margin "
                "| ran | failed | pruned |", "|" + "---|" * 10]
        for b in (b for b in tuned.best if b["arch"] == arch):
            pruned = tuned.pruned.get((b["shape"], arch), Counter())
            shape = "x".join(map(str, b["shape"]))
            best, up = b["best"], b["runner_up"]
            if best is None:
                out.append(f"| {shape} | none ran | - | - | - | - | - | {b['ran']} | "
                           f"{b['failed']} | {sum(pruned.values())} |")
                continue
            out.append(f"| {shape} | {describe(best)} | {int(best['cycles']):,} | "
                       f"{best['pct_of_peak']:.1f}% | {best['bound']} | "
                       f"{describe(up) if up else '-'} | "
                       f"{'-' if up is None else format(b['margin_pct'], '.2f') + '%'} | "
                       f"{b['ran']} | {b['failed']} | {sum(pruned.values())} |")
        reasons = Counter()
        for (shape, a), counts in tuned.pruned.items():
            if a == arch:
                reasons.update(counts)
        if reasons:
            out += ["", "Pruned before running (all shapes):", ""]
            out += [f"- {n} x {reason}" for reason, n in reasons.most_common()]
        out.append("")
    return "\n".join(out)
