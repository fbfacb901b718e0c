"""The unevaluated arithmetic the rows are written in: SymPy keeps a person's factor order, so the
printer shows sigma (1 - sigma), not SymPy's canonical -sigma (sigma - 1)."""

from __future__ import annotations

import sympy as sp

Expr = sp.Expr


def _mul(*factors: Expr) -> Expr:
    return sp.Mul(*factors, evaluate=False)


def _times(factor: Expr, expr: Expr) -> Expr:
    """factor · expr with expr's own leading number folded in: ½ · (-2)(y - z) is -(y - z), not ½ -2 (y - z)."""
    coefficient, rest = expr.as_coeff_Mul() if isinstance(expr, sp.Mul) else (sp.S.One, expr)
    number = factor * coefficient
    return rest if number == 1 else _neg(rest) if number == -1 else _mul(number, rest)


def _add(*terms: Expr) -> Expr:
    return sp.Add(*terms, evaluate=False)


def _neg(term: Expr) -> Expr:
    return _mul(sp.S.NegativeOne, term)


def _one_minus(x: Expr) -> Expr:
    return _add(sp.S.One, _neg(x))
