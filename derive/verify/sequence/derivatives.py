"""How a sequence post writes a gradient and a time: ∂L/∂X, dL/dX, dX, d X, δX; a step's own loss's
gradient (∂L_t/∂X, ∂J_3/∂X); a step as t, t-1, ⟨t⟩, prev, next, or its number."""

from __future__ import annotations

import re

from .. import syntax as s
from ..typed.evaluate import derivative_parts as _partial_parts, is_loss

_TIME = re.compile(r"^(?:\\langle|\()?([a-z])([+-]\d)?(?:\\rangle|\))?$")


def time_offset(text: str | None) -> int | str | None:
    """t -> 0, t-1 -> -1, ⟨t⟩ -> 0, (t-1) -> -1, prev -> -1, next -> 'next', 3 -> '#3' (a step by its
    number); None: not a time."""
    if text is None:
        return None
    text = text.strip("{}")
    bare = re.sub(r"\\langle|\\rangle|[()]", "", text)
    if bare.isdigit() and len(bare) <= 2:
        return f"#{int(bare)}"
    if text in ("prev", "previous", "old"):
        return -1
    if text in ("next", "new", "cur", "curr", "current"):
        return "next"
    found = _TIME.match(text)
    if found and found.group(1) == "t":
        return int(found.group(2) or 0)
    return None


def derivative_parts(node: s.Frac) -> tuple[s.Node | None, s.Node] | None:
    """(what is differentiated, by what) of ∂a/∂b, and of da/db as posts also write it, and of ∂⁺a/∂b (held_fixed);
    None: not a derivative."""
    found = _partial_parts(node)
    if found is not None:
        return found
    if held_fixed(node):
        return _partial_parts(s.Frac(s.Juxt((s.Partial(),) + node.num.items[1:]), node.den))
    top, bottom = _after_d(node.num), _after_d(node.den)
    return None if top is None or bottom is None else (top, bottom)


def held_fixed(node: s.Frac) -> bool:
    """∂⁺h_k/∂W: Pascanu et al.'s immediate derivative, the earlier states held fixed."""
    first = node.num.items[0] if isinstance(node.num, s.Juxt) and len(node.num.items) > 1 else None
    return isinstance(first, s.Scripted) and first.base == s.Partial() and first.sub is None and \
        first.sup is not None and first.sup.text.strip() == "+"


def _after_d(part: s.Node) -> s.Node | None:
    """dL -> L, d a_o -> a_o, {d o_t} -> o_t."""
    while isinstance(part, s.Paren) and part.kind == "{":
        part = part.inner
    if isinstance(part, s.Juxt) and len(part.items) == 2 and part.items[0] == s.Sym("d"):
        return part.items[1]
    if isinstance(part, s.Sym) and part.text.startswith("d") and len(part.text) > 1 and not part.font:
        return s.Sym(part.text[1:])
    if isinstance(part, s.Scripted) and isinstance(part.base, s.Sym) and part.base.text.startswith("d") and \
            len(part.base.text) > 1 and not part.primes:
        return s.Scripted(s.Sym(part.base.text[1:]), part.sub, part.sup)
    return None


def adjoint_of(node: s.Node) -> s.Node | None:
    """What a gradient's name differentiates the loss by: ∂L/∂X, dX, d X, δX; None if it is none."""
    if isinstance(node, s.Frac):
        parts = derivative_parts(node)
        if parts is not None and parts[0] is not None and is_loss(parts[0]):
            return parts[1]
        return None
    if isinstance(node, s.Juxt) and len(node.items) == 2 and isinstance(node.items[0], s.Sym) and \
            node.items[0].text in ("d", "\\delta") and not isinstance(node.items[1], s.Num):
        return node.items[1]
    if isinstance(node, s.Sym) and node.text.startswith("d") and len(node.text) > 1 and not node.font:
        return s.Sym(node.text[1:])
    if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and node.base.text.startswith("d") and \
            len(node.base.text) > 1 and not node.base.font:
        return s.Scripted(s.Sym(node.base.text[1:]), node.sub, node.sup, node.primes)
    return None


def step_loss_of(node: s.Node, kind: str | None = None) -> tuple[s.Node, object] | None:
    """∂L_t/∂X, ∂E_t/∂X, ∂J_3/∂X: (X, the step's time) where one step's term of the loss is differentiated; in an
    LSTM (`kind`), C_t is the cell state, never a step's cost."""
    if not isinstance(node, s.Frac):
        return None
    parts = derivative_parts(node)
    if parts is None or parts[0] is None:
        return None
    top = parts[0]
    while isinstance(top, s.Paren) and top.kind == "{":
        top = top.inner
    if not isinstance(top, s.Scripted) or top.primes:
        return None
    time = top.sub.text if top.sub is not None and top.sup is None else top.sup.text if top.sup is not None \
        and top.sub is None else None
    offset = time_offset(time)
    if offset is None or offset == "next" or not is_loss(top.base) or \
            kind == "lstm" and getattr(top.base, "text", "") == "C":
        return None
    return parts[1], offset
