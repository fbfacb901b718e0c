"""Layer-level derivation + numbers -> Context for the `layer` notation document.

Plain data: LaTeX strings (each equation with the shape of every matrix in it) and matrices of
formatted numbers. No SymPy object leaves this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from sympy import MatrixSymbol, Transpose

from .layer_notation import LayerPrinter, layer_names
from .layers import LayerDerivation
from .notation import format_number
from .numeric import Parameters, Values
from .proof import Check
from .rules import ACTIVATIONS
from .spec import NetworkSpec

# Prose between the steps: text and math alternate (even items are text, odd items LaTeX math).
STEP_TEXT = {
    "chain": ("By the chain rule, through the output activation:",),
    "sign": ("Moving the sign inside:",),
    "sigmoid-binary-cross-entropy": ("The sigmoid's derivative ", r"A \odot (1 - A)", " cancels the loss's denominator:"),
    "softmax-vjp": ("Through the softmax: for each sample, ", r"\left(\operatorname{diag}(a) - a a^{T}\right)",
                    " times the loss's derivative:"),
    "softmax-cross-entropy": ("which cancels, because each sample's targets sum to 1, to",),
    "affine": ("The error reaches this layer's outputs through the next layer's weights:",),
    "activation": ("and through this layer's activation:",),
    "recursion": ("Together, the recursion:",),
}
SOFTMAX_TEXT = {
    "softmax-jacobian": ("For one sample, the softmax Jacobian applied to the cross-entropy's derivative:",),
    "expand": ("Since ", r"\operatorname{diag}(a) \left(y \oslash a\right) = y", " and ",
               r"a^{T} \left(y \oslash a\right) = \mathbf{1}^{T} y", ":"),
    "targets-sum-to-one": ("and ", r"\mathbf{1}^{T} y = 1", ":"),
}


class _Writer:
    def __init__(self, spec: NetworkSpec, layered: LayerDerivation):
        self.spec, self.layered = spec, layered
        self.names = layer_names(layered)
        self.printer = LayerPrinter(self.names)

    def tex(self, expr) -> str:
        return self.printer.doprint(expr)

    def shape(self, rows, cols) -> str:
        return rf"{self.tex(rows)} \times {self.tex(cols)}"

    def shapes(self, *exprs) -> str:
        """Each matrix in the expressions with its shape, in order of appearance."""
        seen, parts = set(), []
        for expr in exprs:
            for node in sp.preorder_traversal(expr):
                named = isinstance(node, MatrixSymbol) or isinstance(node, Transpose) and isinstance(node.arg, MatrixSymbol)
                if named and node not in seen:
                    seen.update({node, node.arg} if isinstance(node, Transpose) else {node})
                    parts.append(rf"{self.tex(node)} \in \mathbb{{R}}^{{{self.shape(*node.shape)}}}")
        return r",\ ".join(parts)

    def equation(self, lhs, rhs) -> dict[str, str]:
        """lhs (an expression, or LaTeX already written) = rhs, with the shapes of both sides' matrices."""
        if isinstance(lhs, str):
            return {"lhs": lhs, "rhs": self.tex(rhs), "shapes": self.shapes(rhs)}
        return {"lhs": self.tex(lhs), "rhs": self.tex(rhs), "shapes": self.shapes(lhs, rhs)}

    def matrix(self, array: np.ndarray) -> str:
        return bmatrix(array, self.spec.precision)


def bmatrix(array, precision: int) -> str:
    """A matrix of numbers as a LaTeX bmatrix, each to `precision` significant digits."""
    array = np.atleast_2d(np.asarray(array, dtype=float))
    symbols = sp.Matrix(array.shape[0], array.shape[1], lambda i, j: sp.Symbol(f"v_{i}_{j}"))
    values = {symbols[i, j]: format_number(float(array[i, j]), precision)
              for i in range(array.shape[0]) for j in range(array.shape[1])}
    printer = LayerPrinter({}, values, bracket_negatives=False)
    printer._settings["mat_str"] = "bmatrix"
    printer._settings["mat_delim"] = ""
    return printer.doprint(sp.ImmutableMatrix(symbols))


def build(spec: NetworkSpec, layered: LayerDerivation, values: Values | None, checks: list[Check]) -> dict[str, Any]:
    w = _Writer(spec, layered)
    column = spec.layout == "column"
    orient = (lambda a: a.T) if column else (lambda a: a)
    records = layered.layers
    layers = []
    for r in records:
        activation = ACTIVATIONS[r.activation]
        layer: dict[str, Any] = {
            "index": r.index,
            "activation": r.activation,
            "units": spec.layers[r.index - 1].units,
            "forward": w.equation(r.Z, r.forward),
            "out": {"lhs": w.tex(r.A), "rhs": rf"{activation.latex}\left({w.tex(r.Z)}\right)"},
            "d_act": (w.equation(rf"{activation.latex}'\left({w.tex(r.Z)}\right)", r.d_act)
                      if r.d_act is not None and r.activation not in ("linear", "g") else None),
            "steps": [w.equation(s.lhs, s.rhs) | {"text": list(STEP_TEXT[s.reason])} for s in r.steps],
            "grad_W": w.equation(rf"\frac{{\partial J}}{{\partial {w.tex(r.W)}}}", r.grad_W),
            "grad_b": w.equation(rf"\frac{{\partial J}}{{\partial {w.tex(r.b)}}}", r.grad_b),
            "W": w.tex(r.W), "b": w.tex(r.b), "Z": w.tex(r.Z), "A": w.tex(r.A), "delta": w.tex(r.delta),
        }
        if values is not None:
            l = r.index - 1
            layer["numbers"] = {
                "Z": w.matrix(orient(values.forward.nets[l])),
                "A": w.matrix(orient(values.forward.outs[l])),
                "delta": w.matrix(orient(values.factors[l].delta)),
                "grad_W": w.matrix(_weights(values.gradients, l, column)),
                "grad_b": w.matrix(_biases(values.gradients, l, column)),
                "W_new": w.matrix(_weights(values.updated, l, column)),
                "b_new": w.matrix(_biases(values.updated, l, column)),
            }
        layers.append(layer)
    return {
        "title": spec.title, "description": spec.description, "layout": spec.layout,
        "column": column, "reduction": spec.loss.reduction, "loss": spec.loss.function,
        "samples": spec.samples,
        "learning_rate": spec.training and format_number(spec.training.learning_rate, spec.precision),
        "update_bias": spec.training is not None and spec.training.update_bias,
        "symbols": _symbol_table(w, records),
        "layers": layers,
        "softmax_steps": [w.equation(s.lhs, s.rhs) | {"text": list(SOFTMAX_TEXT[s.reason])} for s in layered.softmax_steps],
        "numbers": values is not None and {
            "X": w.matrix(orient(values.forward.inputs)),
            "Y": w.matrix(orient(np.array(spec.targets))),
            "J": format_number(values.forward.loss, spec.precision),
            "J_after": format_number(values.after_step.loss, spec.precision),
            "trained": values.training and format_number(values.training.loss, spec.precision),
            "iterations": values.training and values.training.iterations,
        },
        "proof": {"checks": len(checks), "entries": sum(c.entries for c in checks),
                  "methods": sorted({c.method for c in checks}), "ok": all(c.ok for c in checks)},
    }


def _weights(params: Parameters, l: int, column: bool) -> np.ndarray:
    return params.weights[l] if column else params.weights[l].T


def _biases(params: Parameters, l: int, column: bool) -> np.ndarray:
    b = params.biases[l]
    return b.reshape(-1, 1) if column and b.size > 1 else b.reshape(1, -1)


def _symbol_table(w: _Writer, records) -> list[dict[str, str]]:
    layered = w.layered
    rows = [{"symbol": "X", "meaning": "the inputs, one " + ("column" if layered.layout == "column" else "row")
             + " per sample", "shape": w.shape(*layered.X.shape)},
            {"symbol": "Y", "meaning": "the targets", "shape": w.shape(*layered.Y.shape)}]
    for r in records:
        l = r.index
        rows += [
            {"symbol": w.tex(r.W), "meaning": f"weights of layer {l}", "shape": w.shape(*r.W.shape)},
            {"symbol": w.tex(r.b), "meaning": f"bias of layer {l}" + (", shared by its units" if isinstance(r.b, sp.Symbol) else ""),
             "shape": "1 \\times 1" if isinstance(r.b, sp.Symbol) else w.shape(*r.b.shape)},
            {"symbol": w.tex(r.Z), "meaning": f"net inputs of layer {l}", "shape": w.shape(*r.Z.shape)},
            {"symbol": w.tex(r.A), "meaning": f"outputs of layer {l}", "shape": w.shape(*r.A.shape)},
            {"symbol": w.tex(r.delta), "meaning": f"the derivative of the summed loss by the net inputs of layer {l}, one "
             + ("column" if layered.layout == "column" else "row") + " per sample", "shape": w.shape(*r.delta.shape)},
        ]
    rows += [{"symbol": "m", "meaning": "the number of samples", "shape": ""},
             {"symbol": r"\mathcal{L}", "meaning": "the sum of the per-sample losses", "shape": "1 \\times 1"},
             {"symbol": "J", "meaning": "the cost: the summed loss" + (" over m" if layered.reduction == "mean" else ""),
              "shape": "1 \\times 1"}]
    return rows
