"""The arch schema: what a K1/K3 machine is, as frozen pydantic models with units in every
field name, plus the values derived from it (peaks, DRAM bytes per cycle, scope capacities).

Per core unless a name says otherwise. ``k1sim.arch`` loads these from ``archs/*.yaml``;
every model forbids unknown fields and is frozen, and the dtype tables are read-only dicts,
so an ``Arch`` is hashable and two archs with the same values are equal.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, Strict,
                      model_validator)
from typing_extensions import TypedDict

from k1sim.errors import K1SimError

MATRIX_KINDS = ("ime", "ame", "none")
ENGINES = ("ime", "ame", "rvv", "scalar")
DTYPES = ("f32", "f16", "bf16", "i8", "i4")


class ArchError(K1SimError):
    """An arch that cannot be loaded or a question it cannot answer. ``problems`` lists
    (dotted path, message) pairs when the file breaks the schema."""

    def __init__(self, message: str, problems=()):
        self.problems = list(problems)
        super().__init__(message)


class FrozenDict(dict):
    """A read-only, hashable dict: the dtype tables and the provenance of a frozen arch."""

    def _read_only(self, *args, **kwargs):
        raise TypeError("arch values are read-only; copy the YAML to change one")

    __setitem__ = __delitem__ = __ior__ = _read_only
    update = pop = popitem = clear = setdefault = _read_only

    def __hash__(self):
        return hash(frozenset(self.items()))

    def __reduce__(self):
        return FrozenDict, (dict(self),)


PosInt = Annotated[int, Strict(), Field(gt=0)]
NonNegInt = Annotated[int, Strict(), Field(ge=0)]
PosFloat = Annotated[float, Strict(), Field(gt=0)]
NonNegFloat = Annotated[float, Strict(), Field(ge=0)]
StrictBool = Annotated[bool, Strict()]

_FORBID = ConfigDict(extra="forbid")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Section(_Frozen):
    """A group of facts (each field a ``{value, sourced|assumed}`` in YAML)."""


class Tile(_Frozen):
    """One matrix instruction's shape: C[M x N] += A[M x K] . B[K x N]."""
    m: PosInt
    k: PosInt
    n: PosInt


class FmaRates(TypedDict):
    __pydantic_config__ = _FORBID
    f32: PosFloat
    f16: PosFloat
    bf16: PosFloat
    i8: PosFloat


class AluRates(TypedDict):
    __pydantic_config__ = _FORBID
    f32: PosFloat
    f16: PosFloat
    bf16: PosFloat
    i8: PosFloat
    i32: PosFloat


class MatrixTiles(TypedDict, total=False):
    __pydantic_config__ = _FORBID
    i8: Tile
    i4: Tile
    f16: Tile
    bf16: Tile
    f32: Tile


MicroTile = Optional[tuple[PosInt, PosInt, PosInt]]


class MicroTiles(TypedDict):
    __pydantic_config__ = _FORBID
    f32: MicroTile
    f16: MicroTile


def _table(typed_dict):
    return Annotated[typed_dict, AfterValidator(FrozenDict)]


# The dtype tables: in YAML each of their entries is a fact.
TABLES = (FmaRates, AluRates, MatrixTiles, MicroTiles)


class Issue(Section):
    width_per_cycle: PosInt            # instructions issued per cycle (dual issue = 2)
    out_of_order: StrictBool
    window_entries: NonNegInt          # reorder window of an out-of-order core (0: in order)
    scalar_ops_per_cycle: PosFloat     # scalar / address / loop-control ops per cycle


class Latency(Section):
    """Cycles from an instruction's issue to its result, per instruction class."""
    scalar_cycles: PosInt              # integer ALU, address arithmetic
    vector_int_cycles: PosInt          # vadd / vand / compares / moves / slides, LMUL 1
    vector_float_cycles: PosInt        # vfadd / vfmul / vfmacc, LMUL 1
    vector_divide_cycles: PosInt       # vfdiv / vfsqrt / vdiv, one LMUL-1 vector


class Rvv(Section):
    vlen_bits: PosInt
    dlen_bits: PosInt                  # datapath width
    fma_flops_per_cycle: _table(FmaRates)   # 2 per FMA lane
    alu_ops_per_cycle: _table(AluRates)     # elementwise non-FMA element ops per cycle
    transcendental_cycles_per_vector: PosFloat  # one VLEN-wide exp / log / tanh / erf


class Matrix(Section):
    kind: Literal["ime", "ame", "none"]
    tiles: _table(MatrixTiles)         # input dtype -> engine tile (M x K x N)
    instructions_per_cycle: NonNegFloat
    latency_cycles: NonNegInt          # one instruction's latency (pipeline fill)
    register_bytes: NonNegInt          # accumulator + operand registers one instruction needs


class L1(Section):
    size_kib: PosInt                   # L1 D
    line_bytes: PosInt
    latency_cycles: PosInt
    bw_bytes_per_cycle: PosFloat       # L1 <-> registers


class L2(Section):
    size_kib_per_cluster: PosInt
    latency_cycles: PosInt
    bw_bytes_per_cycle_per_cluster: PosFloat   # shared by the cluster's cores (fair share)


class Scratchpad(Section):
    size_kib: NonNegInt                # 0 = none
    latency_cycles: NonNegInt
    bw_bytes_per_cycle: NonNegFloat    # per core port


class Dram(Section):
    bw_gb_per_s: PosFloat              # peak, shared by all cores of the SoC
    latency_ns: PosFloat


class WriteBuffer(Section):
    """Stores retire into it; the thread stalls only when it is full."""
    entries: PosInt                    # line-sized entries per core
    drain_bytes_per_cycle: PosFloat    # into L1 (and, for lines that miss, the RFO below)
    write_allocate: StrictBool         # a store miss brings the line into L1
    full_line_writes_skip_rfo: StrictBool   # a store covering whole lines reads nothing


class Prefetcher(Section):
    """A per-core stream prefetcher (``k1sim.memory.prefetch``); degree 0 = none."""
    degree_lines: NonNegInt            # extra lines kept in flight ahead of a trained stream
    distance_lines: NonNegInt          # how far past the last miss a continuation may start
    train_misses: PosInt               # sequential transfers before the stream is trained
    streams: PosInt                    # streams tracked at once (LRU)


class Arch(Section):
    """One arch: a SoC's cluster(s) of identical cores. ``provenance`` maps each fact's
    dotted path to ("sourced" | "assumed" | "overridden", where it comes from or why)."""

    arch_id: str
    name: str
    core: str
    soc: Literal["K1", "K3", "next-gen"]
    projected: StrictBool
    freq_mhz: PosFloat
    clusters: PosInt
    cores_per_cluster: PosInt
    issue: Issue
    latency: Latency
    rvv: Rvv
    matrix: Matrix
    l1: L1
    l2: L2
    scratchpad: Scratchpad
    dram: Dram
    outstanding_misses: PosInt         # per core
    write_buffer: WriteBuffer
    prefetcher: Prefetcher
    legal_micro_tiles: _table(MicroTiles)   # FlagGems LEGAL_CONFIGS (M, K, N)

    _provenance: FrozenDict = PrivateAttr(default_factory=FrozenDict)
    _source: str = PrivateAttr(default="")     # the file it was loaded from, as given

    @model_validator(mode="after")
    def _consistent(self):
        problems = consistency_problems(self)
        if problems:
            raise Inconsistent(problems)
        return self

    @property
    def provenance(self) -> dict[str, tuple[str, str]]:
        return self._provenance

    @property
    def source(self) -> str:
        """The arch file, as ``archs/0xA064.yaml`` for a shipped id or the path given."""
        return self._source

    # -- derived values ------------------------------------------------------------

    @property
    def cores(self) -> int:
        return self.clusters * self.cores_per_cluster

    @property
    def cycles_per_ns(self) -> float:
        return self.freq_mhz / 1000.0

    @property
    def register_file_bytes(self) -> int:
        """32 vector registers of VLEN bits: where ``fragment`` allocations live."""
        return 32 * self.rvv.vlen_bits // 8

    def peak_ops_per_cycle(self, engine: str, dtype: str) -> float:
        """Arithmetic ops (a MAC = 2) one core can issue per cycle on ``engine`` ("ime",
        "ame", "rvv", "scalar", or "none" as ``matrix.kind`` can be); 0 when the engine
        does not exist on this arch or has no rate for ``dtype``. Scalar float arithmetic
        is one op per scalar-pipe slot."""
        if engine == "rvv":
            return float(self.rvv.fma_flops_per_cycle.get(dtype, 0.0))
        if engine == "scalar":
            return float(self.issue.scalar_ops_per_cycle)
        if engine not in MATRIX_KINDS:
            raise ArchError(f"unknown engine '{engine}'; engines: {', '.join(ENGINES)}")
        tile = self.matrix.tiles.get(dtype) if engine == self.matrix.kind else None
        if tile is None:
            return 0.0
        return 2.0 * tile.m * tile.k * tile.n * self.matrix.instructions_per_cycle

    def peak_ops_per_s(self, engine: str, dtype: str, cores: int | None = None) -> float:
        return (self.peak_ops_per_cycle(engine, dtype) * self.freq_mhz * 1e6
                * self.check_cores(cores))

    def check_cores(self, cores: int | None) -> int:
        """``cores`` (default: all of them), checked against the arch."""
        if cores is None:
            return self.cores
        if not isinstance(cores, int) or not 1 <= cores <= self.cores:
            raise ArchError(f"cores must be 1 to {self.cores} on {self.arch_id} "
                            f"({self.core}), got {cores}")
        return cores

    @property
    def dram_bytes_per_cycle(self) -> float:
        """The SoC's DRAM peak in bytes per core clock cycle."""
        return self.dram.bw_gb_per_s * 1000.0 / self.freq_mhz

    @property
    def dram_latency_cycles(self) -> float:
        return self.dram.latency_ns * self.cycles_per_ns

    @property
    def core_dram_bytes_per_cycle(self) -> float:
        """One core's DRAM bandwidth: its outstanding misses, one line each, per latency
        (Little's law), never above the SoC peak."""
        mlp = self.outstanding_misses * self.l1.line_bytes / self.dram_latency_cycles
        return min(self.dram_bytes_per_cycle, mlp)

    def scope_capacity(self, scope: str) -> tuple[str, int | None]:
        """The memory a local allocation in ``scope`` takes and its bytes per thread
        (None: unchecked), per FORMAT.md 4.3."""
        if scope == "global":
            return "DRAM", None
        if scope == "fragment":
            return "vector registers", self.register_file_bytes
        if self.scratchpad.size_kib:
            return "scratchpad", self.scratchpad.size_kib * 1024
        if scope == "tcm":
            raise K1SimError(f"storage 'tcm' needs a core scratchpad; {self.arch_id} "
                             f"({self.core}) has none (use 'l2', which takes a share of L2)")
        return "L2 share", self.l2.size_kib_per_cluster * 1024 // self.cores_per_cluster

    def value_at(self, path: str):
        """The value at a dotted path such as ``"matrix.tiles.i8"``."""
        value = self
        for part in path.split("."):
            value = value[part] if isinstance(value, dict) else getattr(value, part)
        return value


class Inconsistent(ValueError):
    """Values that are each valid but contradict each other, as (path, message) pairs."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))


def _power_of_two(n: int) -> bool:
    return n & (n - 1) == 0


def consistency_problems(arch: Arch) -> list[tuple[str, str]]:
    rvv, m, sp = arch.rvv, arch.matrix, arch.scratchpad
    out = []
    if not _power_of_two(rvv.vlen_bits):
        out.append(("rvv.vlen_bits", f"must be a power of two (RVV), got {rvv.vlen_bits}"))
    if rvv.dlen_bits > rvv.vlen_bits or rvv.vlen_bits % rvv.dlen_bits:
        out.append(("rvv.dlen_bits", f"must divide rvv.vlen_bits ({rvv.vlen_bits}), "
                    f"got {rvv.dlen_bits}"))
    if not _power_of_two(arch.l1.line_bytes):
        out.append(("l1.line_bytes", f"must be a power of two, got {arch.l1.line_bytes}"))
    if m.kind == "none":
        if m.tiles:
            out.append(("matrix.tiles", "kind 'none' has no tiles; give {} or another kind"))
        if m.instructions_per_cycle:
            out.append(("matrix.instructions_per_cycle", "kind 'none' issues none; give 0"))
    else:
        if not m.tiles:
            out.append(("matrix.tiles", f"kind '{m.kind}' needs at least one dtype tile"))
        if not m.instructions_per_cycle:
            out.append(("matrix.instructions_per_cycle", f"kind '{m.kind}' must issue "
                        "instructions: give a value > 0"))
    if m.kind == "ime" and m.register_bytes > arch.register_file_bytes:
        out.append(("matrix.register_bytes", f"{m.register_bytes} B does not fit the vector "
                    f"register file ({arch.register_file_bytes} B = 32 x VLEN "
                    f"{rvv.vlen_bits} / 8), where IME operands live"))
    if arch.issue.out_of_order != (arch.issue.window_entries > 0):
        out.append(("issue.window_entries", "an out-of-order core needs a reorder window "
                    "(> 0 entries) and an in-order core has none (0), got "
                    f"{arch.issue.window_entries} with out_of_order {arch.issue.out_of_order}"))
    if sp.size_kib and not (sp.latency_cycles and sp.bw_bytes_per_cycle):
        out.append(("scratchpad", "a scratchpad (size_kib > 0) needs latency_cycles > 0 "
                    "and bw_bytes_per_cycle > 0"))
    return out
