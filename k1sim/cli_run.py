"""``k1sim run``: simulate a kernel file and report its expects, warnings and cycles."""

from __future__ import annotations

import sys
from pathlib import Path

from k1sim.errors import K1SimError

EXIT_OK, EXIT_EXPECT, EXIT_INPUT, EXIT_FAULT = 0, 1, 2, 3


def add_parser(sub) -> None:
    r = sub.add_parser("run", help="simulate a .xsmt kernel and check its expects",
                       description="Simulate a .xsmt kernel. Exit codes: 0 ran and every "
                       "expect passed, 1 an expect failed, 2 input error, 3 runtime fault "
                       "(memory fault, deadlock, capacity).")
    r.add_argument("file", help="the .xsmt file")
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
    r.add_argument("--kernel", help="the function to run when the file has several public ones")
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
    from k1sim.simulator import Simulator

    try:
        result = Simulator(args.arch, args.freq_mhz).execute(
            args.file, inputs=_load_inputs(args.input), seed=args.seed,
            timing_only=args.timing_only, grid=args.grid,
            args={n: _number(n, v) for n, v in args.arg}, threads=args.threads,
            kernel=args.kernel, expects=args.expect, rtol=args.rtol, atol=args.atol,
            poison_alloc=args.poison_alloc)
    except RuntimeFault as e:
        print(str(e), file=sys.stderr)
        return EXIT_FAULT
    grid = "x".join(map(str, result.grid))
    print(f"ran {result.kernel} ({args.file}) on {result.arch}: grid {grid} "
          f"({result.programs} programs), {result.threads} threads, "
          f"{sum(result.op_counts.values())} ops{', timing only' if result.timing_only else ''}")
    for e in result.expects:
        print(f"expect {e.text}: {'ok' if e.passed else 'FAILED'}")
        print(f"  {e.message}")
    for w in result.warnings:
        print(w, file=sys.stderr)
    if args.output:
        _write_outputs(result, Path(args.output))
    _print_timing(result)
    return EXIT_OK if result.passed else EXIT_EXPECT


def _print_timing(result) -> None:
    print(f"cycles {result.cycles} ({result.seconds * 1e6:.3f} us at {result.freq_mhz:g} MHz)")
    pct = result.pct_of_peak()
    for key, rate in sorted(result.achieved_ops_per_s().items()):
        share = f", {pct[key]:.1f}% of peak" if key in pct else ""
        print(f"  {key}: {rate / 1e9:.2f} G ops/s{share}")
    moved = ", ".join(f"{level} {n / 1024:.1f} KiB" for level, n in result.bytes_by_level.items()
                      if n)
    if moved:
        print(f"  bytes: {moved}")


def _write_outputs(result, out: Path) -> None:
    import numpy as np
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, array in result.outputs.items():
            if array is not None:
                np.save(out / f"{name}.npy", array)
    except OSError as e:
        raise K1SimError(f"--output {out}: {e}") from None
    print(f"outputs written to {out}/")
