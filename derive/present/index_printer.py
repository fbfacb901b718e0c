"""LaTeX of the index level's expressions as Nielsen writes them: w^{l+1}_{kj}, \\sum_{k}, factors
side by side with thin spaces (in the walk's order), ∂C/∂a^{l}_{j} as a fraction, g'(z) by name."""

from __future__ import annotations

import sympy as sp
from sympy.printing.printer import Printer


THIN = r" \, "


class IndexPrinter(Printer):
    printmethod = "_index_latex"

    def _print_Indexed(self, expr):
        return f"{expr.base.label.name}_{{{''.join(str(i) for i in expr.indices)}}}"

    def _print_Symbol(self, expr):
        return expr.name

    def _print_Integer(self, expr):
        return str(expr)

    def _print_Sum(self, expr):
        indices = "".join(rf"\sum_{{{limit[0]}}} " for limit in expr.limits)
        return indices + self._print(expr.function)

    def _print_Mul(self, expr):
        over = [f.base for f in expr.args if isinstance(f, sp.Pow) and f.exp == -1]
        factors = [f for f in expr.args if not (isinstance(f, sp.Pow) and f.exp == -1)]
        written = THIN.join(self._print(f) for f in factors)
        if over:
            return rf"\frac{{{written}}}{{{THIN.join(self._print(f) for f in over)}}}"
        return written

    def _print_Add(self, expr):
        text = ""
        for term in expr.args:
            negative = isinstance(term, sp.Mul) and term.args[0] == -1
            shown = self._print(sp.Mul(*term.args[1:], evaluate=False) if negative else term)
            text += (" - " if negative else " + ") + shown if text else ("-" if negative else "") + shown
        return text

    def _print_Function(self, expr):
        name = type(expr).__name__
        if name == "partial":
            return rf"\frac{{\partial {self._print(expr.args[0])}}}{{\partial {self._print(expr.args[1])}}}"
        return rf"{name}\left({', '.join(self._print(a) for a in expr.args)}\right)"


def index_latex(expr: sp.Expr) -> str:
    return IndexPrinter().doprint(expr)
