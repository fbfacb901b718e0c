"""The claims no network reading reads, read as the post's own scalar circuit.

A post often works a small graph of its own letters before or beside the network: a softmax drawn as a circuit
(a = e^{e_1}, b = e^{e_1} + e^{e_2}, α_1 = a/b, then ∂α_1/∂a = 1/b), a u-substitution, or an identity
(d/dx tanh(x) = 1 − tanh²(x)). Such a claim names nothing of the network's, so it was left unchecked. Here it is
read with the post's own definitions above it (scalar_math.py) and holds when it holds for every value of the
letters they leave free: it is worked out at several random points, as SymPy's own equality tests are.

∂A/∂B is read two ways, and the claim holds if either does: the total derivative through every definition (B
held as itself), or the local one of A's own definition alone (its other letters held). σ is read as the
logistic function or as tanh. Only what is certain is judged: a letter defined twice differently, or by a line
that is not read, a letter on the right that the left does not depend on, or a claim that only defines a letter,
is left as it was.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import sympy as sp

from . import syntax as s
from .claims import Report
from .reader import ReadError, read
from .scalar_math import SIGMAS, STARS, Derivative, NotScalar, ScalarReader, letter_key

DRAWS = 4
TOLERANCE = 1e-12          # relative, at 30 digits: far above rounding, far below any slip
MAX_OPERATIONS = 400       # an expansion larger than this is not a hand-worked circuit
MODES = ("total", "local")


@dataclass(frozen=True)
class Definition:
    line: int
    text: str              # the chain as written, for the reason
    right: s.Node


def with_own_scalars(report: Report, written: list[tuple[int, s.Chain]]) -> Report:
    """The report, with its unchecked claims that read as the post's own circuit judged; `written`: every chain
    of the document with its line (those that define a name of the post's own are no claims)."""
    circuit = Circuit(written + [(claim.line, chain) for claim in report.claims for chain in _chains(claim.text)])
    claims = []
    for claim in report.claims:
        chains = _chains(claim.text) if claim.verdict == "unchecked" and claim.carries is None else []
        if len(chains) == 1:
            verdict = circuit.judge(claims_line=claim.line, chain=chains[0])
            if verdict is not None:
                claim = replace(claim, verdict=verdict[0], reason=verdict[1], expected=None, unknown=None)
        claims.append(claim)
    return replace(report, claims=tuple(claims))


def _chains(text: str) -> list[s.Chain]:
    try:
        return [line.chain for line in read(text) if line.chain is not None]
    except (ReadError, RecursionError):
        return []


class Circuit:
    def __init__(self, written: list[tuple[int, s.Chain]]):
        self.definitions: dict[str, list[Definition]] = {}
        self.opaque: set[str] = set()            # letters some line defines in a way not read as scalars
        for line, chain in dict.fromkeys(written):
            key = letter_key(chain.sides[0]) if len(chain.sides) >= 2 else None
            if key is None:
                continue
            if set(chain.relations) == {"="} and not _starred(chain) and self._scalar(chain.sides[-1]):
                self.definitions.setdefault(key, []).append(Definition(line, chain.text, chain.sides[-1]))
            else:
                self.opaque.add(key)

    def _scalar(self, node: s.Node) -> bool:
        """A definition's right side: scalar letters, no derivative."""
        try:
            ScalarReader(sp.Symbol, _refuse).value(node)
            return True
        except (NotScalar, ZeroDivisionError, TypeError, ValueError):
            return False

    # -- one claim ---------------------------------------------------------------------------------
    def judge(self, claims_line: int, chain: s.Chain) -> tuple[str, str] | None:
        """("ok", "") or ("wrong", why) for a claim read as the circuit's; None where it is not one."""
        if len(chain.sides) < 2 or set(chain.relations) != {"="} or _starred(chain):
            return None
        if letter_key(chain.sides[0]) is not None:
            return None                     # a definition, or a letter defined again: which one holds is not known
        failures, readings = [], 0
        for mode in MODES:
            for sigma in SIGMAS:
                sides = _Reading(self, claims_line, mode, sigma).sides(chain)
                if sides is None:
                    continue
                readings += 1
                failure = _first_failure(sides)
                if failure is None:
                    return "ok", ""
                failures.append(failure)
        if not readings or not failures or any(f == "unknown" for f in failures):
            return None
        return "wrong", self._why(failures[0], claims_line)

    def _visible(self, key: str, line: int) -> list[Definition] | None:
        """The one definition of a letter a claim may use (at its line or above)."""
        found = [d for d in self.definitions.get(key, ()) if d.line <= line]
        if not found or len({d.text.replace(" ", "") for d in found}) > 1 or key in self.opaque:
            return None
        return found

    def _why(self, failure, line: int) -> str:
        link, point, left, right = failure
        used = [d.text for key in sorted(point.used) for d in (self._visible(key, line) or ())[:1]]
        given = f" with its definitions {'; '.join(used[:4])}" if used else ""
        at = ", ".join(f"{_spoken(key)} = {value}" for key, value in sorted(point.values.items()))
        where = f"link {link}: " if link > 1 else ""
        return (f"{where}read as the post's own letters{given}, it does not hold for every value: at {at} the left "
                f"side is {float(left):.6g}, the right side {float(right):.6g}")


class _Point:
    def __init__(self, values: dict[str, sp.Rational], used: set[str]):
        self.values, self.used = values, used


class _Reading:
    """A claim's sides under one reading of ∂ and of σ, expanded to the letters left free."""

    def __init__(self, circuit: Circuit, line: int, mode: str, sigma: str):
        self.circuit, self.line, self.mode, self.sigma = circuit, line, mode, sigma
        self.used: set[str] = set()
        self.differentiated = False
        self.involved: set[str] = set()        # the letters a derivative differentiated (∂u/∂u = 1 involves u)

    def sides(self, chain: s.Chain):
        try:
            values = [self._read(side, stop=None) for side in chain.sides[:1]]
            left = self.involved | {str(x) for x in values[0].free_symbols}
            values += [self._read(side, stop=None) for side in chain.sides[1:]]
        except (NotScalar, ZeroDivisionError, TypeError, ValueError, RecursionError):
            return None
        if not (self.differentiated or self.used):
            return None                            # letters alone, no definition, no derivative: not a circuit
        if any(not {str(x) for x in value.free_symbols} <= left for value in values[1:]) or \
                any(sp.count_ops(value) > MAX_OPERATIONS for value in values):
            return None                            # a letter the left does not involve: meant otherwise
        return values, self.used

    def _read(self, node: s.Node, stop: str | None) -> sp.Expr:
        return ScalarReader(lambda key: self._letter(key, stop), self._derivative, self.sigma).value(node)

    def _letter(self, key: str, stop: str | None, depth: int = 0) -> sp.Expr:
        if key == stop:
            return sp.Symbol(f"held::{key}")
        if key in self.circuit.opaque:
            raise NotScalar(key)
        found = self.circuit._visible(key, self.line)
        if found is None:
            if self.circuit.definitions.get(key):
                raise NotScalar(key)            # defined twice, or only below the claim
            return sp.Symbol(key)
        if depth > 50:
            raise NotScalar("a definition in a loop")
        self.used.add(key)
        return ScalarReader(lambda inner: self._letter(inner, stop, depth + 1), _refuse, self.sigma).value(
            found[0].right)

    def _derivative(self, written: Derivative) -> sp.Expr:
        self.differentiated = True
        by, held = written.by, sp.Symbol(f"held::{written.by}")
        if self.mode == "local":
            if not isinstance(written.of, str):
                raise NotScalar("an operator has no local reading")
            found = self.circuit._visible(written.of, self.line)
            if found is None:
                raise NotScalar(written.of)
            self.used.add(written.of)
            direct = ScalarReader(lambda key: sp.Symbol(f"held::{key}"), _refuse, self.sigma).value(found[0].right)
        elif isinstance(written.of, str):
            if self.circuit._visible(written.of, self.line) is None:
                raise NotScalar(written.of)     # ∂A/∂B of a letter nothing defines: the network's, not the circuit's
            direct = self._letter(written.of, stop=by)
        else:
            direct = self._read(written.of, stop=by)
        if held not in direct.free_symbols:
            raise NotScalar(f"{written.of} does not depend on {by}")
        slope = sp.diff(direct, held)
        self.involved |= {x.name.removeprefix("held::") for x in direct.free_symbols}
        return slope.xreplace({x: self._letter(x.name.removeprefix("held::"), stop=None)
                               for x in slope.free_symbols if x.name.startswith("held::")})


def _starred(chain: s.Chain) -> bool:
    return any(star in chain.text for star in STARS)


def _refuse(written: Derivative) -> sp.Expr:
    raise NotScalar("a derivative in a definition")


def _first_failure(read):
    """(link, point, left, right) of the first link that fails at some point; "unknown" where no point gives
    both sides a finite real value; None where every link holds."""
    values, used = read
    leaves = sorted(set().union(*(value.free_symbols for value in values)), key=str)
    draw = random.Random(",".join(map(str, leaves)))
    finite = 0
    for _ in range(DRAWS):
        point = {leaf: sp.Rational(draw.randint(15, 135), 100) for leaf in leaves}
        numbers = [sp.N(value.xreplace(point), 30) for value in values]
        if not all(number.is_real and number.is_finite for number in numbers):
            continue
        finite += 1
        for link, (left, right) in enumerate(zip(numbers, numbers[1:]), 1):
            if abs(left - right) > TOLERANCE * max(1, abs(left), abs(right)):
                return link, _Point({str(k): v for k, v in point.items()}, used), left, right
    return None if finite else "unknown"


def _spoken(key: str) -> str:
    return key.replace("\\", "").replace("/", " ")
