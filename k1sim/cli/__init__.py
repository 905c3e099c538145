"""The ``k1sim`` command line: a thin shell over the public API.

One module per command, each with ``add_parser(sub)`` (which sets ``run=...``, a function
of the parsed arguments returning an :class:`ExitCode`). Exit codes live in one table,
:mod:`k1sim.cli.exit_codes`. Errors a user can cause print a diagnostic and never a
traceback. Command modules import heavy packages (numpy, numba, simpy) only inside their
``run`` functions, so ``k1sim --help`` and ``k1sim archs`` stay instant.
"""

from __future__ import annotations

import argparse
import sys

import k1sim
from k1sim.cli import (archs, check, diff, model, peak, print_cmd, report, roofline, run,
                       sweep, tune)
from k1sim.cli.exit_codes import ExitCode

#: the subcommands in the order ``k1sim --help`` lists them; a new command adds its module here
COMMANDS = (check, print_cmd, run, diff, archs, peak, roofline, report, sweep, tune, model)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="k1sim", description="Cycle-approximate simulator for the "
                                "SpacemiT K1/K3 matrix engines.")
    p.add_argument("--version", action="version", version=f"k1sim {k1sim.__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return p


def main(argv=None) -> int:
    from k1sim.errors import K1SimError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return ExitCode.INPUT
    try:
        return args.run(args)
    except K1SimError as e:
        print(str(e), file=sys.stderr)
        return ExitCode.INPUT
    except RecursionError:
        print("error: the input nests too deeply to read", file=sys.stderr)
        return ExitCode.INPUT
    except KeyboardInterrupt:
        # Ctrl-C outside a simulation (``run`` reports an interrupted one itself).
        print("k1sim: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader (``| head``) stopped reading: not an error of ours.
        sys.stderr.close()
        return ExitCode.OK
