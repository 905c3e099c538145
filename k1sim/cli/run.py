"""``k1sim run``: simulate a kernel file and print its summary (``k1sim.report``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from k1sim.cli.exit_codes import ExitCode
from k1sim.cli.progress import Progress
from k1sim.errors import K1SimError


def add_parser(sub) -> None:
    r = sub.add_parser("run", help="simulate a .xsmt kernel (or a host script's launches)",
                       description="Simulate a .xsmt kernel. Exit codes: 0 ran and every "
                       "expect passed, 1 an expect failed, 2 input error, 3 runtime fault "
                       "(memory fault, deadlock, capacity). Given a .py host script, run it "
                       "with triton resolved to k1sim's front end: every kernel launch is "
                       "simulated on --arch and summarized, and the script's own checks "
                       "decide the exit code (a failing assert is 1).")
    r.add_argument("file", help="the .xsmt file, or a Python host script (.py)")
    r.add_argument("--arch", help="arch id or arch YAML path (default: the file's tt.arch_id)")
    r.add_argument("--freq-mhz", type=float, help="clock to run the arch at (default: its file's)")
    r.add_argument("--grid", type=_grid, help="launch grid X[,Y[,Z]] (default: k1sim.grid)")
    r.add_argument("--threads", type=int, help="threads of the stream (default: tt.num_threads)")
    r.add_argument("--arg", action="append", default=[], type=_pair, metavar="NAME=VALUE",
                   help="value of a scalar argument (repeatable)")
    r.add_argument("--input", action="append", default=[], type=_pair, metavar="NAME=PATH.npy",
                   help="data of a pointer argument (repeatable)")
    r.add_argument("--output", metavar="DIR", help="write every pointer argument as DIR/NAME.npy")
    r.add_argument("--seed", type=int, default=0, help="seed of k1sim.init data (default 0)")
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
                   help="draw this run on its arch's roofline (.png or .svg; needs the plot extra)")
    r.add_argument("--csv", metavar="FILE", help="write one row per op and source location: "
                   "op, where, count, cycles, share, bound")
    r.set_defaults(run=run)


def _grid(text: str) -> tuple:
    import argparse
    try:
        dims = tuple(int(d) for d in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"grid must be X[,Y[,Z]] integers, got '{text}'")
    return dims


def _pair(text: str) -> tuple:
    import argparse
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
    from k1sim.errors import RuntimeFault
    from k1sim.report.summary import one_line, summary
    from k1sim.simulator import Simulator

    if args.file.endswith(".py"):
        from k1sim.cli.run_script import run_script
        return run_script(args, _check_writable, _write_text)
    for flag, path in (("--json", args.json), ("--csv", args.csv), ("--trace", args.trace),
                       ("--roofline", args.roofline)):
        _check_writable(flag, path)
    if args.arch and "," in args.arch:
        return _side_by_side(args)
    progress = Progress() if sys.stderr.isatty() else None
    try:
        sim = Simulator(args.arch, args.freq_mhz)
        result = sim.execute(args.file, _options(args, progress))
    except RuntimeFault as e:
        print(str(e), file=sys.stderr)
        return ExitCode.FAULT
    finally:
        if progress is not None:
            progress.clear()
    for w in result.warnings:
        print(w, file=sys.stderr)
    if args.quiet:
        print(one_line(result))
    else:
        sys.stdout.write(summary(result, source=args.file, show_warnings=False))
    if args.output:
        _write_outputs(result, Path(args.output), args.quiet)
    if args.json:
        from k1sim.report.tables import to_json
        _write_text("--json", args.json, to_json(result))
    if args.csv:
        from k1sim.report.tables import to_csv
        _write_text("--csv", args.csv, to_csv(result))
    if args.roofline:
        from k1sim.report.roofline import single
        single(result, sim.arch, args.roofline)
    if args.trace:
        from k1sim.report.trace import chrome_trace
        _write_text("--trace", args.trace, json.dumps(chrome_trace(result, sim.arch),
                                                       separators=(",", ":")) + "\n")
    return ExitCode.OK if result.passed else ExitCode.CHECK_FAILED


def _options(args, progress=None):
    from k1sim.simulator import RunOptions
    return RunOptions(
        kernel=args.kernel, grid=args.grid, threads=args.threads, expects=args.expect,
        rtol=args.rtol, atol=args.atol, inputs=_load_inputs(args.input),
        args={n: _number(n, v) for n, v in args.arg}, seed=args.seed,
        timing_only=args.timing_only, poison_alloc=args.poison_alloc, progress=progress,
        strict=args.strict)


def _side_by_side(args) -> int:
    """``--arch A,B,C``: the kernel on each arch, one comparison table (report.compare)."""
    from k1sim.errors import RuntimeFault
    from k1sim.report.compare import compare_table
    from k1sim.simulator import Simulator

    for flag in ("json", "csv", "trace", "roofline", "output"):
        if getattr(args, flag):
            raise K1SimError(f"--{flag} writes one run: give one arch, not {args.arch}")
    runs, code = [], ExitCode.OK
    for name in (a.strip() for a in args.arch.split(",") if a.strip()):
        try:
            result = Simulator(name, args.freq_mhz).execute(args.file, _options(args))
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
