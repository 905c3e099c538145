"""A model's charts: time per op kind (bar chart) and its kernels on the arch's roofline."""

from __future__ import annotations

import dataclasses
from pathlib import Path


def plot_kinds(result, path) -> Path:
    """Horizontal bars: ms per op kind, longest on top."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    df = result.breakdown("kind")
    df = df[df["ms"] > 0].iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(df) + 1.2))
    ax.barh(df.index, df["ms"], color="#4c72b0")
    for y, (ms, share) in enumerate(zip(df["ms"], df["share"])):
        ax.text(ms, y, f" {ms:.3g} ms ({100 * share:.0f}%)", va="center", fontsize=8)
    ax.set_xlabel("ms")
    ax.set_title(f"{result.model} on {result.arch}, {result.threads} threads, {result.dtype}: "
                 f"{result.total_seconds * 1e3:.3g} ms", fontsize=9)
    ax.set_xlim(0, df["ms"].max() * 1.35)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def roofline_data(result):
    """The arch's roofline with one point per distinct mapped kernel (MACs as 2 ops)."""
    from k1sim.report.roofline import Point, roofline
    data = roofline(result.arch_config)
    points, seen = [], set()
    for r in result.rows:
        if not r["ops"] or r["config"] in seen or not r["seconds"]:
            continue
        seen.add(r["config"])
        ops = float(sum(r["ops"].values()))
        points.append(Point(label=r["name"], kernel=r["config"], threads=result.threads,
                            cycles=r["cycles"], seconds=r["seconds"], ops=ops,
                            ops_per_s=ops / r["seconds"], dram_bytes=r["dram_bytes"],
                            l2_bytes=r["l2_bytes"], main_key=r["engine"] or None,
                            main_peak=r.get("main_peak", 0.0)))
    return dataclasses.replace(data, points=points)


def plot_roofline(result, path) -> list:
    from k1sim.report.roofline import plot_roofline as draw
    return draw(roofline_data(result), path)


__all__ = ["plot_kinds", "plot_roofline", "roofline_data"]
