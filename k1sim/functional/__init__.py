"""The values k1sim computes: numpy references and numba kernels.

Each numba kernel sits next to its numpy ``*_ref`` twin in the same module.
numba is imported on a kernel's first call, never by importing this package.
"""

from k1sim.functional.dtypes import result_dtype, round_bf16, storage_dtype, wide_dtype, wide_name
from k1sim.functional.errors import FunctionalError
from k1sim.functional.mmt4d import mmt4d, mmt4d_ref
from k1sim.functional.packing import pack, pack_ref, repack, repack_ref, unpack, unpack_ref

__all__ = [
    "FunctionalError",
    "mmt4d", "mmt4d_ref",
    "pack", "pack_ref", "unpack", "unpack_ref", "repack", "repack_ref",
    "round_bf16", "result_dtype", "storage_dtype", "wide_dtype", "wide_name",
]
