"""The text summary of a run: what ran, how long, how fast, what bound it, and where.

``summary(result)`` is what ``k1sim run`` prints;
``one_line(result)`` is ``k1sim run --quiet``. Both read the ``RunResult`` only (and its
``Arch``, for the arch's name).
"""

from __future__ import annotations

from k1sim.report import bound as bounds

TOP_OPS = 10
FLOAT_DTYPES = ("f16", "bf16", "f32", "f64")
_LEVEL_ORDER = ("L1", "L2", "DRAM", "scratchpad")
UNIT_NAMES = {"vector": "vector (rvv)", "scalar": "scalar", "lsu": "load/store"}


def summary(result, source: str | None = None, show_warnings: bool = True) -> str:
    """A compact, aligned report of ``result``. ``source`` is the kernel's file, shown
    next to its name; ``show_warnings=False`` counts the warnings instead of listing
    them (the CLI prints them on stderr)."""
    b = bounds.classify(result)
    lines = _header(result, source)
    lines += _bound(b)
    lines += ["", *_throughput(result)]
    lines += ["", *_units(result)]
    lines += ["", *_memory(result), *_memory_timing(result)]
    lines += ["", *_top_ops(result)]
    lines += ["", *_warnings(result, show_warnings)]
    lines += _expects(result)
    return "\n".join(lines) + "\n"


def one_line(result) -> str:
    """kernel, arch, cycles, time, the main engine's share of peak, and the verdict: PASS,
    FAIL, or TIMING-ONLY when a timing-only run checked nothing."""
    main = result.main_engine()
    pct = result.pct_of_peak().get(main) if main else None
    engine = f"{main} {pct:.1f}% of peak" if pct is not None else "no arithmetic"
    if result.timing_only:
        verdict = "TIMING-ONLY (expects not checked)"  # not a PASS: nothing was checked
    else:
        verdict = "PASS" if result.passed else "FAIL"
        verdict += "" if result.expects else " (no expects)"
    return (f"{result.kernel} {result.arch} {result.cycles} cycles "
            f"{fmt_seconds(result.seconds)} {engine} {verdict}")


# -- sections ---------------------------------------------------------------------------

def _header(result, source) -> list[str]:
    grid = "x".join(map(str, result.grid))
    active = len(bounds.active_threads(result))
    ran = f", {active} ran programs" if active < result.threads else ""
    executed = sum(result.op_counts.values())
    ran += f"; {executed:,} ops executed" if executed else ""
    lines = [
        f"kernel      {result.kernel}" + (f" ({source})" if source else ""),
        f"arch        {_arch_name(result)} at {result.freq_mhz:g} MHz",
        f"launch      grid {grid} ({result.programs} programs) on {result.threads} "
        f"threads{ran}",
    ]
    if result.timing_only:
        lines.append("mode        timing only: tensor values and expects skipped")
    lines.append(f"cycles      {result.cycles:,} ({fmt_seconds(result.seconds)} at "
                 f"{result.freq_mhz:g} MHz)")
    return lines


def _bound(b) -> list[str]:
    lines = [f"bound       {b.evidence}"]
    if b.shares:
        s, pct = b.shares, bounds.pct
        levels = ", ".join(f"{lv} {pct(s[f'memory:{lv}'])}" for lv in bounds.MEMORY_LEVELS
                           if s[f"memory:{lv}"] >= 0.0005)
        l1 = f", L1 hits {pct(s['L1'])}" if s["L1"] >= 0.0005 else ""
        lines.append(f"            thread time: compute {pct(s['compute'])}, memory "
                     f"{pct(s['memory'])}" + (f" ({levels})" if levels else "")
                     + f"{l1}, sync {pct(s['sync'])}")
    return lines


def _throughput(result) -> list[str]:
    rates, pct = result.achieved_ops_per_s(), result.pct_of_peak()
    if not rates:
        return ["throughput  no arithmetic operations"]
    rows = []
    for key in sorted(rates, key=lambda k: (-result.ops[k], k)):
        dtype = key.dtype
        peak = result.peak_ops_per_s.get(key)
        rows.append([f"  {key}:", fmt_rate(rates[key], dtype),
                     f"{pct[key]:.1f}% of peak ({fmt_rate(peak, dtype)})" if key in pct
                     else "no peak for it on this arch"])
    return ["throughput  achieved, and share of the arch's peak on the stream's threads",
            *columns(rows, right={1})]


def _units(result) -> list[str]:
    overall = result.utilization()
    active = bounds.active_threads(result)
    subset = 0 < len(active) < len(result.unit_busy)
    busy = bounds.unit_shares(result, active) if subset else {}
    engine = bounds.matrix_engine(result)
    head = ["units", f"busy ({len(result.unit_busy)} threads)"]
    if subset:
        head.append(f"busy ({len(active)} threads that ran)")
    rows = [head]
    for unit in sorted(overall, key=lambda u: (-overall[u], u)):
        name = UNIT_NAMES.get(unit, unit)
        if unit == "matrix" and engine != "matrix":
            name = f"matrix ({engine})"
        row = [f"  {name}", _pct(overall[unit])]
        if subset:
            row.append(_pct(busy.get(unit, 0.0)))
        rows.append(row)
    return columns(rows, right=set(range(1, len(head)))) if len(rows) > 1 else [
        "units       no busy time recorded"]


def _memory(result) -> list[str]:
    rows = [["memory", "bytes", "bandwidth", "busiest link"]]
    for level, n in result.bytes_by_level.items():
        link = bounds.link_report(result, level)
        if link is None:
            rows.append([f"  {level}", fmt_bytes(n), "", ""])
            continue
        rows.append([f"  {level}", fmt_bytes(n),
                     f"{link['achieved_gb_per_s']:.3g} of {link['peak_gb_per_s']:.4g} GB/s",
                     f"{link['busiest']} busy {_pct(link['busy'])}" if link["busy"] else "idle"])
    return columns(rows, right={1}) if len(rows) > 1 else ["memory      no bytes moved"]


def _memory_timing(result) -> list[str]:
    """Bytes written back per level (evicted during the run, flushed at its end), the
    kernel-end flush, and how much of the threads' transfer time compute hid."""
    lines = []
    caches = result.caches
    if caches:
        evicted, flushed = caches.get("written_back", {}), caches.get("flushed", {})
        levels = sorted({*evicted, *flushed}, key=_LEVEL_ORDER.index)
        total = ", ".join(f"{lv} {fmt_bytes(evicted.get(lv, 0) + flushed.get(lv, 0))}"
                          for lv in levels)
        at_end = ", ".join(fmt_bytes(flushed.get(lv, 0)) for lv in levels)
        lines.append(f"write-back  {total} (the kernel-end flush wrote {at_end})" if levels
                     else "write-back  none")
        share = result.flush_cycles / result.cycles if result.cycles else 0.0
        lines.append(f"flush       {result.flush_cycles:,.0f} cycles at kernel end "
                     f"({_pct(share)} of the run): write buffers drained, dirty lines written")
    moved = sum(t["transfer_cycles"] for t in result.overlap.values())
    hidden = sum(t["hidden_cycles"] for t in result.overlap.values())
    if moved:
        lines.append(f"overlap     compute hid at least {hidden:,.0f} of {moved:,.0f} transfer "
                     f"cycles ({_pct(hidden / moved)}), summed over {len(result.overlap)} threads")
    elif caches:
        lines.append("overlap     no memory transfers")
    return lines


def _top_ops(result) -> list[str]:
    from k1sim.report.tables import op_rows
    rows = op_rows(result)[:TOP_OPS]
    title = (f"top ops     {len(rows)} of {len(result.op_stats)} by cycles (summed over "
             "threads; share of all op cycles)")
    if not rows:
        return ["top ops     none timed"]
    table = [["  cycles", "share", "count", "bound", "op", "where"]]
    table += [[f"  {r['cycles']:,.0f}", _pct(r["share"]), str(r["count"]), r["bound"], r["op"],
               r["where"]] for r in rows]
    return [title, *columns(table, right={0, 1, 2})]


def _warnings(result, show: bool) -> list[str]:
    if not result.warnings:
        return ["warnings    none"]
    if not show:
        return [f"warnings    {len(result.warnings)}, printed on stderr"]
    return [f"warnings    {len(result.warnings)}", *(f"  {w}" for w in result.warnings)]


def _expects(result) -> list[str]:
    if not result.expects:
        return ["expects     " + ("skipped (timing only)" if result.timing_only else "none")]
    passed = sum(e.passed for e in result.expects)
    lines = [f"expects     {passed} of {len(result.expects)} passed"]
    for e in result.expects:
        message = e.message.removeprefix(f"{e.name}: ")
        lines.append(f"  {'ok' if e.passed else 'FAILED':<6}  {e.text}: {message}")
    return lines


def _arch_name(result) -> str:
    from k1sim.errors import K1SimError
    try:
        arch = result.used_arch()
    except K1SimError:
        return result.arch
    return f"{arch.arch_id} {arch.name} ({arch.core}, {arch.soc})"


# -- formatting -------------------------------------------------------------------------

def columns(rows: list[list[str]], right=frozenset()) -> list[str]:
    """Rows of cells padded to aligned columns; column indexes in ``right`` align right.
    The first column is at least 12 wide, so tables line up with the ``key  value`` lines."""
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]
    widths[0] = max(widths[0], 10)
    out = []
    for r in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in
                 enumerate(zip(r, widths))]
        out.append("  ".join(cells).rstrip())
    return out


def fmt_bytes(n: float) -> str:
    """1536 -> '1.5 KiB'."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def fmt_seconds(s: float) -> str:
    """1.49e-05 -> '14.92 us'."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.4g} {unit}"
    return f"{s / 1e-9:.4g} ns"


def fmt_rate(ops_per_s: float, dtype: str) -> str:
    """Operations per second with a prefix; FLOPS for float dtypes, OPS for integers."""
    unit = "FLOPS" if dtype in FLOAT_DTYPES else "OPS"
    for prefix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if ops_per_s >= scale:
            return f"{ops_per_s / scale:.3g} {prefix}{unit}"
    return f"{ops_per_s:.3g} {unit}"


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"
