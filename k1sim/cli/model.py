"""``k1sim model``: a whole model (ONNX, preset or topology CSV) layer by layer."""

from __future__ import annotations

import sys
from pathlib import Path

from k1sim.cli.arg_types import positive_int
from k1sim.cli.exit_codes import ExitCode


def add_parser(sub) -> None:
    p = sub.add_parser("model", help="estimate a whole model (ONNX, preset, topology CSV)",
                       description="Map a model to k1sim kernels, simulate each distinct "
                       "kernel once (timing-only, cached) and report every layer and the "
                       "totals (docs/model.md).")
    p.add_argument("model", help="an .onnx path, a .csv SCALE-Sim topology, or a preset "
                   "(resnet50, shufflenet, ..., qwen3-0.6b-prefill, qwen3-0.6b-decode; "
                   "PRESET:N sets the prompt or KV-cache tokens, e.g. qwen3-0.6b-prefill:512)")
    p.add_argument("--arch", required=True, help="arch id or YAML path; several: 0xA03C,0xA064")
    p.add_argument("--threads", help="threads (default: all cores); several: 1,2,4")
    p.add_argument("--dtype", default="f16", choices=("int8", "f16", "f32"))
    p.add_argument("--batch", type=int, default=1, help="samples per run (default 1)")
    p.add_argument("--json", metavar="FILE", help="write the result as JSON")
    p.add_argument("--csv", metavar="FILE", help="write the per-layer table as CSV")
    p.add_argument("--trace", metavar="FILE", help="write a Perfetto (Chrome JSON) trace")
    p.add_argument("--charts", metavar="DIR", help="write the op-kind bar chart and roofline")
    p.add_argument("--dump-kernels", metavar="DIR", help="write each distinct kernel as .xsmt")
    p.add_argument("--no-layers", action="store_true", help="totals only, no per-layer table")
    p.add_argument("--cache-dir", metavar="DIR", help="cache root (default .k1sim-cache): "
                   "layer rows in DIR/model, tuning rows in DIR/sweep, mapped layers in "
                   "DIR/layers")
    p.add_argument("--no-cache", action="store_true", help="simulate everything afresh")
    p.add_argument("--no-tune", action="store_true", help="run the GEMMs with the default "
                   "64x64 blocks instead of tuning each shape on first use")
    p.add_argument("--workers", type=positive_int, metavar="N", help="local processes (default: cores)")
    p.add_argument("--scheduler", metavar="ADDR", help="run on this Dask scheduler")
    p.set_defaults(run=run)


def run(args) -> int:
    import json

    from k1sim.model import ModelComparison, model
    from k1sim.model.text import comparison

    tty = sys.stderr.isatty()

    def progress(done, total, call):
        # A terminal gets one line rewritten in place; a log or a pipe gets whole lines at
        # each tenth, not one line of carriage returns.
        line = f"k1sim: simulated {done}/{total} distinct kernels"
        if tty:
            sys.stderr.write(f"\r{line}" + ("\n" if done == total else ""))
        elif done == total or done * 10 // total != (done - 1) * 10 // total:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    out = model(args.model, args.arch, args.threads, args.dtype, args.batch,
                cache_dir=False if args.no_cache else args.cache_dir, workers=args.workers,
                scheduler=args.scheduler, progress=progress, tune=not args.no_tune)
    runs = out.results if isinstance(out, ModelComparison) else [out]
    for r in runs:
        print(r.summary() if not args.no_layers else _totals(r))
        print()
    if isinstance(out, ModelComparison):
        print(comparison(out))
    if args.json:
        Path(args.json).write_text(json.dumps(out.to_dict(), indent=2) if len(runs) > 1
                                   else runs[0].to_json())
    if args.csv:
        Path(args.csv).write_text("".join(_with_run(r, i) for i, r in enumerate(runs)))
    if args.trace:
        Path(args.trace).write_text(json.dumps(runs[0].chrome_trace()))
    if args.charts:
        _charts(runs, Path(args.charts))
    if args.dump_kernels:
        _dump(runs, Path(args.dump_kernels))
    return ExitCode.OK


def _totals(r) -> str:
    from k1sim.model.text import summary
    return summary(r, layers=False)


def _with_run(r, i: int) -> str:
    df = r.table
    df.insert(0, "threads", r.threads)
    df.insert(0, "arch", r.arch)
    return df.to_csv(index=False, header=i == 0)


def _charts(runs, out: Path) -> None:
    from k1sim.model.charts import plot_kinds, plot_roofline
    out.mkdir(parents=True, exist_ok=True)
    for r in runs:
        stem = f"{r.model}_{r.arch}_{r.threads}t_{r.dtype}".replace(":", "-")   # PRESET:N
        plot_kinds(r, out / f"{stem}_kinds.png")
        plot_roofline(r, out / f"{stem}_roofline.png")


def _dump(runs, out: Path) -> None:
    """Each distinct kernel of each run as ``.xsmt``, named by its first layer: ``k1sim run
    FILE --timing-only`` gives the cycles of every row that uses it."""
    out.mkdir(parents=True, exist_ok=True)
    for r in runs:
        seen = set()
        for row in r.rows:
            call = row.get("call")
            if call is None or call in seen:
                continue
            seen.add(call)
            safe = row["name"].replace("/", "_").replace(":", "_")
            text = call.build(r.arch, r.threads).module.to_text()
            (out / f"{r.arch}_{r.threads}t_{safe}.xsmt").write_text(text)
