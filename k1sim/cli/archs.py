"""``k1sim archs``: the table of shipped archs, or one arch's assumed values.

Only pydantic and PyYAML load here (lazily, when the command runs): it stays instant.
"""

from __future__ import annotations

import textwrap

from k1sim.cli import arch_text as fmt
from k1sim.cli.exit_codes import ExitCode


def add_parser(sub) -> None:
    a = sub.add_parser("archs", help="list the archs, or one arch's assumed values",
                       description="Print a table of the shipped archs. With --assumptions, "
                       "list every value of one arch that is assumed rather than sourced, "
                       "with its reasoning.")
    a.add_argument("--assumptions", metavar="ARCH",
                   help="list the assumed values of ARCH (an id or a YAML path)")
    a.add_argument("--freq-mhz", type=float, metavar="F", help="clock override (MHz)")
    a.set_defaults(run=run)


def run(args) -> int:
    from k1sim.arch import ARCH_IDS, arch_path, load_arch

    if args.assumptions:
        arch = load_arch(args.assumptions, args.freq_mhz)
        _assumptions(arch, arch_path(args.assumptions)[1])
        return ExitCode.OK
    header = ("id", "name", "core", "SoC", "cores", "clock", "matrix", "VLEN", "L2/cluster",
              "scratchpad/core", "DRAM", "")
    rows = [header]
    for arch_id in ARCH_IDS:
        a = load_arch(arch_id, args.freq_mhz)
        rows.append((a.arch_id, a.name, a.core, a.soc,
                     f"{a.cores} ({a.clusters}x{a.cores_per_cluster})", f"{fmt.g(a.freq_mhz)} MHz",
                     fmt.matrix(a), str(a.rvv.vlen_bits), fmt.size(a.l2.size_kib_per_cluster),
                     fmt.size(a.scratchpad.size_kib), f"{fmt.g(a.dram.bw_gb_per_s)} GB/s",
                     "projected" if a.projected else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    clock = ("clock: overridden by --freq-mhz" if args.freq_mhz else
             "clock: the vendor's peak clock; K1 boards ship at 1600 MHz (--freq-mhz 1600)")
    print(f"\n{clock}. projected: no public numbers, every value assumed.")
    print("k1sim archs --assumptions ID lists an arch's assumed values; "
          "k1sim peak --arch ID its peaks.")
    return ExitCode.OK


def _assumptions(arch, shown: str) -> None:
    listed = [(path, kind, why) for path, (kind, why) in arch.provenance.items()
              if kind != "sourced"]
    print(f"{arch.arch_id} {arch.name} ({arch.core}, {arch.soc}), {shown}: "
          f"{len(listed)} of {len(arch.provenance)} values assumed")
    for path, kind, why in listed:
        note = "" if kind == "assumed" else f" ({kind})"
        print(f"  {path} = {fmt.value(arch.value_at(path))}{note}")
        print(textwrap.fill(why, width=96, initial_indent=" " * 6, subsequent_indent=" " * 6,
                            break_on_hyphens=False))
