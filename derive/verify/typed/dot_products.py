"""y · ∂L/∂y in a normalization post: the dot product of two whole vectors of the group (neither indexed),
the sum over the group's entries of their product, where the claim's other terms are written entry by entry
with a free index (∂L/∂x_j = (1/σ)(∂L/∂y_j - (Σ_i ∂L/∂y_i + (y · ∂L/∂y) y_j)/H)); in a claim of whole tensors
(∂E/∂γ = ∂E/∂Y · Z) the product is entry by entry. A parameter (γ) is no such vector."""

from __future__ import annotations

from .. import syntax as s
from .names import Names, is_loss_name

PER_ENTRY = ("input", "output", "normalized")


def dot_product(node: s.Node, names: Names) -> bool:
    """Whether the node is a · b of two unindexed vectors of the group (or their loss gradients)."""
    return isinstance(node, s.BinOp) and node.op in ("*", "\\cdot", "cdot") and names.normalizing and \
        _whole(node.left, names) and _whole(node.right, names)


def _whole(node: s.Node, names: Names) -> bool:
    while isinstance(node, s.Paren) and node.kind in ("{", "("):
        node = node.inner
    if isinstance(node, s.Sym):
        return names.role(node.text, node.font) in PER_ENTRY
    if isinstance(node, s.Frac):               # ∂L/∂y: the loss's gradient by a whole vector
        top, bottom = (_after_partial(part) for part in (node.num, node.den))
        return isinstance(top, s.Sym) and is_loss_name(top.text, top.font) and _whole(bottom, names) \
            if top is not None and bottom is not None else False
    return False


def _after_partial(part: s.Node) -> s.Node | None:
    """∂L -> L, ∂ y -> y; None where the part is not a partial of one name."""
    if isinstance(part, s.Juxt) and len(part.items) == 2 and isinstance(part.items[0], s.Partial):
        return part.items[1]
    return None
