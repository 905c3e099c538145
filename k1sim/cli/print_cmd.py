"""``k1sim print``: parse a .xsmt file and print it back (custom or MLIR's generic form)."""

from __future__ import annotations

import sys

from k1sim.cli.exit_codes import ExitCode


def add_parser(sub) -> None:
    pr = sub.add_parser("print", help="parse a .xsmt file and print it back")
    pr.add_argument("file", help="the .xsmt file")
    pr.add_argument("--generic", action="store_true", help="print MLIR's generic form")
    pr.set_defaults(run=run)


def run(args) -> int:
    from k1sim.ir.parser import parse_file

    sys.stdout.write(parse_file(args.file).to_text(generic=args.generic))
    return ExitCode.OK
