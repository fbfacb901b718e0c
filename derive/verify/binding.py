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

from ..core.samples import per_sample, shared
from ..present.unit_notations import index_names, neuron_names
from . import syntax as s
from .judge import EQUALITIES, Judge
from .meaning import Meaning
from .modifiers import split_modifier
from .name_evidence import filled as _filled, restated as _restated, roles as _roles
from .name_evidence import unknown_head as _unknown_head, unknown_name as _unknown_name
from .substitution import substitutions
from .values import Literal, Scope, Unreadable
from .vocabulary import key
from .written import every_name

PASSES = 4
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
    witness: tuple[float, ...]     # at the model's fixed random points
    symbol: sp.Basic = None    # the graph's symbol, for a parameter


def quantities(model, notation: str) -> list[Quantity]:
    """What a scalar name of one sample may stand for, with its value at the spec's numbers."""
    if notation == "layer" or not model.one_sample:
        return []
    point = model.witness_point
    graph = model.graph
    table = (index_names if notation == "index" else neuron_names)(graph)
    total = table.get(graph.total, "E_{total}")
    witnesses = model.random_witnesses
    found = []
    for symbol, latex in table.items():
        at = symbol if model.is_parameter(symbol) else per_sample(symbol, 0)
        value, at_witnesses = point.get(at), [w.get(at) for w in witnesses]
        if value is not None and None not in at_witnesses:
            seen = tuple(float(v) for v in at_witnesses)
            found.append(Quantity(latex, float(value), seen, symbol if model.is_parameter(symbol) else None))
            if symbol in model.deltas:          # the delta rule's error term, (t - o) o (1 - o): -delta
                found.append(Quantity(f"-{latex}", -float(value), tuple(-v for v in seen)))
    after, after_witnesses = model.stepped(point), [model.stepped(w) for w in witnesses]
    for p in graph.parameters:
        latex = table[p]
        if model.is_updated(p):
            found.append(Quantity(f"{{{latex}}}^{{+}}", float(after[p]), tuple(float(a[p]) for a in after_witnesses)))
        gradient = model.batch_partial(graph.total, p)
        found.append(Quantity(rf"\frac{{\partial {total}}}{{\partial {latex}}}", float(model.number(gradient, point)),
                              tuple(float(model.number(gradient, w)) for w in witnesses)))
    return found


def bind(checker, notation: str, chains, vocabulary) -> tuple[Binding, ...]:
    """Bindings for the names at the head of the claims that the vocabulary does not know."""
    candidates = quantities(checker.model, notation)
    if not candidates:
        return ()
    # each pass counts every name's evidence again, reading the sides with the names bound so far:
    # a definition that could not be read at first (z_1 unknown) may outweigh a figure read at once
    bound: dict[str, Binding] = {}
    roles = _roles(checker.model.graph, notation, chains, vocabulary)
    filled = _filled(chains, candidates, vocabulary, roles)
    for _ in range(PASSES):
        known = vocabulary.with_bindings({b.written: b.meant for b in bound.values()})
        judge = Judge(checker.model, Meaning(checker.model, known, checker.entries), checker.history)
        votes: dict[str, Counter] = {}
        first: dict[tuple[str, str], tuple[str, int]] = {}     # (name, meaning) -> the first evidence for it
        earliest: dict[str, str] = {}          # what the first evidence for a name pointed to
        for chain, sample, line in chains:
            written = _unknown_head(chain, vocabulary)
            if written is None:
                continue
            for k, side in enumerate(chain.sides[1:]):
                if chain.relations[k] not in EQUALITIES:
                    break                   # z_1 = 0.5 > 0: the 0 is no value of z_1
                defined = _defined(judge, side, sample) if _has_names(side) else None
                if defined is not None:     # a definition: the quantity it equals at random points, exactly
                    matches = [q for q in candidates if all(abs(w - d) <= 1e-9 * max(1, abs(w))
                                                            for w, d in zip(q.witness, defined))]
                    number, weight = None, 2
                else:
                    value = _value(judge, side, sample)
                    if value is None:
                        continue
                    (number, tolerance), weight = value, 1
                    matches = [q for q in candidates if abs(q.value - number) <= tolerance]
                    if not matches:             # a figure that carries the post's own rounding: a little more room
                        matches = [q for q in candidates if abs(q.value - number) <= tolerance * SLACK]
                told = len({q.latex for q in matches}) > 1 and written in roles
                if told:            # a tie: told apart by what else the post says of it (z_1 in sigma(z_1))
                    matches = [q for q in matches if q.latex in roles[written]]
                # a weight the step leaves as it was (its gradient 0): one weight, before and after
                meanings = {_restated(q.latex, written) if number is not None else q.latex for q in matches}
                if len(meanings) == 1:
                    meant = meanings.pop()
                    votes.setdefault(written, Counter())[meant] += weight
                    said = _evidence(side, number, meant != matches[0].latex) + \
                        (_place(matches[0]) if told else "")
                    _earlier(first, (written, meant), (said, line))
                    earliest.setdefault(written, meant)
        for written, (meant, line, count) in filled.items():      # a name the post only fills with figures
            votes.setdefault(written, Counter())[meant] += count
            _earlier(first, (written, meant), ("the figures put in its place", line))
        for written, latex, line in _by_definition(checker.model, judge, chains, vocabulary, notation):
            votes.setdefault(written, Counter())[latex] += 2       # a weight's place in a sum: strong
            _earlier(first, (written, latex), ("its place in a net input's sum", line))
        new = {}
        for written, counter in votes.items():
            ranked = counter.most_common(2)
            if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
                meant = ranked[0][0]
            elif written in earliest and counter[earliest[written]] == ranked[0][1]:
                meant = earliest[written]      # a tie: a name means what it meant first (a later slip is the post's)
            else:
                continue
            evidence, line = first[(written, meant)]
            new[written] = Binding(written, meant, evidence, line)
        if new == bound:
            break
        bound = new
    bound = {written: b if b.line else Binding(b.written, b.meant, b.evidence, _line_of(written, chains))
             for written, b in bound.items()}
    return tuple(sorted(bound.values(), key=lambda b: b.line))


def local_names(chain: s.Chain, candidates: list[Quantity], vocabulary) -> tuple[dict[str, str], str | None]:
    """The names one claim alone defines, by the figures it puts in their place: in
    `(target - output)(1 - output) = (0.5 - 0.69)(1 - 0.69)`, output is the quantity whose value is
    0.69 (in this claim: posts use such words for a different unit on each line). And, when the
    claim puts in place of a weight the figure of another one (w1_old + ... = 0.3 + ... where the
    spec's w_1 is 0.1 and its w_5 is 0.3), why it is not judged: the post numbers them its own way."""
    found: dict[str, set[str]] = {}
    for node, number, half in substitutions(chain):
        named = _unknown_name(node, vocabulary)
        matches = {q.latex for q in candidates if abs(q.value - number) <= half * (1 + 1e-9)}
        if named is not None:
            found.setdefault(named, set()).update(matches if len(matches) == 1 else {"", "?"})
            continue
        own = _own_latex(node, vocabulary, candidates)
        weights = {q.latex for q in candidates if q.symbol is not None and abs(q.value - number) <= half * (1 + 1e-9)}
        if own is not None and own not in weights and len(weights) == 1 and _is_weight(weights | {own}):
            return {}, (f"{written_as(key(node))} stands for {number:g} here, the spec's {weights.pop()}: "
                        "the post numbers the weights its own way (map its names in the spec's [aliases])")
    return {name: meant.pop() for name, meant in found.items() if len(meant) == 1}, None


def _own_latex(node: s.Node, vocabulary, candidates: list[Quantity]) -> str | None:
    """The notation's LaTeX for a known parameter name (w_1 -> w_{1}), when it is one."""
    named = split_modifier(node)[0] if isinstance(node, s.Scripted) else node      # w_1^{old}: w_1
    symbol = vocabulary.lookup(key(named) or "")
    return next((q.latex for q in candidates if q.symbol == symbol), None) if symbol is not None else None


def _is_weight(matches: set[str]) -> bool:
    return all(m.startswith("w_") for m in matches)


def _place(quantity: Quantity) -> str:
    """What told a tie apart (name_evidence.roles): a weight's factor in a sum, an activation's argument."""
    return ", and its place as a weight in a sum" if quantity.symbol is not None else \
        ", and its place as an activation's argument"


def _earlier(first: dict, key: tuple, evidence: tuple[str, int]) -> None:
    """Keep the evidence of the earliest line."""
    if key not in first or evidence[1] < first[key][1]:
        first[key] = evidence


def _line_of(written: str, chains) -> int:
    """The first line that uses a name."""
    return next((line for chain, _, line in chains if written in every_name(chain)), 0)


def _by_definition(model, judge: Judge, chains, vocabulary, notation: str):
    """(name, latex) for each unknown factor of `unknown × known` in a sum that defines a net input:
    z_1 = w_{11} x_1 + w_{21} x_2 binds w_{11} to the weight that multiplies x_1 in z_1's sum; and
    for an unknown term alone in it, the unit's bias."""
    table = (index_names if notation == "index" else neuron_names)(model.graph) if model.one_sample else {}
    generic = {x.name: x for expr in model.defs.values() for x in expr.free_symbols} | \
              {x.name: x for x in model.defs}
    nets = {unit.net for layer in model.graph.layers for unit in layer.units}
    for chain, sample, line in chains:
        head = _head_symbol(judge, chain, sample)
        definition = model.defs.get(head) if head is not None else None
        if definition is None or head not in nets:
            continue
        expanded = sp.expand(definition)
        biases = [t for t in sp.Add.make_args(expanded) if model.is_parameter(t)]
        for side in chain.sides[1:]:
            for term in _terms(side):
                factors = s.factors(term)
                written = key(term) if len(factors) == 1 and isinstance(term, (s.Sym, s.Scripted)) else None
                if written is not None and len(biases) == 1 and biases[0] in table and \
                        vocabulary.lookup(written) is None and written not in vocabulary.expressions:
                    yield written, table[biases[0]], line          # z_3 = w_5 h_1 + w_6 h_2 + b_3: b_3 is o's bias
                    continue
                if len(factors) != 2:
                    continue
                for unknown, other in (factors, factors[::-1]):
                    written = key(unknown) if isinstance(unknown, (s.Sym, s.Scripted)) else None
                    if written is None or vocabulary.lookup(written) is not None or written in vocabulary.expressions:
                        continue
                    source = _head_symbol(judge, s.Chain((other,), (), False, "", 0), sample)
                    source = generic.get(shared(source).name) if source is not None else None
                    weight = expanded.coeff(source) if source is not None else None
                    if weight is not None and model.is_parameter(weight) and weight in table:
                        yield written, table[weight], line


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


def _has_names(side: s.Node) -> bool:
    return bool(every_name(side))


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


def _defined(judge: Judge, side: s.Node, sample: int | None) -> tuple[float, ...] | None:
    """A definition's value at each of the model's random witnesses, or None."""
    found = [_value(judge, side, sample, witness) for witness in judge.model.random_witnesses]
    return None if None in found else tuple(v[0] for v in found)


def _evidence(side: s.Node, number: float | None, after: bool = False) -> str:
    if after:
        return f"its value after the update, {number:.8g}"
    if number is None:
        return "its definition"
    return f"its value {number:.8g}" if isinstance(side, s.Num) else f"its definition (= {number:.8g})"


__all__ = ["Binding", "Literal", "bind", "quantities"]
