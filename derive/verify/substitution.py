"""A formula, then the same formula with the post's numbers put in.

`\\delta = (target - output)(1 - output) output = (0.5 - 0.69)(1 - 0.69) 0.69`: the second side is the
first with a figure in place of each name, so `output` stood for 0.69 and `target` for 0.5. Two
sides are compared node by node; where they have the same shape, each name of the first is paired
with the figure the second writes in its place. Names the post never defines are bound that way
(binding.py), as by any other figure.
"""

from __future__ import annotations

from decimal import Decimal

from . import syntax as s
from .vocabulary import key
from .written import every_name

MAX_NODES = 200           # sides compared node by node: a long formula is compared no further


def substitutions(chain: s.Chain) -> list[tuple[s.Node, float, float]]:
    """(name, figure, half a unit of its last digit) for each name a later side of the chain writes
    a figure for, in the same place of the same formula."""
    found: list[tuple[s.Node, float, float]] = []
    for before, after in zip(chain.sides, chain.sides[1:]):
        pairs: list[tuple[s.Node, float, float]] = []
        if _walk(before, after, pairs, [0]) and pairs:
            found.extend(pairs)
    return found


def unpaired(chain: s.Chain) -> set[str]:
    """The names of a side that the next side writes in figures, but in a shape that does not pair
    them with one: what it stood for in that claim is not known."""
    found: set[str] = set()
    for before, after in zip(chain.sides, chain.sides[1:]):
        if _figure(after) is None and not every_name(after) and not _walk(before, after, [], [0]):
            found |= every_name(before)
    return found


def _walk(a: s.Node, b: s.Node, pairs: list, count: list[int]) -> bool:
    count[0] += 1
    if count[0] > MAX_NODES:
        return False
    name = key(a) if isinstance(a, (s.Sym, s.Scripted)) else None
    figure = _figure(b)
    if name is not None and figure is not None:
        pairs.append((a, *figure))
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, s.Num):
        return a.text == b.text
    if isinstance(a, (s.Sym, s.Func, s.Partial)):
        return a == b
    if isinstance(a, s.BinOp):
        return a.op == b.op and _walk(a.left, b.left, pairs, count) and _walk(a.right, b.right, pairs, count)
    if isinstance(a, (s.Neg, s.Sqrt, s.Norm)):
        return _walk(a.arg, b.arg, pairs, count)
    if isinstance(a, s.Paren):
        return a.kind == b.kind and _walk(a.inner, b.inner, pairs, count)
    if isinstance(a, s.Frac):
        return _walk(a.num, b.num, pairs, count) and _walk(a.den, b.den, pairs, count)
    if isinstance(a, s.Juxt):
        return len(a.items) == len(b.items) and all(_walk(x, y, pairs, count) for x, y in zip(a.items, b.items))
    if isinstance(a, s.Scripted):              # e^{-net}, (t - o)^2: the same scripts, or numbers in the power's
        if a.sub != b.sub or a.primes != b.primes or (a.sup is None) != (b.sup is None):
            return False
        if a.sup is not None and a.sup.text != b.sup.text and (
                a.sup.node is None or b.sup.node is None or not _walk(a.sup.node, b.sup.node, pairs, count)):
            return False
        return _walk(a.base, b.base, pairs, count)
    return False


def _figure(node: s.Node) -> tuple[float, float] | None:
    sign = -1 if isinstance(node, s.Neg) else 1
    bare = node.arg if isinstance(node, s.Neg) else node
    if not isinstance(bare, s.Num):
        return None
    decimals = len(bare.text.split(".", 1)[1]) if "." in bare.text else 0
    return sign * float(Decimal(bare.text)), 0.5 * 10.0 ** -decimals
