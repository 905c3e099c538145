"""``frontend.load(path)``: import a kernel file with ``triton`` resolved to k1sim.

The file runs as a fresh module while the stand-ins are installed; its
``@triton.jit`` functions keep them, so the module can be used (and its
kernels launched) after ``load`` returns, with ``sys.modules`` as it was.
"""

from __future__ import annotations

import sys
import traceback
import types
from pathlib import Path

from k1sim.errors import K1SimError, ParseError
from k1sim.frontend.errors import TraceError
from k1sim.frontend.standins import installed


def load(path) -> types.ModuleType:
    """The module of the Python file ``path``, its kernels ready to launch."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as e:
        raise K1SimError(f"{path}: cannot read: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise K1SimError(f"{path}: not UTF-8 text ({e.reason})") from None
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as e:
        raise TraceError(f"invalid Python: {e.msg}", str(path), e.lineno or 0,
                         e.offset or 0) from None
    mod = types.ModuleType(path.stem)
    mod.__file__ = str(path)
    with installed():
        try:
            exec(code, mod.__dict__)
        except ParseError:
            raise
        except K1SimError as e:
            raise locate(e, str(path)) from None
    return mod


def locate(e: K1SimError, filename: str) -> K1SimError:
    """``e`` located at the innermost line of ``filename`` in its traceback, if any."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == filename]
    if not frames:
        return e
    f = frames[-1]
    return TraceError(str(e), filename, f.lineno or 0, (f.colno or 0) + 1)


def run_script(path, argv=()) -> None:
    """Run ``path`` as ``__main__`` (``k1sim run script.py``) with the stand-ins installed."""
    import runpy
    path = str(path)
    saved_argv = sys.argv
    sys.argv = [path, *argv]
    try:
        with installed():
            try:
                runpy.run_path(path, run_name="__main__")
            except ParseError:
                raise
            except K1SimError as e:
                raise locate(e, path) from None
    finally:
        sys.argv = saved_argv
