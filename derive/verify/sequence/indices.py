"""Entries of a sequence post's names: A_{ij}, ŷ_{t_k}, {h_{t-1}}_j, S_{ik}; the Kronecker δ_{kl}. An
index is one letter; the judge runs each free one over its axis (judge.py)."""

from __future__ import annotations

import re

from .. import syntax as s

INDEX_LETTERS = "ijklmnpqsuv"
KRONECKER = "\\delta"
_TIMED = re.compile(r"^\{?(t(?:[+-]\d)?|[a-z]{1,2})[_,]\{?([a-z])\}?\}?$")     # t_k, t,k, y_i: a step or role, an index


def letters(text: str) -> list[str] | None:
    """'ij', 'i,j', '{ij}' -> ['i', 'j']; '12', '1,2' (a matrix's entry, as worked examples number it)
    -> ['#1', '#2'], fixed indices; None where the subscript is not indices alone."""
    text = text.strip("{}").replace(",", "").replace(" ", "")
    if len(text) == 2 and text.isdigit():        # one digit alone stays a step: h_1
        return [f"#{digit}" for digit in text]
    if not text or len(text) > 3 or any(c not in INDEX_LETTERS for c in text):
        return None
    return list(text)


def split_indices(node: s.Node) -> tuple[s.Node, list[str]] | None:
    """(the name without its indices, the indices), or None where it has none."""
    if not isinstance(node, s.Scripted) or node.sub is None or node.primes:
        return None
    base = node.base
    while isinstance(base, s.Paren) and base.kind == "{":
        base = base.inner
    found = letters(node.sub.text)
    if found is not None:
        if isinstance(base, s.Scripted):            # {h_{t-1}}_j: the indices of a name with a step
            return (s.Scripted(base.base, base.sub, node.sup or base.sup), found) if node.sup is None or \
                base.sup is None else None
        return s.Scripted(base, None, node.sup) if node.sup else base, found
    timed = _TIMED.match(node.sub.text)
    if timed:                                       # y_{t_k}: step t's vector, entry k
        time = s.Script(timed.group(1), None)
        return s.Scripted(base, time, node.sup), [timed.group(2)]
    return None


def kronecker(node: s.Node) -> tuple[str, str] | None:
    """δ_{kl}: its two index letters."""
    if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and node.base.text == KRONECKER and \
            node.sub is not None and node.sup is None:
        found = letters(node.sub.text)
        if found is not None and len(found) == 2:
            return found[0], found[1]
    return None
