"""A sum that ends a braced group: {\\sum_j {a_{ij}}} b_{ij}, as MathType writes Σ_j a_ij b_ij. Braces are
not seen on the page, so the sum runs on over the factors written after the group (each of them: a sum the
grammar closed at a brace is the only sum a later factor meets outside its body)."""

from __future__ import annotations

from . import syntax as s


def into_braced_sum(left: s.Node, right: s.Node, op: str | None = None) -> s.Node | None:
    """The sum with `right` multiplied into its body (by `op`, or side by side); None where `left` is no
    braced group around a sum, nor such a sum already run on."""
    if isinstance(left, s.Juxt):                 # \frac{1}{2} {\sum_t …} h: the group last in a product
        last = into_braced_sum(left.items[-1], right, op)
        return None if last is None else s.Juxt(left.items[:-1] + (last,))
    if isinstance(left, (s.BigSum, s.BigProd)):  # {\sum_j …} a b: after the first factor, the next
        return _run_on(left, right, op)
    if not (isinstance(left, s.Paren) and left.kind == "{"):
        return None
    inner = left.inner
    while isinstance(inner, s.Paren) and inner.kind == "{":        # {{\sum_j …}}
        inner = inner.inner
    return _run_on(inner, right, op) if isinstance(inner, (s.BigSum, s.BigProd)) else None


def _run_on(total: s.Node, right: s.Node, op: str | None) -> s.Node:
    body = into_braced_sum(total.body, right, op)
    if body is None:
        body = s.BinOp(op, total.body, right) if op else s.Juxt(_items(total.body) + (right,))
    return type(total)(total.sub, total.sup, body)


def _items(node: s.Node) -> tuple:
    return node.items if isinstance(node, s.Juxt) else (node,)
