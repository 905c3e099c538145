"""The differential check: a Python kernel against a compiler dump of the same
specialization.

A compiler that drops a scale factor (the forum report in ``kernels/qk_scale_miscompiled
.xsmt``) produces a dump whose values differ from what its Python source says. ``diff``
runs both on the same inputs, the Python through the front end and the dump through the
``.xsmt`` path, and reports every pointer argument whose final contents differ: how many
elements, the first index, and both values. No expect has to be written.

The dump's arguments are matched to the Python kernel's runtime (non-constexpr)
parameters by position. A Triton dump drops the integer arguments equal to 1 (Triton
specializes them away, as the unit strides of ``kernels/mm_split_m.xsmt``), so when the
counts differ those parameters are left out before matching.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from k1sim.errors import K1SimError
from k1sim.frontend.diff_compare import Mismatch, compare
from k1sim.ir import launch as meta
from k1sim.simulator import Simulator, initial_arguments


@dataclass(frozen=True)
class DiffReport:
    """What ``diff`` found. ``mismatches`` holds one entry per differing argument, in
    argument order; ``compared`` names every pointer argument compared (by its Python
    parameter name) and ``arrays`` maps each to its (Python, dump) contents after the
    runs; ``python`` and ``dump_result`` are the two RunResults."""
    kernel: str
    dump: str
    arch: str
    grid: tuple
    compared: tuple
    mismatches: tuple
    arrays: dict
    python: object
    dump_result: object

    @property
    def agree(self) -> bool:
        return not self.mismatches

    def text(self) -> str:
        g = "x".join(map(str, self.grid))
        lines = [f"diff {self.kernel} (Python) vs {self.dump} (dump) on {self.arch}, grid {g}"]
        differ = {m.name: m for m in self.mismatches}
        for name in self.compared:
            lines.append(f"  {name:<12}" + (differ[name].describe() if name in differ
                                             else "same"))
        lines.append(f"cycles    Python {self.python.cycles:,}, dump {self.dump_result.cycles:,}")
        n = len(self.mismatches)
        lines.append(f"{n} of {len(self.compared)} outputs differ" if n else
                     f"all {len(self.compared)} outputs agree")
        return "\n".join(lines)


def diff(kernel, dump, grid, *args, arch=None, threads=None, rtol=None, atol=None,
         dump_kernel=None, **constexprs) -> DiffReport:
    """Launch ``kernel[grid](*args, **constexprs)`` through the front end and run the
    dump ``dump`` (a path or a parsed Module) with the same argument values; compare
    every pointer argument afterwards. ``args`` are what the host passes (arrays, ints,
    floats); neither side writes into them. ``arch`` defaults to the dump's
    ``tt.arch_id``."""
    from k1sim import frontend

    module = _module(dump)
    func = meta.select_kernel(module, dump_kernel)
    dump_args = meta.kernel_args(func)
    params = runtime_parameters(kernel)
    if len(args) != len(params):
        raise K1SimError(f"{_name(kernel)} takes {len(params)} runtime arguments "
                         f"({', '.join(params)}), got {len(args)}")
    values = dict(zip(params, args))
    matched = match_arguments(params, values, dump_args, _name(kernel))
    arch = arch or module.attr("tt.arch_id")
    if arch is None:
        raise K1SimError(f"{module.filename}: no tt.arch_id; give the arch to compare on")

    inputs, scalars, python_args = {}, {}, []
    for name in params:
        value = values[name]
        if _is_array(value):
            value = np.array(np.asarray(value), copy=True)
            if name in matched:
                inputs[matched[name].name] = _as_dump_shape(value, matched[name])
        elif name in matched:
            scalars[matched[name].name] = value
        python_args.append(value)
    dumped = Simulator(arch).execute(module, inputs=inputs, args=scalars, grid=grid,
                                     threads=threads, kernel=dump_kernel, expects=())
    # by keyword: constexpr parameters may sit between the runtime ones
    ran = frontend.launch(kernel, grid, arch=arch, threads=threads,
                          **dict(zip(params, python_args)), **constexprs)

    arrays, mismatches = {}, []
    for name, value in zip(params, python_args):
        if name not in matched or not isinstance(value, np.ndarray):
            continue
        arrays[name] = (value, dumped.outputs[matched[name].name])
        found = compare(name, value, arrays[name][1], rtol, atol)
        if found is not None:
            mismatches.append(found)
    return DiffReport(_name(kernel), module.filename, dumped.arch, dumped.grid,
                      tuple(arrays), tuple(mismatches), arrays, ran, dumped)


def diff_with_dump_inputs(kernel, dump, constexprs=None, values=None, seed=0, arch=None,
                          threads=None, grid=None, rtol=None, atol=None,
                          dump_kernel=None) -> DiffReport:
    """``diff`` with the inputs the dump's launch metadata describes (FORMAT.md section 3:
    ``k1sim.shape`` / ``k1sim.init`` seeded by ``seed``, ``k1sim.value``, ``k1sim.grid``).
    ``values`` gives the Python parameters the dump has no argument for (the unit strides
    Triton specialized away) or overrides scalar ones; ``constexprs`` the constexpr
    parameters."""
    module = _module(dump)
    func = meta.select_kernel(module, dump_kernel)
    dump_args = meta.kernel_args(func)
    params = runtime_parameters(kernel)
    values = dict(values or {})
    unknown = sorted(set(values) - set(params))
    if unknown:
        raise K1SimError(f"{_name(kernel)} has no runtime parameter {', '.join(unknown)}; "
                         f"its runtime parameters: {', '.join(params)}")
    matched = match_arguments(params, values, dump_args, _name(kernel))
    start = initial_arguments(module, seed=seed, kernel=dump_kernel)
    args = []
    for name in params:
        if name in values:
            args.append(values[name])
        elif name in matched:
            args.append(start[matched[name].name])
        else:
            raise K1SimError(f"parameter '{name}' of {_name(kernel)} has no argument in "
                             f"{module.filename}; give its value (--arg {name}=VALUE)")
    return diff(kernel, module, grid or meta.launch_grid(module), *args, arch=arch,
                threads=threads, rtol=rtol, atol=atol, dump_kernel=dump_kernel,
                **dict(constexprs or {}))


def match_arguments(params, values: dict, dump_args, kernel_name: str) -> dict:
    """Python runtime parameter name -> the dump's KernelArg, by position; parameters
    whose value is the integer 1 are left out first when the counts differ."""
    names = list(params)
    if len(names) != len(dump_args):
        names = [n for n in names if not _is_unit(values.get(n))]
    if len(names) != len(dump_args):
        raise K1SimError(
            f"the dump's kernel has {len(dump_args)} arguments "
            f"({', '.join(a.name for a in dump_args)}), {kernel_name} has {len(params)} "
            f"runtime parameters ({', '.join(params)}); a Triton dump leaves out the "
            "integer arguments equal to 1: give their values (--arg NAME=1)")
    for name, arg in zip(names, dump_args):
        value = values.get(name)
        if value is not None and _is_array(value) != arg.is_pointer:
            what = "an array" if _is_array(value) else f"the scalar {value!r}"
            raise K1SimError(f"parameter '{name}' of {kernel_name} is {what}, but the dump's "
                             f"argument {arg.name} in its place is {arg.type}")
    return dict(zip(names, dump_args))


def pick_kernel(module, path: str, name: str | None, dump_name: str | None):
    """The jit function of a loaded kernel file: the one called ``name``, else the one
    named like the dump's kernel, else the only one."""
    kernels = {n: v for n, v in vars(module).items() if _is_jit(v)}
    if name is not None or dump_name in kernels:
        found = kernels.get(name or dump_name)
        if found is None:
            raise K1SimError(f"{path}: no @triton.jit function '{name}'; it has "
                             f"{', '.join(kernels) or 'none'}")
        return found
    if len(kernels) != 1:
        raise K1SimError(f"{path}: {len(kernels)} @triton.jit functions "
                         f"({', '.join(kernels) or 'none'}) and none is named like the dump's "
                         f"kernel '{dump_name}'; choose one with --kernel NAME")
    return next(iter(kernels.values()))


def runtime_parameters(kernel) -> list:
    """The names of a jit function's parameters not annotated tl.constexpr, in order."""
    fn = getattr(kernel, "fn", kernel)
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        raise K1SimError(f"{kernel!r} is not a @triton.jit kernel") from None
    return [name for name, p in sig.parameters.items() if not _is_constexpr(p.annotation)]


def _is_constexpr(annotation) -> bool:
    # the annotation object (tl.constexpr) or its text under `from __future__ import
    # annotations`
    if isinstance(annotation, str):
        return annotation.split(".")[-1] == "constexpr"
    return getattr(annotation, "__name__", type(annotation).__name__) == "constexpr"


def _as_dump_shape(array: np.ndarray, arg) -> np.ndarray:
    """The array in the dump argument's k1sim.shape when it holds the same elements (a
    [1, 2, 72, 64] host tensor is the dump's [2, 72, 64]): memory is what both see."""
    if arg.shape is None or tuple(arg.shape) == array.shape:
        return array
    if int(np.prod(arg.shape)) != array.size:
        raise K1SimError(f"argument {arg.name} of the dump has k1sim.shape {list(arg.shape)}, "
                         f"the Python launch passes an array of shape {list(array.shape)}")
    return np.ascontiguousarray(array).reshape(arg.shape)


def _is_jit(value) -> bool:
    return hasattr(value, "fn") and callable(getattr(value, "__getitem__", None))


def _is_array(value) -> bool:
    return isinstance(value, np.ndarray) or hasattr(value, "__array__") or \
        hasattr(value, "__dlpack__")


def _is_unit(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value == 1


def _name(kernel) -> str:
    return getattr(kernel, "__name__", None) or getattr(getattr(kernel, "fn", None),
                                                        "__name__", repr(kernel))


def _module(dump):
    from k1sim.ir.core import Module
    from k1sim.ir.parser import parse_file

    return dump if isinstance(dump, Module) else parse_file(str(dump))


__all__ = ["DiffReport", "Mismatch", "diff", "diff_with_dump_inputs", "match_arguments",
           "pick_kernel"]
