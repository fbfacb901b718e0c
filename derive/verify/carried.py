"""A post's own figures, carried from claim to claim.

Posts round a figure, then compute the next one from the rounded figure. The next figure is then
off the exact value by more than its own last digit, yet it is right: it follows from the post's
own earlier figure. And a figure computed right from an earlier wrong figure carries that error:
it is wrong, but it is not a new mistake. Each figure a claim states for a quantity is kept with
that quantity's exact value; a claim found wrong is judged again, link by link, with the figures
it repeats taken at their exact values.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sympy as sp

from . import syntax as s
from .post_point import PostPoint, numbers_only, _unit
from .values import Verdict

MIN_DIGITS = 2          # a figure of one significant digit (0.5, 3) may repeat by chance
LONG_DIGITS, CARRIED_RELATIVE = 8, 1e-7     # a long figure's rounding past its 7th digit (Figures._printed)
NEAR_REPEAT = Decimal("1e-5")                # a figure this close to a stated one repeats it
COARSE_DIGITS = 3       # the precision a post must have shown to round from: 0.21 says too little


@dataclass(frozen=True)
class Stated:
    figure: float         # as written (its magnitude)
    exact: float          # the exact value of what the figure stood for (as the figure's magnitude)
    line: int
    wrong: bool

    @property
    def rounding(self) -> float:
        """How far the figure's magnitude is off: a figure wrong in its sign alone (its magnitude right
        to COARSE_DIGITS digits) passes on only its rounding to a claim that uses it with the right sign."""
        if not self.wrong:
            return self.figure - self.exact
        flipped = self.exact < 0 and abs(self.figure + self.exact) <= 10.0 ** -COARSE_DIGITS * abs(self.exact)
        return self.figure + self.exact if flipped else None


class Figures:
    def __init__(self):
        self.point = PostPoint()           # the post's figures for the nodes, and its formulas
        self.stated: dict[Decimal, Stated] = {}
        # each stated figure's distance from what it stood for, as judge.carried takes it: kept as
        # figures are stated, not rebuilt at every claim (a long post states hundreds)
        self.errors: dict[Decimal, sp.Float] = {}
        # a quantity the post gave as a product of its own figures (delta ~ -2.71011 x 0.242): its value
        self.products: dict[tuple[str, int | None], tuple[float, int, bool]] = {}

    def record(self, judge, chain: s.Chain, sample: int | None, line: int, verdict: str | None) -> None:
        """A claim `quantity = ... = figure`: the figure, and what it stood for."""
        if verdict not in ("ok", "wrong") or len(chain.sides) < 2 or isinstance(chain.sides[0], (s.Num, s.Neg)):
            return
        self.point.record(judge, chain, sample, line, verdict)
        if numbers_only(chain.sides[-1]) and not isinstance(_unsigned(chain.sides[-1]), s.Num):
            value = judge.value(chain.sides[-1], sample)
            if value is not None:
                self.products[(chain.sides[0].__repr__(), sample)] = (value, line, verdict == "wrong")
        if isinstance(chain.sides[-1], s.Matrix):
            self._record_entries(judge, chain, sample, line, verdict)
            return
        last, sign = chain.sides[-1], 1
        if isinstance(last, s.Neg):
            last, sign = last.arg, -1
        if not isinstance(last, s.Num) or "." not in last.text or _digits(last.text) < MIN_DIGITS:
            return
        exact = None
        judge.carried = self.errors
        try:            # the first side that has a value: sigma'(z) has none, 0.6028 (1 - 0.6028) has
            for side in chain.sides[:-1]:
                exact = judge.value(side, sample)
                if exact is not None:
                    break
        finally:
            judge.carried = {}
        if exact is not None:
            figure = Decimal(last.text)
            self._state(figure, Stated(float(figure), sign * exact, line, verdict == "wrong"))

    def _state(self, figure: Decimal, stated: Stated) -> None:
        self.stated[figure] = stated
        self.errors[figure] = sp.Float(repr(abs(stated.figure - stated.exact)), 30)

    def _record_entries(self, judge, chain: s.Chain, sample: int | None, line: int, verdict: str) -> None:
        """A claim `quantity = ... = [figures]`: each entry's figure, and the entry it stood for."""
        rows = chain.sides[-1].rows
        figures = [[_signed_figure(entry) for entry in row] for row in rows]
        if not any(f is not None for row in figures for f in row):
            return
        for side in chain.sides[:-1]:
            exact = judge.entries(side, sample)
            if exact is not None and len(exact) == len(rows) and all(len(a) == len(b) for a, b in zip(exact, rows)):
                break
        else:
            return
        for figure_row, exact_row in zip(figures, exact):
            for found, value in zip(figure_row, exact_row):
                if found is not None:
                    figure, sign, text = found
                    wrong = verdict == "wrong" and abs(sign * float(figure) - value) > _unit(text) * (1 + 1e-9)
                    self._state(figure, Stated(float(figure), sign * value, line, wrong))

    def _last_digit(self, judge, chain: s.Chain, sample: int | None, found: Verdict):
        """A figure one unit off in its last digit, in a post that computes from its own rounded
        figures (it gave earlier ones no finer than this one): rounded from them, not a mistake."""
        figure = _unsigned(chain.sides[-1]) if chain.sides else None
        if found.link and found.link != len(chain.relations):
            return found, None, None            # a link before the figure is wrong: not the figure's rounding
        if isinstance(figure, s.Num) and "." in figure.text and _one_unit_off(judge, chain, sample):
            lines = _coarse(self.stated, _digits(figure.text))
            if lines:
                return Verdict("ok", None, None), None, max(lines)
        if isinstance(figure, s.Matrix) and _entries_one_unit_off(judge, chain, sample):
            texts = [f[2] for row in figure.rows for f in map(_signed_figure, row) if f is not None]
            lines = _coarse(self.stated, min(map(_digits, texts)))
            if lines:
                return Verdict("ok", None, None), None, max(lines)
        return found, None, None

    def _from_the_post(self, judge, chain: s.Chain, sample: int | None, found: Verdict):
        """A figure its quantity's formula gives at the post's own figures for the nodes (only where
        the figure itself is what is off: the claim's last link, a number against a number)."""
        last = not found.link or found.link == len(chain.relations)
        follows = self.point.follows(judge, chain, sample) if last and found.off_figure \
            else None
        if follows is None:
            return self._last_digit(judge, chain, sample, found)
        line, wrong = follows
        if wrong:
            return found._replace(reason=f"{found.reason}; it carries the error from line {line}"), line, None
        return Verdict("ok", None, None), None, line

    def revisit(self, judge, chain: s.Chain, sample: int | None, found: Verdict) -> tuple[Verdict, int | None, int | None]:
        """(verdict, carries, rounded_from) for a claim found wrong that repeats earlier figures."""
        if found.verdict != "wrong":
            return found, None, None
        product = self.products.get((chain.sides[0].__repr__(), sample)) if len(chain.sides) == 2 else None
        if product is not None and numbers_only(chain.sides[-1]):
            value, line, wrong = product
            written, unit = _written(judge, chain.sides[-1], sample)
            if written is not None and abs(written - value) <= unit * (1 + 1e-9):     # the product, rounded or cut
                return (found._replace(reason=f"{found.reason}; it carries the error from line {line}"), line, None) \
                    if wrong else (Verdict("ok", None, None), None, line)
        # the figures the claim works from; its own result only when it restates an earlier figure
        used = {figure for figure in _figures(chain.sides[:-1]) if figure in self.stated} or \
            {figure for figure in _figures(chain.sides[-1:]) if figure in self.stated}
        printed = self._printed(judge.model, chain)
        if printed and not used:
            again = judge.carried_claim(chain, sample, printed)
            if again is not None and again.verdict == "ok":
                return Verdict("ok", None, None), None, None
        if not used:
            return self._from_the_post(judge, chain, sample, found)
        roundings = {figure: self.stated[figure].rounding for figure in used}
        if None not in roundings.values() and any(self.stated[figure].wrong for figure in used):
            again = judge.carried_claim(chain, sample, roundings)
            if again is not None and again.verdict == "ok":      # the slip of sign was not carried
                return Verdict("ok", None, None), None, max(self.stated[figure].line for figure in used)
        again = judge.carried_claim(chain, sample, {figure: self.stated[figure].figure - self.stated[figure].exact
                                                    for figure in used})
        if again is None or again.verdict != "ok":
            return self._from_the_post(judge, chain, sample, found)
        wrong = [self.stated[figure].line for figure in used if self.stated[figure].wrong]
        if wrong:
            line = max(wrong)
            return found._replace(reason=f"{found.reason}; it carries the error from line {line}"), line, None
        return Verdict("ok", None, None), None, max(self.stated[figure].line for figure in used)


    def _printed(self, model, chain: s.Chain) -> dict[Decimal, float]:
        """The long figures a claim computes with that the post never stated, each a value of the
        network off past its 7th digit (0.00995425455 for 0.00995425471): printed from a calculation
        the post does not show, they carry its rounding, which no writer's mistake looks like. A
        figure that nearly repeats one the post stated is a copy's slip (1.1059059067 for
        1.105905967), not that; each is allowed its own distance from the value, no more."""
        values = sorted({abs(float(v)) for v in (model.spec_point or {}).values()})
        found = {}
        for figure in _figures(chain.sides[:-1]):
            if len(figure.normalize().as_tuple().digits) < LONG_DIGITS or figure in self.stated or \
                    any(abs(figure - stated) <= NEAR_REPEAT * abs(figure) for stated in self.stated):
                continue
            off = min((abs(float(figure) - v) for v in values), default=None)
            if off is not None and 0 < off <= CARRIED_RELATIVE * float(figure):
                found[figure] = off
        return found


def _written(judge, side: s.Node, sample: int | None) -> tuple[float | None, float]:
    """A side of figures: its value, and one unit of its printed precision (a figure's last digit;
    an expression's, its figures' half units carried through it, twice)."""
    if isinstance(_unsigned(side), s.Num):
        text = _unsigned(side).text
        return float(Decimal(text)) * (-1 if isinstance(side, s.Neg) else 1), _unit(text)
    value, half = judge.value(side, sample), judge.printed_tolerance(side, sample)
    return (value, 2 * half) if value is not None and half is not None else (None, 0.0)


def _signed_figure(node: s.Node) -> tuple[Decimal, int, str] | None:
    """An entry written as a figure of enough digits: (its magnitude, its sign, its text)."""
    sign = -1 if isinstance(node, s.Neg) else 1
    node = _unsigned(node)
    if isinstance(node, s.Num) and "." in node.text and _digits(node.text) >= MIN_DIGITS:
        return Decimal(node.text), sign, node.text
    return None


def _coarse(stated: dict, digits: int) -> list[int]:
    """Lines of earlier figures of at least COARSE_DIGITS that the post gave with no more
    significant digits than `digits`."""
    return [st.line for figure, st in stated.items() if COARSE_DIGITS <= _digits(str(abs(figure))) <= digits]


def _figures(node) -> set[Decimal]:
    return {Decimal(item.text) for item in s.nodes(node) if isinstance(item, s.Num) and "." in item.text}


def _one_unit_off(judge, chain: s.Chain, sample: int | None) -> bool:
    """The claim's figure is within one unit of its last digit of the exact value of what it states."""
    figure = _unsigned(chain.sides[-1])
    if len(chain.sides) < 2 or not isinstance(figure, s.Num) or numbers_only(chain.sides[0]):
        return False
    exact = judge.value(chain.sides[0], sample)
    if exact is None:
        return False
    written = float(Decimal(figure.text)) * (-1 if isinstance(chain.sides[-1], s.Neg) else 1)
    return abs(written - exact) <= _unit(figure.text) * (1 + 1e-9)


def _entries_one_unit_off(judge, chain: s.Chain, sample: int | None) -> bool:
    """Each entry of the claim's matrix of figures is within one unit of its last digit of the exact
    entry it states."""
    rows = chain.sides[-1].rows
    figures = [[_signed_figure(entry) for entry in row] for row in rows]
    if len(chain.sides) < 2 or any(f is None for row in figures for f in row) or numbers_only(chain.sides[0]):
        return False
    exact = judge.entries(chain.sides[0], sample)
    if exact is None:
        return False
    flat = [f for row in figures for f in row]
    values = [v for row in exact for v in row]
    if len(values) != len(flat):          # a list set equal to a column: its entries in order either way
        return False
    return all(abs(sign * float(figure) - value) <= _unit(text) * (1 + 1e-9)
               for (figure, sign, text), value in zip(flat, values))


def _unsigned(node: s.Node) -> s.Node:
    return node.arg if isinstance(node, s.Neg) else node


def _digits(text: str) -> int:
    return len(text.replace(".", "").lstrip("0"))
