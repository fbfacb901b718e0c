"""The evaluator's entry-level reading (mixed into evaluate.Evaluator): a name's entry by its index
letters, the Kronecker δ, a sum over an index, and ∂A/∂B between two of the world's quantities, whole
(a Jacobian, laid out A's axes by B's, or the transpose) or entry by entry."""

from __future__ import annotations

import re

import numpy as np

from .. import syntax as s
from .indices import INDEX_LETTERS, kronecker, letters, split_indices
from .jacobians import jacobian, total_jacobian, within_step
from .derivatives import derivative_parts
from .names import key_of, spoken
from .unfit import Unfit


def _lowercase(node: s.Node) -> bool:
    """q, or ∂L/∂q: a lowercase name, which with one index is a matrix's row."""
    if isinstance(node, s.Frac):
        parts = derivative_parts(node)
        node = parts[1] if parts is not None else node
    while isinstance(node, (s.Scripted, s.Juxt)):
        node = node.base if isinstance(node, s.Scripted) else node.items[-1]
    return isinstance(node, s.Sym) and node.text[:1].islower()


_FROM = re.compile(r"^([a-z])=([01])$")
_TO = re.compile(r"^\{?([A-Za-z](?:_\{?[a-z]+\}?)?)(-1)?\}?$")


def whole_axis(letter: str, top: str | None) -> str | None:
    """Σ_i, and Σ_{i=0}^{V-1} or Σ_{i=1}^{n}: the index over its whole axis, as the names it indexes size it
    (the range's count a letter verify does not hold); None where the range is another."""
    if top is None:
        return letter
    found, to = _FROM.match(letter.replace(" ", "")), _TO.match(top.replace(" ", ""))
    if found is None or to is None or to.group(1) in ("t", "T") or (found.group(2) == "0") != bool(to.group(2)):
        return None
    return found.group(1)


class Entries:
    indices: dict[str, int]          # the index letters' values at the entry in view
    letter_sizes: dict[str, int]     # each free index letter's axis, as the names it indexes show
    kronecker_letters: set[str]      # the letters of a Kronecker δ_{kl}, which index no name of their own

    def entry_named(self, node: s.Node, named):
        """A_{ij}, δ_{kl}: the entry's value; None where the node is neither."""
        pair = kronecker(node)
        if pair is not None:                # its letters are the claim's too, sized by the names they index
            self.kronecker_letters.update(letter for letter in pair if not letter.startswith("#"))
            return float(self._index(pair[0], None) == self._index(pair[1], None))
        if isinstance(node, s.Scripted) and isinstance(node.base, s.Paren) and node.base.kind == "(" and \
                node.sup is None and node.sub is not None and letters(node.sub.text) is not None:
            return self._entry(np.asarray(self.value(node.base.inner)), letters(node.sub.text))    # (ŷ_t - y_t)_l
        split = split_indices(node)
        if split is None and isinstance(node, s.Frac):      # ∂E/∂ŷ_k: the gradient's entry
            parts = derivative_parts(node)
            below = split_indices(parts[1]) if parts is not None and parts[0] is not None else None
            if below is not None:
                split = (s.Frac(node.num, s.Juxt((s.Partial(), below[0]))), below[1])
        if split is None:
            return None
        whole = named(split[0])
        if whole is None:
            return None
        whole = np.asarray(whole)
        if len(split[1]) == 1 and whole.ndim == 2 and 1 not in whole.shape and _lowercase(split[0]):
            return whole[self._index(split[1][0], whole.shape[0])].reshape(-1, 1)     # q_i: Q's row i
        return self._entry(whole, split[1])

    def _entry(self, value: np.ndarray, letters: list[str]):
        shape = value.shape
        if value.ndim == 2 and 1 in shape and len(letters) == 1:        # a vector, either way round
            value, shape = value.ravel(), (value.size,)
        if len(letters) != len(shape):
            raise Unfit(f"{len(letters)} indices on a {len(shape)}-axis value")
        return float(value[tuple(self._index(letter, size) for letter, size in zip(letters, shape))])

    def _index(self, letter: str, size: int | None) -> int:
        if letter.startswith("#"):              # v_{12}: a fixed entry, counted as the post counts
            found = int(letter[1:]) - self.post.first_index
            if found < 0 or size is not None and found >= size:
                raise Unfit(f"the entry {letter[1:]} is outside its axis")
            return found
        if size is not None:
            self.letter_sizes.setdefault(letter, size)
        found = self.indices.get(letter, 0)
        if size is not None and found >= size:
            raise Unfit(f"the index {letter} runs past its axis")
        return found

    def index_sum(self, letter: str, body: s.Node):
        """Σ_k over an index the body's names carry; None where no name does (a row sum, then). Σ_{k≠j}
        leaves out the k that is j's entry."""
        letter, _, other = letter.partition("≠")
        if letter not in INDEX_LETTERS or other and other not in INDEX_LETTERS:
            return None
        skip = self.indices.get(other) if other else None      # j not yet bound: the claim's shape is read
        held, size_held = self.indices.get(letter), self.letter_sizes.pop(letter, None)
        try:
            self.indices[letter] = 0
            first = self.value(body)
            size = self.letter_sizes.pop(letter, None)
            if size is None:
                return None
            if other and other not in self.indices:
                self.letter_sizes.setdefault(other, size)     # j ranges as k does: read entry by entry
            total = first if skip != 0 else 0.0
            for k in range(1, size):
                if k == skip:
                    continue
                self.indices[letter] = k
                total = total + self.value(body)
            return total
        finally:
            self.indices.pop(letter, None)
            self.letter_sizes.pop(letter, None)        # bound by the sum: not a free index of the claim
            if held is not None:
                self.indices[letter] = held
            if size_held is not None:
                self.letter_sizes[letter] = size_held

    def _jacobian_at(self, top: str, bottom: str, mode: str | None = None):
        """∂h_{t+1}/∂h_t: the Jacobian at the step the top's name is at (h_{t+1}: the next one). `mode`
        "total" or "immediate" where the claim fixes which (chains.recursive_term), "held" for ∂⁺ (immediate, by a
        state too), else the convention."""
        held = self.world.at
        (top, at), (bottom, below) = self._step(top), self._step(bottom)     # h_3 by h_2: at step 3
        if bottom in self.world.values:                 # a weight: every step's, so the top's
            below = at
        if bottom == top == "h" and below != at - 1:     # ∂h_t/∂h_k: the steps' Jacobians chained (I where k = t)
            if mode == "held" and below != at:           # ∂⁺h_t/∂h_k: no path but the one step's
                return np.zeros((np.size(self._raw("h")),) * 2)
            return self._across_steps(at, below)
        mode = "immediate" if mode == "held" else mode
        if below != at:
            bottom = f"{bottom}@{below - at:+d}"
        if at != held and not 0 <= at < len(self.world.steps):
            raise Unfit("a step outside the sequence")
        self.world.at = at
        try:
            total = total_jacobian(self.world, top, bottom, self._raw) if bottom in self.world.values else None
            # an RNN's or GRU's h_t by h_{t-1}: its one Jacobian is the total (an LSTM's c_t also reaches h_{t-1})
            if mode == "total" and total is None and (bottom in self.world.values or self.world.kind == "lstm"):
                raise Unfit("a total derivative by a weight this cell's steps share")
            if total is not None and at > 0 and \
                    (mode == "total" or mode is None and self.pick("derivative", ("immediate", "total")) == "total"):
                return total                            # through the earlier steps too
            found = jacobian(self.world, top, bottom, self._raw)
            return found if found is not None or top == bottom else within_step(self.world, top, bottom, self._raw)
        finally:
            self.world.at = held

    def _across_steps(self, at: int, below: int) -> np.ndarray:
        """∂h_t/∂h_k = ∂h_t/∂h_{t-1} ⋯ ∂h_{k+1}/∂h_k, the identity where k = t; none from a later step."""
        if below > at or not 0 <= below <= at < len(self.world.steps):
            raise Unfit("a state by a later one, or a step outside the sequence")
        held, found = self.world.at, np.eye(np.size(self._raw("h")))
        try:
            for step in range(at, below, -1):
                self.world.at = step
                one = jacobian(self.world, "h", "h@-1", self._raw)
                if one is None:
                    raise Unfit("a state by an earlier one through this cell's gates")
                found = found @ one
            return found
        finally:
            self.world.at = held

    def _raw(self, key: str) -> np.ndarray:
        """A key's first value at the step in view, or (h@-1) at the step before it: 0 before the first."""
        if "|" in key and "@" not in key:        # W_f over [h; x]: its two blocks side by side, as the network's
            weights, order = key.split("|")
            gate = weights.split(":")[1]
            return np.hstack([self._raw(f"U:{gate}" if side == "h" else f"W:{gate}") for side in order])
        key, offset = key.split("@") if "@" in key else (key, "0")
        step = self.world.at + int(offset)
        found = self.world.lookup(key, step) if step >= 0 else None
        if step < 0 and self.world.lookup(key, 0):
            return np.zeros_like(self.world.lookup(key, 0)[0])
        if not found:
            raise Unfit(f"{spoken(key)} is not in this network")
        return found[0]

    def laid_out(self, found: np.ndarray):
        """A Jacobian (the top's axis first, then the bottom's) as the post lays it out."""
        below = [size for size in found.shape[1:] if size > 1]
        if found.ndim > 2 and len(below) == 1:     # by a column W (one input): by the vector it is
            found = found.reshape(found.shape[0], below[0])
        if found.ndim == 3:                      # ∂y/∂W, W a matrix: its three axes, for a row to contract
            operand = _operand_rows(found)
            if operand is not None and self.pick("jacobian by a weight", ("tensor", "operand")) == "operand":
                return operand                   # ∂z/∂W = x: ∂z_i/∂W_{ij} = x_j, the rows that are not zero
            return found
        if found.ndim != 2:
            raise Unfit("a Jacobian of matrices")
        diagonal = found.shape[0] == found.shape[1] and np.array_equal(found, np.diag(np.diag(found)))
        layout = self.pick("jacobian", ("numerator", "denominator") + (("entries",) if diagonal else ()))
        if layout == "entries":                  # ∂h/∂z = 1 - tanh²(z): an elementwise derivative, as a vector
            return np.diag(found).reshape(-1, 1)
        return found if layout == "numerator" else found.T

    def derivative(self, top: s.Node, bottom: s.Node, mode: str | None = None):
        """∂A/∂B (neither the loss): the Jacobian, or its entry where both carry indices."""
        top_split, bottom_split = split_indices(top), split_indices(bottom)
        top_node, top_letters = top_split or (top, [])
        bottom_node, bottom_letters = bottom_split or (bottom, [])
        keys = [key_of(n, self.world.kind, self.pick, self.post.aliases) for n in (top_node, bottom_node)]
        if keys[0] is None and keys[1] is not None and not top_split and not isinstance(top, (s.Sym, s.Scripted)):
            return self._operator(bottom, top)          # ∂tanh(z)/∂z: an expression of the network's by one of them
        if None in keys or any(k.startswith("d:") for k in keys):
            raise Unfit("a derivative of names this network does not relate")
        found = self._jacobian_at(keys[0], keys[1], mode)
        if found is None:
            raise Unfit("a derivative by what is not its own operand")
        if not top_letters and not bottom_letters:
            return self.laid_out(found)
        if found.ndim != len(top_letters) + len(bottom_letters):
            raise Unfit("indices that do not fit the Jacobian")
        return float(found[tuple(self._index(letter, size) for letter, size in
                                 zip(top_letters + bottom_letters, found.shape))])


def _operand_rows(found: np.ndarray) -> np.ndarray | None:
    """x where ∂z/∂W has ∂z_i/∂W_{ij} = x_j and zeros elsewhere (z = W x): the posts' shorthand ∂z/∂W = x."""
    size = found.shape[0]
    if found.shape[1] != size or not np.any(found):
        return None
    rows = found[np.arange(size), np.arange(size), :]
    rest = found.copy()
    rest[np.arange(size), np.arange(size), :] = 0
    if np.any(rest) or not np.allclose(rows, rows[0]):
        return None
    return rows[0].reshape(-1, 1)
