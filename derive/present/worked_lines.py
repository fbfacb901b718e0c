"""A worked entry's formula as the lines a page holds: a long sum broken between its terms, a function
of a long sum inside \\Bigl( and \\Bigr)."""

from __future__ import annotations

import re

import sympy as sp


def worked_lines(printer, expr: sp.Expr, per_line: int = 3) -> list[str]:
    """A long sum in lines of at most `per_line` terms and WIDE printed characters (each line after
    the first starts with its sign); a function of a long sum, tanh(a + b + ...), its sum so, in
    \\Bigl( and \\Bigr), which a line break may part as \\left( and \\right) may not."""
    if isinstance(expr, sp.Function) and len(expr.args) == 1 and isinstance(expr.args[0], sp.Add):
        whole = printer.doprint(expr)
        if _width(whole) > WIDE and whole.endswith(r"\right)") and whole.count(r"\left(") >= 1:
            inner = worked_lines(printer, expr.args[0], per_line)
            if len(inner) > 1:
                head = whole[:whole.index(r"\left(")]
                return [rf"{head}\Bigl({inner[0]}"] + inner[1:-1] + [rf"{inner[-1]}\Bigr)"]
    if not isinstance(expr, sp.Add) or len(expr.args) <= per_line and _width(printer.doprint(expr)) <= WIDE:
        return [printer.doprint(expr)]
    lines, current = [], []
    for term in expr.args:
        if current and (len(current) == per_line or
                        _width(printer.doprint(sp.Add(*current, term, evaluate=False))) > WIDE):
            lines.append(current)
            current = []
        current.append(term)
    texts = [printer.doprint(sp.Add(*line, evaluate=False)) if len(line) > 1 else printer.doprint(line[0])
             for line in lines + [current]]
    return [text if k == 0 or text.startswith("-") else "+ " + text for k, text in enumerate(texts)]


WIDE = 72       # printed characters of a worked line, about what an article's line holds


def _width(latex: str) -> int:
    """Roughly the characters a line of LaTeX prints: a fraction ∂L/∂x as its denominator and two."""
    shown = re.sub(r"\\frac\{\\partial L\}\{\\partial ([^{}]*(\{[^{}]*\})*[^{}]*)\}", r"dL\1", latex)
    shown = re.sub(r"\\(left|right|langle|rangle|,|operatorname)", "", shown)
    shown = re.sub(r"\\[a-zA-Z]+", "x", shown)
    return len(re.sub(r"[{}^_ ]", "", shown))
