"""MODEL as users give it -> (name, layers): an ONNX path, a preset name or a SCALE-Sim
topology CSV.

Presets: ``resnet50`` and the other light models the onnx wheel ships
(``onnx/backend/test/data/light/light_<name>.onnx``: ``shufflenet``, ``inception_v2``,
``densenet121``, ...; ``light_<name>`` works too), read from the installed package, and
the decoder presets of ``decoder.PRESETS`` (``NAME:N`` for another token count).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from k1sim.errors import K1SimError
from k1sim.model.decoder import PRESETS, decoder_graph, preset_spec


def light_dir() -> Path:
    """Where the onnx wheel keeps its light models, found without importing onnx."""
    import importlib.util
    spec = importlib.util.find_spec("onnx")
    if spec is None or not spec.submodule_search_locations:
        raise K1SimError('k1sim model reads ONNX graphs with the onnx package: pip install '
                         '"k1sim[model]"')
    return Path(spec.submodule_search_locations[0]) / "backend" / "test" / "data" / "light"


def light_models() -> list[str]:
    return sorted(p.stem[len("light_"):] for p in light_dir().glob("light_*.onnx"))


def preset_names() -> list[str]:
    return ["resnet50", *[m for m in light_models() if m != "resnet50"], *PRESETS]


def load_model(source, batch: int = 1, cache_dir=None):
    """(name, layers) of ``source``; ``cache_dir`` keeps the mapped layers
    (``layer_cache``), so the next run reads them instead of the graph."""
    from k1sim.model import layer_cache
    if batch < 1:
        raise K1SimError(f"batch must be a positive number of samples, got {batch}")
    name, kind, where = _resolve(str(source))
    identity = repr(where).encode() if kind == "preset" else _read(where, kind)
    key = layer_cache.layers_key(kind.encode() + b"\n" + identity, batch)
    layers = layer_cache.get(cache_dir, key)
    if layers is None:
        layers = _map(kind, where, batch)
        layer_cache.put(cache_dir, key, layers)
    return name, layers


def _resolve(text: str) -> tuple:
    """(name, kind, what to map): a preset's spec, or a ``csv`` / ``onnx`` path."""
    spec = preset_spec(text, PRESETS)
    if spec is not None:
        return text, "preset", spec
    if text.lower().endswith(".csv"):
        return Path(text).stem, "csv", Path(text)
    if text.lower().endswith(".onnx"):
        return Path(text).stem, "onnx", Path(text)
    name = text[len("light_"):] if text.startswith("light_") else text
    path = light_dir() / f"light_{name}.onnx"
    if not path.is_file():
        raise K1SimError(f"model {text!r}: not an .onnx or .csv path and not a preset; "
                         f"presets: {', '.join(preset_names())}")
    return name, "onnx", path


def _read(path: Path, kind: str) -> bytes:
    what = "ONNX file" if kind == "onnx" else "topology CSV"
    if not path.is_file():
        raise K1SimError(f"{path}: no such {what}")
    try:
        return path.read_bytes()
    except OSError as e:
        raise K1SimError(f"{path}: cannot read the {what} ({e.strerror})") from None


def _map(kind: str, where, batch: int) -> list:
    from k1sim.model.onnx_map import layers_from_onnx
    from k1sim.model.topology import layers_from_topology
    if kind == "preset":
        return layers_from_onnx(decoder_graph(dataclasses.replace(where, batch=batch)))
    if kind == "csv":
        return layers_from_topology(str(where), batch)
    return layers_from_onnx(_with_batch(_load_onnx(where), batch))


def _load_onnx(path: Path):
    import onnx
    if not path.is_file():
        raise K1SimError(f"{path}: no such ONNX file")
    try:
        return onnx.load(str(path))
    except Exception as e:         # protobuf's DecodeError and friends
        raise K1SimError(f"{path}: not a readable ONNX model ({e})") from None


def _with_batch(model, batch: int):
    """The model with its graph inputs' first dimension set to ``batch``."""
    if batch == 1:
        return model
    inits = {i.name for i in model.graph.initializer}
    for vi in model.graph.input:
        if vi.name not in inits and vi.type.tensor_type.shape.dim:
            vi.type.tensor_type.shape.dim[0].dim_value = batch
    return model


__all__ = ["load_model", "preset_names", "light_models", "light_dir"]
