"""``k1sim roofline``: an arch's roofline with kernels on it.

Heavy modules (the simulator, matplotlib) load only when the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from k1sim.cli.exit_codes import ExitCode


def add_parser(sub) -> None:
    r = sub.add_parser("roofline", help="draw an arch's roofline with kernels on it",
                       description="Run kernels (timing only: the cycles are those of a full "
                       "run) on an arch and write roofline_<arch>.png, .svg and .md into "
                       "--out: compute ceilings per engine and dtype, memory ceilings for "
                       "DRAM, L2 and the scratchpad, and each kernel at its ops per DRAM "
                       "byte and per L2 byte. The plots need the plot extra "
                       '(pip install -e ".[plot]").')
    r.add_argument("--arch", required=True, help="arch id (0xA03C, ...) or YAML path")
    r.add_argument("kernels", nargs="*", metavar="KERNEL",
                   help=".xsmt files or directories of them (none: the ceilings alone)")
    r.add_argument("--out", default=".", metavar="DIR", help="output directory (default .)")
    r.set_defaults(run=run)


def run(args) -> int:
    from k1sim.arch import load_arch
    from k1sim.errors import K1SimError
    from k1sim.report.roofline import plot_roofline, roofline, roofline_table
    from k1sim.simulator import Simulator

    arch = load_arch(args.arch)
    sim = Simulator(arch)
    results = {}
    for label, path in _kernel_files(args.kernels):
        try:
            results[label] = sim.execute(path, timing_only=True)
        except K1SimError as e:
            print(f"{path}: skipped on {arch.arch_id}: {str(e).splitlines()[0]}",
                  file=sys.stderr)
    data = roofline(arch, results)
    out = Path(args.out)
    stem = out / f"roofline_{arch.arch_id}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        stem.with_suffix(".md").write_text(roofline_table(data))
    except OSError as e:
        raise K1SimError(f"cannot write into {out}: {e}") from None
    plot_roofline(data, stem.with_suffix(".png"), stem.with_suffix(".svg"))
    print(f"{arch.arch_id}: {len(results)} kernel{'s' if len(results) != 1 else ''} -> "
          f"{stem}.png, {stem}.svg, {stem}.md")
    return ExitCode.OK


def _kernel_files(items) -> list[tuple[str, Path]]:
    """(label, path) of every kernel named: files as given, directories searched; labels
    are file stems (paths under a directory), numbered when they repeat."""
    from k1sim.errors import K1SimError

    found = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found += [(p.relative_to(path).with_suffix("").as_posix(), p)
                      for p in sorted(path.rglob("*.xsmt"))]
        elif path.is_file():
            found.append((path.stem, path))
        else:
            raise K1SimError(f"{item}: no such kernel file or directory")
    seen, out = {}, []
    for label, path in found:
        seen[label] = seen.get(label, 0) + 1
        out.append((label if seen[label] == 1 else f"{label}#{seen[label]}", path))
    return out
