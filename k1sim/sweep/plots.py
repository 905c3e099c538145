"""A sweep's table on disk and in pictures: CSV, Parquet, heatmaps and lines.

``heatmap`` draws one value (cycles by default) over two axes, of the rows ``where``
picks (one arch, say); a cell over several rows shows the best. ``lines`` draws a value over one axis with one line per arch. Failed
points are blank cells / gaps, never zeros. Both write PNG and SVG (the ``plot`` extra).
"""

from __future__ import annotations

from pathlib import Path

from k1sim.errors import K1SimError

INSTALL_PLOT = 'pip install "k1sim[plot]"'


def write_table(frame, path) -> Path:
    """``frame`` as CSV or Parquet, by the suffix of ``path``."""
    path = Path(path)
    try:
        if path.suffix == ".csv":
            frame.to_csv(path, index=False)
        elif path.suffix in (".parquet", ".pq"):
            try:
                frame.to_parquet(path, index=False)
            except ImportError:
                raise K1SimError(f"{path}: Parquet needs pyarrow "
                                 '(pip install "k1sim[sweep]")') from None
        else:
            raise K1SimError(f"{path}: give a .csv or .parquet file")
    except OSError as e:
        raise K1SimError(f"{path}: cannot write the table ({e.strerror})") from None
    return path


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise K1SimError(f"plots need matplotlib ({INSTALL_PLOT})") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    matplotlib.rcParams["svg.hashsalt"] = "k1sim"   # the same SVG bytes every time
    return plt


def _select(frame, where: dict | None):
    for name, value in (where or {}).items():
        if name not in frame.columns:
            raise K1SimError(f"plot: no column {name!r}; columns: {', '.join(frame.columns)}")
        frame = frame[frame[name] == value]
    return frame


def _save(plt, fig, stem) -> list[Path]:
    """Lay out ``fig``, write it as ``stem``.png and .svg, and close it, written or not."""
    stem = Path(stem)
    out = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    fig.tight_layout()
    try:
        fig.savefig(out[0], dpi=120)
        fig.savefig(out[1], metadata={"Date": None})
    except OSError as e:
        raise K1SimError(f"{stem}: cannot write the plot ({e.strerror})") from None
    finally:
        plt.close(fig)
    return out


def heatmap(frame, x: str, y: str, stem, value: str = "cycles", where=None,
            title: str | None = None) -> list[Path]:
    """``value`` over ``x`` x ``y`` of the rows ``where`` selects ({column: value}); when
    other axes vary too, a cell shows the best (smallest) value of its rows. Writes
    ``stem``.png and .svg."""
    import numpy as np

    plt = _pyplot()
    data = _select(frame, where)
    for col in (x, y, value):
        if col not in data.columns:
            raise K1SimError(f"heatmap: no column {col!r}; columns: {', '.join(frame.columns)}")
    xs, ys = sorted(data[x].dropna().unique()), sorted(data[y].dropna().unique())
    grid = np.full((len(ys), len(xs)), np.nan)
    for _, row in data.iterrows():
        if row[value] is not None and row[value] == row[value]:   # NaN/NA: a failed point
            cell = grid[ys.index(row[y]), xs.index(row[x])]
            if not cell == cell or row[value] < cell:             # several: keep the best
                grid[ys.index(row[y]), xs.index(row[x])] = float(row[value])
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(xs), 1.0 + 0.6 * len(ys)))
    image = ax.imshow(grid, cmap="viridis_r", aspect="auto", origin="lower")
    ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    ax.set_yticks(range(len(ys)), [str(v) for v in ys])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    for (i, j), v in np.ndenumerate(grid):
        ax.text(j, i, "failed" if v != v else f"{v:,.0f}", ha="center", va="center",
                fontsize=7, color="white" if v == v and v > np.nanmean(grid) else "black")
    fig.colorbar(image, ax=ax, label=value)
    ax.set_title(title or f"{value} over {x} x {y}", fontsize=9)
    return _save(plt, fig, stem)


def lines(frame, x: str, stem, value: str = "cycles", by: str = "arch", where=None,
          title: str | None = None) -> list[Path]:
    """``value`` over ``x``, one line per ``by`` (an arch); the best value per x when
    other axes vary."""
    plt = _pyplot()
    data = _select(frame, where)
    for col in (x, value, by):
        if col not in data.columns:
            raise K1SimError(f"lines: no column {col!r}; columns: {', '.join(frame.columns)}")
    ok = data[data["status"] == "ok"] if "status" in data.columns else data
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for name in sorted(ok[by].unique(), key=str):
        part = ok[ok[by] == name].groupby(x)[value].min().sort_index()
        ax.plot([str(v) for v in part.index], part.to_numpy(dtype=float), marker="o",
                label=str(name))
    ax.set_xlabel(x)
    ax.set_ylabel(value)
    ax.legend(title=by, fontsize=8)
    ax.set_title(title or f"{value} over {x}", fontsize=9)
    return _save(plt, fig, stem)
