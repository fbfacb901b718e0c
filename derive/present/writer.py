"""Equations as the templates get them: each printed with symbols and, per sample, with numbers,
split into lines where a line would run off the page.

One `Writer` serves a whole unit-level document (neuron or index notation); context.py asks it
for every equation and table cell.
"""

from __future__ import annotations

from typing import Any, Sequence

import sympy as sp

from ..core.chain import Derivation
from ..errors import DeriveError
from ..numeric.evaluator import Values, parameter_values
from ..rules.algebra import _mul
from ..spec.load import NetworkSpec
from .notation import NotationPrinter, format_number, width
from .unit_notations import ETA, SCHEMES


# The widest display, in digit widths (notation.width; about 12 pixels each in KaTeX): what fits an
# 800-pixel page (753 pixels of text) with room to spare, and a line of the article.
LINE_WIDTH = 58
# A layer wider than this, or a batch, is written compactly: one unit and one sample worked in full,
# everything else in tables.
WIDE = 4
SAMPLE_MODES = ("first", "all")


def is_compact(spec: NetworkSpec, samples: str = "first") -> bool:
    """Whether the document works sample 1 and one unit per layer in full and tables the rest."""
    if samples not in SAMPLE_MODES:
        raise DeriveError(f"unknown samples mode {samples!r} (expected one of: {', '.join(SAMPLE_MODES)})")
    widths = [len(spec.input_names)] + [layer.units for layer in spec.layers]
    return samples == "first" and (spec.samples > 1 or max(widths) > WIDE)


class Writer:
    """Prints expressions symbolically and, per sample, with numbers.

    In a compact batch document the worked equations are sample 1's, and the loss they differentiate
    is sample 1's: E^{(1)}, distinct from the batch mean E.
    """

    def __init__(self, spec: NetworkSpec, derivation: Derivation, values: Values, notation: str, compact: bool):
        self.spec, self.graph, self.values = spec, derivation.graph, values
        self.names = SCHEMES[notation](self.graph)
        self.symbolic = NotationPrinter(self.names)
        self.compact = compact
        self.per_sample_symbol = compact and spec.samples > 1
        sample_names = (self.names | {self.graph.total: self.names[self.graph.total] + "^{(1)}"}
                        if self.per_sample_symbol else self.names)
        self.sample_symbolic = NotationPrinter(sample_names)
        self.param_values = parameter_values(self.graph, values.parameters)
        self.gradients = parameter_values(self.graph, values.gradients)               # the cost's
        self.error_gradients = parameter_values(self.graph, values.error_gradients)   # the chain's
        self.samples = range(spec.samples)
        # the "(sample 1)" that ends a line of a batch document takes room too
        self.tag_width = width(r"\qquad \text{(sample 1)}") if spec.samples > 1 else 0.0
        self.node_values = [self._node_values(s) for s in self.samples]

    def _node_values(self, s: int) -> dict[sp.Basic, float]:
        fwd, values = self.values.forward, self.values
        table = dict(self.param_values)
        table[ETA] = self.spec.training.learning_rate
        for j, unit in enumerate(self.graph.inputs):
            table[unit.out] = fwd.inputs[s, j]
        for l, layer in enumerate(self.graph.layers):
            for j, unit in enumerate(layer.units):
                table[unit.net] = fwd.nets[l][s, j]
                table[unit.out] = fwd.outs[l][s, j]
                table[unit.delta] = values.factors[l].delta[s, j]
                if unit.target is not None:
                    table[unit.target] = self.spec.targets[s][j]
                if unit.mask is not None:
                    table[unit.mask] = self.spec.layers[l].kept(s)[j]
        for k, symbol in enumerate(self.graph.unit_errors):
            table[symbol] = fwd.unit_errors[s, k]
        return table

    def num(self, value: float) -> str:
        return format_number(float(value), self.spec.precision)

    def tex(self, expr: sp.Basic) -> str:
        """A batch-level (or sample-free) statement."""
        return self.symbolic.doprint(expr)

    def stex(self, expr: sp.Basic) -> str:
        """A statement about one sample: the worked sample's own loss in a compact batch document."""
        return self.sample_symbolic.doprint(expr)

    def with_numbers(self, expr: sp.Basic, s: int, extra: dict | None = None, names: dict | None = None) -> str:
        """`expr` with sample s's numbers; `extra` gives more symbols' values, `names` their LaTeX."""
        return self._number_printer(expr, s, extra, names=names).doprint(expr)

    def _number_printer(self, expr: sp.Basic, s: int, extra: dict | None = None,
                        figure: float | None = None, names: dict | None = None) -> NotationPrinter:
        """Prints `expr` with each symbol's value; given the equation's `figure`, an operand that the arithmetic
        is sensitive to gets as many digits as it takes to give that figure (1 - 0.99999999992^2, not 1 - 1^2)."""
        table = self.node_values[s] | (extra or {})
        operands = expr.free_symbols | expr.atoms(sp.Derivative)
        used = {k: v for k, v in table.items() if k in operands}     # the network's other values are not printed
        digits = dict.fromkeys(used, self.spec.precision)
        if figure is not None:
            for _ in range(4):
                if self._shows(expr, used, digits, figure):
                    break
                sensitive = [k for k in used if not self._shows(expr, used, {k: digits[k]}, figure)] or list(used)
                digits |= {k: min(digits[k] + 3, 17) for k in sensitive}
        return NotationPrinter(names or self.names, {k: format_number(float(v), digits[k]) for k, v in used.items()})

    def _shows(self, expr: sp.Basic, used: dict, digits: dict, figure: float) -> bool:
        """Does the arithmetic, with the operands in `digits` rounded to so many digits, give the figure?"""
        values = {k: sp.Float(float(f"{float(v):.{digits[k]}g}") if k in digits else float(v), 20)
                  for k, v in used.items()}
        try:
            value = complex(expr.xreplace(values).evalf(20))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return True                # nothing finite to compare: keep the spec's precision
        # a last-digit drift of rounded operands is how hand arithmetic goes; a figure the shown arithmetic
        # contradicts (1 - 1^2 = 4.9e-11) is not
        return value.imag == 0 and abs(value.real - figure) <= 10.0 ** (2 - self.spec.precision) * abs(figure)

    def equation(self, lhs: sp.Basic, formula: sp.Basic | None, per_sample: Sequence[float],
                 extras: Sequence[dict] | None = None, column: float | None = None) -> dict[str, Any]:
        """lhs = formula = formula with numbers = value, one numbers/value pair per sample. With `column`,
        the equation shares an aligned display whose left-hand sides are that wide (see `column`)."""
        figures = [self.num(v) for v in per_sample]
        lhs_tex = self.stex(lhs)
        line = LINE_WIDTH - self.tag_width
        limit = max(line - (width(lhs_tex) if column is None else column), line / 2)
        formula_lines = self.sample_symbolic.lines(formula, limit) if formula is not None else []
        parts, numbers_text = [], []
        for s, figure, value in zip(self.samples, figures, per_sample):
            # a formula that is one symbol has no arithmetic to show: x_1 = -0.7, not x_1 = (-0.7) = -0.7
            numbers = ([] if formula is None or formula.is_Symbol else
                       self._number_printer(formula, s, extras[s] if extras else None, value).lines(formula, limit))
            shown = [formula_lines] if formula_lines else []
            shown += [numbers] if numbers and numbers not in ([[figure]], formula_lines) else []
            shown += [[figure]] if [figure] != formula_lines else []
            parts.append(shown)
            numbers_text.append(" ".join(numbers) or figure)
        return {
            "symbol": self.tex(lhs),       # the quantity itself, for tables of every sample
            "lhs": lhs_tex,
            "formula": " ".join(formula_lines) if formula is not None else None,
            "numbers": numbers_text,
            # per sample, the sides after lhs, each as its lines: one line each while the whole fits
            "parts": parts,
            "broken": [too_wide(lhs_tex, shown, self.tag_width, column) for shown in parts],
            "figures": figures,
        }

    def statement(self, lhs: sp.Basic, *sides: sp.Basic, column: float | None = None) -> dict[str, Any]:
        """lhs = side = side about one sample, without numbers: each side as its lines, and whether the
        whole is too wide for one line."""
        lhs_tex = self.stex(lhs)
        tag = self.tag_width if self.per_sample_symbol else 0
        limit = max(LINE_WIDTH - tag - (width(lhs_tex) if column is None else column), LINE_WIDTH / 2)
        parts = [self.sample_symbolic.lines(side, limit) for side in sides]
        return {"lhs": lhs_tex, "formula": " = ".join(" ".join(p) for p in parts), "parts": parts,
                "broken": too_wide(lhs_tex, parts, tag, column)}

    def column(self, *lhs: sp.Basic, batch: Sequence[sp.Basic] = ()) -> float | None:
        """The width of the left column of an aligned display that holds equations about these left-hand
        sides (`batch`: those printed as the batch's, without the sample's superscript); None when the
        document sets each equation on its own (only a compact document groups them)."""
        if not self.compact:
            return None
        return max([width(self.stex(e)) for e in lhs] + [width(self.tex(e)) for e in batch])

    def entry(self, position: int, lhs: sp.Basic, formula: sp.Basic, per_sample: Sequence[float],
              column: float | None = None) -> dict[str, Any]:
        """The `position`-th equation of a list: worked in full, or (compact, past the first) figures for a table."""
        if self.compact and position > 0:
            return {"symbol": self.tex(lhs), "figures": [self.num(v) for v in per_sample]}
        return self.equation(lhs, formula, per_sample, column=column)

    def row(self, entry: dict[str, Any], tagged: bool | None = None) -> dict[str, Any]:
        """One equation (sample 1's), statement or reduction as a run of rows of an aligned display shared
        with others: lhs, its sides' lines, whether they go on lines of their own, and whether the run
        ends with the worked sample's tag (by default, when it is about one sample of a batch)."""
        per_sample = "figures" in entry
        parts = entry["parts"][0] if per_sample else entry["parts"]
        broken = entry["broken"][0] if per_sample else entry["broken"]
        return {"lhs": entry["lhs"], "parts": parts, "broken": broken,
                "tagged": self.per_sample_symbol if tagged is None else tagged}

    def joined(self, first: dict[str, Any], then: dict[str, Any], column: float | None) -> dict[str, Any]:
        """lhs = first's sides = then's sides (sample 1's): two statements about one lhs as one run."""
        parts = first["parts"] + (then["parts"][0] if "figures" in then else then["parts"])
        tag = self.tag_width if self.per_sample_symbol else 0
        return {"lhs": first["lhs"], "parts": parts, "broken": too_wide(first["lhs"], parts, tag, column),
                "tagged": self.per_sample_symbol}

    def reduction(self, lhs: sp.Basic, per_sample: Sequence[float], total: float,
                  column: float | None = None) -> dict[str, str] | None:
        """How per-sample figures combine into the batch's `lhs`: (1/m)(v1 + ... + vm) for a mean, a plain sum for a sum."""
        if len(per_sample) == 1:
            return None
        slots = sp.symbols(f"s0:{len(per_sample)}")
        terms = sp.Add(*slots, evaluate=False)
        mean = self.spec.loss.reduction == "mean"
        expr = _mul(sp.Rational(1, len(slots)), terms) if mean else terms
        printer = NotationPrinter({}, {k: self.num(v) for k, v in zip(slots, per_sample)})
        text, value, lhs_tex = printer.doprint(expr), self.num(total), self.tex(lhs)
        left = width(lhs_tex) if column is None else column
        lines = [text]
        if left + width(f" = {text} = {value}") > LINE_WIDTH:
            lines = printer.lines(terms, LINE_WIDTH - left - 4)
            if mean and len(lines) > 1:       # \left( cannot span lines: fixed-size parentheses can
                lines = [rf"\frac{{1}}{{{len(slots)}}} \Big({lines[0]}", *lines[1:-1], rf"{lines[-1]}\Big)"]
            elif mean:
                lines = [text]
        return {"lhs": lhs_tex, "numbers": text, "value": value, "parts": [lines, [value]],
                "broken": too_wide(lhs_tex, [[text], [value]], 0, column)}


def too_wide(lhs: str, parts: list[list[str]], tag: float = 0, column: float | None = None) -> bool:
    """Whether lhs = part = part ... (and its sample tag) is wider than a line, and so is set as an
    aligned block; `column`: the width of the left column the lhs stands in, in an aligned display
    shared with other equations."""
    rest = width(" = " + " = ".join(" ".join(part) for part in parts))
    return tag + (width(lhs) if column is None else max(column, width(lhs))) + rest > LINE_WIDTH
