"""A document's claims, checked: regions -> lines -> chains -> verdicts."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from decimal import Decimal

from ..errors import DeriveError
from ..spec.sequence import SEQUENCE_KINDS
from ..spec.tensor import TensorSpec
from . import syntax as s
from .claims import Claim, Report, unread_claims
from .binding import Binding, bind, local_names, quantities, written_as
from .carried import Figures
from .collector import older_objects_set_aside
from .judge import EQUALITIES, Judge
from .link_lines import first_read, later_links, link_line
from .layer_offset import layer_offset
from .limits import MAX_CLAIMS, MAX_DOCUMENT, MAX_SECONDS
from .listed_entries import listed_entries
from .matrix_binding import bind_matrices
from .meaning import Meaning
from .model import Model
from .numbering import bias_renaming, renumbering
from .own_scalars import with_own_scalars
from .sigma_words import sigma_said
from .placeholders import instances
from .reader import ReadError
from .region import Region, line_starts_of
from .regions import normalize, scan
from .row_reading import continued_regions, read_rows
from .see_through import see_through, splits_at_prose
from .updates import applied, in_place, is_after_step, restated
from .values import Unreadable, Verdict, layer_entries
from .vocabulary import NOTATIONS, Vocabulary
from .written import written_names
from .wording import in_post_words, post_names

SAMPLE_TAG = re.compile(r"\(sample (\d+)\)")


class Checker:
    """Everything that depends on the spec only, built once and shared by every claim."""

    def __new__(cls, result, aliases: dict[str, str] | None = None):
        if isinstance(result.spec, TensorSpec):        # a conv, pool, normalization or sequence layer's post
            from .typed.document import TypedChecker
            if aliases:
                raise DeriveError("aliases are read for dense networks' posts only; a typed layer's post is read "
                                  "by its own names: expected no aliases")
            if any(layer.kind in SEQUENCE_KINDS for layer in result.spec.layers):
                from .sequence.document import SequenceChecker
                return SequenceChecker(result)
            return TypedChecker(result)
        return super().__new__(cls)

    def __init__(self, result, aliases: dict[str, str] | None = None):
        spec = result.spec
        self.model = Model(spec, result.derivation)
        self.layered = result.layered          # the Result's matrix form: derived once, for every use
        self.aliases = dict(spec.aliases) | dict(aliases or {})
        history = result.values.training.history if result.values is not None and result.values.training else None
        self.history = history
        self._vocabularies: dict[str, Vocabulary] = {}
        self._judges: dict[tuple, Judge] = {}
        self._entries = None
        self.verdicts: dict[tuple, dict[tuple[str, int | None], tuple]] = {}
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

    def judge(self, notation: str, bindings: tuple[Binding, ...] = ()) -> Judge:
        """The judge of a notation, knowing a document's own names too (one judge per set of them)."""
        signature = (notation, tuple((b.written, b.meant) for b in bindings))
        if signature not in self._judges:
            vocabulary = self.vocabulary(notation).with_bindings({b.written: b.meant for b in bindings})
            self._judges[signature] = Judge(self.model, Meaning(self.model, vocabulary, self.entries), self.history)
        return self._judges[signature]


def verify_text(checker: Checker, text: str, name: str = "", notation: str | None = None,
                seconds: float = MAX_SECONDS) -> Report:
    """Every claim in a Markdown or LaTeX document (LaTeX when `name` ends in .tex or the text says so).
    Claims still waiting when `seconds` have passed are listed unchecked."""
    if len(text) > MAX_DOCUMENT:
        raise DeriveError(f"document: {len(text)} characters; at most {MAX_DOCUMENT} are read")
    if not isinstance(checker, Checker):
        from .typed.document import TypedChecker, verify_typed_text, _joined
        if not isinstance(checker, TypedChecker):
            from .sequence.document import verify_sequence_text
            return _own_circuit(verify_sequence_text(checker, text, name, seconds, _accumulating, _joined), text, name)
        return _own_circuit(verify_typed_text(checker, text, name, seconds, _chains), text, name)
    try:
        with older_objects_set_aside():
            text = normalize(text)
            return _own_circuit(_verify_regions(checker, scan(text, name), notation, seconds, text), text, name)
    except RecursionError:        # the last line of defence: every depth is measured before it is read
        raise DeriveError("document: nests too deeply to read") from None


def _own_circuit(report: Report, text: str, name: str) -> Report:
    """The report with the post's own scalar circuit read (own_scalars.py): every chain of the document with its
    line, claims or not, holds the post's own definitions (read again only where a claim is unchecked)."""
    if not any(claim.verdict == "unchecked" for claim in report.claims):
        return report
    text = normalize(text)
    starts = line_starts_of(text)
    written = [(line, chain) for region in scan(text, name) for chain, _, line in _chains(read_rows(region, text, starts))]
    return with_own_scalars(report, written, sigma_said(text.split("\n")), text.split("\n"))


def verify_claim(checker: Checker, formula: str, notation: str | None = None) -> Report:
    """One bare formula, as given on the command line."""
    if not formula.strip():
        raise DeriveError("--claim: the formula is empty; expected an equation such as 'out_{h1} = 0.5933'")
    if not isinstance(checker, Checker):
        from .typed.document import TypedChecker, verify_typed
        if not isinstance(checker, TypedChecker):
            from .sequence.document import verify_sequence
            return with_own_scalars(verify_sequence(checker, [Region(1, formula, 0, len(formula))], None, MAX_SECONDS,
                                                    _accumulating), [], lines=formula.split("\n"))
        return with_own_scalars(verify_typed(checker, [Region(1, formula, 0, len(formula))], None, MAX_SECONDS,
                                             _chains), [], lines=formula.split("\n"))
    try:
        with older_objects_set_aside():
            return with_own_scalars(_verify_regions(checker, [Region(1, formula, 0, len(formula))], notation,
                                                    MAX_SECONDS), [], lines=formula.split("\n"))
    except RecursionError:
        raise DeriveError("--claim: the formula nests too deeply to read") from None


def _verify_regions(checker: Checker, regions: list[Region], notation: str | None, seconds: float,
                    document: str | None = None) -> Report:
    deadline = time.monotonic() + seconds
    starts = line_starts_of(document) if document is not None else None
    read_regions = listed_entries(continued_regions(
        [(region, read_rows(region, document, starts)) for region in regions], document), document)
    rate = _rate(checker)
    distinct = {(chain.text, sample) for _, rows in read_regions
                for chain, sample, _ in _chains(rows, rate)}      # a repeated claim is checked once
    if len(distinct) > MAX_CLAIMS:
        raise DeriveError(f"document: {len(distinct)} different claims; at most {MAX_CLAIMS} are checked in one "
                          "document")
    stated = checker.model.spec.notation if checker.model.spec.notation_stated else None
    notation = notation or _guess_notation(checker, read_regions, stated)
    every = [found for _, rows in read_regions for found in _chains(rows, rate)]
    renumbered = renumbering(checker.model, checker.vocabulary(notation), every) + \
        bias_renaming(checker.model, checker.vocabulary(notation), every) + layer_offset(checker.model, notation, every)
    vocabulary = checker.vocabulary(notation).with_bindings({b.written: b.meant for b in renumbered})
    bindings = renumbered + (bind_matrices(checker, every, vocabulary) if notation == "layer" else
                             bind(checker, notation, every, vocabulary))
    judge = checker.judge(notation, bindings)
    candidates = quantities(checker.model, notation)       # what a name one claim defines may stand for
    words = post_names(bindings, checker.vocabulary(notation))
    claims: list[Claim] = []
    figures = Figures()                    # the post's own figures, in the order it states them
    stepped = None                         # the line of the post's last update
    # one verdict per claim text, document after document, as long as the names mean the same
    cache = checker.verdicts.setdefault((notation, tuple((b.written, b.meant) for b in bindings)), {})
    for region, rows in read_regions:
        claims += unread_claims(region, rows)
        for chain, sample, line in _chains(rows, rate):
            found = cache.get((chain.text, sample))
            if found is None and time.monotonic() > deadline:       # listed, not checked, not remembered
                found = Verdict("unchecked", None, f"not checked: the document's {seconds:g} s were spent on the claims "
                                            "before it")
            elif found is None:
                local, numbered = local_names(chain, candidates, judge.meaning.vocabulary)
                found = Verdict("unchecked", None, numbered) if numbered else \
                    _check(checker, judge, notation, chain, sample, local)
                cache[(chain.text, sample)] = found
            found, carries, rounded_from = figures.revisit(judge, chain, sample, found)
            if found.verdict == "wrong":
                found = _after_the_step(checker, judge, notation, (chain, sample), found, stepped, figures)
            if found.verdict is not None and is_after_step(chain):
                stepped = line
            figures.record(judge, chain, sample, line, found.verdict)
            if found.verdict is not None and not (region.plain and found.verdict == "unchecked"):   # plain text: known claims
                at = link_line(line, chain, found.link if found.verdict == "wrong" else None)
                claims.append(Claim(at, chain.text, found.verdict, found.expected, in_post_words(found.reason, words),
                                    region.start, region.end, carries, rounded_from, found.link, found.unknown))
                for below, tries in later_links(line, chain, {at}):
                    again = first_read(lambda link: figures.revisit(judge, link, sample, _checked_link(
                        checker, judge, notation, link, sample, candidates))[0], tries)
                    carries = rounded_from = None
                    if again.verdict is not None and not (region.plain and again.verdict == "unchecked"):
                        claims.append(Claim(below, chain.text, again.verdict, again.expected,
                                            in_post_words(again.reason, words), region.start, region.end, carries,
                                            rounded_from, unknown=again.unknown))
    claims.sort(key=lambda c: (c.start, c.line))
    return Report(tuple(claims), notation, bindings)


def _checked_link(checker: Checker, judge: Judge, notation: str, link: s.Chain, sample: int | None, candidates):
    local, numbered = local_names(link, candidates, judge.meaning.vocabulary)
    return Verdict("unchecked", None, numbered) if numbered else _check(checker, judge, notation, link, sample, local)


def _after_the_step(checker: Checker, judge: Judge, notation: str, claim: tuple, found: tuple,
                    stepped: int | None, figures: Figures) -> tuple:
    """A wrong `name = figure` after the post's update, or about a parameter (whose new value posts
    give under its own name): right if it is the value after the step (to the post's own rounding)."""
    chain, sample = claim
    after = restated(chain)
    if after is None or stepped is None and not judge.names_parameters(chain.sides[0], sample):
        return found
    again = figures.revisit(judge, after, sample, _check(checker, judge, notation, after, sample))[0]
    if again[0] != "ok" or again[1] is not None:
        return found
    return Verdict("ok", None, f"read as the value after the update on line {stepped}" if stepped is not None
            else "read as the value after the update")


def _check(checker: Checker, judge: Judge, notation: str, chain: s.Chain, sample: int | None,
           local: dict[str, str] | None = None) -> tuple:
    """A claim's verdict; `local`: names this claim alone defines (binding.local_names)."""
    meaning_vocabulary = judge.meaning.vocabulary
    if local:
        judge.meaning.vocabulary = meaning_vocabulary.with_bindings(local)
    try:
        found = _judged(checker, judge, notation, chain, sample)
    except RecursionError:         # the last line of defence: the reader refuses formulas this deep
        return Verdict("unchecked", None, "the formula nests too deeply")
    finally:
        judge.meaning.vocabulary = meaning_vocabulary
    if local and found.verdict is not None:
        here = "; ".join(f"{written_as(w)} as {m}" for w, m in sorted(local.items()))
        found = found._replace(reason=f"{found.reason}; read {here} here" if found.reason else f"read {here} here")
    return found


def _judged(checker: Checker, judge: Judge, notation: str, chain: s.Chain, sample: int | None) -> tuple:
    try:
        bound = instances(chain, notation, checker.vocabulary(notation), checker.model)
    except Unreadable as exc:
        return Verdict("unchecked", None, str(exc))
    verdicts = [(label, judge.claim(concrete, sample)) for label, concrete in bound]
    verdicts = [(label, v) for label, v in verdicts if v is not None]
    if not verdicts:
        return Verdict(None, None, None)
    # a layer-generic claim (BP2 for every l) is checked at the layers it speaks of: not at softmax's,
    # whose derivative is not elementwise (unless no layer is left)
    applicable = [(label, v) for label, v in verdicts if not (label and v.inapplicable)]
    left_out = len(applicable) < len(verdicts)
    verdicts = applicable or verdicts
    for wanted in ("wrong", "unchecked"):
        for label, v in verdicts:
            if v.verdict == wanted:
                return v._replace(reason=f"{label}: {v.reason}") if label else v
    partly = next((v.reason for _, v in verdicts if v.reason), None)     # ok as far as it could be read
    if left_out:
        partly = "; ".join(filter(None, [partly, "not at the softmax layer, whose derivative is not elementwise"]))
    return Verdict("ok", None, partly)





def _rate(checker: Checker) -> Decimal | None:
    training = checker.model.spec.training
    return Decimal(repr(float(training.learning_rate))) if training is not None else None


def _chains(rows, rate: Decimal | None = None, accumulations: bool = False):
    """(chain, sample, line) for each claim of a region's rows. A row that starts with a relation
    (align's &= ...), or follows one that ends with one, continues the claim above it: it is a claim
    of its own, its first side the first side of the claim it continues, at its own line."""
    chains: list[list] = []          # [chain, sample, line, first chain of the run]
    unread = False                   # a run's first row was not read: the rows that continue it have no first side
    row_first = 0      # the claim the next row goes on with: a = b, where c = d \\ &= e goes on with a (prose set c
    #                    apart); a = b \quad c = d \\ &= e with c
    for row_line, lines, row in rows:
        this_row = len(chains)
        if isinstance(lines, ReadError):
            unread = unread or not _GOES_ON.match(row)
            continue
        seen = see_through(row) if len(lines) > 1 else ""
        for each, below in [part for line_read in lines for part in _implied(line_read)]:
            chain = each.chain
            if chain is None:
                continue
            line = row_line + seen[:chain.offset].count("\n") + below     # a = 1, \quad b = 2 on lines of their own
            tag = SAMPLE_TAG.search(each.text)
            sample = int(tag.group(1)) - 1 if tag else None
            dangling = bool(chains) and _dangles(chains[-1][0]) and chains[-1][0].relations[-1] not in IMPLICATIONS
            if chain.continued and unread:
                continue
            unread = False
            if chain.continued and chain.relations[0] in IMPLICATIONS:      # & \Rightarrow a = b: a claim of its own
                chain = replace(chain, relations=chain.relations[1:], continued=False, lines=chain.lines[1:])
                chains.append([chain, sample, line, chain])
                continue
            if (chain.continued or dangling) and chains:
                before, before_sample, _, first = chains[row_first if chain.continued and row_first < this_row
                                                          else -1]
                # a = \\ b: the relation that ends the row above joins the two
                relations = chain.relations if chain.continued else before.relations[-1:] + chain.relations
                merged = s.Chain((first.sides[0],) + chain.sides, relations, False,
                                 f"{_left_text(first)} {chain.text}", first.offset)
                chains.append([merged, before_sample if sample is None else sample, line, first])
            elif not chain.continued:
                chains.append([chain, sample, line, chain])
        if len(chains) > this_row:
            row_first = this_row if splits_at_prose(row) else len(chains) - 1
    tagged = {id(first): sample for _, sample, _, first in chains if sample is not None}    # (sample k) ends a run
    found = [(applied(in_place(_closed(c), rate)), tagged.get(id(first)) if sample is None else sample, line)
             for c, sample, line, first in chains]
    return [(c, sample, line) for c, sample, line in found
            if (any(r in EQUALITIES for r in c.relations) or accumulations and c.relations == ("+=",))
            and not _dangles(c)]


def _implied(line: s.Line) -> list[tuple[s.Line, int]]:
    """a = b ⇒ c = d on one row: two claims, each with how many lines below the row's start it begins; an
    implication that starts the row (& ⇒ c = d) is left to the continuation's rule."""
    chain = line.chain
    cuts = [k for k, relation in enumerate(chain.relations) if relation in IMPLICATIONS and k > 0] \
        if chain is not None else []
    if not cuts:
        return [(line, 0)]
    found, start = [], 0
    texts = _IMPLICATION.split(chain.text)          # each part its own text: the claims are told apart by it
    if len(texts) != len(cuts) + 1:
        texts = [f"{chain.text} (part {k + 1})" for k in range(len(cuts) + 1)]
    for cut, text in zip(cuts + [len(chain.relations)], texts):
        sides, relations = chain.sides[start:cut + 1], chain.relations[start:cut]
        below = chain.lines[start - 1] if start and chain.lines else 0
        lines = tuple(n - below for n in chain.lines[start:cut]) if chain.lines else ()
        part = s.Chain(sides, relations, chain.continued and start == 0, text.strip(" &"), chain.offset, lines)
        found.append((s.Line(part if len(sides) > 1 else None, line.text), below))
        start = cut + 1
    return found


def _accumulating(rows):
    """The chains of a sequence post's rows, with code's dW += term among them (a step's term added)."""
    return _chains(rows, accumulations=True)


def _closed(chain: s.Chain) -> s.Chain:
    """a = b = (its chain going on below): the claim a = b of its own row."""
    if _dangles(chain) and len(chain.sides) > 1 and not chain.continued:
        return s.Chain(chain.sides, chain.relations[:len(chain.sides) - 1], False, chain.text, chain.offset)
    return chain


def _left_text(chain: s.Chain) -> str:
    """The written first side of a chain, as far as its first relation."""
    return re.split(r"&?\s*(?:=|:=|\\approx)", chain.text, maxsplit=1)[0].strip()


_GOES_ON = re.compile(r"\s*&?\s*(?:=|:=|\\approx)")      # a row that starts with a relation: the run goes on
# a = b ⇒ c = d: what follows an implication is a claim of its own, not more of a's chain
IMPLICATIONS = ("\\Rightarrow", "\\implies")
_IMPLICATION = re.compile(r"\\(?:Rightarrow|implies)(?![A-Za-z])")


def _dangles(chain: s.Chain) -> bool:
    """a = \\ b: the relation at the end of a line carries the chain on to the next."""
    return len(chain.relations) >= len(chain.sides) + (1 if chain.continued else 0)


def _guess_notation(checker: Checker, read_regions, stated: str | None = None) -> str:
    """The notation whose vocabulary knows most of the names the claims use; the spec's own
    notation where it knows as many as any other (a post of names derive does not know)."""
    written: list[str] = []
    for _, rows in read_regions:
        for chain, _, _ in _chains(rows, _rate(checker)):
            written.extend(written_names(chain))
    scores = {n: sum(checker.vocabulary(n).native(name) for name in written) for n in NOTATIONS}
    if stated is not None and scores[stated] == max(scores.values()):
        return stated
    return max(NOTATIONS, key=lambda n: scores[n])
