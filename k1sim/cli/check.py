"""``k1sim check``: parse and verify a .xsmt file and summarize its launch."""

from __future__ import annotations

import sys

from k1sim.cli.exit_codes import ExitCode


def add_parser(sub) -> None:
    c = sub.add_parser("check", help="parse and verify a .xsmt file and summarize it")
    c.add_argument("file", help="the .xsmt file")
    c.add_argument("--kernel", help="the function to use when the file has several public ones")
    c.set_defaults(run=run)


def run(args) -> int:
    from k1sim.errors import K1SimError
    from k1sim.ir import launch
    from k1sim.ir.parser import parse_file

    from k1sim.simulator import check_expects

    if args.file.endswith(".py"):
        raise K1SimError(f"{args.file}: k1sim check reads .xsmt files; run a Python kernel's "
                         "host script with k1sim run SCRIPT --arch ID (K1SIM_DUMP_PATH=DIR "
                         "writes each kernel it launches as .xsmt)")
    spec = launch.resolve_launch(parse_file(args.file), kernel=args.kernel)
    check_expects(spec)  # names and shapes, as a run checks them before it starts
    for w in spec.warnings:
        print(w, file=sys.stderr)
    print(f"{args.file}: ok")
    print(f"kernel   {spec.kernel}")
    print(f"arch     {spec.arch_id or '(none: give --arch when running)'}")
    print(f"threads  {spec.threads if spec.threads is not None else '(arch default)'}")
    print(f"grid     {' x '.join(map(str, spec.grid))}")
    print(f"args     {len(spec.args)}")
    for a in spec.args:
        print(f"  {a.describe()}")
    if spec.expects:
        print("expect")
        for e in spec.expects:
            print(f"  {e}")
    counts = launch.op_counts(spec.func)
    total = sum(counts.values())
    print(f"ops      {total}: " + ", ".join(f"{d} {n}" for d, n in counts.items()))
    return ExitCode.OK
