"""``k1sim roofline`` (an arch's roofline with kernels on it) and ``k1sim report`` (every
kernel of a directory on many archs, checked against the golden cycles and the expects).

Heavy modules (the simulator, matplotlib) load only when a command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED = 0, 1


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
    r.set_defaults(run=roofline_cmd)
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
    p.set_defaults(run=report_cmd)


def roofline_cmd(args) -> int:
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
    return EXIT_OK


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


def report_cmd(args) -> int:
    from k1sim.report.batch import run_report, write_report

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
    return EXIT_OK if rep.passed else EXIT_FAILED
