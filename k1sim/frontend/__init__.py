"""Run Triton / spine-triton kernels from their Python source.

``load(path)`` imports a kernel file with ``triton``, ``triton.language`` and
``triton.language.extra.smt`` resolved to k1sim's stand-ins; ``target(arch)``
is where launches run; ``kernel[grid](...)`` or ``launch(kernel, grid, ...)``
traces the kernel into k1sim IR (once per specialization) and simulates it::

    mod = frontend.load("mm.py")
    with frontend.target("0xA064") as t:
        mod.mm_kernel[grid](a, b, c, M, N, K, ..., BLOCK_SIZE_M=32, ...)
    t.results[-1].cycles
"""

from k1sim.frontend.launch import Target, launch, target
from k1sim.frontend.loader import load, run_script
from k1sim.frontend.standins import MODULES, installed

triton = MODULES["triton"]
tl = MODULES["triton.language"]
smt = MODULES["triton.language.extra.smt"]
jit = triton.jit

__all__ = ["load", "target", "launch", "Target", "run_script", "installed", "triton", "tl",
           "smt", "jit"]
