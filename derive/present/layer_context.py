"""Layer-level derivation + numbers -> Context for the `layer` notation document.

Plain data: LaTeX strings (each equation with the shape of every matrix it introduces) and
matrices of formatted numbers. A matrix too large for a line is shown by its corners, and in full
in a numbered table (`layer_notation.Tables`). No SymPy object leaves this module.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import sympy as sp
from sympy import MatrixSymbol, Transpose

from ..core.layers import LayerDerivation
from ..core.matrix_forms import Reason
from ..core.ops import OPS
from ..core.proof import Check
from ..numeric.evaluator import Parameters, Values
from ..rules.activations import ACTIVATIONS
from ..rules.fusions import CANCELLATIONS
from ..rules.losses import LOSSES
from ..spec.load import NetworkSpec
from .layer_notation import Axis, LayerPrinter, Tables, bmatrix, printed_names
from .notation import format_number
from .unit_notations import ETA
from .update_steps import optimizer_context, optimizer_of, parameter_step

__all__ = ["bmatrix", "build"]


def _step_text(spec: NetworkSpec) -> dict[Reason, tuple[str, ...]]:
    """Prose between the steps: text and math alternate (even items are text, odd items LaTeX math).
    The loss and its cancellation are named as the rule table names them."""
    loss = LOSSES[spec.loss.function].description
    fusion = CANCELLATIONS.get((spec.layers[-1].activation, spec.loss.function))
    return {
        Reason.LOSS: (f"The loss is {loss}; its derivative by the outputs, one "
                      + ("column" if spec.layout == "column" else "row") + " per sample:",),
        Reason.CHAIN: ("By the chain rule, through the output activation:",),
        Reason.SIGN: ("With the loss's derivative substituted, the sign moved inside:",),
        Reason.SUBSTITUTE: ("With the loss's derivative substituted:",),
        Reason.SIGMOID_BCE: ("With the loss's derivative substituted, the sigmoid's derivative ",
                             r"A \odot (1 - A)", " cancels its denominators:"),
        Reason.SOFTMAX_VJP: ("Through the softmax: for each sample, ", r"\left(\operatorname{diag}(a) - a a^{T}\right)",
                             " times the loss's derivative:"),
        Reason.SOFTMAX_CE: (f"which cancels, because {fusion.condition if fusion else ''} in each sample, to",),
        # a step through one op: its row's words
        Reason.AFFINE: (OPS["dense"].printing.prose,),
        Reason.SKIP: (OPS["add"].printing.prose,),
        Reason.ACTIVATION: (OPS["activation"].printing.prose,),
        Reason.DROPOUT: (OPS["dropout"].printing.prose,),
        Reason.RECURSION: ("Together, the recursion:",),
        Reason.SOFTMAX_JACOBIAN: ("For one sample, the softmax Jacobian applied to the loss's derivative:",),
        Reason.EXPAND: ("Since ", r"\operatorname{diag}(a) \left(y \oslash a\right) = y", " and ",
                        r"a^{T} \left(y \oslash a\right) = \mathbf{1}^{T} y", ":"),
        Reason.TARGETS_SUM_TO_ONE: ("and ", r"\mathbf{1}^{T} y = 1", ":"),
    }


class _Writer:
    def __init__(self, spec: NetworkSpec, layered: LayerDerivation):
        self.spec, self.layered = spec, layered
        self.names = printed_names(layered)
        self.shared_biases = {r.b for r in layered.layers if isinstance(r.b, sp.Symbol)}    # one number each
        self.printer = LayerPrinter(self.names)
        self.shaped: set = set()        # symbols whose shape the current section has stated

    def tex(self, expr) -> str:
        return self.printer.doprint(expr)

    def shape(self, rows, cols) -> str:
        return rf"{self.tex(rows)} \times {self.tex(cols)}"

    def section(self) -> None:
        """A new section states every shape again."""
        self.shaped = set()

    def shapes(self, *exprs) -> list[str]:
        """Each matrix (and scalar bias) the expressions bring into the section, with its shape."""
        parts = []
        for expr in exprs:
            for node in sp.preorder_traversal(expr):
                named = isinstance(node, MatrixSymbol) or isinstance(node, Transpose) and isinstance(node.arg, MatrixSymbol)
                scalar = isinstance(node, sp.Symbol) and node in self.shared_biases
                if (named or scalar) and node not in self.shaped:
                    self.shaped.update({node, node.arg} if isinstance(node, Transpose) else {node})
                    space = r"\mathbb{R}" if scalar else rf"\mathbb{{R}}^{{{self.shape(*node.shape)}}}"
                    parts.append(rf"{self.tex(node)} \in {space}")
        return parts

    def equation(self, lhs, rhs) -> dict[str, Any]:
        """lhs (an expression, or LaTeX already written) = rhs, with the shapes of both sides' new matrices."""
        if isinstance(lhs, str):
            return {"lhs": lhs, "rhs": self.tex(rhs), "shapes": self.shapes(rhs)}
        return {"lhs": self.tex(lhs), "rhs": self.tex(rhs), "shapes": self.shapes(lhs, rhs)}


def build(spec: NetworkSpec, layered: LayerDerivation, values: Values | None, checks: list[Check]) -> dict[str, Any]:
    w = _Writer(spec, layered)
    column = spec.layout == "column"
    text = _step_text(spec)
    tables = Tables(spec.precision)
    records = layered.layers
    layers = []
    for r in records:
        w.section()
        layers.append({
            "index": r.index,
            "activation": r.activation,
            "units": spec.layers[r.index - 1].units,
            "forward": w.equation(r.Z, r.forward),
            "out": {"lhs": w.tex(r.A), "rhs": w.tex(r.output)},
            "D": None if r.mask is None else w.tex(r.mask),
            "W": w.tex(r.W), "b": None if r.b is None else w.tex(r.b), "Z": w.tex(r.Z), "A": w.tex(r.A), "delta": w.tex(r.delta),
        })
    softmax_steps = []
    for r, layer in zip(reversed(records), reversed(layers)):
        w.section()
        layer["d_act"] = _activation_derivative(w, r, spec.precision)
        layer["d_act_at"] = 1 if r is records[-1] else 0     # the step it comes before: after the loss's
        steps = [w.equation(s.lhs, s.rhs) | {"text": list(text[s.reason])} for s in r.steps]
        if r is records[-1] and layered.softmax_steps:
            # one sample's Jacobian product, between the loss's derivative and the batch's form
            w.section()
            softmax_steps = [w.equation(s.lhs, s.rhs) | {"text": list(text[s.reason])} for s in layered.softmax_steps]
            w.shaped.update(r.delta.free_symbols | {r.delta})
            steps = steps[:1] + softmax_steps + steps[1:]
        layer["steps"] = steps
        layer["grad_W"] = w.equation(rf"\frac{{\partial J}}{{\partial {w.tex(r.W)}}}", r.grad_W)
        layer["grad_b"] = (None if r.b is None else                    # a layer without bias
                           w.equation(rf"\frac{{\partial J}}{{\partial {w.tex(r.b)}}}", r.grad_b))
    numbers = None
    if values is not None:
        numbers = _numbers(spec, records, layers, values, checks, tables) | {
            "J": format_number(values.forward.cost, spec.precision),
            "J_after": format_number(values.after_step.cost, spec.precision),
            "trained": values.training and format_number(values.training.loss, spec.precision),
            "iterations": values.training and values.training.iterations,
        }
    return {
        "title": spec.title, "description": spec.description, "layout": spec.layout,
        "column": column, "reduction": spec.loss.reduction, "loss": spec.loss.function,
        "loss_description": LOSSES[spec.loss.function].description,
        "penalty": _penalty(spec, layered, values),
        "samples": spec.samples,
        "learning_rate": spec.training and format_number(spec.training.learning_rate, spec.precision),
        "update_bias": spec.training is not None and spec.training.update_bias,
        "optimizer": spec.training and optimizer_context(spec, lambda v: format_number(v, spec.precision)),
        "symbols": _symbol_table(w, records),
        "layers": layers,
        "softmax_steps": softmax_steps,
        "numbers": numbers,
        "tables": tables.all,
        "proof": {"checks": len(checks), "entries": sum(c.entries for c in checks),
                  "methods": sorted({c.method for c in checks}), "ok": all(c.ok for c in checks)},
    }


def _activation_derivative(w: _Writer, r, precision: int) -> dict[str, Any] | None:
    """g'(Z) as people write it (σ' = A ⊙ (1 − A)); one over the net input for each entry z (GELU'), a
    piecewise one (ReLU') as its cases, from the rule table."""
    if r.d_act is None or r.activation in ("linear", "g"):
        return None
    activation = ACTIVATIONS[r.activation]
    z = sp.Symbol("z", real=True)
    unit = activation.derivative([z], [z], 0, 0)
    over_net = z in activation.derivative([sp.Dummy("out")], [z], 0, 0).free_symbols
    if not isinstance(unit, sp.Piecewise) and over_net:       # written over the net input: GELU', softplus'
        return {"lhs": rf"{activation.latex}'(z)", "rhs": LayerPrinter({z: "z"}).doprint(unit), "shapes": [],
                "text": ["The activation's derivative, for each entry ", "z", " of ", w.tex(r.Z), ":"]}
    if not isinstance(unit, sp.Piecewise):
        return w.equation(rf"{activation.latex}'\left({w.tex(r.Z)}\right)", r.d_act) | {
            "text": ["The activation's derivative, written as people write it:"]}
    pieces = unit.args
    slopes = [sp.Symbol(f"slope{k}") for k in range(len(pieces))]   # printed as decimals, 0.01
    cases = sp.Piecewise(*[(slope, condition) for slope, (_, condition) in zip(slopes, pieces)])
    printer = LayerPrinter({z: "z"}, {slope: format_number(float(value), precision)
                                      for slope, (value, _) in zip(slopes, pieces)})
    return {"lhs": rf"{activation.latex}'(z)", "rhs": printer.doprint(cases), "shapes": [],
            "text": ["The activation's derivative, for each entry ", "z", " of ", w.tex(r.Z),
                     "; at zero derive takes the second case, in its numbers too:"]}


def _numbers(spec: NetworkSpec, records, layers, values: Values, checks: list[Check], tables: Tables) -> dict:
    """Every matrix of numbers, made in the order the document shows them (so tables are numbered in
    reading order). An entry the derivation makes 0 is printed as 0, and its step leaves the
    parameter as it was."""
    column, axes = spec.layout == "column", _Axes(spec)
    zeros = {c.subject: c.zeros for c in checks}
    for r, layer in zip(records, layers):
        l, units = r.index - 1, axes.nodes(r.index)
        layer["numbers"] = {"Z": tables.matrix(layer["Z"], _orient(values.forward.nets[l], column), units)}
        if r.mask is not None:       # the fixed mask, one entry per unit and sample
            layer["numbers"]["D"] = tables.matrix(layer["D"], _orient([spec.layers[l].kept(s) for s in
                                                                       range(spec.samples)], column), units)
        layer["numbers"]["A"] = tables.matrix(layer["A"], _orient(values.forward.outs[l], column), units)
    numbers = {"X": tables.matrix("X", _orient(values.forward.inputs, column), axes.nodes(0)),
               "Y": tables.matrix("Y", _orient(np.array(spec.targets), column), axes.nodes(len(records)))}
    gradients = {}
    for r, layer in zip(reversed(records), reversed(layers)):
        l = r.index - 1
        delta = _zeroed(_orient(values.factors[l].delta, column), zeros.get(("delta", r.index, r.steps[-1].reason)))
        layer["numbers"]["delta"] = tables.matrix(layer["delta"], delta, axes.nodes(r.index))
        gradients[r.index] = (_zeroed(_weights(values.gradients, l, column), zeros.get(("grad_W", r.index))),
                              _zeroed(_biases(values.gradients, l, column), zeros.get(("grad_b", r.index))))
        shown = _parameters(r, axes, tables, column, [(layer["grad_W"]["lhs"], gradients[r.index][0])] + (
            [] if r.b is None else [(layer["grad_b"]["lhs"], gradients[r.index][1])]))
        layer["numbers"].update(zip(("grad_W", "grad_b"), shown))
    for r, layer in zip(records, layers):
        l = r.index - 1
        grad_W, grad_b = gradients[r.index]
        # the optimizer's step from the gradients as shown: where the derivation makes one 0, it is 0
        steps = [_step(spec, layer["W"], layer["grad_W"]["lhs"], _weights(values.parameters, l, column), grad_W)]
        if r.b is not None:
            bias = _biases(values.parameters, l, column)
            step = _step(spec, layer["b"], layer["grad_b"]["lhs"], bias, grad_b)
            steps.append(step if spec.training.update_bias else [(label, bias) for label, _ in step])   # kept
        shown = [_parameters(r, axes, tables, column, [step[i] for step in steps]) for i in range(len(steps[0]))]
        layer["numbers"].update(zip(("W_new", "b_new"), shown[-1]))
        # every assignment of the step, W's then b's (if the biases are updated), with its label
        updated = 2 if r.b is not None and spec.training.update_bias else 1
        layer["updates"] = [{"lhs": label, "m": display} for i, displays in enumerate(shown)
                           for (label, _), display in zip([step[i] for step in steps][:updated], displays)]
    return numbers


def _parameters(r, axes: "_Axes", tables: Tables, column: bool, pair) -> list[dict]:
    """W and b (their gradients, their updates): per-unit biases share W's table, as [W | b]."""
    if r.b is None:                     # a layer without bias: W alone
        return [tables.matrix(*pair[0], axes.weights(r.index))]
    if isinstance(r.b, sp.Symbol):      # a shared bias is one number: never in a table
        return [tables.matrix(*pair[0], axes.weights(r.index)), tables.matrix(*pair[1], axes.one())]
    return tables.joined(pair, axes.parameters(r.index), rows=not column)


def _orient(array: np.ndarray, column: bool) -> np.ndarray:
    """One sample per row (the numbers) -> the document's orientation."""
    return np.asarray(array).T if column else np.asarray(array)


def _zeroed(array: np.ndarray, zeros) -> np.ndarray:
    array = np.array(array, dtype=float)
    for i, j in zeros or ():
        array[i, j] = 0.0
    return array


class _EntrywisePrinter(LayerPrinter):
    """An optimizer's step on a matrix: its squares are entry by entry, written A^{\\odot 2}."""

    def _print_Pow(self, expr) -> str:
        if expr.exp.is_Integer and expr.exp > 1:
            base = self._print(expr.base)
            base = base if re.fullmatch(r"[A-Za-z](_\{[^{}]*\})?", base) else rf"\left({base}\right)"
            return rf"{base}^{{\odot {expr.exp}}}"
        return super()._print_Pow(expr)


def _step(spec: NetworkSpec, name: str, gradient_name: str, before: np.ndarray, gradient: np.ndarray) -> list:
    """The optimizer's first step on one parameter matrix: (label, values) per assignment; the last
    is labelled with its formula alone (W - eta dJ/dW), the others as lhs = formula."""
    parameter, grad, after = sp.Dummy("P"), sp.Dummy("G"), sp.Dummy("after")
    step = parameter_step(spec, parameter, name, grad, before, gradient, after)
    if optimizer_of(spec).name == "sgd":       # as the documents have always written it
        return [(rf"{name} - \eta {gradient_name}", step.assignments[-1].figure)]
    printer = _EntrywisePrinter(step.names | {parameter: name, grad: gradient_name, ETA: r"\eta"})
    return [(printer.doprint(a.value) if a.target == after else f"{printer.doprint(a.target)} = {printer.doprint(a.value)}",
             np.asarray(a.figure, dtype=float)) for a in step.assignments]


def _weights(params: Parameters, l: int, column: bool) -> np.ndarray:
    return params.weights[l] if column else params.weights[l].T


def _biases(params: Parameters, l: int, column: bool) -> np.ndarray:
    b = params.biases[l]
    return b.reshape(-1, 1) if column and b.size > 1 else b.reshape(1, -1)


class _Axes:
    """What the rows and columns of each printed matrix stand for (units, inputs, samples)."""

    def __init__(self, spec: NetworkSpec):
        self.spec, self.column = spec, spec.layout == "column"
        self.units = [list(spec.input_names)] + [list(layer.names) for layer in spec.layers]
        self.samples = Axis("sample", [str(s) for s in range(1, spec.samples + 1)])

    def _unit_axis(self, l: int) -> Axis:
        return Axis("input" if l == 0 else f"unit of layer {l}", self.units[l])

    def _arrange(self, rows: Axis, cols: Axis) -> tuple[Axis, Axis]:
        return (rows, cols) if self.column else (cols, rows)

    def nodes(self, l: int) -> tuple[Axis, Axis]:
        return self._arrange(self._unit_axis(l), self.samples)

    def weights(self, l: int) -> tuple[Axis, Axis]:
        return self._arrange(self._unit_axis(l), self._unit_axis(l - 1))

    def parameters(self, l: int) -> tuple[Axis, Axis]:
        """[W | b]: the previous layer's units and then the bias."""
        before = self._unit_axis(l - 1)
        return self._arrange(self._unit_axis(l), Axis(f"{before.what} (and the bias)", before.labels + ["b"]))

    @staticmethod
    def one() -> tuple[Axis, Axis]:
        return Axis("", [""]), Axis("", [""])


def _symbol_table(w: _Writer, records) -> list[dict[str, str]]:
    layered = w.layered
    per = "column" if layered.layout == "column" else "row"
    rows = [{"symbol": "X", "meaning": f"the inputs, one {per} per sample", "shape": w.shape(*layered.X.shape)},
            {"symbol": "Y", "meaning": "the targets", "shape": w.shape(*layered.Y.shape)}]
    for r in records:
        l = r.index
        shared = isinstance(r.b, sp.Symbol)
        rows += [
            {"symbol": w.tex(r.W), "meaning": f"weights of layer {l}", "shape": w.shape(*r.W.shape)}]
        if r.b is not None:
            rows.append({"symbol": w.tex(r.b), "meaning": f"bias of layer {l}" + (", one number shared by its units"
                                                                                 if shared else ""),
                         "shape": r"1 \times 1" if shared else w.shape(*r.b.shape)})
        rows.append({"symbol": w.tex(r.Z), "meaning": f"net inputs of layer {l}", "shape": w.shape(*r.Z.shape)})
        if r.mask is not None:
            rows.append({"symbol": w.tex(r.mask), "meaning": f"the fixed dropout mask of layer {l}: 1 keeps a unit, "
                         f"0 drops it; kept outputs are scaled by 1/(1 - p) = {r.kept}", "shape": w.shape(*r.mask.shape)})
        rows += [
            {"symbol": w.tex(r.A), "meaning": f"outputs of layer {l}" + (", after dropout" if r.mask is not None else "")
             + _skip_words(w.spec.layers[l - 1].skip),
             "shape": w.shape(*r.A.shape)},
            {"symbol": w.tex(r.delta), "meaning": f"the derivative of the summed loss by the net inputs of layer {l}, "
             f"one {per} per sample", "shape": w.shape(*r.delta.shape)},
        ]
    rows += [{"symbol": r"\mathbf{1}_{k}", "meaning": "a column of k ones (it repeats a bias, or sums)",
              "shape": r"k \times 1"},
             {"symbol": "m", "meaning": "the number of samples", "shape": ""},
             {"symbol": r"\mathcal{L}", "meaning": "the sum of the per-sample losses", "shape": r"1 \times 1"},
             {"symbol": "J", "meaning": "the cost: the summed loss" + (" over m" if layered.reduction == "mean" else "")
              + (", plus the L2 penalty" if layered.l2 else ""), "shape": r"1 \times 1"}]
    if layered.l2:
        rows.append({"symbol": r"\lambda", "meaning": "the strength of the L2 penalty on the weights", "shape": ""})
    return rows


def _skip_words(k: int | None) -> str:
    if k is None:
        return ""
    return f", with {'the inputs' if k == 0 else f'the outputs of layer {k}'} added by a skip connection"


def _penalty(spec: NetworkSpec, layered: LayerDerivation, values) -> dict[str, str] | None:
    """The cost with its L2 penalty, as one display, and the penalty's figures."""
    if not layered.l2:
        return None
    loss = r"\frac{1}{m} \mathcal{L}" if layered.reduction == "mean" else r"\mathcal{L}"
    norms = " + ".join(rf"\lVert W^{{[{r.index}]}} \rVert_{{F}}^{{2}}" for r in layered.layers)
    return {"formula": rf"J = {loss} + \frac{{\lambda}}{{2}} \left({norms}\right)",
            "lambda": format_number(spec.loss.l2, spec.precision),
            "value": values and format_number(values.forward.penalty, spec.precision)}
