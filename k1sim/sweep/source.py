"""What a sweep runs: a kernel source plus one point of parameters -> a program to simulate.

Two sources, both picklable (a worker process or a Dask worker rebuilds the program
itself, so only names and numbers cross the wire):

* ``XsmtSource(path)``: a ``.xsmt`` file; every parameter that is not a run setting is
  a scalar argument override, exactly as ``k1sim run --arg NAME=VALUE``;
* ``BuilderSource("module:function")``: a Python function returning a ``Builder`` (such
  as ``k1sim.library:mm``); the parameters are its keyword arguments.

Run settings (``RUN_KEYS``) are not kernel parameters: ``arch`` (an id or a YAML path),
``threads``, ``freq_mhz``, ``timing_only``, ``seed``.

``digest()`` is the content hash the result cache keys on: the file's bytes, or the
source text of the builder's module.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
from dataclasses import dataclass
from pathlib import Path

from k1sim.errors import K1SimError

RUN_KEYS = ("arch", "threads", "freq_mhz", "timing_only", "seed")


@dataclass(frozen=True)
class XsmtSource:
    path: str

    @property
    def name(self) -> str:
        return Path(self.path).stem

    def digest(self) -> str:
        try:
            return hashlib.sha256(Path(self.path).read_bytes()).hexdigest()
        except OSError as e:
            raise K1SimError(f"{self.path}: cannot read the kernel ({e.strerror})") from None

    def build(self, params: dict, arch, threads) -> tuple:
        """(program, scalar argument overrides) for ``params``."""
        return self.path, dict(params)

    def check(self, names) -> None:
        """Refuse, before any point runs, a file that does not parse or verify and a
        parameter that names none of its arguments: every point would fail the same way."""
        from k1sim.ir.launch import resolve_launch
        from k1sim.ir.parser import parse_file

        spec = resolve_launch(parse_file(self.path))
        known = [a.name for a in spec.args]
        unknown = sorted(set(names) - set(known))
        if unknown:
            raise K1SimError(f"sweep {self.path}: {', '.join(unknown)} names no argument of "
                             f"kernel {spec.kernel}; its arguments: {', '.join(known)} (run "
                             f"settings: {', '.join(RUN_KEYS)})")


@dataclass(frozen=True)
class BuilderSource:
    target: str      # "package.module:function"

    @property
    def name(self) -> str:
        return self.target.rpartition(":")[2]

    def function(self):
        module_name, colon, attr = self.target.partition(":")
        if not colon or not attr:
            raise K1SimError(f"builder {self.target!r}: give it as module:function, "
                             "such as k1sim.library:mm")
        try:
            module = importlib.import_module(module_name)
        except ImportError as e:
            raise K1SimError(f"builder {self.target!r}: cannot import {module_name} ({e})") \
                from None
        func = getattr(module, attr, None)
        if not callable(func):
            raise K1SimError(f"builder {self.target!r}: {module_name} has no function {attr}")
        return func

    def digest(self) -> str:
        func = self.function()
        text = inspect.getsource(inspect.getmodule(func))
        return hashlib.sha256(f"{self.target}\n{text}".encode()).hexdigest()

    def build(self, params: dict, arch, threads) -> tuple:
        """The builder's program for ``params``; ``arch`` and ``threads`` (default: the
        arch's cores) are passed on when the function takes them, so its launch metadata
        names what runs."""
        func = self.function()
        accepted = self.check(params)
        kwargs = dict(params)
        if "arch" in accepted and arch is not None:
            kwargs["arch"] = arch.arch_id
        if "threads" in accepted and arch is not None:
            kwargs["threads"] = threads or arch.cores
        return func(**kwargs), {}


    def check(self, names):
        """The builder's parameters; a name among ``names`` that is none of them is refused
        (before any point runs, as ``sweep`` calls it)."""
        accepted = inspect.signature(self.function()).parameters
        unknown = sorted(set(names) - set(accepted))
        if unknown:
            raise K1SimError(f"{self.target} takes no parameter {', '.join(unknown)}; it "
                             f"takes {', '.join(accepted)}")
        return accepted


def check_run_settings(points: list) -> None:
    """A thread count or clock that no arch can take is refused before any point runs."""
    for key in ("threads", "freq_mhz"):
        for point in points:
            v = point.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                                  or v <= 0 or (key == "threads" and v != int(v))):
                raise K1SimError(f"sweep {key} {v!r}: give a positive "
                                 + ("whole number" if key == "threads" else "clock in MHz"))


def source_of(kernel) -> XsmtSource | BuilderSource:
    """A source from a ``.xsmt`` path, a ``module:function`` name or a function."""
    if isinstance(kernel, (XsmtSource, BuilderSource)):
        return kernel
    if callable(kernel):
        return BuilderSource(f"{kernel.__module__}:{kernel.__qualname__}")
    text = str(kernel)
    if text.endswith(".xsmt") or Path(text).is_file():
        if not Path(text).is_file():
            raise K1SimError(f"{text}: no such kernel file")
        return XsmtSource(text)
    if ":" in text:
        return BuilderSource(text)
    raise K1SimError(f"kernel {text!r}: give a .xsmt file or a builder as module:function "
                     "(such as k1sim.library:mm)")
