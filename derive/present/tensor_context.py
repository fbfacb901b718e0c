"""The template context of a typed-layer document (templates/*/tensor.*.j2): the network's table,
the forward pass and the backward pass in the index form (core/tensor_index.py) with their worked
entries (the unit form: the index form at concrete entries, with numbers), each max-pool's routing,
each conv layer's matrix forms (core/conv_matrix.py), the gradients, one SGD step and the proofs.

Every formula and every number comes from the derivation and the kernels; this module only lays
them out. The entries of every axis count from 0, as NumPy and PyTorch index them.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ..core.conv_matrix import ConvMatrixForms
from ..core.graph import Kind, Node, TensorGraph
from ..core.tensor_index import TensorIndexForm, at, terms
from ..numeric.tensor_proof import TensorCheck, entries
from ..numeric.tensor_values import NORMS, TensorValues, numbers_by_base
from ..rules.activations import ACTIVATIONS
from ..spec.tensor import TensorSpec
from .norm_steps import agree, norm_steps
from .notation import format_number
from .tensor_names import KIND_NAMES, gradient_title, title
from .tensor_printer import TensorPrinter
from .worked_lines import worked_lines

WORKED = 18                  # a node's entries worked in full; beyond, the first ones and the array
TERMS = 36                   # an entry worked out has at most this many terms; beyond, the formula and the array
SHOWN = 100                  # an array's entries printed whole; beyond, its shape alone
SUMMED = ("conv2d", "max_pool", "avg_pool", "dense", "gate", "linear")   # forward steps worked entry by entry


class _Printers:
    """The symbolic printer, and the one that writes entries as their numbers (products with ·)."""

    def __init__(self, form: TensorIndexForm, numbers: dict | None, precision: int):
        level = form.level
        adjoints = {base: level.bases[node] for node, base in level.adjoint_bases.items()}
        # every base whose first index is the sample's: the nodes', their adjoints, a padded input, x̂
        hats = {level.statistics(a).hat for a in level.graph.applications if a.op in NORMS}
        sampled = frozenset({base for node in level.bases if node.kind != Kind.PARAMETER
                             for base in (level.bases[node], level.adjoint_bases[node])}
                            | set(level.padded_bases) | hats) if level.samples <= 1 else frozenset()
        sample = level.sample if level.samples <= 1 else None
        self.symbols = TensorPrinter(adjoints, sampled, sample, None, precision)
        self.numbers = _NumberPrinter(adjoints, sampled, sample, numbers, precision) if numbers is not None else None
        self.precision = precision

    def number(self, value) -> str:
        return format_number(float(value), self.precision)


class _NumberPrinter(TensorPrinter):
    def join(self, parts: list[str]) -> str:
        return r" \cdot ".join(parts)

    def _print_Piecewise(self, expr):
        (value, condition), *_ = expr.args
        found = condition.xreplace({e: sp.Float(float(self.numbers[e.base][tuple(int(i) for i in e.indices)]))
                                    for e in condition.atoms(sp.Indexed)})
        return "1" if bool(found) else "0"


def build(spec: TensorSpec, graph: TensorGraph, form: TensorIndexForm, values: TensorValues | None,
          checks: list[TensorCheck], convs: dict[Node, ConvMatrixForms], sequence_forms: list = ()) -> dict:
    numbers = numbers_by_base(form.level, values, graph) if values is not None else None
    printers = _Printers(form, numbers, spec.precision)
    level = form.level
    steps = [a for a in graph.applications if a.op not in ("loss", "sequence_ce")]
    context = {
        "title": spec.title, "description": spec.description, "numbers": values is not None,
        "samples": spec.samples, "network": [_row(form, l, layer) for l, layer in enumerate(spec.layers, 1)],
        "input": _array(printers, values.value[graph.of_kind(Kind.INPUT)[0]][0]) if values is not None else None,
        "forward": [_forward(printers, form, a, values, numbers) for a in steps],
        "loss": _loss(printers, spec, graph, values),
        "backward": [_backward(printers, form, node, values, numbers) for node in _backward_order(graph, form)],
        "pools": [_routing(printers, a, values) for a in steps if a.op == "max_pool" and values is not None],
        "convs": [_conv(printers, form, a, convs.get(a.output)) for a in steps if a.op == "conv2d"],
        "norms": [_norm(printers, spec, a, values) for a in steps if a.op == "batch_norm" and values is not None],
        "sequence_forms": [{"layer": f.layer, "title": FORM_TITLES[f.kind], "formulas": list(f.formulas),
                            "proven": [{"name": name, "holds": holds} for name, holds in f.proven]}
                           for f in sequence_forms],
        "update": _update(printers, spec, graph, values, level),
        "checks": [{"lhs": rf"\frac{{\partial L}}{{\partial {_bare(form, c.node)}}}", "holds": c.holds,
                    "entries": c.entries} for c in checks],
    }
    return context


# -- the network ----------------------------------------------------------------------------------
def _row(form: TensorIndexForm, l: int, layer) -> dict:
    shown = {"kernel": "kernel", "stride": "stride", "padding": "padding", "epsilon": "epsilon", "hidden": "hidden",
             "nonlinearity": "", "heads": "heads"}
    details = [f"{shown[k]} {v}".strip() for k, v in layer.attributes if k in shown]
    if layer.kind == "conv2d":
        w = dict(layer.parameters)["W"]
        details = [f"{w.shape[0]} filters of {w.shape[2]} by {w.shape[3]}"] + details
    if layer.activation:
        details.append(layer.activation)
    if dict(layer.attributes).get("reset_after") is False:
        details.append("state reset before the recurrent weights (Cho et al.)")
    bases = {node.name: base for node, base in form.level.bases.items() if node.kind == Kind.PARAMETER}
    parameters = [rf"{bases[f'{name}{l}'].label} \in \mathbb{{R}}^{{{_shape(array.shape)}}}" for name, array in layer.parameters
                  if f"{name}{l}" in bases]
    return {"layer": l, "kind": KIND_NAMES[layer.kind], "details": ", ".join(details),
            "shape": _shape(layer.shape), "parameters": parameters}


def _shape(shape) -> str:
    return r"\times ".join(map(str, shape)) if shape else "1"


# -- the forward pass -----------------------------------------------------------------------------
FOLDED_AFTER = 3     # a recurrent layer of more steps is worked in full at its first two; the others fold
FOLDED = "Worked as at step 1, entry by entry; its numbers are the array below."


def _folded_step(graph: TensorGraph, application) -> bool:
    """A step of a long recurrent layer after its first two: its formula and its numbers alone."""
    step = dict(application.attributes).get("t") if application is not None else None
    if step is None or step < 2:
        return False
    steps = 1 + max(dict(a.attributes).get("t", 0) for a in graph.applications if a.output.layer == application.output.layer)
    return steps > FOLDED_AFTER

def _forward(printers: _Printers, form: TensorIndexForm, application, values, numbers) -> dict:
    out, level = application.output, form.level
    lhs, rhs = _forward_equation(printers, form, application)
    step = {"title": title(application), "lhs": lhs, "rhs": rhs, "worked": [], "folded": 0, "arrays": [], "note": ""}
    if values is None:
        return step
    if _folded_step(level.graph, application):
        step["note"] = FOLDED
    elif application.op in SUMMED:
        step["worked"], step["folded"] = _worked(printers, level, form.forward(application), out,
                                                 values.value[out], numbers, _first_sample(out, level))
    step["arrays"] = [{"lhs": printers.symbols.doprint(level.bases[out]), "latex": _array(printers, values.value[out][0])}]
    return step


def _forward_equation(printers: _Printers, form: TensorIndexForm, application) -> tuple[str, str]:
    found = form.forward(application)
    if isinstance(found, sp.Equality):
        return printers.symbols.doprint(found.lhs), printers.symbols.doprint(found.rhs)
    lhs = printers.symbols.doprint(form.level.entry(application.output))
    if application.op == "activation" and not ACTIVATIONS[application.attribute("function")].elementwise:
        net = application.inputs[0]
        axis = form.level.axes[application.output][-1]
        return lhs, rf"\operatorname{{{application.attribute('function')}}}\left({_bare(form, net)}\right)_{{{axis}}}"
    return lhs, printers.symbols.doprint(found)


def _bare(form: TensorIndexForm, node: Node) -> str:
    return str(form.level.bases[node].label)


def _first_sample(node: Node, level) -> list[tuple[int, ...]]:
    return [w for w in entries(node, level.samples) if node.kind == Kind.PARAMETER or w[0] == 0]


def _shown(expr: sp.Expr, where: list) -> list:
    """The entries worked in full: all of a small node's, the first two of a larger one's, none when
    each would be a sum too long to read."""
    if terms(expr) > TERMS:
        return []
    return where if len(where) <= WORKED else where[:2]


def _worked(printers, level, expr, node, array, numbers, where) -> tuple[list[dict], int]:
    shown = _shown(expr, where)
    worked = []
    for w in shown:
        found = at(level, expr, node, w, numbers)
        entry = printers.symbols.doprint(level.bases[node][w] if node.shape else level.bases[node])
        worked.append(_entry(printers, entry, found, array[w]))
    return worked, len(where) - len(shown)


def _entry(printers: _Printers, lhs: str, found: sp.Expr, value) -> dict:
    """One worked entry: its terms, their numbers (one entry alone: its value), the value."""
    number = printers.number(value)
    single = isinstance(found, (sp.Indexed, sp.Symbol))
    return {"lhs": lhs, "symbolic": worked_lines(printers.symbols, found),
            "numbers": [number] if single else worked_lines(printers.numbers, found), "value": number, "zero": found == 0}


# -- the loss and the backward pass ------------------------------------------------------------------
def _loss(printers: _Printers, spec: TensorSpec, graph: TensorGraph, values) -> dict:
    reduction = "mean" if spec.loss.reduction == "mean" else "sum"
    function = spec.loss.function.replace("_", " ")
    if spec.loss.positions:
        softmax = " of the softmax" if graph.producer(graph.loss).op == "sequence_ce" else ""
        function += f"{softmax} at each position, a sample's error the {spec.loss.positions} over its positions"
    return {"function": function, "reduction": reduction,
            "value": printers.number(values.loss) if values is not None else None}


def _backward_order(graph: TensorGraph, form: TensorIndexForm) -> list[Node]:
    """From the loss back: each application's output, then the parameters it is the first reader of
    (a weight shared by every time step comes after the last step's term it gathers)."""
    found = []
    for application in reversed(graph.applications):
        first = [p for p in application.inputs if p.kind == Kind.PARAMETER and graph.consumers(p)[0] is application]
        for node in (application.output, *first):
            if node in form.walk.terms and node.kind in (Kind.INTERMEDIATE, Kind.PARAMETER) and node not in found:
                found.append(node)
    return found


def _backward(printers: _Printers, form: TensorIndexForm, node: Node, values, numbers) -> dict:
    level = form.level
    formula = form.formula(node)
    entry = level.adjoint(node)
    step = {"title": gradient_title(form, node), "parameter": node.kind == Kind.PARAMETER,
            "lhs": printers.symbols.doprint(entry), "rhs": printers.symbols.doprint(formula),
            "worked": [], "folded": 0, "arrays": [], "note": ""}
    if values is None:
        return step
    where = _first_sample(node, level)
    # a normalization's input: its three terms are worked in the step-by-step section instead
    normalized = [a.op for a in level.graph.consumers(node) if a.op in NORMS]
    folded = node.kind != Kind.PARAMETER and _folded_step(level.graph, level.graph.producer(node))
    shown = [] if normalized or folded else _shown(formula, where)
    if node.kind == Kind.PARAMETER and any(_folded_step(level.graph, a) for a in level.graph.consumers(node)):
        shown = shown[:1]                 # a shared weight of a long layer: one entry, every step's term
    if folded:
        step["note"] = FOLDED
    if "batch_norm" in normalized:
        step["note"] = "Its three terms are worked for the first feature in the batch normalization section below."
    for w in shown:
        found = at(level, formula, node, w, numbers)
        step["worked"].append(_entry(printers, printers.symbols.doprint(level.adjoint_bases[node][w]), found,
                                     values.adjoint[node][w]))
    step["folded"] = len(where) - len(shown)
    array = values.adjoint[node] if node.kind == Kind.PARAMETER else values.adjoint[node][0]
    step["arrays"] = [{"lhs": rf"\frac{{\partial L}}{{\partial {_bare(form, node)}}}", "latex": _array(printers, array)}]
    return step


def _routing(printers: _Printers, application, values) -> dict:
    """Each window of the first sample: its entries, the one that wins, where the gradient goes."""
    a = values.value[application.inputs[0]][0]
    grad = values.adjoint.get(application.output)
    kernel, stride = application.attribute("kernel"), application.attribute("stride")
    rows = []
    for c in range(a.shape[0]):
        for i in range((a.shape[1] - kernel) // stride + 1):
            for j in range((a.shape[2] - kernel) // stride + 1):
                window = a[c, i * stride:i * stride + kernel, j * stride:j * stride + kernel]
                p, q = divmod(int(np.argmax(window)), kernel)
                rows.append({"channel": c, "window": f"({i}, {j})",
                             "entries": ", ".join(printers.number(v) for v in window.ravel()),
                             "winner": f"({i * stride + p}, {j * stride + q})", "value": printers.number(window[p, q]),
                             "gradient": printers.number(grad[0, c, i, j]) if grad is not None else ""})
    return {"layer": application.output.layer, "rows": rows}


def _conv(printers: _Printers, form: TensorIndexForm, application, forms: ConvMatrixForms | None) -> dict:
    stride, padding = application.attribute("stride"), application.attribute("padding")
    kernel = application.inputs[1].shape[2]
    layer = application.output.layer
    section = {"layer": layer, "stride": stride, "padding": padding, "kernel": kernel, "rotated": [], "spread": [],
               "columns": None, "proven": [],
               "formulas": _conv_formulas(_bare(form, application.inputs[0]), layer, stride, padding, kernel),
               "reads_input": application.inputs[0].kind == Kind.INPUT, "input_gradient": None,
               "input_name": _bare(form, application.inputs[0])}
    if forms is None:
        return section
    for o in range(forms.rotated.shape[0]):
        for c in range(forms.rotated.shape[1]):
            section["rotated"].append({"index": f"{o},{c}", "latex": _array(printers, forms.rotated[o, c])})
        section["spread"].append({"index": f"{o}", "latex": _array(printers, forms.spread[o])})
    section["input_gradient"] = _array(printers, forms.input_gradient)
    if forms.columns.size <= SHOWN:
        section["columns"] = _array(printers, forms.columns)
    section["proven"] = [{"name": name, "holds": holds} for name, holds in forms.proven]
    return section


def _conv_formulas(x: str, layer: int, stride: int, padding: int, kernel: int) -> list[str]:
    """The matrix forms of core/conv_matrix.py, with this layer's stride, padding and kernel (G: the
    upstream gradient ∂L/∂z of one sample, one map per output channel o)."""
    padded = rf"\tilde{{{x}}}" if padding else x
    spread = rf"\operatorname{{dil}}_{{{stride}}}(G_{{o}})" if stride > 1 else "G_{o}"
    found = [rf"z^{{[{layer}]}}_{{o}} = \sum_{{c}} {padded}_{{c}} \star w^{{[{layer}]}}_{{o,c}} + b^{{[{layer}]}}_{{o}}",
             rf"\frac{{\partial L}}{{\partial w^{{[{layer}]}}_{{o,c}}}} = {padded}_{{c}} \star {spread}",
             rf"\frac{{\partial L}}{{\partial b^{{[{layer}]}}_{{o}}}} = \sum_{{i}} \sum_{{j}} (G_{{o}})_{{i,j}}"]
    whole = rf"\sum_{{o}} \operatorname{{pad}}_{{{kernel - 1}}}\left({spread}\right) \star " \
            rf"\operatorname{{rot}}_{{180}}\left(w^{{[{layer}]}}_{{o,c}}\right)"
    found.append(rf"\frac{{\partial L}}{{\partial {x}_{{c}}}} = "
                 + (rf"\operatorname{{crop}}_{{{padding}}}\left({whole}\right)" if padding else whole))
    found += [r"Z_{\mathrm{mat}} = W_{\mathrm{col}} X_{\mathrm{col}} + b, \quad "
              r"\frac{\partial L}{\partial W_{\mathrm{col}}} = G_{\mathrm{mat}} X_{\mathrm{col}}^{\top}, "
              r"\quad \frac{\partial L}{\partial X_{\mathrm{col}}} = W_{\mathrm{col}}^{\top} G_{\mathrm{mat}}"]
    return found


FORM_TITLES = {"attention": "Attention in matrix form", "rnn": "Backpropagation through time in matrix form",
               "lstm": "The LSTM's cell state through time", "gru": "The GRU's hidden state through time"}
PROVEN_AT = 4        # batchnorm's steps and collapsed form are proven symbolically over this many entries
LISTED = 8           # a step's values over more entries than this are not listed


def _norm(printers: _Printers, spec: TensorSpec, application, values: TensorValues) -> dict:
    """Batchnorm over its first feature (or channel): the step-by-step graph's forward and backward
    with their numbers, the collapsed formula, and their proof (present/norm_steps.py): symbolic over
    N = PROVEN_AT entries (the formulas hold for any N), and at this layer's numbers against the
    kernels' ∂L/∂x. g is the cost's gradient by y, the mean's 1/m in it."""
    x, gamma, *beta = application.inputs
    scale = 1.0 / spec.samples if spec.loss.reduction == "mean" else 1.0
    first = values.value[x][:, 0].ravel()
    g = scale * values.adjoint[application.output][:, 0].ravel()
    steps = norm_steps("batch_norm", min(len(first), PROVEN_AT))
    found = steps.at(first, g, float(values.value[gamma][0]), float(values.value[beta[0]][0]) if beta else 0.0,
                     application.attribute("epsilon"))
    proof = [{"name": name, "holds": holds} for name, holds in steps.proof()]
    if x in values.adjoint:
        kernels = scale * values.adjoint[x][:, 0].ravel()
        bound = steps.scale(found, first, application.attribute("epsilon"))
        proof.append({"name": "dL/dx at these numbers = the kernels", "holds": agree(found["dL/dx"], kernels, bound)})

    def listed(value) -> str:
        if not np.ndim(value):
            return printers.number(value)
        return _matrix(printers, np.asarray(value)[None, :]) if np.size(value) <= LISTED else \
            rf"\text{{({np.size(value)} values)}}"

    def shown(step):
        return {"lhs": step.lhs, "rhs": step.latex, "value": listed(found[step.name])}
    return {"layer": application.output.layer, "count": len(first), "proven_at": steps.n, "x": listed(first),
            "g": listed(g), "forward": [shown(s) for s in steps.forward_steps],
            "backward": [shown(s) for s in steps.backward_steps], "collapsed": steps.collapsed.latex,
            "proof": proof}


def _update(printers: _Printers, spec: TensorSpec, graph: TensorGraph, values, level) -> list[dict]:
    if values is None or spec.training is None:
        return []
    rate = spec.training.learning_rate
    found = []
    for node in graph.of_kind(Kind.PARAMETER):
        if node in values.adjoint:
            new = values.value[node] - rate * values.adjoint[node]
            found.append({"symbol": printers.symbols.doprint(level.bases[node]), "name": node.name,
                          "latex": _array(printers, new)})
    return found


def _array(printers: _Printers, array: np.ndarray) -> str:
    """A LaTeX matrix of numbers: a 3-D array one matrix per channel, a 4-D one per (out, in) pair."""
    array = np.asarray(array)
    if array.size > SHOWN:
        shape = r" \times ".join(map(str, array.shape))
        return rf"\text{{(}}{shape}\text{{ numbers: in the JSON document)}}"
    if array.ndim == 0:
        return printers.number(array)
    if array.ndim == 1:
        return _matrix(printers, array[None, :])
    if array.ndim == 2:
        return _matrix(printers, array)
    return r",\ ".join(_array(printers, part) for part in array)


def _matrix(printers: _Printers, rows: np.ndarray) -> str:
    body = r" \\ ".join(" & ".join(printers.number(v) for v in row) for row in rows)
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"
