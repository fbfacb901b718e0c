"""A model's numbers at its points: expr.xreplace(point).evalf(30), without SymPy where it can be.

Every check evaluates expressions at the spec's point and at random ones, the same expressions
again and again (a batch's gradients appear in claim after claim). The model keeps one table of
every node it met (evaluate.py) and, at each point it made, the value of every node over its own
symbols, computed once. An expression the table cannot follow, or a value it cannot give, is
SymPy's to evaluate as before: its messages (no value for x, no finite real value) stay its own.
"""

from __future__ import annotations

from contextlib import suppress

import sympy as sp

from ..rules.activations import G
from .evaluate import PREC, Fallback, Table, to_float
from .slopes import slope

DIGITS = 30
MAX_NODES = 200_000          # compiled nodes kept (about 60 MB): a bound on memory, far above a document's
MAX_POINTS = 64              # points whose values are kept (each judge makes its own random ones)
STAND_IN = sp.Lambda(sp.Symbol("x"), sp.sin(sp.Symbol("x")) + sp.Symbol("x") ** 2 / 3)  # for g: any smooth function


class Extended(dict):
    """A point with a claim's own values added (its written numbers, its letters; judge._extend),
    which keeps the point it extends: values over the model's symbols are that point's."""

    __slots__ = ("base", "changed")

    def __init__(self, base: dict):
        super().__init__(base)
        self.base, self.changed = base, False

    def __setitem__(self, key, value) -> None:
        self.changed = self.changed or key in self.base
        super().__setitem__(key, value)

    def update(self, other) -> None:
        self.changed = self.changed or not self.base.keys().isdisjoint(other)
        super().update(other)


class Values:
    """The numbers part of Model (a mixin: it uses the model's _point_symbols)."""

    _point_symbols: frozenset

    def init_values(self) -> None:
        self._table: Table | None = None
        self._nodes: dict[sp.Basic, int | None] = {}      # expression -> its node in the table; None: SymPy's
        self._points: dict[int, tuple[dict, dict]] = {}   # id -> (a point complete() made, values kept at it)

    def keep(self, point: dict) -> None:
        """A point complete() makes: the values of nodes over the model's symbols are kept at it
        (at the latest MAX_POINTS points: a long-lived checker makes new judges, and points, often)."""
        if len(self._points) >= MAX_POINTS:
            del self._points[next(iter(self._points))]
        self._points[id(point)] = (point, {})

    def number(self, expr: sp.Basic, point: dict) -> sp.Basic:
        """expr at the point, to DIGITS: by the model's table, or by SymPy where the table cannot
        follow it (and for the messages SymPy's evaluation gives)."""
        if isinstance(expr, sp.Symbol):
            value = point.get(expr)
            if type(value) is sp.Float and value._prec == PREC:     # what evalf(30) gives, without its walk
                return to_float(value._mpf_)
            return self._sympy_number(expr, point)
        node = self._node(expr)
        if node is not None:
            with suppress(Fallback):            # a value the table cannot give: SymPy's, below
                return to_float(self._table.value(node, point, self._memo(point)))
        return self._sympy_number(expr, point)

    def slope(self, expr: sp.Basic, symbol: sp.Symbol, point: dict) -> sp.Basic:
        """d(expr)/d(symbol) at the point: forward through expr's nodes (slopes.py), or by SymPy's
        diff where the table cannot follow it."""
        if isinstance(expr, sp.Basic) and not isinstance(expr, sp.Symbol):
            node = self._node(expr)
            if node is not None:
                with suppress(Fallback):        # a slope the table cannot follow: SymPy's diff, below
                    return to_float(slope(self._table, node, point, self._memo(point), symbol))
        return self.number(sp.diff(expr, symbol), point)

    def _node(self, expr: sp.Basic) -> int | None:
        """expr's node in the model's table, compiled once; None: SymPy evaluates it."""
        try:
            if expr in self._nodes:
                return self._nodes[expr]
        except TypeError:          # unhashable: not an expression
            return None
        if self._table is None or len(self._table.codes) > MAX_NODES:
            self._table, self._nodes = Table(self._point_symbols), {}
            self._points = {id(p): (p, {}) for p, _ in self._points.values()}
        try:
            node = self._table.compile(expr)
        except Exception:               # g's stand-in, or a node the table does not know: SymPy's
            node = None
            with suppress(Exception):       # not even with the stand-in: SymPy evaluates it
                if expr.has(G):
                    node = self._table.compile(expr.replace(G, STAND_IN).doit())
        self._nodes[expr] = node
        return node

    def _memo(self, point: dict) -> dict | None:
        """The values kept at a point complete() made (or at the one a judge extended without
        changing any of its values); None for any other point."""
        base = point.base if isinstance(point, Extended) and not point.changed else point
        found = self._points.get(id(base))
        return found[1] if found is not None and found[0] is base else None

    def _sympy_number(self, expr: sp.Basic, point: dict) -> sp.Basic:
        if expr.has(G):
            expr = expr.replace(G, STAND_IN).doit()
        return expr.xreplace(point).evalf(DIGITS)
