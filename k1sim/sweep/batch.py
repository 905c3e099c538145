"""Running every kernel of a directory on many archs, and checking them: ``k1sim report``.

Each kernel (``DIR/**/*.xsmt``) runs on each arch, a full functional run so its expects
are checked. A kernel that cannot run on an arch (more threads than cores, a storage the
arch lacks: any ``K1SimError`` before or during the run) is *unsupported* there, as in the
golden files, unless the arch is the kernel's own ``tt.arch_id``: that is a failure.

A run fails the report when its cycles (or its being unsupported) differ from the golden
file ``EXPECTED/<kernel>.json`` (``micro/x.xsmt`` -> ``micro__x.json``; kernels without a
golden file are not compared), or when an expect fails. Kernels named in
``EXPECTED/expected_failures.txt`` are the other way round: an expect must fail.

Everything written is reproducible: the same kernels, archs and golden files give the
same bytes in ``summary.md``, the roofline Markdown and SVG files and the JSON results.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from k1sim.errors import K1SimError
from k1sim.report.number_format import fmt
from k1sim.report.roofline import INSTALL_PLOT
from k1sim.report.tables import to_dict

XFAIL_FILE = "expected_failures.txt"
BOUND_RULE = ("`k1sim.report.bound`: the largest of the busiest compute unit's share, the "
              "memory ops' share (named by the busiest memory level) and the barrier-wait "
              "share of the time of the threads that ran.")


@dataclass
class Run:
    """One kernel on one arch: ``result`` or why it is ``unsupported``."""

    kernel: str          # path under DIR without the suffix: "micro/ime_i8_loop"
    arch: str
    result: object = None
    unsupported: str | None = None

    def golden_entry(self) -> dict:
        """This run as the golden files record it."""
        if self.result is None:
            return {"unsupported": self.unsupported}
        return {"cycles": int(self.result.cycles)}


@dataclass
class Report:
    """The runs of ``kernels`` x ``archs`` and every reason the report fails."""

    directory: Path
    expected: Path
    kernels: list
    archs: list                                     # names: "0xA03C", or a YAML file's stem
    machines: dict = field(default_factory=dict)    # name -> Arch
    runs: list = field(default_factory=list)
    xfail: set = field(default_factory=set)        # kernels whose expects must fail
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def kernel_name(path: Path, directory: Path) -> str:
    return path.relative_to(directory).with_suffix("").as_posix()


def golden_path(expected: Path, kernel: str) -> Path:
    return expected / (kernel.replace("/", "__") + ".json")


def resolve_archs(text: str) -> dict:
    """``all`` or comma-separated arch ids or YAML paths, as {name: Arch}. A shipped arch
    is named by its id, a YAML file by its stem (so golden files never match a what-if)."""
    from k1sim.arch import ARCH_IDS, arch_path, load_arch

    parts = ARCH_IDS if text.strip().lower() == "all" else [
        p.strip() for p in text.split(",") if p.strip()]
    archs = {}
    for part in parts:
        arch = load_arch(part)
        shipped = part.lower() in (a.lower() for a in ARCH_IDS)
        archs[arch.arch_id if shipped else arch_path(part)[0].stem] = arch
    if not archs:
        raise K1SimError(f"--archs {text!r}: give 'all' or arch ids separated by commas")
    return archs


def expected_failures(expected: Path) -> set[str]:
    """Kernels (paths under DIR, with the ``.xsmt``) whose expects must fail."""
    path = expected / XFAIL_FILE
    if not path.exists():
        return set()
    names = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return {n for n in names if n}


def run_report(directory, archs="all", expected=None, progress=None) -> Report:
    """Run and check every kernel under ``directory`` on ``archs`` (see the module doc);
    ``progress`` (a file, such as ``sys.stderr``) gets one line per kernel and arch."""
    from k1sim.ir.launch import resolve_launch
    from k1sim.ir.parser import parse_file
    from k1sim.simulator import RunOptions, Simulator

    directory = Path(directory)
    if not directory.is_dir():
        raise K1SimError(f"{directory}: not a directory of .xsmt kernels")
    paths = sorted(directory.rglob("*.xsmt"))
    if not paths:
        raise K1SimError(f"{directory}: no .xsmt kernels under it")
    expected = Path(expected) if expected is not None else directory / "expected"
    machines = resolve_archs(archs)
    rep = Report(directory, expected, [kernel_name(p, directory) for p in paths],
                 list(machines), machines)
    total, done = len(paths) * len(machines), 0
    for path, kernel in zip(paths, rep.kernels):
        try:
            module = parse_file(str(path))
        except K1SimError as e:
            rep.problems.append(f"{kernel}: does not parse: {str(e).splitlines()[0]}")
            done += len(machines)
            continue
        try:    # one launch spec, run on every arch
            spec = resolve_launch(module)
        except K1SimError as e:
            rep.problems.append(f"{kernel}: has no valid launch: {str(e).splitlines()[0]}")
            done += len(machines)
            continue
        own = str(spec.arch_id).lower()
        for arch in machines:
            done += 1
            start = time.perf_counter()
            run = Run(kernel, arch)
            try:
                run.result = Simulator(machines[arch]).launch(spec, RunOptions())
            except K1SimError as e:
                run.unsupported = str(e).splitlines()[0]
                if arch.lower() == own:
                    rep.problems.append(f"{kernel} cannot run on its own arch {arch}: "
                                        f"{run.unsupported}")
            rep.runs.append(run)
            if progress is not None:
                took = time.perf_counter() - start
                print(f"[{done:>{len(str(total))}}/{total}] {kernel} @ {arch}: "
                      f"{_progress_state(run)} ({took:.2f} s)", file=progress, flush=True)
    _check_golden(rep)
    _check_expects(rep)
    return rep


def _progress_state(run: Run) -> str:
    if run.result is None:
        return "unsupported"
    return f"{run.result.cycles} cycles, expects {_expect_state(run.result)}"


def _expect_state(result) -> str:
    if not result.expects:
        return "none"
    failed = sum(1 for e in result.expects if not e.passed)
    return f"{len(result.expects) - failed}/{len(result.expects)} passed"


def _check_golden(rep: Report) -> None:
    for kernel in rep.kernels:
        path = golden_path(rep.expected, kernel)
        if not path.exists():
            rep.notes.append(f"{kernel}: no golden file ({path.name}); cycles not compared")
            continue
        try:
            golden = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            rep.problems.append(f"{kernel}: cannot read {path}: {e}")
            continue
        for run in (r for r in rep.runs if r.kernel == kernel and r.arch in golden):
            got, want = run.golden_entry(), golden[run.arch]
            if got != want:
                rep.problems.append(f"{kernel} @ {run.arch}: {_entry(got)}, golden "
                                    f"{_entry(want)} ({path})")


def _entry(entry: dict) -> str:
    if "cycles" in entry:
        return f"{entry['cycles']} cycles"
    return f"unsupported ({entry.get('unsupported')})"


def _check_expects(rep: Report) -> None:
    names = expected_failures(rep.expected)
    rep.xfail = {k for k in rep.kernels if f"{k}.xsmt" in names}
    for run in (r for r in rep.runs if r.result is not None):
        failed = [e for e in run.result.expects if not e.passed]
        if run.kernel in rep.xfail and not failed:
            rep.problems.append(f"{run.kernel} @ {run.arch}: expected to fail "
                                f"({XFAIL_FILE}), but its expects passed")
        elif run.kernel not in rep.xfail:
            rep.problems += [f"{run.kernel} @ {run.arch}: expect {e.text} failed: {e.message}"
                             for e in failed]


# -- writing ---------------------------------------------------------------------------

def write_report(rep: Report, out, progress=None) -> list[Path]:
    """Write summary.md, roofline_<arch>.{md,png,svg} and results/<kernel>__<arch>.json;
    return the paths written. Without matplotlib the plots are left out, with a note."""
    from k1sim.report.roofline import plot_roofline, roofline, roofline_table

    out = Path(out)
    written = []
    try:
        (out / "results").mkdir(parents=True, exist_ok=True)
        for run in rep.runs:
            if run.result is not None:
                path = out / "results" / f"{run.kernel.replace('/', '__')}__{run.arch}.json"
                path.write_text(json.dumps(to_dict(run.result), indent=1) + "\n")
                written.append(path)
        for arch in rep.archs:
            data = roofline(rep.machines[arch], {r.kernel: r.result for r in rep.runs
                                                 if r.arch == arch and r.result is not None})
            path = out / f"roofline_{arch}.md"
            path.write_text(roofline_table(data))
            written.append(path)
            try:
                png, svg = out / f"roofline_{arch}.png", out / f"roofline_{arch}.svg"
                plot_roofline(data, png, svg)
                written += [png, svg]
            except K1SimError as e:
                if progress is not None:
                    print(f"roofline plots skipped: {e}", file=progress)
                rep.notes.append(f"roofline plots skipped: matplotlib is not installed "
                                 f"({INSTALL_PLOT})")
        path = out / "summary.md"
        path.write_text(summary_markdown(rep))
        written.append(path)
    except OSError as e:
        raise K1SimError(f"cannot write the report into {out}: {e}") from None
    return written


def summary_markdown(rep: Report) -> str:
    """The report as Markdown: the verdict and its reasons, cycles per kernel x arch, then
    one row per run with its % of peak and bound."""
    verdict = "PASS" if rep.passed else f"FAIL ({len(rep.problems)} problems)"
    out = ["# k1sim report", "",
           f"{len(rep.kernels)} kernels under `{rep.directory.as_posix()}` on "
           f"{', '.join(rep.archs)}; golden cycles from `{rep.expected.as_posix()}`.", "",
           f"**{verdict}**", ""]
    if rep.problems:
        out += ["## Problems", "", *(f"- {p}" for p in rep.problems), ""]
    by_key = {(r.kernel, r.arch): r for r in rep.runs}
    out += ["## Cycles", "", _row(("kernel", *rep.archs)), _row(["---"] * (1 + len(rep.archs)))]
    for kernel in rep.kernels:
        cells = []
        for arch in rep.archs:
            run = by_key.get((kernel, arch))
            cells.append("-" if run is None else "unsupported" if run.result is None
                         else str(run.result.cycles))
        out.append(_row((kernel, *cells)))
    out += ["", "## Runs", "",
            _row(("kernel", "arch", "cycles", "time (us)", "main engine:dtype", "% of peak",
                  "bound", "expects")),
            _row(["---"] * 8)]
    for run in rep.runs:
        r = run.result
        if r is None:
            out.append(_row((run.kernel, run.arch, "-", "-", "-", "-", "unsupported", "-")))
            continue
        key = r.main_engine()
        pct = r.pct_of_peak().get(key)
        expects = _expect_state(r) + (" (must fail)" if run.kernel in rep.xfail else "")
        out.append(_row((run.kernel, run.arch, r.cycles, fmt(r.seconds * 1e6), key or "-",
                         "-" if pct is None else f"{pct:.1f}%", bound_of(r), expects)))
    out += ["", "% of peak: the achieved ops/s of the engine:dtype that did the most ops, "
            "against the arch's peak for it on the threads the run used. Bound: "
            + BOUND_RULE, ""]
    unsupported = [r for r in rep.runs if r.result is None]
    if unsupported:
        out += ["## Unsupported", "", *(f"- {r.kernel} @ {r.arch}: {r.unsupported}"
                                        for r in unsupported), ""]
    if rep.notes:
        out += ["## Notes", "", *(f"- {n}" for n in rep.notes), ""]
    return "\n".join(out)


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def bound_of(result) -> str:
    from k1sim.report.bound import classify
    return classify(result).kind
