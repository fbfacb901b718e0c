"""The δ of a typed post: Kronecker's (δ_{ij}, 1 where its two indices are equal) or backpropagation's
error, the loss's gradient at a tensor of the layer (δ_i, δ^l_{c,i,j}); and the indicator 1_{i=j}."""

from __future__ import annotations

import sympy as sp

from .. import syntax as s
from .lookup import Unread, View
from .names import KRONECKER, index_pieces, is_label
from .sums import Sums


class Deltas(Sums):
    def indicator(self, condition, view: View) -> sp.Expr:
        """1_{i=j}: 1 where the indices are equal, else 0."""
        if len(condition.sides) != 2 or condition.relations != ("=",):
            raise Unread(f"the indicator of {condition.text} is not read")
        a, b = (self.index(side_text, view) for side_text in _texts(condition))
        return sp.Integer(int(a == b))

    def kronecker(self, node: s.Scripted, view: View) -> sp.Expr:
        pieces = index_pieces(node.sub.text) or []
        role = error_role(node, self.names) if node.sup is not None and is_label(node.sup.text) else None
        # δ_{ij}^{(l)}, δ^{(i)}_j: a bracketed superscript labels a layer (or a sample), so the error, never Kronecker
        labelled = node.sup is not None and node.sup.text.strip().startswith(("(", "[")) and is_label(node.sup.text)
        above = (index_pieces(node.sup.text) or []) if node.sup is not None and not labelled else []
        numbered = node.sup is None and self.names.numbered_error(KRONECKER) and all(p.isdigit() for p in pieces)
        if role is not None or (len(pieces + above) != 2 or numbered or labelled) and pieces and \
                (node.sup is None or is_label(node.sup.text)):
            # δ_i, δ^l_{c,i,j}: backpropagation's error; Kronecker's δ has two indices, letters (δ_{11} is the
            # error's entry where the post writes δ^l)
            below = node.sup is not None and node.sup.text.strip("[]()").replace(" ", "").endswith("-1")
            self.target = True
            try:
                return self.point_adjoint(self.entry(role or ("input" if below else "output"), node.sub.text, view))
            finally:
                self.target = False
        pieces = pieces + above
        if len(pieces) != 2:
            raise Unread("a Kronecker delta with other than two indices is not read")
        a, b = (self.index(p, view) for p in pieces)
        return sp.Integer(int(a == b))


def error_role(node: s.Node, names) -> str | None:
    """The tensor of the layer whose loss gradient a δ under a layer's label is, where the post's labels say:
    where it sets δ^l = ∂C/∂z^l, the one z^l names (Unread where that is another layer's), or where it writes
    δ under several labels, the output's label's. None: no labelled δ, or nothing said."""
    if not (isinstance(node, s.Scripted) and node.base == s.Sym(KRONECKER) and node.sup is not None and
            is_label(node.sup.text)):
        return None
    label = node.sup.text.strip("[](){} ")
    said = names.error_role(label)
    if said is None:
        return None
    if said[0] not in ("input", "output"):
        letter = names.errors.get(KRONECKER)
        at = f"the loss's gradient at {letter}^{{{label}}}" if letter else "the error under another label than the output's"
        raise Unread(f"\\delta^{{{label}}} is {at}: another layer's than the one the post's claims are read on")
    return said[0]


def _texts(condition) -> list[str]:
    """The index texts either side of a written condition (i=j, k = m+1)."""
    left, right = condition.text.split("=", 1)
    return [left.strip(), right.strip()]
