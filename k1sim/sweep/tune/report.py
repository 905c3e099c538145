"""What ``k1sim tune`` writes: per arch FlagGems' ``tune_configs.yaml`` and a heatmap per
shape over the op's two block keys; over all archs ``summary.md`` (best config, % of
peak, bound, runner-up and margin, pruned configs by kind and reason) and
``configs.csv`` (every config run)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from k1sim.sweep.tune import ops
from k1sim.sweep.tune.export import tune_yaml
from k1sim.sweep.tune.prune import KINDS


def write_outputs(tuned, out) -> list[Path]:
    """Per arch: ``<arch>/tune_configs.yaml`` and ``<arch>/heatmap_<shape>.png/svg``; and
    ``summary.md`` and ``configs.csv`` over all archs."""
    from k1sim.sweep.plots import heatmap, write_table

    spec = ops.get(tuned.op)
    out = Path(out)
    written = []
    for arch in dict.fromkeys(b["arch"] for b in tuned.best):
        folder = out / Path(arch).stem
        folder.mkdir(parents=True, exist_ok=True)
        mine = [b for b in tuned.best if b["arch"] == arch and b["best"] is not None]
        entries = {spec.key: [(f"{spec.name} {spec.shape_text(b['shape'])} on {arch}: "
                               f"{int(b['best']['cycles'])} cycles", b["best"])
                              for b in mine]}
        path = folder / "tune_configs.yaml"
        path.write_text(tune_yaml(entries))
        written.append(path)
        for b in mine:
            shape = spec.shape_text(b["shape"])
            x, y = spec.heat
            written += heatmap(tuned.frame, x, y, folder / f"heatmap_{shape}",
                               where={"arch": arch, **dict(zip(spec.dims, b["shape"]))},
                               title=f"{spec.name} {shape} on {arch}\nbest cycles over "
                               "the other keys")
    written.append(write_table(tuned.frame, out / "configs.csv"))
    path = out / "summary.md"
    path.write_text(summary_markdown(tuned))
    written.append(path)
    return written


def summary_markdown(tuned) -> str:
    spec = ops.get(tuned.op)
    out = [f"# k1sim tune {tuned.op} ({tuned.dtype})", ""]
    for arch in dict.fromkeys(b["arch"] for b in tuned.best):
        out += [f"## {arch}", "",
                f"| shape ({spec.shape_syntax}) | best config | cycles | % of peak | bound "
                "| runner-up | margin | ran | failed | pruned |", "|" + "---|" * 10]
        for b in (b for b in tuned.best if b["arch"] == arch):
            pruned = tuned.pruned.get((b["shape"], arch), Counter())
            shape = spec.shape_text(b["shape"])
            best, up = b["best"], b["runner_up"]
            if best is None:
                out.append(f"| {shape} | none ran | - | - | - | - | - | {b['ran']} | "
                           f"{b['failed']} | {sum(pruned.values())} |")
                continue
            out.append(f"| {shape} | {spec.describe(best)} | {int(best['cycles']):,} | "
                       f"{best['pct_of_peak']:.1f}% | {best['bound']} | "
                       f"{spec.describe(up) if up else '-'} | "
                       f"{'-' if up is None else format(b['margin_pct'], '.2f') + '%'} | "
                       f"{b['ran']} | {b['failed']} | {sum(pruned.values())} |")
        out += _pruned_lines(tuned, arch)
        out.append("")
    return "\n".join(out)


def _pruned_lines(tuned, arch: str) -> list[str]:
    reasons = Counter()
    for (_, a), counts in tuned.pruned.items():
        if a == arch:
            reasons.update(counts)
    if not reasons:
        return []
    kinds = Counter()
    for (kind, _), n in reasons.items():
        kinds[kind] += n
    out = ["", "Pruned before running (all shapes): " + ", ".join(
        f"{kinds[k]} {k}" for k in KINDS if kinds[k]), ""]
    out += [f"- {n} x {kind}: {reason}" for (kind, reason), n in
            sorted(reasons.items(), key=lambda item: (KINDS.index(item[0][0]), -item[1],
                                                      item[0][1]))]
    return out
