"""A step written by another letter than t: ∂h_j/∂h_{j-1} = f'(W h_{j-1} + U x_j) W, inside a product over j
or on its own. Where a claim's only step letter is one (j, k, τ) it writes with an offset (h_{j-1}) and
neither sums over nor names t, the claim holds at every step j: it is read with t for the letter."""

from __future__ import annotations

import re
from dataclasses import replace

from .. import syntax as s
from ..at_point import replaced
from ..reader import ReadError, read
from .derivatives import derivative_parts, step_loss_of

_OFFSET = re.compile(r"_\{\s*([a-su-zA-Z]|\\tau)\s*[-+]\s*\d+\s*\}")
_SUBSCRIPT = r"_(?:\{{\s*{letter}\s*(?P<offset>[-+]\s*\d+)?\s*\}}|{letter}(?![A-Za-z0-9]))"
_TIME = re.compile(r"_(?:\{\s*t\s*(?:[-+]\s*\d+)?\s*\}|t(?![A-Za-z0-9]))|\\(?:sum|prod)_\{?\s*t\b")


def at_step_t(chain: s.Chain) -> s.Chain:
    """The chain with its one other step letter read as t; the chain itself where there is none or several."""
    text = chain.text
    letters = {found.group(1) for found in _OFFSET.finditer(text)}
    if len(letters) != 1 or _TIME.search(text):
        return chain
    letter = letters.pop()
    escaped = re.escape(letter)
    if re.search(rf"\\(?:sum|prod)(?:\\limits)?_\{{?\s*{escaped}\b", text):
        return chain                      # a sum or product over the letter: it runs, it is no step in view
    pattern = re.compile(_SUBSCRIPT.format(letter=escaped))
    renamed = pattern.sub(lambda found: "_{t" + (found.group("offset") or "").replace(" ", "") + "}", text)
    try:
        lines = read(renamed)
    except ReadError:
        return chain
    if len(lines) != 1 or lines[0].chain is None or len(lines[0].chain.sides) != len(chain.sides):
        return chain
    found = lines[0].chain
    return s.Chain(found.sides, chain.relations, chain.continued, chain.text, chain.offset, chain.lines)


def on_one_steps_loss(chain: s.Chain, kind: str) -> s.Chain:
    """∂L_t/∂i_t = ∂L/∂C_t ∂C_t/∂i_t: inside a chain about one step's loss, a bare ∂L of the same letter that is a
    factor of a chain rule is that step's loss, which the post writes without its step; a whole side (∂L_t/∂h_t =
    ∂L/∂h_t) is left as written. The chain itself where there is none."""
    top = derivative_parts(chain.sides[0])[0] if step_loss_of(chain.sides[0], kind) is not None else None
    while isinstance(top, s.Paren) and top.kind == "{":
        top = top.inner
    if not isinstance(top, s.Scripted) or not isinstance(top.base, s.Sym):
        return chain
    bare = top.base

    def stepped(node: s.Node) -> s.Node:
        parts = derivative_parts(node) if isinstance(node, s.Frac) else None
        if parts is None or parts[0] is None or _unwrapped(parts[0]) != bare or any(node is side for side in sides):
            return node                  # a whole side ∂L/∂h_t stays the whole loss's: only a chain rule's factor
        return replace(node, num=replaced(node.num, bare, top))

    sides = chain.sides
    rebuilt = s.rebuilt(sides, stepped)
    return chain if rebuilt is sides else replace(chain, sides=rebuilt)


def _unwrapped(node: s.Node) -> s.Node:
    while isinstance(node, s.Paren) and node.kind == "{":
        node = node.inner
    return node


def through_its_state(chain: s.Chain, kind: str) -> s.Chain:
    """∂J_3/∂h_k, one step's loss by an earlier state, as ∂J_3/∂h_3 ∂h_3/∂h_k: step 3's loss reads h_k only through
    h_3 (its output is read from h_3), so this is the chain rule, and each factor is one verify reads. Only as a
    factor of a product of derivatives (Σ_k ∂J_t/∂h_k ∂⁺h_k/∂W), or as a whole side beside sides that are such
    products: beside a row-form right side (∂J_t/∂h_t diag(1 - h_t²) W) its layout is not known. The chain itself
    where there is none."""
    def through(node: s.Node) -> s.Node:
        found = step_loss_of(node, kind) if isinstance(node, s.Frac) else None
        bottom = _unwrapped(found[0]) if found is not None else None
        top = _unwrapped(derivative_parts(node)[0]) if found is not None else None
        if not (isinstance(bottom, s.Scripted) and bottom.base == s.Sym("h") and bottom.sub is not None and
                bottom.sup is None and isinstance(top, s.Scripted)):
            return node
        step = (top.sub or top.sup).text.strip("{}() ")
        if bottom.sub.text.strip("{} ") == step:
            return node
        state = s.Scripted(bottom.base, s.Script(step, None), None, 0)
        return s.Juxt((s.Frac(node.num, s.Juxt((s.Partial(), state))),
                       s.Frac(s.Juxt((s.Partial(), state)), s.Juxt((s.Partial(), bottom)))))

    def in_products(node: s.Node) -> s.Node:          # a factor of a chain rule, never a whole side or term
        if not isinstance(node, s.Juxt) or not all(isinstance(_unwrapped(i), s.Frac) for i in node.items):
            return node
        items = tuple(through(_unwrapped(item)) for item in node.items)
        return node if all(a is b for a, b in zip(items, node.items)) else s.Juxt(items)

    sides = s.rebuilt(chain.sides, in_products)
    if all(isinstance(side, s.Juxt) and all(isinstance(_unwrapped(i), s.Frac) for i in side.items) or
           isinstance(side, s.Frac) for side in sides):       # ∂J_3/∂h_1 = ∂J_3/∂h_3 ∂h_3/∂h_2 ∂h_2/∂h_1: chains only
        sides = tuple(through(side) if isinstance(side, s.Frac) else side for side in sides)
    return chain if all(a is b for a, b in zip(sides, chain.sides)) else replace(chain, sides=sides)
