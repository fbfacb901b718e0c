"""A claim right in form that carries an earlier slip: ∂L/∂W_q = Xᵀ ∂L/∂Q holds for the true ∂L/∂Q, but the post's
own ∂L/∂Q (an earlier claim found wrong) makes it wrong, as a figure computed right from a wrong one is (verify's
carried.py). The post's gradients that were wrong stand in for the true ones, one at a time; a claim that fails
with one of them carries that line's error. A later claim that states the same gradient rightly takes it back, and
one stated rightly before the slip leaves open which of the two the lines below carry."""

from __future__ import annotations

from .. import syntax as s
from ..values import Verdict
from .evaluate import Evaluator, Unfit
from .names import key_of, spoken


def _gradient_key(judge, node: s.Node) -> str | None:
    key = key_of(node, judge.world.kind, lambda family, options: judge.fixed.get(family, options)[0],
                 judge.post.aliases)                     # as the post's forward equations read its names
    return key if key is not None and key.startswith("d:") else None


def slipped(judge, chain: s.Chain) -> None:
    """A gradient the post states wrongly: its own value, for the claims below that use it. Where one link of
    the chain states it rightly (dL/da_o = dL/do_t · do_t/da_o = a slip), which the lines below carry is open."""
    key = _gradient_key(judge, chain.sides[0])
    if key is None or key in judge.post.stated:          # stated rightly before: which one is carried is open
        return
    for side in chain.sides[1:-1]:
        pair = s.Chain((chain.sides[0], side), ("=",), False, "", 0)
        if any(equal for _, equal in judge.outcomes(pair)):
            return
    judge.post.slips[key] = (judge.post.line, chain.sides[-1])


def carried(judge, chain: s.Chain, convention: dict) -> tuple[Verdict, int | None] | None:
    """(the verdict, the first line it carries) on a claim that holds but fails with one of the post's wrong
    gradients in place of the true one; None where it carries none."""
    own = _gradient_key(judge, chain.sides[0])
    if own is not None:
        judge.post.slips.pop(own, None)                  # stated rightly now: the lines below take this one
        judge.post.stated.add(own)
    read = Evaluator(judge.world, judge.post, convention)
    try:
        for side in chain.sides[1:]:
            read.value(side)
    except (Unfit, FloatingPointError, ValueError, KeyError, IndexError):
        return None
    carries = []
    for key in sorted({key.rstrip("!") for key in read.read} & set(judge.post.slips)):
        line, value = judge.post.slips[key]
        judge.post.standing = {key: value}
        try:
            outcomes = judge.outcomes(chain)
        finally:
            judge.post.standing = {}
        if outcomes and not any(equal for _, equal in outcomes):
            carries.append((line, key))
    if not carries:
        return None
    lines = ", ".join(str(line) for line, _ in sorted(carries, key=lambda c: c[0] or 0))
    names = ", ".join(f"{spoken(key)} of line {line}" for line, key in sorted(carries, key=lambda c: c[0] or 0))
    first = min(line or 0 for line, _ in carries) or None
    return Verdict("wrong", None, f"right in form, but it carries the error from line{'s' * (len(carries) > 1)} "
                                  f"{lines}: with the post's own {names} in place, the sides differ"), first
