"""Which names of a post may be bound, and evidence for them beyond the claims they head.

A name the post only ever fills with figures (`\\partial net_{H21}/\\partial w = H_{11} = 0.802184`)
is bound for the whole post when every figure put in its place is one quantity's. A name several
quantities match alike (z_1 = 0.5 where w_1, net_h and y are all 0.5) is told apart by its place as
an activation's argument (sigma(z_1)): a net input of a unit with that activation; a factor of a known
name in a sum (w_{11} x_1 + w_{12} x_2): a weight.
"""

from __future__ import annotations

import re
from collections import Counter

from ..present.unit_notations import index_names, neuron_names
from . import syntax as s
from .functions import function_of
from .modifiers import UPDATED, split_modifier
from .substitution import substitutions, unpaired
from .values import Unreadable
from .vocabulary import key

GENERIC_INDICES = {"i", "j", "k", "l", "m", "n", "ij", "jk", "ji", "kj"}


def roles(graph, notation: str, chains, vocabulary) -> dict[str, set[str]]:
    """name -> the net inputs it may be, for the names the post puts in an activation's brackets
    (sigma(z_1), sigma'(z_1)): the net inputs of the units with that activation. Only ever a way to
    tell apart quantities that match a name's figure alike (z_1 = 0.5 = w_1 = y)."""
    table = (index_names if notation == "index" else neuron_names)(graph)
    nets: dict[str, set[str]] = {}
    for layer in graph.layers:
        nets.setdefault(layer.activation.latex, set()).update(table[u.net] for u in layer.units if u.net in table)
    found: dict[str, set[str]] = {}
    for chain, _, _ in chains:
        for juxt in (x for x in s.nodes(chain) if isinstance(x, s.Juxt)):
            for function, argument in zip(juxt.items, juxt.items[1:]):
                inner = argument.inner if isinstance(argument, s.Paren) and argument.kind == "(" else None
                named = _function(function, vocabulary) if inner is not None else None
                written = unknown_name(inner, vocabulary) if named is not None else None
                if written is not None:
                    meant = nets.get(f"\\{named}", set())
                    found[written] = found[written] & meant if written in found else set(meant)
    weights = {table[c.weight] for layer in graph.layers for row in layer.connections for c in row if c.weight in table}
    for chain, _, _ in chains:
        for written in _weighting(chain, vocabulary):
            found[written] = found[written] & weights if written in found else set(weights)
    return found


def _function(item: s.Node, vocabulary) -> str | None:
    """The function an item names (\\sigma, \\text{sigmoid}, \\sigma'), or None."""
    try:
        found = function_of(item, vocabulary.model.spec)
    except Unreadable:
        return None
    return found[0] if found is not None else None


def _weighting(chain: s.Chain, vocabulary) -> set[str]:
    """The unknown names that multiply a known name in a sum (w_{11} x_1 + w_{12} x_2): weights."""
    found = set()
    for total in (x for x in s.nodes(chain) if isinstance(x, s.BinOp) and x.op == "+"):
        for term in (total.left, total.right):
            pair = term.items if isinstance(term, s.Juxt) else \
                (term.left, term.right) if isinstance(term, s.BinOp) and term.op == "*" else ()
            if len(pair) != 2:
                continue
            for factor, other in (pair, pair[::-1]):
                written = unknown_name(factor, vocabulary)
                if written is not None and vocabulary.lookup(key(other) or "") is not None:
                    found.add(written)
    return found


def filled(chains, candidates, vocabulary, arguments=None) -> dict[str, tuple[str, int, int]]:
    """name -> (meaning, first line, how many figures) for the names that head no claim but that
    claims fill with figures (`\\partial net/\\partial w = H_{11} = 0.802184`), when every figure
    put in their place points to one and the same quantity. A name filled with two quantities'
    figures means a different unit on each line (local_names reads it claim by claim), and a figure
    that two quantities share binds nothing."""
    heads = {unknown_head(chain, vocabulary) for chain, _, _ in chains}
    found: dict[str, set[str]] = {}
    first: dict[str, int] = {}
    count: Counter = Counter()
    for chain, _, line in chains:
        for written in unpaired(chain):         # figures in a shape not paired with it: unknown there
            found.setdefault(written, set()).update({"", "?"})
        for node, number, half in substitutions(chain):
            written = unknown_name(node, vocabulary)
            if written is None or written in heads or not re.search(r"[_\d]", written):
                continue                # a claim's head is bound by its own sides; a bare word (output,
                                        # input) is a role each line gives its own unit
            matches = {restated(q.latex, written) for q in candidates if abs(q.value - number) <= half * (1 + 1e-9)}
            if len(matches) > 1 and arguments and written in arguments:
                matches &= arguments[written]
            found.setdefault(written, set()).update(matches if len(matches) == 1 else {"", "?"})
            first.setdefault(written, line)
            count[written] += 1
    return {written: (meant.pop(), first[written], count[written])
            for written, meant in found.items() if len(meant) == 1}


def restated(latex: str, written: str) -> str:
    """A plain name whose figure is a weight's value after the step names the weight: posts give
    the new value under the old name (w12 = -0.3728). A primed name (w_1') is the new weight."""
    if latex.startswith("{") and latex.endswith("}^{+}") and "'" not in written and not _marked_new(written):
        return latex[1:-len("}^{+}")]
    return latex


def _marked_new(written: str) -> bool:
    """w_{nuevo}, w^{new}: a name its own script marks as the value after the step."""
    script = re.search(r"[_^]([^_^]+)$", written)
    return script is not None and script.group(1) in UPDATED


def unknown_head(chain: s.Chain, vocabulary) -> str | None:
    return unknown_name(chain.sides[0] if chain.sides else None, vocabulary)


def unknown_name(head: s.Node | None, vocabulary) -> str | None:
    """A name's key, when the notation does not know it and it may be bound (not y_j, not w^+)."""
    if isinstance(head, s.Juxt) and len(head.items) == 2:       # z(h1): unit h1's z
        called = vocabulary.unit_call(*head.items)
        return called if called is not None and vocabulary.lookup(called) is None else None
    if not isinstance(head, (s.Sym, s.Scripted)):
        return None
    written = key(head)
    if written is None or vocabulary.lookup(written) is not None or written in vocabulary.expressions:
        return None
    if isinstance(head, s.Scripted) and head.sub is not None and head.sub.text in GENERIC_INDICES:
        return None                     # y_j, a_j: any unit, not one
    if isinstance(head, s.Scripted):
        named, modifier, _ = split_modifier(head)
        layer = vocabulary.notation == "layer" and head.sup is not None and re.fullmatch(r"\(\d+\)", head.sup.text)
        if vocabulary.lookup(key(named) or "") is not None:
            return None                 # w_5^{new}: the known w_5 after a step
        if modifier and not layer and modifier != "updated":
            return None                 # h^{(1)} in the layer notation: layer 1's h, not h after a step
    return written
