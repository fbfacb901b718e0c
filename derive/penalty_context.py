"""What the unit-level documents say of an L2 penalty (penalty.py): the cost J, and each weight's
gradient of it. Without a penalty, nothing: the documents are as they were.

    J = E_total + lambda/2 (w_1^2 + ... + w_n^2) = figures = value          (as a sum beyond 12 weights)
    dJ/dw_5 = dE_total/dw_5 + lambda w_5 = figures = value                  (before each weight's step)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from . import penalty
from .chain import ParamRecord
from .notation import NotationPrinter, partial, width
from .writer import LINE_WIDTH, Writer, too_wide

# the sum of squared weights of a network too large to write it out (verify leaves it unchecked)
SQUARES = sp.Symbol("sum_of_squares")
WRITTEN_OUT = 12          # weights whose squares the cost's line writes out


def cost(w: Writer) -> dict[str, Any] | None:
    """J = error + penalty as a display (lhs, parts, broken), and the figures the prose names."""
    if not w.graph.l2:
        return None
    fwd = w.values.forward
    weights = w.graph.weights
    squares = sum(w.param_values[k] ** 2 for k in weights)
    written = weights if len(weights) <= WRITTEN_OUT else SQUARES
    expr = sp.Add(w.graph.total, penalty.unit_penalty(written), evaluate=False)
    names = w.names | {SQUARES: r"\sum w^{2}"}
    figures = {w.graph.total: fwd.loss, penalty.LAMBDA: w.spec.loss.l2, SQUARES: squares} | {
        k: w.param_values[k] for k in weights}
    return _display(w, penalty.COST, expr, names, figures, fwd.cost) | {
        "lambda": w.num(w.spec.loss.l2), "penalty": w.num(fwd.penalty), "symbol": w.tex(penalty.COST)}


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
