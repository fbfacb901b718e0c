"""Prose that names one factor of the chain rule just written, or one term of a sum, and says what it is: "the
first term above is just $-y_t/\\hat{y}_t$, while the middle term ... evaluates to $$\\hat{y}_k(\\delta_{kl} -
\\hat{y}_k)$$". Each such reference, with the formula that follows it, is the claim factor = formula, at the
formula's line: the factors of a product of derivatives (first, second, third, middle, last), or else the
terms of a sum. Only prose is searched, and only the formula written next, before any other reference."""

from __future__ import annotations

import re

from .. import syntax as s
from ..reader import ReadError, read
from ..region import Region

_NAMED = re.compile(r"\b(first|second|third|fourth|middle|last|final)\s+(term|factor)\b", re.IGNORECASE)
_PLACES = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1, "final": -1}
# between the reference and its formula: words that say the formula is its value, in the same sentence
_IS = re.compile(r"\b(?:is|are|evaluates to|equals|gives|becomes|simplif(?:y|ies) to|reduces to)\b|=")
_SENTENCE_END = re.compile(r"[.!?]\s")
MAX_GAP = 200


def named_terms(document: str, regions: list[Region], found: list) -> list[tuple[Region, s.Chain, int]]:
    """(the formula's region, factor = formula, its line) for each reference the prose makes."""
    math = sorted((r for r in regions if not r.plain and not r.code), key=lambda r: r.start)
    references = [m for m in _NAMED.finditer(document)
                  if not any(r.start <= m.start() < r.end for r in regions)]
    claims = []
    for k, reference in enumerate(references):
        limit = references[k + 1].start() if k + 1 < len(references) else len(document)
        formula = next((r for r in math if reference.end() <= r.start < limit), None)
        before = [chain for region, chain, _ in found if region.end <= reference.start() and len(chain.sides) >= 2]
        if formula is None or not before or any(reference.end() <= r.start < formula.start for r in math):
            continue
        gap = document[reference.end():formula.start]
        if len(gap) > MAX_GAP or not _IS.search(gap) or _SENTENCE_END.search(gap):
            continue                       # "the last term, the derivative of $h_t$": no value said
        part = _part(before[-1].sides[-1], reference.group(1).lower(), reference.group(2).lower())
        written = _expression(formula.text)
        if part is not None and written is not None:
            line = formula.line + formula.text[:len(formula.text) - len(formula.text.lstrip())].count("\n")
            claims.append((formula, s.Chain((part, written), ("=",), False, formula.text.strip(), 0), line))
    return claims


def _part(side: s.Node, place: str, kind: str) -> s.Node | None:
    """The named factor of a product of derivatives, or (a term) the named term of a sum."""
    factors = list(side.items) if isinstance(side, s.Juxt) else []
    if len(factors) >= 2 and all(isinstance(item, s.Frac) for item in factors):
        parts = factors
    elif kind == "term":
        parts = [term if sign > 0 else s.Neg(term) for sign, term in _terms(side)]
        if len(parts) < 2:
            return None
    else:
        return None
    if place == "middle":
        return parts[1] if len(parts) == 3 else None
    index = _PLACES[place]
    return parts[index] if -len(parts) <= index < len(parts) else None


def _terms(node: s.Node) -> list[tuple[int, s.Node]]:
    if isinstance(node, s.BinOp) and node.op in ("+", "-"):
        flip = -1 if node.op == "-" else 1
        return _terms(node.left) + [(flip * sign, term) for sign, term in _terms(node.right)]
    return [(1, node)]


def _expression(text: str) -> s.Node | None:
    """The one expression a formula writes (a trailing comma or full stop aside); None for a relation."""
    try:
        lines = [line for line in read(text.strip().rstrip(",.;")) if line.chain is not None]
    except ReadError:
        return None
    if len(lines) != 1 or len(lines[0].chain.sides) != 1:
        return None
    return lines[0].chain.sides[0]
