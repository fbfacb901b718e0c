"""The pipeline, stage by stage: spec -> graph -> derivation -> values -> document."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .core.chain import Derivation
from .core.unit_level import derive as derive_units
from .core.layers import LayerDerivation, derive_layers
from .core.proof import Check, prove
from .core.units import build as build_graph
from .errors import DeriveError
from .numeric.evaluator import Evaluator, Values, evaluate
from .output import codegen, documents, formats
from .progress import progress
from .spec import presets
from .spec.load import NetworkSpec, load_file


@dataclass(frozen=True)
class Result:
    spec: NetworkSpec
    derivation: Derivation
    values: Values | None          # None when the spec gives no numbers

    @cached_property
    def layered(self) -> LayerDerivation:
        """The matrix form, derived on first use and kept: every render of this result shares it."""
        return derive_layers(self.spec)

    @cached_property
    def checks(self) -> list[Check]:
        """The proof that the matrix form equals the unit form entry by entry, done once."""
        return prove(self.derivation, self.layered, max(self.spec.samples, 1))

    def render(self, format: str = "markdown", notation: str | None = None, samples: str = "first") -> str | bytes:
        return render(self, format, notation, samples=samples)

    def code(self) -> str:
        """The generated NumPy module, from the matrix form this result already holds."""
        return code(self.spec, self.layered)

    def _repr_markdown_(self) -> str:
        """The whole derivation, in a Jupyter or VS Code notebook."""
        return render(self, "markdown", None if self.values is not None else "layer")

    def _repr_latex_(self) -> str:
        """The gradients in one display: each parameter's value, or each layer's closed form."""
        return formats.notebook_summary(self)

    def curve(self) -> "Curve | None":
        """The loss over the spec's training iterations (None without training), as SVG."""
        found = formats.training_curve(self)
        if found is None:
            return None
        return Curve(found["svg_text"], tuple(float(p["loss"]) for p in found["points"]),
                     tuple((c["step"], c["loss"]) for c in found["checkpoints"]))


@dataclass(frozen=True)
class Curve:
    svg: str                                   # the same inline SVG the documents show
    losses: tuple[float, ...]                  # at most curve.MAX_POINTS of them, evenly spaced
    checkpoints: tuple[tuple[int, str], ...]   # (iteration, the loss as the document prints it)

    def _repr_svg_(self) -> str:
        return self.svg


def load(source: str | Path) -> NetworkSpec:
    """A preset name, or the path of a TOML spec."""
    text = str(source)
    if isinstance(source, Path) or text.endswith(".toml") or "/" in text or _is_path(text):
        return load_file(text)
    return presets.load(text)


def _is_path(text: str) -> bool:
    try:
        return Path(text).is_file()        # a folder named like a preset (l2/) is not a spec
    except OSError:          # a name the system refuses as a path (File name too long) names no file
        return False


def derive(spec: NetworkSpec) -> Result:
    units = sum(layer.units for layer in spec.layers)
    # building, deriving and evaluating are one stage to the user: one bar, three ticks per unit
    with progress(3 * units if spec.has_values else 2 * units, "deriving") as bar:
        graph = build_graph(spec, tick=bar.update)
        derivation = derive_units(graph, tick=bar.update)
        if not spec.has_values:
            return Result(spec, derivation, None)
        evaluator = Evaluator(spec, derivation, tick=bar.update)
    return Result(spec, derivation, evaluate(evaluator))


def code(spec: NetworkSpec, layered: LayerDerivation | None = None) -> str:
    """A standalone NumPy module with forward(params, X) and gradients(params, X, Y), from the matrix
    form (`layered`: one already derived, as a Result holds it; else derived here, alone)."""
    for index, layer in enumerate(spec.layers):
        if layer.activation == "g":
            raise DeriveError(f"layers[{index + 1}].activation: g has no numeric form, so there is no code to "
                              "generate; expected a concrete activation")
    return documents.python_module(codegen.context(spec, layered))


def render(result: Result, format: str = "markdown", notation: str | None = None,
           fragment: bool = False, template_dir: str | None = None, flavor: str = "mathjax",
           samples: str = "first") -> str | bytes:
    """The document in `format` (bytes for pdf); `notation` overrides the spec's; templates in
    `template_dir` override the built-ins by name and render sandboxed. With a batch, `samples`
    "first" works sample 1 in full and tables the others; "all" works every sample."""
    return formats.render(result, format, notation, fragment, template_dir, flavor, samples)
