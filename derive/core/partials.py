"""Any node's derivative by any other, for one sample: the chain rule over the network's own
definitions, summed over every path between the two.

Each node is defined over the nodes before it (a net input over outputs and parameters, an
output over net inputs, a unit's error over an output, the total over the errors). dA/dB is the
sum, over the symbols X that A's definition uses and that depend on B, of dA/dX (A's local
slope) times dX/dB. A local slope is read off a net input's sum, or is the rule row's: an
activation's (Derivation.local), a loss's; SymPy's diff only for what no row gives (g's stand-in).
verify asks this for every dA/dB a claim writes; each pair is built once.
"""

from __future__ import annotations

from functools import cached_property
from typing import Callable

import sympy as sp

from .chain import Derivation
from .units import Graph


def definitions(graph: Graph) -> dict[sp.Symbol, sp.Expr]:
    """Every node's own definition, in the network's order: net inputs and outputs layer by layer,
    the units' errors, then the total error."""
    found: dict[sp.Symbol, sp.Expr] = {}
    for layer in graph.layers:
        for unit, net in zip(layer.units, layer.net_exprs):
            found[unit.net] = net.doit()
        for unit, out in zip(layer.units, layer.out_exprs):
            found[unit.out] = out
    found.update(zip(graph.unit_errors, graph.unit_error_exprs))
    found[graph.total] = sp.Add(*graph.unit_errors)
    return found


class Partials:
    """dA/dB for any two nodes. `made` sees each sum and product as SymPy's constructor made it
    (verify notes them as ones its renaming may rebuild the same way)."""

    def __init__(self, derivation: Derivation, made: Callable[[sp.Basic], sp.Basic] = lambda node: node):
        self.derivation = derivation
        self.definitions = definitions(derivation.graph)
        self._made = made
        self._partials: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}
        self._locals: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}

    @cached_property
    def _depends(self) -> dict[sp.Symbol, set[sp.Symbol]]:
        """Every defined symbol -> all symbols it is computed from."""
        closure: dict[sp.Symbol, set[sp.Symbol]] = {}
        for symbol, expr in self.definitions.items():
            found: set[sp.Symbol] = set()
            for x in expr.free_symbols:
                found |= {x} | closure.get(x, set())
            closure[symbol] = found
        return closure

    @cached_property
    def _uses(self) -> dict[sp.Symbol, set[sp.Symbol]]:
        """Every defined symbol -> the symbols its definition uses (asked for every path through it)."""
        return {symbol: expr.free_symbols for symbol, expr in self.definitions.items()}

    def depends(self, a: sp.Symbol, b: sp.Symbol) -> bool:
        return a == b or b in self._depends.get(a, ())

    def partial(self, a: sp.Symbol, b: sp.Symbol) -> sp.Expr:
        """dA/dB through the network for one sample: the sum over every path from B to A."""
        key = (a, b)
        if key not in self._partials:
            if a == b:
                result = sp.S.One
            elif a not in self.definitions or not self.depends(a, b):
                result = sp.S.Zero
            else:
                made = self._made
                result = made(sp.Add(*[made(self.local(a, x) * self.partial(x, b))
                                       for x in self._uses[a] if self.depends(x, b)]))
            self._partials[key] = result
        return self._partials[key]

    def local(self, a: sp.Symbol, x: sp.Symbol) -> sp.Expr:
        """dA/dX of A's own definition: one factor of every path through A, built once."""
        found = self._locals.get((a, x))
        if found is None:
            found = self.derivation.local(a, x)          # the rule rows' (an activation's, a loss's)
            if found is None:
                expr = self.definitions[a]
                found = linear_slope(expr, x)
                found = sp.diff(expr, x) if found is None else found
            self._locals[(a, x)] = found
        return found


def linear_slope(expr: sp.Basic, x: sp.Symbol) -> sp.Basic | None:
    """d(expr)/dx as sp.diff gives it, for a net input (b + w1 out1 + w2 out2: a sum of symbols and
    of products of two symbols) that has x in one term; None for anything else. Most of a
    network's local derivatives are these, and sp.diff takes a while to find them."""
    if not isinstance(expr, sp.Add):
        return None
    found = None
    for term in expr.args:
        if term == x:
            part = sp.S.One
        elif isinstance(term, sp.Symbol):
            continue
        elif type(term) is sp.Mul and len(term.args) == 2 and all(isinstance(f, sp.Symbol) for f in term.args) \
                and x in term.args and term.args[0] != term.args[1]:
            part = term.args[1] if term.args[0] == x else term.args[0]
        elif term.has(x):
            return None
        else:
            continue
        if found is not None:
            return None
        found = part
    return found
