"""Golden cycles: every kernel on every arch it supports, bit for bit.

``kernels/expected/<kernel>.json`` holds, per arch, the cycles of a run with
the file's launch settings, or why the kernel does not run there (more
threads than the arch has cores, a storage the arch lacks). A change to the
model that moves any number fails here and shows in review; regenerate with::

    python -m pytest tests/timing/test_golden.py --update-golden

The same runs check that no kernel ever beats the arch: no engine above its
peak, no memory level above its bandwidth.
"""

import json
from pathlib import Path

import pytest

from k1sim import Simulator, load_arch
from k1sim.arch import ARCH_IDS
from k1sim.errors import K1SimError

ROOT = Path(__file__).resolve().parents[2]
KERNELS = sorted((ROOT / "kernels").rglob("*.xsmt"))
EXPECTED = ROOT / "kernels/expected"


def golden_path(kernel: Path) -> Path:
    rel = kernel.relative_to(ROOT / "kernels").with_suffix("")
    return EXPECTED / ("__".join(rel.parts) + ".json")


def check_physical(r, arch) -> None:
    for key, pct in r.pct_of_peak().items():
        assert pct <= 100.0 + 1e-6, f"{key} at {pct:.1f}% of peak on {arch.arch_id}"
    per_s = {level: n / r.seconds for level, n in r.bytes_by_level.items()}
    hz = arch.freq_mhz * 1e6
    assert per_s["DRAM"] <= arch.dram.bw_gb_per_s * 1e9 * (1 + 1e-6)
    assert per_s["L2"] <= arch.l2.bw_bytes_per_cycle_per_cluster * arch.clusters * hz * (1 + 1e-6)
    assert per_s["L1"] <= arch.l1.bw_bytes_per_cycle * arch.cores * hz * (1 + 1e-6)
    assert per_s["scratchpad"] <= arch.scratchpad.bw_bytes_per_cycle * arch.cores * hz * (1 + 1e-6)


def measure(kernel: Path) -> dict:
    out = {}
    for arch_id in ARCH_IDS:
        arch = load_arch(arch_id)
        try:
            r = Simulator(arch).execute(kernel, timing_only=True)
        except K1SimError as e:
            out[arch_id] = {"unsupported": str(e).splitlines()[0]}
            continue
        check_physical(r, arch)
        out[arch_id] = {"cycles": r.cycles}
    return out


@pytest.mark.parametrize("kernel", KERNELS, ids=[str(k.relative_to(ROOT / "kernels"))
                                                 for k in KERNELS])
def test_cycles_match_the_golden_numbers(kernel, request):
    got = measure(kernel)
    assert any("cycles" in v for v in got.values()), "a kernel runs on at least one arch"
    path = golden_path(kernel)
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    assert path.exists(), f"no golden numbers for {kernel.name}: run with --update-golden"
    assert got == json.loads(path.read_text()), \
        "cycles moved; if the change is intended, rerun with --update-golden and review the diff"
