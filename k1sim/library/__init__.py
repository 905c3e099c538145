"""Kernels built in Python at any size, for sweeps and tuning: FlagGems' SpacemiT ops as
parametric ``Builder`` programs, one module per op. Each op's ``*_meta`` builder takes the
shape and FlagGems' META keys, so ``k1sim tune`` runs a tune_configs.yaml entry as is.

* ``mm``: ``mm(m, n, k, path=...)`` on any of the four paths, ``mm_even_k``, ``mm_meta``;
* ``bmm``: ``bmm_meta`` (``bmm_spacemit``);
* ``addmm``: ``addmm_meta`` (``addmm_spacemit``);
* ``attention``: ``attention_meta``, the flash attention forward (``attention``).
"""

from k1sim.library.addmm import addmm_meta
from k1sim.library.attention import attention_meta
from k1sim.library.bmm import bmm_meta
from k1sim.library.mm import MM_PATHS, mm, mm_even_k, mm_meta

__all__ = ["MM_PATHS", "addmm_meta", "attention_meta", "bmm_meta", "mm", "mm_even_k",
           "mm_meta"]
