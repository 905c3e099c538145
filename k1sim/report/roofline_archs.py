"""Several archs' rooflines on one chart (``k1sim roofline --arch A,B``), with matplotlib.

Each arch gets one roofline, ``min(compute ceiling, DRAM bandwidth x intensity)``, in its
own colour and marker, named in the legend with the ceiling and the bandwidth it is made
of. The compute ceiling is that of the engine:dtype most of the arch's kernels ran on
(their main engine:dtype; ties: the higher ceiling), or the arch's highest ceiling when no
kernel ran there. A kernel of that arch whose main engine:dtype differs has its own
ceiling drawn dotted in the arch's colour, so every kernel sits under a line of its arch.
Kernels are filled markers of their arch at their ops per DRAM byte (the roofline's
memory ceiling is DRAM), labelled as on a one-arch chart (``roofline_plot.Placer``). The
per-arch charts and tables keep the L2 and scratchpad ceilings and intensities.

Lines carry a gid: ``roofline:<name>`` for an arch's roofline and
``ceiling:<name>:<engine:dtype>`` for a dotted extra ceiling (SVG element ids).
"""

from __future__ import annotations

from collections import Counter

import matplotlib
from matplotlib.lines import Line2D

from k1sim.report.number_format import fmt
from k1sim.report.roofline_plot import (RC, Placer, limits, merge_coincident, new_figure,
                                        rate, save)

ARCH_COLORS = [matplotlib.colormaps["tab10"](i) for i in (0, 3, 2, 1, 4, 5, 6, 8, 9, 7)]
ARCH_MARKERS = "os^Dvph<>*"


def draw_archs(named, path_png=None, path_svg=None) -> list:
    """Write the chart of ``named`` ([(name, RooflineData), ...]); return the placed
    kernel labels as (text, (x0, y0, x1, y1)) in pixels."""
    with matplotlib.rc_context(RC):
        fig, _, placed = build(named)
        save(fig, path_png, path_svg)
        return placed


def roof_ceiling(data):
    """The ``Ceiling`` an arch's roofline is drawn at (see the module doc), or None for an
    arch without compute ceilings."""
    used = Counter(p.main_key for p in data.points if p.main_key is not None and
                   data.ceiling(*p.main_key))
    if used:
        key = max(used, key=lambda k: (used[k], data.ceiling(*k)))
        return next(c for c in data.compute if c.key == key)
    return data.compute[0] if data.compute else None


def build(named) -> tuple:
    """(figure, axes, placed labels) of the chart, not yet written."""
    rows = -(-len(named) // 2)
    fig, ax = new_figure(bottom=0.1 + 0.04 * rows)
    boxes = [limits(data) for _, data in named]
    xlim = (min(b[0][0] for b in boxes), max(b[0][1] for b in boxes))
    ylim = (min(b[1][0] for b in boxes), max(b[1][1] for b in boxes))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_title("Rooflines: " + ", ".join(name for name, _ in named) +
                 " (DRAM bandwidth x intensity, up to a compute ceiling; all cores)")
    lines, markers, anchors, handles = [], [], [], []
    for i, (name, data) in enumerate(named):
        color, marker = ARCH_COLORS[i % len(ARCH_COLORS)], ARCH_MARKERS[i % len(ARCH_MARKERS)]
        bw = data.bandwidth("DRAM") / 1e9
        roof = roof_ceiling(data)
        label = f"{data.title}\nDRAM {fmt(bw)} GB/s"
        if roof is not None:
            peak = roof.ops_per_s / 1e9
            xs = sorted({xlim[0], min(max(peak / bw, xlim[0]), xlim[1]), xlim[1]})
            ys = [min(peak, bw * x) for x in xs]
            ax.plot(xs, ys, color=color, linewidth=1.6, gid=f"roofline:{name}")
            lines += [(xs[j:j + 2], ys[j:j + 2]) for j in range(len(xs) - 1)]
            label += f", {roof.label} {rate(peak)}"
            extra = dict.fromkeys(p.main_key for p in data.points
                                  if p.main_key not in (None, roof.key) and p.main_peak)
            for key in extra:
                other = next(c for c in data.compute if c.key == key)
                y = other.ops_per_s / 1e9
                xs2 = (min(max(y / bw, xlim[0]), xlim[1]), xlim[1])
                ax.plot(xs2, (y, y), color=color, linewidth=1.0, linestyle=":",
                        gid=f"ceiling:{name}:{key}")
                lines.append((xs2, (y, y)))
                label += f"; dotted: {other.label} {rate(y)}"
        handles.append(Line2D([], [], color=color, marker=marker, markeredgecolor="black",
                              markeredgewidth=0.5, linewidth=1.6, label=label))
        for p in data.points:
            if p.intensity_dram is None or p.ops_per_s <= 0:
                continue
            y = p.ops_per_s / 1e9
            ax.plot([p.intensity_dram], [y], marker=marker, markersize=7, color=color,
                    markeredgecolor="black", markeredgewidth=0.5, linestyle="none",
                    gid=f"kernel:{name}:{p.label}")
            markers.append((p.intensity_dram, y))
            anchors.append((p.label, p.intensity_dram, y, color))
    fig.legend(handles=handles, loc="lower center", ncol=min(2, len(named)), frameon=False,
               bbox_to_anchor=(0.5, 0.0))
    fig.canvas.draw()
    placer = Placer(fig, ax, markers, lines)
    placer.place_points(merge_coincident(ax, anchors))
    return fig, ax, placer.placed


__all__ = ["draw_archs", "build", "roof_ceiling", "ARCH_COLORS"]
