"""A document's claims, checked: regions -> lines -> chains -> verdicts."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from ..errors import DeriveError
from ..layers import derive_layers
from . import syntax as s
from .judge import EQUALITIES, Judge
from .limits import MAX_CLAIMS, MAX_DOCUMENT, MAX_SECONDS
from .meaning import Meaning
from .model import Model
from .placeholders import instances
from .reader import ReadError, read
from .regions import Region, normalize, scan
from .values import Unreadable, layer_entries
from .vocabulary import NOTATIONS, Vocabulary, key

SAMPLE_TAG = re.compile(r"\(sample (\d+)\)")


@dataclass(frozen=True)
class Claim:
    line: int
    text: str
    verdict: str                 # ok, wrong, unchecked
    expected: str | None
    reason: str | None
    start: int = 0               # offsets of the claim's region in the document
    end: int = 0


@dataclass(frozen=True)
class Report:
    claims: tuple[Claim, ...]
    notation: str

    @property
    def summary(self) -> dict[str, int]:
        return {v: sum(c.verdict == v for c in self.claims) for v in ("ok", "wrong", "unchecked")}


class Checker:
    """Everything that depends on the spec only, built once and shared by every claim."""

    def __init__(self, result, aliases: dict[str, str] | None = None):
        spec = result.spec
        self.model = Model(spec, result.derivation)
        self.layered = derive_layers(spec)
        self.aliases = dict(spec.aliases) | dict(aliases or {})
        history = result.values.training.history if result.values is not None and result.values.training else None
        self.history = history
        self._vocabularies: dict[str, Vocabulary] = {}
        self._judges: dict[str, Judge] = {}
        self._entries = None
        self.verdicts: dict[str, dict[tuple[str, int | None], tuple]] = {}
        self._check_aliases()

    def _check_aliases(self) -> None:
        """An alias must name something in at least one notation."""
        if not self.aliases:
            return
        vocabularies = [self.vocabulary(n) for n in NOTATIONS]
        for written, meant in self.aliases.items():
            if all(written in v.unresolved for v in vocabularies):
                raise DeriveError(f"aliases: {written!r} = {meant!r} names nothing in this network; expected a "
                                  f"symbol such as {', '.join(vocabularies[0].examples)}, or a matrix such as W^{{[1]}}")

    def vocabulary(self, notation: str) -> Vocabulary:
        if notation not in self._vocabularies:
            self._vocabularies[notation] = Vocabulary(self.model, notation, self.aliases, self.layered)
        return self._vocabularies[notation]

    def entries(self) -> dict:
        """Every layer matrix, entry by entry: built once, when a claim first names a matrix."""
        if self._entries is None:
            self._entries = layer_entries(self.model, self.layered)
        return self._entries

    def judge(self, notation: str) -> Judge:
        if notation not in self._judges:
            meaning = Meaning(self.model, self.vocabulary(notation), self.entries)
            self._judges[notation] = Judge(self.model, meaning, self.history)
        return self._judges[notation]


def verify_text(checker: Checker, text: str, name: str = "", notation: str | None = None,
                seconds: float = MAX_SECONDS) -> Report:
    """Every claim in a Markdown or LaTeX document (LaTeX when `name` ends in .tex or the text says so).
    Claims still waiting when `seconds` have passed are listed unchecked."""
    if len(text) > MAX_DOCUMENT:
        raise DeriveError(f"document: {len(text)} characters; at most {MAX_DOCUMENT} are read")
    try:
        return _verify_regions(checker, scan(normalize(text), name), notation, seconds)
    except RecursionError:        # the last line of defence: every depth is measured before it is read
        raise DeriveError("document: nests too deeply to read") from None


def verify_claim(checker: Checker, formula: str, notation: str | None = None) -> Report:
    """One bare formula, as given on the command line."""
    if not formula.strip():
        raise DeriveError("--claim: the formula is empty; expected an equation such as 'out_{h1} = 0.5933'")
    try:
        return _verify_regions(checker, [Region(1, formula, 0, len(formula))], notation, MAX_SECONDS)
    except RecursionError:
        raise DeriveError("--claim: the formula nests too deeply to read") from None


def _verify_regions(checker: Checker, regions: list[Region], notation: str | None, seconds: float) -> Report:
    deadline = time.monotonic() + seconds
    read_regions = [(region, _read(region)) for region in regions]
    distinct = {(chain.text, sample) for _, lines in read_regions if not isinstance(lines, ReadError)
                for chain, sample in _chains(lines)}            # a repeated claim is checked once
    if len(distinct) > MAX_CLAIMS:
        raise DeriveError(f"document: {len(distinct)} different claims; at most {MAX_CLAIMS} are checked in one "
                          "document")
    notation = notation or _guess_notation(checker, read_regions)
    judge = checker.judge(notation)
    claims: list[Claim] = []
    cache = checker.verdicts.setdefault(notation, {})      # one verdict per claim text, document after document
    for region, lines in read_regions:
        if isinstance(lines, ReadError):
            if any(rel in region.text for rel in ("=", "\\approx")):
                claims.append(Claim(region.line, shorten(region.text), "unchecked", None,
                                    f"line {region.line + lines.line - 1}, column {lines.column}: {lines.message}",
                                    region.start, region.end))
            continue
        for chain, sample in _chains(lines):
            found = cache.get((chain.text, sample))
            if found is None and time.monotonic() > deadline:       # listed, not checked, not remembered
                found = ("unchecked", None, f"not checked: the document's {seconds:g} s were spent on the claims "
                                            "before it")
            elif found is None:
                found = _check(checker, judge, notation, chain, sample)
                cache[(chain.text, sample)] = found
            if found[0] is not None:
                claims.append(Claim(region.line, chain.text, *found, region.start, region.end))
    return Report(tuple(claims), notation)


def _check(checker: Checker, judge: Judge, notation: str, chain: s.Chain, sample: int | None) -> tuple:
    try:
        return _judged(checker, judge, notation, chain, sample)
    except RecursionError:         # the last line of defence: the reader refuses formulas this deep
        return ("unchecked", None, "the formula nests too deeply")


def _judged(checker: Checker, judge: Judge, notation: str, chain: s.Chain, sample: int | None) -> tuple:
    try:
        bound = instances(chain, notation, checker.vocabulary(notation), checker.model)
    except Unreadable as exc:
        return ("unchecked", None, str(exc))
    verdicts = [(label, judge.claim(concrete, sample)) for label, concrete in bound]
    verdicts = [(label, v) for label, v in verdicts if v is not None]
    if not verdicts:
        return (None, None, None)
    for wanted in ("wrong", "unchecked"):
        for label, v in verdicts:
            if v.verdict == wanted:
                reason = f"{label}: {v.reason}" if label else v.reason
                return (v.verdict, v.expected, reason)
    return ("ok", None, None)


def _read(region: Region):
    try:
        return read(region.text)
    except ReadError as exc:
        return exc


def _chains(lines: list[s.Line]):
    """Chains with their sample tag; an align line that starts with = continues the chain above."""
    chains: list[list] = []
    for line in lines:
        chain = line.chain
        if chain is None:
            continue
        tag = SAMPLE_TAG.search(line.text)
        sample = int(tag.group(1)) - 1 if tag else None
        dangling = bool(chains) and _dangles(chains[-1][0])
        if (chain.continued or dangling) and chains:
            before, before_sample = chains[-1]
            relations = chain.relations[1:] if dangling and chain.continued else chain.relations
            merged = s.Chain(before.sides + chain.sides, before.relations + relations, False,
                             f"{before.text} {chain.text}", before.offset)
            chains[-1] = [merged, before_sample if sample is None else sample]
        elif not chain.continued:
            chains.append([chain, sample])
    chains = [(_in_place(c), sample) for c, sample in chains]
    return [(c, sample) for c, sample in chains if any(r in EQUALITIES for r in c.relations) and not _dangles(c)]


def _in_place(chain: s.Chain) -> s.Chain:
    """W -= \\alpha dJ/dW, as code writes an update, is the claim W^+ = W - \\alpha dJ/dW; so is
    W := W - \\alpha dJ/dW (or \\leftarrow, \\gets), where the name on the left is also on the right."""
    if chain.relations[:1] == (":=",) and len(chain.sides) >= 2:
        target, step = chain.sides[:2]
        if key(target) is None or key(target) not in _names(step):
            return chain                                  # z := W x + b defines z
        return s.Chain((_after(target),) + chain.sides[1:], ("=",) + chain.relations[1:], chain.continued,
                       chain.text, chain.offset)
    if len(chain.sides) != 2 or chain.relations != ("-=",):
        return chain
    target, step = chain.sides
    return s.Chain((_after(target), s.BinOp("-", target, step)), ("=",), chain.continued, chain.text, chain.offset)


def _after(target: s.Node) -> s.Node:
    """The name of the value after the update: w_5 -> w_5^{+}."""
    if isinstance(target, s.Scripted):
        sup = (target.sup.text if target.sup else "") + "+"
        return s.Scripted(target.base, target.sub, s.Script(sup, None), target.primes)
    return s.Scripted(target, None, s.Script("+", None), 0)


def _dangles(chain: s.Chain) -> bool:
    """a = \\ b: the relation at the end of a line carries the chain on to the next."""
    return len(chain.relations) >= len(chain.sides) + (1 if chain.continued else 0)


def _guess_notation(checker: Checker, read_regions) -> str:
    """The notation whose vocabulary knows most of the names the claims use."""
    names: list[str] = []
    for _, lines in read_regions:
        if isinstance(lines, ReadError):
            continue
        for chain, _ in _chains(lines):
            names.extend(_names(chain))
    scores = {n: sum(checker.vocabulary(n).native(name) for name in names) for n in NOTATIONS}
    return max(NOTATIONS, key=lambda n: scores[n])


def _names(node) -> list[str]:
    found = []
    if isinstance(node, (s.Sym, s.Scripted)):
        name = key(node)
        if name:
            found.append(name)
    if isinstance(node, (list, tuple)):
        for item in node:
            found.extend(_names(item))
    elif hasattr(node, "__dataclass_fields__"):
        for field in node.__dataclass_fields__:
            found.extend(_names(getattr(node, field)))
    return found


def shorten(text: str, width: int = 200) -> str:
    """One line, at most `width` characters, with … where it was cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
