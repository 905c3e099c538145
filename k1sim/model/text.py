"""The text report ``k1sim model`` prints: header, per-layer table, totals."""

from __future__ import annotations


def _table(header: list, rows: list, right: set) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    return ["  ".join(str(x).rjust(w) if i in right else str(x).ljust(w)
                      for i, (x, w) in enumerate(zip(line, widths))).rstrip()
            for line in [header, *rows]]


def layer_lines(result) -> list[str]:
    header = ["name", "op", "shape", "kernel and config", "cycles", "ms", "% peak", "bound",
              "MACs"]
    rows = [[r["name"] + ("" if r["mapped"] else " [unmapped]"), r["op"], r["shape"],
             r["config"], f"{r['cycles']:,}", f"{r['ms']:.4f}", f"{r['pct_of_peak']:.1f}",
             r["bound"], f"{r['macs']:,}"] for r in result.rows]
    return _table(header, rows, {4, 5, 6, 8})


def breakdown_lines(result, by: str) -> list[str]:
    rows = [[str(k), f"{sec * 1e3:.3f}", f"{100 * share:.1f}%", str(n)]
            for k, sec, share, n in result.groups(by)]
    return _table([by, "ms", "share", "layers"], rows, {1, 2, 3})


def summary(result, layers: bool = True) -> str:
    lines = [f"model       {result.model}",
             f"arch        {result.arch} at {result.freq_mhz:g} MHz, {result.threads} threads, "
             f"{result.dtype}",
             f"latency     {result.total_seconds * 1e3:.3f} ms ({result.total_cycles:,} cycles) "
             f"over {len(result.rows)} layers",
             f"kernels     {result.distinct_kernels} distinct, {result.simulations} simulated "
             f"in this run (the rest from the cache)",
             _tuning_line(result),
             f"unmapped    {len(result.unmapped)}"
             + (f": {', '.join(result.unmapped)}" if result.unmapped else "")]
    if layers:
        lines += ["", *layer_lines(result)]
    lines += ["", "by op kind", *("  " + x for x in breakdown_lines(result, "kind")),
              "", "by bound", *("  " + x for x in breakdown_lines(result, "bound"))]
    lines += [f"warning: {w}" for w in result.warnings]
    return "\n".join(lines)


def _tuning_line(result) -> str:
    t = result.tuning
    if not t.get("shapes"):
        return "tuning      none: GEMMs run the default blocks (--no-tune or no GEMM)"
    return (f"tuning      {t['shapes']} GEMM shapes tuned over {t['points']} configs, "
            f"{t['simulated']} simulated in this run (the rest from the sweep cache)")


def comparison(comp) -> str:
    df = comp.table
    rows = [[r.arch, str(r.threads), r.dtype, f"{r.total_ms:.3f}", f"{r.cycles:,}",
             f"{r.speedup:.2f}x", r.top_kind, r.top_bound, str(r.distinct_kernels)]
            for r in df.itertuples()]
    lines = _table(["arch", "threads", "dtype", "ms", "cycles", "speedup", "top kind",
                    "top bound", "kernels"], rows, {1, 3, 4, 5, 8})
    return "\n".join(lines + [f"note: {n}" for n in comp.notes])


__all__ = ["summary", "comparison", "layer_lines", "breakdown_lines"]
