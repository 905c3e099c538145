"""Shared by the arch tests: the shipped files and a way to write edited copies."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ARCHS = ROOT / "archs"
ARCH_IDS = ["0x503C", "0xA03C", "0x5064", "0xA064", "0xF000", "0x50C8", "0xA0C8"]


def raw(arch_id: str) -> dict:
    """A shipped file as YAML data (facts and all)."""
    return yaml.safe_load((ARCHS / f"{arch_id}.yaml").read_text())


def write(tmp_path, data: dict, name: str = "what_if.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def fact_paths(data: dict, prefix: str = "") -> list[str]:
    """Dotted paths of every fact in a raw arch file."""
    out = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and ("sourced" in value or "assumed" in value):
            out.append(path)
        elif isinstance(value, dict):
            out += fact_paths(value, path + ".")
    return out
