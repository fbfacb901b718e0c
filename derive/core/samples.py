"""Derived symbols: one sample's copy of a unit's symbol (out_h1 of sample 2), and back.

A batch derivation gives every unit one symbol per sample. The copy's name shows where it comes
from (out_h1__s2), but what it is a copy of is kept in a table, never parsed back from the name.
"""

from __future__ import annotations

import sympy as sp

_COPIES: dict[tuple[sp.Symbol, int], sp.Symbol] = {}
_ORIGINS: dict[sp.Symbol, tuple[sp.Symbol, int]] = {}


def per_sample(symbol: sp.Symbol, s: int) -> sp.Symbol:
    """Sample s's copy of a unit's symbol (the same symbol each time it is asked for)."""
    found = _COPIES.get((symbol, s))
    if found is None:
        found = _COPIES[(symbol, s)] = sp.Symbol(f"{symbol.name}__s{s}", real=True)
        _ORIGINS[found] = (symbol, s)
    return found


def origin(symbol) -> tuple[sp.Symbol, int] | None:
    """(the unit's symbol, the sample) of a sample's copy; None for any other symbol or expression."""
    return _ORIGINS.get(symbol) if isinstance(symbol, sp.Symbol) else None


def shared(symbol: sp.Symbol) -> sp.Symbol:
    """The unit's own symbol of a sample's copy (out_h1__s2 -> out_h1); any other symbol is itself."""
    found = _ORIGINS.get(symbol)
    return found[0] if found else symbol
