"""K1SIM_DUMP_PATH: each traced specialization as a .xsmt that `k1sim run` replays."""

from __future__ import annotations

import numpy as np

from k1sim import frontend
from k1sim.cli import main
from k1sim.simulator import Simulator
from tests.frontend.helpers import KERNELS

MM = KERNELS / "mm_smt.py"
META = dict(BLOCK_SIZE_M=32, BLOCK_SIZE_N=32, BLOCK_SIZE_K=64, MICRO_M=8, MICRO_K=32,
            MICRO_N=32)


def test_a_dump_replays_with_the_same_cycles(tmp_path, monkeypatch, capsys):
    dumps = tmp_path / "dumps"
    monkeypatch.setenv("K1SIM_DUMP_PATH", str(dumps))
    mod = frontend.load(MM)
    a = np.random.default_rng(0).standard_normal((64, 48)).astype(np.float16)
    b = np.random.default_rng(1).standard_normal((48, 64)).astype(np.float16)
    c = np.zeros((64, 64), np.float16)
    args = (a, b, c, 64, 64, 48, 48, 1, 64, 1, 64, 1)
    r = frontend.launch(mod.mm_kernel, (2, 2), *args, arch="0xA064", threads=4, **META)
    frontend.launch(mod.mm_kernel, (2, 2), *args, arch="0xA064", threads=4, **META)
    files = sorted(dumps.glob("*.xsmt"))
    assert len(files) == 1 and files[0].name.startswith("mm_kernel_")  # one specialization
    text = files[0].read_text()
    for piece in ('tt.arch_id = "0xA064"', "tt.num_threads = 4 : i32",
                  "k1sim.grid = array<i32: 2, 2, 1>", "k1sim.shape = array<i64: 64, 48>",
                  "k1sim.value = 48 : i32", f'loc("{MM}":'):
        assert piece in text, piece
    replay = Simulator().execute(str(files[0]))
    assert replay.cycles == r.cycles and replay.grid == r.grid
    assert main(["run", str(files[0]), "--quiet"]) == 0
    assert f" {r.cycles} cycles" in capsys.readouterr().out
