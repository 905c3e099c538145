"""``k1sim tune``: FlagGems' config spaces per op, pruned, simulated, exported.

* ``op`` / ``ops``: the ``Op`` entry of each op and the one table of them (``ops.OPS``);
  one module per op holds its space: ``mm``, ``gemm`` (bmm and addmm, one space with
  two key sets), ``attention``;
* ``prune``: the checks every space prunes with, each with its reason;
* ``search``: ``tune(op, shapes, archs)``, every kept config run through the sweep;
* ``export``: FlagGems' ``tune_configs.yaml``, written and checked;
* ``report``: the files ``k1sim tune --out`` writes.
"""

from k1sim.sweep.tune.report import summary_markdown, write_outputs
from k1sim.sweep.tune.search import Tuned, tune

__all__ = ["Tuned", "summary_markdown", "tune", "write_outputs"]
