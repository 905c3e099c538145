"""Many runs: sweeps over kernels, configs and archs, tuning, their executors, and
``batch`` (the ``k1sim report`` of a kernel directory over many archs). It sits above
``k1sim.report``, which only reads results.

``k1sim.sweep(kernel, axes, ...)`` returns a pandas DataFrame with one row per point
(``k1sim.sweep.run``); ``k1sim.sweep.tune`` searches FlagGems' config spaces. The package
itself is callable, because ``k1sim.sweep`` names both the function (the public API the
issue promises) and this package, and Python's import system rebinds ``k1sim.sweep`` to
the package as soon as any submodule is imported.
"""

import sys
import types


def sweep(kernel, axes=None, **options):
    """``k1sim.sweep.run.sweep``: ``kernel`` over the product of ``axes``, as a DataFrame."""
    from k1sim.sweep.run import sweep as run_sweep
    return run_sweep(kernel, axes, **options)


class _CallableModule(types.ModuleType):
    def __call__(self, kernel, axes=None, **options):
        return sweep(kernel, axes, **options)


sys.modules[__name__].__class__ = _CallableModule
