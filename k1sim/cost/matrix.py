"""Matrix work: ``xsmt.mmt4d`` on the IME, the AME or RVV FMAs, and ``tt.dot`` on RVV.

``mmt4d`` ``A [M1, K1, m0, k0] x B [N1, K1, n0, k0]`` runs one engine instruction per engine
tile (M x K x N) of each of the M1*N1*K1 micro-tile steps. The IME (SpacemiT's vector-register
matrix instructions) needs the micro tiles to be multiples of its tile; an AME (attached unit
with tile registers) masks partial tiles. Without a usable tile the op runs as RVV FMAs, and
the Work carries a warning naming the op.

Which engine runs it is decided here; how many instructions it issues, at what rate and
latency, and the L1 traffic of its register-blocking plan belong to the engine's package
(``k1sim.ime``, ``k1sim.ame``, and ``k1sim.cores.rvv`` for the fallback), from the
``MatrixShape`` the Work carries.
"""

from __future__ import annotations

from k1sim.cost.rates import dtype_name, element_bytes, rate
from k1sim.cost.vector import spilled_bytes, vector_fill
from k1sim.cost.work import MatrixShape, Work


def choose_engine(arch, dtype: str, m0: int, k0: int, n0: int) -> tuple[str, object, str | None]:
    """(engine, tile or None, why not a matrix engine) for micro tiles m0 x k0 x n0."""
    m = arch.matrix
    if m.kind not in ("ime", "ame"):
        return "rvv", None, f"{arch.arch_id} ({arch.core}) has no matrix engine"
    if m.instructions_per_cycle <= 0:
        return "rvv", None, f"the {m.kind.upper()} of {arch.arch_id} issues no instructions"
    tile = m.tiles.get(dtype)
    if tile is None:
        have = ", ".join(sorted(m.tiles)) or "none"
        return "rvv", None, (f"the {m.kind.upper()} of {arch.arch_id} ({arch.core}) has no "
                             f"{dtype} tile (its tiles: {have})")
    if m.kind == "ime" and (m0 % tile.m or n0 % tile.n or k0 % tile.k):
        return "rvv", None, (f"micro tile {m0}x{k0}x{n0} (m0 x k0 x n0) is not a multiple of "
                             f"the {dtype} IME tile {tile.m}x{tile.k}x{tile.n} (M x K x N)")
    return m.kind, tile, None


def mmt4d(op, arch, accumulates: bool) -> Work:
    """The mmt4d's engine, arithmetic and shape; its engine's package (``k1sim.ime``,
    ``k1sim.ame``, the RVV unit in ``k1sim.cores``) counts instructions and plans the
    register blocking that sets its L1 traffic."""
    a, b = op.operands[0].type, op.operands[1].type
    c = op.results[0].type
    M1, K1, m0, k0 = a.shape
    N1, _, n0, _ = b.shape
    dtype = dtype_name(a)
    macs = M1 * N1 * K1 * m0 * n0 * k0
    ops = {dtype: 2 * macs}
    engine, tile, why = choose_engine(arch, dtype, m0, k0, n0)
    shape = MatrixShape(dtype, M1, N1, K1, m0, k0, n0, element_bytes(a), element_bytes(c),
                        accumulates, (tile.m, tile.k, tile.n) if tile is not None else None)
    if engine == "rvv":
        issue = 2 * macs / rate(arch.rvv.fma_flops_per_cycle, dtype)
        return Work("vector", "rvv", issue, vector_fill(arch, dtype), ops, 0, (),
                    warning=f"xsmt.mmt4d runs on RVV: {why}", matrix=shape)
    return Work("matrix", engine, 0.0, 0.0, ops, 0, (), matrix=shape)


def dot(op, arch) -> Work:
    """``tt.dot`` a[M, K] @ b[K, N] + c: M*N*K FMAs on the vector unit."""
    a, b = op.operands[0].type, op.operands[1].type
    (M, K), N = a.shape, b.shape[1]
    dtype = dtype_name(a)
    flops = 2 * M * N * K
    issue = flops / rate(arch.rvv.fma_flops_per_cycle, dtype)
    types = [v.type for v in op.operands] + [r.type for r in op.results]
    return Work("vector", "rvv", issue, vector_fill(arch, dtype), {dtype: flops},
                spilled_bytes(types, arch), ())
