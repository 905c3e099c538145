"""Drawing a ``RooflineData`` with matplotlib (the optional ``plot`` extra).

Log-log axes: arithmetic intensity in ops/byte against performance in GOP/s (GFLOP/s for
floating-point dtypes). Compute ceilings are horizontal lines, memory ceilings diagonals
that stop at the highest compute ceiling. Each kernel is a filled marker at its ops per
DRAM byte and a hollow one at its ops per L2 byte, joined by a dotted line.

Labels never overlap a label or a marker. Every candidate spot (along a ceiling; around a
point, at growing distances) is measured in pixels; a spot costs its distance plus
penalties for crossing ceiling lines and for a leader line that passes other markers or
crosses another leader, and a leader may not cross a label. Ceiling labels take their
cheapest free spot first; kernel labels are laid out greedily in a few orders, each
refined by moving every label to its cheapest spot given the others, and the cheapest
layout wins. Output is reproducible: no pyplot state, the bundled DejaVu font drawn as
paths, a fixed SVG hash salt and no dates in the metadata.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from k1sim.errors import K1SimError
from k1sim.report.label_geometry import (contains, leader_line, overlap, segment_hits_box,
                                          segments_cross)
from k1sim.report.number_format import fmt

DPI = 130
RC = {"svg.hashsalt": "k1sim-roofline", "svg.fonttype": "path", "font.family": "DejaVu Sans",
      "font.size": 8, "axes.titlesize": 10, "axes.labelsize": 9, "path.simplify": False}
COMPUTE_COLOR = {"ime": "#b2182b", "ame": "#762a83", "rvv": "#2166ac"}
MEMORY_COLOR = {"DRAM": "#1b7837", "L2": "#e08214", "scratchpad": "#8c510a"}
# tab20's strong half then its light half: 20 kernels get distinct colours.
KERNEL_COLORS = [matplotlib.colormaps["tab20"](i) for i in list(range(0, 20, 2)) +
                 list(range(1, 20, 2))]
LABEL_PAD_PX = 2.0
MARKER_PX = 5.0


def draw(data, path_png=None, path_svg=None) -> list:
    """Write the PNG and/or SVG; return the placed labels as (text, (x0, y0, x1, y1))."""
    with matplotlib.rc_context(RC):
        fig, ax = new_figure()
        placed = _draw_into(fig, ax, data)
        save(fig, path_png, path_svg)
        return placed


def new_figure(bottom: float = 0.13) -> tuple:
    """(figure, log-log axes) of a roofline chart, ``bottom`` of it kept for the legend."""
    fig = Figure(figsize=(11, 7.5), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.08, bottom, 0.89, 0.93 - bottom))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
    ax.grid(True, which="minor", color="#f2f2f2", linewidth=0.4)
    ax.set_axisbelow(True)
    ax.set_xlabel("arithmetic intensity (ops/byte)")
    ax.set_ylabel("performance (GOP/s; GFLOP/s for floating-point dtypes)")
    return fig, ax


def save(fig, path_png=None, path_svg=None) -> None:
    """Write the PNG and/or the reproducible SVG (no date, fixed hash salt from ``RC``)."""
    try:
        if path_png is not None:
            fig.savefig(path_png, format="png", dpi=DPI, metadata={"Software": "k1sim"})
        if path_svg is not None:
            fig.savefig(path_svg, format="svg", metadata={"Date": None, "Creator": "k1sim"})
    except OSError as e:
        raise K1SimError(f"cannot write the roofline: {e}") from None


def _draw_into(fig, ax, data) -> list:
    xlim, ylim = limits(data)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_title(f"Roofline: {data.title}")

    top = max((c.ops_per_s for c in data.compute), default=ylim[1] * 1e9) / 1e9
    lines = []   # (x array, y array) in data units, for the placer's line-crossing penalty
    ceilings = []
    for value, labels, engine in _merged(data.compute):
        y = value / 1e9
        ax.plot(xlim, (y, y), color=COMPUTE_COLOR.get(engine, "black"), linewidth=1.3)
        lines.append((xlim, (y, y)))
        ceilings.append(("compute", f"{labels}: {rate(y)}", y, COMPUTE_COLOR.get(engine)))
    for m in data.memory:
        gb = m.bytes_per_s / 1e9
        x_end = top / gb
        xs = (xlim[0], min(x_end, xlim[1]))
        ys = (gb * xs[0], gb * xs[1])
        ax.plot(xs, ys, color=MEMORY_COLOR.get(m.level, "gray"), linewidth=1.3,
                linestyle=(0, (5, 2)))
        lines.append((xs, ys))
        ceilings.append(("memory", f"{m.level}: {fmt(gb)} GB/s", gb,
                         MEMORY_COLOR.get(m.level, "gray")))

    markers = []
    points = [p for p in data.points if p.ops_per_s > 0 and
              (p.intensity_dram is not None or p.intensity_l2 is not None)]
    for i, p in enumerate(points):
        color = KERNEL_COLORS[i % len(KERNEL_COLORS)]
        y = p.ops_per_s / 1e9
        xd, xl = p.intensity_dram, p.intensity_l2
        if xd is not None and xl is not None:
            ax.plot((xd, xl), (y, y), color=color, linewidth=0.8, linestyle=":")
        if xd is not None:
            ax.plot([xd], [y], marker="o", markersize=6, color=color, markeredgecolor="black",
                    markeredgewidth=0.5, linestyle="none")
            markers.append((xd, y))
        if xl is not None:
            ax.plot([xl], [y], marker="s", markersize=6, markerfacecolor="white",
                    markeredgecolor=color, markeredgewidth=1.5, linestyle="none")
            markers.append((xl, y))

    fig.legend(handles=[
        Line2D([], [], marker="o", color="gray", markeredgecolor="black", linestyle="none",
               label="kernel at ops per DRAM byte"),
        Line2D([], [], marker="s", markerfacecolor="white", markeredgecolor="gray",
               markeredgewidth=1.5, linestyle="none", label="same kernel at ops per L2 byte"),
        Line2D([], [], color="black", linewidth=1.3, label="compute ceiling (all cores)"),
        Line2D([], [], color="black", linewidth=1.3, linestyle=(0, (5, 2)),
               label="memory ceiling (bandwidth x intensity)")],
        loc="lower center", ncol=4, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.canvas.draw()
    placer = Placer(fig, ax, markers, lines)
    for kind, text, value, color in ceilings:
        if kind == "compute":
            placer.place_on_level(text, value, color)
        else:
            placer.place_on_diagonal(text, value, top, color)
    anchors = [(p.label, p.intensity_dram if p.intensity_dram is not None else p.intensity_l2,
                p.ops_per_s / 1e9, KERNEL_COLORS[i % len(KERNEL_COLORS)])
               for i, p in enumerate(points)]
    placer.place_points(merge_coincident(ax, anchors))
    return placer.placed


def merge_coincident(ax, anchors) -> list:
    """One label for points drawn on top of each other ("qk_scale, qk_scale_x")."""
    out = []
    for label, x, y, color in anchors:
        px, py = ax.transData.transform((x, y))
        for i, (other, ox, oy, ocolor) in enumerate(out):
            if math.dist((px, py), ax.transData.transform((ox, oy))) < 3:
                out[i] = (f"{other}, {label}", ox, oy, ocolor)
                break
        else:
            out.append((label, x, y, color))
    return out


def _merged(compute) -> list:
    """Ceilings of equal value drawn once: (ops/s, "IME f16/bf16→f32", engine)."""
    groups = {}
    for c in compute:
        groups.setdefault(c.ops_per_s, []).append(c)
    out = []
    for value, cs in groups.items():
        parts = []
        for engine in dict.fromkeys(c.engine for c in cs):
            labels = [c.label for c in cs if c.engine == engine]
            name = labels[0].partition(" ")[0]
            dtypes = [lab.partition(" ")[2].partition("→") for lab in labels]
            accs = {acc for _, _, acc in dtypes}
            joined = "/".join(d for d, _, _ in dtypes)
            parts.append(f"{name} {joined}" + (f"→{accs.pop()}" if len(accs) == 1 and
                                                  "" not in accs else ""))
        out.append((value, ", ".join(parts), cs[0].engine))
    return out


def limits(data) -> tuple:
    xs, ys = [], []
    for p in data.points:
        for x in (p.intensity_dram, p.intensity_l2):
            if x is not None and p.ops_per_s > 0:
                xs.append(x)
                ys.append(p.ops_per_s / 1e9)
    peaks = [c.ops_per_s / 1e9 for c in data.compute] or [1.0]
    bws = [m.bytes_per_s / 1e9 for m in data.memory] or [1.0]
    ridges = [c / b for c in peaks for b in bws]
    x_lo = _decade(min(xs + ridges) / 2, down=True)
    x_hi = _decade(max(xs + ridges) * 2, down=False)
    y_lo = _decade(min(ys + [min(peaks) / 30]) / 2, down=True)
    y_hi = _decade(max(peaks) * 1.5, down=False)
    return (x_lo, x_hi), (y_lo, y_hi)


def _decade(x: float, down: bool) -> float:
    e = math.log10(x)
    return 10.0 ** (math.floor(e + 1e-9) if down else math.ceil(e - 1e-9))


def rate(gops: float) -> str:
    return f"{fmt(gops / 1000)} TOP/s" if gops >= 1000 else f"{fmt(gops)} GOP/s"


class Placer:
    """Label placement in display pixels (see the module docstring)."""

    def __init__(self, fig, ax, markers, lines):
        self.ax = ax
        self.renderer = fig.canvas.get_renderer()
        self.area = ax.get_window_extent(self.renderer)
        to_px = ax.transData.transform
        r = MARKER_PX
        self.markers = [(x - r, y - r, x + r, y + r)
                        for x, y in (to_px((mx, my)) for mx, my in markers)]
        self.labels = []     # boxes of the labels placed so far
        self.leaders = []    # (x0, y0, x1, y1) of the leader lines drawn so far
        # Points every few pixels along each ceiling line.
        t = np.linspace(0.0, 1.0, 401)[:, None]
        self.samples = np.concatenate([
            to_px(np.exp(np.log([xs[0], ys[0]]) + t * np.log([xs[1] / xs[0], ys[1] / ys[0]])))
            for xs, ys in lines]) if lines else np.zeros((0, 2))
        self.sizes = {}
        self.placed = []

    # -- ceilings: first free spot along the line ----------------------------------------

    def place_on_level(self, text, y, color):
        """A compute ceiling's label just above (or below) its line, rightmost first."""
        x0, py = self.ax.transData.transform((self.ax.get_xlim()[0], y))
        x1 = self.ax.transData.transform((self.ax.get_xlim()[1], y))[0]
        cands = []
        for k in range(40):
            px = x1 - 6 - k * 20
            if px < x0 + 40:
                break
            cands += [(px, py + 2, "right", "bottom", 0), (px, py - 2, "right", "top", 0)]
        self._place_on_line(text, cands, color)

    def place_on_diagonal(self, text, gb, top, color):
        """A memory ceiling's label along its diagonal, rotated with it."""
        (xlo, xhi), (ylo, _) = self.ax.get_xlim(), self.ax.get_ylim()
        x_start, x_end = max(xlo, ylo / gb), min(xhi, top / gb)
        if x_end <= x_start:
            return
        p0 = self.ax.transData.transform((x_start, gb * x_start))
        p1 = self.ax.transData.transform((x_end, gb * x_end))
        angle = math.degrees(math.atan2(p1[1] - p0[1], p1[0] - p0[0]))
        nx, ny = -math.sin(math.radians(angle)), math.cos(math.radians(angle))
        cands = []
        for frac in (0.55, 0.45, 0.65, 0.35, 0.75, 0.25, 0.85, 0.15):
            px, py = p0[0] + frac * (p1[0] - p0[0]), p0[1] + frac * (p1[1] - p0[1])
            for side in (1, -1):
                cands.append((px + side * 4 * nx, py + side * 4 * ny, "center",
                              "bottom" if side > 0 else "top", angle))
        self._place_on_line(text, cands, color)

    def _place_on_line(self, text, cands, color):
        best = None
        for rank, cand in enumerate(cands):
            box = self._box(text, *cand, "bold")
            if not self._inside(box) or any(overlap(box, b) for b in self.labels + self.markers):
                continue
            cost = rank + 4 * self._crossings(box)
            if best is None or cost < best[0]:
                best = (cost, cand, box)
        if best is None:
            best = (0, cands[0], self._box(text, *cands[0], "bold"))
        self._commit(text, best[1], best[2], None, color, "bold", None)

    # -- kernels: the best of a few greedy orders -----------------------------------------

    def place_points(self, anchors):
        """Label every (text, x, y, colour) anchor around its point. For each of a few
        orders (most crowded first, left to right, ...) labels are placed greedily at their
        cheapest free candidate, then each is moved to its cheapest spot given all the
        others, twice; the layout with the lowest total cost wins."""
        px = [tuple(self.ax.transData.transform((a[1], a[2]))) for a in anchors]
        options = [self._options(a[0], *p) for a, p in zip(anchors, px)]
        crowd = [-sum(1 for b in self.markers if math.hypot((b[0] + b[2]) / 2 - x,
                                                            (b[1] + b[3]) / 2 - y) < 60)
                 for x, y in px]
        n = range(len(anchors))
        orders = [sorted(n, key=lambda i: (crowd[i], anchors[i][0])),
                  sorted(n, key=lambda i: px[i]),
                  sorted(n, key=lambda i: (-px[i][0], px[i][1])),
                  sorted(n, key=lambda i: (-px[i][1], px[i][0])),
                  sorted(n, key=lambda i: (px[i][1], px[i][0]))]
        best = None
        for order in orders:
            chosen = {}
            for i in order:
                chosen[i] = self._cheapest(options[i], px[i], chosen)
            for _ in range(2):
                for i in order:
                    del chosen[i]
                    chosen[i] = self._cheapest(options[i], px[i], chosen)
            total = sum(c[0] for c in chosen.values())
            if best is None or total < best[0]:
                best = (total, chosen)
        for i in sorted(best[1]):
            _, cand, box, leader = best[1][i]
            text, _, _, color = anchors[i]
            self._commit(text, cand, box, leader, darker(color), "normal", color)

    def _options(self, text, px, py) -> list:
        """(radius, cost, candidate, box, leader) around a point, nearest first."""
        out = []
        for radius in (7, 14, 24, 36, 50, 66, 84, 105, 130, 160, 200, 250):
            for k, deg in enumerate(range(0, 360, 15)):
                a = math.radians(deg)
                dx, dy = radius * math.cos(a), radius * math.sin(a)
                ha = "left" if dx > 1 else "right" if dx < -1 else "center"
                va = "bottom" if dy > 1 else "top" if dy < -1 else "center"
                cand = (px + dx, py + dy, ha, va, 0)
                box = self._box(text, *cand, "normal")
                if not self._inside(box):
                    continue
                leader = leader_line(box, px, py, MARKER_PX)
                out.append((radius, radius + 0.01 * k + 1.5 * self._crossings(box), cand, box,
                            leader))
        return out

    def _cheapest(self, options, anchor, chosen) -> tuple:
        """(cost, candidate, box, leader): the cheapest free option given the ceiling labels
        and the kernel labels in ``chosen``."""
        labels = self.labels + [c[2] for c in chosen.values()]
        leaders = self.leaders + [c[3] for c in chosen.values() if c[3] is not None]
        others = [b for b in self.markers if not contains(b, *anchor)]
        best = None
        for radius, base, cand, box, leader in options:
            if best is not None and radius >= best[0]:
                break                       # options are nearest first: no cheaper one left
            if any(overlap(box, b) for b in labels) or \
                    any(overlap(box, b) for b in self.markers) or \
                    any(segment_hits_box(seg, box) for seg in leaders):
                continue
            cost = base
            if leader is not None:
                if any(segment_hits_box(leader, b) for b in labels):
                    continue
                cost += 40 * sum(1 for b in others if segment_hits_box(leader, b))
                cost += 25 * sum(1 for seg in leaders if segments_cross(leader, seg))
            if best is None or cost < best[0]:
                best = (cost, cand, box, leader)
        if best is None:                    # nowhere free (not seen on the shipped kernels)
            _, base, cand, box, leader = options[0]
            best = (base + 1000, cand, box, leader)
        return best

    # -- drawing and measuring ------------------------------------------------------------

    def _commit(self, text, cand, box, leader, color, weight, leader_color):
        cx, cy, ha, va, angle = cand
        inv = self.ax.transData.inverted()
        # A faint white backing keeps a label readable where it crosses a line.
        self.ax.text(*inv.transform((cx, cy)), text, ha=ha, va=va, rotation=angle,
                     rotation_mode="anchor", color=color, fontweight=weight, fontsize=7.5,
                     zorder=5, bbox=dict(boxstyle="square,pad=0.1", facecolor="white",
                                         edgecolor="none", alpha=0.75))
        if leader is not None:
            self.ax.plot(*zip(inv.transform(leader[:2]), inv.transform(leader[2:])),
                         color=darker(leader_color), linewidth=0.8, zorder=4)
            self.leaders.append(leader)
        self.labels.append(box)
        self.placed.append((text, tuple(round(float(v), 3) for v in box)))

    def _box(self, text, cx, cy, ha, va, angle, weight) -> tuple:
        """The padded (x0, y0, x1, y1) of a label in pixels."""
        if angle:
            t = self.ax.text(*self.ax.transData.inverted().transform((cx, cy)), text, ha=ha,
                             va=va, rotation=angle, rotation_mode="anchor",
                             fontweight=weight, fontsize=7.5)
            box = t.get_window_extent(self.renderer).padded(LABEL_PAD_PX)
            t.remove()
            return tuple(box.extents)
        if (text, weight) not in self.sizes:
            t = self.ax.text(0, 0, text, fontweight=weight, fontsize=7.5)
            ext = t.get_window_extent(self.renderer)
            t.remove()
            self.sizes[text, weight] = (ext.width, ext.height)
        w, h = self.sizes[text, weight]
        x0 = cx if ha == "left" else cx - w if ha == "right" else cx - w / 2
        y0 = cy if va == "bottom" else cy - h if va == "top" else cy - h / 2
        p = LABEL_PAD_PX
        return (x0 - p, y0 - p, x0 + w + p, y0 + h + p)

    def _inside(self, box) -> bool:
        a = self.area
        return a.x0 <= box[0] and box[2] <= a.x1 and a.y0 <= box[1] and box[3] <= a.y1

    def _crossings(self, box) -> int:
        x, y = self.samples[:, 0], self.samples[:, 1]
        return int(np.count_nonzero((x >= box[0]) & (x <= box[2]) & (y >= box[1]) &
                                    (y <= box[3])))


def darker(color, by: float = 0.45) -> tuple:
    """A colour mixed with black: kernel names stay readable in light tab20 colours."""
    r, g, b = matplotlib.colors.to_rgb(color)
    return (r * (1 - by), g * (1 - by), b * (1 - by))
