"""Whole-model estimates: ONNX graphs, decoder presets and SCALE-Sim topologies mapped to
k1sim's kernels, simulated per distinct layer kernel, and reported layer by layer
(docs/model.md)."""

from k1sim.model.api import model
from k1sim.model.compare import ModelComparison
from k1sim.model.result import ModelResult
from k1sim.model.sources import preset_names

__all__ = ["model", "ModelResult", "ModelComparison", "preset_names"]
