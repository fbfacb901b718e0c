"""The pipeline, stage by stage: spec -> graph -> derivation -> values -> document."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import codegen, layer_context
from . import context as context_module
from . import documents, presets
from .chain import Derivation
from .chain import derive as derive_chain
from .errors import DeriveError
from .graph import build as build_graph
from .numeric import Evaluator, Values, evaluate
from .progress import progress
from .layers import derive_layers
from .proof import prove
from .spec import NOTATIONS, NetworkSpec, load_file


@dataclass(frozen=True)
class Result:
    spec: NetworkSpec
    derivation: Derivation
    values: Values | None          # None when the spec gives no numbers

    def context(self, notation: str = "neuron") -> dict:
        return context_module.build(self.spec, self.derivation, self.values, notation)

    def render(self, format: str = "markdown") -> str:
        return render(self, format)


def load(source: str | Path) -> NetworkSpec:
    """A preset name, or the path of a TOML spec."""
    text = str(source)
    if isinstance(source, Path) or text.endswith(".toml") or "/" in text or Path(text).exists():
        return load_file(text)
    return presets.load(text)


def derive(spec: NetworkSpec) -> Result:
    graph = build_graph(spec)
    units = sum(len(layer.units) for layer in graph.layers)
    # deriving and compiling are one stage to the user: one bar, two ticks per unit
    if not spec.has_values:
        return Result(spec, derive_chain(graph), None)
    with progress(2 * units, "deriving") as bar:
        derivation = derive_chain(graph, tick=bar.update)
        evaluator = Evaluator(spec, derivation, tick=bar.update)
    return Result(spec, derivation, evaluate(evaluator))


def code(spec: NetworkSpec) -> str:
    """A standalone NumPy module with forward(params, X) and gradients(params, X, Y)."""
    for index, layer in enumerate(spec.layers):
        if layer.activation == "g":
            raise DeriveError(f"layers[{index}].activation: g has no numeric form, so there is no code to "
                              "generate; expected a concrete activation")
    return documents.python_module(codegen.context(spec))


def render(result: Result, format: str = "markdown", notation: str | None = None) -> str:
    """The document in `format`; `notation` (neuron, index or layer) overrides the spec's."""
    notation = notation or result.spec.notation
    if notation not in NOTATIONS:
        raise DeriveError(f"unknown notation {notation!r} (expected one of: {', '.join(NOTATIONS)})")
    if result.values is None and (format != "markdown" or notation != "layer"):
        raise DeriveError(f"the spec gives no numbers, so it is written in the layer notation only "
                          f"(expected --notation layer and markdown, got {notation} {format})")
    if format == "markdown" and notation == "layer":
        layered = derive_layers(result.spec)
        checks = prove(result.derivation, layered, max(result.spec.samples, 1))
        return documents.markdown(layer_context.build(result.spec, layered, result.values, checks), "layers.md.j2")
    if format == "markdown":
        return documents.markdown(result.context(notation))
    if format == "json":
        return documents.to_json(result.spec, result.values)
    raise DeriveError(f"unknown format {format!r} (expected one of: {', '.join(documents.FORMATS)})")
