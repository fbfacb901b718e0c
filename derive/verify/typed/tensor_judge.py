"""A conv layer's claim in whole tensors (arrays.py), judged: each link's two sides, of the same
shape, equal at every random point; the missing rotation and the missing stride dilation named."""

from __future__ import annotations

import itertools

import numpy as np

from .. import syntax as s
from ..values import Verdict
from .arrays import Arrays, ShapeMismatch
from .letters import free_letters
from .lookup import Unread, View
from .slips import rotated_point

CONVENTIONS = ("correlation", "convolution")
ROTATION = "it holds with the kernel rotated by 180°: the rotation of the kernel is missing"
DILATION = "it holds once ∂L/∂(output) is dilated by the stride {} (zeros between its entries): the stride " \
    "dilation is missing"
RELATIVE = 1e-9


def judge_tensors(judge, chain: s.Chain, links, convention: str | None) -> Verdict:
    """Under the post's convention for *, or, where its forward does not say, under both alike."""
    conventions = [convention] if convention else list(CONVENTIONS)
    verdicts = [_judged(judge, chain, links, c) for c in conventions]
    if all(v.verdict == verdicts[0].verdict for v in verdicts):
        return verdicts[0]
    return Verdict("unchecked", None, "right if * is a " + " and wrong if a ".join(
        c for c in sorted(conventions, key=lambda c: verdicts[conventions.index(c)].verdict != "ok"))
        + ", and the post's forward does not say which")


def holds(judge, chain: s.Chain, convention: str) -> bool:
    links = [(k, chain.sides[k], chain.sides[k + 1]) for k in range(len(chain.sides) - 1)]
    return _judged(judge, chain, links, convention).verdict == "ok"


def _views(judge, chain: s.Chain) -> list[View]:
    """The claim's free channel letters (y_n = Σ_m k_{nm} * x_m), each over the channels."""
    letters = sorted(free_letters(chain, ()))
    channels = max(judge.model.tensors["output"].shape[1], judge.model.tensors["input"].shape[1])
    return [View(dict(zip(letters, combo)), 0, 0, judge.base)
            for combo in itertools.product(range(channels), repeat=len(letters))][:24]


def _judged(judge, chain: s.Chain, links, convention: str) -> Verdict:
    points = figure_points(judge, chain) if judge.figures else judge.points
    if not points:
        return Verdict("unchecked", None, "the claim states figures, and the spec gives no numbers to check them at")
    checked = False
    for number, left, right in links:
        for point in points:
            for view in _views(judge, chain):
                found = _link(judge, point, view, convention, left, right, number)
                if found is None:          # a channel past the layer's: not this view
                    continue
                if found.verdict != "ok":
                    return found
                checked = True
    if not checked:
        return Verdict("unchecked", None, "its channels are outside the layer's")
    convolves = any(isinstance(n, s.BinOp) and n.op in ("*", "conv") for n in s.nodes(chain))
    return Verdict("ok", None, f"read with * as a {convention}" if convolves else None)


def figure_points(judge, chain: s.Chain) -> list:
    """Where a claim that states figures is checked: at the spec's own numbers; arithmetic of numbers alone
    (4 - 2 + 1 = 3) anywhere; nowhere where it writes out the kernel (K = [[1, 2, 3], …]) and the spec draws
    the kernel from a seed: the post's example kernel is its own."""
    if not any(isinstance(node, s.Sym) for node in s.nodes(chain)):
        return judge.points[:1]
    if judge.model.drawn and any(_names_kernel(judge.names, side) for side in chain.sides):
        return []
    return [judge.spec_point] if judge.spec_point is not None else []


def _names_kernel(names, side) -> bool:
    side = _bare(side)
    side = side.base if isinstance(side, s.Scripted) and side.sub is None else side
    return isinstance(side, s.Sym) and names.role(side.text, side.font) == "kernel"


def _link(judge, point, view: View, convention: str, left, right, number: int) -> Verdict | None:
    evaluator = judge._evaluator(point, True)
    try:
        found = _compare(Arrays(evaluator, convention), left, right, view)
    except IndexError:
        return None
    except ShapeMismatch as exc:
        if _mislabelled(judge.names, left, right):     # x = [w_00 … w_22]: another tensor's entries, listed
            return Verdict("wrong", None, f"the written matrix does not have the tensor's shape ({exc})",
                           link=number + 1)
        if _dilation_fixes(judge, point, convention, left, right, view):
            return Verdict("wrong", None, "the shapes differ; " + DILATION.format(judge.model.attributes["stride"]),
                           link=number + 1)
        judge.other_sizes.add(left)
        return Verdict("unchecked", None, str(exc))
    except Unread as exc:
        return Verdict("unchecked", None, str(exc))
    if found:
        return Verdict("ok", None, None)
    if left in judge.other_sizes:
        return Verdict("unchecked", None, "the post writes this tensor out above at other sizes than the layer's: "
                                          "its example is not the spec's")
    said = ROTATION if _rotation_fixes(judge, point, convention, left, right, view) else \
        DILATION.format(judge.model.attributes.get("stride", 1)) \
        if _dilation_fixes(judge, point, convention, left, right, view) else ""
    return Verdict("wrong", None, f"the two sides differ (as * is a {convention})" + (f"; {said}" if said else ""),
                   link=number + 1)


def _mislabelled(names, left, right) -> bool:
    """A name set equal to a matrix of another tensor's entries, nothing convolved (x = [w_00 …]). A
    matrix of the name's own entries in another shape is the post's example at other sizes than the
    spec's: not read (ShapeMismatch), never wrong."""
    sides = [_bare(left), _bare(right)]
    matrices = [side for side in sides if isinstance(side, s.Matrix)]
    if len(matrices) != 1 or any(isinstance(n, s.BinOp) for side in sides for n in s.nodes(side)):
        return False
    named = next(side for side in sides if side is not matrices[0])
    named = named.base if isinstance(named, s.Scripted) else named
    if not isinstance(named, s.Sym):
        return False
    own = names.role(named.text, named.font)
    listed = {names.role(n.base.text, n.base.font) for n in s.nodes(matrices[0])
              if isinstance(n, s.Scripted) and isinstance(n.base, s.Sym) and n.sub is not None}
    return bool(listed) and own is not None and own not in listed


def _bare(node):
    while isinstance(node, s.Paren):
        node = node.inner
    return node


def _compare(arrays: Arrays, left, right, view) -> bool:
    a, b = arrays.value(left, view), arrays.value(right, view)
    # a 1×1 result (∂L/∂Y * a kernel of ones, valid) is the number on the other side
    pairs = [(x.array.reshape(y.array.shape) if x.array.size == y.array.size == 1 else x.array, y.array)
             for x in a for y in b if x.array.shape == y.array.shape or x.array.size == y.array.size == 1]
    if not pairs:
        shapes = sorted({x.array.shape for x in a}), sorted({y.array.shape for y in b})
        raise ShapeMismatch(f"the two sides' shapes differ: {shapes[0]} and {shapes[1]}")
    return any(np.allclose(x, y, rtol=RELATIVE, atol=RELATIVE) for x, y in pairs)


def _dilation_fixes(judge, point, convention, left, right, view) -> bool:
    if judge.model.attributes.get("stride", 1) <= 1:
        return False
    try:
        plain = Arrays(judge._evaluator(point, True), convention)
        dilated = Arrays(judge._evaluator(point, True), convention, dilated=True)
        truth, written = plain.value(left, view), dilated.value(right, view)
    except Unread:
        return False
    return any(x.array.shape == y.array.shape and np.allclose(x.array, y.array, rtol=RELATIVE, atol=RELATIVE)
               for x in truth for y in written)


def _rotation_fixes(judge, point, convention, left, right, view) -> bool:
    try:
        truth = Arrays(judge._evaluator(point, True), convention).value(left, view)
        written = Arrays(judge._evaluator(rotated_point(judge.model, point), True), convention).value(right, view)
    except Unread:
        return False
    return any(x.array.shape == y.array.shape and np.allclose(x.array, y.array, rtol=RELATIVE, atol=RELATIVE)
               for x in truth for y in written)
