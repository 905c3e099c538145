"""Broken arch files: one ArchError naming the file and listing every problem at once, each
with its dotted path."""

import pytest

from k1sim.arch import ArchError, load_arch
from k1sim.errors import K1SimError

from tests.arch.helpers import raw, write


def load_broken(tmp_path, data) -> ArchError:
    path = write(tmp_path, data, "x.yaml")
    with pytest.raises(ArchError) as info:
        load_arch(path)
    assert str(info.value).startswith(f"{path}: ")
    return info.value


def test_every_problem_is_listed_at_once_with_its_path(tmp_path):
    data = raw("0xA03C")
    data["l2"]["size_kib_per_cluster"]["value"] = 0
    del data["rvv"]["vlen_bits"]
    data["dram"]["bw_gb_per_s"] = 10.66
    e = load_broken(tmp_path, data)
    assert isinstance(e, K1SimError)
    assert e.problems == [
        ("rvv.vlen_bits", "missing"),
        ("l2.size_kib_per_cluster", "value must be > 0 (got 0)"),
        ("dram.bw_gb_per_s", "give {value: ..., sourced: ...} or {value: ..., assumed: ...}"),
    ]
    assert "x.yaml: 3 problems: rvv.vlen_bits: missing; l2.size_kib_per_cluster: value must " \
           "be > 0 (got 0); dram.bw_gb_per_s: give {value: ..., sourced: ...} or " \
           "{value: ..., assumed: ...}" in str(e)


def test_unknown_fields_are_rejected_everywhere_with_the_known_ones(tmp_path):
    data = raw("0xA03C")
    data["l3"] = {"size_kib": {"value": 1, "assumed": "x"}}
    data["l1"]["size_kb"] = {"value": 32, "assumed": "typo"}
    data["rvv"]["fma_flops_per_cycle"]["f64"] = {"value": 8, "assumed": "x"}
    data["matrix"]["tiles"]["i8"]["value"]["q"] = 1
    e = dict(load_broken(tmp_path, data).problems)
    assert e["l3"].startswith("unknown field (known: arch_id, name, core, soc, projected, ")
    assert e["l1.size_kb"] == ("unknown field (known: size_kib, line_bytes, latency_cycles, "
                               "bw_bytes_per_cycle)")
    assert e["rvv.fma_flops_per_cycle.f64"] == "unknown field (known: f32, f16, bf16, i8)"
    assert e["matrix.tiles.i8.q"] == "unknown field (known: m, k, n)"


def test_fact_format_problems(tmp_path):
    data = raw("0xA03C")
    data["freq_mhz"] = {"value": 2000, "sourced": "a", "assumed": "b"}
    data["clusters"] = {"sourced": "HARDWARE.md"}
    data["cores_per_cluster"] = {"value": 4, "assumed": "  "}
    data["issue"]["width_per_cycle"] = {"value": 2, "source": "typo"}
    data["issue"]["out_of_order"] = {"value": False}
    data["l1"] = 32
    e = dict(load_broken(tmp_path, data).problems)
    assert e["freq_mhz"] == "give sourced or assumed, not both"
    assert e["clusters"].startswith("the fact has no value")
    assert e["cores_per_cluster"] == "assumed must say the reasoning"
    assert e["issue.width_per_cycle"].startswith("unknown key 'source' in a fact")
    assert e["issue.out_of_order"].startswith("give {value: ..., sourced: ...}")
    assert e["l1"] == ("expected a mapping of size_kib, line_bytes, latency_cycles, "
                       "bw_bytes_per_cycle, got 32")
    assert len(e) == 6      # a malformed fact is reported once, not again as "missing"


def test_plain_fields_and_types(tmp_path):
    data = raw("0xA03C")
    data["arch_id"] = 0xA03C                  # what YAML makes of an unquoted 0xA03C
    data["soc"] = "K9"
    data["projected"] = {"value": False, "assumed": "x"}
    data["rvv"]["vlen_bits"]["value"] = 256.5
    data["matrix"]["kind"]["value"] = "tpu"
    data["legal_micro_tiles"]["f32"]["value"] = [8, 32]
    data["issue"]["out_of_order"]["value"] = "no"
    e = dict(load_broken(tmp_path, data).problems)
    assert e["arch_id"].startswith("quote it")
    assert e["soc"] == "value must be 'K1', 'K3' or 'next-gen' (got 'K9')"
    assert e["projected"].startswith("give a plain value, not a fact")
    assert e["rvv.vlen_bits"].startswith("value must be a valid integer")
    assert e["matrix.kind"] == "value must be 'ime', 'ame' or 'none' (got 'tpu')"
    assert e["legal_micro_tiles.f32[2]"] == "missing"
    assert e["issue.out_of_order"].startswith("value must be a valid boolean")


def test_values_that_contradict_each_other(tmp_path):
    data = raw("0xA03C")
    data["rvv"]["dlen_bits"]["value"] = 96
    data["matrix"]["register_bytes"]["value"] = 4096
    data["scratchpad"]["bw_bytes_per_cycle"]["value"] = 0
    e = load_broken(tmp_path, data)
    assert e.problems == [
        ("rvv.dlen_bits", "must divide rvv.vlen_bits (256), got 96"),
        ("matrix.register_bytes", "4096 B does not fit the vector register file (1024 B = "
         "32 x VLEN 256 / 8), where IME operands live"),
        ("scratchpad", "a scratchpad (size_kib > 0) needs latency_cycles > 0 and "
         "bw_bytes_per_cycle > 0"),
    ]


def test_a_matrix_kind_and_its_tiles_must_agree(tmp_path):
    data = raw("0x503C")
    data["matrix"]["tiles"] = {"i8": {"value": {"m": 4, "k": 8, "n": 4}, "assumed": "x"}}
    assert dict(load_broken(tmp_path, data).problems)["matrix.tiles"].startswith(
        "kind 'none' has no tiles")
    data = raw("0xA03C")
    data["matrix"]["tiles"] = {}
    assert dict(load_broken(tmp_path, data).problems)["matrix.tiles"] == (
        "kind 'ime' needs at least one dtype tile")


def test_yaml_level_errors(tmp_path):
    dup = tmp_path / "dup.yaml"
    dup.write_text('arch_id: "0xA03C"\nname: a\nname: b\n')
    with pytest.raises(ArchError, match=r"dup.yaml:3:1: not valid YAML: key 'name' is given twice"):
        load_arch(dup)
    bad = tmp_path / "bad.yaml"
    bad.write_text("l1: [1\n")
    with pytest.raises(ArchError, match=r"bad.yaml:2:1: not valid YAML"):
        load_arch(bad)
    lst = tmp_path / "list.yaml"
    lst.write_text("- 1\n")
    with pytest.raises(ArchError, match=r"list.yaml: an arch file is a mapping of fields"):
        load_arch(lst)


def test_unknown_ids_and_missing_files():
    with pytest.raises(ArchError, match=r"unknown arch '0xB000'; known archs: 0x503C \(x60\), "
                       r"0xA03C \(a60\), 0x5064 \(x100\), 0xA064 \(a100\), .*\(an id or a name, as "
                       r"`k1sim archs` lists them, or the path of a YAML file\)"):
        load_arch("0xB000")
    with pytest.raises(ArchError, match=r"nowhere/my.yaml: cannot read the arch file"):
        load_arch("nowhere/my.yaml")


@pytest.mark.parametrize("name, arch_id", [("a60", "0xA03C"), ("X60", "0x503C"),
                                           ("a100", "0xA064"), (" x100 ", "0x5064")])
def test_archs_load_by_the_name_k1sim_archs_lists(name, arch_id):
    # `k1sim archs` lists a60, x100, ...: `--arch a60` was refused as unknown.
    assert load_arch(name).arch_id == arch_id
    assert load_arch(name) is load_arch(arch_id)
