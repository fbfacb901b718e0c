"""The two sides of one link of a claim: their shapes, the figures written in them, how a vector
of figures lies, and the words for a shape that does not fit (the helpers of judge.py)."""

from __future__ import annotations

import re
from decimal import Decimal

import sympy as sp

from . import syntax as s
from .values import Literal, Scope
from .walk import free_symbols


def oriented(value, written: s.Node, other):
    """A vector of figures, or a list of entries [a, b], turned to lie as the vector it is set equal
    to lies: which way a post writes its numbers is its own convention, not a claim."""
    written = written.arg if isinstance(written, s.Neg) else written
    figures = isinstance(written, s.Matrix) and (written.listed or all(
        isinstance(e, s.Num) or isinstance(e, s.Neg) and isinstance(e.arg, s.Num) for row in written.rows for e in row)) \
        or _has_list(written)            # [0.1, 0.1]*(-0.4725): a list times a number is still a list
    if figures and isinstance(value, sp.MatrixBase) and isinstance(other, sp.MatrixBase) and \
            1 in value.shape and other.shape == (value.shape[1], value.shape[0]):
        return value.T
    return value


def shape_cause(message: str) -> str:
    """Matrices that do not fit: a missing transpose, or, between two of one shape, a missing ⊙."""
    same = re.search(r"\((\d+), (\d+)\) \* \((\d+), (\d+)\)", message)
    if same and same.group(1, 2) == same.group(3, 4):
        rows, cols = same.group(1, 2)
        return f"the shapes do not fit (a product of two {rows}×{cols} matrices): a missing transpose, " \
               "or an elementwise product (⊙)?"
    return f"the shapes do not fit ({message}): a missing transpose?"


def figure_of(literal: Literal) -> Decimal:
    """The number as written (0.2395)."""
    return Decimal(literal.text)


def as_expr(value) -> sp.Basic:
    """A SymPy object as it is, a Python number as a SymPy number; never a string."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, (int, float)):
        return sp.Float(value, 30) if isinstance(value, float) else sp.Integer(value)
    raise TypeError(f"not a number: {type(value).__name__}")


def rounding_slip(written, scope: Scope, x, y) -> bool:
    """A lone printed number within one unit of its last digit of the right value."""
    literal = scope.literals.get(written) or scope.literals.get(-written)
    return literal is not None and abs(x - y) <= 2 * literal.half_ulp


def is_matrix(value) -> bool:
    return isinstance(value, sp.MatrixBase) and value.shape != (1, 1)


def has_decimal(node) -> bool:
    return any(isinstance(item, s.Num) and "." in item.text for item in s.nodes(node))


def written_digits(expr, scope: Scope) -> int:
    texts = [scope.literals[x].value for x in free(expr) if x in scope.literals]
    names = [scope.literals[x].text for x in free(expr) if x in scope.literals]
    return max((len(n.replace(".", "").replace("-", "").lstrip("0")) for n in names), default=9) if texts else 9


def free(expr) -> set:
    return free_symbols(expr)         # each shared node of the model's closed forms once


def flat(value):
    return list(value) if isinstance(value, sp.MatrixBase) else [value]


def pairs(a, b):
    return zip(flat(a), flat(b))


def shape_text(m) -> str:
    return f"{m.shape[0]}×{m.shape[1]}"


def fmt(value) -> str:
    return f"{float(value):.9g}"


def _has_list(node) -> bool:
    """A list of entries [a, b] written somewhere in a side."""
    return any(isinstance(item, s.Matrix) and item.listed for item in s.nodes(node))
