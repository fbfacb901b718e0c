"""The network at the post's own figures.

A post states delta^{[2]} = -0.354 (rounded from -0.3532), writes dL/dW^{[2]} = delta^{[2]} a^{[1]T},
then gives dL/dW^{[2]} = [-0.3186, 0, -0.3009]: the product of its own rounded delta, not of the exact
one. Each figure a post states for a node (a unit's value, delta or loss, entry by entry for a layer's
matrix) is kept, and so is each formula it gives for a quantity; a figure found wrong that its
quantity's formula gives with the post's figures in place of the exact nodes follows from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sympy as sp

from . import syntax as s


@dataclass(frozen=True)
class NodeFigure:
    value: float            # as the post wrote it, signed
    line: int
    off: bool               # the figure is not the node's exact value (rounded, or wrong)
    wrong: bool


class PostPoint:
    def __init__(self):
        self.nodes: dict[sp.Symbol, NodeFigure] = {}
        self.formulas: dict[tuple[str, int | None], s.Node] = {}     # a quantity's written formula

    def record(self, judge, chain: s.Chain, sample: int | None, line: int, verdict: str) -> None:
        """`node = ... = figure(s)`: the post's figure for each node; `quantity = formula`: its formula."""
        formula = next((side for side in reversed(chain.sides[1:]) if not numbers_only(side)), None)
        if formula is not None:
            self.formulas[(repr(chain.sides[0]), sample)] = formula
        figures = _written(chain.sides[-1])
        symbols = judge.named(chain.sides[0], sample) if figures else None
        if not symbols or len(symbols) != len(figures):
            return
        exact = [judge.value(chain.sides[0], sample)] if len(symbols) == 1 else \
            [v for row in judge.entries(chain.sides[0], sample) or [] for v in row]
        if len(exact) != len(symbols) or None in exact:
            return
        for symbol, (value, text), true in zip(symbols, figures, exact):
            if value is not None:
                off = abs(value - true) > 1e-9 * max(1.0, abs(true))
                wrong = verdict == "wrong" and abs(value - true) > _unit(text) * (1 + 1e-9)
                self.nodes[symbol] = NodeFigure(value, line, off, wrong)

    def follows(self, judge, chain: s.Chain, sample: int | None) -> tuple[int, bool] | None:
        """(the latest line it uses, whether a figure it uses is wrong) when the claim's figures are
        what its formula gives at the post's own figures, each to one unit of its last digit."""
        figures = _written(chain.sides[-1])
        if not figures or any(value is None for value, _ in figures):
            return None
        formulas = [side for side in chain.sides[1:-1] if not numbers_only(side)]
        formulas.append(self.formulas.get((repr(chain.sides[0]), sample)))
        used = {symbol: figure for symbol, figure in self.nodes.items() if figure.off}
        if not used:
            return None
        overrides = {symbol: sp.Float(repr(figure.value), 30) for symbol, figure in used.items()}
        for formula in filter(None, formulas):
            if len(figures) == 1:
                values = [judge.value(formula, sample, overrides)]
            else:
                values = [v for row in judge.entries(formula, sample, overrides) or [] for v in row]
            if len(values) == len(figures) and None not in values and all(
                    abs(value - written) <= _unit(text) * (1 + 1e-9) for value, (written, text) in zip(values, figures)):
                lines = [f.line for f in used.values()]
                return max(lines), any(f.wrong for f in used.values())
        return None


def _written(node: s.Node) -> list[tuple[float | None, str]] | None:
    """The figures a side writes: one, or a matrix's entries (None for an entry that is not one)."""
    entries = [e for row in node.rows for e in row] if isinstance(node, s.Matrix) else [node]
    found = []
    for entry in entries:
        sign = -1 if isinstance(entry, s.Neg) else 1
        bare = entry.arg if isinstance(entry, s.Neg) else entry
        found.append((sign * float(Decimal(bare.text)), bare.text) if isinstance(bare, s.Num) else (None, ""))
    if not any(value is not None for value, _ in found) or not isinstance(node, s.Matrix) and found[0][0] is None:
        return None
    return found


def numbers_only(node) -> bool:
    """A side written with figures and operators only (no name)."""
    return not any(isinstance(item, s.Sym) for item in s.nodes(node))     # (-0.7414)^{2} is figures


def _unit(text: str) -> float:
    """The unit of a figure's last written digit: 0.0243 -> 0.0001."""
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    return 10.0 ** -decimals
