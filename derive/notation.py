"""The LaTeX printer of derive's notations, and its number format.

The printer is SymPy's LatexPrinter with the few overrides the notation needs:
every symbol is looked up in the naming table (an unknown one is an error, not a
guess), derivatives are always partial, and unevaluated products keep the order
a person writes. Given `values`, symbols print as formatted numbers instead.
"""

from __future__ import annotations

import math
from typing import Mapping

import sympy as sp
from sympy.printing.latex import LatexPrinter


def format_number(value: float, precision: int) -> str:
    """`precision` significant digits, trailing zeros dropped; exponents as \\times 10^{n}."""
    if not math.isfinite(value):
        return r"\infty" if value > 0 else (r"-\infty" if value < 0 else r"\mathrm{NaN}")
    text = f"{value:.{precision}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return "0" if text == "-0" else text


class NotationPrinter(LatexPrinter):
    printmethod = "_derive_latex"

    def __init__(self, names: Mapping[sp.Symbol, str], values: Mapping[sp.Symbol, str] | None = None,
                 bracket_negatives: bool = True):
        super().__init__({"order": "none", "mul_symbol": "dot", "ln_notation": True})
        self.names = names
        self.values = values or {}
        self.bracket_negatives = bracket_negatives

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        if expr in self.values:
            text = self.values[expr]
            return rf"\left({text}\right)" if text.startswith("-") and self.bracket_negatives else text
        try:
            return self.names[expr]
        except KeyError:
            raise ValueError(f"no notation for symbol {expr.name!r}") from None

    def _print_Add(self, expr: sp.Expr, order=None) -> str:
        # Unevaluated negative terms would print as "+ -x"; write "- x" as people do.
        pieces = []
        for i, term in enumerate(expr.args):
            text = self._print(term)
            if self._needs_add_brackets(term):
                text = rf"\left({text}\right)"
            if i and text.startswith("-"):
                pieces.append(f" - {text[1:].lstrip()}")
            else:
                pieces.append(text if i == 0 else f" + {text}")
        return "".join(pieces)

    def _print_Mul(self, expr: sp.Expr) -> str:
        # Keep a leading fraction in front, as people write it: \frac{1}{2} (t - o)^{2}.
        first, rest = expr.args[0], expr.args[1:]
        if rest and isinstance(first, sp.Rational) and not first.is_Integer and first.p == 1:
            tail = sp.Mul(*rest, evaluate=False) if len(rest) > 1 else rest[0]
            return rf"{self._print(first)} {self.parenthesize(tail, sp.printing.precedence.PRECEDENCE['Mul'])}"
        return super()._print_Mul(expr)

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        if expr in self.values:
            text = self.values[expr]
            return rf"\left({text}\right)" if text.startswith("-") else text
        (variable, count), = expr.variable_count
        if isinstance(expr.expr, sp.core.function.AppliedUndef) and expr.expr.args == (variable,):
            return rf"{expr.expr.func.__name__}'\left({self._print(variable)}\right)"  # g'(net)
        if count != 1:
            raise ValueError("only first partial derivatives are written")
        return rf"\frac{{\partial {self._print(expr.expr)}}}{{\partial {self._print(variable)}}}"

    def _print_Float(self, expr: sp.Float) -> str:
        raise ValueError("floats are printed through `values`, never from SymPy")


def partial(numerator: sp.Symbol, denominator: sp.Symbol) -> sp.Derivative:
    """The unevaluated partial derivative d numerator / d denominator, for printing."""
    return sp.Derivative(numerator, denominator, evaluate=False)
