"""The ``k1sim`` command line: a thin shell over the public API.

Exit codes: 0 success, 1 a check failed, 2 input error, 3 runtime fault.
Errors a user can cause print a diagnostic and never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from k1sim import cli_arch, cli_report, cli_run

EXIT_OK, EXIT_INPUT = 0, 2


def _cmd_check(args) -> int:
    from k1sim.ir import launch
    from k1sim.ir.parser import parse_file

    module = parse_file(args.file)
    func = launch.select_kernel(module, args.kernel)
    kargs = launch.kernel_args(func)
    grid = launch.launch_grid(module)
    for w in module.warnings:
        print(w, file=sys.stderr)
    print(f"{args.file}: ok")
    print(f"kernel   {func.prop('sym_name')}")
    arch = module.attr("tt.arch_id")
    threads = module.attr("tt.num_threads")
    print(f"arch     {arch or '(none: give --arch when running)'}")
    print(f"threads  {threads if threads is not None else '(arch default)'}")
    print(f"grid     {' x '.join(map(str, grid))}")
    print(f"args     {len(kargs)}")
    for a in kargs:
        print(f"  {a.describe()}")
    expects = module.attr("k1sim.expect") or ()
    if expects:
        print("expect")
        for e in expects:
            print(f"  {e}")
    counts = launch.op_counts(func)
    total = sum(counts.values())
    print(f"ops      {total}: " + ", ".join(f"{d} {n}" for d, n in counts.items()))
    return EXIT_OK


def _cmd_print(args) -> int:
    from k1sim.ir.parser import parse_file

    sys.stdout.write(parse_file(args.file).to_text(generic=args.generic))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="k1sim", description="Cycle-approximate simulator for the "
                                "SpacemiT K1/K3 matrix engines.")
    p.add_argument("--version", action="version", version="k1sim 0.1.0")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    c = sub.add_parser("check", help="parse and verify a .xsmt file and summarize it")
    c.add_argument("file", help="the .xsmt file")
    c.add_argument("--kernel", help="the function to use when the file has several public ones")
    c.set_defaults(run=_cmd_check)
    pr = sub.add_parser("print", help="parse a .xsmt file and print it back")
    pr.add_argument("file", help="the .xsmt file")
    pr.add_argument("--generic", action="store_true", help="print MLIR's generic form")
    pr.set_defaults(run=_cmd_print)
    cli_run.add_parser(sub)
    cli_arch.add_parser(sub)
    cli_report.add_parser(sub)
    return p


def main(argv=None) -> int:
    from k1sim.errors import K1SimError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_INPUT
    try:
        return args.run(args)
    except K1SimError as e:
        print(str(e), file=sys.stderr)
        return EXIT_INPUT
    except RecursionError:
        print("error: the input nests too deeply to read", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        # The reader (``| head``) stopped reading: not an error of ours.
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
