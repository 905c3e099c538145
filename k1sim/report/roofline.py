"""The roofline of an arch and where kernels sit under it.

A roofline bounds a kernel's performance by ``min(compute peak, bandwidth x arithmetic
intensity)``. The compute ceilings are the arch's peaks per engine and dtype on all its
cores (a MAC is 2 ops); the memory ceilings are DRAM (the SoC peak, or what all cores can
keep in flight if less), L2 (per cluster x clusters) and the scratchpad (per core x cores).
Each kernel is a point at its achieved ops per second (every engine and dtype summed) and
its arithmetic intensity: ops per DRAM byte and ops per L2 byte (bytes *served* by that
level, ``RunResult.bytes_by_level``).

``roofline(arch, results)`` is pure (numbers only); ``roofline_table`` renders them as
Markdown; ``plot_roofline`` draws them with matplotlib (the optional ``plot`` extra),
``plot_rooflines`` draws several archs' rooflines on one chart, and
``single(result, arch, path)`` draws one run on its arch's roofline. ``read_run_json``
reads a saved run (``k1sim run --json``, ``k1sim report``'s ``results/``) as a point.

    >>> from k1sim import Simulator
    >>> from k1sim.report.roofline import roofline, roofline_table
    >>> r = Simulator("0xA03C").execute("kernels/gemm_i8.xsmt", timing_only=True)
    >>> data = roofline("0xA03C", {"gemm_i8": r})
    >>> data.points[0].intensity_dram          # ops per DRAM byte
    >>> print(roofline_table(data))
"""

from __future__ import annotations

from dataclasses import dataclass, field

from k1sim.cost.work import EngineDtype
from k1sim.errors import K1SimError
from k1sim.report.number_format import fmt

# Names of engines as people write them, and what a matrix engine accumulates in.
ENGINE_NAMES = {"ime": "IME", "ame": "AME", "rvv": "RVV"}
ACCUMULATES = {"f16": "f32", "bf16": "f32", "i8": "i32", "i4": "i32"}
INSTALL_PLOT = 'pip install -e ".[plot]"'


@dataclass(frozen=True)
class Ceiling:
    """A compute ceiling: ``engine`` ("ime", "ame", "rvv") on ``dtype`` at ``ops_per_s``."""

    engine: str
    dtype: str
    ops_per_s: float

    @property
    def key(self) -> EngineDtype:
        """The ``RunResult.ops`` key this ceiling bounds (prints as ``ime:i8``)."""
        return EngineDtype(self.engine, self.dtype)

    @property
    def label(self) -> str:
        name = ENGINE_NAMES.get(self.engine, self.engine.upper())
        if self.engine != "rvv" and self.dtype in ACCUMULATES:
            return f"{name} {self.dtype}\u2192{ACCUMULATES[self.dtype]}"
        return f"{name} {self.dtype}"


@dataclass(frozen=True)
class MemoryCeiling:
    """A bandwidth ceiling: ``level`` ("DRAM", "L2", "scratchpad") at ``bytes_per_s``;
    ``formula`` says how it was computed."""

    level: str
    bytes_per_s: float
    formula: str


@dataclass(frozen=True)
class Point:
    """One kernel run under the roofline. Intensities are None when the level served no
    bytes (or the run did no arithmetic); ``main_key`` is the engine:dtype with the most
    ops and ``main_peak`` that ceiling on the arch's cores (0 when the arch has none)."""

    label: str
    kernel: str
    threads: int
    cycles: int
    seconds: float
    ops: float
    ops_per_s: float
    dram_bytes: float
    l2_bytes: float
    main_key: EngineDtype | None
    main_peak: float

    @property
    def intensity_dram(self) -> float | None:
        return self.ops / self.dram_bytes if self.ops and self.dram_bytes else None

    @property
    def intensity_l2(self) -> float | None:
        return self.ops / self.l2_bytes if self.ops and self.l2_bytes else None

    def attainable(self, data: "RooflineData") -> float | None:
        """The roofline's bound for this point: its main compute ceiling, lowered by each
        memory level it has an intensity for."""
        if not self.main_peak:
            return None
        bound = self.main_peak
        for level, intensity in (("DRAM", self.intensity_dram), ("L2", self.intensity_l2)):
            bw = data.bandwidth(level)
            if intensity is not None and bw:
                bound = min(bound, bw * intensity)
        return bound


@dataclass(frozen=True)
class RooflineData:
    """Everything a roofline shows, for one arch."""

    arch_id: str
    title: str
    cores: int
    freq_mhz: float
    compute: list = field(default_factory=list)    # Ceiling, highest first
    memory: list = field(default_factory=list)     # MemoryCeiling, DRAM, L2, scratchpad
    points: list = field(default_factory=list)     # Point, in the order given

    def bandwidth(self, level: str) -> float:
        return next((m.bytes_per_s for m in self.memory if m.level == level), 0.0)

    def ceiling(self, engine: str, dtype: str) -> float:
        return next((c.ops_per_s for c in self.compute if c.key == (engine, dtype)), 0.0)


@dataclass(frozen=True)
class SavedRun:
    """What a roofline reads of a run saved as JSON (``docs/result.md``); ``arch_spec`` is
    what ``load_arch`` takes to rebuild the arch it ran on (at ``freq_mhz``)."""

    kernel: str
    arch: str
    arch_spec: str
    freq_mhz: float
    threads: int
    cycles: int
    seconds: float
    ops: dict                 # EngineDtype -> ops
    bytes_by_level: dict

    def main_engine(self) -> EngineDtype | None:
        """As ``RunResult.main_engine``: the most ops, ties by name."""
        return min(self.ops, key=lambda k: (-self.ops[k], k)) if self.ops else None


def read_run_json(path) -> SavedRun:
    """A run's JSON as a ``SavedRun``. Its arch is the shipped one of its id, or, when the
    run's arch differed from it in more than the clock (a what-if YAML), the file it was
    loaded from (``arch_info.source``)."""
    import json

    try:
        data = json.loads(open(path, encoding="utf-8").read())
    except (OSError, ValueError) as e:
        raise K1SimError(f"{path}: cannot read a run's JSON ({e})") from None
    need = ("kernel", "arch", "arch_info", "threads", "cycles", "freq_mhz", "seconds", "ops",
            "bytes_by_level")
    missing = [k for k in need if not isinstance(data, dict) or k not in data]
    if missing:
        raise K1SimError(f"{path}: not a k1sim run's JSON (k1sim run --json): no "
                         f"{', '.join(missing)}")
    info = data["arch_info"] or {}
    differs = info.get("differs_from_shipped")
    what_if = differs is None or any(k != "freq_mhz" for k in differs)
    return SavedRun(kernel=data["kernel"], arch=data["arch"],
                    arch_spec=info.get("source") if what_if else data["arch"],
                    freq_mhz=float(data["freq_mhz"]), threads=int(data["threads"]),
                    cycles=int(data["cycles"]), seconds=float(data["seconds"]),
                    ops={EngineDtype(*k.split(":", 1)): v for k, v in data["ops"].items()},
                    bytes_by_level=dict(data["bytes_by_level"]))


def compute_ceilings(arch) -> list[Ceiling]:
    """Peaks of every matrix tile dtype and every RVV FMA dtype, on all cores, highest
    first (ties keep the matrix engine first, then dtype order)."""
    out = []
    if arch.matrix.kind != "none":
        out += [Ceiling(arch.matrix.kind, d, arch.peak_ops_per_s(arch.matrix.kind, d))
                for d in arch.matrix.tiles]
    out += [Ceiling("rvv", d, arch.peak_ops_per_s("rvv", d))
            for d in arch.rvv.fma_flops_per_cycle if arch.peak_ops_per_cycle("rvv", d)]
    return sorted(out, key=lambda c: -c.ops_per_s)


def memory_ceilings(arch) -> list[MemoryCeiling]:
    hz = arch.freq_mhz * 1e6
    mhz = f"{arch.freq_mhz:g} MHz"
    cores = arch.cores
    peak = arch.dram.bw_gb_per_s * 1e9
    in_flight = arch.core_dram_bytes_per_cycle * hz * cores
    dram = min(peak, in_flight)
    why = (f"SoC peak {arch.dram.bw_gb_per_s:g} GB/s" if dram == peak else
           f"{cores} cores x {arch.core_dram_bytes_per_cycle:.3g} B/cycle in flight x {mhz}")
    l2 = arch.l2.bw_bytes_per_cycle_per_cluster
    out = [MemoryCeiling("DRAM", dram, why),
           MemoryCeiling("L2", l2 * arch.clusters * hz,
                         f"{l2:g} B/cycle per cluster x {arch.clusters} "
                         f"cluster{'s' if arch.clusters > 1 else ''} x {mhz}")]
    sp = arch.scratchpad
    if sp.size_kib and sp.bw_bytes_per_cycle:
        out.append(MemoryCeiling("scratchpad", sp.bw_bytes_per_cycle * cores * hz,
                                 f"{sp.bw_bytes_per_cycle:g} B/cycle per core x {cores} "
                                 f"cores x {mhz}"))
    return out


def roofline(arch, results=()) -> RooflineData:
    """The ceilings of ``arch`` (an id, a YAML path or an ``Arch``) and one point per run.

    ``results`` is a mapping of label -> ``RunResult`` or an iterable of them (labelled by
    kernel name, numbered when names repeat). Every run must be of this arch at its clock.
    """
    from k1sim.arch import load_arch

    arch = load_arch(arch)
    compute = compute_ceilings(arch)
    peaks = {c.key: c.ops_per_s for c in compute}
    points = []
    for label, r in _labelled(results):
        if r.arch != arch.arch_id or (r.freq_mhz and r.freq_mhz != arch.freq_mhz):
            raise K1SimError(f"roofline of {arch.arch_id} at {arch.freq_mhz:g} MHz: "
                             f"'{label}' ran on {r.arch} at {r.freq_mhz:g} MHz")
        ops = float(sum(r.ops.values()))
        key = r.main_engine()
        points.append(Point(
            label=label, kernel=r.kernel, threads=r.threads, cycles=int(r.cycles),
            seconds=r.seconds, ops=ops, ops_per_s=ops / r.seconds if r.seconds else 0.0,
            dram_bytes=float(r.bytes_by_level.get("DRAM", 0)),
            l2_bytes=float(r.bytes_by_level.get("L2", 0)),
            main_key=key, main_peak=peaks.get(key, 0.0)))
    title = (f"{arch.arch_id} {arch.name} ({arch.core}, {arch.soc}): {arch.cores} cores "
             f"({arch.clusters}x{arch.cores_per_cluster}) at {arch.freq_mhz:g} MHz")
    return RooflineData(arch.arch_id, title, arch.cores, arch.freq_mhz, compute,
                        memory_ceilings(arch), points)


def _labelled(results) -> list:
    if hasattr(results, "items"):
        return [(str(k), v) for k, v in results.items()]
    results = list(results)
    seen, out = {}, []
    for r in results:
        seen[r.kernel] = seen.get(r.kernel, 0) + 1
        n = seen[r.kernel]
        out.append((r.kernel if n == 1 else f"{r.kernel}#{n}", r))
    return out


# -- Markdown ---------------------------------------------------------------------------

def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header, rows) -> list[str]:
    return [_row(header), _row("---" for _ in header), *(_row(r) for r in rows)]


def roofline_table(data: RooflineData) -> str:
    """The roofline's numbers as Markdown: compute ceilings with their ridge points, memory
    ceilings with their formulas, and one row per kernel."""
    dram, l2 = data.bandwidth("DRAM"), data.bandwidth("L2")
    out = [f"# Roofline: {data.title}", "",
           "A MAC is 2 ops. Peaks are for all cores; a ridge is the intensity (ops/byte) "
           "at which a memory ceiling meets a compute ceiling.", "", "## Compute ceilings", ""]
    out += _table(("ceiling", "engine:dtype", "peak (GOP/s)", "ridge vs DRAM (ops/B)",
                   "ridge vs L2 (ops/B)"),
                  [(c.label, c.key, fmt(c.ops_per_s / 1e9), fmt(c.ops_per_s / dram),
                    fmt(c.ops_per_s / l2)) for c in data.compute])
    out += ["", "## Memory ceilings", ""]
    out += _table(("level", "bandwidth (GB/s)", "from"),
                  [(m.level, fmt(m.bytes_per_s / 1e9), m.formula) for m in data.memory])
    out += ["", "## Kernels", ""]
    if not data.points:
        return "\n".join(out + ["(none)", ""])
    rows = []
    for p in data.points:
        bound = p.attainable(data)
        rows.append((p.label, p.threads, p.cycles, fmt(p.ops), fmt(p.ops_per_s / 1e9),
                     fmt(p.dram_bytes), fmt(p.intensity_dram), fmt(p.l2_bytes),
                     fmt(p.intensity_l2), p.main_key or "-",
                     fmt(bound / 1e9) if bound else "-",
                     f"{100 * p.ops_per_s / bound:.1f}%" if bound else "-"))
    out += _table(("kernel", "threads", "cycles", "ops", "GOP/s", "DRAM bytes",
                   "ops/DRAM byte", "L2 bytes", "ops/L2 byte", "main engine:dtype",
                   "roofline bound (GOP/s)", "% of bound"), rows)
    out += ["", "GOP/s counts every engine and dtype of the run; the bound is the main "
            "engine:dtype's ceiling lowered by DRAM and L2 bandwidth x intensity. "
            "'-': no bytes at that level, or no arithmetic (not plotted)."]
    return "\n".join(out) + "\n"


# -- plots --------------------------------------------------------------------------------

def plot_roofline(data: RooflineData, path_png=None, path_svg=None) -> list:
    """Draw the roofline into a PNG and/or an SVG (the SVG is byte-for-byte reproducible).
    Returns the kernel and ceiling labels placed, as (text, (x0, y0, x1, y1)) in pixels of
    the PNG, for checking that none overlap. Needs matplotlib: the ``plot`` extra."""
    _need_matplotlib()
    from k1sim.report.roofline_plot import draw
    return draw(data, path_png, path_svg)


def plot_rooflines(named, path_png=None, path_svg=None) -> list:
    """Several archs' rooflines on one chart: ``named`` is [(name, RooflineData), ...],
    one roofline per arch in its own colour, each kernel in its arch's colour. Returns the
    placed labels, as ``plot_roofline`` does. Needs matplotlib: the ``plot`` extra."""
    _need_matplotlib()
    from k1sim.report.roofline_archs import draw_archs
    return draw_archs(named, path_png, path_svg)


def _need_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise K1SimError("drawing a roofline needs matplotlib, which is not installed; "
                         f"install the plot extra: {INSTALL_PLOT}") from None


def single(result, arch=None, path_png=None) -> RooflineData:
    """Draw one run on its arch's roofline (``k1sim run --roofline FILE.png``). ``arch``
    defaults to the run's arch at its clock; a path ending in ``.svg`` writes an SVG."""
    data = roofline(arch or result.used_arch(), [result])
    if path_png is not None:
        svg = str(path_png).lower().endswith(".svg")
        plot_roofline(data, None if svg else path_png, path_png if svg else None)
    return data


__all__ = ["Ceiling", "MemoryCeiling", "Point", "RooflineData", "SavedRun", "roofline",
           "roofline_table", "plot_roofline", "plot_rooflines", "read_run_json", "single",
           "compute_ceilings", "memory_ceilings", "fmt", "INSTALL_PLOT"]
