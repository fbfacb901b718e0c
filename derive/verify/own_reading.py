"""One claim of the post's own circuit worked out: its sides expanded through the definitions above it to the
letters they leave free (each ∂ read total or local), then compared at random points."""

from __future__ import annotations

import random
import re
import time

import sympy as sp

from . import syntax as s
from .scalar_math import Derivative, NotScalar, ScalarReader

MAX_NODES = 120            # distinct nodes of an expansion: beyond this it is no hand-worked circuit
MAX_TREE = 300             # its nodes walked as a tree (SymPy differentiates a tree, not the DAG, and its
#                            checks of each product's terms grow faster than the tree)
POSITIVE_DRAWS = 3         # letters in (0.15, 1.35): where a log or a root of them is real
SIGNED_DRAWS = 3           # then all negative, then of either sign: √(x²)′ = 1 holds for positive x only
TOLERANCE = 1e-12          # relative, at 30 digits: far above rounding, far below any slip
GENERIC_INDICES = set("ijklmnpq")      # p_k beside s_1 and s_2: one of them, not a letter of its own
# W, V_f, W_{hh}, W^{[1]}: a capital without an entry's or a step's index names a matrix, whose products do not
# commute; W_{oi}, W_{ij}, W_{12} are entries, and I_t a step's gate: scalars
CAPITAL = re.compile(r"([A-Z])(?:_([^^]*))?(?:\^.*)?")
ENTRY_OR_STEP = re.compile(r"[0-9i-nt]")


class Reading:
    """A claim's sides under one reading: σ's, and each derivative's (`modes`: "total" or "local", in the order
    the claim writes them; one mode for all where the notation does not say)."""

    def __init__(self, circuit, line: int, modes, sigma: str, deadline: float):
        self.circuit, self.line, self.modes, self.sigma, self.deadline = circuit, line, modes, sigma, deadline
        self.used: set[str] = set()            # the definitions it went through
        self.keys: set[str] = set()            # every letter it met
        self.involved: set[str] = set()        # the letters a derivative differentiated (∂u/∂u = 1 involves u)
        self.derivatives = 0
        self._expanded: dict[tuple[str, str | None], sp.Expr] = {}

    def sides(self, chain: s.Chain):
        """(the sides' values, the definitions used), or None where the claim is not the circuit's."""
        try:
            values = [self._read(chain.sides[0], stop=None)]
            left = self.involved | self.keys | {str(x) for x in values[0].free_symbols}     # (u+v)/(u+v) involves u
            values += [self._read(side, stop=None) for side in chain.sides[1:]]
        except (NotScalar, ZeroDivisionError, TypeError, ValueError, RecursionError):
            return None
        if not (self.derivatives or self.used) or _generic(self.keys) or \
                len(self.modes) > 1 and self.derivatives != len(self.modes):
            return None                            # letters alone, no definition, no derivative: not a circuit
        if any(not {str(x) for x in value.free_symbols} <= left for value in values[1:]):
            return None                            # a letter the left does not involve: meant otherwise
        return values, self.used

    def _read(self, node: s.Node, stop: str | None) -> sp.Expr:
        return ScalarReader(lambda key: self._letter(key, stop), self._derivative, self.sigma).value(node)

    def _letter(self, key: str, stop: str | None, written: bool = True) -> sp.Expr:
        """A letter's value: held as itself (stop), its definition's, expanded (each once), or free. A matrix's
        capital in the claim itself (not in a definition it goes through) is not a scalar's."""
        if key == stop:
            return sp.Symbol(f"held::{key}")
        self.keys.add(key)
        if written and _matrix(key) or key in self.circuit.opaque:
            raise NotScalar(key)
        if (key, stop) in self._expanded:
            return self._expanded[(key, stop)]
        if time.monotonic() > self.deadline:
            raise NotScalar("out of time")
        found = self.circuit.visible(key, self.line)
        if found is None:
            if self.circuit.definitions.get(key):
                raise NotScalar(key)            # defined twice, or only below the claim
            return sp.Symbol(key)
        self._expanded[(key, stop)] = sp.Symbol("in::loop")       # a definition through itself: refused
        self.used.add(key)
        value = _small(ScalarReader(lambda inner: self._letter(inner, stop, written=False), _refuse,
                                    self.sigma).value(found[0].right))
        if value.has(sp.Symbol("in::loop")):
            raise NotScalar("a definition in a loop")
        self._expanded[(key, stop)] = value
        return value

    def _derivative(self, written: Derivative) -> sp.Expr:
        mode = self.modes[self.derivatives] if self.derivatives < len(self.modes) else self.modes[-1]
        self.derivatives += 1
        by, held = written.by, sp.Symbol(f"held::{written.by}")
        self.keys.add(by)
        if isinstance(written.of, str):
            self.keys.add(written.of)
            found = self.circuit.visible(written.of, self.line)
            if found is None:
                raise NotScalar(written.of)     # ∂A/∂B of a letter nothing defines: the network's, not the circuit's
            if mode == "local":
                self.used.add(written.of)
                direct = ScalarReader(lambda key: sp.Symbol(f"held::{key}"), _refuse, self.sigma).value(found[0].right)
            else:
                direct = self._letter(written.of, stop=by, written=False)
        elif mode == "local":
            raise NotScalar("an operator has no local reading")
        else:
            direct = self._read(written.of, stop=by)
        if held not in direct.free_symbols:
            raise NotScalar(f"{written.of} does not depend on {by}")
        slope = _small(sp.diff(direct, held))
        self.involved |= {x.name.removeprefix("held::") for x in direct.free_symbols}
        return _small(slope.xreplace({x: self._letter(x.name.removeprefix("held::"), stop=None, written=False)
                                      for x in slope.free_symbols if x.name.startswith("held::")}))


def _refuse(written: Derivative) -> sp.Expr:
    raise NotScalar("a derivative in a definition")


def _small(value: sp.Expr) -> sp.Expr:
    """The value, if it has at most MAX_NODES distinct nodes and MAX_TREE as a tree (SymPy's evalf walks the
    tree: a DAG of shared steps, an unrolled recurrence's, is exponentially larger as one)."""
    seen, stack, walked = set(), [value], 0
    while stack:
        node = stack.pop()
        walked += 1
        if walked > MAX_TREE:
            raise NotScalar("an expansion too large to work out")
        if node not in seen:
            seen.add(node)
            if len(seen) > MAX_NODES:
                raise NotScalar("an expansion too large to work out")
        stack.extend(node.args)
    return value


def _matrix(key: str) -> bool:
    found = CAPITAL.fullmatch(key)
    return found is not None and not ENTRY_OR_STEP.search(found.group(2) or "")


def _generic(keys: set[str]) -> bool:
    """p_k among s_1 and s_2: an index that stands for any of the numbered ones."""
    numbered = {key.split("_")[0] for key in keys if re.fullmatch(r"[^_^]+_\{?\d+\}?", key)}
    return any(key.split("_")[0] in numbered for key in keys
               if re.fullmatch(r"[^_^]+_\{?(.)\}?", key) and key.split("_")[1].strip("{}") in GENERIC_INDICES)


class Point:
    def __init__(self, values: dict[str, sp.Rational], used: set[str]):
        self.values, self.used = values, used


def first_failure(read):
    """(link, point, left, right) of the first link that fails at some point; "unknown" where no point gives
    both sides a finite real value; None where every link holds."""
    values, used = read
    leaves = sorted(set().union(*(value.free_symbols for value in values)), key=str)
    draw = random.Random(",".join(map(str, leaves)))
    finite = 0
    for index in range(POSITIVE_DRAWS + SIGNED_DRAWS):
        sign = 1 if index < POSITIVE_DRAWS else -1 if index == POSITIVE_DRAWS else None     # then all negative
        point = {leaf: sp.Rational(draw.randint(15, 135) * (sign or draw.choice((-1, 1))), 100) for leaf in leaves}
        numbers = [sp.N(value.xreplace(point), 30) for value in values]
        if not all(number.is_real and number.is_finite for number in numbers):
            continue
        finite += 1
        for link, (left, right) in enumerate(zip(numbers, numbers[1:]), 1):
            if abs(left - right) > TOLERANCE * max(1, abs(left), abs(right)):
                return link, Point({str(k): v for k, v in point.items()}, used), left, right
    return None if finite else "unknown"
