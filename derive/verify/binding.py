"""Names a post introduces without an alias, bound by what the post says of them.

`\\hat{y}_1 = \\sigma(z_3) = 0.7514` binds \\hat{y}_1 to the output whose value matches, and
`z_3 = w_5 h_1 + w_6 h_2 + b_2` binds z_3 to the net input its definition computes. A name is
bound when the sides that can be evaluated (its definition, its substituted numbers, its figure)
point to one quantity of the network more often than to any other; a tie binds nothing. Bound
names make more sides readable, so the binding goes round until nothing new is bound.

The quantities a name may stand for: every node, delta, error and parameter of one sample, each
parameter after the step, and each parameter's gradient, in the notation's own names.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sympy as sp

from ..unit_notations import index_names, neuron_names
from . import syntax as s
from .judge import Judge
from .meaning import Meaning
from .model import per_sample
from .values import Literal, Scope, Unreadable
from .vocabulary import key, split_modifier

PASSES = 4
GENERIC_INDICES = {"i", "j", "k", "l", "m", "n", "ij", "jk", "ji", "kj"}
SLACK = 2.0          # a post's figure may carry its own earlier rounding: twice the written half-unit


@dataclass(frozen=True)
class Binding:
    written: str          # the post's name, as a key (\hat{y}_1 -> hat:y_1)
    meant: str            # the notation's own LaTeX for it
    evidence: str         # what bound it: its value, its definition
    line: int

    def sentence(self) -> str:
        return f"read {written_as(self.written)} as {self.meant}, by {self.evidence} (line {self.line})"


def written_as(name: str) -> str:
    """A key as LaTeX again: hat:y_1 -> \\hat{y}_1."""
    if ":" not in name:
        return name
    font, rest = name.split(":", 1)
    cut = min((k for k in (rest.find("_"), rest.find("^")) if k > 0), default=len(rest))
    return f"\\{font}{{{rest[:cut]}}}{rest[cut:]}"


@dataclass(frozen=True)
class Quantity:
    latex: str
    value: float          # at the spec's numbers (or, without them, at the random witness)
    witness: float        # at the model's fixed random point


def quantities(model, notation: str) -> list[Quantity]:
    """What a scalar name of one sample may stand for, with its value at the spec's numbers."""
    point = model.witness_point
    if notation == "layer" or not model.one_sample:
        return []
    graph = model.graph
    table = (index_names if notation == "index" else neuron_names)(graph)
    total = table.get(graph.total, "E_{total}")
    witness = model.random_witness
    found = []
    for symbol, latex in table.items():
        at = symbol if model.is_parameter(symbol) else per_sample(symbol, 0)
        value, random_value = point.get(at), witness.get(at)
        if value is not None and random_value is not None:
            found.append(Quantity(latex, float(value), float(random_value)))
            if symbol in model.deltas:          # the delta rule's error term, (t - o) o (1 - o): -delta
                found.append(Quantity(f"-{latex}", -float(value), -float(random_value)))
    after, after_witness = model.updated(point), model.updated(witness)
    for p in graph.parameters:
        latex = table[p]
        if model.is_updated(p):
            found.append(Quantity(f"{{{latex}}}^{{+}}", float(after[p]), float(after_witness[p])))
        gradient = model.batch_partial(graph.total, p)
        found.append(Quantity(rf"\frac{{\partial {total}}}{{\partial {latex}}}", float(model.number(gradient, point)),
                              float(model.number(gradient, witness))))
    return found


def bind(checker, notation: str, chains, vocabulary) -> tuple[Binding, ...]:
    """Bindings for the names at the head of the claims that the vocabulary does not know."""
    candidates = quantities(checker.model, notation)
    if not candidates:
        return ()
    bound: dict[str, Binding] = {}
    for _ in range(PASSES):
        known = vocabulary.with_bindings({b.written: b.meant for b in bound.values()})
        judge = Judge(checker.model, Meaning(checker.model, known, checker.entries), checker.history)
        votes: dict[str, Counter] = {}
        first: dict[str, tuple[str, int]] = {}
        earliest: dict[str, str] = {}          # what the first evidence for a name pointed to
        for chain, sample, line in chains:
            written = _unknown_head(chain, known)
            if written is None or written in bound:
                continue
            for side in chain.sides[1:]:
                defined = _value(judge, side, sample, checker.model.random_witness) if _has_names(side) else None
                if defined is not None:     # a definition: the quantity it equals at a random point, exactly
                    matches = [q for q in candidates if abs(q.witness - defined[0]) <= 1e-9 * max(1, abs(q.witness))]
                    number, weight = None, 2
                else:
                    value = _value(judge, side, sample)
                    if value is None:
                        continue
                    (number, tolerance), weight = value, 1
                    matches = [q for q in candidates if abs(q.value - number) <= tolerance]
                    if not matches:             # a figure that carries the post's own rounding: a little more room
                        matches = [q for q in candidates if abs(q.value - number) <= tolerance * SLACK]
                if len(matches) == 1 or len({q.latex for q in matches}) == 1:
                    votes.setdefault(written, Counter())[matches[0].latex] += weight
                    first.setdefault(written, (_evidence(side, number), line))
                    earliest.setdefault(written, matches[0].latex)
        for written, latex in _by_definition(checker.model, judge, chains, known):
            if written not in bound:
                votes.setdefault(written, Counter())[latex] += 2       # a weight's place in a sum: strong
                first.setdefault(written, ("its place in a net input's sum", 0))
        new = {}
        for written, counter in votes.items():
            ranked = counter.most_common(2)
            if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
                meant = ranked[0][0]
            elif written in earliest and counter[earliest[written]] == ranked[0][1]:
                meant = earliest[written]      # a tie: a name means what it meant first (a later slip is the post's)
            else:
                continue
            evidence, line = first[written]
            new[written] = Binding(written, meant, evidence, line)
        if not new:
            break
        bound.update(new)
    bound = {written: b if b.line else Binding(b.written, b.meant, b.evidence, _line_of(written, chains))
             for written, b in bound.items()}
    return tuple(sorted(bound.values(), key=lambda b: b.line))


def _line_of(written: str, chains) -> int:
    """The first line that uses a name."""
    return next((line for chain, _, line in chains if written in _keys(chain)), 0)


def _keys(node) -> set[str]:
    found, stack = set(), [node]
    while stack:
        item = stack.pop()
        name = key(item) if isinstance(item, (s.Sym, s.Scripted)) else None
        if name:
            found.add(name)
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif hasattr(item, "__dataclass_fields__"):
            stack.extend(getattr(item, field) for field in item.__dataclass_fields__)
    return found


def _by_definition(model, judge: Judge, chains, vocabulary):
    """(name, latex) for each unknown factor of `unknown × known` in a sum that defines a net input:
    z_1 = w_{11} x_1 + w_{21} x_2 binds w_{11} to the weight that multiplies x_1 in z_1's sum."""
    table = {**index_names(model.graph), **neuron_names(model.graph)} if model.one_sample else {}
    generic = {x.name: x for expr in model.defs.values() for x in expr.free_symbols} | \
              {x.name: x for x in model.defs}
    for chain, sample, _ in chains:
        head = _head_symbol(judge, chain, sample)
        definition = model.defs.get(head) if head is not None else None
        if definition is None or not head.name.startswith("net_"):
            continue
        expanded = sp.expand(definition)
        for side in chain.sides[1:]:
            for term in _terms(side):
                factors = s.factors(term)
                if len(factors) != 2:
                    continue
                for unknown, other in (factors, factors[::-1]):
                    written = key(unknown) if isinstance(unknown, (s.Sym, s.Scripted)) else None
                    if written is None or vocabulary.lookup(written) is not None or written in vocabulary.expressions:
                        continue
                    source = _head_symbol(judge, s.Chain((other,), (), False, "", 0), sample)
                    source = generic.get(source.name.split("__s")[0]) if source is not None else None
                    weight = expanded.coeff(source) if source is not None else None
                    if weight is not None and model.is_parameter(weight) and weight in table:
                        yield written, table[weight]


def _head_symbol(judge: Judge, chain: s.Chain, sample: int | None):
    """The model symbol a chain's first side names, or None."""
    try:
        value = judge.meaning.side(chain.sides[0], Scope(sample if sample is not None else 0))
    except (Unreadable, ZeroDivisionError, OverflowError, TypeError, ValueError, AttributeError, RecursionError):
        return None
    if not isinstance(value, sp.Symbol):
        return None
    return judge.model.graph_symbol(value)


def _terms(node: s.Node) -> list[s.Node]:
    if isinstance(node, s.BinOp) and node.op == "+":
        return _terms(node.left) + _terms(node.right)
    if isinstance(node, s.Paren) and node.kind == "(":
        return _terms(node.inner) if isinstance(node.inner, s.BinOp) and node.inner.op == "+" else [node.inner]
    return [node]


def _unknown_head(chain: s.Chain, vocabulary) -> str | None:
    head = chain.sides[0] if chain.sides else None
    if not isinstance(head, (s.Sym, s.Scripted)):
        return None
    written = key(head)
    if written is None or vocabulary.lookup(written) is not None or written in vocabulary.expressions:
        return None
    if isinstance(head, s.Scripted) and head.sub is not None and head.sub.text in GENERIC_INDICES:
        return None                     # y_j, a_j: any unit, not one
    if isinstance(head, s.Scripted):
        named, modifier, _ = split_modifier(head)
        if modifier or vocabulary.lookup(key(named) or "") is not None:
            return None
    return written


def _has_names(side: s.Node) -> bool:
    return bool(_keys(side))


def _value(judge: Judge, side: s.Node, sample: int | None, point=None) -> tuple[float, float] | None:
    """A side's value at the spec's numbers (or at `point`), and how far a figure written to its
    precision may be off."""
    scope = Scope(sample if sample is not None else 0)
    try:
        expr = judge.meaning.side(side, scope)
        if isinstance(expr, sp.MatrixBase) or (point is not None and (scope.literals or scope.free)):
            return None          # a side with written numbers or letters of its own defines nothing
        full = judge._extend(point if point is not None else judge.model.witness_point, scope)
        number = judge._value(expr, full)
        tolerance = judge._tolerance(expr, full, scope)
    except (Unreadable, ZeroDivisionError, OverflowError, TypeError, ValueError, AttributeError, RecursionError):
        return None
    return float(number), float(tolerance) + 1e-9 * max(1.0, abs(float(number)))


def _evidence(side: s.Node, number: float | None) -> str:
    if number is None:
        return "its definition"
    return f"its value {number:.8g}" if isinstance(side, s.Num) else f"its definition (= {number:.8g})"


__all__ = ["Binding", "Literal", "bind", "quantities"]
