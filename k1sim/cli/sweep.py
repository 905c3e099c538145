"""``k1sim sweep``: a kernel over a product of axes, as a CSV / Parquet table and plots."""

from __future__ import annotations

import sys
from pathlib import Path

from k1sim.cli.arg_types import positive_int
from k1sim.cli.exit_codes import ExitCode
from k1sim.errors import K1SimError

SHOWN = ("cycles", "pct_of_peak", "bound", "status")


def add_parser(sub) -> None:
    s = sub.add_parser(
        "sweep", help="run a kernel over a product of parameters and archs",
        description="Run a kernel (a .xsmt file, whose scalar arguments the axes override "
        "as --arg does, or a builder module:function such as k1sim.library:mm) over the "
        "product of the axes: one row per point with its parameters, cycles, seconds, "
        "giga-ops/s, %% of peak, bound, bytes per level and an error column. A failing "
        "point is a row with its reason; the sweep goes on. Finished points are cached "
        "(--cache); Ctrl-C keeps what finished (exit code 130).")
    s.add_argument("kernel", help="a .xsmt file or a builder module:function")
    s.add_argument("--axis", action="append", default=[], type=axis_arg, metavar="NAME=V1,V2",
                   help="a parameter and its values (repeatable); a single value fixes it")
    s.add_argument("--arch", type=_list, help="arch ids or YAML paths, comma-separated")
    s.add_argument("--threads", type=_list, help="thread counts, comma-separated")
    s.add_argument("--freq-mhz", type=_list, help="clocks, comma-separated")
    s.add_argument("--mode", type=_list, default=["timing"],
                   help="timing (timing-only, the default), full (values and expects), "
                   "or both: timing,full")
    s.add_argument("--csv", metavar="FILE", help="write the table as CSV")
    s.add_argument("--parquet", metavar="FILE", help="write the table as Parquet")
    s.add_argument("--heatmap", type=_list, metavar="X,Y",
                   help="draw cycles over two axes (PNG and SVG in --plots)")
    s.add_argument("--lines", metavar="X", help="draw cycles over one axis, a line per arch")
    s.add_argument("--plots", metavar="DIR", default=".", help="where plots go (default .)")
    add_executor_args(s)
    s.set_defaults(run=run)


def add_executor_args(p) -> None:
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on this Dask cluster (default: $K1SIM_SCHEDULER, else a local "
                   "process pool); needs the dask extra")
    p.add_argument("--workers", type=positive_int, help="local pool size (default: the cores; 1 runs "
                   "serially here)")
    p.add_argument("--cache", metavar="DIR", default=".k1sim-cache/sweep",
                   help="where finished points are kept (default .k1sim-cache/sweep)")
    p.add_argument("--no-cache", action="store_true", help="run every point again")


def value(text: str):
    """A decimal int, a float, true/false, or the text itself (arch ids stay text)."""
    text = text.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def axis_arg(text: str) -> tuple:
    import argparse
    name, eq, values = text.partition("=")
    if not eq or not name.strip() or not values.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=V1,V2,..., got '{text}'")
    return name.strip(), [value(v) for v in values.split(",") if v.strip()]


def _list(text: str) -> list:
    return [value(v) for v in text.split(",") if v.strip()]


def axes_of(args) -> dict:
    modes = {"timing": True, "full": False}
    bad = [m for m in args.mode if m not in modes]
    if bad:
        raise K1SimError(f"--mode {','.join(map(str, args.mode))}: give timing, full or both "
                         "(timing,full)")
    axes = {}
    for flag, key in (("arch", "arch"), ("threads", "threads"), ("freq_mhz", "freq_mhz")):
        if getattr(args, flag):
            axes[key] = [str(a) for a in args.arch] if key == "arch" else getattr(args, flag)
    axes["timing_only"] = [modes[m] for m in args.mode]
    for name, values in args.axis:
        if name in axes:
            raise K1SimError(f"--axis {name}: given twice (or also as --{name})")
        axes[name] = values
    return axes


def run(args) -> int:
    from k1sim.sweep.plots import heatmap, lines, write_table
    from k1sim.sweep.run import sweep

    for flag, path in (("--csv", args.csv), ("--parquet", args.parquet)):
        if path and not Path(path).parent.is_dir():
            raise K1SimError(f"{flag} {path}: no such directory '{Path(path).parent}'")
    if args.heatmap is not None and len(args.heatmap) != 2:
        raise K1SimError("--heatmap X,Y: give two axis names")
    frame = sweep(args.kernel, axes_of(args), scheduler=args.scheduler, workers=args.workers,
                  cache=None if args.no_cache else args.cache)
    report(frame, sys.stdout)
    for path in filter(None, (args.csv, args.parquet)):
        print(f"table written to {write_table(frame, path)}")
    plots = Path(args.plots)
    if args.heatmap or args.lines:
        plots.mkdir(parents=True, exist_ok=True)
    if args.heatmap:
        x, y = map(str, args.heatmap)
        # One picture per arch: cycles of different machines never share a colour scale.
        archs = sorted(frame["arch"].unique(), key=str) if "arch" in frame.columns else [None]
        for arch in archs:
            where = {"arch": arch} if arch is not None else None
            stem = plots / ("_".join(filter(None, ("sweep_heatmap", x, y, _stem(arch)))))
            written = heatmap(frame, x, y, stem, where=where,
                              title=f"cycles over {x} x {y}" + (f" on {arch}" if arch else ""))
            print("heatmap written to " + ", ".join(map(str, written)))
    if args.lines:
        written = lines(frame, args.lines, plots / f"sweep_lines_{args.lines}")
        print("lines written to " + ", ".join(map(str, written)))
    return ExitCode.INTERRUPTED if frame.attrs.get("interrupted") else ExitCode.OK


def _stem(arch) -> str | None:
    return None if arch is None else Path(str(arch)).stem


def report(frame, out) -> None:
    """The table's parameters and main measures, then the counts."""
    from k1sim.sweep.point import MEASURES

    a = frame.attrs
    params = [c for c in frame.columns if c not in MEASURES]
    shown = frame[params + list(SHOWN)]
    out.write(shown.to_string(index=False, na_rep="-") + "\n")
    failed = frame[frame["status"] != "ok"]
    for _, row in failed.iterrows():
        where = ", ".join(f"{p}={row[p]}" for p in params if p != "kernel")
        out.write(f"failed: {where}: {row['error']}\n")
    out.write(f"{a.get('points', len(frame))} points: {a.get('ran', 0)} ran, "
              f"{a.get('cached', 0)} from the cache, {a.get('failed', 0)} failed"
              + (" (interrupted: the table holds the points that finished)"
                 if a.get("interrupted") else "") + "\n")
    for note in a.get("notes", ()):
        out.write(f"note: {note}\n")

