"""Format dispatch for a network of typed layers (api.TensorResult): the context of
present/tensor_context.py rendered by the tensor templates, or the JSON document of its numbers."""

from __future__ import annotations

import json
from typing import Any, Protocol

import numpy as np

from ..core.graph import Kind, TensorGraph
from ..core.tensor_index import TensorIndexForm
from ..errors import DeriveError
from ..numeric.tensor_values import TensorValues
from ..present import tensor_context
from ..spec.sequence import SEQUENCE_KINDS
from ..spec.tensor import TensorSpec
from . import documents, html
from .flavors import FLAVORS, front_matter
from .formats import FORMATS
from .pdf import compile_pdf


class TensorResult(Protocol):
    """What a format reads of a derived result (api.TensorResult is one)."""
    spec: TensorSpec
    graph: TensorGraph
    form: TensorIndexForm
    values: TensorValues | None
    checks: list
    convs: dict
    sequence_forms: list


def render(result: TensorResult, format: str = "markdown", notation: str | None = None, fragment: bool = False,
           template_dir: str | None = None, flavor: str = "mathjax") -> str | bytes:
    if format not in FORMATS:
        raise DeriveError(f"unknown format {format!r} (expected one of: {', '.join(FORMATS)})")
    if notation is not None:
        raise DeriveError(f"--notation {notation}: a network of typed layers (conv2d, pooling, normalization) is "
                          "written in one notation, the index form with its worked entries and matrix forms; "
                          "expected no --notation")
    if flavor not in FLAVORS:
        raise DeriveError(f"unknown flavor {flavor!r} (expected one of: {', '.join(FLAVORS)})")
    if flavor != "mathjax" and format != "markdown":
        raise DeriveError(f"--flavor is for --format markdown, not {format}")
    if fragment and format != "latex":
        raise DeriveError(f"--fragment is for --format latex (a body to \\input), not {format}")
    if result.values is None and format == "json":
        raise DeriveError("--format json: the spec gives no numbers (no input.values), so there are none to write; "
                          "expected a document format: markdown, latex, beamer, html or pdf")
    if format == "json":
        return to_json(result)
    if result.form is None:
        unwritten = ", ".join(dict.fromkeys(layer.kind for layer in result.spec.layers if layer.kind in SEQUENCE_KINDS))
        raise DeriveError(f"--format {format}: the documents of {unwritten} layers are not written yet; expected "
                          "--format json, which writes their numbers")
    data = tensor_context.build(result.spec, result.graph, result.form, result.values, result.checks, result.convs,
                                result.sequence_forms)
    spec = result.spec
    if format == "markdown":
        return documents.markdown(data, "tensor.md.j2", template_dir, flavor, front_matter(flavor, spec.title, None, ()))
    if format == "html":
        return html.page(documents.markdown(data, "tensor.md.j2", template_dir, "mathjax"), spec.title, template_dir)
    if format == "beamer":
        return documents.render_latex("beamer", data, "tensor.tex.j2", template_dir)
    body = documents.render_latex("latex", data, "tensor.tex.j2", template_dir)
    if fragment:
        return body
    whole = documents.render_latex("latex", {"title": spec.title, "body": body}, "article.tex.j2", template_dir)
    return compile_pdf(whole) if format == "pdf" else whole


def numbers(result: TensorResult) -> dict[str, Any]:
    """inputs, targets, parameters, loss and gradients, named and shaped as the generated module's
    forward, loss and gradients take and give them (W1, b1, gamma2, ...)."""
    spec, values = result.spec, result.values
    parameters = [node for node in result.graph.of_kind(Kind.PARAMETER)]
    doc: dict[str, Any] = {
        "inputs": spec.inputs.tolist(), "targets": spec.targets.tolist(),
        "parameters": {node.name: values.value[node].tolist() for node in parameters},
        "loss": values.loss,
        "gradients": {node.name: values.adjoint[node].tolist() if node in values.adjoint else
                      np.zeros(node.shape).tolist() for node in parameters},   # read by no step (U at T = 1): 0
    }
    if spec.training is not None:
        rate = spec.training.learning_rate
        doc["updated"] = {node.name: (values.value[node] - rate * np.asarray(doc["gradients"][node.name])).tolist()
                          for node in parameters}
    if values.trained is not None:
        doc["training"] = {"iterations": len(values.history), "losses": list(values.history),
                           "parameters": {node.name: values.trained[node].tolist() for node in parameters}}
    return doc


def to_json(result: TensorResult) -> str:
    return json.dumps(numbers(result), indent=2, allow_nan=False) + "\n"
