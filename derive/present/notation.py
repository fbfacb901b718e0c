"""The LaTeX printer of derive's notations, and its number format.

The printer is SymPy's LatexPrinter with the few overrides the notation needs:
every symbol is looked up in the naming table (an unknown one is an error, not a
guess), derivatives are always partial, and unevaluated products keep the order
a person writes. Given `values`, symbols print as formatted numbers instead.
"""

from __future__ import annotations

import math
import re
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

    def _print_NumberSymbol(self, expr: sp.NumberSymbol) -> str:
        """π as SymPy's LaTeX writes it (this printer's own printmethod passes by SymPy's _latex)."""
        return expr._latex(self)

    def _print_Function(self, expr: sp.Expr, exp=None) -> str:
        return self._without_brackets(super()._print_Function, expr, exp)

    def _print_log(self, expr: sp.Expr, exp=None) -> str:
        return self._without_brackets(super()._print_log, expr, exp)

    def _print_Max(self, expr: sp.Expr, exp=None) -> str:
        return self._without_brackets(super()._print_Max, expr, exp)

    def _without_brackets(self, printer, expr: sp.Expr, exp) -> str:
        """A function's parentheses already hold its argument: tanh(-0.27), not tanh((-0.27))."""
        saved, self.bracket_negatives = self.bracket_negatives, False
        try:
            return printer(expr, exp)
        finally:
            self.bracket_negatives = saved

    def lines(self, expr: sp.Basic, limit: float) -> list[str]:
        """`expr` printed over as few lines as keep each within `limit` (see width): a long sum breaks
        between its terms, each later line starting with its + or -, and a long product between its
        factors, each later line starting with its \\cdot; anything else is one line."""
        whole = self.doprint(expr)
        if width(whole) <= limit or not isinstance(expr, (sp.Add, sp.Mul)):
            return [whole]
        pieces = self._add_pieces(expr) if isinstance(expr, sp.Add) else self._mul_pieces(expr)
        if pieces is None:
            return [whole]
        lines: list[str] = []
        for piece in pieces:
            if lines and width(lines[-1] + piece) > limit:
                lines.append(piece.lstrip())
            else:
                lines[-1:] = [(lines[-1] if lines else "") + piece]
        return lines

    def _print_Add(self, expr: sp.Expr, order=None) -> str:
        return "".join(self._add_pieces(expr))

    def _mul_pieces(self, expr: sp.Mul) -> list[str] | None:
        """An unevaluated product's factors as the printer writes them, or None for a product whose
        printed form is not factor \\cdot factor (a leading fraction, a quotient)."""
        factors = _flat_factors(expr)
        sign = ""
        if factors[0] == sp.S.NegativeOne:
            sign, factors = "- ", factors[1:]
        if len(factors) < 2 or any(isinstance(f, sp.Rational) or (isinstance(f, sp.Pow) and f.exp.is_negative)
                                   for f in factors):
            return None
        precedence = sp.printing.precedence.PRECEDENCE["Mul"]
        printed = [self.parenthesize(f, precedence, strict=True) for f in factors]
        return [sign + printed[0]] + [rf" \cdot {text}" for text in printed[1:]]

    def _add_pieces(self, expr: sp.Expr) -> list[str]:
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
        return pieces

    def _print_Mul(self, expr: sp.Expr) -> str:
        # Keep a leading fraction in front, as people write it: \frac{1}{2} (t - o)^{2}.
        first, rest = expr.args[0], expr.args[1:]
        if rest and isinstance(first, sp.Rational) and not first.is_Integer and first.p == 1:
            tail = sp.Mul(*rest, evaluate=False) if len(rest) > 1 else rest[0]
            return rf"{self._print(first)} {self.parenthesize(tail, sp.printing.precedence.PRECEDENCE['Mul'])}"
        if rest and isinstance(first, sp.Rational) and _published_decimal(first) is not None:     # 0.044715 z^3
            tail = sp.Mul(*rest, evaluate=False) if len(rest) > 1 else rest[0]
            return rf"{self._print(first)} \cdot {self.parenthesize(tail, sp.printing.precedence.PRECEDENCE['Mul'])}"
        return super()._print_Mul(expr)

    def _print_Pow(self, expr: sp.Expr) -> str:
        if isinstance(expr.base, sp.Derivative) and expr.base in self.values:
            # a number stands for the derivative: bracketed once if negative, as numbers are
            return f"{self._print_Derivative(expr.base)}^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)

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

    def _print_Rational(self, expr: sp.Rational) -> str:
        decimal = _published_decimal(expr)
        return decimal if decimal is not None else super()._print_Rational(expr)


def _published_decimal(r: sp.Rational) -> str | None:
    """A published decimal constant as it is published (GELU's 0.044715, not 8943/200000): a
    fraction of several digits over a denominator of 2s and 5s alone; 1/100 and 3/4 stay fractions."""
    if -9 <= r.p <= 9 or r.q <= 10:
        return None
    q = int(r.q)
    for prime in (2, 5):
        while q % prime == 0:
            q //= prime
    return format(sp.Float(r, 30), "f").rstrip("0") if q == 1 else None


def _flat_factors(expr: sp.Mul) -> list[sp.Basic]:
    """The factors of an unevaluated product, nested products opened, as the printer writes them."""
    return [g for f in expr.args for g in (_flat_factors(f) if isinstance(f, sp.Mul) else [f])]


_COMMAND = re.compile(r"\\([A-Za-z]+)|\\.")
_ZERO_WIDTH = {"left", "right", "displaystyle", "mathrm", "text", "operatorname", "mathbf", "mathcal"}
_SPACES = {"quad": 2.0, "qquad": 4.0, "cdots": 2.0, ",": 0.3, " ": 0.5}


def width(tex: str) -> float:
    """A rough typeset width of a LaTeX formula in digit widths: what decides where a long line breaks.

    Fractions count their wider part, scripts count 0.7, a command its rendered glyphs; good to ~20%.
    """
    total, i = 0.0, 0
    while i < len(tex):
        char = tex[i]
        if tex.startswith("\\frac", i):
            numerator, i = _group(tex, i + 5)
            denominator, i = _group(tex, i)
            total += max(width(numerator), width(denominator)) + 0.5
            continue
        if char in "_^":
            script, i = _group(tex, i + 1)
            total += 0.7 * width(script)
            continue
        match = _COMMAND.match(tex, i)
        if match:
            name = match.group(1) or ""
            total += 0 if name in _ZERO_WIDTH else _SPACES.get(name) or (
                1.5 if name in ("cdot", "times") else len(name) if name in ("ln", "log", "exp", "tanh", "max") else 1.0)
            i = match.end()
            continue
        total += 0 if char in "{} " else 2.0 if char in "+-=" else 1.0
        i += 1
    return total


def _group(tex: str, i: int) -> tuple[str, int]:
    """The braced group (or single character) at i, and the index after it."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex) or tex[i] != "{":
        return tex[i:i + 1], i + 1
    depth = 0
    for j in range(i, len(tex)):
        depth += {"{": 1, "}": -1}.get(tex[j], 0)
        if depth == 0:
            return tex[i + 1:j], j + 1
    return tex[i + 1:], len(tex)


def partial(numerator: sp.Symbol, denominator: sp.Symbol) -> sp.Derivative:
    """The unevaluated partial derivative d numerator / d denominator, for printing."""
    return sp.Derivative(numerator, denominator, evaluate=False)
