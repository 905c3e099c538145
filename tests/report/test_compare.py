"""``k1sim run FILE --arch A,B,C``: one comparison table, one row per arch."""

from pathlib import Path

from k1sim import Simulator
from k1sim.cli import main

KERNEL = str(Path(__file__).resolve().parents[2] / "kernels" / "mm_even_k.xsmt")


def test_several_archs_print_one_row_each_with_their_own_cycles(capsys):
    assert main(["run", KERNEL, "--arch", "0xA03C,0xA064", "--timing-only"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["arch", "cycles", "time"]
    for line, arch in zip(lines[1:], ("0xA03C", "0xA064")):
        cycles = Simulator(arch).execute(KERNEL, timing_only=True).cycles
        cells = line.split()
        assert cells[0] == arch and cells[1] == f"{cycles:,}"
    assert "ime:f16" in lines[2] and "rvv:f16" in lines[1]


def test_a_run_that_faults_is_a_row_with_its_reason_and_exit_3(capsys):
    # K = 100000 makes the block loads read far past a and b: a memory fault on each arch.
    rc = main(["run", KERNEL, "--arch", "0xA03C,0xA064", "--arg", "K=100000", "--timing-only"])
    out = capsys.readouterr().out
    assert rc == 3
    assert out.count("did not run:") == 2


def test_per_run_outputs_need_one_arch(capsys, tmp_path):
    assert main(["run", KERNEL, "--arch", "0xA03C,0xA064", "--json",
                 str(tmp_path / "r.json")]) == 2
    assert "--json writes one run: give one arch" in capsys.readouterr().err


def test_the_json_records_the_arch_source_and_what_differs_from_the_shipped_one(tmp_path):
    import json

    from k1sim.report.tables import to_json

    yaml = tmp_path / "slow_a100.yaml"
    text = (Path(KERNEL).parents[1] / "archs" / "0xA064.yaml").read_text()
    yaml.write_text(text.replace("freq_mhz: {value: 2000,", "freq_mhz: {value: 1600,", 1))
    shipped = json.loads(to_json(Simulator("0xA064").execute(KERNEL, timing_only=True)))
    what_if = json.loads(to_json(Simulator(str(yaml)).execute(KERNEL, timing_only=True)))
    assert shipped["arch_info"] == {"name": "a100", "source": "archs/0xA064.yaml",
                                    "differs_from_shipped": {}}
    assert what_if["arch_info"] == {"name": "a100", "source": str(yaml), "differs_from_shipped":
                                    {"freq_mhz": {"shipped": 2000.0, "this": 1600.0}}}
