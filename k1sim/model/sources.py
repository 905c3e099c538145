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
    import onnx
    return Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


def light_models() -> list[str]:
    return sorted(p.stem[len("light_"):] for p in light_dir().glob("light_*.onnx"))


def preset_names() -> list[str]:
    return ["resnet50", *[m for m in light_models() if m != "resnet50"], *PRESETS]


def load_model(source, batch: int = 1):
    """(name, layers) of ``source``."""
    from k1sim.model.onnx_map import layers_from_onnx
    from k1sim.model.topology import layers_from_topology
    if batch < 1:
        raise K1SimError(f"batch must be a positive number of samples, got {batch}")
    text = str(source)
    spec = preset_spec(text, PRESETS)
    if spec is not None:
        return text, layers_from_onnx(decoder_graph(dataclasses.replace(spec, batch=batch)))
    if text.lower().endswith(".csv"):
        return Path(text).stem, layers_from_topology(text, batch)
    name = text[len("light_"):] if text.startswith("light_") else text
    if not text.lower().endswith(".onnx"):
        path = light_dir() / f"light_{name}.onnx"
        if not path.is_file():
            raise K1SimError(f"model {text!r}: not an .onnx or .csv path and not a preset; "
                             f"presets: {', '.join(preset_names())}")
    else:
        path, name = Path(text), Path(text).stem
    return name, layers_from_onnx(_with_batch(_load_onnx(path), batch))


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
