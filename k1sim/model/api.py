"""``k1sim.model(...)``: a whole model on one arch (or several archs and thread counts)."""

from __future__ import annotations

from k1sim.arch import load_arch
from k1sim.errors import K1SimError
from k1sim.model.kernels import micro_tile
from k1sim.model.layers import gemm_key, kernel_call, model_dtype
from k1sim.model.result import ModelResult
from k1sim.model.run import Runner, fallback_cost


def model(source, arch="0xA064", threads=None, dtype: str = "f16", batch: int = 1,
          cache_dir=None, workers: int | None = None, scheduler: str | None = None,
          configs: dict | None = None, progress=None, tune: bool = True):
    """Estimate ``source`` (an ONNX path, a preset name or a topology CSV) on ``arch``.

    ``arch`` and ``threads`` may be lists (or comma-separated text): the result is then a
    ``ModelComparison`` over every (arch, threads) pair; otherwise one ``ModelResult``.
    ``threads`` None means all of the arch's cores. With several archs, a thread count
    above an arch's cores is left out for that arch, and the comparison's ``notes`` say so
    (``--arch 0xA03C,0xA064 --threads 1,2,4,8``: 1 to 4 on K1, 1 to 8 on K3); with one
    arch it is an error. ``cache_dir=False`` disables the
    result cache; ``configs`` maps (m, n, k, dtype) to a GEMM block config. ``tune``
    (the default) tunes every GEMM shape without one on each arch, on first use
    (``k1sim.model.tuning``); False runs the documented default blocks.
    """
    from k1sim.model.sources import load_model
    archs, counts = _listed(arch), _listed(threads)
    if not archs:
        raise K1SimError(f"arch {arch!r}: give an arch id or YAML path (several: 0xA03C,0xA064)")
    results, notes = [], []
    # Every arch and thread count is checked before the model loads or a GEMM is tuned:
    # a typo in the last arch must not cost the minutes the first one takes.
    plan = [(a, loaded, _thread_counts(counts, loaded, len(archs) > 1, notes))
            for a, loaded in [(a, load_arch(a)) for a in archs]]
    dt = model_dtype(dtype)
    runner = Runner(cache_dir, workers, scheduler, progress)
    name, layers = load_model(source, batch, runner.root / "layers" if runner.root else None)
    try:
        for a, loaded, fits in plan:
            for t in fits:        # layers that need no GEMM config run while GEMMs tune
                runner.start([kernel_call(x, loaded, dt) for x in layers
                              if x.mapped and x.kernel not in ("gemm", "view")], loaded, t)
            chosen, tuning = _configs(layers, str(a), loaded, dt, runner, configs or {}, tune)
            for t in fits:
                results.append(run_layers(name, layers, loaded, t, dtype, runner, chosen,
                                          tuning))
                tuning = {**tuning, "simulated": 0}      # later thread counts reuse it
    except BaseException:
        runner.close(cancel=True)
        raise
    runner.close()
    if len(results) == 1:
        return results[0]
    from k1sim.model.compare import ModelComparison
    return ModelComparison(results, notes)


def _configs(layers, arch_name: str, arch, dtype: str, runner: Runner, given: dict,
             tune: bool) -> tuple[dict, dict]:
    """(configs, tuning): (m, n, k, dtype) -> (block config, ``given`` or ``tuned``) for
    every GEMM shape that has one (the rest run the default blocks), and what tuning did:
    shapes tuned, configs looked at, configs simulated, notes."""
    out = {key: (cfg, "given") for key, cfg in given.items()}
    shapes = [k for k in (gemm_key(layer, dtype) for layer in layers) if k and k not in out]
    info = {"shapes": 0, "points": 0, "simulated": 0, "notes": []}
    if tune and shapes:
        tuning = runner.tune(shapes, arch_name, arch, lambda dt: micro_tile(arch, dt))
        out.update({key: (cfg, "tuned") for key, cfg in tuning.configs.items()
                    if key not in tuning.defaulted})
        info = {"shapes": len(tuning.configs) - len(tuning.defaulted),
                "points": tuning.points, "simulated": tuning.ran, "notes": tuning.notes}
    return out, info


def _listed(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _thread_counts(counts: list, arch, several_archs: bool, notes: list) -> list[int]:
    """The thread counts to run on ``arch`` (all its cores when none are given). Beside
    other archs, counts above its cores are left out and ``notes`` says which."""
    out, over = [], []
    for value in counts:
        try:
            n = int(value)
        except (TypeError, ValueError):
            raise K1SimError(f"threads must be a positive integer, got {value!r}") from None
        if n < 1 or (n > arch.cores and not several_archs):
            raise K1SimError(f"threads = {n}: {arch.arch_id} has {arch.cores} cores (1 to "
                             f"{arch.cores})")
        (over if n > arch.cores else out).append(n)
    if over and not out:
        raise K1SimError(f"threads {','.join(map(str, over))}: {arch.arch_id} has "
                         f"{arch.cores} cores; give at least one count from 1 to {arch.cores}")
    if over:
        notes.append(f"{arch.arch_id} has {arch.cores} cores: threads "
                     f"{','.join(map(str, over))} left out on it")
    return out or [arch.cores]


def run_layers(name, layers, arch, threads: int, dtype: str, runner: Runner,
               configs=None, tuning=None) -> ModelResult:
    """One (arch, threads) run; ``configs`` as ``_configs`` returns them."""
    dt = model_dtype(dtype)
    configs = configs or {}
    tuning = tuning or {"shapes": 0, "points": 0, "simulated": 0, "notes": []}
    warnings = list(tuning["notes"])
    if dt == "i8" and (arch.matrix.kind == "none" or "i8" not in arch.matrix.tiles):
        warnings.append(f"{arch.arch_id} has no int8 matrix (IME/AME) path: int8 GEMMs run "
                        "on RVV")
    blocks = {key: cfg for key, (cfg, _) in configs.items()}
    calls = [kernel_call(layer, arch, dt, blocks) for layer in layers]
    before = runner.simulated
    numbers = runner.run([c for c in calls if c is not None], arch, threads)
    rows = [_row(layer, call, numbers.get(call), arch, dt, threads)
            for layer, call in zip(layers, calls)]
    for layer, row in zip(layers, rows):
        key = gemm_key(layer, dt)
        if key is not None:
            row["config"] += f" ({configs[key][1] if key in configs else 'default'})"
    unmapped = [r["name"] for r in rows if not r["mapped"]]
    if unmapped:
        warnings.append(f"{len(unmapped)} op(s) with no kernel mapping, costed by the roofline "
                        f"fallback: {', '.join(unmapped[:5])}{' ...' if len(unmapped) > 5 else ''}")
    return ModelResult(name, arch.arch_id, threads, {"i8": "int8"}.get(dt, dt), arch.freq_mhz,
                       rows, len(numbers), runner.simulated - before, warnings, arch,
                       {k: v for k, v in tuning.items() if k != "notes"})


def _row(layer, call, sim, arch, dtype, threads) -> dict:
    row = {"name": layer.name, "op": layer.op, "kind": layer.kind, "shape": layer.shape,
           "macs": int(layer.macs), "mapped": layer.mapped, "ops": {}, "engine": "",
           "threads_used": [], "dram_bytes": 0.0, "l2_bytes": 0.0, "pct_of_peak": 0.0,
           "call": call}
    if call is not None:
        row.update(kernel=call.kernel, config=call.label(), cycles=sim["cycles"],
                   seconds=sim["seconds"], bound=sim["bound"], engine=sim["main_key"] or "",
                   pct_of_peak=sim["pct_of_peak"], ops=sim["ops"],
                   threads_used=sim["threads_used"], dram_bytes=sim["dram_bytes"],
                   l2_bytes=sim["l2_bytes"], main_peak=sim["main_peak"])
    elif layer.kernel == "view":
        row.update(kernel="view", config="free (a view)", cycles=0, seconds=0.0, bound="view")
    else:
        cost = fallback_cost(layer, arch, dtype, threads)
        row.update(kernel="fallback", config="roofline fallback", cycles=cost["cycles"],
                   seconds=cost["seconds"], bound=cost["bound"],
                   dram_bytes=cost["dram_bytes"],
                   threads_used=[str(t) for t in range(threads)])
    row["ms"] = row["seconds"] * 1e3
    return row


__all__ = ["model", "run_layers"]
