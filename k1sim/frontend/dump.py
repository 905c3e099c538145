"""``K1SIM_DUMP_PATH=dir``: each traced specialization as a ``.xsmt`` file that replays.

Like spine-triton's ``SPINE_TRITON_DUMP_PATH``, but the file also carries the
launch that first used it (FORMAT.md section 3): the arch, the threads, the
grid, each pointer argument's shape (the memory span it covered) and each
scalar's value, so ``k1sim run FILE`` runs the same launch. Data is not
dumped: float arguments start as ``randn`` and integer ones as zeros (a safe
index), which leaves the cycles of kernels whose control flow does not
depend on data unchanged.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from k1sim.errors import K1SimError
from k1sim.ir import attrs as A
from k1sim.ir import types as T


def dump(directory: str, module, key, result, shapes: dict, scalars: dict) -> Path:
    func = module.functions[0]
    name = func.prop("sym_name")
    digest = hashlib.sha1(repr(key).encode()).hexdigest()[:10]
    path = Path(directory) / f"{name}_{digest}.xsmt"
    saved_attrs, saved_args = dict(module.attrs), func.props.get("arg_attrs")
    args = func.regions[0].block.args
    try:
        module.attrs.update({"tt.arch_id": A.StringAttr(result.arch),
                             "tt.num_threads": A.IntAttr(result.threads, T.i32),
                             "k1sim.grid": A.i32_array(result.grid)})
        per_arg = []
        for v, attrs in zip(args, saved_args.items if saved_args else ()):
            entries = dict(attrs.items)
            arg = entries["k1sim.name"].value
            if arg in shapes:
                entries["k1sim.shape"] = A.i64_array(shapes[arg])
                entries["k1sim.init"] = A.StringAttr("randn" if T.is_float(v.type.pointee)
                                                     else "zeros")
            elif arg in scalars:
                value = scalars[arg]
                entries["k1sim.value"] = (A.FloatAttr(float(value), v.type)
                                          if T.is_float(v.type) else A.IntAttr(int(value), v.type))
            per_arg.append(A.DictAttr(tuple(entries.items())))
        func.props["arg_attrs"] = A.ArrayAttr(tuple(per_arg))
        text = module.to_text()
    finally:
        module.attrs.clear()
        module.attrs.update(saved_attrs)
        if saved_args is None:
            func.props.pop("arg_attrs", None)
        else:
            func.props["arg_attrs"] = saved_args
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as e:
        raise K1SimError(f"K1SIM_DUMP_PATH: cannot write {path}: {e.strerror}") from None
    return path
