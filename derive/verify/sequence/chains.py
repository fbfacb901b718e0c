"""The chain rule written out as a product of derivatives (mixed into evaluate.Evaluator):
∂L_t/∂ŷ_t · ∂ŷ_t/∂z_t · ∂z_t/∂W_hy, or the same factors from the right (∂z/∂W ∂ŷ/∂z ∂L/∂ŷ). Where each
factor's bottom is the next one's top, the product means one thing whatever the post's layout: the
factors contracted over each linking quantity's entries. So it is worked out that way, from the raw
Jacobians (A's axes, then B's), not from the factors laid out one by one, which a Jacobian by a matrix
(∂z/∂W, three axes) or a softmax's between a row and a column does not survive."""

from __future__ import annotations

import re

import numpy as np

from .. import syntax as s
from ..reader import read
from ..typed.evaluate import is_loss
from .derivatives import derivative_parts, step_loss_of
from .names import key_of
from .unfit import Unfit


def chain_factors(node: s.Node) -> list[s.Frac] | None:
    """The factors of a product of two or more derivatives (juxtaposed, or joined by · or ×), else None; an
    ellipsis among them (∂h_t/∂h_{t-1} ⋯ ∂h_{k+1}/∂h_k) stands for what it elides (elided)."""
    if not isinstance(node, s.Juxt) and not (isinstance(node, s.BinOp) and node.op == "*"):
        return None
    written = [telescoped(item) or _ungrouped(item) for item in _product_items(node)]
    items = elided(written)
    if items is None or len(written) < 2 or not all(isinstance(item, s.Frac) for item in items):
        return None
    parts = [derivative_parts(item) for item in items]
    if any(p is None or p[0] is None for p in parts):
        return None
    return items


def _product_items(node: s.Node) -> list[s.Node]:
    if isinstance(node, s.Juxt):
        return [item for part in node.items for item in _product_items(part)]
    if isinstance(node, s.BinOp) and node.op == "*":
        return _product_items(node.left) + _product_items(node.right)
    return [node]


def elided(items: list[s.Node]) -> list[s.Node] | None:
    """The factors with each ellipsis among derivatives of one state by its earlier steps written as what it
    stands for. Where every factor around it is one step's Jacobian (∂h_t/∂h_{t-1} ⋯ ∂h_{k+1}/∂h_k, or in the
    denominator layout's order ∂h_{k+1}/∂h_k ⋯ ∂h_t/∂h_{t-1}), the run is the product over its range, ∂h_t/∂h_k,
    however few steps that range holds (as x_1 ⋯ x_n reads for n = 1); else, in the latest-first order, the
    ellipsis is the Jacobian between its neighbours. None where an ellipsis stands elsewhere, or the order of its
    neighbours' steps is not known from their letters."""
    found = list(items)
    while ELLIPSIS in found:
        at = found.index(ELLIPSIS)
        if not 0 < at < len(found) - 1:
            return None
        before, after = _state_derivative(found[at - 1]), _state_derivative(found[at + 1])
        latest_first = _later(before[1], after[0]) if before is not None and after is not None else None
        if latest_first is None:
            return None
        left, right = _run_end(found, at, -1, latest_first), _run_end(found, at, 1, latest_first)
        run = [_state_derivative(item) for item in found[left:at] + found[at + 1:right + 1]]
        if all(_one_step(top, bottom) for top, bottom in run):
            ends = (run[0][0], run[-1][1]) if latest_first else (run[-1][0], run[0][1])
            found[left:right + 1] = [_jacobian(*ends)]
        elif latest_first:
            found[at:at + 1] = [_jacobian(before[1], after[0])]
        else:
            return None
    return found


def _run_end(items: list[s.Node], at: int, direction: int, latest_first: bool) -> int:
    """The farthest index from the ellipsis at `at`, going one way, of linked derivatives of its state."""
    end, here = at + direction, _state_derivative(items[at + direction])
    while 0 <= end + direction < len(items) and items[end + direction] != ELLIPSIS:
        near = _state_derivative(items[end + direction])
        outward = direction < 0 if latest_first else direction > 0      # the factor nearer the latest step
        linked = near is not None and near[0].base == here[0].base and \
            (near[1] == here[0] if outward else near[0] == here[1])
        if not linked:
            break
        end, here = end + direction, near
    return end


def _later(first: s.Scripted, second: s.Scripted) -> bool | None:
    """Whether `first`'s step is at or after `second`'s (h_{t-1} and h_{k+1}: t is the later letter, as BPTT notes
    write it); None where their letters do not say."""
    a, b = (_STEP.match(p.sub.text.replace(" ", "")) for p in (first, second))
    if a is None or b is None:
        return None
    (head_a, off_a), (head_b, off_b) = ((m.group(1), int(m.group(2) or 0)) for m in (a, b))
    if head_a == head_b:
        return off_a >= off_b
    if head_a.isdigit() and head_b.isdigit():
        return int(head_a) + off_a >= int(head_b) + off_b
    late_a, late_b = head_a in ("t", "T"), head_b in ("t", "T")
    return True if late_a and not late_b else False if late_b and not late_a else None


def _one_step(top: s.Scripted, bottom: s.Scripted) -> bool:
    """h_{t+1} by h_t, h_3 by h_2: one step apart, as the post writes the steps."""
    high, low = (_STEP.match(p.sub.text.replace(" ", "")) for p in (top, bottom))
    if high is None or low is None:
        return False
    if high.group(1).isdigit() and low.group(1).isdigit():
        return int(high.group(1)) - int(low.group(1)) == 1 and not high.group(2) and not low.group(2)
    return high.group(1) == low.group(1) and int(high.group(2) or 0) - int(low.group(2) or 0) == 1


def _jacobian(top: s.Scripted, bottom: s.Scripted) -> s.Frac:
    name = top.base.text
    return read(f"\\frac{{\\partial {name}_{{{top.sub.text}}}}}{{\\partial {name}_{{{bottom.sub.text}}}}} = 0")[0] \
        .chain.sides[0]


ELLIPSIS = s.Sym("…")


def _state_derivative(node: s.Node):
    """(top, bottom) of ∂h_a/∂h_b, one state by itself at another step; None for any other node."""
    parts = derivative_parts(node) if isinstance(node, s.Frac) else None
    if parts is None or parts[0] is None:
        return None
    top, bottom = (_ungrouped(part) for part in parts)
    if not all(isinstance(p, s.Scripted) and p.sub is not None and p.sup is None and isinstance(p.base, s.Sym)
               for p in (top, bottom)) or top.base != bottom.base:
        return None
    return top, bottom


def _ungrouped(node: s.Node) -> s.Node:
    """{∂L/∂h} (a TeX group, as \\color{blue}{…} leaves it): what it groups."""
    while isinstance(node, s.Paren) and node.kind == "{":
        node = node.inner
    return node


_STEP = re.compile(r"^\{?([a-zA-Z]|\d+)([+-]\d+)?\}?$")


def telescoped(node: s.Node) -> s.Frac | None:
    """(∏_{j=k}^{t} ∂h_{j+1}/∂h_j) as the one Jacobian it is, ∂h_{t+1}/∂h_k: the steps' Jacobians chained; None
    where the node is no such product."""
    while isinstance(node, s.Paren):
        node = node.inner
    if not (isinstance(node, s.BigProd) and node.sub is not None and node.sup is not None and
            isinstance(node.body, s.Frac)):
        return None
    ranged = re.fullmatch(r"\{?([a-zA-Z])=(.+?)\}?", node.sub.text)
    parts = derivative_parts(node.body)
    if ranged is None or parts is None or not all(isinstance(p, s.Scripted) and p.sub is not None and
                                                  isinstance(p.base, s.Sym) for p in parts):
        return None
    (top, bottom), letter = parts, ranged.group(1)
    shifts = [_STEP.match(p.sub.text) for p in (top, bottom)]
    if top.base != bottom.base or top.sup != bottom.sup or top.sup is not None or \
            any(m is None or m.group(1) != letter for m in shifts):
        return None
    up, down = (int(m.group(2) or 0) for m in shifts)
    if up - down != 1:
        return None
    high, low = _shifted(node.sup.text, up), _shifted(ranged.group(2), down)
    if high is None or low is None:
        return None
    name = top.base.text
    found = read(f"\\frac{{\\partial {name}_{{{high}}}}}{{\\partial {name}_{{{low}}}}} = 0")
    return found[0].chain.sides[0] if found and found[0].chain is not None else None


def _shifted(bound: str, offset: int) -> str | None:
    """A range's bound moved by `offset` steps: t, 1 -> t+1; k+1, -1 -> k; 2, 1 -> 3."""
    found = _STEP.match(bound.replace(" ", ""))
    if found is None:
        return None
    total = int(found.group(2) or 0) + offset
    if found.group(1).isdigit():
        return str(int(found.group(1)) + total)
    return found.group(1) + (f"{total:+d}" if total else "")


def recursive_term(chain: s.Chain) -> s.Frac | None:
    """The left side's derivative where the claim makes it the total one: ∂h_t/∂W = ∂h_t/∂W + ∂h_t/∂h_{t-1}
    ∂h_{t-1}/∂W, the left's derivative written again as one term of a sum on the right (the term the
    explicit one, the earlier states held fixed); or ∂h_t/∂W = Σ_k ∂h_t/∂h_k ∂h_k/∂W, a right side through
    a state's Jacobian by an earlier state, whose paths the left sums. None where the claim does neither."""
    first = _unwrapped(chain.sides[0])
    if not isinstance(first, s.Frac) or (derivative_parts(first) or (None,))[0] is None:
        return None
    for side in chain.sides[1:]:
        terms = _terms(_unwrapped(side))
        if len(terms) > 1 and any(_unwrapped(term) == first for term in terms) or _across_steps(side):
            return first
    return None


def _across_steps(side: s.Node) -> bool:
    """∂h_t/∂h_k, ∂h_t/∂h_{t-1}: a derivative of a name by the same name at another step."""
    for node in s.nodes(side):
        parts = derivative_parts(node) if isinstance(node, s.Frac) else None
        if parts is not None and parts[0] is not None and parts[0] != parts[1] and \
                all(isinstance(part, s.Scripted) and part.sub is not None for part in parts) and \
                parts[0].base == parts[1].base and parts[0].sup == parts[1].sup:
            return True
    return False


def _terms(node: s.Node) -> list[s.Node]:
    if isinstance(node, s.BinOp) and node.op in ("+", "-"):
        return _terms(node.left) + _terms(node.right)
    return [node]


def _unwrapped(node: s.Node) -> s.Node:
    while isinstance(node, s.Paren) and node.kind in ("(", "{"):
        node = node.inner
    return node


class Chains:
    def chained(self, factors: list[s.Frac]):
        """The product's value where its factors link up, the loss's gradient (if any) at the first;
        None where they do not (the product is then read factor by factor)."""
        ends = [self._ends(factor) for factor in factors]
        if None in ends:
            return None
        modes = [self.mode_of(factor) for factor in factors]
        if not _linked(ends):
            factors, ends, modes = factors[::-1], ends[::-1], modes[::-1]
            if not _linked(ends):
                return None
        if any(top == "loss" for top, _ in ends[1:]):
            return None
        (first_top, first_bottom), last = ends[0], ends[-1][1][0]
        if first_top == "loss":
            found = np.asarray(self.value(factors[0]), dtype=float)
            if found.size != self._raw_of(first_bottom[0]).size:
                return None
            running = self._natural(first_bottom[0], found).reshape(1, -1)
        else:
            running = self._flat(self._jacobian_at(first_top[0], first_bottom[0], modes[0]), first_bottom[0])
        for (top, bottom), mode in zip(ends[1:], modes[1:]):
            jacobian = self._flat(self._jacobian_at(top[0], bottom[0], mode), bottom[0])
            if jacobian.shape[0] != running.shape[1]:
                raise Unfit("a chain whose factors' shapes do not fit")
            running = running @ jacobian
        bottom = self._raw_of(last)
        if first_top == "loss":             # ∂L/∂B, in B's shape as the post's layout turns it
            return self._oriented(self._step(last)[0], running.reshape(bottom.shape))
        axes = bottom.shape if bottom.ndim == 2 and min(bottom.shape) > 1 else (bottom.size,)
        return self.laid_out(running.reshape((-1,) + axes))     # ∂A/∂B: A's axis, then B's

    def _ends(self, factor: s.Frac):
        """(top, bottom) of one factor, each (its key, (its name, its step)), the top "loss" for the
        loss's gradient; None where a name is not read."""
        top, bottom = derivative_parts(factor)
        if is_loss(top) or step_loss_of(factor, self.world.kind) is not None:
            key = key_of(factor, self.world.kind, self.pick, self.post.aliases)
            if key is None or not key.startswith("d:"):
                return None
            return "loss", self._end(key[2:].rstrip("!~"))
        keys = [self._key(node) for node in (top, bottom)]
        return None if None in keys else (self._end(keys[0]), self._end(keys[1]))

    def _end(self, key: str):
        return key, self._step(key)

    def _key(self, node: s.Node) -> str | None:
        key = key_of(node, self.world.kind, self.pick, self.post.aliases)
        return None if key is None or key.startswith("d:") else key

    def _raw_of(self, key: str) -> np.ndarray:
        """A key's value in its own shape, at its step."""
        step = self._step(key)[1]
        held = self.world.at
        try:
            if 0 <= step < len(self.world.steps):
                self.world.at = step
            return np.asarray(self._raw(self._step(key)[0]), dtype=float)
        finally:
            self.world.at = held

    def _flat(self, jacobian, bottom: str) -> np.ndarray:
        """A raw Jacobian as a matrix: its top's entries by its bottom's."""
        if jacobian is None:
            raise Unfit("a derivative by what is not its own operand")
        return np.asarray(jacobian, dtype=float).reshape(-1, self._raw_of(bottom).size)

    def _natural(self, key: str, found: np.ndarray) -> np.ndarray:
        """A gradient as the evaluator gave it, back in its quantity's own shape (undoing a row layout)."""
        raw = self._raw_of(key)
        if found.ndim == 2 and found.shape != raw.shape and found.T.shape == raw.shape:
            found = found.T
        return found.reshape(raw.shape)


def _linked(ends) -> bool:
    """Each factor's bottom the next one's top: the same quantity at the same step."""
    return all(top != "loss" and top[1] == below[1] for (_, below), (top, _) in zip(ends, ends[1:]))
