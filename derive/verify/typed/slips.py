"""The classic slips of a conv's or a normalization's backward, named when a wrong claim is one:
the claim holds with the kernel rotated by 180° (the rotation is missing), or equals ∂L/∂x with the
mean's or the variance's path through the layer left out (batchnorm's three terms cut to two). A forward claim
that holds only with the bias left out is a worked example's, not a slip."""

from __future__ import annotations

import numpy as np

from .. import syntax as s
from ..values import Verdict
from .model import LOSS, LayerModel, Point

CLOSE = 1e-7
OUTSIDE = "its entries are outside the layer's tensors"


def slip(model: LayerModel, evaluator, point: Point, left: s.Node, right: s.Node, view, expected: float) -> str | None:
    try:
        if model.kind == "conv2d":
            return _rotation(model, evaluator, point, right, view, expected)
        if model.normalizing:
            return _dropped_path(model, evaluator, point, right, view, expected)
    except Exception:          # a slip is a hint: a side that does not evaluate again names none
        return None
    return None


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= CLOSE * max(1.0, abs(a), abs(b))


def rotated_point(model: LayerModel, point: Point) -> Point:
    """The point with every filter rotated by 180°."""
    kernel = model.tensors["kernel"]
    size = kernel.shape[2]
    leaves = {leaf: point.values[leaf] for leaf in model.leaves}
    for index in np.ndindex(*kernel.shape):
        o, c, p, q = index
        leaves[kernel.entry(index)] = point.values[kernel.entry((o, c, size - 1 - p, size - 1 - q))]
    return Point(model, leaves)


UNBIASED = "not checked: it holds with the bias left out (b = 0), as a worked example may set it"


def bias_left_out(judge, chain: s.Chain, before: s.Node | None) -> Verdict | None:
    """A wrong forward claim (no derivative) that does not write the bias and holds with the bias at zero at
    every point: a worked example that leaves the bias out (z_{11} = a_{11} w_{11} + …), unchecked."""
    if judge._names_bias(chain) or any(isinstance(n, (s.Frac, s.Partial)) for n in s.nodes(chain)):
        return None
    zeroed = [unbiased_point(judge.model, point) for point in judge.points]
    if not zeroed or None in zeroed:
        return None
    kept, judge.points = judge.points, zeroed
    try:
        again = judge._claim(chain, before)
    finally:
        judge.points = kept
    return Verdict("unchecked", None, UNBIASED) if again.verdict == "ok" else None


def unbiased_point(model: LayerModel, point: Point) -> Point | None:
    """The point with the bias at zero (an example that leaves the bias out), or None without a bias."""
    bias = model.tensors.get("bias")
    if bias is None:
        return None
    leaves = {leaf: point.values[leaf] for leaf in model.leaves}
    leaves |= {entry: 0.0 for entry in bias.entries()}
    return Point(model, leaves)


def _rotation(model, evaluator, point, right, view, expected) -> str | None:
    rotated = rotated_point(model, point)
    again = type(evaluator)(model, evaluator.names, rotated)
    if _close(rotated.value(again.side(right, view)), expected):
        return "it holds with the kernel rotated by 180°: the rotation of the kernel is missing"
    return None


def _dropped_path(model, evaluator, point, right, view, expected) -> str | None:
    inputs = model.tensors["input"].entries()
    wrt = next((e for e in inputs if _close(point.total(LOSS, e), expected)), None)
    if wrt is None:
        return None
    written = point.value(evaluator.side(right, view))
    mean, variance = model.tensors.get("mean"), model.tensors["variance"]
    paths = []
    if mean is not None:
        means = set(mean.entries())
        paths.append(("the mean's terms (the path through μ) are missing",
                      frozenset((e, m) for e in model.definitions for m in model.parents(e) if m in means)))
    variances = set(variance.entries())
    paths.append(("the variance's terms (the path through σ²) are missing",
                  frozenset((e, v) for e in model.definitions for v in model.parents(e) if v in variances)))
    for said, cut in paths:
        if _close(point.adjoints(cut).get(wrt, 0.0), written):
            return said
    return None
