"""The shipped arch files: they load, every value has provenance (a sourced value cites a
public document), and the values agree with spec/HARDWARE.md and with the machine facts the engine used before arch files existed."""

import pickle

import pytest

from k1sim.arch import ARCH_IDS as LOADER_IDS
from k1sim.arch import Arch, load_arch

from tests.arch.helpers import ARCH_IDS, ARCHS, fact_paths, raw


# The engine's machine table before arch files (k1sim/engine/machine.py at 121bc0d):
# core, cores, cores per cluster, L2 KiB per cluster, scratchpad KiB per core, VLEN.
ENGINE_MACHINES = {
    "0x503C": ("spacemit-x60", 8, 4, 512, 0, 256),
    "0xA03C": ("spacemit-a60", 4, 4, 512, 128, 256),
    "0x5064": ("spacemit-x100", 8, 4, 4096, 0, 256),
    "0xA064": ("spacemit-a100", 8, 4, 1024, 384, 1024),
    "0xF000": ("spacemit-a200m", 8, 4, 1024, 384, 1024),
    "0x50C8": ("spacemit-x200", 8, 4, 4096, 0, 256),
    "0xA0C8": ("spacemit-a200", 8, 4, 1024, 384, 1024),
}


@pytest.mark.parametrize("arch_id", ARCH_IDS)
def test_every_shipped_file_loads_under_its_own_id(arch_id):
    arch = load_arch(arch_id)
    assert isinstance(arch, Arch)
    assert arch.arch_id == arch_id


def test_the_loader_knows_exactly_the_files_in_archs():
    assert sorted(p.stem for p in ARCHS.glob("*.yaml")) == sorted(LOADER_IDS)
    assert list(LOADER_IDS) == ARCH_IDS


def test_ids_are_case_insensitive_and_loads_are_cached():
    assert load_arch("0xa03c") is load_arch("0xA03C")
    assert load_arch(str(ARCHS / "0xA03C.yaml")) == load_arch("0xA03C")


@pytest.mark.parametrize("arch_id", ARCH_IDS)
def test_every_value_has_provenance_with_a_reason(arch_id):
    arch = load_arch(arch_id)
    paths = fact_paths(raw(arch_id))
    assert sorted(arch.provenance) == sorted(paths)
    for path, (kind, text) in arch.provenance.items():
        assert kind in ("sourced", "assumed") and len(text) > 10, path
        arch.value_at(path)          # every provenance path names a real value
    # The plain identity strings are not facts; everything else is.
    assert {"arch_id", "name", "core", "soc", "projected"}.isdisjoint(arch.provenance)


# The public documents docs/hardware.md lists: a sourced value names one of them.
PUBLIC_SOURCES = ("spacemit-com/docs-chip", "spacemit-com/docs-ai", "spacemit-com/spine-runtime",
                  "spacemit-com/spine-triton", "spacemit-com/spine-FlagGems",
                  "llvm-project RISCVSchedSpacemitX60.td", "llvm-project RISCVSchedSpacemitX100.td")


@pytest.mark.parametrize("arch_id", ["0x503C", "0xA03C", "0x5064", "0xA064"])
def test_sourced_values_cite_a_public_document(arch_id):
    for path, (kind, text) in load_arch(arch_id).provenance.items():
        if kind == "sourced":
            assert any(source in text for source in PUBLIC_SOURCES), path
            assert "HARDWARE.md" not in text, f"{path}: cite the document, not the spec's row"


PROJECTED = ("0xF000", "0x50C8", "0xA0C8")


@pytest.mark.parametrize("arch_id", PROJECTED)
def test_the_projected_archs_have_no_sourced_values(arch_id):
    arch = load_arch(arch_id)
    assert arch.projected and arch.soc == "next-gen"
    assert {kind for kind, _ in arch.provenance.values()} == {"assumed"}
    assert not any(load_arch(i).projected for i in ARCH_IDS if i not in PROJECTED)


def test_the_a200_has_an_attached_matrix_unit_and_the_x200_is_out_of_order():
    # spine-triton's llc attributes for 0xA0C8 add xsmtvsfu and zmatrix, as 0xF000's do
    assert load_arch("0xA0C8").matrix.kind == load_arch("0xF000").matrix.kind == "ame"
    x200 = load_arch("0x50C8")
    assert x200.issue.out_of_order and x200.issue.window_entries == 64


def test_unpublished_numbers_are_assumed():
    a100 = load_arch("0xA064").provenance
    assert a100["matrix.instructions_per_cycle"][0] == "assumed"
    assert "60 TOPS" in a100["matrix.instructions_per_cycle"][1]
    for arch_id in ("0xA03C", "0xA064", "0x5064"):
        assert load_arch(arch_id).provenance["matrix.latency_cycles"][0] == "assumed"
    assert load_arch("0x5064").provenance["matrix.tiles.i8"][0] == "assumed"
    assert load_arch("0xA03C").provenance["matrix.tiles.i8"][0] == "sourced"


def test_values_from_hardware_md():
    a60, x60 = load_arch("0xA03C"), load_arch("0x503C")
    assert (a60.cores, x60.cores, a60.freq_mhz) == (4, 8, 2000)
    assert (a60.rvv.vlen_bits, a60.rvv.dlen_bits) == (256, 128)
    assert dict(a60.matrix.tiles) == {"i8": a60.matrix.tiles["i8"]}
    i8 = a60.matrix.tiles["i8"]
    assert (i8.m, i8.k, i8.n) == (4, 8, 4)
    assert a60.matrix.instructions_per_cycle == 1
    assert (a60.l2.size_kib_per_cluster, a60.scratchpad.size_kib) == (512, 128)
    assert a60.dram.bw_gb_per_s == 10.66
    assert a60.legal_micro_tiles == {"f32": (8, 32, 32), "f16": (8, 16, 16)}
    assert x60.matrix.kind == "none" and not x60.matrix.tiles and x60.scratchpad.size_kib == 0
    assert x60.legal_micro_tiles["f16"] == (16, 8, 32)
    a100 = load_arch("0xA064")
    assert {d: (t.m, t.k, t.n) for d, t in a100.matrix.tiles.items()} == {
        "i8": (8, 16, 8), "i4": (8, 32, 8), "f16": (8, 8, 8), "bf16": (8, 8, 8)}
    assert a100.matrix.instructions_per_cycle == pytest.approx(0.46, rel=0.01)
    assert (a100.rvv.vlen_bits, a100.scratchpad.size_kib) == (1024, 384)
    assert a100.l2.size_kib_per_cluster == 1024
    x100 = load_arch("0x5064")
    assert (x100.freq_mhz, x100.issue.width_per_cycle, x100.issue.out_of_order) == (2400, 4, True)
    assert x100.l2.size_kib_per_cluster == 4096
    assert x100.legal_micro_tiles == {"f32": None, "f16": None}


@pytest.mark.parametrize("arch_id", ARCH_IDS)
def test_agrees_with_the_engine_machine_table(arch_id):
    arch = load_arch(arch_id)
    core, cores, per_cluster, l2_kib, spad_kib, vlen = ENGINE_MACHINES[arch_id]
    assert (arch.core, arch.cores, arch.cores_per_cluster) == (core, cores, per_cluster)
    assert (arch.l2.size_kib_per_cluster, arch.scratchpad.size_kib) == (l2_kib, spad_kib)
    assert arch.rvv.vlen_bits == vlen
    assert arch.scope_capacity("global") == ("DRAM", None)
    assert arch.scope_capacity("fragment") == ("vector registers", 32 * vlen // 8)
    local = ("scratchpad", spad_kib * 1024) if spad_kib else ("L2 share", l2_kib * 1024 // 4)
    for scope in ("l2", "shared", "smem"):
        assert arch.scope_capacity(scope) == local


def test_tcm_on_an_arch_without_a_scratchpad_is_the_engine_error():
    from k1sim.errors import K1SimError
    with pytest.raises(K1SimError, match=r"storage 'tcm' needs a core scratchpad; 0x503C "
                       r"\(spacemit-x60\) has none \(use 'l2', which takes a share of L2\)"):
        load_arch("0x503C").scope_capacity("tcm")
    assert load_arch("0xA03C").scope_capacity("tcm") == ("scratchpad", 128 * 1024)


@pytest.mark.parametrize("arch_id", ARCH_IDS)
def test_archs_are_frozen_hashable_and_picklable(arch_id):
    arch = load_arch(arch_id)
    with pytest.raises(Exception, match="frozen"):
        arch.freq_mhz = 1
    with pytest.raises(Exception, match="frozen"):
        arch.l2.size_kib_per_cluster = 1
    with pytest.raises(TypeError, match="read-only"):
        arch.rvv.fma_flops_per_cycle["f32"] = 1.0
    with pytest.raises(TypeError, match="read-only"):
        arch.matrix.tiles.pop("i8", None)
    with pytest.raises(TypeError, match="read-only"):
        arch.provenance["freq_mhz"] = ("assumed", "no")
    assert hash(arch) == hash(load_arch(arch_id))
    copy = pickle.loads(pickle.dumps(arch))
    assert copy == arch and copy.provenance == arch.provenance
