"""FlagGems' ``tune_configs.yaml``: writing the winners, and checking a file.

The file maps an op key (``mm_spacemit``, ...) to a list of ``- META: {...}`` entries with
exactly the keys FlagGems' kernel reads, as ``src/flag_gems/runtime/backend/_spacemit/
tune_configs.yaml`` lists them. ``check_tune_file`` loads one back and checks every entry
against the op's key set and the arch's LEGAL_CONFIGS micro tiles.
"""

from __future__ import annotations

from k1sim.arch import load_arch
from k1sim.arch_micro import legal_micro
from k1sim.sweep.tune.ops import OPS, by_key


def to_meta(config: dict, op) -> dict:
    """Exactly the keys FlagGems reads, as plain ints."""
    return {key: int(config[key]) for key in op.meta_keys}


def tune_yaml(entries: dict) -> str:
    """``tune_configs.yaml`` text: {op_key: [(comment, config), ...]} as FlagGems' file
    lists them (``op_key:`` then ``- META:``), each entry under a comment naming the shape
    it won."""
    lines = ["# Written by k1sim tune: the fastest simulated config per shape, in FlagGems'",
             "# tune_configs.yaml shape (src/flag_gems/runtime/backend/_spacemit/).", ""]
    for op_key, items in entries.items():
        op = by_key(op_key)
        lines.append(f"{op_key}:")
        for comment, config in items:
            lines.append(f"# {comment}")
            lines.append("- META:")
            lines += [f"    {key}: {value}" for key, value in to_meta(config, op).items()]
    return "\n".join(lines) + "\n"


def check_tune_file(text: str, arch_id: str, dtype: str) -> list[str]:
    """Problems of a ``tune_configs.yaml`` for ``arch_id``: op keys k1sim does not tune,
    META keys other than exactly the ones FlagGems reads, and micro tiles outside
    LEGAL_CONFIGS."""
    import yaml

    data = yaml.safe_load(text) or {}
    legal = legal_micro(load_arch(arch_id), dtype)
    problems = []
    for op_key, items in data.items():
        op = by_key(op_key)
        if op is None:
            problems.append(f"{op_key}: not an op key k1sim tunes "
                            f"({', '.join(o.key for o in OPS.values())})")
            continue
        for i, item in enumerate(items or []):
            meta = item.get("META", {}) if isinstance(item, dict) else {}
            if not isinstance(item, dict) or set(item) != {"META"} \
                    or tuple(meta) != op.meta_keys:
                problems.append(f"{op_key}[{i}]: keys {sorted(meta)} are not FlagGems' "
                                f"{list(op.meta_keys)}")
                continue
            triple = (meta["MICRO_M"], meta["MICRO_K"], meta["MICRO_N"])
            if legal is not None and triple not in legal:
                problems.append(f"{op_key}[{i}]: micro tile {triple} is not legal on {arch_id}")
    return problems
