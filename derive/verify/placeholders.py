"""General claims, one instance per binding: p for any parameter, [l] for any layer, l, j, k for units.

`p^{+} = p - \\eta \\partial E / \\partial p` holds when it holds for every parameter; BP2's
`\\sum_k` runs over the units that the bound names reach. A binding whose names do not all
exist (a layer past the last) is no instance at all.
"""

from __future__ import annotations

import dataclasses
import itertools
import re

from . import syntax as s
from .functions import layer_of
from .limits import MAX_SUM_TERMS
from .modifiers import split_modifier
from .values import Unreadable
from .vocabulary import key

LAYER_SCRIPT = re.compile(r"\[l([+-]\d+)?\]")
WHOLE_LAYER_SCRIPT = re.compile(r"^\(?([lL])([+-]\d+)?\)?$")      # the layer notation's l, l-1, (l), L
INDEX_SCRIPT = re.compile(r"^(?:[lL](?:[+-]\d+)?|[jk]+)$")


def instances(chain: s.Chain, notation: str, vocabulary, model) -> list[tuple[str, s.Chain]]:
    if notation in ("neuron", "index") and _uses_p(chain) and "p" not in vocabulary.names:   # p: dropout's
        names = [n for n, symbol in vocabulary.names.items() if model.is_parameter(symbol) and model.is_updated(symbol)]
        return [(f"for p = {name}", _map(chain, lambda node: _p_to(node, name))) for name in names]
    letter = _generic_letter(chain, vocabulary) if notation in ("neuron", "index") else None
    if letter is not None:
        return [(f"for {letter} = {name}", _map(chain, lambda node: _letter_to(node, letter, name)))
                for name in _parameters_of(letter, vocabulary, model)] or [("", chain)]
    if notation == "layer" and _scripts(chain, lambda t: LAYER_SCRIPT.search(t) or WHOLE_LAYER_SCRIPT.match(t)):
        layers = len(model.graph.layers)
        found = []
        for l in range(1, layers + 1):
            bound = map_scripts(chain, lambda t: _layer_bound(t, l, layers))
            if _resolves(bound, vocabulary):
                found.append((f"for l = {l}", bound))
        return found or [("", chain)]
    if notation == "index" and _scripts(chain, lambda t: INDEX_SCRIPT.match(t)):
        return _index_instances(chain, vocabulary, model)
    return [("", chain)]


def _layer_bound(text: str, l: int, layers: int) -> str:
    """[l-1] -> [1] for l = 2; Nielsen's bare a^l, a^{l-1}, a^{(l)} too, and a^L for the last layer."""
    whole = WHOLE_LAYER_SCRIPT.match(text)
    if whole:
        return f"[{(layers if whole.group(1) == 'L' else l) + int(whole.group(2) or 0)}]"
    return LAYER_SCRIPT.sub(lambda m: f"[{l + int(m.group(1) or 0)}]", text)


def _index_instances(chain: s.Chain, vocabulary, model) -> list[tuple[str, s.Chain]]:
    depth = len(model.graph.layers)
    widest = max(len(layer.units) for layer in model.graph.layers)
    widest = max(widest, len(model.graph.inputs))
    found = []
    for l, j, k in itertools.product(range(1, depth + 1), range(1, widest + 1), range(1, widest + 1)):
        env = {"l": l, "L": depth, "j": j, "k": k}
        bound = _expand_sums(chain, env, widest, vocabulary, [MAX_SUM_TERMS])
        if bound is None:
            continue
        bound = map_scripts(bound, lambda t: _bind(t, env))
        if _resolves(bound, vocabulary):
            found.append((f"for l = {l}, j = {j}, k = {k}", bound))
    # the same instance arises for every value of an index the claim does not use
    unique = {repr(instance): (label, instance) for label, instance in found}
    return list(unique.values()) or [("", chain)]


def _bind(text: str, env: dict) -> str:
    if not INDEX_SCRIPT.match(text):
        return text
    if text[0] in "lL":
        return str(env[text[0]] + int(text[1:] or 0))
    return "".join(str(env[ch]) for ch in text)


def _expand_sums(node, env: dict, widest: int, vocabulary, budget: list[int]):
    """\\sum_k body -> body(k=1) + body(k=2) + ... over the k whose names exist; `budget` counts down
    the terms still allowed, as sums inside sums multiply them."""
    if isinstance(node, s.BigSum) and node.sub is not None and node.sub.text in ("k", "j"):
        letter = node.sub.text
        terms = []
        budget[0] -= widest
        if budget[0] < 0:
            raise Unreadable(f"the sums write out more than {MAX_SUM_TERMS} terms")
        for value in range(1, widest + 1):
            inner = dict(env, **{letter: value})
            term = map_scripts(_expand_sums(node.body, inner, widest, vocabulary, budget), lambda t: _bind(t, inner))
            if _resolves(term, vocabulary):
                terms.append(term)
        if not terms:
            return None
        total = terms[0]
        for term in terms[1:]:
            total = s.BinOp("+", total, term)
        return s.Paren(total, "(")
    if isinstance(node, (list, tuple)):
        items = [_expand_sums(x, env, widest, vocabulary, budget) for x in node]
        return None if any(x is None for x in items) else type(node)(items)
    if dataclasses.is_dataclass(node) and isinstance(node, s.Node):
        changes = {}
        for field in dataclasses.fields(node):
            value = getattr(node, field.name)
            if isinstance(value, (s.Node, tuple)):
                new = _expand_sums(value, env, widest, vocabulary, budget)
                if new is None:
                    return None
                changes[field.name] = new
        return dataclasses.replace(node, **changes)
    return node


GENERIC_LETTERS = {"w": "weights", "b": "biases", "\\theta": "parameters"}


def _generic_letter(chain: s.Chain, vocabulary) -> str | None:
    """w_{new} = w_{old} - \\alpha \\partial L / \\partial w: an update rule over a letter the notation
    does not know alone (w, b, \\theta), written once for every weight (or bias, or parameter)."""
    every = list(s.nodes(chain))
    letters = {_letter(node) for node in every} - {None}
    for letter in letters & set(GENERIC_LETTERS):
        if vocabulary.lookup(letter) is not None:
            continue
        written = [node for node in every if _letter(node) == letter]
        by = any(isinstance(node, s.Frac) and _letter(node.den) == letter or _denominator_letter(node) == letter
                 for node in every)
        if by and any(_marked_updated(node) for node in written):
            return letter
    return None


def _letter(node) -> str | None:
    """The letter of w, w_{new}, w^{+}, w', w_{old}: a bare letter, or one only marked new or old."""
    if isinstance(node, s.Sym) and not node.font:
        return node.text
    if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and not node.base.font:
        named = split_modifier(node)[0]
        if named.sub is None and (named.sup is None or not named.sup.text):
            return node.base.text
    return None


def _marked_updated(node) -> bool:
    """w_{new}, w^{+}, w^{(t+1)}, w': the letter after the step."""
    return isinstance(node, s.Scripted) and (split_modifier(node)[1] == "updated" or node.primes == 1)


def _denominator_letter(node) -> str | None:
    """\\partial w in a derivative's denominator (Juxt of \\partial and the letter)."""
    if isinstance(node, s.Frac) and isinstance(node.den, s.Juxt) and len(node.den.items) == 2 \
            and isinstance(node.den.items[0], s.Partial):
        return _letter(node.den.items[1])
    return None


def _parameters_of(letter: str, vocabulary, model) -> list[str]:
    """One name (the notation's own) for each weight, bias or parameter that the step updates."""
    graph = model.graph
    wanted = {"weights": {c.weight for layer in graph.layers for row in layer.connections for c in row},
              "biases": {b.symbol for layer in graph.layers for b in layer.biases}}.get(
        GENERIC_LETTERS[letter], set(graph.parameters))
    names: dict = {}
    for name, symbol in vocabulary.names.items():
        if symbol in wanted and model.is_updated(symbol) and name not in vocabulary.foreign:
            names.setdefault(symbol, name)
    return list(names.values())


def _letter_to(node, letter: str, name: str):
    """w -> w_5; w_{new}, w^{+}, w' -> w_5 after the step; w_{old} -> w_5."""
    if _letter(node) != letter:
        return None
    parsed = _parse_name(name)
    if not _marked_updated(node):
        return parsed
    base, sub = (parsed.base, parsed.sub) if isinstance(parsed, s.Scripted) else (parsed, None)
    return s.Scripted(base, sub, s.Script("+", None))


def _uses_p(node) -> bool:
    return any(_is_p(n) for n in s.nodes(node))


def _is_p(node) -> bool:
    base = node.base if isinstance(node, s.Scripted) and node.sub is None else node
    return isinstance(base, s.Sym) and base.text == "p" and not base.font


def _p_to(node, name: str):
    if not _is_p(node):
        return None
    parsed = _parse_name(name)
    if isinstance(node, s.Scripted):        # p^{+}
        return s.Scripted(parsed.base if isinstance(parsed, s.Scripted) else parsed,
                          parsed.sub if isinstance(parsed, s.Scripted) else None,
                          _join_sup(parsed.sup if isinstance(parsed, s.Scripted) else None, node.sup))
    return parsed


def _join_sup(a, b):
    if a is None or b is None:
        return a or b
    return s.Script(a.text + b.text, None)


def _parse_name(name: str):
    """A vocabulary key (w_5, b_1, w^1_{11}) back into a name node."""
    base, _, rest = name.partition("_") if "_" in name and not name.startswith("w^") else (name, "", "")
    if name.startswith(("w^", "b^")):
        head, _, sub = name.partition("_")
        letter, _, sup = head.partition("^")
        return s.Scripted(s.Sym(letter), s.Script(sub, None) if sub else None, s.Script(sup, None))
    if rest:
        return s.Scripted(s.Sym(base), s.Script(rest, None), None)
    return s.Sym(base)


def _resolves(node, vocabulary) -> bool:
    return not any(_unknown_name(n, vocabulary) for n in s.nodes(node))


def _unknown_name(n, vocabulary) -> bool:
    if isinstance(n, s.Scripted) and isinstance(n.base, s.Sym) and (n.sub or n.sup) and n.base.text != "e" \
            and layer_of(n) is None:             # g_{2}: a layer's activation, not a name
        named, _, _ = split_modifier(n)
        name = key(named)
        return bool(name) and vocabulary.lookup(name) is None and vocabulary.lookup(key(n)) is None \
            and not n.base.font
    return False


def _map(node, change):
    """Rebuild the tree bottom-up; `change(n)` returns a replacement or None."""
    if isinstance(node, tuple):
        return tuple(_map(x, change) for x in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        replaced = change(node)
        if replaced is not None:
            return replaced
        return dataclasses.replace(node, **{f.name: _map(getattr(node, f.name), change)
                                            for f in dataclasses.fields(node)
                                            if isinstance(getattr(node, f.name), (tuple, s.Node, s.Script))})
    return node


def map_scripts(node, rewrite):
    """The node with every script's text rewritten (w_{l} -> w_{2})."""
    def change(n):
        if isinstance(n, s.Script):
            text = rewrite(n.text)
            if text != n.text:
                return s.Script(text, s.Num(text) if text.isdigit() else None)
        return None
    return _map(node, change)


def _scripts(node, test) -> bool:
    return any(isinstance(n, s.Script) and test(n.text) for n in s.nodes(node))
