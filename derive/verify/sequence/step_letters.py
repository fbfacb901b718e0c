"""A step written by another letter than t: ∂h_j/∂h_{j-1} = f'(W h_{j-1} + U x_j) W, inside a product over j
or on its own. Where a claim's only step letter is one (j, k, τ) it writes with an offset (h_{j-1}) and
neither sums over nor names t, the claim holds at every step j: it is read with t for the letter."""

from __future__ import annotations

import re

from .. import syntax as s
from ..reader import ReadError, read

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
