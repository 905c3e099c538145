"""``k1sim run``: simulate a kernel file and print its summary (``k1sim.report``)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from k1sim.cli.exit_codes import ExitCode
from k1sim.cli.progress import Progress
from k1sim.engine.budget import DEFAULT_MAX_PROGRAMS
from k1sim.errors import K1SimError


def add_parser(sub) -> None:
    r = sub.add_parser("run", help="simulate a .xsmt kernel (or a host script's launches)",
                       description="Simulate a .xsmt kernel. Exit codes: 0 ran and every "
                       "expect passed, 1 an expect failed, 2 input error, 3 runtime fault "
                       "(memory fault, deadlock, capacity), 130 interrupted (Ctrl-C: the summary so "
                       "far is printed and the output files written). Given a .py host script, "
                       "run it "
                       "with triton resolved to k1sim's front end: every kernel launch is "
                       "simulated on --arch and summarized, and the script's own checks "
                       "decide the exit code (a failing assert is 1).")
    r.add_argument("file", help="the .xsmt file, or a Python host script (.py)")
    r.add_argument("--arch", help="arch id or name as `k1sim archs` lists them (0xA03C, a60), "
                   "or an arch YAML path (default: the file's tt.arch_id)")
    r.add_argument("--freq-mhz", type=float, help="clock to run the arch at (default: its file's)")
    r.add_argument("--grid", type=_grid, help="launch grid X[,Y[,Z]] (default: k1sim.grid)")
    r.add_argument("--threads", type=int, help="threads of the stream (default: tt.num_threads)")
    r.add_argument("--arg", action="append", default=[], type=_pair, metavar="NAME=VALUE",
                   help="value of a scalar argument (repeatable)")
    r.add_argument("--input", action="append", default=[], type=_pair, metavar="NAME=PATH.npy",
                   help="data of a pointer argument (repeatable)")
    r.add_argument("--output", metavar="DIR", help="write every pointer argument as DIR/NAME.npy")
    r.add_argument("--seed", type=int, default=0,
                   help="seed of k1sim.init data, an integer >= 0 (default 0)")
    r.add_argument("--timing-only", action="store_true",
                   help="compute scalars and addresses only; expects are skipped")
    r.add_argument("--expect", action="append", metavar='"NAME = EXPR"',
                   help="check to run instead of the file's k1sim.expect (repeatable)")
    r.add_argument("--rtol", type=float, help="relative tolerance of expects")
    r.add_argument("--atol", type=float, help="absolute tolerance of expects")
    r.add_argument("--poison-alloc", action="store_true",
                   help="fill local allocations with NaN / 0xAA to catch reads before writes")
    r.add_argument("--strict", action="store_true",
                   help="a micro tile the arch does not accept (FlagGems' LEGAL_CONFIGS) is "
                   "an error instead of a warning")
    r.add_argument("--kernel", help="the function to run when the file has several public ones")
    r.add_argument("--quiet", "-q", action="store_true",
                   help="print one line: kernel, arch, cycles, time, %% of peak, PASS/FAIL")
    r.add_argument("--json", metavar="FILE", help="write the whole RunResult as JSON "
                   "(docs/result.md), also when an expect fails")
    r.add_argument("--trace", metavar="FILE.json",
                   help="write the timeline as Chrome trace-event JSON (open it in Perfetto)")
    r.add_argument("--roofline", metavar="FILE.png",
                   help="this run on its arch's roofline: drawn for .png/.svg (needs the plot "
                   "extra), a Markdown table for .md/.txt")
    r.add_argument("--csv", metavar="FILE", help="write one row per op and source location: "
                   "op, where, count, cycles, share, bound")
    r.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="a progress bar with an ETA on stderr for runs over 2 s (default: "
                   "on when stderr is a terminal)")
    r.add_argument("--max-programs", type=_max_programs, default=DEFAULT_MAX_PROGRAMS,
                   metavar="N", help="refuse a grid of more than N programs before running "
                   f"(default {DEFAULT_MAX_PROGRAMS:,}; 'none' for no limit)")
    r.add_argument("--memory-limit", type=_memory_limit, metavar="SIZE",
                   help="refuse a launch whose tensors need more than SIZE (512M, 8G, 1.5T "
                   "or bytes; 'none' for no limit) before allocating them (default: half "
                   "the available RAM)")
    r.set_defaults(run=run)


def _grid(text: str) -> tuple:
    try:
        dims = tuple(int(d) for d in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"grid must be X[,Y[,Z]] integers, got '{text}'")
    return dims


def _max_programs(text: str) -> int | None:
    if text.strip().lower() == "none":
        return None
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of programs or 'none', "
                                         f"got '{text}'")
    return n


_SIZE_UNITS = {"": 1, "B": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def _memory_limit(text: str) -> float:
    word = text.strip().upper()
    if word == "NONE":
        return math.inf
    unit = word.rstrip("B")[-1:] if word.rstrip("B")[-1:] in "KMGT" else ""
    number = word.rstrip("B")[:-1] if unit else word.rstrip("B")
    try:
        size = float(number) * _SIZE_UNITS[unit]
    except ValueError:
        size = 0.0
    if not size > 0 or not math.isfinite(size):
        raise argparse.ArgumentTypeError(f"expected a size such as 512M, 8G, 1.5T or a number "
                                         f"of bytes, or 'none', got '{text}'")
    return size


def _pair(text: str) -> tuple:
    name, eq, value = text.partition("=")
    if not eq or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got '{text}'")
    return name.strip(), value.strip()


def _number(name: str, text: str):
    for kind in (int, float):
        try:
            return kind(text, 0) if kind is int else kind(text)
        except ValueError:
            continue
    raise K1SimError(f"--arg {name}={text}: the value must be a number")


def _load_inputs(pairs) -> dict:
    import numpy as np
    out = {}
    for name, path in pairs:
        try:
            out[name] = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise K1SimError(f"--input {name}={path}: cannot read a .npy array ({e})") from None
    return out


def run(args) -> int:
    from k1sim.errors import RunInterrupted, RuntimeFault
    from k1sim.simulator import Simulator

    if args.file.endswith(".py"):
        from k1sim.cli.run_script import run_script
        return run_script(args, _check_writable, _write_text)
    for flag, path in (("--json", args.json), ("--csv", args.csv), ("--trace", args.trace),
                       ("--roofline", args.roofline)):
        _check_writable(flag, path)
    if args.roofline:
        _roofline_kind(args.roofline)
    if args.arch and "," in args.arch:
        return _side_by_side(args)
    show = sys.stderr.isatty() if args.progress is None else args.progress
    progress = Progress() if show else None
    stop = None
    try:
        sim = Simulator(args.arch, args.freq_mhz)
        result = sim.execute(args.file, _options(args, progress))
    except RuntimeFault as e:
        print(str(e), file=sys.stderr)
        return ExitCode.FAULT
    except RunInterrupted as e:
        stop, result = e, e.result
    finally:
        if progress is not None:
            progress.clear()
    _report(args, sim, result, stop)
    if stop is not None:
        return ExitCode.INTERRUPTED
    return ExitCode.OK if result.passed else ExitCode.CHECK_FAILED


def _report(args, sim, result, stop) -> None:
    """Print the summary and write every output file; for a run Ctrl-C stopped (``stop``),
    as far as it went."""
    from k1sim.report.summary import one_line, summary

    for w in result.warnings:
        print(w, file=sys.stderr)
    if stop is not None:
        line = (f"INTERRUPTED after {stop.done:,} of {stop.total:,} programs, at cycle "
                f"{result.cycles:,}; expects not checked")
        print(f"{result.kernel} {result.arch} {line}" if args.quiet else f"stopped     {line}")
    if not args.quiet:
        sys.stdout.write(summary(result, source=args.file, show_warnings=False))
    elif stop is None:
        print(one_line(result))
    if args.output:
        _write_outputs(result, Path(args.output), args.quiet)
    if args.json:
        from k1sim.report.tables import to_json
        text = to_json(result)
        if stop is not None:
            data = json.loads(text)
            data["interrupted"] = {"programs_done": stop.done, "programs": stop.total}
            text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        _write_text("--json", args.json, text)
    if args.csv:
        from k1sim.report.tables import to_csv
        _write_text("--csv", args.csv, to_csv(result))
    if args.roofline:
        _write_roofline(result, sim.arch, args.roofline)
    if args.trace:
        from k1sim.report.trace import chrome_trace
        _write_text("--trace", args.trace, json.dumps(chrome_trace(result, sim.arch),
                                                       separators=(",", ":")) + "\n")


def _roofline_kind(path: str) -> str:
    """'plot' for .png/.svg, 'table' for .md/.txt; any other name is refused before the run."""
    suffix = Path(path).suffix.lower()
    if suffix in (".png", ".svg"):
        return "plot"
    if suffix in (".md", ".txt"):
        return "table"
    raise K1SimError(f"--roofline {path}: name the file .png or .svg for the plot, or .md or "
                     ".txt for the roofline as a Markdown table")


def _write_roofline(result, arch, path: str) -> None:
    from k1sim.report.roofline import roofline_table, single
    if _roofline_kind(path) == "plot":
        single(result, arch, path)
    else:
        _write_text("--roofline", path, roofline_table(single(result, arch)))


def _options(args, progress=None):
    from k1sim.simulator import RunOptions
    return RunOptions(
        kernel=args.kernel, grid=args.grid, threads=args.threads, expects=args.expect,
        rtol=args.rtol, atol=args.atol, inputs=_load_inputs(args.input),
        args={n: _number(n, v) for n, v in args.arg}, seed=args.seed,
        timing_only=args.timing_only, poison_alloc=args.poison_alloc, progress=progress,
        strict=args.strict, max_programs=args.max_programs, memory_limit=args.memory_limit)


def _side_by_side(args) -> int:
    """``--arch A,B,C``: the kernel on each arch, one comparison table (report.compare)."""
    from k1sim.errors import RuntimeFault
    from k1sim.report.compare import compare_table
    from k1sim.simulator import Simulator

    for flag in ("json", "csv", "trace", "roofline", "output"):
        if getattr(args, flag):
            raise K1SimError(f"--{flag} writes one run: give one arch, not {args.arch}")
    runs, code = [], ExitCode.OK
    # Every arch loads before any runs: an unknown last one is not found after the others.
    sims = [(name, Simulator(name, args.freq_mhz))
            for name in (a.strip() for a in args.arch.split(",") if a.strip())]
    for name, sim in sims:
        try:
            result = sim.execute(args.file, _options(args))
        except RuntimeFault as e:
            runs.append((name, str(e).splitlines()[0]))
            code = ExitCode.FAULT
            continue
        for w in result.warnings:
            print(f"{name}: {w}", file=sys.stderr)
        runs.append((name, result))
        if not result.passed and code == ExitCode.OK:
            code = ExitCode.CHECK_FAILED
    sys.stdout.write(compare_table(runs))
    return code


def _check_writable(flag: str, path: str | None) -> None:
    """Fail before simulating when an output file cannot be written."""
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        raise K1SimError(f"{flag} {path}: is a directory; give a file name")
    if not target.parent.is_dir():
        raise K1SimError(f"{flag} {path}: no such directory '{target.parent}'")


def _write_text(flag: str, path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as e:
        raise K1SimError(f"{flag} {path}: cannot write the file ({e.strerror})") from None


def _write_outputs(result, out: Path, quiet: bool = False) -> None:
    import numpy as np
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, array in result.outputs.items():
            if array is not None:
                np.save(out / f"{name}.npy", array)
    except OSError as e:
        raise K1SimError(f"--output {out}: {e}") from None
    if not quiet:
        print(f"outputs written to {out}/")
