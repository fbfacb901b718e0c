"""Where a post writes a conv tensor's channel index: after the position's, as Y(i, j, k_in) and W(i', j', k_in, k)
do, or first (derive's and PyTorch's order, x_{c,i,j}). A channel's index is known only by a letter marked in or out
(k_in, c_{out}) on the layer's own maps and kernel: marked last (after the sample's, Z(n, i, j, c_out)) in every such
entry, the post's order is channel-last; a kernel's two marks, or its last letter, say which of its axes is the in-
and which the out-channel (W(a, b, c_out, c_in)). The channel's letter also says which side each map's entry is on:
Y(i, j, k_in) is the input's, whatever else Y names (an output, in other posts, or in this one: Y(i, j, k) =
f(Z(i, j, k)), one letter for two layers' maps). A map the post defines as a function of the output (Y = f(Z)) is
the activation, which the layer's tensors do not hold: never the output itself."""

from __future__ import annotations

import re

from .. import syntax as s
from .names import Names, index_pieces, named_call

_CHANNEL = re.compile(r"[a-z]_?(in|out)'*")
_SIDE = {"in": "input", "out": "output"}
MAPS = ("input", "output", "upstream")


def channel_order(names: Names, chains: list[s.Chain]) -> None:
    names.activated = {key for chain in chains if (key := _activation(names, chain)) is not None}
    entries = [(names.role(node.base.text, node.base.font), pieces) for chain in chains for node in s.nodes(chain)
               if isinstance(node, s.Scripted) and node.sub is not None and isinstance(node.base, s.Sym)
               for pieces in [index_pieces(node.sub.text) or []] if len(pieces) >= 3]
    maps = [pieces for role, pieces in entries if role in MAPS and any(_CHANNEL.fullmatch(p) for p in pieces)]
    kernels = [pieces for role, pieces in entries if role == "kernel" and len(pieces) == 4]
    marked = maps + [pieces for pieces in kernels if any(_CHANNEL.fullmatch(p) for p in pieces)]
    if not marked or not all(_last(pieces) for pieces in maps) or \
            not all(_CHANNEL.fullmatch(p) is None for pieces in kernels for p in pieces[:2]):
        return                                   # no mark, or one written first: derive's own order
    out_first = any(_side(pieces[2]) == "output" or _side(pieces[3]) == "input" for pieces in kernels)
    names.channels_last = (2, 3, 0, 1) if out_first else (2, 3, 1, 0)
    sides = {p: _side(p) for pieces in marked for p in pieces if _side(p) is not None}
    sides |= {pieces[2 if out_first else 3]: "output" for pieces in kernels}
    names.channel_sides = {letter: side for letter, side in sides.items() if side is not None}


def _last(pieces: list[str]) -> bool:
    """The one marked index of a map's entry is its last: (i, j, k_in), (n, i, j, c_out)."""
    return [k for k, p in enumerate(pieces) if _CHANNEL.fullmatch(p)] == [len(pieces) - 1]


def _side(piece: str) -> str | None:
    found = _CHANNEL.fullmatch(piece)
    return _SIDE[found.group(1)] if found else None


def _activation(names: Names, chain: s.Chain) -> str | None:
    """Y of Y = f(Z) (or Y_{ijk} = f(Z_{ijk}), y = max{0, z}, o = σ(y)), Z the layer's output: the post's name for
    the activation."""
    if len(chain.sides) != 2 or not isinstance(chain.sides[1], s.Juxt) or \
            named_call(chain.sides[1].items) is None and not _activated(chain.sides[1].items):
        return None
    left = chain.sides[0].base if isinstance(chain.sides[0], s.Scripted) else chain.sides[0]
    inside = [n for n in s.nodes(chain.sides[1]) if isinstance(n, (s.Sym, s.Scripted))]
    if not isinstance(left, s.Sym) or not any(names.role(*_text(n)) == "output" for n in inside) or \
            any(_text(n) == (left.text, left.font) for n in inside):        # y = max(0, y): the letter itself
        return None
    return Names.key(left.text, left.font)


def _text(node) -> tuple[str, str]:
    base = node.base if isinstance(node, s.Scripted) else node
    return (base.text, base.font) if isinstance(base, s.Sym) else ("", "")


def sided(names: Names, key: str, role: str | None, sub: str | None) -> str | None:
    """A map's role by its entry's channel letter (Y(i, j, k_in): the input), else the role its letter has; None for
    the post's activation (Y = f(Z)) where it would be the output."""
    if role in ("input", "output") and names.channel_sides and sub is not None:
        pieces = index_pieces(sub) or []
        if len(pieces) >= 3:
            role = names.channel_sides.get(pieces[-1], role)
    return None if role == "output" and key in names.activated else role


_ACTIVATIONS = ("max", "relu", "ReLU", "\\sigma", "sigma", "tanh", "f", "g")


def _activated(items) -> bool:
    """max{0, ·}, σ(·), tanh(·), ReLU(·) of one argument: an elementwise activation (a pool's max has more)."""
    head = items[0].name if items and isinstance(items[0], s.Func) else _text(items[0])[0] if items else ""
    if len(items) != 2 or not isinstance(items[1], (s.Paren, s.Args)) or head not in _ACTIVATIONS:
        return False
    arguments = items[1].items if isinstance(items[1], s.Args) else (items[1].inner,)
    return len(arguments) == 1 or head == "max" and len(arguments) == 2 and s.Num("0") in arguments


def activation_of_input(chain: s.Chain, names: Names, kind: str) -> str | None:
    """y_{cu} = max{0, x_{cu}} in a conv or pooling post: the output's letter set to an activation of one of the
    input's own entries is an activation layer's formula (a post that takes each block from x to y), not this
    layer's; None otherwise (a pooling layer's max runs over several entries, and is its own)."""
    if kind not in ("conv2d", "max_pool", "avg_pool") or len(chain.sides) != 2 or \
            names.role(*_text(chain.sides[0])) != "output":
        return None
    right = chain.sides[1]
    items = right.items if isinstance(right, s.Juxt) else ()
    if not _activated(items):
        return None
    inside = [n for n in s.nodes(items[1]) if isinstance(n, (s.Sym, s.Scripted)) and _text(n)[0]]
    if any(names.role(*_text(n)) not in ("input", None) for n in inside) or \
            not any(names.role(*_text(n)) == "input" for n in inside):
        return None
    return "an activation of the input's own entries: another layer's formula (the post takes each block from x " \
           "to y), not read as this layer's"
