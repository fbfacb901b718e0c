"""The post's own numbering of weights (input by input) and of biases.

derive numbers a layer's weights unit by unit (w_1: x_1 -> h_1, w_2: x_2 -> h_1, w_3: x_1 -> h_2);
many posts number them input by input, as the rows of their weight matrix run (w_1: x_1 -> h_1,
w_2: x_1 -> h_2, w_3: x_2 -> h_1). The net input sums a post writes tell the two apart: in
`z_1 = w_1 x_1 + w_3 x_2` the weights must all lead into one unit, each from the input it
multiplies. When two sums or more fit the input-by-input numbering and none fits derive's, the
post's weight names are read that way, and each renamed weight is reported as a binding; one sum
alone may be a slip, and is judged as written.

Biases are numbered by posts in their own ways too: one per unit (b_1, b_2 in the hidden layer,
b_3 for the output's), or one per layer. The bias a sum adds is the bias of the unit it defines;
when two sums or more name their biases otherwise than derive and none as derive does, and each
written name stands for one bias throughout, the post's names are read as its own numbering.
"""

from __future__ import annotations

import sympy as sp

from ..present.unit_notations import index_names, neuron_names
from . import syntax as s
from .binding import Binding, _terms
from .vocabulary import key


def renumbering(model, vocabulary, chains) -> tuple[Binding, ...]:
    """Bindings of the post's w_k to derive's weights when the post numbers them input by input."""
    if vocabulary.notation != "neuron":
        return ()
    by_unit, by_input = _numberings(model.graph)
    if by_unit == by_input:
        return ()
    votes, first = {"unit": 0, "input": 0}, None
    for chain, _, line in chains:
        for side in chain.sides:
            pairs = _weighted_sources(side, by_unit, vocabulary)
            if len(pairs) < 2 or all(by_unit[w] is by_input[w] for w, _ in pairs):
                continue                     # a sum both numberings read alike tells nothing
            for label, table in (("unit", by_unit), ("input", by_input)):
                if _fits(pairs, table):
                    votes[label] += 1
                    if label == "input" and first is None:
                        first = line
    if votes["input"] < 2 or votes["unit"]:       # one sum may be a slip (w_3 where w_2 belongs)
        return ()
    evidence = "the net input sums it writes (weights numbered input by input)"
    return tuple(Binding(written, f"w_{{{by_input[written].number}}}", evidence, first or 0)
                 for written in sorted(by_input, key=lambda w: by_input[w].number)
                 if by_input[written] is not by_unit[written])


def _numberings(graph) -> tuple[dict, dict]:
    """w_k (as a key) -> the connection it names, unit by unit (derive's) and input by input."""
    by_unit, by_input = {}, {}
    for layer in graph.layers:
        rows = layer.connections                     # [unit][input]
        if not rows or not rows[0]:
            continue
        offset = min(c.number for row in rows for c in row) - 1
        units = len(rows)
        for j, row in enumerate(rows):
            for k, connection in enumerate(row):
                by_unit[f"w_{connection.number}"] = connection
                by_input[f"w_{offset + k * units + j + 1}"] = connection
    return by_unit, by_input


def _weighted_sources(side, by_unit: dict, vocabulary) -> list[tuple[str, object]]:
    """(weight key, the symbol it multiplies) for each term `w_k x` of a sum."""
    pairs = []
    for term in _terms(side):
        factors = s.factors(term)
        weights = [f for f in factors if key(f) in by_unit]
        others = [vocabulary.lookup(key(f) or "") for f in factors if key(f) not in by_unit]
        if len(weights) == 1 and len(others) == 1 and others[0] is not None:
            pairs.append((key(weights[0]), others[0]))
    return pairs


def _fits(pairs, table: dict) -> bool:
    """Every weight leads into the same unit, each from the source it multiplies."""
    connections = [table[weight] for weight, _ in pairs]
    return len({c.dest.name for c in connections}) == 1 and \
        all(c.source.out == source for c, (_, source) in zip(connections, pairs))


def bias_renaming(model, vocabulary, chains) -> tuple[Binding, ...]:
    """Bindings of the post's bias names to derive's, read from the net input sums it writes."""
    if vocabulary.notation == "layer":
        return ()
    table = {**index_names(model.graph), **neuron_names(model.graph)}
    bias_of = {unit.net: b.symbol for layer in model.graph.layers for b in layer.biases for unit in b.units}
    biases = set(bias_of.values())
    meant: dict[str, set] = {}
    first: dict[str, int] = {}
    votes = {"derive": 0, "post": 0}
    for chain, _, line in chains:
        head = vocabulary.lookup(key(chain.sides[0]) or "") if chain.sides else None
        bias = bias_of.get(model.graph_symbol(head)) if isinstance(head, sp.Symbol) else None
        if bias is None:
            continue
        for side in chain.sides[1:]:
            terms = _terms(side)
            lone = [t for t in terms if isinstance(t, (s.Sym, s.Scripted)) and key(t)]
            if len(terms) < 2 or len(lone) != 1:
                continue
            written = key(lone[0])
            known = vocabulary.lookup(written)
            if known is not None and known not in biases:
                continue                     # a node or a weight, not the sum's bias
            votes["derive" if known == bias else "post"] += 1
            meant.setdefault(written, set()).add(bias)
            first.setdefault(written, line)
    if votes["post"] < 2 or votes["derive"] or any(len(found) > 1 for found in meant.values()):
        return ()
    evidence = "the net input sums it writes (its own bias names)"
    return tuple(Binding(written, table[next(iter(found))], evidence, first[written])
                 for written, found in meant.items() if vocabulary.lookup(written) != next(iter(found)))
