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
    return ExitCode.OK
