"""The index letters a claim leaves free: those each side reads that no sum of that side binds."""

from __future__ import annotations

import re

from .. import syntax as s
from .evaluate import several_letters, sum_letter
from .lookup import ATTRIBUTES
from .names import COUNTS, LABELS, index_pieces, letters_of

_INDEX_LETTER = re.compile(r"^[A-Za-z](?:_[a-z]+)?'*$")


def free_letters(chain: s.Chain, counts=COUNTS) -> set[str]:
    """Each side's index letters that no sum of that side binds (the first side's x_{k,j} stays free
    where a later side sums over its own j)."""
    found = set()
    for side in chain.sides:
        summed, used = set(), set()
        # the nodes inside a sum's bounds (W_{out}) or a script (c_{out}): their index text is read whole
        bounds = {id(n) for b in s.nodes(side) if isinstance(b, (s.BigSum, s.Scripted))
                  for n in s.nodes([b.sup.node if b.sup else None, b.sub.node if b.sub else None]) if n is not None}
        for node in (n for n in s.nodes(side) if id(n) not in bounds):
            if isinstance(node, s.BigSum) and sum_letter(node) is not None:
                summed.add(sum_letter(node))
            if isinstance(node, s.BigSum):
                summed |= set(several_letters(node))
            if isinstance(node, s.Scripted):
                for script in (node.sub, node.sup):
                    if script is None or script.text in LABELS:
                        continue
                    for piece in index_pieces(script.text) or []:
                        used |= {k for k in letters_of(piece)
                                 if _INDEX_LETTER.match(k) and k not in counts and k not in ATTRIBUTES}
        found |= used - summed
    return found


def contracted(node: s.Node) -> set[str]:
    """The letters a side's vector of ones carries (\\mathbf{1}_b)."""
    return {piece for n in s.nodes(node) if isinstance(n, s.Scripted) and isinstance(n.base, s.Sym)
            and n.base.text == "1" and n.base.font and n.sub is not None for piece in index_pieces(n.sub.text) or []}
