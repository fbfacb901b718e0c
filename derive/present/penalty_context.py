"""What the unit-level documents say of an L2 penalty (penalty.py): the cost J, and each weight's
gradient of it. Without a penalty, nothing: the documents are as they were.

    J = E_total + lambda/2 (w_1^2 + ... + w_n^2) = figures = value          (as a sum where a line cannot hold the squares)
    dJ/dw_5 = dE_total/dw_5 + lambda w_5 = figures = value                  (before each weight's step)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..core.chain import ParamRecord
from ..rules import penalty
from .notation import NotationPrinter, partial, width
from .writer import LINE_WIDTH, Writer, too_wide

# the sum of squared weights, where a line cannot hold them written out
SQUARES = sp.Symbol("sum_of_squares")


def cost(w: Writer) -> dict[str, Any] | None:
    """J = error + penalty as a display (lhs, parts, broken), and the figures the prose names."""
    if not w.graph.l2:
        return None
    fwd = w.values.forward
    weights = w.graph.weights
    squares = sum(w.param_values[k] ** 2 for k in weights)
    names = w.names | {SQUARES: r"\sum_{w} w^{2}"}       # over every weight, as Nielsen writes it
    figures = {w.graph.total: fwd.loss, penalty.LAMBDA: w.spec.loss.l2, SQUARES: squares} | {
        k: w.param_values[k] for k in weights}
    for written in (weights, SQUARES):      # every square written out, unless a line cannot hold them
        expr = sp.Add(w.graph.total, penalty.unit_penalty(written), evaluate=False)
        shown = _display(w, penalty.COST, expr, names, figures, fwd.cost)
        if max(width(line) for part in shown["parts"] for line in part) <= LINE_WIDTH:
            break
    return shown | {"lambda": w.num(w.spec.loss.l2), "penalty": w.num(fwd.penalty), "symbol": w.tex(penalty.COST)}


def symbols(w: Writer) -> list[dict[str, str]]:
    """The notation table's rows for the penalty, after the notation's own."""
    if not w.graph.l2:
        return []
    return [{"symbol": w.tex(penalty.COST), "meaning": "the cost that training minimises: the total error plus "
             "the L2 penalty on the weights"},
            {"symbol": penalty.LATEX, "meaning": "the strength of the L2 penalty"}]


def gradient(w: Writer, param: ParamRecord) -> tuple[sp.Expr, dict[str, Any] | None]:
    """The gradient a parameter's step reads, and the line that gives it from the error's when the
    penalty adds to it (a weight's, with a penalty); otherwise dE/dp itself and no line."""
    if param.penalty == 0:
        return partial(w.graph.total, param.symbol), None
    cost_gradient = partial(penalty.COST, param.symbol)
    error_gradient = partial(w.graph.total, param.symbol)
    expr = sp.Add(error_gradient, param.penalty, evaluate=False)
    figures = {error_gradient: w.error_gradients[param.symbol], penalty.LAMBDA: w.spec.loss.l2,
               param.symbol: w.param_values[param.symbol]}
    return cost_gradient, _display(w, cost_gradient, expr, w.names, figures, w.gradients[param.symbol])


def _display(w: Writer, lhs: sp.Basic, expr: sp.Expr, names: dict, figures: dict, value: float) -> dict[str, Any]:
    lhs_tex = NotationPrinter(names).doprint(lhs)
    limit = max(LINE_WIDTH - width(lhs_tex), LINE_WIDTH / 2)
    formula = NotationPrinter(names).lines(expr, limit)
    numbers = NotationPrinter(names, {k: w.num(v) for k, v in figures.items()}).lines(expr, limit)
    parts = [formula, numbers, [w.num(value)]]
    return {"lhs": lhs_tex, "formula": " ".join(formula), "numbers": " ".join(numbers), "value": w.num(value),
            "parts": parts, "broken": too_wide(lhs_tex, parts)}
