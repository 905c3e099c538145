"""``k1sim peak``: an arch's compute peaks and bandwidths, with the formula behind each.

Only pydantic and PyYAML load here (lazily, when the command runs): it stays instant.
"""

from __future__ import annotations

from math import ceil

from k1sim.cli import arch_text as fmt
from k1sim.cli.exit_codes import ExitCode


def add_parser(sub) -> None:
    p = sub.add_parser("peak", help="compute peaks and bandwidths of an arch, with formulas",
                       description="Print an arch's compute peak per engine and dtype and its "
                       "bandwidth per memory level, each with the formula behind it.")
    p.add_argument("--arch", required=True, help="arch id (0xA03C, ...) or YAML path")
    p.add_argument("--dtype", help="only this dtype (f32, f16, bf16, i8, i4)")
    p.add_argument("--cores", type=int, metavar="N", help="cores to count (default: all)")
    p.add_argument("--freq-mhz", type=float, metavar="F", help="clock override (MHz)")
    p.set_defaults(run=run)


def run(args) -> int:
    from k1sim.arch import load_arch
    from k1sim.arch_schema import DTYPES, ArchError

    arch = load_arch(args.arch, args.freq_mhz)
    cores = arch.check_cores(args.cores)
    if args.dtype is not None and args.dtype not in DTYPES:
        raise ArchError(f"--dtype {args.dtype}: unknown dtype; dtypes: {', '.join(DTYPES)}")
    dtypes = [args.dtype] if args.dtype else list(DTYPES)
    where = " (overridden)" if arch.provenance.get("freq_mhz", ("",))[0] == "overridden" else ""
    print(f"{arch.arch_id} {arch.name} ({arch.core}, {arch.soc}): {cores} of {arch.cores} "
          f"cores at {fmt.g(arch.freq_mhz)} MHz{where}"
          + (" [projected: every value assumed]" if arch.projected else ""))
    print("compute (a MAC is 2 ops)")
    for line in _matrix_lines(arch, dtypes, cores) + _rvv_lines(arch, dtypes, cores):
        print(f"  {line}")
    print("bandwidth")
    for line in _bandwidth_lines(arch, cores):
        print(f"  {line}")
    return ExitCode.OK


def _per_core(total: float, cores: int, dtype: str) -> str:
    text, scale, unit = fmt.ops_per_s(total, dtype)
    return text + (f" ({fmt.sig(total / cores / scale)} {unit} per core)" if cores > 1 else "")


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
        out.append(f"{name} {dtype}: 2 x {fmt.tile(tile)} MACs x "
                   f"{fmt.g(m.instructions_per_cycle)} instr/cycle x {fmt.g(arch.freq_mhz)} MHz x "
                   f"{fmt.plural(cores, 'core')} = "
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
        out.append(f"RVV {dtype}: {fmt.g(rate)} {unit}/cycle "
                   f"({fmt.g(rate / 2)} {lanes} lanes x 2) x {fmt.g(arch.freq_mhz)} MHz x "
                   f"{fmt.plural(cores, 'core')} = "
                   + _per_core(total, cores, dtype))
    return out


def _gb_per_s(arch, bytes_per_cycle: float) -> float:
    return bytes_per_cycle * arch.freq_mhz / 1000.0


def _bandwidth_lines(arch, cores) -> list[str]:
    mhz = f"{fmt.g(arch.freq_mhz)} MHz"
    l1 = _gb_per_s(arch, arch.l1.bw_bytes_per_cycle)
    out = [f"L1: {fmt.g(arch.l1.bw_bytes_per_cycle)} B/cycle x {mhz} = {fmt.sig(l1)} GB/s "
           f"per core; x {fmt.plural(cores, 'core')} = {fmt.sig(l1 * cores)} GB/s"]
    clusters = ceil(cores / arch.cores_per_cluster)
    sharing = min(cores, arch.cores_per_cluster)
    l2 = _gb_per_s(arch, arch.l2.bw_bytes_per_cycle_per_cluster)
    shared = f" ({sharing} cores share a cluster: {fmt.sig(l2 / sharing)} GB/s each)"
    out.append(f"L2: {fmt.g(arch.l2.bw_bytes_per_cycle_per_cluster)} B/cycle per cluster x {mhz} "
               f"= {fmt.sig(l2)} GB/s per cluster; x {fmt.plural(clusters, 'cluster')} = "
               f"{fmt.sig(l2 * clusters)} GB/s" + (shared if sharing > 1 else ""))
    sp = arch.scratchpad
    if sp.size_kib:
        spad = _gb_per_s(arch, sp.bw_bytes_per_cycle)
        out.append(f"scratchpad: {fmt.g(sp.bw_bytes_per_cycle)} B/cycle x {mhz} = "
                   f"{fmt.sig(spad)} GB/s per core; x {fmt.plural(cores, 'core')} = "
                   f"{fmt.sig(spad * cores)} GB/s")
    else:
        out.append("scratchpad: none ('l2' allocations take a share of L2)")
    mlp = arch.outstanding_misses * arch.l1.line_bytes / arch.dram_latency_cycles
    core = _gb_per_s(arch, arch.core_dram_bytes_per_cycle)
    peak = arch.dram.bw_gb_per_s
    capped = " (capped by the peak)" if mlp > arch.dram_bytes_per_cycle else ""
    out.append(f"DRAM per core: {arch.outstanding_misses} misses x {arch.l1.line_bytes} B / "
               f"({fmt.g(arch.dram.latency_ns)} ns x {mhz} = {fmt.sig(arch.dram_latency_cycles)} "
               f"cycles) = {fmt.sig(mlp)} B/cycle = {fmt.sig(_gb_per_s(arch, mlp))} GB/s{capped}")
    total = fmt.g(peak) if core * cores >= peak else fmt.sig(core * cores)
    out.append(f"DRAM total: min({fmt.plural(cores, 'core')} x {fmt.sig(core)} GB/s, "
               f"{fmt.g(peak)} GB/s peak = {fmt.sig(arch.dram_bytes_per_cycle)} B/cycle) "
               f"= {total} GB/s")
    return out
