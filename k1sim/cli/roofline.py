"""``k1sim roofline``: archs' rooflines with kernels on them, one chart per arch and, for
several archs, one chart with all of them.

Heavy modules (the simulator, matplotlib) load only when the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from k1sim.cli.exit_codes import ExitCode


def add_parser(sub) -> None:
    r = sub.add_parser("roofline", help="draw archs' rooflines with kernels on them",
                       description="Run kernels (timing only: the cycles are those of a full "
                       "run) on an arch and write roofline_<arch>.png, .svg and .md into "
                       "--out: compute ceilings per engine and dtype, memory ceilings for "
                       "DRAM, L2 and the scratchpad, and each kernel at its ops per DRAM "
                       "byte and per L2 byte. With several archs (--arch A,B, or saved runs "
                       "of several archs) it also writes roofline_<A>_<B>.png and .svg: one "
                       "roofline per arch on one chart, each kernel in its arch's colour. "
                       'The plots need the plot extra (pip install -e ".[plot]").')
    r.add_argument("--arch", help="arch ids or YAML paths, comma-separated, or 'all' "
                   "(default: the archs of the saved runs given)")
    r.add_argument("kernels", nargs="*", metavar="KERNEL",
                   help=".xsmt files or directories of them, run on every --arch; or saved "
                   "runs (.json, from k1sim run --json or k1sim report), drawn on the arch "
                   "they ran on (none: the ceilings alone)")
    r.add_argument("--out", default=".", metavar="DIR", help="output directory (default .)")
    r.set_defaults(run=run)


def run(args) -> int:
    from k1sim.errors import K1SimError
    from k1sim.report.roofline import (plot_roofline, plot_rooflines, roofline,
                                       roofline_table)

    files = _kernel_files(args.kernels)
    kernels = [(label, path) for label, path in files if path.suffix != ".json"]
    saved = [(label, path) for label, path in files if path.suffix == ".json"]
    archs, runs = _archs_and_saved_runs(args.arch, saved)
    _run_kernels(kernels, archs, runs)
    out = Path(args.out)
    named = [(name, roofline(arch, runs[name])) for name, arch in archs.items()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, data in named:
            (out / f"roofline_{name}.md").write_text(roofline_table(data))
    except OSError as e:
        raise K1SimError(f"cannot write into {out}: {e}") from None
    for name, data in named:
        stem = out / f"roofline_{name}"
        plot_roofline(data, stem.with_suffix(".png"), stem.with_suffix(".svg"))
        n = len(data.points)
        print(f"{name}: {n} kernel{'s' if n != 1 else ''} -> {stem}.png, {stem}.svg, "
              f"{stem}.md")
    if len(named) > 1:
        stem = out / ("roofline_" + "_".join(archs))
        plot_rooflines(named, stem.with_suffix(".png"), stem.with_suffix(".svg"))
        print(f"{', '.join(archs)} on one chart -> {stem}.png, {stem}.svg")
    return ExitCode.OK


def _archs_and_saved_runs(arch_text, saved) -> tuple[dict, dict]:
    """({name: Arch}, {name: {label: run}}): the --arch archs (named as ``k1sim report``
    names them: a shipped arch by its id, a YAML file by its stem), then those of the saved
    runs that are not among them, with every saved run under its own arch."""
    from k1sim.arch import ARCH_IDS, arch_path, load_arch
    from k1sim.errors import K1SimError
    from k1sim.report.roofline import read_run_json
    from k1sim.sweep.batch import resolve_archs

    if not arch_text and not saved:
        raise K1SimError("k1sim roofline: give --arch (ids or YAML paths, comma-separated) "
                         "or saved runs (.json from k1sim run --json)")
    archs = resolve_archs(arch_text) if arch_text else {}
    runs = {name: {} for name in archs}
    for label, path in saved:
        run = read_run_json(path)
        try:
            arch = load_arch(run.arch_spec, run.freq_mhz)
        except K1SimError as e:
            raise K1SimError(f"{path}: cannot load the arch it ran on: {e}") from None
        shipped = run.arch_spec.lower() in (a.lower() for a in ARCH_IDS)
        name = next((n for n, a in archs.items() if a == arch),
                    arch.arch_id if shipped else arch_path(run.arch_spec)[0].stem)
        if name in archs and archs[name] != arch:
            name = f"{name}@{arch.freq_mhz:g}MHz"
        archs.setdefault(name, arch)
        runs.setdefault(name, {})[label] = run
    return archs, runs


def _run_kernels(kernels, archs: dict, runs: dict) -> None:
    """Each kernel file timing-only on each arch, into ``runs``; one that cannot run on an
    arch is skipped with the reason. A file that does not parse or verify is an input
    error, not a skip: it can run nowhere."""
    from k1sim.errors import K1SimError
    from k1sim.ir.parser import parse_file
    from k1sim.simulator import Simulator

    modules = [(label, path, parse_file(str(path))) for label, path in kernels]
    for name, arch in archs.items():
        sim = Simulator(arch)
        for label, path, module in modules:
            try:
                runs[name][label] = sim.execute(module, timing_only=True)
            except K1SimError as e:
                print(f"{path}: skipped on {name}: {str(e).splitlines()[0]}",
                      file=sys.stderr)


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
        elif path.is_file() and path.suffix in (".xsmt", ".json"):
            found.append((path.stem, path))
        elif path.is_file():
            raise K1SimError(f"{item}: k1sim roofline draws .xsmt kernels (or directories of "
                             "them) and saved runs (.json of k1sim run --json); for a Python "
                             "kernel, k1sim run SCRIPT --arch ID --json RUN.json, then draw "
                             "RUN.json")
        else:
            raise K1SimError(f"{item}: no such kernel file or directory")
    seen, out = {}, []
    for label, path in found:
        seen[label] = seen.get(label, 0) + 1
        out.append((label if seen[label] == 1 else f"{label}#{seen[label]}", path))
    return out
