"""The checks every op's space prunes with, before anything runs; each gives a reason.

* **illegal micro tile**: a (MICRO_M, MICRO_K, MICRO_N) triple outside the arch's
  ``legal_micro_tiles`` (FlagGems' LEGAL_CONFIGS); on the board it computes garbage.
* **tiling**: a block that is not a multiple of its micro tile (the packed view cannot
  cut it), a sub block that does not divide its block, or a kernel's own static assert.
* **redundant**: a block larger than the power-of-two rounded matrix: the same programs
  as the smaller block, so it need not run.
* **scratchpad capacity**: a kernel's local buffers (``smt.alloc``) over the arch's
  capacity per thread (its scratchpad, or its L2 share without one): on the board the
  alloc returns NULL.
* **register capacity**: an ``xsmt.mmt4d`` micro kernel keeps accumulators in registers
  across its K steps, beside the A and B operands of one K step; they must fit the
  registers of the engine that runs it (the one the cost model picks,
  ``cost.matrix.choose_engine``). On a matrix engine the micro tile is the register
  block: its MICRO_M x MICRO_N accumulator tiles, in the IME's 32 x VLEN vector registers
  or an AME's own tile registers (``matrix.register_bytes``). The RVV fallback has no tile
  registers: it can split MICRO_N into VLEN-wide column panels, but every one of the
  MICRO_M rows shares each B vector it loads, so its block is MICRO_M accumulator rows of
  one vector each, beside that B vector and the broadcast A elements
  (``k1sim.cores.rvv``'s 1 x 1 x VLEN "tile"). The bytes are the register-blocking plan's
  own fit test (``cost.blocking.block_bytes``) with the block fixed this way.
"""

from __future__ import annotations

from math import ceil

from k1sim.arch import ARCH_IDS, load_arch
from k1sim.arch_micro import describe as describe_micro
from k1sim.arch_micro import legal_micro
from k1sim.cost.blocking import block_bytes
from k1sim.cost.matrix import choose_engine
from k1sim.errors import K1SimError
from k1sim.library.mm import next_pow2

KINDS = ("illegal micro tile", "tiling", "redundant", "scratchpad capacity",
         "register capacity")
ITEMSIZE = {"f16": 2, "bf16": 2, "f32": 4}


def check_dtype(op: str, dtype: str) -> None:
    if dtype not in ITEMSIZE:
        raise K1SimError(f"tune {op} --dtype {dtype}: give one of {', '.join(ITEMSIZE)}")


def micro_triples(arch, dtype: str) -> list:
    """Every triple FlagGems' LEGAL_CONFIGS lists for ``dtype`` on any shipped arch, and
    ``arch``'s own: the ones ``arch`` does not accept are pruned as illegal, so the
    summary shows what FlagGems' pre-hook would have rewritten."""
    own = legal_micro(arch, dtype) or []
    return sorted({*own, *(t for a in ARCH_IDS for t in legal_micro(load_arch(a), dtype) or [])})


def micro_of(config: dict) -> tuple:
    return config["MICRO_M"], config["MICRO_K"], config["MICRO_N"]


def illegal_micro(arch, dtype: str, micro) -> tuple | None:
    legal = legal_micro(arch, dtype)
    if legal is None or tuple(micro) in legal:
        return None
    return ("illegal micro tile", f"micro tile {tuple(micro)} not in {arch.arch_id}'s "
            f"LEGAL_CONFIGS for {dtype}: {describe_micro(legal)}")


def tiling(checks) -> tuple | None:
    """The first (name, size, micro name, micro) whose size is not a multiple of micro."""
    for name, size, micro_name, micro in checks:
        if size % micro:
            return "tiling", f"{name} not a multiple of {micro_name}"
    return None


def divides(sub_blocks) -> tuple | None:
    for sub, sub_size, block, block_size in sub_blocks:
        if block_size % sub_size:
            return "tiling", f"{sub} does not divide {block}"
    return None


def redundant(blocks) -> tuple | None:
    """A (block name, block, dim name, dim) whose block exceeds next_pow2 of the dim."""
    for block, size, dim, extent in blocks:
        if size > max(next_pow2(extent), 16):
            return ("redundant", f"{block} larger than next_pow2({dim}): the same programs "
                    "as a smaller block")
    return None


def scratchpad(arch, nbytes: int, what: str) -> tuple | None:
    """``nbytes`` of local buffers per thread against the arch's capacity for them."""
    memory, capacity = arch.scope_capacity("l2")
    if capacity is not None and nbytes > capacity:
        return ("scratchpad capacity", f"{what} over the {memory} capacity per thread "
                f"({capacity // 1024} KiB)")
    return None


def registers(arch, dtype: str, acc_dtype: str, micro) -> tuple | None:
    """The mmt4d micro kernel of ``micro`` (``dtype`` operands, ``acc_dtype``
    accumulators) against the registers of the engine that runs it."""
    m0, k0, n0 = micro
    engine, tile, _ = choose_engine(arch, dtype, m0, k0, n0)
    inb, outb = ITEMSIZE[dtype], ITEMSIZE[acc_dtype]
    vlen_bytes = arch.rvv.vlen_bits // 8
    if engine == "rvv":
        lanes = max(vlen_bytes // inb, 1)
        blocks = (m0, 1, inb, lanes * inb, lanes * outb)
        what = f"{m0} rows x {lanes} {acc_dtype} accumulators (a VLEN-wide panel)"
        capacity, where = 32 * vlen_bytes, "vector registers (RVV)"
    else:
        blocks = (ceil(m0 / tile.m), ceil(n0 / tile.n), tile.m * tile.k * inb,
                  tile.n * tile.k * inb, tile.m * tile.n * outb)
        what = f"{m0}x{n0} {acc_dtype} accumulators"
        if engine == "ime":
            capacity, where = 32 * vlen_bytes, "vector registers (IME)"
        else:
            capacity, where = arch.matrix.register_bytes, "AME tile registers"
    need = ceil(block_bytes(*blocks))
    if need > capacity:
        return ("register capacity", f"micro tile {tuple(micro)}: {what} + one K step's "
                f"operands = {need} B > {capacity} B of {where}")
    return None


def first(*problems) -> tuple | None:
    """The first problem found (each a (kind, reason) or None)."""
    return next((p for p in problems if p is not None), None)
