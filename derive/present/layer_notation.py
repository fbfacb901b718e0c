"""Layer notation (seeds 002 and 004, Andrew Ng's course): W^{[l]}, b^{[l]}, Z^{[l]}, A^{[l]}, δ^{[l]}, J, m, X, Y.

The printer extends the neuron printer with matrix expressions: ⊙ for Hadamard products,
⊘ for elementwise division, ^{[l]T} for transposes, 𝟏 for vectors of ones, and piecewise
derivatives as cases. Matrices of numbers too large for a line are shown by their corners and
kept whole for a table (`Tables`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy import HadamardPower, HadamardProduct, MatMul, MatrixSymbol, OneMatrix, Transpose
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..core.layers import LayerDerivation
from ..core.matrix_forms import BATCH, applied
from ..rules import penalty
from ..rules.activations import ACTIVATIONS
from ..spec.load import NetworkSpec
from .notation import NotationPrinter, format_number, width


def layer_names(layered: LayerDerivation) -> dict[sp.Basic, str]:
    names: dict[sp.Basic, str] = {layered.X: "X", layered.Y: "Y", BATCH: "m"}
    if layered.l2:
        names[penalty.LAMBDA] = penalty.LATEX
    for r in layered.layers:
        l = r.index
        names.update({r.W: f"W^{{[{l}]}}", r.b: f"b^{{[{l}]}}", r.Z: f"Z^{{[{l}]}}", r.A: f"A^{{[{l}]}}",
                      r.delta: rf"\delta^{{[{l}]}}",
                      r.d_out: rf"\frac{{\partial \mathcal{{L}}}}{{\partial A^{{[{l}]}}}}"})
        if r.mask is not None:
            names[r.mask] = f"D^{{[{l}]}}"
        forward = applied(r.activation, r.Z).function          # g itself, under dropout: printed_names names it
        for fn in (r.d_act.atoms(ElementwiseApplyFunction) if r.d_act is not None else ()):
            if fn.function != forward:
                names[fn.function] = _derivative_name(r.activation)
    names.update(zip(layered.softmax_symbols, ("a", "y", r"\delta")))
    return names


def _derivative_name(activation: str) -> str:
    return f"{ACTIVATIONS[activation].latex}'"          # ReLU', LeakyReLU', g': the row's name, primed


def printed_names(layered: LayerDerivation) -> dict[sp.Basic, str]:
    """layer_names, and each activation by its name where a formula applies it to a matrix: A = g(Z)."""
    return layer_names(layered) | {applied(r.activation, r.Z).function: ACTIVATIONS[r.activation].latex
                                   for r in layered.layers}


def layer_printer(spec: NetworkSpec, layered: LayerDerivation) -> "LayerPrinter":
    return LayerPrinter(printed_names(layered))


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

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        """cases with every condition written out: the last ('otherwise') as the others negated, z \\leq 0."""
        rows, before = [], []
        for value, condition in expr.args:
            if condition == sp.true:
                condition = sp.And(*[sp.Not(c) for c in before])
            before.append(condition)
            rows.append(rf"{self._print(value)} & {self._print(condition)}")
        return r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}"

    def _print_DiagMatrix(self, expr) -> str:
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    def _factor(self, arg) -> str:
        text = self._print(arg)
        return rf"\left({text}\right)" if self._is_sum(arg) or isinstance(arg, MatMul) and arg.args[0] == -1 else text

    @staticmethod
    def _is_sum(arg) -> bool:
        return isinstance(arg, (sp.MatAdd, sp.Add, HadamardProduct))


# -- matrices of numbers ---------------------------------------------------------------------------
# A display line holds about LINE_WIDTH digits in an 800-pixel browser window (even before KaTeX's
# fonts arrive) and in the article (a Beamer frame scales the rare wider line down a little;
# notation.width estimates a formula's width in digits); a matrix that needs more, or has more
# than MAX_SHOWN rows or columns, is shown by its corners and printed in full in a numbered table,
# split into column groups of at most TABLE_WIDTH digits.
MAX_SHOWN = 6
LINE_WIDTH = 66
TABLE_WIDTH = 96
CORNER = 3          # rows (columns) shown before the ellipsis; the last one follows it


def bmatrix(array, precision: int) -> str:
    """A matrix of numbers as a LaTeX bmatrix, each to `precision` significant digits."""
    array = np.atleast_2d(np.asarray(array, dtype=float))
    return _bmatrix([[format_number(float(v), precision) for v in row] for row in array])


def _bmatrix(cells: list[list[str]]) -> str:
    """A grid of LaTeX strings (numbers, ellipses) as a bmatrix, through the printer."""
    symbols = sp.Matrix(len(cells), len(cells[0]), lambda i, j: sp.Symbol(f"v_{i}_{j}"))
    values = {symbols[i, j]: cells[i][j] for i in range(len(cells)) for j in range(len(cells[0]))}
    printer = LayerPrinter({}, values, bracket_negatives=False)
    printer._settings["mat_str"] = "bmatrix"
    printer._settings["mat_delim"] = ""
    return printer.doprint(sp.ImmutableMatrix(symbols))


@dataclass(frozen=True)
class Axis:
    """What a matrix's rows (or columns) stand for, and each one's label."""
    what: str            # "sample", "unit of layer 1", "input"; "" for a single row or column
    labels: list[str]


class Tables:
    """Matrices of numbers for the document: each whole in a bmatrix when it fits a line, else its
    corners with ⋯ ⋮ ⋱ and the whole in a numbered table, so that every number is printed."""

    def __init__(self, precision: int):
        self.precision = precision
        self.all: list[dict] = []

    def matrix(self, lhs: str, array, axes: tuple[Axis, Axis]) -> dict:
        return self.joined([(lhs, array)], axes)[0]

    def joined(self, parts: list[tuple[str, Any]], axes: tuple[Axis, Axis], rows: bool = False) -> list[dict]:
        """Matrices side by side (or, with `rows`, one under the other) that share one table, as [W | b]."""
        grids = [[[format_number(float(v), self.precision) for v in row] for row in np.atleast_2d(array)]
                 for _, array in parts]
        displays = [self._display(lhs, cells) for (lhs, _), cells in zip(parts, grids)]
        if all(d["table"] is None for d in displays):
            return displays
        cells = [row for grid in grids for row in grid] if rows else [sum(row, []) for row in zip(*grids)]
        self.all.append({"number": len(self.all) + 1,
                         "parts": [{"lhs": lhs, "shape": d["shape"]} for (lhs, _), d in zip(parts, displays)],
                         "rows": axes[0].what, "columns": axes[1].what, "labels": axes[1].labels,
                         "body": [{"label": label, "cells": row} for label, row in zip(axes[0].labels, cells)],
                         "chunks": _chunks(cells, axes)})
        return [d | {"table": len(self.all) if d["table"] else None} for d in displays]

    def _display(self, lhs: str, cells: list[list[str]]) -> dict:
        """The whole matrix, or its corners when it has too many rows or columns for a line."""
        rows, cols = len(cells), len(cells[0])
        shown_rows = _corner(rows) if rows > MAX_SHOWN else list(range(rows))
        shown_cols = list(range(cols))
        if cols > 2 and (cols > MAX_SHOWN or self._width(lhs, cells, shown_cols) > LINE_WIDTH):
            firsts = range(min(CORNER, cols - 2), 0, -1)     # an ellipsis stands for one column at least
            shown_cols = next((_corner(cols, k) for k in firsts
                               if self._width(lhs, cells, _corner(cols, k)) <= LINE_WIDTH), _corner(cols, 1))
        shape = rf"{rows} \times {cols}"
        if None not in shown_rows + shown_cols:
            return {"tex": _bmatrix(cells), "shape": shape, "table": None}
        grid = [[_entry(cells, i, j) for j in shown_cols] for i in shown_rows]
        return {"tex": _bmatrix(grid), "shape": shape, "table": True}

    def _width(self, lhs: str, cells, columns) -> float:
        column_widths = [max(width(row[j]) if j is not None else 2.0 for row in cells) + 2.0 for j in columns]
        return width(lhs) + 3.0 + sum(column_widths)


def _corner(count: int, first: int = CORNER) -> list[int | None]:
    """The first few indices, None for the ellipsis, the last index."""
    return list(range(first)) + [None, count - 1]


def _entry(cells, i: int | None, j: int | None) -> str:
    if i is None and j is None:
        return r"\ddots"
    if i is None:
        return r"\vdots"
    if j is None:
        return r"\cdots"
    return cells[i][j]


def _chunks(cells, axes: tuple[Axis, Axis]) -> list[dict]:
    """The table split into groups of columns, each narrow enough for a page."""
    label_width = max(len(label) for label in axes[0].labels) + 3
    chunks, current, used = [], [], label_width
    for j in range(len(cells[0])):
        cost = max(width(row[j]) for row in cells) + 3
        if current and used + cost > TABLE_WIDTH:
            chunks.append(current)
            current, used = [], label_width
        current.append(j)
        used += cost
    chunks.append(current)
    return [{"columns": [axes[1].labels[j] for j in chunk],
             "rows": [{"label": label, "cells": [row[j] for j in chunk]} for label, row in zip(axes[0].labels, cells)]}
            for chunk in chunks]
