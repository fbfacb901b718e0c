"""Where in a written-out matrix a wrong claim goes wrong: `A · M` restating the side before it,
`A · B`, has M in B's place; the rows of M whose entries differ from B's are the wrong ones, and
the claim is reported at each of them (the lines a reader corrects)."""

from __future__ import annotations

from .. import syntax as s
from .lookup import Unread, View


def aligned(before: s.Node, after: s.Node):
    """(B, M): the one place the two sides differ, M a matrix written where B was; else None."""
    if isinstance(after, s.Matrix) and not isinstance(before, s.Matrix):
        return before, after
    if type(before) is not type(after):
        return _through_product(before, after)
    if not hasattr(before, "__dataclass_fields__"):
        return None if before != after else ()
    found = ()
    for name in s.node_fields(before):
        a, b = getattr(before, name), getattr(after, name)
        if isinstance(a, tuple) and isinstance(b, tuple):
            if len(a) != len(b):
                return None
            pairs = zip(a, b)
        else:
            pairs = [(a, b)]
        found = _one_difference(pairs, found)
        if found is None:
            return None
    for name in set(before.__dataclass_fields__) - set(s.node_fields(before)):
        if getattr(before, name) != getattr(after, name):
            return None
    return found


def _through_product(before: s.Node, after: s.Node):
    """A · M against A B: a product written with \\cdot on one side and side by side on the other."""
    left = s.factors(before)
    right = s.factors(after)
    if len(left) != len(right) or len(left) < 2:
        return None
    return _one_difference(zip(left, right), ())


def _one_difference(pairs, found):
    """The one aligned (B, M) among the pairs, with `found` so far; None if they differ otherwise or twice."""
    for x, y in pairs:
        if x == y:
            continue
        inner = aligned(x, y)
        if inner is None or (inner and found):
            return None
        found = inner or found
    return found


def wrong_rows(evaluator, point, before: s.Node, after: s.Node, view: View) -> list[int]:
    """The rows of the matrix in `after` with an entry other than that of the expression it replaces."""
    pair = aligned(before, after)
    if not pair:
        return []
    written, matrix = pair
    columns, rows = len(matrix.rows[0]), set()
    try:
        for k in range(evaluator.positions):
            at = View(view.indices, k, view.group, view.base, view.sums)
            if abs(point.value(evaluator.side(written, at)) - point.value(evaluator.side(matrix, at))) > 1e-9:
                rows.add(k // columns)
    except (Unread, ZeroDivisionError, TypeError, ValueError):
        return []
    return sorted(rows)


MAX_PRINTED = 50          # lines of a printed matrix


def row_line(lines: list[str], start: int, row: int) -> int | None:
    """The document line (1-based) where row `row` of the first matrix at or after line `start` begins
    (a NumPy printout's, array([[…], / […]]), where `start` holds one)."""
    if 0 < start <= len(lines) and "[[" in lines[start - 1] and "\\begin{" not in lines[start - 1]:
        rows = [k + 1 for k in range(start - 1, min(len(lines), start + MAX_PRINTED)) if
                lines[k].lstrip().startswith("[") or "[[" in lines[k]]
        return rows[row] if row < len(rows) else None
    k = start - 1
    while k < len(lines) and not ("\\begin{" in lines[k] and "matrix" in lines[k]):
        k += 1
    if k >= len(lines):
        return None
    text = "\n".join(lines[k:])
    at = text.index("matrix}", text.index("\\begin{")) + len("matrix}")
    for _ in range(row):
        at = text.find("\\\\", at)
        if at < 0:
            return None
        at += 2
    while at < len(text) and text[at].isspace():
        at += 1
    return k + 1 + text.count("\n", 0, at)
