"""Matrix names a layer-notation post introduces, bound by what the post says of them.

`h^{(1)} = \\tanh(z^{(1)})` binds h^{(1)} to A^{[1]}, and `y_{pred} = [0.098, 0.659, 0.242]` binds
y_pred to the output A^{[2]}: a name is bound to the layer matrix of the same shape whose every
entry its definition matches at a random point, or its figures match at the spec's numbers. As for
scalar names (binding.py), the votes go round until nothing new is bound, and a tie binds nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sympy as sp

from ..present.layer_notation import layer_names
from . import syntax as s
from .binding import PASSES, SLACK, Binding, _earlier, _unknown_head
from .judge import Judge
from .meaning import Meaning
from .values import Scope, Unreadable


@dataclass(frozen=True)
class MatrixQuantity:
    latex: str
    value: tuple[float, ...] | None     # entries at the spec's numbers (None without them)
    witness: tuple[float, ...]          # entries at the model's fixed random point
    shape: tuple[int, int]


def matrix_quantities(checker, vocabulary) -> list[MatrixQuantity]:
    """The layer matrices a name may stand for (activations, net inputs, deltas, parameters)."""
    judge = Judge(checker.model, Meaning(checker.model, vocabulary, checker.entries), checker.history)
    found = []
    for symbol, latex in layer_names(checker.layered).items():
        if latex.startswith("\\frac") or not isinstance(symbol, sp.MatrixSymbol):
            continue
        matrix = checker.entries().get(symbol.name)
        if matrix is None:
            continue
        witness = _entries(judge, matrix, checker.model.random_witness)
        if witness is None:
            continue
        spec_point = checker.model.spec_point
        value = _entries(judge, matrix, spec_point) if spec_point is not None else None
        found.append(MatrixQuantity(latex, value, witness, matrix.shape))
    return found


def bind_matrices(checker, chains, vocabulary) -> tuple[Binding, ...]:
    """Bindings for the matrix names at the head of the claims that the layer notation does not know."""
    candidates = matrix_quantities(checker, vocabulary)
    bound: dict[str, Binding] = {}
    for _ in range(PASSES):
        known = vocabulary.with_bindings({b.written: b.meant for b in bound.values()})
        judge = Judge(checker.model, Meaning(checker.model, known, checker.entries), checker.history)
        votes: dict[str, Counter] = {}
        first: dict[tuple[str, str], tuple[str, int]] = {}
        for chain, sample, line in chains:
            written = _unknown_head(chain, vocabulary)
            if written is None:
                continue
            for side in chain.sides[1:]:
                for latex, evidence, weight in _matches(judge, side, sample, candidates):
                    votes.setdefault(written, Counter())[latex] += weight
                    _earlier(first, (written, latex), (evidence, line))
        new = {}
        for written, counter in votes.items():
            ranked = counter.most_common(2)
            if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
                new[written] = Binding(written, ranked[0][0], *first[(written, ranked[0][0])])
        if new == bound:
            break
        bound = new
    return tuple(sorted(bound.values(), key=lambda b: b.line))


def _matches(judge: Judge, side: s.Node, sample, candidates) -> list[tuple[str, str, int]]:
    """(latex, evidence, weight) for the one candidate a side matches, or nothing."""
    scope = Scope(sample)
    try:
        expr = judge.meaning.side(side, scope)
        if not isinstance(expr, sp.MatrixBase) or scope.free:
            return []
        if scope.literals:                      # figures: at the spec's numbers, to their printed precision
            point = judge.model.spec_point
            if point is None:
                return []
            full = judge._extend(point, scope)
            value = _entries(judge, expr, full)
            room = [float(x) * SLACK for x in judge._tolerance(expr, full, scope)]
            hits = [q for q in candidates if q.value is not None and q.shape == expr.shape and
                    all(abs(a - b) <= r + 1e-9 * max(1, abs(a)) for a, b, r in zip(q.value, value, room))]
            evidence, weight = "its figures", 1
        else:                                   # a definition: exactly, at a random point
            value = _entries(judge, expr, judge._extend(judge.model.random_witness, scope))
            hits = [q for q in candidates if q.shape == expr.shape and
                    all(abs(a - b) <= 1e-9 * max(1, abs(a)) for a, b in zip(q.witness, value))]
            evidence, weight = "its definition", 2
    except (Unreadable, ZeroDivisionError, OverflowError, TypeError, ValueError, AttributeError, RecursionError):
        return []
    if value is None or len({q.latex for q in hits}) != 1:
        return []
    return [(hits[0].latex, evidence, weight)]


def _entries(judge: Judge, matrix: sp.MatrixBase, point) -> tuple[float, ...] | None:
    try:
        return tuple(float(v) for v in judge._value(matrix, point))
    except (Unreadable, ZeroDivisionError, OverflowError, TypeError, ValueError):
        return None
