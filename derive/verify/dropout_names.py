"""Dropout's probability as a post writes it: p (when every dropout layer drops with one p) and
Nielsen-style p^{l} per layer. Each is a number of the network, the same at every point: the
model's expressions carry 1/(1 - p) as that number."""

from __future__ import annotations

import sympy as sp

SHARED = sp.Symbol("dropout_p")


def dropout_rates(graph) -> dict[sp.Symbol, sp.Rational]:
    """Each dropout probability's symbol -> its value: p^{l} per layer, and p when they agree."""
    per_layer = {layer.index: layer.dropout for layer in graph.layers if layer.masks}
    rates = {sp.Symbol(f"dropout_p{l}"): p for l, p in per_layer.items()}
    if len(set(per_layer.values())) == 1:
        rates[SHARED] = next(iter(per_layer.values()))
    return rates


def dropout_names(graph) -> dict[str, sp.Symbol]:
    """LaTeX -> symbol: p, and p^{l} for each layer with dropout."""
    names = {f"p^{{{symbol.name.removeprefix('dropout_p')}}}": symbol for symbol in dropout_rates(graph)
             if symbol != SHARED}
    return names | ({"p": SHARED} if SHARED in dropout_rates(graph) else {})
