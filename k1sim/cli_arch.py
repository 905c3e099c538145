"""``k1sim archs`` (the arch table, or one arch's assumptions) and ``k1sim peak`` (compute
peaks and bandwidths with the formula behind each number).

Only pydantic and PyYAML load here (lazily, per command): these commands stay instant.
"""

from __future__ import annotations

import textwrap
from math import ceil

EXIT_OK = 0


def add_parser(sub) -> None:
    a = sub.add_parser("archs", help="list the archs, or one arch's assumed values",
                       description="Print a table of the shipped archs. With --assumptions, "
                       "list every value of one arch that is assumed rather than sourced, "
                       "with its reasoning.")
    a.add_argument("--assumptions", metavar="ARCH",
                   help="list the assumed values of ARCH (an id or a YAML path)")
    a.add_argument("--freq-mhz", type=float, metavar="F", help="clock override (MHz)")
    a.set_defaults(run=archs)
    p = sub.add_parser("peak", help="compute peaks and bandwidths of an arch, with formulas",
                       description="Print an arch's compute peak per engine and dtype and its "
                       "bandwidth per memory level, each with the formula behind it.")
    p.add_argument("--arch", required=True, help="arch id (0xA03C, ...) or YAML path")
    p.add_argument("--dtype", help="only this dtype (f32, f16, bf16, i8, i4)")
    p.add_argument("--cores", type=int, metavar="N", help="cores to count (default: all)")
    p.add_argument("--freq-mhz", type=float, metavar="F", help="clock override (MHz)")
    p.set_defaults(run=peak)


# -- number formatting ----------------------------------------------------------------------

def _g(x) -> str:
    """An input value as written (2000, 10.66, 0.4578)."""
    return f"{x:g}"


def _sig(x: float) -> str:
    """A computed value to 3 significant digits (2.05, 128, 1024)."""
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _size(kib: int) -> str:
    if not kib:
        return "-"
    return f"{kib // 1024} MiB" if kib % 1024 == 0 else f"{kib} KiB"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _tile(t) -> str:
    return f"{t.m}x{t.k}x{t.n}"


def _value(v) -> str:
    if hasattr(v, "m") and hasattr(v, "k"):
        return _tile(v)
    if isinstance(v, tuple):
        return "(" + ", ".join(map(str, v)) + ")"
    if isinstance(v, float):
        return _g(v)
    return str(v)


def _ops_per_s(x: float, dtype: str) -> tuple[str, float, str]:
    """("2.05 TOPS", scale, unit): per-core figures reuse the unit of the total."""
    kind = "OPS" if dtype.startswith("i") else "FLOPS"
    scale, prefix = (1e12, "T") if x >= 1e12 else (1e9, "G")
    return f"{_sig(x / scale)} {prefix}{kind}", scale, prefix + kind


def _matrix(arch) -> str:
    m = arch.matrix
    if m.kind == "none":
        return "none"
    return f"{m.kind.upper()} " + ", ".join(f"{d} {_tile(t)}" for d, t in m.tiles.items())


# -- k1sim archs ----------------------------------------------------------------------------

def archs(args) -> int:
    from k1sim.arch import ARCH_IDS, arch_path, load_arch

    if args.assumptions:
        arch = load_arch(args.assumptions, args.freq_mhz)
        _assumptions(arch, arch_path(args.assumptions)[1])
        return EXIT_OK
    header = ("id", "name", "core", "SoC", "cores", "clock", "matrix", "VLEN", "L2/cluster",
              "scratchpad/core", "DRAM", "")
    rows = [header]
    for arch_id in ARCH_IDS:
        a = load_arch(arch_id, args.freq_mhz)
        rows.append((a.arch_id, a.name, a.core, a.soc,
                     f"{a.cores} ({a.clusters}x{a.cores_per_cluster})", f"{_g(a.freq_mhz)} MHz",
                     _matrix(a), str(a.rvv.vlen_bits), _size(a.l2.size_kib_per_cluster),
                     _size(a.scratchpad.size_kib), f"{_g(a.dram.bw_gb_per_s)} GB/s",
                     "projected" if a.projected else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    clock = ("clock: overridden by --freq-mhz" if args.freq_mhz else
             "clock: the vendor's peak clock; K1 boards ship at 1600 MHz (--freq-mhz 1600)")
    print(f"\n{clock}. projected: no public numbers, every value assumed.")
    print("k1sim archs --assumptions ID lists an arch's assumed values; "
          "k1sim peak --arch ID its peaks.")
    return EXIT_OK


def _assumptions(arch, shown: str) -> None:
    listed = [(path, kind, why) for path, (kind, why) in arch.provenance.items()
              if kind != "sourced"]
    print(f"{arch.arch_id} {arch.name} ({arch.core}, {arch.soc}), {shown}: "
          f"{len(listed)} of {len(arch.provenance)} values assumed")
    for path, kind, why in listed:
        note = "" if kind == "assumed" else f" ({kind})"
        print(f"  {path} = {_value(arch.value_at(path))}{note}")
        print(textwrap.fill(why, width=96, initial_indent=" " * 6, subsequent_indent=" " * 6,
                            break_on_hyphens=False))


# -- k1sim peak -----------------------------------------------------------------------------

def peak(args) -> int:
    from k1sim.arch import load_arch
    from k1sim.arch_schema import DTYPES, ArchError

    arch = load_arch(args.arch, args.freq_mhz)
    cores = arch.check_cores(args.cores)
    if args.dtype is not None and args.dtype not in DTYPES:
        raise ArchError(f"--dtype {args.dtype}: unknown dtype; dtypes: {', '.join(DTYPES)}")
    dtypes = [args.dtype] if args.dtype else list(DTYPES)
    where = " (overridden)" if arch.provenance.get("freq_mhz", ("",))[0] == "overridden" else ""
    print(f"{arch.arch_id} {arch.name} ({arch.core}, {arch.soc}): {cores} of {arch.cores} "
          f"cores at {_g(arch.freq_mhz)} MHz{where}"
          + (" [projected: every value assumed]" if arch.projected else ""))
    print("compute (a MAC is 2 ops)")
    for line in _matrix_lines(arch, dtypes, cores) + _rvv_lines(arch, dtypes, cores):
        print(f"  {line}")
    print("bandwidth")
    for line in _bandwidth_lines(arch, cores):
        print(f"  {line}")
    return EXIT_OK


def _per_core(total: float, cores: int, dtype: str) -> str:
    text, scale, unit = _ops_per_s(total, dtype)
    return text + (f" ({_sig(total / cores / scale)} {unit} per core)" if cores > 1 else "")


def _matrix_lines(arch, dtypes, cores) -> list[str]:
    m = arch.matrix
    if m.kind == "none":
        return ["matrix: none on this arch (mmt4d runs on RVV)"]
    name, out = m.kind.upper(), []
    for dtype in dtypes:
        tile = m.tiles.get(dtype)
        if tile is None:
            if len(dtypes) == 1:
                out.append(f"{name} {dtype}: no {dtype} tile (tiles: {', '.join(m.tiles)}); "
                           "mmt4d runs on RVV")
            continue
        total = arch.peak_ops_per_s(m.kind, dtype, cores)
        out.append(f"{name} {dtype}: 2 x {_tile(tile)} MACs x {_g(m.instructions_per_cycle)} "
                   f"instr/cycle x {_g(arch.freq_mhz)} MHz x {_n(cores, 'core')} = "
                   + _per_core(total, cores, dtype))
    return out


def _rvv_lines(arch, dtypes, cores) -> list[str]:
    rates, out = arch.rvv.fma_flops_per_cycle, []
    for dtype in dtypes:
        if dtype not in rates:
            if len(dtypes) == 1:
                out.append(f"RVV {dtype}: no vector rate (RVV has no {dtype} arithmetic)")
            continue
        rate = rates[dtype]
        unit, lanes = ("ops", "MAC") if dtype.startswith("i") else ("FLOP", "FMA")
        total = arch.peak_ops_per_s("rvv", dtype, cores)
        out.append(f"RVV {dtype}: {_g(rate)} {unit}/cycle ({_g(rate / 2)} {lanes} lanes x 2) x "
                   f"{_g(arch.freq_mhz)} MHz x {_n(cores, 'core')} = "
                   + _per_core(total, cores, dtype))
    return out


def _gb_per_s(arch, bytes_per_cycle: float) -> float:
    return bytes_per_cycle * arch.freq_mhz / 1000.0


def _bandwidth_lines(arch, cores) -> list[str]:
    mhz = f"{_g(arch.freq_mhz)} MHz"
    l1 = _gb_per_s(arch, arch.l1.bw_bytes_per_cycle)
    out = [f"L1: {_g(arch.l1.bw_bytes_per_cycle)} B/cycle x {mhz} = {_sig(l1)} GB/s per core; "
           f"x {_n(cores, 'core')} = {_sig(l1 * cores)} GB/s"]
    clusters = ceil(cores / arch.cores_per_cluster)
    sharing = min(cores, arch.cores_per_cluster)
    l2 = _gb_per_s(arch, arch.l2.bw_bytes_per_cycle_per_cluster)
    shared = f" ({sharing} cores share a cluster: {_sig(l2 / sharing)} GB/s each)"
    out.append(f"L2: {_g(arch.l2.bw_bytes_per_cycle_per_cluster)} B/cycle per cluster x {mhz} "
               f"= {_sig(l2)} GB/s per cluster; x {_n(clusters, 'cluster')} = "
               f"{_sig(l2 * clusters)} GB/s" + (shared if sharing > 1 else ""))
    sp = arch.scratchpad
    if sp.size_kib:
        spad = _gb_per_s(arch, sp.bw_bytes_per_cycle)
        out.append(f"scratchpad: {_g(sp.bw_bytes_per_cycle)} B/cycle x {mhz} = {_sig(spad)} GB/s "
                   f"per core; x {_n(cores, 'core')} = {_sig(spad * cores)} GB/s")
    else:
        out.append("scratchpad: none ('l2' allocations take a share of L2)")
    mlp = arch.outstanding_misses * arch.l1.line_bytes / arch.dram_latency_cycles
    core = _gb_per_s(arch, arch.core_dram_bytes_per_cycle)
    peak = arch.dram.bw_gb_per_s
    capped = " (capped by the peak)" if mlp > arch.dram_bytes_per_cycle else ""
    out.append(f"DRAM per core: {arch.outstanding_misses} misses x {arch.l1.line_bytes} B / "
               f"({_g(arch.dram.latency_ns)} ns x {mhz} = {_sig(arch.dram_latency_cycles)} "
               f"cycles) = {_sig(mlp)} B/cycle = {_sig(_gb_per_s(arch, mlp))} GB/s{capped}")
    total = _g(peak) if core * cores >= peak else _sig(core * cores)
    out.append(f"DRAM total: min({_n(cores, 'core')} x {_sig(core)} GB/s, {_g(peak)} GB/s peak = "
               f"{_sig(arch.dram_bytes_per_cycle)} B/cycle) = {total} GB/s")
    return out
