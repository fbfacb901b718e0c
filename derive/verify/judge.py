"""One claim, link by link: symbolic links at several points, numeric links to the printed precision."""

from __future__ import annotations

import random
from decimal import Decimal
from functools import cached_property

import sympy as sp

from ..core.samples import origin, per_sample
from ..present.layer_context import bmatrix
from ..present.notation import format_number
from . import syntax as s
from .apart import numeric_apart, symbolic_apart
from .diagnosis import diagnose
from .link_sides import (as_expr, figure_of, flat, fmt, free, has_decimal, is_matrix, oriented, pairs, rounding_slip,
                         shape_cause, shape_text, written_digits)
from .meaning import Meaning
from .model import COST, ERROR, Model
from .points import Extended
from .values import (BrokenChain, NotElementwise, PerSample, Scope, ShapeMismatch, Unreadable, Verdict, unknown_name,
                     updated_symbol)

EQUALITIES = {"=", "\\approx", "\\equiv", ":="}
RANDOM_POINTS = 3
SLACK = 1e-12          # relative: the spec's numbers pass through float64 once
FLOOR = 1e-15          # absolute: a sum that is 0 exactly comes out of float64 as ±1e-17 or so


class Judge:
    def __init__(self, model: Model, meaning: Meaning, history=None, seed: int = 0):
        self.model, self.meaning, self.history = model, meaning, history
        self.rng = random.Random(seed)
        self._random = [model.random_point(self.rng) for _ in range(RANDOM_POINTS)]
        # figures the post stated earlier, with how far each is off what it stood for (carried_claim)
        self.carried: dict[Decimal, sp.Float] = {}
        self._named_after: dict[tuple[int, bool], tuple[dict, dict]] = {}

    def carried_claim(self, chain: s.Chain, sample: int | None, carried: dict[Decimal, float]) -> Verdict | None:
        """The claim judged with each earlier figure it repeats allowed to be as far off as the post
        had it: a claim that holds then only carries the post's own rounding (or its own error)."""
        self.carried = {figure: sp.Float(repr(abs(error)), 30) for figure, error in carried.items()}
        try:
            return self.claim(chain, sample)
        finally:
            self.carried = {}

    def value(self, node: s.Node, sample: int | None, overrides: dict | None = None) -> float | None:
        """A side's value at the spec's numbers (some nodes at the post's figures for them), when it
        is one number."""
        return self._at_spec(node, sample, lambda expr, full, _: self._value(expr, full | (overrides or {})))

    def printed_tolerance(self, node: s.Node, sample: int | None) -> float | None:
        """How far a side of figures may be off for its printed precision: half a unit in each
        figure's last digit, carried through the side."""
        return self._at_spec(node, sample, self._tolerance)

    def _at_spec(self, node: s.Node, sample: int | None, measure) -> float | None:
        scope = Scope(sample if sample is not None or self.model.samples == 1 else 0)
        try:
            expr = self.meaning.side(node, scope)
            if isinstance(expr, sp.MatrixBase) and expr.shape == (1, 1):     # one output, one sample
                expr = expr[0, 0]
            if isinstance(expr, sp.MatrixBase) or self.model.spec_point is None or scope.free:
                return None         # sigma'(z) with a letter of its own has no one value
            return float(measure(expr, self._extend(self.model.spec_point, scope), scope))
        except (Unreadable, ZeroDivisionError, OverflowError, TypeError, ValueError, AttributeError, RecursionError):
            return None

    def named(self, node: s.Node, sample: int | None) -> list[sp.Symbol] | None:
        """The node symbols a side names, entry by entry (out_o1__s0; a layer's matrix), or None."""
        scope = Scope(sample if sample is not None or self.model.samples == 1 else 0)
        try:
            expr = self.meaning.side(node, scope)
        except (Unreadable, ZeroDivisionError, OverflowError, TypeError, ValueError, AttributeError, RecursionError):
            return None
        found = list(expr) if isinstance(expr, sp.MatrixBase) else [expr]
        if scope.literals or not all(origin(x) for x in found):
            return None
        return found

    def entries(self, node: s.Node, sample: int | None, overrides: dict | None = None) -> list[list[float]] | None:
        """A side's entries at the spec's numbers (some nodes at the post's figures for them), when
        it is a matrix of numbers."""
        scope = Scope(sample if sample is not None or self.model.samples == 1 else 0)
        try:
            expr = self.meaning.side(node, scope)
            if not isinstance(expr, sp.MatrixBase) or self.model.spec_point is None or scope.free:
                return None
            value = self._value(expr, self._extend(self.model.spec_point, scope) | (overrides or {}))
            return [[float(v) for v in row] for row in value.tolist()]
        except (Unreadable, ShapeMismatch, ZeroDivisionError, OverflowError, TypeError, ValueError, AttributeError,
                RecursionError):
            return None

    def names_parameters(self, node: s.Node, sample: int | None) -> bool:
        """Whether a side names weights or biases only (w_5, b^{[1]})."""
        scope = Scope(sample if sample is not None or self.model.samples == 1 else 0)
        try:
            value = self.meaning.side(node, scope)
        except (Unreadable, ZeroDivisionError, OverflowError, TypeError, ValueError, AttributeError, RecursionError):
            return False
        symbols = value.free_symbols if isinstance(value, sp.Basic) else set()
        return bool(symbols) and all(self.model.is_parameter(x) for x in symbols) and \
            (not isinstance(value, sp.MatrixBase) or all(isinstance(v, sp.Symbol) for v in value))

    def claim(self, chain: s.Chain, sample: int | None) -> Verdict | None:
        links = [k for k, rel in enumerate(chain.relations) if rel in EQUALITIES]
        if not links:
            return None
        clash = self.meaning.target_clash(chain)
        if clash is not None:
            return Verdict("unchecked", None, clash)
        unread = None
        try:
            scope, sides = self._read(chain, sample)
        except ShapeMismatch as exc:
            return Verdict("wrong", None, shape_cause(str(exc)))
        except BrokenChain as exc:
            return Verdict("wrong", None, str(exc))
        except Unreadable as exc:
            scope, sides = self._read_partly(chain, sample)
            links = _links_between(chain, sides)
            if not links:
                return Verdict("unchecked", None, str(exc), unknown=unknown_name(exc),
                               inapplicable=isinstance(exc, NotElementwise))
            unread = exc
        except RecursionError:           # the last line: the reader refuses formulas this deep
            return Verdict("unchecked", None, "the formula nests too deeply")
        except (ZeroDivisionError, OverflowError, TypeError, ValueError, AttributeError) as exc:
            return Verdict("unchecked", None, f"cannot evaluate the claim ({type(exc).__name__})")
        for k in links:
            left, right = sides[k], sides[k + 1]
            try:
                verdict = self._link(left, right, scope, k, len(chain.relations) > 1, chain)
            except Unreadable as exc:
                return Verdict("unchecked", None, str(exc), unknown=unknown_name(exc))
            except RecursionError:
                return Verdict("unchecked", None, "the formula nests too deeply")
            except (ZeroDivisionError, OverflowError, TypeError, ValueError) as exc:
                return Verdict("unchecked", None, f"cannot evaluate the claim ({type(exc).__name__})")
            if verdict is not None:
                return verdict._replace(link=k + 1) if len(chain.relations) > 1 else verdict
        notes = "; ".join(sorted(scope.notes))
        if unread:
            return Verdict("ok", None, f"only the links without it were checked: {unread}" + (f"; {notes}" if notes else ""),
                           unknown=unknown_name(unread))
        return Verdict("ok", None, notes or None)

    def _read_partly(self, chain: s.Chain, sample: int | None):
        """Each side on its own: an unknown name on one side leaves the others to be checked."""
        scope = Scope(sample if sample is not None or self.model.samples == 1 else 0)
        sides = []
        for node in chain.sides:
            try:
                sides.append(self.meaning.side(node, scope))
            except (Unreadable, ShapeMismatch, ZeroDivisionError, OverflowError, TypeError, ValueError,
                    AttributeError):
                sides.append(None)
        return scope, sides

    def _read(self, chain: s.Chain, sample: int | None):
        """Untagged in a batch: the batch as a whole if every name allows it, else any one sample."""
        tries = [sample] if sample is not None or self.model.samples == 1 else [None, 0]
        for k, which in enumerate(tries):
            scope = self.meaning.scope_for(chain, which)
            try:
                return scope, [self.meaning.side(node, scope) for node in chain.sides]
            except PerSample:
                if k == len(tries) - 1 or has_decimal(chain):
                    raise
        raise AssertionError("unreachable")

    # -- one link ----------------------------------------------------------------
    def _link(self, left, right, scope: Scope, k: int, chained: bool, chain: s.Chain) -> Verdict | None:
        where = f"link {k + 1} of {len(chain.relations)}: " if chained else ""
        left, right = oriented(left, chain.sides[k], right), oriented(right, chain.sides[k + 1], left)
        if scope.either_way and is_matrix(left) and is_matrix(right) and left.shape != right.shape == left.shape[::-1]:
            left = left.T
        if is_matrix(left) != is_matrix(right):
            if not self._every_entry(left if is_matrix(left) else right, right if is_matrix(left) else left, scope):
                return Verdict("wrong", None, f"{where}a matrix on one side and a number on the other")
            shape = (left if is_matrix(left) else right).shape      # W_2 = 0.1 for a matrix of 0.1s: each entry
            left, right = (x if is_matrix(x) else sp.ImmutableMatrix.ones(*shape) * as_expr(x) for x in (left, right))
            scope.notes.add("read the number as every entry of the matrix")
        if is_matrix(left) and left.shape != right.shape:
            return Verdict("wrong", None, f"{where}a {shape_text(left)} matrix equals a {shape_text(right)} one: "
                                          "a missing transpose?")
        if isinstance(left, sp.MatrixBase) and left.shape == (1, 1) and not isinstance(right, sp.MatrixBase):
            left = left[0, 0]
        if isinstance(right, sp.MatrixBase) and right.shape == (1, 1) and not isinstance(left, sp.MatrixBase):
            right = right[0, 0]
        literals = set(scope.literals)
        has_literals = bool((free(left) | free(right)) & literals)
        constant = not (free(left) - literals) or not (free(right) - literals)   # a side of numbers only
        if constant and (free(left) | free(right)) & scope.free:
            return None        # sigma(z) = 0.6 with a letter of the post's own: an example, no claim on the network
        if not has_literals and not constant:
            return self._symbolic(left, right, scope, where)
        return self._numeric(left, right, scope, where, k == len(chain.relations) - 1 and k > 0)

    def _every_entry(self, matrix: sp.MatrixBase, number, scope: Scope) -> bool:
        """A matrix whose entries are all one value at the spec's numbers, set equal to a number:
        a post's shorthand for each entry (all weights 0.1)."""
        point = self.model.spec_point
        if point is None or isinstance(number, sp.MatrixBase):
            return False
        try:
            full = self._extend(point, scope)
            values = {round(float(self._number(entry, full)), 12) for entry in matrix}
        except (Unreadable, TypeError, ValueError, ZeroDivisionError):
            return False
        return len(values) == 1

    def _symbolic(self, left, right, scope: Scope, where: str) -> Verdict | None:
        points = ([("the spec's values", self.model.spec_point)] if self.model.spec_point else []) + \
                 [("a random point", p) for p in self._random]
        if points and self.model.spec_point and self._data_only(left, right):
            points = points[:1]       # y = x_1 + x_2: a fact of the data (inputs, targets), not of the network
        for k, (label, point) in enumerate(points):
            full = self._extend(point, scope)
            a, b = self._value(left, full), self._value(right, full)
            for x, y in pairs(a, b):
                if symbolic_apart(x, y, 1e-15):
                    if k and self.model.spec_point and self._holds_for_the_data(left, right, scope):
                        scope.notes.add("holds for the spec's inputs and targets, not for any data")
                        return None
                    cause = diagnose(self, left, right, scope, full, symbolic=True)
                    return Verdict("wrong", None, f"{where}the sides differ at {label}: "
                                                  f"{fmt(x)} against {fmt(y)}" + (f"; {cause}" if cause else ""))
        return None

    def _holds_for_the_data(self, left, right, scope: Scope) -> bool:
        """L = -\\log(1 - a) where the target is 0: a formula true of the post's data, whatever the weights."""
        spec = self.model.spec_point
        for point in self._data_points:
            full = self._extend(point, scope)
            a, b = self._value(left, full), self._value(right, full)
            if any(symbolic_apart(x, y, 1e-15) for x, y in pairs(a, b)):
                return False
        return spec is not None

    @cached_property
    def _data_points(self) -> list[dict]:
        """Random weights and biases, with the spec's inputs and targets."""
        spec, bases = self.model.spec_point, set(self.model.bases)
        return [self.model.complete({x: v for x, v in point.items()
                                     if x in self.model.parameters or x == self.model.eta} |
                                    {x: v for x, v in spec.items() if self.model.graph_symbol(x) in bases})
                for point in self._random[:2]]

    def _data_only(self, left, right) -> bool:
        bases = set(self.model.bases)
        return all(self.model.graph_symbol(x) in bases for x in free(left) | free(right))

    def _numeric(self, left, right, scope: Scope, where: str, last: bool) -> Verdict | None:
        point = self.model.spec_point
        if point is None:
            raise Unreadable("the spec gives no numbers to check a number against")
        full = self._extend(point, scope)
        a, b = self._value(left, full), self._value(right, full)
        carried, literals = self.carried, set(scope.literals)
        if not (free(left) - literals) and not (free(right) - literals):
            self.carried = {}          # figures on both sides: the post's own arithmetic, nothing carried
        try:
            tol_a, tol_b = self._tolerance(left, full, scope), self._tolerance(right, full, scope)
        finally:
            self.carried = carried
        digits = max(written_digits(right, scope), 3)
        for k, (x, y, ta, tb) in enumerate(zip(*[flat(v) for v in (a, b, tol_a, tol_b)])):
            if numeric_apart(x, y, ta, tb, SLACK, FLOOR):
                if isinstance(a, sp.MatrixBase):
                    expected = bmatrix([[float(v) for v in row] for row in a.tolist()], max(digits, 4))
                    entry = f"entry ({k // a.shape[1] + 1}, {k % a.shape[1] + 1}): "
                    cause = diagnose(self, left, right, scope, full, symbolic=False)
                else:
                    expected, entry = format_number(float(x), digits), ""
                    cause = None
                if not entry and rounding_slip(right, scope, x, y):
                    cause = "a rounding slip in the last printed digit (rounded from rounded figures?)"
                elif not entry:
                    cause = diagnose(self, left, right, scope, full, symbolic=False, last=last, wrong=(x, y))
                return Verdict("wrong", expected, f"{where}{entry}{fmt(y)} is not {fmt(x)} to the printed "
                                                  f"precision (±{fmt(ta + tb)})" + (f"; {cause}" if cause else ""),
                               off_figure=True)
        return None

    # -- values ------------------------------------------------------------------
    def _extend(self, point: dict, scope: Scope) -> dict:
        full = Extended(point)         # the model keeps values over its own symbols at the point
        for literal in scope.literals.values():
            full[literal.symbol] = literal.value
        if scope.free:                                    # a letter of the formula's own: a value at each point
            seed = repr(next(iter(point.values()), 0))   # the same values for the same point, run after run
            for letter in scope.free:
                full[letter] = sp.Float(random.Random(f"{seed}:{letter}").uniform(-2, 2), 30)
        for steps in scope.updated:
            if steps == 1:
                full.update(self._after_step(point, scope.after_step_nodes))
            elif point is self.model.spec_point and self.history is not None and steps < len(self.history):
                value = sp.Float(repr(float(self.history[steps])), 30)
                full[updated_symbol(COST, steps)] = value       # the history is the cost's
                if not self.model.l2:                            # which is the error's, without a penalty
                    full[updated_symbol(ERROR, steps)] = value
                    full[updated_symbol(per_sample(self.model.graph.total, 0), steps)] = value
            else:
                raise Unreadable(f"a value after {steps} steps is known only at the spec's values, "
                                 f"for the loss, within the spec's iterations")
        return full

    def _after_step(self, point: dict, whole: bool) -> dict:
        """The point after one step under the names claims give it (w_1 -> w_1__after1), built once:
        the parameters only, or (whole) every node and loss at them too, a forward and backward pass."""
        found = self._named_after.get((id(point), whole))
        if found is None or found[0] is not point:      # keep the point alive so its id stays its own
            after = self.model.updated(point) if whole else self.model.stepped(point)
            found = self._named_after[(id(point), whole)] = (point, {updated_symbol(x, 1): v for x, v in after.items()})
        return found[1]

    def _value(self, expr, point: dict):
        if isinstance(expr, sp.MatrixBase):
            return expr.applyfunc(lambda e: self._number(e, point))
        return self._number(expr, point)

    def _number(self, expr, point: dict):
        value = self.model.number(as_expr(expr), point)
        if type(value) is sp.Float and value._mpf_[1]:      # a mantissa: finite and real, the checks below pass
            return value
        if not value.is_number:
            missing = ", ".join(sorted(str(x) for x in value.free_symbols)[:3])
            raise Unreadable(f"no value for {missing}")
        if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not value.is_real:
            raise Unreadable("the claim has no finite real value here")
        return value

    def _tolerance(self, expr, point: dict, scope: Scope):
        """Half a unit in each printed number's last digit, carried through the expression."""
        def one(e):
            total = sp.Float(0, 30)
            for symbol in free(as_expr(e)) & set(scope.literals):
                slope = self.model.slope(e, symbol, point)
                carried = self.carried.get(figure_of(scope.literals[symbol]), 0)     # the post's own error in it
                total += abs(slope) * (scope.literals[symbol].half_ulp + carried)
            return total
        if isinstance(expr, sp.MatrixBase):
            return expr.applyfunc(one)
        return one(expr)


def _links_between(chain: s.Chain, sides: list) -> list[int]:
    """The links whose two sides were both read. Never across an unread side: what it stood for
    (which figures it substituted, rounded how) is unknown."""
    return [k for k, rel in enumerate(chain.relations[:len(sides) - 1])
            if rel in EQUALITIES and sides[k] is not None and sides[k + 1] is not None]
