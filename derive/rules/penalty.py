"""The L2 penalty, written once: the cost is the error plus lambda/2 times the sum of every squared
weight (biases are not penalised), so each weight's gradient gains lambda * w.

lambda is one symbol for every form: LaTeX writes it \\lambda, the generated module names it L2.
"""

from __future__ import annotations

import sympy as sp
from sympy import MatMul

LAMBDA = sp.Symbol("L2", positive=True)
LATEX = r"\lambda"
COST = sp.Symbol("J", real=True)          # the penalised cost, beside the unit notations' error


def unit_penalty(squares) -> sp.Expr:
    """lambda/2 (w_1^2 + ... + w_n^2), unevaluated, as a person writes it: over these weights, or over
    one symbol that stands for the sum of their squares."""
    if isinstance(squares, (list, tuple)):
        squares = sp.Add(*[sp.Pow(w, 2, evaluate=False) for w in squares], evaluate=False)
    return sp.Mul(sp.Mul(LAMBDA, sp.Pow(2, -1, evaluate=False), evaluate=False), squares, evaluate=False)


def weight_term(weight) -> sp.Expr:
    """What the penalty adds to a weight's gradient: lambda w, for a unit or a whole matrix."""
    if isinstance(weight, sp.MatrixExpr):
        return MatMul(LAMBDA, weight, evaluate=False)
    return sp.Mul(LAMBDA, weight, evaluate=False)


def value(l2: float, weights) -> float:
    """The penalty's value from the weight arrays."""
    return 0.5 * l2 * sum(float((w * w).sum()) for w in weights) if l2 else 0.0
