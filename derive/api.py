"""The pipeline, stage by stage: spec -> graph -> derivation -> values -> document."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import context as context_module
from . import presets, render as render_module
from .chain import Derivation
from .chain import derive as derive_chain
from .errors import DeriveError
from .graph import build as build_graph
from .numeric import Values, evaluate
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
    derivation = derive_chain(build_graph(spec))
    return Result(spec, derivation, evaluate(spec, derivation))


def render(result: Result, format: str = "markdown") -> str:
    if format == "markdown":
        return render_module.markdown(result.context())
    if format == "json":
        return render_module.to_json(result.spec, result.values)
    raise DeriveError(f"unknown format {format!r} (expected one of: {', '.join(render_module.FORMATS)})")
