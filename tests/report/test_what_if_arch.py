"""Reports of a run on a what-if arch file that keeps a shipped id use that file's values."""

from pathlib import Path

from k1sim import Simulator
from k1sim.arch import load_arch
from k1sim.report import chrome_trace, summary
from k1sim.report.roofline import single

ROOT = Path(__file__).resolve().parents[2]


def test_reports_use_the_arch_the_run_used_not_the_shipped_one_with_its_id(tmp_path):
    text = (ROOT / "archs/0xA064.yaml").read_text()
    assert "name: a100\n" in text and "bw_gb_per_s: {value: 51.2," in text
    text = text.replace("name: a100\n", "name: a100-wide-dram\n")
    path = tmp_path / "wide.yaml"
    path.write_text(text.replace("bw_gb_per_s: {value: 51.2,", "bw_gb_per_s: {value: 204.8,"))
    what_if = load_arch(path)
    r = Simulator(path).execute(ROOT / "kernels/micro/stream_copy.xsmt", timing_only=True)
    assert r.arch == "0xA064" and r.used_arch() is what_if

    assert "0xA064 a100-wide-dram (" in summary(r)
    # The DRAM ceiling is the channel or the cores' outstanding misses, whichever is less:
    # the misses (8 x 7.9 GB/s) here, above the shipped channel's 51.2 GB/s.
    assert single(r).bandwidth("DRAM") > 51.2e9
    counters = [e for e in chrome_trace(r)["traceEvents"] if e.get("ph") == "C"
                and e["name"].startswith("DRAM")]
    assert max(v for e in counters for v in e["args"].values()) > 51.2
