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
from k1sim.sweep.batch import Run, golden_path, kernel_name

ROOT = Path(__file__).resolve().parents[2]
KERNELS = sorted((ROOT / "kernels").rglob("*.xsmt"))
EXPECTED = ROOT / "kernels/expected"


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
    """Each arch's golden entry, as ``k1sim report`` records it."""
    out = {}
    for arch_id in ARCH_IDS:
        arch = load_arch(arch_id)
        run = Run(kernel_name(kernel, ROOT / "kernels"), arch_id)
        try:
            run.result = Simulator(arch).execute(kernel, timing_only=True)
        except K1SimError as e:
            run.unsupported = str(e).splitlines()[0]
        else:
            check_physical(run.result, arch)
        out[arch_id] = run.golden_entry()
    return out


@pytest.mark.parametrize("kernel", KERNELS, ids=[str(k.relative_to(ROOT / "kernels"))
                                                 for k in KERNELS])
def test_cycles_match_the_golden_numbers(kernel, request):
    got = measure(kernel)
    assert any("cycles" in v for v in got.values()), "a kernel runs on at least one arch"
    path = golden_path(EXPECTED, kernel_name(kernel, ROOT / "kernels"))
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    assert path.exists(), f"no golden numbers for {kernel.name}: run with --update-golden"
    assert got == json.loads(path.read_text()), \
        "cycles moved; if the change is intended, rerun with --update-golden and review the diff"
