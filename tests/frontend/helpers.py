"""Shared helpers of the front-end tests: kernel files and a kernel written to tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

KERNELS = Path(__file__).parent / "kernel_files"

HEADER = """\
import triton
import triton.language as tl
import triton.language.extra.smt as smt
"""


def write_kernel(tmp_path, body: str, name: str = "kern.py") -> Path:
    """A kernel file in ``tmp_path`` holding the standard imports and ``body``."""
    path = tmp_path / name
    path.write_text(HEADER + "\n" + textwrap.dedent(body))
    return path


def line_of(path: Path, text: str) -> int:
    """The 1-based line of ``path`` holding ``text``."""
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            return i
    raise AssertionError(f"{text!r} not in {path}")
