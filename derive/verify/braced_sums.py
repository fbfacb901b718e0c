"""A sum that ends a braced group: {\\sum_j {a_{ij}}} b_{ij}, as MathType writes Σ_j a_ij b_ij. Braces are
not seen on the page, so the sum runs on over the factors written after the group."""

from __future__ import annotations

from . import syntax as s


def into_braced_sum(left: s.Node, right: s.Node, op: str | None = None) -> s.Node | None:
    """The sum with `right` multiplied into its body (by `op`, or side by side); None where `left` is no
    braced group around a sum."""
    if not (isinstance(left, s.Paren) and left.kind == "{"):
        return None
    inner = left.inner
    if isinstance(inner, (s.BigSum, s.BigProd)):
        body = into_braced_sum(inner.body, right, op)
        if body is None:
            body = s.BinOp(op, inner.body, right) if op else s.Juxt(_items(inner.body) + (right,))
        return type(inner)(inner.sub, inner.sup, body)
    return None


def _items(node: s.Node) -> tuple:
    return node.items if isinstance(node, s.Juxt) else (node,)
