"""The claims no network reading reads, read as the post's own scalar circuit.

A post often works a small graph of its own letters before or beside the network: a softmax drawn as a circuit
(a = e^{e_1}, b = e^{e_1} + e^{e_2}, α_1 = a/b, then ∂α_1/∂a = 1/b), a u-substitution, or an identity
(d/dx tanh(x) = 1 − tanh²(x)). Such a claim names nothing of the network's, so it was left unchecked. Here it is
read with the post's own definitions at or above its line (scalar_math.py) and holds when it holds for every value
of the letters they leave free: it is worked out at random points (own_reading.py).

∂A/∂B is the total derivative through every definition (B held as itself) or the local one of A's own definition
(its other letters held). Where a line writes both d and ∂, its d is total and each ∂ either (df/dx = ∂f/∂x +
∂f/∂y dy/dx), or, where its marks are not the claim's alone, each may be either; in a line of one kind all are
total or all local. A claim holds if one reading does. σ is the logistic function, or tanh where the post says its
σ is the activation (not read where it may be ReLU). A definition holds below it, in its own section.

Only what is certain is judged: a letter defined twice differently, or by a line that is not read, or applied to
brackets as a function, a letter on the right that the left does not involve, a matrix's capital, a written
decimal (a rounded figure is the network reading's to judge), or a derivative at a point (a \\Big bar), is left
as it was.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, replace

import sympy as sp

from . import syntax as s
from .claims import Report
from .own_reading import Reading, first_failure
from .reader import ReadError, read
from .scalar_math import STARS, NotScalar, ScalarReader, derivative_of, letter_key

MODES = ("total", "local")
MAX_MIXED = 4             # derivatives read each either way where the line's marks do not say which is which
CLAIM_SECONDS = 2.0        # one claim's expansions and draws
PASS_SECONDS = 15.0        # the whole document's: claims past it stay unchecked
# \Big|_{x=0}, \right|_{x=0}: a derivative at one point, which the reader does not keep
EVALUATED_AT = re.compile(r"\|\s*_|\\right\s*\\?[|\]]|\\[Bb]ig+[lr]?\s*\\?[|\]]|\\[lr]?vert\s*_|\\rvert")
# a Markdown heading or a LaTeX section: a definition holds in its own section
HEADING = re.compile(r"\s{0,3}#{1,6}\s|\s*\\(?:sub)*section\*?\{")
DERIVATIVE_MARK = re.compile(r"\\[dt]?frac\s*\{\s*(\\partial|∂|\\mathrm\s*\{\s*d\s*\}|\\text\s*\{\s*d\s*\}|"
                             r"\\operatorname\s*\{\s*d\s*\}|d)")


@dataclass(frozen=True)
class Definition:
    line: int
    text: str              # the chain as written, for the reason
    right: s.Node


def with_own_scalars(report: Report, written: list[tuple[int, s.Chain]], sigma: str = "logistic",
                     lines: list[str] | tuple[str, ...] = ()) -> Report:
    """The report, with its unchecked claims that read as the post's own circuit judged; `written`: every chain
    of the document with its line (those that define a name of the post's own are no claims); `lines`: the
    document's, as written (the reader writes d as ∂: a line's own marks say which it is)."""
    circuit = Circuit(written + [(claim.line, chain) for claim in report.claims for chain in _chains(claim.text)],
                      sigma, _headings(lines))
    deadline = time.monotonic() + PASS_SECONDS
    claims = []
    for claim in report.claims:
        chains = _chains(claim.text) if claim.verdict == "unchecked" and claim.carries is None and \
            time.monotonic() < deadline else []
        if len(chains) == 1:
            written_line = lines[claim.line - 1] if 0 < claim.line <= len(lines) else claim.text
            verdict = None if EVALUATED_AT.search(written_line) else circuit.judge(claim.line, chains[0], written_line)
            if verdict is not None:
                claim = replace(claim, verdict=verdict[0], reason=verdict[1], expected=None, unknown=None)
        claims.append(claim)
    return replace(report, claims=tuple(claims))


def _chains(text: str) -> list[s.Chain]:
    try:
        return [line.chain for line in read(text) if line.chain is not None]
    except (ReadError, RecursionError):
        return []


def _headings(lines) -> list[int]:
    return [number for number, text in enumerate(lines, 1) if HEADING.match(text)]


class Circuit:
    def __init__(self, written: list[tuple[int, s.Chain]], sigma: str, headings: list[int] = ()):
        self.sigma, self.headings = sigma, headings
        self.definitions: dict[str, list[Definition]] = {}
        self.opaque: set[str] = set()            # letters some line defines in a way not read as scalars
        for line, chain in dict.fromkeys(written):
            first = chain.sides[0] if len(chain.sides) >= 2 else None
            function = _applied_letter(first)
            if function is not None:
                self.opaque.add(function)        # f(x) = 1/x: f is a function here, whatever it was above
            key = letter_key(first) if first is not None else None
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

    def visible(self, key: str, line: int) -> list[Definition] | None:
        """The one definition of a letter a claim may use (at its line or above)."""
        found = [d for d in self.definitions.get(key, ()) if d.line <= line and
                 not any(d.line < heading <= line for heading in self.headings)]
        if not found or len({d.text.replace(" ", "") for d in found}) > 1 or key in self.opaque:
            return None
        return found

    def judge(self, line: int, chain: s.Chain, written_line: str) -> tuple[str, str] | None:
        """("ok", "") or ("wrong", why) for a claim read as the circuit's (`written_line`: its line as the post
        writes it); None where it is not one."""
        if len(chain.sides) < 2 or set(chain.relations) != {"="} or _starred(chain) or \
                any(isinstance(node, s.Num) and "." in node.text for node in s.nodes(chain)):
            return None
        if letter_key(chain.sides[0]) is not None:
            return None                     # a definition, or a letter defined again: which one holds is not known
        deadline = time.monotonic() + CLAIM_SECONDS
        failures = []
        for modes in _readings(written_line, sum(map(_is_derivative, s.nodes(chain)))):
            sides = Reading(self, line, modes, self.sigma, deadline).sides(chain)
            if sides is None:
                continue
            failure = first_failure(sides)
            if failure is None:
                return "ok", ""
            failures.append(failure)
        if not failures or "unknown" in failures:
            return None
        return "wrong", self._why(failures[0], line)

    def _why(self, failure, line: int) -> str:
        link, point, left, right = failure
        used = [d.text for key in sorted(point.used) for d in (self.visible(key, line) or ())[:1]]
        given = f" with its definitions {'; '.join(used[:4])}" if used else ""
        at = ", ".join(f"{_spoken(key)} = {value}" for key, value in sorted(point.values.items()))
        where = f"link {link}: " if link > 1 else ""
        return (f"{where}read as the post's own letters{given}, it does not hold "
                + (f"for every value: at {at}" if at else "at the values they give") +
                f" the left side is {float(left):.6g}, the right side {float(right):.6g}")


def _readings(text: str, count: int) -> list[tuple[str, ...]]:
    """Each of the claim's `count` derivatives' reading, in its order: d total and ∂ local where the line writes
    both and its marks are the claim's; each either way where they may be another claim's too; else every one
    total, or every one local."""
    marks = ["partial" if "partial" in m.group(1) or "∂" in m.group(1) else "d" for m in DERIVATIVE_MARK.finditer(text)]
    if len(set(marks)) < 2:
        return [(mode,) for mode in MODES]
    if len(marks) == count and marks.count("partial") <= MAX_MIXED:
        return [tuple(mode if mark == "partial" else "total" for mark, mode in zip(marks, choice))
                for choice in itertools.product(MODES, repeat=count)
                if all(mode == "total" for mark, mode in zip(marks, choice) if mark == "d")]
    return list(itertools.product(MODES, repeat=count)) if count <= MAX_MIXED else [(mode,) for mode in MODES]


def _is_derivative(node: s.Node) -> bool:
    return isinstance(node, s.Frac) and (derivative_of(node) is not None or isinstance(node.num, s.Partial))


def _applied_letter(node: s.Node | None) -> str | None:
    """f(x) on a definition's left: the letter used as a function."""
    if isinstance(node, s.Juxt) and len(node.items) == 2 and isinstance(node.items[1], s.Paren):
        return letter_key(node.items[0])
    return None


def _starred(chain: s.Chain) -> bool:
    return any(star in chain.text for star in STARS)


def _refuse(written) -> None:
    raise NotScalar("a derivative in a definition")


def _spoken(key: str) -> str:
    return key.replace("\\", "").replace("/", " ")
