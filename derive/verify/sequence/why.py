"""Why a sequence claim is wrong: the classic slip where it is one (a dropped 1/√d_k, the softmax Jacobian's
diagonal alone, one step's term for a shared weight's whole gradient), else the first entry or the values
where its sides differ."""

from __future__ import annotations

import itertools

import numpy as np

from .. import syntax as s
from .evaluate import Evaluator, Unfit
from .indices import split_indices
from .derivatives import adjoint_of, derivative_parts
from .names import key_of
from .quantities import World
from .shown import RELATIVE, both, equal, single


def why(judge, chain: s.Chain) -> str:
    """The slip, where the claim is one of the classic ones; else where and how the sides differ."""
    key = key_of(chain.sides[0], judge.world.kind, lambda f, o: o[0], judge.post.aliases)
    shown = None
    for side in chain.sides[1:]:
        pair = s.Chain((chain.sides[0], side), ("=",), False, "", 0)
        conventions = sorted(judge.outcomes(pair), key=_whole_first) or [({}, False)]
        for (convention, _), step in itertools.product(conventions, judge.in_view()):
            evaluator = Evaluator(judge.world, judge.post, convention)
            held, judge.world.at = judge.world.at, step
            try:
                expected, written = evaluator.value(chain.sides[0]), evaluator.value(side)
                if evaluator.letter_sizes:
                    return _entry_why(judge, pair, evaluator.letter_sizes, convention)
            except (Unfit, FloatingPointError, ValueError, KeyError, IndexError):
                continue
            finally:
                judge.world.at = held
            slip = _slip(judge.world, key, expected, written)
            if slip:
                return slip
            if shown is None or equal(*shown) and not equal(expected, written):
                shown = (expected, written)         # the first reading and step where the sides differ
    if shown is None:
        return "the sides differ at this network's numbers"
    return _first_difference(*shown) or \
        "at this network's numbers the left side is {}, the right side {}".format(*both(*shown[:2]))


def _first_difference(left, right) -> str | None:
    """Two matrices of one shape: the first entry (row, column, from 1) where they differ, as a reader finds it."""
    left, right = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
    if left.ndim != 2 or left.shape != right.shape or min(left.shape) < 2:
        return None
    for where in np.ndindex(left.shape):
        if not equal(left[where], right[where], RELATIVE * float(np.max(np.abs(left)))):
            row, column = (k + 1 for k in where)
            return ("at this network's numbers the sides differ first at row {}, column {}: the left side's entry "
                    "is {}, the right side's {}").format(row, column, *both(left[where], right[where]))
    return None

def _whole_first(outcome: tuple[dict, bool]) -> int:
    """Readings shown whole first: a shared weight's gradient summed over every step, not one step's term."""
    return -sum(option for family, option in outcome[0].items() if family.startswith("reading:"))


def _entry_why(judge, pair: s.Chain, sizes: dict[str, int], convention: dict) -> str:
    """A claim entry by entry: the first entry it fails at, and whether it fails off the diagonal only
    (∂A_ij/∂S_ik right where j = k: the softmax Jacobian's diagonal alone)."""
    letters = sorted(sizes)
    wrong = []
    for entry in itertools.product(*(range(sizes[k]) for k in letters)):
        at = Evaluator(judge.world, judge.post, convention, dict(zip(letters, entry)))
        left, right = single(at.value(pair.sides[0])), single(at.value(pair.sides[1]))
        if not equal(left, right):
            wrong.append((dict(zip(letters, entry)), left, right))
    if not wrong:
        return "the sides differ at this network's numbers"
    where, left, right = wrong[0]
    diagonal = _diagonal_letters(pair.sides[0], judge.world.kind)
    if diagonal and all(where[diagonal[0]] != where[diagonal[1]] for where, _, _ in wrong):
        a, b = diagonal
        return (f"only the softmax Jacobian's diagonal: right where {a} = {b}, but off it ({a} ≠ {b}) the "
                f"derivative is −a_{a} a_{b}, as each output depends on every input of its row")
    slip = _assembled_slip(judge, pair, sizes, convention)
    if slip:
        return slip
    named = ", ".join(f"{k} = {v}" for k, v in where.items())
    return "at {} the left side is {}, the right side {}".format(named, *both(left, right))

def _assembled_slip(judge, pair: s.Chain, sizes: dict[str, int], convention: dict) -> str | None:
    """∂L/∂s_{ij} or ∂L/∂q_i written entry by entry or row by row: the right side put together into the
    whole matrix, and named by the slips a matrix form is (a dropped 1/√d_k, the Jacobian's diagonal)."""
    whole = adjoint_of(pair.sides[0])
    split = split_indices(whole) if whole is not None else None
    if split is None:
        return None
    key = key_of(s.Frac(s.Juxt((s.Partial(), s.Sym("L"))), s.Juxt((s.Partial(), split[0]))), judge.world.kind,
                 lambda f, o: convention.get(f, o[0]), judge.post.aliases)
    expected = judge.world.lookup(key)[0] if key and judge.world.lookup(key) else None
    if expected is None or expected.ndim != 2 or any(k not in sizes for k in split[1]):
        return None
    written = np.zeros_like(expected)
    for entry in itertools.product(*(range(sizes[k]) for k in split[1])):
        value = Evaluator(judge.world, judge.post, convention, dict(zip(split[1], entry))).value(pair.sides[1])
        written[entry] = np.ravel(value) if len(entry) == 1 else value
    return _slip(judge.world, key, expected, written)


def _diagonal_letters(left: s.Node, kind: str) -> tuple[str, str] | None:
    """∂A_{ij}/∂S_{ik}: the last index letters of the two (j, k), for a softmax's Jacobian."""
    if not isinstance(left, s.Frac):
        return None
    parts = derivative_parts(left)
    if parts is None or parts[0] is None:
        return None
    top, bottom = split_indices(parts[0]), split_indices(parts[1])
    if top is None or bottom is None or top[1][-1] == bottom[1][-1]:
        return None
    keys = tuple(key_of(n, kind, lambda f, o: o[0]) for n in (top[0], bottom[0]))
    if keys not in (("A", "S"), ("yhat", "logit")):
        return None
    return top[1][-1], bottom[1][-1]


def _slip(world: World, key: str | None, expected, written) -> str | None:
    if np.shape(expected) != np.shape(written):
        return None
    key = key.rstrip("!") if key else key
    if np.any(np.abs(np.asarray(expected, dtype=float)) > 1e-9) and equal(-np.asarray(expected, dtype=float), written):
        return "the sign is reversed: at this network's numbers the left side is {}, the right side {}, " \
               "its negative".format(*both(expected, written))
    width = world.sizes.get("d_k")
    if width and key in ("d:Q", "d:K"):
        if equal(expected * np.sqrt(width), written):
            return "the 1/√d_k is dropped: the scores are QKᵀ/√d_k, so dQ and dK carry 1/√d_k"
        if equal(expected / np.sqrt(width), written):
            return "it scales by 1/√d_k once more than the scores do (1/d_k in all, where the scores have 1/√d_k)"
    if key == "d:S" and world.lookup("A"):
        weights, upstream = world.lookup("A")[0], world.lookup("d:A")[0]
        if equal(weights * upstream, written) or equal(weights * (1 - weights) * upstream, written):
            return ("only the softmax Jacobian's diagonal: each weight of a row depends on every score of that row, "
                    "so dS = A ⊙ (dA − rowsum(dA ⊙ A))")
    if key is not None and key.startswith(("d:W:", "d:U:", "d:b:", "d:V:")):
        readings = world.lookup(key) or []
        scales = (1.0, world.sizes["T"] ** (1 if world.steps_mean else -1)) if world.step_losses else (1.0,)  # mean or sum
        if len(readings) == 2 and any(equal(readings[0] * c, written) and not equal(readings[1] * c, written)
                                      for c in scales):
            return ("this is one step's term: a weight shared by every step has the sum of every step's term "
                    "(Σ_t) as its gradient")
    return None


def case_letters(judge, chain: s.Chain) -> tuple[str, str] | None:
    """(a, b) where a claim written entry by entry fails only at the entries where its index letters a and b
    coincide, and holds at every other: the formula of a case (k ≠ j) of a derivative. None otherwise."""
    for side in chain.sides[1:]:
        pair = s.Chain((chain.sides[0], side), ("=",), False, "", 0)
        for convention, _ in judge.outcomes(pair) or [({}, False)]:
            evaluator = Evaluator(judge.world, judge.post, convention)
            try:
                evaluator.value(chain.sides[0]), evaluator.value(side)
            except (Unfit, FloatingPointError, ValueError, KeyError, IndexError):
                continue
            sizes = evaluator.letter_sizes
            letters = sorted(sizes)
            if len(letters) < 2 or np.prod([sizes[k] for k in letters]) > 1_000:
                continue
            right, wrong = [], []
            for entry in itertools.product(*(range(sizes[k]) for k in letters)):
                at = Evaluator(judge.world, judge.post, convention, dict(zip(letters, entry)))
                try:
                    fits = equal(single(at.value(pair.sides[0])), single(at.value(pair.sides[1])))
                except (Unfit, FloatingPointError, ValueError, KeyError, IndexError):
                    return None
                (right if fits else wrong).append(dict(zip(letters, entry)))
            for a, b in itertools.combinations(letters, 2):
                if wrong and all(w[a] == w[b] for w in wrong) and any(r[a] != r[b] for r in right):
                    return a, b
    return None
