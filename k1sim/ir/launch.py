"""Launch metadata of a module (FORMAT.md section 3): the kernel, its arguments, the grid.

Everything needed to run a file is in the file. :func:`resolve_launch` reads and checks
all of it once, applies the caller's overrides (CLI flags, ``RunOptions``), and returns a
:class:`LaunchSpec`; the simulator and ``k1sim check`` work from that spec and never go
back to the module's attributes, so they agree on what a file means.
"""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass

from k1sim.errors import K1SimError, ParseError
from k1sim.ir import types as T
from k1sim.ir.core import Module, Operation

INITS = ("zeros", "ones", "randn", "rand", "arange")
_RANDINT = re.compile(r"randint:(-?\d+):(-?\d+)$")


@dataclass(frozen=True)
class KernelArg:
    name: str
    type: T.Type
    shape: tuple | None = None
    init: str | None = None
    value: int | float | None = None

    @property
    def is_pointer(self) -> bool:
        return isinstance(self.type, T.PtrType)

    def describe(self) -> str:
        extra = []
        if self.shape is not None:
            extra.append(f"shape={list(self.shape)}")
        if self.is_pointer:
            extra.append(f"init={self.init or 'zeros'}")
        if self.value is not None:
            extra.append(f"value={self.value}")
        return f"{self.name}: {self.type}" + (f"  ({', '.join(extra)})" if extra else "")


def _is_public(func: Operation) -> bool:
    vis = func.prop("sym_visibility")
    return vis in (None, "public")


def select_kernel(module: Module, name: str | None = None) -> Operation:
    """The kernel: the one named ``name``, else the single public function."""
    funcs = module.functions
    if name is not None:
        for f in funcs:
            if f.prop("sym_name") == name:
                return f
        have = ", ".join(f.prop("sym_name") for f in funcs) or "none"
        raise ParseError(f"no function named '{name}' (functions: {have})",
                         filename=module.filename, line=1, column=1)
    public = [f for f in funcs if _is_public(f)]
    if not public:
        raise ParseError("no public function to run: a kernel is a public tt.func or func.func",
                         filename=module.filename, line=1, column=1)
    if len(public) > 1:
        a, b = (f.prop("sym_name") for f in public[:2])
        raise public[1].error(f"two public functions, '{a}' and '{b}'; choose one with "
                              f"--kernel {a} or --kernel {b}")
    return public[0]


def kernel_args(func: Operation) -> list[KernelArg]:
    """The kernel's arguments with their k1sim attributes, checked."""
    block = func.regions[0].block if func.regions else None
    arg_attrs = func.prop("arg_attrs") or ()
    out, seen = [], {}
    for i, v in enumerate(block.args if block else ()):
        attrs = {k: a.value for k, a in (arg_attrs[i] if i < len(arg_attrs) else {}).items()}
        name = attrs.get("k1sim.name", v.name or f"arg{i}")
        where = f"argument {i} ('%{v.name}')"
        if name in seen:
            raise func.error(f"{where} has the name '{name}' of argument {seen[name]}; "
                             "names must be unique")
        seen[name] = i
        shape, init, value = attrs.get("k1sim.shape"), attrs.get("k1sim.init"), None
        if isinstance(v.type, T.PtrType):
            if shape is not None and (not isinstance(shape, tuple) or not shape
                                      or any(not isinstance(d, int) or d <= 0 for d in shape)):
                raise func.error(f"{where}: k1sim.shape must be positive sizes, got {shape}")
            if init is not None and init not in INITS and not _RANDINT.match(str(init)):
                raise func.error(f"{where}: unknown k1sim.init {init!r}; one of "
                                 f"{', '.join(INITS)}, randint:LO:HI")
        else:
            for key in ("k1sim.shape", "k1sim.init"):
                if key in attrs:
                    raise func.error(f"{where}: {key} applies to pointer arguments, not {v.type}")
            value = attrs.get("k1sim.value")
        out.append(KernelArg(name, v.type, tuple(shape) if shape else None, init, value))
    return out


def launch_grid(module: Module) -> tuple[int, int, int]:
    grid = module.attr("k1sim.grid", (1,))
    grid = grid if isinstance(grid, tuple) else (grid,)
    if not 1 <= len(grid) <= 3 or any(not isinstance(g, int) or g <= 0 for g in grid):
        raise ParseError(f"k1sim.grid must be 1 to 3 positive sizes, got {grid}",
                         filename=module.filename, line=1, column=1)
    return tuple(grid) + (1,) * (3 - len(grid))


@dataclass(frozen=True)
class LaunchSpec:
    """Everything a module says about its launch, with the caller's overrides applied.

    ``arch_id`` is the file's ``tt.arch_id`` (None: the caller must choose an arch);
    ``threads`` is the requested thread count, None for the arch's default, and
    ``threads_from`` names where it came from for error messages; ``expects`` are the
    texts of the checks; ``rtol`` / ``atol`` are None where neither the caller nor the
    file sets them (the output's element type then decides)."""

    func: Operation
    kernel: str
    filename: str
    args: tuple[KernelArg, ...]
    grid: tuple[int, int, int]
    arch_id: str | None
    threads: int | None
    threads_from: str
    expects: tuple[str, ...]
    rtol: float | None
    atol: float | None
    warnings: tuple[str, ...]


def resolve_launch(module: Module, *, kernel: str | None = None, grid=None,
                   threads: int | None = None, expects=None, rtol: float | None = None,
                   atol: float | None = None) -> LaunchSpec:
    """The launch ``module`` describes; each keyword that is not None overrides the file."""
    func = select_kernel(module, kernel)
    threads_from = "threads"
    if threads is None:
        threads, threads_from = module.attr("tt.num_threads"), "tt.num_threads"
    if threads is not None and (isinstance(threads, bool) or not _is_int(threads)
                                or threads <= 0):
        raise K1SimError(f"{threads_from} must be a positive number of threads, got {threads}")
    texts = expects if expects is not None else (module.attr("k1sim.expect") or ())
    return LaunchSpec(
        func=func, kernel=func.prop("sym_name"), filename=module.filename,
        args=tuple(kernel_args(func)),
        grid=override_grid(grid) if grid is not None else launch_grid(module),
        arch_id=module.attr("tt.arch_id"),
        threads=None if threads is None else int(threads), threads_from=threads_from,
        expects=(texts,) if isinstance(texts, str) else tuple(texts),
        rtol=_tolerance("rtol", rtol if rtol is not None else module.attr("k1sim.rtol")),
        atol=_tolerance("atol", atol if atol is not None else module.attr("k1sim.atol")),
        warnings=tuple(module.warnings))


def _is_int(value) -> bool:
    # numpy integers register as numbers.Integral too: a caller may pass np.int64 sizes
    return isinstance(value, numbers.Integral)


def override_grid(grid) -> tuple[int, int, int]:
    """A caller's grid (an int or 1 to 3 sizes), padded to three dimensions."""
    grid = tuple(grid) if isinstance(grid, (tuple, list)) else (grid,)
    if not 1 <= len(grid) <= 3 or any(isinstance(g, bool) or not _is_int(g) or g <= 0
                                      for g in grid):
        raise K1SimError(f"grid must be 1 to 3 positive sizes, got {list(grid)}")
    return tuple(int(g) for g in grid) + (1,) * (3 - len(grid))


def _tolerance(name: str, value) -> float | None:
    if value is None:
        return None
    if not float(value) >= 0:
        raise K1SimError(f"{name} must be >= 0, got {value}")
    return float(value)


def op_counts(func: Operation) -> dict[str, int]:
    counts: dict[str, int] = {}
    for op in func.walk():
        if op is not func:
            counts[op.dialect] = counts.get(op.dialect, 0) + 1
    return dict(sorted(counts.items()))
