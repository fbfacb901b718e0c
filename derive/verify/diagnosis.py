"""The likely cause of a wrong link, from a small catalogue of the slips people make.

Each test compares the written value with the right one changed in one known way: a flipped
sign, a factor too many or too few, a path left out of a sum, another learning rate, log base 10,
a missing 1/m, a weight swapped for another, a slip in the last multiplication.
"""

from __future__ import annotations

import math

import sympy as sp

from ..core.samples import shared
from .values import before_update, updated_symbol


def diagnose(judge, left, right, scope, point, symbolic: bool, last: bool = False, wrong=None) -> str | None:
    if isinstance(left, sp.MatrixBase) or isinstance(right, sp.MatrixBase):
        return _matrix_cause(judge, left, right, scope, point)
    model = judge.model
    x = float(judge._number(left, point)) if wrong is None else float(wrong[0])
    y = float(judge._number(right, point)) if wrong is None else float(wrong[1])
    rel = 1e-12 if symbolic else 2e-3

    def near(a: float, b: float) -> bool:
        return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)

    if x != 0 and near(-x, y):
        return "the sign is flipped"
    if not symbolic and last and _has_literals(left, scope):
        return "an arithmetic slip in the last step"
    if x == 0 or y == 0:
        return None
    ratio = y / x
    m = model.samples
    if m > 1 and near(ratio, m):
        return "a missing 1/m"
    if m > 1 and near(ratio, 1 / m):
        return "an extra 1/m"
    if near(ratio, 1 / math.log(10)) or near(ratio, math.log(10)):
        return "log base 10 instead of e"
    if near(ratio, 2) or near(ratio, 0.5):
        return "a factor of 2 (the 1/2 of the squared error?)"
    cause = _written_rate(judge, left, right, scope, point) or _learning_rate(judge, left, right, scope, point, near, x, y)
    if cause:
        return cause
    # a sum over paths is a quantity of the network: a claim of written numbers alone (e^{0.17}) has none
    cause = _missing_path(judge, scope, point, near, x, y) if _of_the_network(model, left, right) else None
    if cause:
        return cause
    if symbolic:
        cause = _swapped_weight(judge, left, right, point)
        if cause:
            return cause
    return _factor(judge, left, right, scope, point, near, ratio)


def _of_the_network(model, *sides) -> bool:
    """Does a side name a quantity of the network: a node, a delta, a parameter (before or after a
    step), a batch gradient, the error or the cost?"""
    return any(model.is_quantity(x) or before_update(x) is not None
               for side in sides for x in getattr(side, "free_symbols", ()))


def _has_literals(expr, scope) -> bool:
    return bool(getattr(expr, "free_symbols", set()) & set(scope.literals))


def _learning_rate(judge, left, right, scope, point, near, x, y) -> str | None:
    """w^+ = w - eta' g: which eta' gives the written value?"""
    model = judge.model
    for symbol in getattr(left, "free_symbols", set()) | getattr(right, "free_symbols", set()):
        base, steps = before_update(symbol) or (None, 0)
        if steps != 1 or not model.is_parameter(base):
            continue
        gradient = float(model.number(model.batch_partial(model.graph.total, base), point))
        if gradient == 0:
            continue
        # the written value y = w - eta' g (or a side that printed it)
        rate = (float(point[base]) - y) / gradient
        if rate > 0 and not near(rate, float(model.eta)) and abs(rate - round(rate, 3)) < 1e-4 * max(rate, 1):
            return f"the update uses a learning rate of {round(rate, 3):g}, not {float(model.eta):g}"
    return None


def _missing_path(judge, scope, point, near, x, y) -> str | None:
    """A hidden unit's dE/dout is a sum of one term for each of its consumers (a unit it feeds, or
    the layer its skip connection joins): is the written value that sum without one term?"""
    model = judge.model
    sample = scope.sample or 0
    derivation = model.derivation
    for layer in derivation.layers[:-1]:
        for record in layer:
            paths = [(p.via, model.number(model.sample(p.term if p.skip else p.via.delta * p.connection.weight,
                                                       sample), point)) for p in record.paths]
            total = sum(float(v) for _, v in paths)
            if total == 0 or len(paths) < 2:
                continue
            for via, value in paths:
                if near(y, x * (total - float(value)) / total):
                    return f"a missing consumer term in the sum for {record.unit.name}: the path through {via.name}"
    return None


def _swapped_weight(judge, left, right, point) -> str | None:
    model = judge.model
    written = [w for w in right.free_symbols if model.is_parameter(w)]
    for wrong in written:
        for candidate in model.parameters:
            if candidate == wrong:
                continue
            changed = right.xreplace({wrong: candidate})
            if abs(float(judge._number(changed, point)) - float(judge._number(left, point))) < 1e-12:
                return f"{wrong} where {candidate} belongs (a weight from the wrong unit or layer)"
    return None


def _factor(judge, left, right, scope, point, near, ratio) -> str | None:
    """The written side is the right one times, or over, one factor that appears in the derivation."""
    model = judge.model
    candidates = set()
    for expr in (left, right):
        candidates |= {x for x in getattr(expr, "free_symbols", set()) if x in point and not before_update(x)}
    for layer in model.derivation.layers:
        for record in layer:
            if record.d_act is not None:
                candidates.add(model.sample(record.d_act, 0))
    for whole in range(3, 11):      # a stray constant (2 has its own entry: the 1/2 of the squared error)
        if near(ratio, whole):
            return f"an extra factor of {whole}"
        if near(ratio, 1 / whole):
            return f"a missing factor of {whole}"
    for factor in sorted(candidates, key=str):
        value = float(judge._number(factor, point))
        if value in (0.0, 1.0):
            continue
        if near(ratio, value):
            return f"an extra factor {_show(factor, scope)}"
        if near(ratio, 1 / value):
            return f"a missing factor {_show(factor, scope)}"
    return None


def _matrix_cause(judge, left, right, scope, point) -> str | None:
    if not isinstance(left, sp.MatrixBase) or not isinstance(right, sp.MatrixBase):
        return None
    if left.shape == right.shape[::-1] and left.shape != right.shape:
        return "a missing transpose"
    samples = judge.model.samples
    a, b = judge._value(left, point), judge._value(right, point)
    ratios = [float(q / p) for p, q in zip(a, b) if p != 0]

    def every(target: float) -> bool:     # to the written figures' precision
        return bool(ratios) and all(abs(r - target) <= 1e-3 * abs(target) for r in ratios)

    if samples > 1 and every(samples):
        return "a missing 1/m"
    if samples > 1 and every(1 / samples):
        return "an extra 1/m"
    if every(-1.0):
        return "the sign is flipped"
    return _written_rate(judge, left, right, scope, point)


def _written_rate(judge, left, right, scope, point) -> str | None:
    """w^+ = 0.7 - 0.2 \\cdot (-0.0037): in a claim about an update, the factor beside the gradient
    is the rate the post used."""
    model = judge.model
    if scope is None or not scope.updated:
        return None
    pairs = zip(left, right) if isinstance(left, sp.MatrixBase) else [(left, right)]
    for after, written in pairs:
        parameter = _updated_parameter(model, after, written, point)
        if parameter is None or not isinstance(written, sp.Add):
            continue
        gradient = abs(float(model.number(model.batch_partial(model.graph.total, parameter), point)))
        for term in written.args:
            factors = [abs(float(judge._number(f, point))) for f in sp.Mul.make_args(term) if f != -1]
            if len(factors) != 2 or gradient == 0 or 0 in factors:
                continue
            eta = float(model.eta) if model.eta.is_number else None
            if eta is not None and any(abs(f - eta) <= 1e-9 * eta for f in factors):
                return f"the update uses the gradient {_other(factors, eta):g}, not {gradient:.4g}"
            # the gradient is the factor nearer the true one; the other is the rate
            first_is_gradient = abs(math.log(factors[0] / gradient)) < abs(math.log(factors[1] / gradient))
            rate = factors[1] if first_is_gradient else factors[0]
            if eta is not None and abs(rate - eta) > 1e-9 * eta:
                return f"the update uses a learning rate of {rate:g}, not {eta:g}"
    return None


def _other(factors: list[float], eta: float) -> float:
    """Of a rate and a gradient, the one that is not the rate."""
    return factors[1] if abs(factors[0] - eta) <= 1e-9 * eta else factors[0]


def _updated_parameter(model, side, written, point):
    """The parameter a side updates: w5__after1, or the one whose value the written p - r g starts from."""
    updated = [found[0] for x in getattr(side, "free_symbols", ()) if (found := before_update(x)) and found[1] == 1]
    if len(updated) == 1:
        return updated[0] if model.is_parameter(updated[0]) else None
    if not isinstance(written, sp.Add) or len(written.args) != 2:
        return None
    present = getattr(side, "free_symbols", set())
    for term in written.args:
        if isinstance(term, sp.Symbol) and term in point:
            start = point[term]
            for parameter in sorted(present & model.parameters, key=str):
                if abs(float(point[parameter]) - float(start)) < 1e-12:
                    return parameter
    return None


def _show(factor, scope) -> str:
    """A factor as the reader knows it: a written figure as written, a unit without its sample."""
    if scope is not None and factor in scope.literals:
        return scope.literals[factor].text
    return str(factor.xreplace({x: shared(x) for x in factor.free_symbols}))


__all__ = ["diagnose", "updated_symbol"]
