"""A post about a conv, pool or normalization layer, checked claim by claim: the same regions,
rows and chains as a dense network's post (verify/document.py), judged on the layer's entries."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from types import SimpleNamespace

from ...errors import DeriveError
from ...spec.sequence import SEQUENCE_KINDS
from .. import syntax as s
from ..claims import Claim, Report, unread_claims
from ..limits import MAX_CLAIMS, MAX_DOCUMENT
from ..link_lines import first_read, later_links, link_line, members_that_read
from ..reader import ReadError, read
from ..region import Region, line_starts_of
from ..code_regions import code_lines
from ..regions import normalize, scan
from ..row_reading import continued_regions, read_rows
from ..values import Verdict
from .arrays import tensor_claim
from .example_world import in_example
from .examples import of_other_sizes, written_at_other_sizes
from .unit_stride import at_unit_stride
from .judge import TypedJudge
from .layer_labels import error_letters, layer_labels, of_a_tensor, relabelled
from .letters import case_part
from .rows import row_line
from .sample_labels import sample_labels
from .tensor_judge import CONVENTIONS, holds
from .model import layer_model
from .output_size import output_size_claim
from .vector_form import judge_vectors, vector_claim
from .names import KRONECKER, Names, index_pieces
from .norm_input import idle_stand_ins, normalized_outputs, scaled_norm_words, upstream_letters
from .slices import sliced_claim, sliced_letters
from .declared import declared_sizes
from .parts import numbered_parts
from .channel_order import activation_of_input, channel_order
from .post_names import (axis_letters, bare_losses, bind_definitions, defined_name, group_counts, indexes_parameters, limits,
                         names_the_loss, opaque_definitions, renames, swapped_operands, variables, written_name)

LEAVES = ("input", "kernel", "bias", "scale", "shift")
# ẑ, z_i - μ, BN(z): the post normalizes z, its input (else z may be the output, z = γ n + β)
_NORMALIZED_Z = re.compile(r"\\(?:w?hat|widehat|bar|overline|tilde)\s*\{?\s*z(?![A-Za-z])|ẑ|"
                           r"(?<![A-Za-z\\])z(?:_\{?[A-Za-z0-9,]*\}?)?\s*-\s*(?:\\mu|μ)|(?:BN|LN|[Nn]orm\w*)\}?\s*\(\s*z|"
                           r"(?:\\mu|μ)(?:_\{?[A-Za-z0-9]*\}?)?\s*=[^$\n]{0,120}?(?<![A-Za-z\\])z(?![A-Za-z])")
_ADDED_DELTA = re.compile(r"\+\s*(?:\\delta|δ)(?![A-Za-z_^])(?!\s*[A-Za-z\\])")     # √(σ² + δ): a bare δ the post adds, its ε
EINSTEIN = re.compile(r"einstein|summation convention|repeated ind(?:ex|ices) (?:is|are) summed", re.IGNORECASE)


class TypedChecker:
    """What depends on the spec only: the layer's model, built once."""

    def __init__(self, result):
        self.spec = result.spec
        sequence = [layer.kind for layer in result.spec.layers if layer.kind in SEQUENCE_KINDS]
        if sequence:
            raise DeriveError(f"verify does not read posts about {', '.join(dict.fromkeys(sequence))} layers yet; "
                              "expected a spec with a conv2d, pooling or normalization layer (derive report writes "
                              "this network's derivation)")
        if not result.spec.has_values:
            raise DeriveError("verify checks a typed layer's post at the spec's numbers: this spec gives the layer "
                              "form only; expected [input] values (and the weights, or [init] seed)")
        self.model = layer_model(result.spec)
        if self.model is None:
            raise DeriveError("verify reads posts about a conv2d, pooling or normalization layer; this spec has "
                              "none (or its layer has more than 4,000 output entries): expected such a layer")


def verify_typed(checker: TypedChecker, regions: list[Region], document: str | None, seconds: float,
                 chains_of, example: bool = False):
    """`example`: the document read again in the network of its own worked example (example_world.py)."""
    deadline = time.monotonic() + seconds
    starts = line_starts_of(document) if document is not None else None
    read = [(region, _joined(rows)) for region, rows in
            continued_regions([(region, _bracket_entries(read_rows(region, document, starts))) for region in regions],
                              document)]
    found = [(region, chain, line) for region, rows in read for chain, _, line in chains_of(rows)]
    if len({chain.text for _, chain, _ in found}) > MAX_CLAIMS:
        raise DeriveError(f"document: more than {MAX_CLAIMS} different claims; at most {MAX_CLAIMS} are checked")
    if checker.model.normalizing:
        found = [(region, chain, line) for (region, _, line), chain in
                 zip(found, sample_labels([chain for _, chain, _ in found]))]
    names = Names(checker.model.kind)
    chains = [chain for _, chain, _ in found]
    relabelled(names, chains)
    error_letters(names, chains)
    opaque_definitions(names, chains)
    _assigned_unread(names, read)
    names.parts = numbered_parts(document or "")
    names.declared = declared_sizes(document or "", names, checker.model)
    names.bare_losses = bare_losses(chains)
    judge = TypedJudge(checker.model, names, _base(chains))
    if checker.model.kind != "batch_norm" and not indexes_parameters(names, chains):
        judge.one_scale()
    names.defined = {w[0] for w in map(defined_name, chains) if w is not None} - \
        {chain.sides[0].text for chain in chains if names_the_loss(chain, names)}
    if checker.model.normalizing:
        upstream_letters(names, chains, normalized_outputs(chains, names))
        idle_stand_ins(names, chains)
        scaled_norm_words(names, chains)
        names.counts |= limits(names, chains)
        names.two_meanings = names.bounds & {c.sides[0].text for c in chains if isinstance(c.sides[0], s.Sym) and
                                             c.relations == ("=",) and not isinstance(c.sides[1], (s.Num, s.Sym))}
        axis_letters(names, checker.model, chains)
    channel_order(names, chains)
    swapped_operands(judge, chains)
    bind_definitions(judge, chains)
    layer_labels(judge, chains, lambda chain: judge.claim(chain).verdict == "ok" or
                 tensor_claim(chain, names, checker.model) and any(holds(judge, chain, c) for c in CONVENTIONS))
    judge.group_counts = group_counts(judge, chains)
    judge.convention = _convention(judge, chains)
    judge.einstein = document is not None and bool(EINSTEIN.search(document))
    names.stabilizer_delta = document is None or bool(_ADDED_DELTA.search(document))
    names.normalizes_z = document is None or bool(_NORMALIZED_Z.search(document))
    judge.variables = variables(names, chains)
    claims = []
    for region, rows in read:
        claims += unread_claims(region, rows)
    cut = _cut_short(read)
    sliced = sliced_letters(document or "")
    cache: dict[str, tuple] = {}
    lines = document.split("\n") if document is not None else []
    previous = None
    for region, chain, line in found:
        if len(chain.sides) > 2 and names.defines(chain.sides[1]):       # η = ∂H/∂w = …: the claim after the name
            chain = s.Chain(chain.sides[1:], chain.relations[1:], chain.continued, chain.text, chain.offset,
                            chain.lines[1:])
        before = previous.sides[-1] if previous is not None and previous.sides[0] == chain.sides[0] else None
        previous = chain
        judge.case = _case(lines, line)
        names.forward_jacobian = of_a_tensor(chain.sides[0], names)      # ∂x_{11}/∂x_{21} = δ_{12}: Kronecker's
        verdict, rows = cache.get((chain.text, judge.case), (None, []))
        if (names.defines(chain.sides[-1]) or renames(chain) or _sets(chain)) and \
                output_size_claim(chain, checker.model) is None:
            continue                   # v_0 = σ_0² + ε: the post names an expression; nothing is claimed
        if line in cut:
            verdict = Verdict("unchecked", None, f"it goes on at line {cut[line]}, which is not read")
        elif verdict is None and case_part(chain, judge.case):
            verdict = Verdict("unchecked", None, case_part(chain, judge.case))
        elif verdict is None and activation_of_input(chain, names, checker.model.kind):
            verdict = Verdict("unchecked", None, activation_of_input(chain, names, checker.model.kind))
        elif verdict is None and sliced_claim(chain, sliced):
            verdict = Verdict("unchecked", None, sliced_claim(chain, sliced))
        elif verdict is None:
            fresh = time.monotonic() <= deadline
            verdict = judge.claim(chain, before) if fresh else \
                Verdict("unchecked", None, f"not checked: the document's {seconds:g} s were spent")
            if verdict.verdict == "unchecked" and checker.model.normalizing and vector_claim(chain, names):
                # (I - 11ᵀ/N - x̂x̂ᵀ/N)/σ, ∂x̂/∂x ∂L/∂x̂: matrix calculus, read in one group's vectors
                verdict = judge_vectors(checker.model, names, judge.points, chain) or verdict
            if fresh and time.monotonic() <= deadline:
                verdict = members_that_read(lambda pair: judge.claim(pair, before), chain, verdict)
            rows = judge.wrong_rows if verdict.verdict == "wrong" else []
            cache[(chain.text, judge.case)] = verdict, rows
        if region.code and verdict.verdict == "unchecked" and _code_variable(chain, names):
            names.define(chain.sides[0].text, [], chain.sides[-1])   # a = dy.sum(…): code's own a from here on
            continue
        if verdict.verdict is None or (region.plain and verdict.verdict == "unchecked"):
            continue
        size = judge.matrix_size(chain, before) if verdict.verdict in ("ok", "wrong") else 0
        places = [(row_line(lines, line, row), row) for row in range(size)] if rows or verdict.verdict == "ok" else []
        places = [(at, row) for at, row in places if at is not None]
        covered = {at for at, _ in places}
        if verdict.verdict == "ok" or not places:
            at = link_line(line, chain, verdict.link if verdict.verdict == "wrong" else None)
            covered.add(at)
            claims.append(Claim(at, chain.text, verdict.verdict, verdict.expected, verdict.reason, region.start,
                                region.end, link=verdict.link))
        for below, tries in later_links(line, chain, covered):
            again = first_read(lambda link: judge.claim(link, before), tries)
            if again.verdict is not None and not (region.plain and again.verdict == "unchecked"):
                claims.append(Claim(below, chain.text, again.verdict, again.expected, again.reason, region.start,
                                    region.end))
        for at, row in places:          # a written-out matrix: each row right or wrong at its own line
            if row in rows:
                claims.append(Claim(at, chain.text, "wrong", verdict.expected,
                                    f"{verdict.reason}; the matrix's row {row + 1} is wrong", region.start,
                                    region.end, link=verdict.link))
            elif at != line:
                claims.append(Claim(at, chain.text, "ok", None, f"the matrix's row {row + 1}", region.start,
                                    region.end))
    claims.sort(key=lambda c: (c.start, c.line))
    written = written_at_other_sizes(document or "", names, checker.model)
    claims = of_other_sizes(claims, written)
    if not example:

        def judged(spec) -> list[Claim]:
            try:
                other = TypedChecker(SimpleNamespace(spec=spec))
            except DeriveError:
                return []
            left = max(0.0, deadline - time.monotonic())        # the example's time is the post's, not more
            return list(verify_typed(other, regions, document, left, chains_of, example=True).claims)

        claims = in_example(claims, checker.spec, checker.model, written, names, judged)
    return Report(tuple(at_unit_stride(claims, document or "", checker.model)), "typed")


def _code_variable(chain: s.Chain, names: Names) -> bool:
    """a = …, b = … in a post's code: a one-letter name the table reads only as another letter's stand-in
    (a, h, z for x; b for β), which code uses for variables of its own; never x, y or a statistic's name."""
    return len(chain.sides) == 2 and isinstance(chain.sides[0], s.Sym) and _stand_in(chain.sides[0].text, names) \
        and bool(_CALL.search(chain.text.split("=", 1)[-1]))


def _stand_in(letter: str, names: Names) -> bool:
    return len(letter) == 1 and letter not in "xXyY" and names.role(letter) is not None


_ASSIGNMENT = re.compile(r"^\s*([A-Za-z])\s*=(?!=)(?=.*[\w)\]]\s*[.(])")     # a = dy.sum(…): a call on the right
_CALL = re.compile(r"[\w)\]]\s*[.(]")


def _assigned_unread(names: Names, read) -> None:
    """a = dy.sum(axis=-1, keepdims=True), a line of code (fenced or not) that does not read: a one-letter
    stand-in it assigns is the code's own variable, no longer the table's tensor."""
    for region, rows in read:
        for _, lines, row in rows:
            found = _ASSIGNMENT.match(row) if isinstance(lines, ReadError) and (region.plain or region.code) \
                else None
            if found and _stand_in(found.group(1), names):
                names.bind(found.group(1), None)


def verify_typed_text(checker: TypedChecker, text: str, name: str, seconds: float, chains_of):
    if len(text) > MAX_DOCUMENT:
        raise DeriveError(f"document: {len(text)} characters; at most {MAX_DOCUMENT} are read")
    text = normalize(text)
    regions = scan(text, name)
    if checker.model.normalizing and not name.endswith(".tex"):     # a normalization's NumPy code: its claims too
        code = [replace(region, text=_NUMBERED.sub(r"\\operatorname{\1}", region.text)) for region in code_lines(text)]
        regions = sorted(regions + code, key=lambda r: r.start)
    return verify_typed(checker, regions, text, seconds, chains_of)


# dx1, dxmu2 in code: one identifier (a path's part of a gradient), not dx at the entry 1
_NUMBERED = re.compile(r"\b([A-Za-z]+\d+)\b")
# X[r + a, c + b], \mathbf{y}[r', c']: a tensor's entry by its indices in brackets, as signal-processing and code
# write it; only letters (\\alpha too), digits, primes, + and -, max(0, r - a) between them (never [h_{t-1}, x_t])
_INDEX_ATOM = r"(?:\\?(?:max|min)[ \t]*\([^()\[\]]*\)|[A-Za-z]|\\[a-zA-Z]+)'*"
_INDEX_TERM = rf"[ \t]*{_INDEX_ATOM}(?:[ \t]*[+-][ \t]*(?:{_INDEX_ATOM}|\d+))*[ \t]*"
_BRACKET_INDEX = re.compile(rf"((?:\\math[a-z]+\{{[A-Za-z]\}}|(?<![\\A-Za-z])[A-Za-z]))\[((?:{_INDEX_TERM},)+{_INDEX_TERM})\]")


def _bracket_entries(rows: list[tuple]) -> list[tuple]:
    """Each row with a tensor's entries indexed in brackets read as subscripted entries (y[r, c] as y_{r,c}); the
    row's own text stays, so that it is found at its line in the document."""
    found = []
    for line, lines, row in rows:
        written = _BRACKET_INDEX.sub(r"\1_{\2}", row)
        if written != row:
            try:
                lines = read(written)
            except ReadError as exc:
                lines = exc
        found.append((line, lines, row))
    return found


def _joined(rows: list[tuple]) -> list[tuple]:
    """A sum written over several rows, the next starting with its sign (`+& \\frac{…}`, `&- …`), read
    as one row at the first's line: the grammar reads a row on its own."""
    found: list[list] = []
    for line, lines, row in rows:
        joined = _read_joined(found[-1], row) if found and _goes_on(row) else None
        if joined is not None:
            found[-1] = joined
        else:
            found.append([line, lines, row])
    return [tuple(item) for item in found]


def _read_joined(above: list, row: str) -> list | None:
    """The row above with this one appended, read; None if the row above is unread or the two do not read."""
    if isinstance(above[1], ReadError):
        return None
    text = f"{above[2]} {row.replace('&', ' ')}"
    try:
        return [above[0], read(text), text]
    except ReadError:
        return None


def _goes_on(row: str) -> bool:
    return row.lstrip("& \t").startswith(("+", "-", "\\cdot", "\\times"))


def _cut_short(read) -> dict[int, int]:
    """Rows whose sum goes on in the next row (`+& ...`), which cannot be read: claimed as far as
    they go, they would be wrong. Row line -> the next row's."""
    found = {}
    for _, rows in read:
        for (line, lines, _), (after, unread, row) in zip(rows, rows[1:]):
            if isinstance(unread, ReadError) and not isinstance(lines, ReadError) and _goes_on(row):
                found[line] = after
    return found


_CASE = re.compile(r"\b(?:for|when|if|where|with)\b[^.;]*?(?<![A-Za-z\\])([a-zA-Z])\s*(\\neq?(?![A-Za-z])|≠|!=|=)\s*"
                   r"([a-zA-Z])(?![A-Za-z_])", re.IGNORECASE)
_TAG_OR_MATH = re.compile(r"<[^<>]*>|\\\(.*?\\\)|\$[^$]*\$")
_WORD = re.compile(r"[A-Za-z]{3,}")
CASE_LINES = 20            # how far above a claim its case's sentence may be


def _case(lines: list[str], line: int) -> tuple | None:
    """The case the post states for the claim at `line` (1-based): "for k ≠ i, we have" in the nearest
    sentence above it, as (k, i, equal); None where that sentence states none."""
    for k in range(line - 2, max(-1, line - 1 - CASE_LINES), -1):
        text = lines[k] if k < len(lines) else ""
        found = _CASE.search(re.sub(r"<[^<>]*>", " ", text))
        if found:
            return found.group(1), found.group(3), found.group(2) == "="
        if _WORD.search(_TAG_OR_MATH.sub(" ", text)) and not text.lstrip().startswith(("\\", "&", "$$")):
            return None            # another sentence: the case ended there
    return None



def _base(chains: list[s.Chain]) -> int:
    """The post's first index: 0 where it writes an index 0 or sums from 0, 1 where it sums from 1 or
    numbers its entries without a 0 (X_{11} .. X_{33})."""
    digits, lows = [], []
    for chain in chains:
        for node in s.nodes(chain):
            if isinstance(node, s.BigSum) and isinstance(node.sub.node if node.sub else None, s.Chain):
                low = node.sub.node.sides[-1]
                if isinstance(low, s.Num) and low.text.isdigit():
                    lows.append(int(low.text))
            elif isinstance(node, s.Scripted) and node.sub is not None and \
                    not (isinstance(node.base, s.Sym) and node.base.text in (KRONECKER, "rot")):    # rot_{180}: an angle
                digits += [int(p) for p in index_pieces(node.sub.text) or [] if p.isdigit()]
    if 0 in digits or 0 in lows:
        return 0
    return 1 if lows or digits else 0


def _sets(chain: s.Chain) -> bool:
    """w = b = 1, y = 0: a whole tensor set to 0 or 1 (a case the post considers), not a value it derives."""
    *names, value = chain.sides
    if isinstance(value, s.Sym) and value.font in ("mathbf", "boldsymbol", "bm", "vec") and value.text in ("0", "1"):
        value = s.Num(value.text)
    return isinstance(value, s.Num) and value.text in ("0", "1") and \
        all(isinstance(n, s.Sym) and n.text.isalpha() for n in names)


def _convention(judge: TypedJudge, chains: list[s.Chain]) -> str | None:
    """What the post's * is: the reading under which its forward (Z = X * W) holds."""
    if judge.model.kind != "conv2d":
        return None
    for chain in chains:
        written = written_name(chain.sides[0]) or written_name(chain.sides[-1])     # Y = X * W, or X * W = Y
        if written is None or not tensor_claim(chain, judge.names, judge.model) or judge.names.role(written[0], written[1]) != "output":
            continue
        for convention in CONVENTIONS:
            if holds(judge, chain, convention):
                return convention
    for chain in chains:               # a forward written entry by entry: the post's convolution is the layer's
        written = written_name(chain.sides[0])
        if written is not None and written[2] and judge.names.role(written[0], written[1]) == "output" and \
                judge.claim(chain).verdict == "ok":
            return "correlation"
    return None


