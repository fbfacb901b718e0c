"""Derived symbols: one sample's copy of a unit's symbol (out_h1 of sample 2), and back.

A batch derivation gives every unit one symbol per sample. The copy's name shows where it comes
from (out_h1__s2), but what it is a copy of is kept in a table, never parsed back from the name.
"""

from __future__ import annotations

import sympy as sp


class DerivedSymbols:
    """Symbols made from a symbol and a number (a sample, a count of steps), each made once, with
    what they were made from kept beside them."""

    def __init__(self, tag: str):
        self.tag = tag
        self._made: dict[tuple[sp.Symbol, int], sp.Symbol] = {}
        self._origins: dict[sp.Symbol, tuple[sp.Symbol, int]] = {}

    def make(self, symbol: sp.Symbol, k: int) -> sp.Symbol:
        found = self._made.get((symbol, k))
        if found is None:
            found = self._made[(symbol, k)] = sp.Symbol(f"{symbol.name}__{self.tag}{k}", real=True)
            self._origins[found] = (symbol, k)
        return found

    def origin(self, symbol) -> tuple[sp.Symbol, int] | None:
        """(the symbol, the number) it was made from; None for any other symbol or expression."""
        return self._origins.get(symbol) if isinstance(symbol, sp.Symbol) else None


SAMPLES = DerivedSymbols("s")


def per_sample(symbol: sp.Symbol, s: int) -> sp.Symbol:
    """Sample s's copy of a unit's symbol (the same symbol each time it is asked for)."""
    return SAMPLES.make(symbol, s)


def origin(symbol) -> tuple[sp.Symbol, int] | None:
    """(the unit's symbol, the sample) of a sample's copy; None for any other symbol or expression."""
    return SAMPLES.origin(symbol)


def shared(symbol: sp.Symbol) -> sp.Symbol:
    """The unit's own symbol of a sample's copy (out_h1__s2 -> out_h1); any other symbol is itself."""
    found = SAMPLES.origin(symbol)
    return found[0] if found else symbol
