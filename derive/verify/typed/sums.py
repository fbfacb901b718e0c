"""The sums of a typed post's formula: each letter's range as the post writes it (Σ_{i=1}^{N}, Σ_r^n,
Σ_{k≠i}, Σ_{n,f,k,l}, a bare Σ_i over the axis i indexes), a sum over the other axis than the
statistics' (layer norm's Σ_{n=1}^{N}), and a sum longer than the axis it indexes (wrong)."""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from .. import syntax as s
from .lookup import Lookup, SumTooLong, Unread, View
from .names import COUNTS, KRONECKER, arithmetic, axes_for, index_pieces


class Sums(Lookup):
    def _BigSum(self, node: s.BigSum, view: View):
        letters = several_letters(node)
        if letters:                   # Σ_{n,f,k,l}: one sum per letter, each over the axis it indexes
            inner = node.body
            for letter in reversed(letters):
                inner = s.BigSum(s.Script(letter, s.Sym(letter)), None, inner)
            return self.side(inner, view)
        if self._across(node):
            letter = sum_letter(node)
            low = view.base
            total = sp.Integer(0)
            for k in range(low, low + self.groups):
                inner = replace(view, indices=view.indices | {letter: k}, sums=view.sums + (letter,),
                                across=view.across + (letter,), group=k - low)
                total += self.side(node.body, inner)
            return total
        letter, low, high = self._range(node, view)
        skipped = self._skipped(node, view)
        total = sp.Integer(0)
        for k in range(low, high + 1):
            if k == skipped:
                continue
            inner = replace(view, indices=view.indices | {letter: k}, sums=view.sums + (letter,),
                            lows=view.lows | ({letter: low} if low in (0, 1) and node.sub is not None else {}))
            total += self.side(node.body, inner)
        return total

    def _across(self, node: s.BigSum) -> bool:
        """Σ_{i=1}^{N} where N counts the other axis than the statistics' (the samples, in layer norm);
        NumPy's Σ^{axis=k} over the other axis."""
        axis = _numpy_axis(node)
        if axis is not None and self.model.normalizing:
            return axis != self.model.group_axis
        if not (self.model.normalizing and self.group_counts and node.sup is not None):
            return False
        top = node.sup.node
        return isinstance(top, s.Sym) and top.text in self.names.counts and top.text not in self.group_counts \
            and sum_letter(node) is not None

    def _letter_size(self, body: s.Node, letter: str) -> int | None:
        """Σ_i without a range: i runs over the axis it indexes, where it is one entry's index alone."""
        for node in s.nodes(body):
            if not (isinstance(node, s.Scripted) and node.sub is not None and isinstance(node.base, s.Sym)):
                continue
            pieces = index_pieces(node.sub.text) or []
            key = self.names.key(node.base.text, node.base.font)
            defined = self.names.macros.get(key)
            if defined is not None and letter in pieces and len(defined[0]) == len(pieces):
                # δ_{i,j} = ∂H/∂x_{i,j} above: i runs over the axis its own definition's letter indexes there
                size = self._letter_size(defined[1], defined[0][pieces.index(letter)])
                if size is not None:
                    return size
            role = self.names.role(node.base.text, node.base.font)
            if role is None and node.base == s.Sym(KRONECKER) and (len(pieces) != 2 or KRONECKER in self.names.labelled):
                role = "output"                     # Σ_i Σ_j δ_{i,j}: the error's entries (not Kronecker's)
            if letter not in pieces or role not in self.model.tensors:
                continue
            tensor = self.model.tensors[role]
            axes = axes_for(role, self.model.kind, len(pieces), len(tensor.shape), self.names.channels_last)
            if axes is not None:
                return tensor.shape[axes[pieces.index(letter)]]
        return None

    def _skipped(self, node: s.BigSum, view: View) -> int | None:
        """Σ_{k≠i}: the value of i, left out of the sum."""
        pair = _unequal(node, view)
        if pair is not None:
            other = pair[1]
            while isinstance(other, s.Paren) and other.kind == "{":      # k ≠ {\rm i}
                other = other.inner
            return self.index(other.text, view) + view.base if isinstance(other, s.Sym) else None
        return None

    def _range(self, node: s.BigSum, view: View) -> tuple[str, int, int]:
        sub = node.sub.node if node.sub is not None else None
        if _unequal(node, view) is not None:
            sub = _unequal(node, view)[0]         # Σ_{k≠i}: k over its axis, i left out (_skipped)
        if sub is None and (node.sup is None or _numpy_axis(node) is not None):
            letter, low, high = sum_letter(node), None, None
        elif isinstance(sub, s.Chain) and len(sub.sides) == 2 and letter_name(sub.sides[0]) is not None:
            letter = letter_name(sub.sides[0])
            low = int(self.side(sub.sides[1], view))
            try:
                high = _whole(self.side(node.sup.node, view)) if node.sup is not None and node.sup.node is not None \
                    else None
            except (Unread, TypeError):     # Σ_{i=0}^{N-m}: the post's own sizes; i runs over the axis it indexes
                size = None if self.model.normalizing else self._letter_size(node.body, letter)
                if size is None:
                    raise
                high = low + size - 1
        elif isinstance(sub, s.Sym) and node.sup is None:
            letter, low, high = sub.text, None, None
        elif isinstance(sub, s.Sym) and node.sup.node is not None:       # Σ_r^n: n terms, from the post's first index
            letter, low = sub.text, view.base
            high = low + _whole(self.side(node.sup.node, view)) - 1
        else:
            raise Unread("a sum's range is not read")
        if low is None:
            size = self.group_size if self.model.normalizing else self._letter_size(node.body, letter)
            low, high = view.base, None if size is None else size - 1 + view.base
        if high is None:
            raise Unread("a sum without its range is not read in a conv layer's formula")
        if self.model.normalizing and high - low + 1 > self.group_size:
            raise SumTooLong(f"the sum over {letter} from {low} to {high} has {high - low + 1} terms; "
                             f"the layer normalizes over {self.group_size}")
        longest = self._axis_sizes(node.body, letter) if isinstance(sub, s.Chain) and node.sup is not None else []
        if longest and high - low + 1 > max(size for _, size in longest):
            role, size = max(longest, key=lambda found: found[1])
            raise SumTooLong(f"the sum over {letter} from {low} to {high} has {high - low + 1} terms; the {role}'s "
                             f"axis it indexes has {size}")
        return letter, low, high

    def _axis_sizes(self, body: s.Node, letter: str) -> list[tuple[str, int]]:
        """(role, size) of every axis of a conv's or pool's tensor that `letter` alone indexes in `body`
        (the input's only where the layer pads nothing: x̃'s axes are longer)."""
        found = []
        if self.model.normalizing:
            return found
        padding = self.model.attributes.get("padding", 0)
        for node in s.nodes(body):
            if not (isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and node.sub is not None):
                continue
            role = self.names.role(node.base.text, node.base.font)
            if role is None and node.base.text.startswith("d"):
                role = self.names.role(node.base.text[1:])
            pieces = index_pieces(node.sub.text) or []
            if role not in self.model.tensors or letter not in pieces or role == "input" and padding:
                continue
            tensor = self.model.tensors[role]
            axes = axes_for(role, self.model.kind, len(pieces), len(tensor.shape), self.names.channels_last)
            if axes is not None:
                found.append((role, tensor.shape[axes[pieces.index(letter)]]))
        return found


def _whole(value) -> int:
    """A sum's bound as a whole number; a bound that is an entry's value (W_{out} read as the kernel's) is none."""
    if not (getattr(value, "is_Integer", False) or isinstance(value, int)):
        raise TypeError("not a whole number")
    return int(value)


def letter_name(node: s.Node) -> str | None:
    """An index letter as a sum or a subscript writes it: i, or c_{out} (as c_out, the way index_pieces reads it)."""
    if isinstance(node, s.Sym) and not node.font:
        return node.text
    if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and node.sup is None and node.sub is not None \
            and node.sub.text.isalpha():
        return f"{node.base.text}_{node.sub.text}"
    if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and not node.base.font and node.primes and \
            node.sub is None and node.sup is None:
        return node.base.text + "'" * node.primes                  # i': a primed index letter
    return None


def _numpy_axis(node: s.BigSum) -> int | None:
    """Σ^{axis=0}: NumPy's sum over an axis of the (samples, features) tensor."""
    top = node.sup.node if node.sup is not None else None
    if node.sub is None and isinstance(top, s.Chain) and len(top.sides) == 2 and \
            isinstance(top.sides[0], s.Sym) and top.sides[0].text == "axis" and isinstance(top.sides[1], s.Num):
        return int(top.sides[1].text)
    return None


def several_letters(node: s.BigSum) -> list[str]:
    """Σ_{n,f,k,l} and Σ_{i",j"}: the letters of a sum over several indices at once (none: one index)."""
    if node.sub is None or node.sup is not None or node.sub.node is not None or "," not in node.sub.text:
        return []
    pieces = index_pieces(node.sub.text) or []
    return pieces if pieces and all((p[0].isalpha() or p[0] == "\\") and not arithmetic(p) for p in pieces) else []


def sum_letter(node: s.BigSum) -> str | None:
    """The letter a sum runs over: its own (Σ_{i=1}^N, Σ_j), else, for a bare Σ, the one index its
    body writes (Σ dl/dout_i), else • (Σ dy: over the unindexed entries)."""
    if _numpy_axis(node) is not None:
        return "•"
    sub = node.sub.node if node.sub is not None else None
    if isinstance(sub, s.Chain) and sub.sides and letter_name(sub.sides[0]) is not None:
        return letter_name(sub.sides[0])
    if isinstance(sub, s.Sym):
        return sub.text
    if sub is not None or node.sup is not None:
        return None
    for item in s.nodes(node.body):
        if isinstance(item, s.Scripted) and item.sub is not None:
            pieces = index_pieces(item.sub.text) or []
            if len(pieces) == 1 and pieces[0].isalpha() and len(pieces[0]) == 1 and pieces[0] not in COUNTS:
                return pieces[0]
    return "•"


def _unequal(node: s.BigSum, view: View) -> tuple[s.Node, s.Node] | None:
    """(the letter summed, the one left out) of Σ_{k≠i}, or of Σ_{i≠k} where i is the claim's own index
    (bound in the view) and k is not: the letter summed is the free one."""
    sub = node.sub.node if node.sub is not None else None
    if not (isinstance(sub, s.Chain) and sub.relations in (("\\ne",), ("\\neq",)) and len(sub.sides) == 2):
        return None
    first, second = sub.sides
    if isinstance(first, s.Sym) and isinstance(second, s.Sym) and first.text in view.indices and \
            second.text not in view.indices:
        return second, first
    return first, second
