"""Physical: twice the bandwidth of any memory level never costs cycles.

tests/timing/test_mechanisms.py doubles the DRAM channel; here each on-chip level in turn
(the L1 load path, each cluster's L2 port, each core's scratchpad port) for every kernel of
the library on its own arch. A faster link can only move bytes sooner.
"""

from pathlib import Path

import pytest

from k1sim import Simulator, load_arch

KERNELS = Path(__file__).resolve().parents[2] / "kernels"
LIBRARY = sorted([*KERNELS.glob("*.xsmt"), *KERNELS.glob("micro/*.xsmt")])
LEVELS = {"l1": "bw_bytes_per_cycle", "l2": "bw_bytes_per_cycle_per_cluster",
          "scratchpad": "bw_bytes_per_cycle"}


def doubled(arch, level):
    part = getattr(arch, level)
    field = LEVELS[level]
    return arch.model_copy(update={level: part.model_copy(
        update={field: 2 * getattr(part, field)})})


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_twice_an_on_chip_levels_bandwidth_never_slows_a_library_kernel(path):
    base = Simulator().execute(path, timing_only=True)
    arch = load_arch(base.arch)
    for level in LEVELS:
        fast = Simulator(doubled(arch, level)).execute(path, timing_only=True)
        assert fast.cycles <= base.cycles, f"2x {level} bandwidth slowed {path.stem}"
        assert fast.bytes_by_level == base.bytes_by_level     # the same traffic, sooner


@pytest.mark.parametrize("name, level", [("mv", "l1"), ("micro/l2_reread", "l2"),
                                         ("mm_split_n", "scratchpad")])
def test_a_kernel_that_waits_on_a_level_runs_faster_with_twice_its_bandwidth(name, level):
    """The doubling is real: a kernel whose loads that level serves gets faster."""
    path = KERNELS / f"{name}.xsmt"
    base = Simulator().execute(path, timing_only=True)
    fast = Simulator(doubled(load_arch(base.arch), level)).execute(path, timing_only=True)
    assert fast.cycles < base.cycles
