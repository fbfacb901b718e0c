"""How a sequence claim's two sides are compared and shown: equal to a relative 1e-6 (the spec's numbers
through float64), and each figure a post writes to half a unit in its last digit (0.3799 for 0.379949);
a 1×1 matrix as its number; each side at 4 significant figures or as many more as tell the two apart."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy as np

from .. import syntax as s

RELATIVE = 1e-6


def single(value):
    """A 1×1 matrix as the number it is."""
    return float(np.ravel(value)[0]) if np.size(value) == 1 and np.ndim(value) else value


def short(value, figures: int = 4) -> str:
    """A value as a person reads it: a few entries at 4 significant figures."""
    flat = np.ravel(np.asarray(value, dtype=float))
    entries = ", ".join(f"{v:.{figures}g}" for v in flat[:4]) + (", …" if flat.size > 4 else "")
    return entries if flat.size == 1 else f"[{entries}]"


def both(left, right) -> tuple[str, str]:
    """The two sides at 4 significant figures, or at as many more as it takes to tell them apart (W⁺ after
    a small step: 1.9999996 and 1.9999997)."""
    for figures in (4, 6, 8, 10, 12):
        shown = short(left, figures), short(right, figures)
        if shown[0] != shown[1]:
            return shown
    return shown


def shaped(values) -> list | None:
    """The values, where they have one shape; a vector written as a row and one as a column (∂L/∂w in the
    numerator layout beside w's own) as the one vector they are; None where the shapes differ otherwise."""
    shapes = {np.shape(v) for v in values}
    if len(shapes) == 1:
        return list(values)
    if all(len(shape) == 2 and 1 in shape for shape in shapes) and len({max(shape) for shape in shapes}) == 1:
        return [np.ravel(v) for v in values]
    return None


def equal(a, b, slack=0.0) -> bool:
    """a and b equal to a relative 1e-6, and `slack` more (one number, or one for each entry)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    scale = max(float(np.max(np.abs(a))) if a.size else 0.0, float(np.max(np.abs(b))) if b.size else 0.0, 1e-12)
    slack = np.asarray(slack, dtype=float)
    if slack.size > 1:
        slack = slack.reshape(a.shape) if slack.size == a.size else float(np.max(slack))
    return bool(np.all(np.abs(a - b) <= RELATIVE * scale + slack)) if a.size else True


def slack(side: s.Node):
    """How far a side's written figures may be from what they round: half a unit in the last digit of each
    entry of a vector or matrix of figures; for an expression, of its finest figure, once for each two."""
    while isinstance(side, s.Paren):
        side = side.inner
    if isinstance(side, s.Matrix):
        entries = [_half_unit(entry) for row in side.rows for entry in row]
        if all(entry is not None for entry in entries):
            return np.array(entries)
    figures = [_places(node.text) for node in s.nodes(side) if isinstance(node, s.Num)]
    figures = [places for places in figures if places]
    return 0.5 * 10.0 ** -max(figures) * (1 + len(figures) // 2) if figures else 0.0


def _half_unit(entry: s.Node) -> float | None:
    """Half a unit in a figure's last digit (0 for a whole number), or None where the entry is no figure."""
    while isinstance(entry, (s.Neg, s.Paren)):
        entry = entry.arg if isinstance(entry, s.Neg) else entry.inner
    if not isinstance(entry, s.Num):
        return None
    places = _places(entry.text)
    return 0.5 * 10.0 ** -places if places else 0.0


def _places(text: str) -> int:
    try:
        return max(0, -int(Decimal(text).as_tuple().exponent))
    except (InvalidOperation, ValueError, TypeError):
        return 0
