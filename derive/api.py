"""The pipeline, stage by stage: spec -> graph -> derivation -> values -> document."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

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
from .spec.tensor import TensorSpec

if TYPE_CHECKING:
    from .core.graph import TensorGraph
    from .core.tensor_index import TensorIndexForm
    from .numeric.tensor_values import TensorValues


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


@dataclass(frozen=True)
class TensorResult:
    """A network of typed layers (conv2d, pooling, normalization), derived once: its graph, its index
    form (the one reverse walk over entries) and its numbers from the kernels (None without values)."""
    spec: TensorSpec
    graph: TensorGraph
    form: TensorIndexForm | None              # None: an op without its index form yet (issue 15's)
    values: TensorValues | None

    @cached_property
    def checks(self) -> list:
        """The index form held to the kernels at each entry (up to PROVEN a node), done once."""
        from .numeric.tensor_proof import prove_index_form
        return prove_index_form(self.graph, self.form, self.values, PROVEN) if self.values is not None else []

    @cached_property
    def convs(self) -> dict:
        """Each conv layer's matrix forms, proven equal to the kernels for the first sample."""
        from .numeric.tensor_proof import conv_forms
        return conv_forms(self.graph, self.values) if self.values is not None else {}

    @cached_property
    def sequence_forms(self) -> list:
        """Each attention and recurrent layer's matrix forms, held to the kernels' gradients."""
        from .numeric.sequence_forms import attention_forms, recurrent_forms
        if self.values is None:
            return []
        per_sample = 1.0 / self.spec.samples if self.spec.loss.reduction == "mean" else 1.0
        return attention_forms(self.graph, self.values) + recurrent_forms(self.graph, self.values, per_sample)

    def render(self, format: str = "markdown", notation: str | None = None, samples: str = "first") -> str | bytes:
        return render(self, format, notation, samples=samples)

    def code(self) -> str:
        return code(self.spec)

    def _repr_markdown_(self) -> str:
        return render(self, "markdown")


PROVEN = 64                   # entries a node whose index form is held to the kernels


def load(source: str | Path) -> NetworkSpec | TensorSpec:
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


def derive(spec: NetworkSpec | TensorSpec) -> Result | TensorResult:
    if isinstance(spec, TensorSpec):
        return _derive_tensor(spec)
    units = sum(layer.units for layer in spec.layers)
    # building, deriving and evaluating are one stage to the user: one bar, three ticks per unit
    with progress(3 * units if spec.has_values else 2 * units, "deriving") as bar:
        graph = build_graph(spec, tick=bar.update)
        derivation = derive_units(graph, tick=bar.update)
        if not spec.has_values:
            return Result(spec, derivation, None)
        evaluator = Evaluator(spec, derivation, tick=bar.update)
    return Result(spec, derivation, evaluate(evaluator))


def _derive_tensor(spec: TensorSpec) -> TensorResult:
    from .core.lower_tensor import lower_tensor
    from .core.tensor_index import tensor_index_form, written
    from .numeric.tensor_values import evaluate_tensor

    with progress(len(spec.layers), "deriving") as bar:
        graph, values = evaluate_tensor(spec) if spec.has_values else (lower_tensor(spec)[0], None)
        bar.update(len(spec.layers) // 2)
        form = tensor_index_form(graph, max(spec.samples, 1), spec.loss.reduction == "mean") if written(graph) else None
    return TensorResult(spec, graph, form, values)


def code(spec: NetworkSpec | TensorSpec, layered: LayerDerivation | None = None) -> str:
    """A standalone NumPy module with forward(params, X) and gradients(params, X, Y), from the matrix
    form (`layered`: one already derived, as a Result holds it; else derived here, alone)."""
    if isinstance(spec, TensorSpec):
        from .output.tensor_code import tensor_module
        return tensor_module(spec)
    for index, layer in enumerate(spec.layers):
        if layer.activation == "g":
            raise DeriveError(f"layers[{index + 1}].activation: g has no numeric form, so there is no code to "
                              "generate; expected a concrete activation")
    return documents.python_module(codegen.context(spec, layered))


def render(result: Result | TensorResult, format: str = "markdown", notation: str | None = None,
           fragment: bool = False, template_dir: str | None = None, flavor: str = "mathjax",
           samples: str = "first") -> str | bytes:
    """The document in `format` (bytes for pdf); `notation` overrides the spec's; templates in
    `template_dir` override the built-ins by name and render sandboxed. With a batch, `samples`
    "first" works sample 1 in full and tables the others; "all" works every sample."""
    if isinstance(result, TensorResult):
        from .output import tensor_formats
        return tensor_formats.render(result, format, notation, fragment, template_dir, flavor)
    return formats.render(result, format, notation, fragment, template_dir, flavor, samples)
