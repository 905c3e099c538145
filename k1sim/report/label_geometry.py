"""Pixel geometry for placing roofline labels: boxes, segments and leader lines."""

from __future__ import annotations

import math


def leader_line(box, px, py, marker_px):
    """The leader from a point to its label's box, or None when the box comes within 4 px
    of the marker (``marker_px`` is its half-size)."""
    nx, ny = min(max(px, box[0]), box[2]), min(max(py, box[1]), box[3])
    if math.hypot(nx - px, ny - py) <= marker_px + 4:
        return None
    return (px, py, nx, ny)


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def contains(box, x, y) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def segment_hits_box(seg, box) -> bool:
    """Whether a segment (x0, y0, x1, y1) meets a box (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = seg
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return False
    return True


def segments_cross(a, b) -> bool:
    def side(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    p1, p2, q1, q2 = a[:2], a[2:], b[:2], b[2:]
    d1, d2 = side(q1, q2, p1), side(q1, q2, p2)
    d3, d4 = side(p1, p2, q1), side(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0
