"""The pipeline, stage by stage: spec -> graph -> derivation -> values -> document."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import codegen
from . import context as context_module
from . import presets, render as render_module
from .chain import Derivation
from .chain import derive as derive_chain
from .errors import DeriveError
from .graph import build as build_graph
from .numeric import Evaluator, Values, evaluate
from .progress import progress
from .spec import NetworkSpec, load_file


@dataclass(frozen=True)
class Result:
    spec: NetworkSpec
    derivation: Derivation
    values: Values

    def context(self) -> dict:
        return context_module.build(self.spec, self.derivation, self.values)

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
    with progress(2 * units, "deriving") as bar:
        derivation = derive_chain(graph, tick=bar.update)
        evaluator = Evaluator(spec, derivation, tick=bar.update)
    return Result(spec, derivation, evaluate(evaluator))


def code(spec: NetworkSpec) -> str:
    """A standalone NumPy module with forward(params, X) and gradients(params, X, Y)."""
    return render_module.python_module(codegen.context(spec))


def render(result: Result, format: str = "markdown") -> str:
    if format == "markdown":
        return render_module.markdown(result.context())
    if format == "json":
        return render_module.to_json(result.spec, result.values)
    raise DeriveError(f"unknown format {format!r} (expected one of: {', '.join(render_module.FORMATS)})")
