"""Format dispatch: a derived Result -> the text (or bytes) of one output format."""

from __future__ import annotations

from typing import Protocol

from ..core.chain import Derivation
from ..core.layers import LayerDerivation
from ..core.proof import Check
from ..errors import DeriveError
from ..numeric.evaluator import Values
from ..present import unit_context as context, curve, diagram, layer_context
from ..present.notation import format_number
from ..present.unit_notations import SCHEMES
from ..spec.load import NOTATIONS, NetworkSpec
from . import documents, html
from .flavors import FLAVORS, front_matter
from .pdf import compile_pdf


class Result(Protocol):
    """What a format reads of a derived result (api.Result is one); declared here, so that this
    module does not import the api above it."""
    spec: NetworkSpec
    derivation: Derivation
    values: Values | None

    @property
    def layered(self) -> LayerDerivation: ...

    @property
    def checks(self) -> list[Check]: ...

FORMATS = ("markdown", "latex", "beamer", "pdf", "html", "json")


def render(result: Result, format: str = "markdown", notation: str | None = None,
           fragment: bool = False, template_dir: str | None = None, flavor: str = "mathjax",
           samples: str = "first") -> str | bytes:
    notation = notation or result.spec.notation
    if format not in FORMATS:
        raise DeriveError(f"unknown format {format!r} (expected one of: {', '.join(FORMATS)})")
    if notation not in NOTATIONS:
        raise DeriveError(f"unknown notation {notation!r} (expected one of: {', '.join(NOTATIONS)})")
    if flavor not in FLAVORS:
        raise DeriveError(f"unknown flavor {flavor!r} (expected one of: {', '.join(FLAVORS)})")
    if flavor != "mathjax" and format != "markdown":
        raise DeriveError(f"--flavor is for --format markdown, not {format}")
    if fragment and format != "latex":
        raise DeriveError(f"--fragment is for --format latex (a body to \\input), not {format}")
    if result.values is None and (format == "json" or notation != "layer"):
        raise DeriveError(f"the spec gives no numbers, so it is written in the layer notation only "
                          f"(expected the layer notation and a document format, got notation {notation}, "
                          f"format {format})")
    if format == "json":
        return documents.to_json(result.spec, result.values)
    data, template = _context(result, notation, samples)
    if format == "markdown":
        spec = result.spec
        return documents.markdown(data, f"{template}.md.j2", template_dir, flavor,
                                  front_matter(flavor, spec.title, spec.date, spec.tags))
    if format == "html":
        markdown = documents.markdown(data, f"{template}.md.j2", template_dir, "mathjax")
        return html.page(markdown, result.spec.title, template_dir)
    if format == "beamer":
        return documents.render_latex("beamer", data, f"{template}.tex.j2", template_dir)
    body = documents.render_latex("latex", data, f"{template}.tex.j2", template_dir)
    if fragment:
        return body
    whole = documents.render_latex("latex", {"title": result.spec.title, "body": body}, "article.tex.j2",
                                   template_dir)
    return compile_pdf(whole) if format == "pdf" else whole


def _context(result: Result, notation: str, samples: str = "first") -> tuple[dict, str]:
    """The context and the template family's base name for a notation."""
    graph = result.derivation.graph
    names = SCHEMES["index" if notation == "layer" else notation](graph)
    params = result.values.parameters if result.values is not None else None
    number = lambda v: format_number(float(v), result.spec.precision)  # noqa: E731
    training = result.values.training if result.values is not None else None
    figure = {"diagram": diagram.layout(graph, names, params, number, notation),
              "curve": curve.layout(training.history, number) if training is not None else None}
    if notation == "layer":
        return layer_context.build(result.spec, result.layered, result.values, result.checks) | figure, "layers"
    return context.build(result.spec, result.derivation, result.values, notation, samples) | figure, "report"


def training_curve(result: Result) -> dict | None:
    """The training curve's layout (curve.py) with its SVG, or None without training."""
    training = result.values.training if result.values is not None else None
    if training is None:
        return None
    number = lambda v: format_number(float(v), result.spec.precision)  # noqa: E731
    found = curve.layout(training.history, number)
    if found is None:
        return None
    return found | {"svg_text": documents.render_template("markdown", "curve.svg.j2", {"curve": found}).strip()}


def notebook_summary(result: Result) -> str:
    """Every gradient with its value (or, without numbers, every layer's closed form) as one display."""
    if result.values is None:
        data, _ = _context(result, "layer")
        rows = [{"lhs": e["lhs"], "rhs": e["rhs"]} for layer in data["layers"]
                for e in (layer["grad_W"], layer["grad_b"])]
    else:
        data, _ = _context(result, result.spec.notation if result.spec.notation != "layer" else "neuron", "all")
        rows = [{"lhs": p["lhs"], "rhs": f"{p['formula']} = {p['value']}"}
                for layer in reversed(data["backward"]) for p in layer["params"]]
    return documents.render_template("notebook", "summary.tex.j2", {"rows": rows}).strip()
