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
        if found is None or found.group(1) == "t" or not self._at_a_step(top):
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
        total = 0.0
        for step in steps:
            total = total + self._at_step_number(node.body, letter, step)
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
    free = named - bound - {"t", "T"}
    return free.pop() if len(free) == 1 else None
