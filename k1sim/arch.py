"""Arch files: ``archs/<id>.yaml`` (or any YAML path, for "what if" copies) -> ``Arch``.

In YAML every value is a fact, ``{value: X, sourced: "<public document: the fact>"}`` or
``{value: X, assumed: "<reasoning>"}``; only the strings naming the arch (``arch_id``,
``name``, ``core``, ``soc``) and ``projected`` are plain. Loading strips the facts to plain
values, validates them against ``k1sim.arch_schema`` and keeps where each came from in
``arch.provenance``. A broken file is one ``ArchError`` listing every problem with its
dotted path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_type_hints

import yaml
from pydantic import BaseModel, ValidationError

from k1sim.arch_schema import TABLES, Arch, ArchError, FrozenDict, Inconsistent, Section

__all__ = ["Arch", "ArchError", "ARCH_IDS", "ARCHS_DIR", "load_arch", "arch_path"]


def _archs_dir() -> Path:
    # A wheel installs archs/ as k1sim/archs/ (pyproject's package-dir); a source tree or an
    # editable install keeps it at the top.
    here = Path(__file__).resolve().parent
    installed = here / "archs"
    return installed if installed.is_dir() else here.parent / "archs"


ARCHS_DIR = _archs_dir()
# The shipped archs, in the order tables list them (K1, K3, next generation).
ARCH_IDS = ("0x503C", "0xA03C", "0x5064", "0xA064", "0xF000", "0x50C8", "0xA0C8")
PLAIN = frozenset(("arch_id", "name", "core", "soc", "projected"))
FACT_HINT = "give {value: ..., sourced: ...} or {value: ..., assumed: ...}"
KINDS = ("sourced", "assumed")

_cache: dict[tuple, Arch] = {}


def load_arch(id_or_path, freq_mhz: float | None = None) -> Arch:
    """The arch with this id (``"0xA03C"``, any case) or in this YAML file; with
    ``freq_mhz``, a copy clocked at that frequency. Loads are cached by (file, mtime)."""
    if isinstance(id_or_path, Arch):
        return _at_freq(id_or_path, freq_mhz)
    path, shown = arch_path(id_or_path)
    try:
        key = (str(path.resolve()), path.stat().st_mtime_ns, freq_mhz)
    except OSError as e:
        raise ArchError(f"{shown}: cannot read the arch file ({e.strerror})") from None
    arch = _cache.get(key)
    if arch is None:
        base_key = key[:2] + (None,)
        base = _cache.get(base_key)
        if base is None:
            base = _cache[base_key] = _load(path, shown)
        arch = _cache[key] = _at_freq(base, freq_mhz)
    return arch


def arch_path(id_or_path) -> tuple[Path, str]:
    """(file, name to show in messages) of an arch id or a YAML path."""
    text = str(id_or_path).strip()
    for known in ARCH_IDS:
        if text.lower() in (known.lower(), _shipped_name(known)):
            return ARCHS_DIR / f"{known}.yaml", f"archs/{known}.yaml"
    path = Path(text)
    if (isinstance(id_or_path, Path) or path.suffix in (".yaml", ".yml") or "/" in text
            or "\\" in text or path.exists()):
        return path, text
    names = ", ".join(f"{known} ({_shipped_name(known)})" for known in ARCH_IDS)
    raise ArchError(f"unknown arch '{text}'; known archs: {names} (an id or a name, as "
                    "`k1sim archs` lists them, or the path of a YAML file)")


_names: dict[str, str] = {}


def _shipped_name(arch_id: str) -> str:
    """The ``name:`` of a shipped arch file (``a60`` for 0xA03C), read without loading it."""
    if arch_id not in _names:
        text = (ARCHS_DIR / f"{arch_id}.yaml").read_text(encoding="utf-8")
        found = re.search(r"^name:\s*['\"]?([\w.-]+)", text, re.M)
        _names[arch_id] = found.group(1).lower() if found else arch_id.lower()
    return _names[arch_id]


def _at_freq(arch: Arch, freq_mhz) -> Arch:
    if freq_mhz is None:
        return arch
    if isinstance(freq_mhz, bool) or not isinstance(freq_mhz, (int, float)) or not freq_mhz > 0:
        raise ArchError(f"freq_mhz must be a positive number of MHz, got {freq_mhz!r}")
    copy = arch.model_copy(update={"freq_mhz": float(freq_mhz)})
    kind, why = arch.provenance.get("freq_mhz", ("", ""))
    was = f"; the file says {arch.freq_mhz:g} MHz" + (f" ({kind}: {why})" if kind else "")
    given = ("overridden", f"{freq_mhz:g} MHz given by the caller{was}")
    copy._provenance = FrozenDict({**arch.provenance, "freq_mhz": given})
    return copy


def _load(path: Path, shown: str) -> Arch:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        why = getattr(e, "strerror", None) or e
        raise ArchError(f"{shown}: cannot read the arch file ({why})") from None
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark else shown
        raise ArchError(f"{where}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    if not isinstance(raw, dict):
        raise ArchError(f"{shown}: an arch file is a mapping of fields "
                        f"({', '.join(Arch.model_fields)})")
    problems, provenance = [], {}
    plain = _strip(raw, Arch, "", problems, provenance)
    bad_facts = [p for p, _ in problems]
    try:
        arch = Arch.model_validate(plain)
    except ValidationError as e:
        problems += [p for p in _pydantic_problems(e, raw)
                     if not any(_under(p[0], bad) for bad in bad_facts)]
    if problems:
        problems.sort(key=lambda p: _schema_order(p[0]))
        n = len(problems)
        listed = "; ".join(f"{p}: {m}" for p, m in problems)
        raise ArchError(f"{shown}: {n} problem{'s' if n > 1 else ''}: {listed}", problems)
    arch._provenance = FrozenDict(provenance)
    arch._source = shown
    return arch


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent + ".") or path.startswith(parent + "[")


# -- facts -> plain values ---------------------------------------------------------------

def _strip(raw: dict, model, prefix: str, problems: list, provenance: dict) -> dict:
    """Plain values of a section's facts; ``problems`` gets malformed facts, ``provenance``
    each fact's (kind, text). Unknown keys pass through for the schema to reject."""
    fields = _fields(model)
    out = {}
    for key, value in raw.items():
        path = f"{prefix}{key}"
        sub = _section_type(fields[key]) if key in fields else None
        if sub is not None:
            if isinstance(value, dict):
                out[key] = _strip(value, sub, path + ".", problems, provenance)
            else:
                names = ", ".join(_field_names(sub))
                problems.append((path, f"expected a mapping of {names}, got {value!r}"))
        elif (key in PLAIN and not prefix) or key not in fields:
            out[key] = value
        else:
            fact = _fact(value, path, problems)
            if fact is not None:
                out[key], provenance[path] = fact[0], fact[1:]
    return out


def _fact(value, path: str, problems: list):
    """(value, kind, text) of a fact, or None after recording what is wrong with it."""
    if not isinstance(value, dict) or not value.keys() & {"value", *KINDS}:
        problems.append((path, FACT_HINT))
        return None
    extra = sorted(value.keys() - {"value", *KINDS}, key=str)
    kinds = [k for k in KINDS if k in value]
    if extra:
        problems.append((path, f"unknown key {', '.join(map(repr, extra))} in a fact; {FACT_HINT}"))
    elif "value" not in value:
        problems.append((path, f"the fact has no value; {FACT_HINT}"))
    elif len(kinds) != 1:
        problems.append((path, "give sourced or assumed, not both" if kinds else FACT_HINT))
    elif not isinstance(value[kinds[0]], str) or not value[kinds[0]].strip():
        what = "where the value comes from" if kinds[0] == "sourced" else "the reasoning"
        problems.append((path, f"{kinds[0]} must say {what}"))
    else:
        return value["value"], kinds[0], value[kinds[0]].strip()
    return None


def _section_type(field):
    """The model or dtype table a field holds when it is a group of facts, else None."""
    annotation = getattr(field, "annotation", field)
    base = getattr(annotation, "__origin__", annotation)   # Annotated[X, ...] -> X
    if base in TABLES or (isinstance(base, type) and issubclass(base, Section)):
        return base
    return None


def _fields(model) -> dict:
    """A section's fields (pydantic model) or a dtype table's keys (TypedDict)."""
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model.model_fields
    return get_type_hints(model)


def _field_names(model) -> list[str]:
    return list(_fields(model))


# -- schema errors -> (path, message) -------------------------------------------------------

def _pydantic_problems(error: ValidationError, raw: dict) -> list[tuple[str, str]]:
    out = []
    for e in error.errors(include_url=False):
        ctx = e.get("ctx") or {}
        if isinstance(ctx.get("error"), Inconsistent):
            out += ctx["error"].problems
            continue
        loc = e["loc"]
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        out.append((path or "(file)", _message(e, loc, raw)))
    return out


def _message(e: dict, loc: tuple, raw: dict) -> str:
    kind = e["type"]
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        known = _field_names(_model_at(loc[:-1]))
        return f"unknown field (known: {', '.join(known)})"
    if len(loc) == 1 and loc[0] in PLAIN and isinstance(raw.get(loc[0]), dict):
        return f"give a plain value, not a fact ({', '.join(sorted(PLAIN))} are plain)"
    if loc == ("arch_id",) and isinstance(raw.get("arch_id"), int):
        return "quote it (arch_id: \"0x...\"): YAML reads 0x... as a number"
    ctx = e.get("ctx") or {}
    for key, op in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        if key in ctx and kind.startswith(("greater", "less")):
            return f"value must be {op} {ctx[key]} (got {e['input']!r})"
    msg = e["msg"].replace("Input should be", "value must be")
    return f"{msg} (got {e['input']!r})"


def _model_at(loc: tuple):
    """The model or table holding the field at ``loc`` + (name,)."""
    model = Arch
    for part in loc:
        model = _inner(_fields(model)[part])
    return model


def _inner(field):
    """The model or table a field holds (Tile included), else None."""
    annotation = getattr(field, "annotation", field)
    base = getattr(annotation, "__origin__", annotation)
    if base in TABLES or (isinstance(base, type) and issubclass(base, BaseModel)):
        return base
    return None


def _schema_order(path: str) -> tuple:
    """Sort key putting problems in the order the schema lists the fields."""
    key, model = [], Arch
    for part in path.replace("[", ".[").split("."):
        fields = _fields(model) if model is not None else {}
        names = list(fields)
        key.append(names.index(part) if part in fields else len(names))
        model = _inner(fields[part]) if part in fields else None
    return tuple(key)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' is given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
