"""The index letters a claim leaves free: those each side reads that no sum of that side binds."""

from __future__ import annotations

import re

from .. import syntax as s
from .evaluate import derivative_parts, is_loss, several_letters, sum_letter
from .lookup import ATTRIBUTES
from .index_values import letters_of
from .names import COUNTS, LABELS, index_pieces

_INDEX_LETTER = re.compile(r"^(?:[A-Za-z](?:_[a-z]+)?'*|\\(?:alpha|beta|mu|nu|kappa|lambda|rho|tau|xi|eta|zeta|iota))$")


def free_letters(chain: s.Chain, counts=COUNTS) -> set[str]:
    """Each side's index letters that no sum around them binds (the first side's x_{k,j} stays free where a
    later side sums over its own j; w_h before Σ_h is free, as it is read)."""
    found, first = set(), None
    for side in chain.sides:
        used: set[str] = set()
        if first is None:           # -(x_j - μ) + Σ_{j≠k} (x_k - μ): the side's own j outside its sums is free
            _unbound(side, frozenset(), None, counts, used, into_sums=False)
        _unbound(side, frozenset(), first if first is not None else set(used), counts, used)
        found |= used
        first = used if first is None else first
    # z_{pq} = … I_{2p+m, …}: a letter the first side indexes by is the claim's own, though p alone is the padding
    return found | (_indexing(chain.sides[0]) & set(ATTRIBUTES))


def _indexing(node) -> set[str]:
    return {k for n in s.nodes(node) if isinstance(n, s.Scripted) for script in (n.sub, n.sup)
            if script is not None and script.text not in LABELS and len(index_pieces(script.text) or []) <= 3
            for piece in index_pieces(script.text) or [] for k in letters_of(piece)}     # Y_{pred}: a word


def _unbound(node, bound: frozenset, first: set[str] | None, counts, used: set[str], into_sums: bool = True) -> None:
    """The index letters of `node` outside every sum over them, into `used` (`into_sums` False: outside every
    sum); a sum's bounds and a script's own nodes (W_{out}, c_{out}) are read as text."""
    if isinstance(node, s.BigSum):
        if not into_sums:
            return
        letters = set(several_letters(node))
        if sum_letter(node) is not None:
            letters.add(_summed_of_unequal(node, first) or sum_letter(node))
        _unbound(node.body, bound | letters, first, counts, used, into_sums)
        return
    if isinstance(node, s.Scripted):
        for script in (node.sub, node.sup):
            if script is None or script.text in LABELS:
                continue
            for piece in index_pieces(script.text) or []:
                used |= {k for k in letters_of(piece) if _INDEX_LETTER.match(k) and k not in counts
                         and k not in ATTRIBUTES and k not in bound}
        _unbound(node.base, bound, first, counts, used, into_sums)
        return
    if isinstance(node, (list, tuple)):
        for item in node:
            _unbound(item, bound, first, counts, used, into_sums)
        return
    for name in s.node_fields(node):
        _unbound(getattr(node, name), bound, first, counts, used, into_sums)


def _summed_of_unequal(node: s.BigSum, first: set[str] | None) -> str | None:
    """Σ_{j≠k} on a right side whose left reads j and not k: the sum runs over k (sums.py's _unequal)."""
    sub = node.sub.node if node.sub is not None else None
    if first is None or not (isinstance(sub, s.Chain) and sub.relations in (("\\ne",), ("\\neq",))) or \
            not all(isinstance(side, s.Sym) for side in sub.sides) or len(sub.sides) != 2:
        return None
    written, other = (side.text for side in sub.sides)
    return other if written in first and other not in first else None


def contracted(node: s.Node) -> set[str]:
    """The letters a side's vector of ones carries (\\mathbf{1}_b)."""
    return {piece for n in s.nodes(node) if isinstance(n, s.Scripted) and isinstance(n.base, s.Sym)
            and n.base.text == "1" and n.base.font and n.sub is not None for piece in index_pieces(n.sub.text) or []}


def case_part(chain: s.Chain, case: tuple | None) -> str | None:
    """Why a claim of the loss's gradient under a stated case ("for j = i", "for j ≠ i") is one part of a
    sum, not the gradient: it never writes the case's summed letter, or it is one sum over that case alone
    (Σ_{k≠i} …, where the other case's term is missing); None where it is not so."""
    if case is None or not isinstance(chain.sides[0], s.Frac):
        return None
    parts = derivative_parts(chain.sides[0])
    summed, kept, equal = case
    if parts is None or parts[0] is None or not is_loss(parts[0]):
        return None
    if summed in _letters_anywhere(chain) and not all(_restricted_sum(side) for side in chain.sides[1:]):
        return None
    return (f"stated for {summed} {'=' if equal else '≠'} {kept}, it is that case's part of the sum over {summed} "
            "that makes the gradient, which is not checked alone")


def _letters_anywhere(chain: s.Chain) -> set[str]:
    """Every index letter the claim writes, in a script or under a sum."""
    found = set()
    for node in s.nodes(chain):
        if isinstance(node, s.Scripted) and node.sub is not None:
            found |= set(letters_of(node.sub.text))
        if isinstance(node, s.BigSum) and node.sub is not None:
            found |= set(letters_of(node.sub.text))
    return found


def _restricted_sum(side: s.Node) -> bool:
    """Σ_{k ≠ i} …: one sum, over the entries a condition (≠) picks."""
    while isinstance(side, s.Paren):
        side = side.inner
    return isinstance(side, s.BigSum) and side.sub is not None and isinstance(side.sub.node, s.Chain) and \
        side.sub.node.relations in (("\\ne",), ("\\neq",))
