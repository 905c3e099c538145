"""``k1sim diff KERNEL.py DUMP.xsmt``: the differential check of a Python kernel against
a compiler dump of the same specialization (``k1sim.frontend.diff``).

Both run on the dump's launch metadata (its ``k1sim.shape`` / ``k1sim.init`` inputs,
seeded by ``--seed``, its scalar values and grid); ``-D NAME=VALUE`` gives the Python
kernel's constexprs and ``--arg NAME=VALUE`` the runtime parameters the dump has no
argument for. Exit 0 when every pointer argument agrees, 1 when one differs.
"""

from __future__ import annotations

import ast

from k1sim.cli.exit_codes import ExitCode


def add_parser(sub) -> None:
    p = sub.add_parser(
        "diff", help="run a Python kernel and a compiler dump of it on the same inputs and "
        "report every output that differs",
        description="Run KERNEL.py's jit function through the front end and DUMP.xsmt "
        "through the .xsmt path on the dump's inputs, and report each pointer argument "
        "whose contents differ afterwards (the count, the first index, both values).")
    p.add_argument("python", metavar="KERNEL.py", help="the Python kernel file")
    p.add_argument("dump", metavar="DUMP.xsmt", help="the compiler's dump of it")
    p.add_argument("--kernel", help="the jit function in KERNEL.py (default: the one named "
                   "like the dump's kernel, or the only one)")
    p.add_argument("--dump-kernel", help="the function of DUMP.xsmt when it has several")
    p.add_argument("-D", "--constexpr", action="append", default=[], metavar="NAME=VALUE",
                   help="a constexpr of the Python kernel (repeatable)")
    p.add_argument("--arg", action="append", default=[], metavar="NAME=VALUE",
                   help="a runtime parameter the dump has no argument for, such as a unit "
                   "stride Triton specialized away, or a scalar to override (repeatable)")
    p.add_argument("--arch", help="the arch to run both on (default: the dump's tt.arch_id)")
    p.add_argument("--threads", type=int, help="threads of the stream")
    p.add_argument("--grid", help="the launch grid X[,Y[,Z]] (default: the dump's k1sim.grid)")
    p.add_argument("--seed", type=int, default=0, help="seed of the inputs (default 0)")
    p.add_argument("--rtol", type=float, help="relative tolerance (default: one rounding of "
                   "each output's element type; 0 with --atol 0 asks for equality)")
    p.add_argument("--atol", type=float, help="absolute tolerance")
    p.set_defaults(run=run)


def _assignments(items, flag: str) -> dict:
    from k1sim.errors import K1SimError

    out = {}
    for item in items:
        name, sep, text = item.partition("=")
        try:
            if not sep or not name.isidentifier():
                raise ValueError
            out[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise K1SimError(f"{flag} {item}: expected NAME=VALUE with a Python number, "
                             "bool or string as the value") from None
    return out


def _grid(text):
    from k1sim.errors import K1SimError

    try:
        return tuple(int(g) for g in text.split(","))
    except ValueError:
        raise K1SimError(f"--grid {text}: expected X[,Y[,Z]] positive integers") from None


def run(args) -> int:
    from k1sim import frontend
    from k1sim.frontend.diff import diff_with_dump_inputs, pick_kernel
    from k1sim.ir import launch
    from k1sim.ir.parser import parse_file

    constexprs = _assignments(args.constexpr, "-D")
    values = _assignments(args.arg, "--arg")
    module = parse_file(args.dump)
    dump_name = launch.select_kernel(module, args.dump_kernel).prop("sym_name")
    kernel = pick_kernel(frontend.load(args.python), args.python, args.kernel, dump_name)
    report = diff_with_dump_inputs(
        kernel, module, constexprs, values, seed=args.seed, arch=args.arch,
        threads=args.threads, grid=_grid(args.grid) if args.grid else None, rtol=args.rtol,
        atol=args.atol, dump_kernel=args.dump_kernel)
    print(report.text())
    return ExitCode.OK if report.agree else ExitCode.CHECK_FAILED
