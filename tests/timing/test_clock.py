"""--freq-mhz / Simulator(freq_mhz=...) set the clock everywhere."""

from pathlib import Path

import pytest

from k1sim import Simulator
from k1sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
IME = ROOT / "kernels/micro/ime_i8_loop.xsmt"
COPY = ROOT / "kernels/micro/stream_copy.xsmt"


def test_compute_bound_cycles_stay_and_seconds_scale_with_the_clock():
    fast = Simulator(freq_mhz=2000).execute(IME, timing_only=True, grid=(1,), threads=1)
    slow = Simulator(freq_mhz=1000).execute(IME, timing_only=True, grid=(1,), threads=1)
    assert slow.freq_mhz == 1000 and fast.freq_mhz == 2000
    # The IME issues per cycle; DRAM latency in ns is fewer cycles at a slower clock.
    assert slow.cycles <= fast.cycles
    assert slow.seconds == pytest.approx(2 * fast.seconds, rel=0.05)
    assert slow.peak_ops_per_s["ime", "i8"] == pytest.approx(fast.peak_ops_per_s["ime", "i8"] / 2)


def test_dram_bound_seconds_do_not_depend_on_the_clock():
    a = Simulator("0x503C", freq_mhz=2000).execute(COPY, timing_only=True)
    b = Simulator("0x503C", freq_mhz=1600).execute(COPY, timing_only=True)
    assert b.seconds == pytest.approx(a.seconds, rel=0.02)
    assert b.cycles < a.cycles


def test_cli_prints_time_at_the_given_clock(capsys):
    assert main(["run", str(ROOT / "kernels/gemm_i8.xsmt"), "--freq-mhz", "1600"]) == 0
    out = capsys.readouterr().out
    assert " us at 1600 MHz)" in out and "ime:i8: " in out and "% of peak" in out
