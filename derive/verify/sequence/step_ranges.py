"""Sums and products over a range of steps (mixed into evaluate.Evaluator), as BPTT notes write them:
Σ_{k=1}^{t} ∂h_t/∂h_k ∂h_k/∂b, ∏_{j=k+1}^{t} ∂h_j/∂h_{j-1}. The range's letter takes each step number in
turn, counted as the post counts (h_1 the first state, or h_0 where the post starts at 0), and the names
it scripts (h_j, h_{j-1}) are read at that step. A product of Jacobians is the chain's: the highest step's
on the left, ∂h_t/∂h_{t-1} ⋯ ∂h_{k+1}/∂h_k (the lowest's, where the post lays Jacobians out by the
denominator); an empty one (k = t) is 1.

Only a range that ends at a step (t, T, t - 1, or a letter an outer range binds) is read so: Σ_{k=1}^{H} is
a sum over units, not steps."""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from .. import syntax as s
from .chains import telescoped
from .derivatives import derivative_parts
from .unfit import Unfit

_RANGE = re.compile(r"^\{?([a-zA-Z]|\\tau)=(.+?)\}?$")
_BOUND = re.compile(r"^([a-zA-Z]|\d+)(?:([+-])(\d+))?$")


class StepRanges:
    def ranged(self, node: s.BigSum | s.BigProd) -> tuple[str, range] | None:
        """(the letter, its step numbers) of Σ_{k=1}^{t} or ∏_{j=k+1}^{t}; None: not a range over steps."""
        if node.sub is None or node.sup is None or not self.world.steps:
            return None
        found = _RANGE.match(node.sub.text)
        top = node.sup.text.strip("{}")
        if found is None or found.group(1) == "t" or not (self._at_a_step(top) or _stepped_body(node.body, found.group(1))
                                                           and top.isdigit() and int(top) <= len(self.world.steps)):
            return None
        low, high = self._count(found.group(2)), self._count(top)
        return found.group(1), range(low, high + 1)

    def _at_a_step(self, text: str) -> bool:
        found = _BOUND.match(text)
        return found is not None and (found.group(1) in ("t", "T") or found.group(1) in self.step_letters)

    def _count(self, text: str) -> int:
        """A range's bound as a step number: 1, t, T, k + 1 (k an outer range's letter)."""
        found = _BOUND.match(text.strip("{}"))
        if found is None:
            raise Unfit(f"the bound {text}")
        head, sign, offset = found.groups()
        first = self.pick("first step", (1, 0))
        if head.isdigit():
            value = int(head)
        elif head == "t":
            value = self.world.at + first
        elif head == "T":
            value = len(self.world.steps) - 1 + first
        elif head in self.step_letters:
            value = self.step_letters[head]
        else:
            raise Unfit(f"the bound {text}, which names no step")
        return value + (int(offset) if sign == "+" else -int(offset) if sign else 0)

    def _BigProd(self, node: s.BigProd):
        found = self.ranged(node)
        if found is None:
            raise Unfit("a product over other than a range of steps")
        letter, steps = found
        if self.pick("jacobian", ("numerator", "denominator")) != "denominator":
            steps = reversed(steps)                # the chain's order: the latest step's factor first
        result = 1.0
        for step in steps:
            factor = self._at_step_number(node.body, letter, step)
            jacobians = np.ndim(result) == 2 == np.ndim(factor) and result.shape[1] == factor.shape[0] == factor.shape[1] > 1
            result = result @ factor if jacobians else self.product(result, factor)     # never entrywise
        return self._empty_product(node.body, letter, found[1]) if not found[1] else result

    def _empty_product(self, body: s.Node, letter: str, steps: range):
        """∏ over no step: 1, or the identity where its factors are square matrices (Jacobians), as a factor
        at the range's first step shows."""
        try:
            factor = np.asarray(self._at_step_number(body, letter, steps.start - 1))
        except Unfit:
            return 1.0
        square = factor.ndim == 2 and factor.shape[0] == factor.shape[1] > 1
        return np.eye(factor.shape[0]) if square else 1.0

    def ranged_sum(self, node: s.BigSum, letter: str, steps: range):
        held = self.immediate
        total, earlier = 0.0, held_earlier(node.body, letter)
        try:
            for step in steps:
                self.immediate = held | {at_step(frac, letter, step) for frac in earlier}
                total = total + self._at_step_number(node.body, letter, step)
        finally:
            self.immediate = held
        return total

    def _at_step_number(self, body: s.Node, letter: str, step: int):
        held = self.step_letters.get(letter)
        self.step_letters[letter] = step
        try:
            return self.value(at_step(body, letter, step))
        finally:
            if held is None:
                del self.step_letters[letter]
            else:
                self.step_letters[letter] = held


def _stepped_body(body: s.Node, letter: str) -> bool:
    """Σ_{k=1}^{3} ∂J_3/∂h_k ∂h_3/∂h_k …: a derivative by (or of) a name at step k says the range is of steps."""
    return any(_letter_of(part) == letter and _letter_of(other) is None
               for parts in map(_scripted_parts, [n for n in s.nodes(body) if isinstance(n, s.Frac)]) if parts
               for part, other in (parts, parts[::-1]))


def held_earlier(body: s.Node, letter: str) -> set[s.Frac]:
    """In Σ_k ∂h_t/∂h_k ∂h_k/∂W (or ∏_{j=k+1}^{t} ∂h_j/∂h_{j-1} ∂h_k/∂W), the ∂h_k/∂W: each path through h_k is
    counted once only where h_k's own derivative holds the earlier states fixed, so that is what it means."""
    fractions = [telescoped(node) or node for node in s.nodes(body) if isinstance(node, (s.Frac, s.BigProd))]
    stepped = [parts for parts in map(_scripted_parts, fractions) if parts is not None]
    reached = {top.base for top, bottom in stepped if _letter_of(bottom) == letter and _letter_of(top) != letter}
    return {frac for frac, parts in zip(fractions, map(_scripted_parts, fractions)) if parts is not None and
            _letter_of(parts[0]) == letter and parts[0].base in reached and _letter_of(parts[1]) is None}


def _scripted_parts(node: s.Node):
    parts = derivative_parts(node) if isinstance(node, s.Frac) else None
    if parts is None or parts[0] is None:
        return None
    top, bottom = (_unbraced(part) for part in parts)
    return (top, bottom) if isinstance(top, s.Scripted) and top.sub is not None else None


def _letter_of(node: s.Node) -> str | None:
    """k of h_k (a step written as a bare letter), None for any other node."""
    if not isinstance(node, s.Scripted) or node.sub is None:
        return None
    text = node.sub.text.strip("{} ")
    return text if re.fullmatch(r"[a-zA-Z]", text) else None


def at_step(item, letter: str, step: int, bounds: bool = False):
    """`item` with each script that is `letter` or `letter ± n` (h_j, h_{j-1}) written as that step's
    number; the bounds of a range inside it are left as written, read through the letter's binding, or
    (`bounds`, for a letter no range binds) written with the number too."""
    if isinstance(item, s.Script):
        found = re.fullmatch(rf"\{{?{re.escape(letter)}(?:([+-])(\d+))?\}}?", item.text)
        if found:
            number = step + (int(found.group(2)) if found.group(1) == "+" else -int(found.group(2) or 0))
            return s.Script(str(number), s.Num(str(number)))
        return item if item.node is None else s.Script(item.text, at_step(item.node, letter, step, bounds))
    if isinstance(item, tuple):
        return tuple(at_step(part, letter, step, bounds) for part in item)
    if isinstance(item, (s.BigSum, s.BigProd)):
        numbered = (lambda script: script if script is None else s.Script(
            re.sub(rf"(?<![A-Za-z\\]){re.escape(letter)}(?![A-Za-z])", str(step), script.text), script.node)) \
            if bounds else (lambda script: script)
        return dataclasses.replace(item, sub=_low_at_step(numbered(item.sub), letter, step), sup=numbered(item.sup),
                                   body=at_step(item.body, letter, step, bounds))
    if isinstance(item, s.Node) and hasattr(item, "__dataclass_fields__"):
        changed = {name: at_step(getattr(item, name), letter, step, bounds) for name in s.node_fields(item)}
        return dataclasses.replace(item, **changed)
    return item


def _low_at_step(script: s.Script | None, letter: str, step: int) -> s.Script | None:
    """∏_{j=k}^{t} at k = 2: ∏_{j=2}^{t}, the same range (a number is a step as the post counts), which the
    product's Jacobians then read without k (∂h_{t+1}/∂h_2)."""
    found = _RANGE.match(script.text) if script is not None else None
    if found is None or found.group(1) == letter:
        return script
    low = re.sub(rf"(?<![A-Za-z\\]){re.escape(letter)}(?![A-Za-z])", str(step), found.group(2))
    if low == found.group(2):
        return script
    return s.Script(f"{found.group(1)}={low}", None)


def free_step_letter(chain: s.Chain) -> str | None:
    """The one letter that bounds a range of steps (one up to t or T) and that no range binds (∂h_t/∂h_k =
    ∏_{j=k+1}^{t} ∂h_j/∂h_{j-1}: k); the claim holds for every such step. None where there is none, or
    more; a range up to another letter (Σ_{j=1}^{n} a_{ij} v_j: n counts positions) is no range of steps."""
    bound, named = set(), set()
    for node in s.nodes(chain):
        if isinstance(node, (s.BigSum, s.BigProd)) and node.sub is not None and node.sup is not None:
            found, top = _RANGE.match(node.sub.text), _BOUND.match(node.sup.text.strip("{}"))
            if found is None or top is None or top.group(1) not in ("t", "T"):
                continue
            bound.add(found.group(1))
            low = _BOUND.match(found.group(2))
            if low is not None and low.group(1).isalpha():
                named.add(low.group(1))
        elif isinstance(node, s.Frac):
            named |= _earlier_state(node)
    free = named - bound - {"t", "T"}
    return free.pop() if len(free) == 1 else None


def _earlier_state(node: s.Frac) -> set[str]:
    """{k} of ∂h_{t+1}/∂h_k, a state by the same state at a step a bare letter names; else nothing."""
    parts = derivative_parts(node)
    if parts is None or parts[0] is None:
        return set()
    top, bottom = (_unbraced(part) for part in parts)
    if not all(isinstance(part, s.Scripted) and part.sub is not None for part in (top, bottom)) or \
            top.base != bottom.base or top.sup != bottom.sup:
        return set()
    letter, step = bottom.sub.text.strip("{} "), _BOUND.match(top.sub.text.strip("{} ").replace(" ", ""))
    if not re.fullmatch(r"[a-su-z]", letter) or step is None or step.group(1) not in ("t", "T"):
        return set()
    return {letter}


def _unbraced(node: s.Node) -> s.Node:
    while isinstance(node, s.Paren) and node.kind == "{":
        node = node.inner
    return node
