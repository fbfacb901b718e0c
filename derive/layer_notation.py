"""Layer notation (seeds 002 and 004, Andrew Ng's course): W^{[l]}, b^{[l]}, Z^{[l]}, A^{[l]}, δ^{[l]}, J, m, X, Y.

The printer extends the neuron printer with matrix expressions: ⊙ for Hadamard products,
⊘ for elementwise division, ^{[l]T} for transposes, 𝟏 for vectors of ones.
"""

from __future__ import annotations

import sympy as sp
from sympy import HadamardPower, HadamardProduct, MatMul, MatrixSymbol, OneMatrix, Transpose
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .layers import BATCH, LayerDerivation
from .notation import NotationPrinter
from .spec import NetworkSpec


def layer_names(layered: LayerDerivation) -> dict[sp.Basic, str]:
    names: dict[sp.Basic, str] = {layered.X: "X", layered.Y: "Y", BATCH: "m"}
    for r in layered.layers:
        l = r.index
        names.update({r.W: f"W^{{[{l}]}}", r.b: f"b^{{[{l}]}}", r.Z: f"Z^{{[{l}]}}", r.A: f"A^{{[{l}]}}",
                      r.delta: rf"\delta^{{[{l}]}}"})
        for step in r.steps:
            if step.lhs.name.startswith("dA"):
                names[step.lhs] = rf"\frac{{\partial \mathcal{{L}}}}{{\partial A^{{[{l}]}}}}"
        for fn in (r.d_act.atoms(ElementwiseApplyFunction) if r.d_act is not None else ()):
            names[fn.function] = _derivative_name(r.activation)
    for step in layered.softmax_steps:
        for symbol in step.rhs.atoms(MatrixSymbol) | {step.lhs}:
            names[symbol] = {"a": "a", "y": "y", "dz": r"\delta"}[symbol.name]
    return names


def _derivative_name(activation: str) -> str:
    return {"relu": r"\operatorname{ReLU}'", "leaky_relu": r"\operatorname{LeakyReLU}'"}.get(activation, "g'")


def layer_printer(spec: NetworkSpec, layered: LayerDerivation) -> "LayerPrinter":
    return LayerPrinter(layer_names(layered))


class LayerPrinter(NotationPrinter):
    def _print_MatrixSymbol(self, expr: MatrixSymbol) -> str:
        return self._print_Symbol(expr)

    def _print_Transpose(self, expr: Transpose) -> str:
        inner = self._print(expr.arg)
        if isinstance(expr.arg, MatrixSymbol) and inner.endswith("]}"):
            return inner[:-1] + "T}"          # W^{[2]} -> W^{[2]T}
        if isinstance(expr.arg, MatrixSymbol):
            return f"{inner}^{{T}}"
        return rf"\left({inner}\right)^{{T}}"

    def _print_OneMatrix(self, expr: OneMatrix) -> str:
        return "1"   # inside sums and elementwise products

    def _print_MatMul(self, expr: MatMul) -> str:
        parts = []
        for arg in expr.args:
            if arg == -1:
                parts.append("-")
            elif isinstance(arg, OneMatrix):
                rows, cols = arg.shape
                parts.append(self._ones(rows, cols))
            elif arg == 1 / BATCH:
                parts.append(r"\frac{1}{m}")
            else:
                text = self._print(arg)
                # a negated factor after another one would read as a subtraction: A -(B)
                wrap = self._is_sum(arg) or (parts and text.startswith("-"))
                parts.append(rf"\left({text}\right)" if wrap else text)
        return " ".join(parts).replace("- ", "-", 1) if parts[0] == "-" else " ".join(parts)

    def _ones(self, rows, cols) -> str:
        if cols == 1:
            return rf"\mathbf{{1}}_{{{self._print(rows)}}}"
        if rows == 1:
            return rf"\mathbf{{1}}_{{{self._print(cols)}}}^{{T}}"
        return rf"\mathbf{{1}}_{{{self._print(rows)}}} \mathbf{{1}}_{{{self._print(cols)}}}^{{T}}"

    def _print_HadamardProduct(self, expr: HadamardProduct) -> str:
        text = ""
        for i, arg in enumerate(expr.args):
            if isinstance(arg, HadamardPower) and arg.exp == -1:
                text += rf" \oslash {self._factor(arg.base)}"
            else:
                text += (r" \odot " if i else "") + self._factor(arg)
        return text

    def _print_HadamardPower(self, expr: HadamardPower) -> str:
        if expr.exp == -1:
            return rf"1 \oslash {self._factor(expr.base)}"
        return rf"\left({self._print(expr.base)}\right)^{{\odot {self._print(expr.exp)}}}"

    def _print_ElementwiseApplyFunction(self, expr: ElementwiseApplyFunction) -> str:
        return rf"{self._print_Symbol(expr.function)}\left({self._print(expr.expr)}\right)"

    def _print_DiagMatrix(self, expr) -> str:
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    def _factor(self, arg) -> str:
        text = self._print(arg)
        return rf"\left({text}\right)" if self._is_sum(arg) or isinstance(arg, MatMul) and arg.args[0] == -1 else text

    @staticmethod
    def _is_sum(arg) -> bool:
        return isinstance(arg, (sp.MatAdd, sp.Add, HadamardProduct))
