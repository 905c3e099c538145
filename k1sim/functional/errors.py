"""The error the functional kernels raise for operands they cannot compute."""

from __future__ import annotations

from k1sim.errors import K1SimError


class FunctionalError(K1SimError, ValueError):
    """Operands of a functional kernel that do not agree (shapes, tiles, dtypes)."""
