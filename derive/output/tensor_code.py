"""`derive code` for a spec of typed layers (issue 14): a standalone NumPy module with
forward(params, X), loss(params, X, Y) and gradients(params, X, Y).

The module follows the lowered graph (core/lower_tensor.py) application by application, with its
names (X, Z1, A1, H2, W1, b1, gamma3 ...), and its arrays laid out as the spec's and PyTorch's:
(samples, channels, height, width), or (samples, features). How each op is written is one row of
CODE (output/tensor_code_rows.py); the module's structure lives in templates/code/tensor_module.py.j2.
"""

from __future__ import annotations

import re
from typing import Any

from ..core.graph import Application, Kind, Node, TensorGraph
from ..core.lower_tensor import lower_tensor
from ..core.walk import fusion
from ..errors import DeriveError
from ..rules.activations import ACTIVATIONS
from ..rules.fusions import CANCELLATIONS
from ..spec.tensor import TensorSpec
from . import documents
from . import recurrent_code as recurrent
from . import sequence_code as seq
from .sequence_code import RECURRENT_STEPS
from .tensor_code_rows import CODE as TYPED_CODE
from .tensor_code_rows import Line, OpCode, Site, _dims

CODE = TYPED_CODE | {
    "embedding": OpCode(seq.embedding_forward, seq.embedding_backward),
    "linear": OpCode(seq.linear_forward, seq.linear_backward, describe=seq.linear_describe),
    "rnn": OpCode(recurrent.rnn_forward, recurrent.rnn_backward, describe=recurrent.describe),
    "lstm": OpCode(recurrent.lstm_forward, recurrent.lstm_backward, describe=recurrent.describe),
    "gru": OpCode(recurrent.gru_forward, recurrent.gru_backward, describe=recurrent.describe),
    "sequence_ce": OpCode(seq.sequence_errors, seq.sequence_seed),
    "add": OpCode(seq.add_forward, seq.add_backward, describe=lambda s: "the residual sum"),
    "scores": OpCode(seq.scores_forward, seq.scores_backward, (seq._HEADS, seq._MERGED),
                     describe=lambda s: "attention scores"),
    "softmax": OpCode(seq.softmax_forward, seq.softmax_backward, describe=lambda s: "softmax by rows"),
    "attend": OpCode(seq.attend_forward, seq.attend_backward, (seq._HEADS, seq._MERGED),
                     describe=lambda s: "the weighted sum of the values"),
}


# -- the module -----------------------------------------------------------------------------------------
_ASSIGNED = re.compile(r"^(\w+(?:, \w+)*) = ")          # one name, or several unpacked
_NAME = re.compile(r"(?<![\w.\"])[A-Za-z_]\w*")


def _requiring(graph: TensorGraph) -> set[Node]:
    """The nodes a parameter's value flows into (and the parameters): those whose adjoint is wanted."""
    found = set(graph.of_kind(Kind.PARAMETER))
    for application in graph.applications:
        if any(node in found for node in application.inputs):
            found.add(application.output)
    return found


def _by_layer(spec: TensorSpec, graph: TensorGraph) -> list[Application]:
    """The graph's applications, each recurrent layer's unrolled steps as one application of the
    layer (its input, its parameters, its output), which the module writes as one loop."""
    found: list[Application] = []
    for application in graph.applications:
        if application.op not in RECURRENT_STEPS:
            found.append(application)
            continue
        layer, l = spec.layers[application.output.layer - 1], application.output.layer
        if found and found[-1].op == layer.kind and found[-1].output.layer == l:
            found[-1] = Application(layer.kind, found[-1].inputs, application.output, layer.attributes)
            continue
        parameters = tuple(n for n in graph.of_kind(Kind.PARAMETER) if n.layer == l)
        found.append(Application(layer.kind, application.inputs[:1] + parameters, application.output, layer.attributes))
    return found


_ADJOINT = re.compile(r"^(d\w+) = (.*)$")


def _gathered(backward: list[dict], adjoints: set[str]) -> None:
    """A node read by several ops (Q, K and V all read their input; a residual's source) gets each
    one's term: the second and later assignments to its adjoint add to it."""
    assigned = set()
    for layer in backward:
        for k, line in enumerate(layer["backward"]):
            found = _ADJOINT.match(line.code)
            if found and found[1] in adjoints:
                if found[1] in assigned:
                    layer["backward"][k] = Line(f"{found[1]} = {found[1]} + {found[2]}", line.comment or
                                                "this consumer's term, added")
                assigned.add(found[1])


def context(spec: TensorSpec) -> dict[str, Any]:
    graph, _ = lower_tensor(spec)
    applications = _by_layer(spec, graph)
    unwritten = list(dict.fromkeys(a.op for a in applications if a.op not in CODE))
    if unwritten:
        raise DeriveError(f"derive code: the generated code of {', '.join(unwritten)} is not written yet; expected "
                          "a network of dense, conv2d, pooling, normalization, embedding and recurrent layers")
    requiring = _requiring(graph)
    per_sample = " / m" if spec.loss.reduction == "mean" else ""
    sites = [Site(a, graph, a.inputs[0] in requiring, per_sample) for a in applications]
    *ops, loss = sites
    fused = fusion(graph, loss.application)

    layers: dict[int, dict[str, Any]] = {}
    for site in ops:
        row = CODE[site.application.op]
        layer = layers.setdefault(site.index, {"index": site.index, "parts": [], "forward": [], "backward": []})
        layer["parts"].append(row.describe(site))
        layer["shape"] = _dims(site.application.output.shape)
        layer["forward"] += [Line(f'{n.name} = numpy.asarray(params["{n.name}"], dtype=float)')
                             for n in site.application.inputs[1:] if n.kind == Kind.PARAMETER] + row.forward(site)
        if site.application.output in requiring and site.application is not fused:
            layer["backward"] = row.backward(site) + layer["backward"]
    for layer in layers.values():
        layer["heading"] = f"layer {layer['index']}: " + ", then ".join(layer["parts"])
    seed = CODE[loss.application.op].backward(loss)
    backward = [layer for layer in reversed(layers.values()) if layer["backward"]]
    if backward:
        backward[0]["backward"] = seed + backward[0]["backward"]
    _gathered(backward, {f"d{node.name}" for node in graph.nodes})

    # each backward layer first takes from the forward's values the names it is the first to read
    made, taken = {"X"} | {name for layer in layers.values() for line in layer["forward"]
                            if (m := _ASSIGNED.match(line.code)) for name in m[1].split(", ")}, set()
    for layer in backward:
        reads = [name for line in layer["backward"] for name in _NAME.findall(line.code) if name in made - taken]
        layer["reads"] = list(dict.fromkeys(reads))
        taken |= set(reads)
    used = {site.application.op for site in ops}
    activations = {site.attribute("function") for site in ops if site.application.op == "activation"}
    output, errors = loss.application.inputs[0].name, CODE[loss.application.op].forward(loss)[0]
    sequence = spec.layers[-1].shape if loss.application.op == "sequence_ce" else None
    return {
        "title": spec.title, "input_shape": _dims(spec.input_shape), "shape": repr(tuple(spec.input_shape)),
        "outputs": ", ".join(map(str, spec.layers[-1].shape)),
        "positions": spec.loss.positions, "values_per_position": len(spec.layers[-1].shape) == 2 and sequence is None,
        "layers": list(layers.values()), "backward": backward,
        "helpers": list(dict.fromkeys(h.strip() for op in CODE if op in used for h in CODE[op].helpers)),
        "imports": sorted({line for op in used for line in CODE[op].imports}
                          | {line for f in activations for line in ACTIVATIONS[f].code_imports}),
        "softmax": "softmax" in activations or sequence is not None or "softmax" in used, "log_softmax": "log_softmax(" in errors.code,
        "vocabulary": spec.vocabulary, "sequence": sequence,
        "output": output, "errors": errors,
        "net": fused.inputs[0].name if fused and fused.inputs[0].name in errors.code else None,
        "loss": spec.loss.function, "reduction": spec.loss.reduction,
        "parameters": [(n.name, n.shape) for n in graph.of_kind(Kind.PARAMETER)],
        "mean": spec.loss.reduction == "mean",
        "condition": (CANCELLATIONS[(fused.attribute("function"), spec.loss.function)].condition
                      if fused and (fused.attribute("function"), spec.loss.function) in CANCELLATIONS else ""),
    }


def tensor_module(spec: TensorSpec) -> str:
    """The standalone NumPy module of a typed-layer spec's network: forward, loss and gradients."""
    return documents.render_template("code", "tensor_module.py.j2", context(spec))
