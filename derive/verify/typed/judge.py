"""One claim of a typed post, judged: each link of its chain at random points of the layer (a
formula must hold everywhere) or, where it states figures, at the spec's numbers to the figures'
precision; over every value of its free indices. A wrong claim is set against the classic slips."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

import numpy as np

from .. import syntax as s
from ..values import Verdict
from .arrays import tensor_claim
from .evaluate import Evaluator, OutOfRange, SumTooLong, Unread, View
from .letters import contracted, free_letters
from .model import LayerModel, Point, random_leaves, spec_leaves
from .names import Names, arithmetic, axes_for, index_pieces
from .rows import aligned, wrong_rows
from .output_size import output_size_claim
from .sizes import size_claim
from .slips import OUTSIDE, bias_left_out, slip
from .statistics import chosen_parameter
from .tensor_judge import figure_points, judge_tensors

ARGMAX, POINTS = re.compile(r"^[A-Za-z]_(?:m|max|\*)$"), 2
ASSIGNMENTS = 24           # values of a claim's free indices tried, at most
RELATIVE = 1e-9            # a formula: both sides are float64 evaluations of the same number
EQUALITIES = ("=", "\\approx", "\\equiv", ":=")


class MissingSum(Unread):
    """A side reads an index the claim's first side does not, and sums over none of it."""

    def __init__(self, letters: list[str]):
        super().__init__(", ".join(letters))
        self.letters = letters


class TypedJudge:
    def __init__(self, model: LayerModel, names: Names, base: int, seed: int = 0):
        self.model, self.names, self.base = model, names, base
        # ε sits inside the root, outside it or on σ as a post likes: at 0 all agree
        self.rng, self.epsilon = np.random.default_rng(seed), 0.0
        self.points = [Point(model, random_leaves(model, self.rng, self.epsilon)) for _ in range(POINTS)]
        self.spec_point = Point(model, given) if (given := spec_leaves(model)) is not None else None
        self.group_counts: frozenset = frozenset()      # set by the document: the letters its statistics divide by
        self.uniform = False          # set by the document: it writes layer norm's γ, β without an index
        self.convention: str | None = None      # set by the document: * as a correlation or a convolution
        self.wrong_rows: list[int] = []
        self.other_sizes: set[s.Node] = set()   # tensors the post writes out at other sizes than the spec's
        self.before: s.Node | None = None
        self.padded = False           # while a claim is read on the padded input
        self.tied = False             # while a derivative by an unindexed γ, β is read as by one scalar
        self.held: frozenset = frozenset()      # while derivatives hold these statistics constant
        self.variables: frozenset = frozenset()  # set by the document: the statistics it differentiates by
        self.case: tuple | None = None  # set by the document per claim: "for k ≠ i" as (k, i, equal)
        self.figures = False          # while a claim that states figures is judged
        self.einstein = False         # set by the document: it declares Einstein's summation convention
        self._without_bias: list[Point] | None = None

    def one_scale(self) -> None:
        """γ and β drawn one number each, for a post that writes them so (layer norm's are per feature)."""
        self.uniform = True
        self.points = [Point(self.model, _uniform(self.model, random_leaves(self.model, self.rng, self.epsilon)))
                       for _ in range(POINTS)]

    def claim(self, chain: s.Chain, before: s.Node | None = None) -> Verdict:
        """`before`: the side written just above this row's (the row goes on from it), if any."""
        sizes = size_claim(chain, self.model) or output_size_claim(chain, self.model) or chosen_parameter(chain, self.names)
        if sizes is not None:
            return sizes
        self.figures = bool(_figures(chain))
        try:
            found = self._claim(chain, before)
            if found.verdict != "wrong":
                return found
            rows = self.wrong_rows             # of this reading: the others' runs below set their own
            other = self._other_reading(chain, before) or bias_left_out(self, chain, before)
            self.wrong_rows, self.before = rows, before
            return other or found
        except Unread as exc:
            return Verdict("unchecked", None, str(exc))
        finally:
            self.figures = False

    def _other_reading(self, chain: s.Chain, before: s.Node | None) -> Verdict | None:
        """A wrong claim that holds (or is not read, so may hold) where a name of two meanings takes its other."""
        written = {Names.key(n.text, n.font) for n in s.nodes(chain) if isinstance(n, s.Sym)}
        for key in sorted(k for k in written if self.names.other_roles(k)):
            bound = (self.names.bound[key],) if key in self.names.bound else ()
            for role in self.names.other_roles(key):
                self.names.bind(key, role)
                try:
                    again = self._claim(chain, before)
                except Unread as exc:
                    again = Verdict("unchecked", None, str(exc))
                finally:
                    self.names.unbind(key, bound)
                if again.verdict == "ok" or again.verdict == "unchecked" and key not in self.names.readings:
                    return again._replace(reason=f"read with {key} as the layer's {role}: {again.reason or 'it holds'}")
        return None

    def _claim(self, chain: s.Chain, before: s.Node | None) -> Verdict:
        self.wrong_rows: list[int] = []     # of a wrong matrix, its wrong rows (rows.py)
        self.before = before
        links = [(k, chain.sides[k], chain.sides[k + 1]) for k, rel in enumerate(chain.relations)
                 if rel in EQUALITIES and k + 1 < len(chain.sides)]
        if not links:
            return Verdict(None, None, None)
        if self.model.kind == "conv2d" and tensor_claim(chain, self.names, self.model):
            return judge_tensors(self, chain, links, self.convention)
        figures = _figures(chain)
        points = figure_points(self, chain) if figures else \
            self.points if self._names_bias(chain) else self._unbiased()
        if not points:
            return Verdict("unchecked", None, "the claim states figures, and the spec gives no numbers to check "
                                              "them at")
        found = self._judged(chain, links, points, figures, local=True)
        if found.verdict != "wrong":
            return found
        # the readings a wrong claim is tried again under, each a convention posts keep:
        # (applies, the judge's attribute set while read, its value, local partials, what the reading is)
        readings = (
            # a padded conv's post may count its input on the padded image (X_pad)
            (bool(self.model.attributes.get("padding", 0)), "padded", True, True,
             "read with the input's entries counted on the padded input"),
            # ∂x̂_i/∂x_i is the local partial in one post and the total derivative in the next
            (not found.reason.startswith("the sum"), None, None, False,
             "read with total derivatives (every path through the layer)"),
            # γ written without an index: a vector's entry in one post, one scalar for every feature in the next
            (self.uniform, "tied", True, False, "read with γ and β as one number each, shared by every feature"),
            # ∂y/∂x beside ∂L/∂μ ∂μ/∂x: the partial with μ and σ² held, the post's variables of their own
            (bool(self.variables), "held", self.variables, True, "read with μ and σ² held in the partial derivatives"),
        )
        for applies, attribute, value, local, reason in readings:
            if applies and self._again(chain, links, points, figures, local, attribute, value).verdict == "ok":
                return Verdict("ok", None, reason)
        return found

    def _again(self, chain, links, points, figures, local: bool, attribute: str | None, value) -> Verdict:
        """The claim judged again with one of the judge's readings switched on."""
        if attribute is None:
            return self._judged(chain, links, points, figures, local=local)
        kept = getattr(self, attribute)
        setattr(self, attribute, value)
        try:
            return self._judged(chain, links, points, figures, local=local)
        finally:
            setattr(self, attribute, kept)

    def _judged(self, chain: s.Chain, links, points, figures, local: bool) -> Verdict:
        letters = sorted(free_letters(chain, self.names.counts if self.model.normalizing else ()))
        probe = self._evaluator(points[0], local)
        named_group, tied = None, False
        try:
            probe.side(chain.sides[0], View({k: 0 for k in letters}, 0, 0, self.base))
            own = frozenset(probe.used)
            if len(probe.groups_named) == 1 and "◦" not in own:     # ∂L/∂x_{0,0}: the claim is about group 0
                own |= {"◦"}
                named_group = next(iter(probe.groups_named))
            # x̂_i = (x - μ)/σ: the unindexed entries on the right are x_i's own entry, not a sum
            tied = self.model.normalizing and "•" not in own and len([k for k in own if k not in "•◦"]) == 1
            if tied:
                own |= {"•"}
        except SumTooLong as exc:
            return Verdict("wrong", None, str(exc), link=1)
        except OutOfRange:
            own = frozenset(letters)
        except Unread as exc:
            return Verdict("unchecked", None, str(exc))
        except (ZeroDivisionError, TypeError, ValueError, OverflowError) as exc:
            return Verdict("unchecked", None, f"the formula does not evaluate here ({exc})")
        checked = False
        for number, left, right in links:
            for point in points:
                evaluator = self._evaluator(point, local)
                for view in self._views(own, named_group, tied, self._letter_sizes(chain)):
                    if not self._in_case(view):
                        continue
                    try:
                        va = self._summed(evaluator, point, left, view, own, letters)
                        vb = self._summed(evaluator, point, right, view, own, letters)
                    except SumTooLong as exc:
                        return Verdict("wrong", None, str(exc), link=number + 1)
                    except MissingSum as exc:
                        return Verdict("wrong", None, f"{_where(view)}the right side reads {', '.join(exc.letters)}, which "
                                       "the left does not have, and sums over none: the sum over "
                                       f"{', '.join(exc.letters)} is missing (the post declares no summation "
                                       "convention)", link=number + 1)
                    except OutOfRange:
                        continue
                    except Unread as exc:
                        return Verdict("unchecked", None, str(exc))
                    except (ZeroDivisionError, TypeError, ValueError, OverflowError) as exc:
                        return Verdict("unchecked", None, f"the formula does not evaluate here ({exc})")
                    checked = True
                    if not _agree(va, vb, _tolerance(figures, left, right, vb)):
                        found = slip(self.model, evaluator, point, left, right, view, va)
                        for above in (chain.sides[number], self.before):    # a matrix written out in place
                            if above is not None and aligned(above, right):      # of the left's or above's
                                self.wrong_rows = wrong_rows(evaluator, point, above, right, view)
                                break
                        return Verdict("wrong", _shown(va), f"{_where(view)}the two sides differ: "
                                       f"{_shown(va)} and {_shown(vb)}" + (f"; {found}" if found else ""),
                                       link=number + 1)
        if not checked:
            return Verdict("unchecked", None, OUTSIDE)
        return Verdict("ok", None, None)

    def _in_case(self, view: View) -> bool:
        """Whether the view's indices are in the case the post states for the claim (for k ≠ i)."""
        if self.case is None:
            return True
        a, b, equal = self.case
        if a not in view.indices or b not in view.indices:
            return True
        return (view.indices[a] == view.indices[b]) == equal

    def matrix_size(self, chain: s.Chain, before: s.Node | None) -> int:
        """The rows of a matrix the claim's last link writes out in place of the side above's expression."""
        for above in (chain.sides[-2], before):
            pair = aligned(above, chain.sides[-1]) if above is not None else None
            if pair:
                return len(pair[1].rows)
        return 0

    def _names_bias(self, chain: s.Chain) -> bool:
        """Whether a claim writes the bias as a name (not a sum's letter b, not an index)."""
        stack = list(chain.sides)
        while stack:
            node = stack.pop()
            if isinstance(node, s.Sym) and self.names.role(node.text, node.font) == "bias":
                return True
            if isinstance(node, s.BigSum):
                stack.append(node.body)
            elif isinstance(node, s.Scripted):
                stack.append(node.base)
            elif isinstance(node, (list, tuple)):
                stack.extend(node)
            elif hasattr(node, "__dataclass_fields__"):
                stack.extend(getattr(node, name) for name in s.node_fields(node))
        return False

    def _unbiased(self) -> list[Point]:
        """The random points with the bias the spec gives (0 unless given), for a claim that does not
        name it: a post that writes Z = Σ W a leaves out a bias that is 0."""
        bias = self.model.tensors.get("bias")
        if bias is None or any(self.model.spec_values.get(e, 0.0) for e in bias.entries()):
            return self.points
        if self._without_bias is None:
            self._without_bias = [Point(self.model, {leaf: 0.0 if leaf in bias.entries() else p.values[leaf]
                                                     for leaf in self.model.leaves}) for p in self.points]
        return self._without_bias

    def _evaluator(self, point: Point, local: bool) -> Evaluator:
        evaluator = Evaluator(self.model, self.names, point, local, self.group_counts)
        evaluator.uniform, evaluator.padded, evaluator.tied = self.uniform, self.padded, self.tied
        evaluator.held = self.held
        evaluator.figures = self.figures
        return evaluator

    def _summed(self, evaluator: Evaluator, point: Point, node: s.Node, view: View, own, letters) -> float:
        """A side's value; an index it reads that the claim's first side does not (the unindexed entry •
        too) is summed over, as Einstein's convention and a product of whole vectors both mean."""
        extra_letters = [k for k in letters if k not in own]
        evaluator.used = set()
        probe = View(view.indices | {k: 0 for k in extra_letters}, view.entry, view.group, view.base)
        value = point.value(evaluator.side(node, probe))
        extras = sorted(evaluator.used - own)
        if not extras:
            return value
        letters_here = [k for k in extras if k not in "•◦"]
        if "•" in own and not (own - {"•", "◦"}) and self.model.normalizing and len(letters_here) == 1 and \
                "•" not in extras:
            # ∂f/∂x = ∂f/∂x̂_i ... : the unindexed x and the i on the right are one entry, not a sum
            tied = View(view.indices | {letters_here[0]: view.entry}, view.entry, view.group, view.base)
            if extras == letters_here:
                return point.value(evaluator.side(node, tied))
        # y_{bq} 1_b: the vector of ones with an index is written only to contract it, a sum over b
        missing = [k for k in extras if k not in "•◦" and k not in contracted(node)]
        argmax = [k for k in missing if ARGMAX.match(k)]
        if argmax:                 # p_m, i_max, i^*: where a window's max is, as the post's prose defines it
            raise Unread(f"{', '.join(argmax)}: the position of a window's max, which is not read")
        if missing and not self.einstein:
            raise MissingSum(missing)
        total = 0.0
        sizes = [self._positions() if k == "•" else self._groups() if k == "◦" else self._range() for k in extras]
        for combo in itertools.product(*(range(n) for n in sizes)):
            chosen = dict(zip(extras, combo))
            entry, group = chosen.pop("•", view.entry), chosen.pop("◦", view.group)
            try:
                total += point.value(evaluator.side(node, View(view.indices | chosen, entry, group, view.base)))
            except OutOfRange:
                continue
        return total

    def _letter_sizes(self, chain: s.Chain) -> dict[str, int]:
        """A conv's or pool's index letter -> the size of the axis it indexes (y_{n,f,k,l}: n the samples',
        f the filters'), where a tensor's entry names it as one of its indices."""
        found: dict[str, int] = {}
        if self.model.normalizing:
            return found
        for node in s.nodes(chain):
            if not (isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and node.sub is not None):
                continue
            role = self.names.role(node.base.text, node.base.font)
            pieces = index_pieces(node.sub.text) or []
            tensor = self.model.tensors.get(role)
            axes = axes_for(role, self.model.kind, len(pieces), len(tensor.shape), self.names.channels_last) if tensor is not None else None
            for piece, axis in zip(pieces, axes or ()):
                if not arithmetic(piece) and not piece.isdigit():
                    found[piece] = min(found.get(piece, tensor.shape[axis]), tensor.shape[axis])
        return found

    def _views(self, own, named_group: int | None = None, tied: bool = False, sizes: dict | None = None) -> list[View]:
        """Every assignment of the first side's free indices (at most ASSIGNMENTS), each over its axis's
        size where `sizes` gives it, at the groups in view (the one it names, if it names one)."""
        free = sorted(k for k in own if k not in "•◦")
        size = self._range()
        if tied and len(free) == 1:
            # x̂_i = (x - μ)/σ: the unindexed entries on the right are x_i, not a sum over the group
            return [View({free[0]: k}, k, group, self.base)
                    for k in range(min(size, ASSIGNMENTS)) for group in self._group_range(own, named_group)]
        groups = range(min(3, self._groups())) if "◦" in own else range(1)
        if named_group is not None:
            groups = [named_group]
        entries = range(min(9, self._positions())) if "•" in own else range(1)
        combos = list(itertools.product(*(range((sizes or {}).get(k, size)) for k in free)))
        if len(combos) > ASSIGNMENTS:
            rng = np.random.default_rng(len(combos))
            combos = [combos[k] for k in sorted(rng.choice(len(combos), ASSIGNMENTS, replace=False))]
        return [View(dict(zip(free, combo)), entry, group, self.base)
                for combo in combos for group in groups for entry in entries]

    def _group_range(self, own, named_group):
        if named_group is not None:
            return [named_group]
        return range(min(3, self._groups())) if "◦" in own else range(1)

    def _range(self) -> int:
        if self.model.normalizing:
            return self.model.tensors["input"].shape[self.model.group_axis]
        return max(self.model.tensors["input"].shape[2:])

    def _positions(self) -> int:
        return Evaluator(self.model, self.names, self.points[0]).positions

    def _groups(self) -> int:
        return Evaluator(self.model, self.names, self.points[0]).groups


def _uniform(model: LayerModel, leaves: dict) -> dict:
    for role in ("scale", "shift"):
        tensor = model.tensors.get(role)
        if tensor is not None:
            first = leaves[tensor.entries()[0]]
            leaves |= {e: first for e in tensor.entries()}
    return leaves


def _figures(chain: s.Chain) -> list[str]:
    """The figures a claim states: its decimals, or a side of numbers alone (dbeta = [3, 3]); such a
    claim is about the spec's numbers, not a formula."""
    decimals = [n.text for n in s.nodes(chain) if isinstance(n, s.Num) and "." in n.text]
    if decimals:
        return decimals
    return [n.text for side in chain.sides if _numbers_only(side) for n in s.nodes(side) if isinstance(n, s.Num)]


def _numbers_only(node: s.Node) -> bool:
    found = list(s.nodes(node))
    return any(isinstance(n, s.Num) for n in found) and \
        all(isinstance(n, (s.Num, s.Matrix, s.Neg, s.Paren, s.BinOp, s.Juxt)) for n in found)


def _tolerance(figures: list[str], left: s.Node, right: s.Node, value: float) -> float:
    floor = RELATIVE * max(1.0, abs(value))
    if not figures:
        return floor
    places = max(-Decimal(f).as_tuple().exponent for f in figures)
    if places <= 0:               # whole numbers: exact, as far as float64 carries them
        return floor
    return floor + 0.5 * 10.0 ** -places * (1 + len(figures) // 2)


def _agree(a: float, b: float, tolerance: float) -> bool:
    return bool(np.isfinite(a) and np.isfinite(b) and abs(a - b) <= tolerance + RELATIVE * max(abs(a), abs(b)))


def _shown(value: float) -> str:
    return f"{value:.6g}"


def _where(view: View) -> str:
    if not view.indices:
        return ""
    return "at " + ", ".join(f"{k} = {v + view.base}" for k, v in sorted(view.indices.items())) + ": "

