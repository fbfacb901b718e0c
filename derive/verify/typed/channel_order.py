"""Where a post writes a conv tensor's channel index: after the position's, as Y(i, j, k_in) and W(i', j', k_in, k)
do, or first (derive's and PyTorch's order, x_{c,i,j}). A channel's index is known only by a letter marked in or out
(k_in, c_{out}); one written last in any entry of three or more indices sets the post's order. The channel's letter
also says which side each entry is on: Y(i, j, k_in) is the input's, whatever else Y names (an output, in other
posts, or in this one: Y(i, j, k) = f(Z(i, j, k)), one letter for two layers' maps); a kernel's last letter
(W(i', j', k_in, k): k) is the output's channel."""

from __future__ import annotations

import re

from .. import syntax as s
from .names import Names, index_pieces

_CHANNEL = re.compile(r"[a-z]_?(in|out)'*")
_SIDE = {"in": "input", "out": "output"}


def channel_order(names: Names, chains: list[s.Chain]) -> None:
    entries = [(node, pieces) for chain in chains for node in s.nodes(chain)
               if isinstance(node, s.Scripted) and node.sub is not None and isinstance(node.base, s.Sym)
               for pieces in [index_pieces(node.sub.text) or []]
               if len(pieces) >= 3 and not any(_CHANNEL.fullmatch(piece) for piece in pieces[:2])]
    marked = [(node, pieces) for node, pieces in entries if _CHANNEL.fullmatch(pieces[-2 if len(pieces) == 4 else -1])]
    if not marked:
        return
    names.channels_last = True
    sides = {letter: _SIDE[found.group(1)] for _, pieces in marked for letter in pieces[2:]
             if (found := _CHANNEL.fullmatch(letter))}
    sides |= {pieces[3]: "output" for _, pieces in marked if len(pieces) == 4 and pieces[3] not in sides}
    names.channel_sides = sides


def sided(names: Names, role: str | None, sub: str | None) -> str | None:
    """A map's role by its entry's channel letter (Y(i, j, k_in): the input), else the role its letter has."""
    if role not in ("input", "output") or not names.channel_sides or sub is None:
        return role
    pieces = index_pieces(sub) or []
    return names.channel_sides.get(pieces[-1], role) if len(pieces) == 3 else role
