"""The δ of a typed post: Kronecker's (δ_{ij}, 1 where its two indices are equal) or backpropagation's
error, the loss's gradient at a tensor of the layer (δ_i, δ^l_{c,i,j}); and the indicator 1_{i=j}."""

from __future__ import annotations

import sympy as sp

from .. import syntax as s
from .lookup import Unread, View
from .names import ANOTHER, KRONECKER, index_pieces, is_label, label_text
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
        role = error_role(node, self.names)
        # δ_{ij}^{(l)}, δ^{(i)}_j: a bracketed superscript labels a layer (or a sample), so the error, never Kronecker
        labelled = node.sup is not None and node.sup.text.strip().startswith(("(", "[")) and is_label(node.sup.text)
        above = (index_pieces(node.sup.text) or []) if node.sup is not None and not labelled else []
        numbered = node.sup is None and self.names.numbered_error(KRONECKER) and all(p.isdigit() for p in pieces)
        if role is not None or (len(pieces + above) != 2 or numbered or labelled) and pieces and \
                (node.sup is None or is_label(node.sup.text)):
            # δ_i, δ^l_{c,i,j}: backpropagation's error; Kronecker's δ has two indices, letters (δ_{11} is the
            # error's entry where the post writes δ^l)
            self.target = True
            try:
                return self.point_adjoint(self.entry(role or unsaid(node), node.sub.text, view))
            finally:
                self.target = False
        pieces = pieces + above
        if len(pieces) != 2:
            raise Unread("a Kronecker delta with other than two indices is not read")
        a, b = (self.index(p, view) for p in pieces)
        return sp.Integer(int(a == b))


def error_role(node: s.Node, names) -> str | None:
    """The tensor of the layer whose loss gradient a δ under a layer's label is, where the post's labels say
    (Names.error_role; Unread where they make it another layer's). None: no δ under a layer's label, nothing
    said, or Kronecker's δ^i_j (an index above, where the post places none of its letters)."""
    if not (isinstance(node, s.Scripted) and node.base == s.Sym(KRONECKER) and node.sup is not None and
            is_label(node.sup.text)):
        return None
    label = label_text(node.sup.text)
    if len(label) == 1 and node.sub is not None and len(node.sub.text.strip("{} ")) == 1 and \
            not names.placed(label):
        return None
    said = names.error_role(label)
    if said == ANOTHER or said not in (None, "input", "output"):
        at = f"the loss's gradient at {names.error_letter}^{{{node.sup.text}}}" if names.error_letter else \
            "the error under another label than the output's"
        raise Unread(f"\\delta^{{{node.sup.text}}} is {at}: another layer's than the one the post's claims are "
                     "read on")
    return said


def unlabelled_error(names) -> str:
    """A δ without a label, as a whole tensor: the output's gradient, or that of the letter the post defines it
    by (δ_{ij} = ∂L/∂x_{ij}) where the layer's table names it so; Unread for another."""
    letter = names.error_letter
    if letter is None:
        return "output"
    role = names.role(letter)
    if role != "output":
        raise Unread(f"\\delta, the post's ∂L/∂{letter} ({role or 'no tensor of this layer'}), is not read as a "
                     "whole tensor")
    return role


def unsaid(node: s.Scripted) -> str:
    """Where the post's labels say nothing: δ^{l-1} the input's gradient, any other δ the output's."""
    below = node.sup is not None and label_text(node.sup.text).replace(" ", "").endswith("-1")
    return "input" if below else "output"


def _texts(condition) -> list[str]:
    """The index texts either side of a written condition (i=j, k = m+1)."""
    left, right = condition.text.split("=", 1)
    return [left.strip(), right.strip()]
