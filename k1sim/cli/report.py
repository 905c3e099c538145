"""``k1sim report``: every kernel of a directory on many archs, checked against the golden
cycles and the expects.

Heavy modules (the simulator, matplotlib) load only when the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from k1sim.cli.exit_codes import ExitCode


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="run every kernel of a directory on many archs and "
                       "check them", description="Run every .xsmt under DIR on each arch "
                       "(full runs: expects are checked) and write OUT/summary.md, a roofline "
                       "per arch (PNG, SVG, Markdown) and OUT/results/<kernel>__<arch>.json. "
                       "Exit codes: 0 every check passed, 1 cycles differ from the golden "
                       "files or an expect failed (kernels listed in EXPECTED/"
                       "expected_failures.txt must fail theirs), 2 input error.")
    p.add_argument("directory", metavar="DIR", help="directory of .xsmt kernels")
    p.add_argument("--archs", default="all", help="'all' or arch ids separated by commas")
    p.add_argument("--out", default="reports", metavar="OUT",
                   help="output directory (default reports)")
    p.add_argument("--expected", metavar="EXPECTED",
                   help="golden cycles directory (default DIR/expected)")
    p.set_defaults(run=run)


def run(args) -> int:
    from k1sim.sweep.batch import run_report, write_report

    rep = run_report(args.directory, args.archs, args.expected, progress=sys.stderr)
    written = write_report(rep, args.out, progress=sys.stderr)
    for problem in rep.problems:
        print(f"FAIL {problem}", file=sys.stderr)
    runs = len(rep.runs)
    ran = sum(1 for r in rep.runs if r.result is not None)
    verdict = "PASS" if rep.passed else f"FAIL ({len(rep.problems)} problems)"
    print(f"report: {verdict}: {len(rep.kernels)} kernels x {len(rep.archs)} archs, "
          f"{ran} of {runs} runs supported; {len(written)} files in {args.out} "
          f"({Path(args.out) / 'summary.md'})")
    return ExitCode.OK if rep.passed else ExitCode.CHECK_FAILED
