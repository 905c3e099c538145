"""``k1sim tune``: FlagGems' config space per shape and arch -> tune_configs.yaml."""

from __future__ import annotations

import sys

from k1sim.cli.exit_codes import ExitCode
from k1sim.cli.sweep import add_executor_args

# The ops and their shapes, as k1sim.sweep.tune.ops.OPS lists them (a test checks this):
# written out so that `k1sim --help` imports nothing heavy.
OPS_HELP = ("mm (shape MxNxK), bmm (shape BxMxNxK), addmm (shape MxNxK), attention "
            "(shape ZxHxSxD)")


def add_parser(sub) -> None:
    t = sub.add_parser(
        "tune", help="find the fastest FlagGems config per shape and arch",
        description="Simulate every legal config of a FlagGems op's space (mm: the four "
        "paths, BLOCK_SIZE_M/N, SUB_BLK_M/N, the arch's LEGAL_CONFIGS micro tiles; see "
        "docs/sweep.md for every op) timing-only, after pruning illegal and over-capacity "
        "configs, and write per arch a tune_configs.yaml in FlagGems' shape, a heatmap "
        "over the op's two block keys per shape, and summary.md / configs.csv over all.")
    t.add_argument("op", help=f"the op to tune: {OPS_HELP}")
    t.add_argument("--shape", action="append", required=True, metavar="SHAPE",
                   help="a problem shape in the op's dimensions, such as 512x512x256 for "
                   "mm (repeatable)")
    t.add_argument("--arch", required=True, help="arch ids or YAML paths, comma-separated")
    t.add_argument("--dtype", default="f16", help="element type (default f16)")
    t.add_argument("--out", required=True, metavar="DIR", help="where the results go")
    add_executor_args(t)
    t.set_defaults(run=run)


def run(args) -> int:
    from pathlib import Path

    from k1sim.sweep.tune import summary_markdown, tune, write_outputs

    archs = [a.strip() for a in args.arch.split(",") if a.strip()]
    tuned = tune(args.op, args.shape, archs, args.dtype, scheduler=args.scheduler,
                 workers=args.workers, cache=None if args.no_cache else args.cache)
    sys.stdout.write(summary_markdown(tuned))
    Path(args.out).mkdir(parents=True, exist_ok=True)
    for path in write_outputs(tuned, args.out):
        print(f"wrote {path}")
    return ExitCode.INTERRUPTED if tuned.frame.attrs.get("interrupted") else ExitCode.OK
