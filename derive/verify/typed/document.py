"""A post about a conv, pool or normalization layer, checked claim by claim: the same regions,
rows and chains as a dense network's post (verify/document.py), judged on the layer's entries."""

from __future__ import annotations

import itertools
import re
import time

from ...errors import DeriveError
from .. import syntax as s
from ..claims import Claim, Report, unread_claims
from ..limits import MAX_CLAIMS, MAX_DOCUMENT
from ..reader import ReadError, read
from ..region import Region
from ..regions import normalize, scan
from ..row_reading import continued_regions, read_rows
from ..values import Verdict
from .arrays import tensor_claim
from .judge import TypedJudge
from .letters import free_letters
from .rows import row_line
from .tensor_judge import CONVENTIONS, holds
from .model import layer_model
from .names import KRONECKER, LOSSES, Names, index_pieces
from .evaluate import Evaluator, OutOfRange, Unread, derivative_parts, is_label

LEAVES = ("input", "kernel", "bias", "scale", "shift")
EINSTEIN = re.compile(r"einstein|summation convention|repeated ind(?:ex|ices) (?:is|are) summed", re.IGNORECASE)


class TypedChecker:
    """What depends on the spec only: the layer's model, built once."""

    def __init__(self, result):
        self.spec = result.spec
        if not result.spec.has_values:
            raise DeriveError("verify checks a typed layer's post at the spec's numbers: this spec gives the layer "
                              "form only; expected [input] values (and the weights, or [init] seed)")
        self.model = layer_model(result.spec)
        if self.model is None:
            raise DeriveError("verify reads posts about a conv2d, pooling or normalization layer; this spec has "
                              "none (or its layer has more than 4,000 output entries): expected such a layer")


def verify_typed(checker: TypedChecker, regions: list[Region], document: str | None, seconds: float,
                 chains_of):
    deadline = time.monotonic() + seconds
    starts = _line_starts(document) if document is not None else None
    read = [(region, _joined(rows)) for region, rows in
            continued_regions([(region, read_rows(region, document, starts)) for region in regions], document)]
    found = [(region, chain, line) for region, rows in read for chain, _, line in chains_of(rows)]
    if len({chain.text for _, chain, _ in found}) > MAX_CLAIMS:
        raise DeriveError(f"document: more than {MAX_CLAIMS} different claims; at most {MAX_CLAIMS} are checked")
    names = Names(checker.model.kind)
    chains = [chain for _, chain, _ in found]
    judge = TypedJudge(checker.model, names, _base(chains))
    if checker.model.kind != "batch_norm" and not _indexes_parameters(names, chains):
        judge.one_scale()
    names.defined = {w[0] for w in map(_defined_name, chains) if w is not None}
    if checker.model.normalizing:
        names.counts |= _limits(names, chains)
        _axis_letters(names, checker.model, chains)
    _bind_definitions(judge, chains)
    judge.group_counts = _group_counts(judge, chains)
    judge.convention = _convention(judge, chains)
    judge.einstein = document is not None and bool(EINSTEIN.search(document))
    judge.variables = _variables(names, chains)
    claims = []
    for region, rows in read:
        claims += unread_claims(region, rows)
    cut = _cut_short(read)
    cache: dict[str, tuple] = {}
    lines = document.split("\n") if document is not None else []
    previous = None
    for region, chain, line in found:
        before = previous.sides[-1] if previous is not None and previous.sides[0] == chain.sides[0] else None
        previous = chain
        judge.case = _case(lines, line)
        verdict, rows = cache.get((chain.text, judge.case), (None, []))
        if names.defines(chain.sides[-1]) or _renames(chain) or _sets(chain):
            continue                   # v_0 = σ_0² + ε: the post names an expression; nothing is claimed
        if line in cut:
            verdict = Verdict("unchecked", None, f"it goes on at line {cut[line]}, which is not read")
        elif verdict is None:
            verdict = Verdict("unchecked", None, f"not checked: the document's {seconds:g} s were spent") \
                if time.monotonic() > deadline else judge.claim(chain, before)
            rows = judge.wrong_rows if verdict.verdict == "wrong" else []
            cache[(chain.text, judge.case)] = verdict, rows
        if verdict.verdict is None or (region.plain and verdict.verdict == "unchecked"):
            continue
        size = judge.matrix_size(chain, before) if verdict.verdict in ("ok", "wrong") else 0
        places = [(row_line(lines, line, row), row) for row in range(size)] if rows or verdict.verdict == "ok" else []
        places = [(at, row) for at, row in places if at is not None]
        if verdict.verdict == "ok" or not places:
            claims.append(Claim(line, chain.text, verdict.verdict, verdict.expected, verdict.reason, region.start,
                                region.end, link=verdict.link))
        for at, row in places:          # a written-out matrix: each row right or wrong at its own line
            if row in rows:
                claims.append(Claim(at, chain.text, "wrong", verdict.expected,
                                    f"{verdict.reason}; the matrix's row {row + 1} is wrong", region.start,
                                    region.end, link=verdict.link))
            elif at != line:
                claims.append(Claim(at, chain.text, "ok", None, f"the matrix's row {row + 1}", region.start,
                                    region.end))
    claims.sort(key=lambda c: (c.start, c.line))
    return Report(tuple(claims), "typed")


def verify_typed_text(checker: TypedChecker, text: str, name: str, seconds: float, chains_of):
    if len(text) > MAX_DOCUMENT:
        raise DeriveError(f"document: {len(text)} characters; at most {MAX_DOCUMENT} are read")
    text = normalize(text)
    return verify_typed(checker, scan(text, name), text, seconds, chains_of)


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


def _line_starts(text: str) -> list[int]:
    return [0] + [k + 1 for k, c in enumerate(text) if c == "\n"]


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
                    not (isinstance(node.base, s.Sym) and node.base.text == KRONECKER):
                digits += [int(p) for p in index_pieces(node.sub.text) or [] if p.isdigit()]
    if 0 in digits or 0 in lows:
        return 0
    return 1 if lows or digits else 0


def _bind_definitions(judge: TypedJudge, chains: list[s.Chain]) -> None:
    """A post's own names: `Z_i = (X_i - μ)/σ` makes Z the normalized input, where Z would be read as
    another tensor (or as nothing) and the definition holds only as x̂. One role per name, for the post."""
    names, model = judge.names, judge.model
    point = judge.points[0]
    for chain in chains:
        if len(chain.sides) != 2 or chain.relations[0] not in ("=", ":=") or _renames(chain):
            continue
        written = _written_name(chain.sides[0])
        if written is None:
            continue
        text, font, sub = written
        key = Names.key(text, font)
        evaluator = Evaluator(model, names, point)
        views = judge._views(frozenset(free_letters(chain, names.counts)) | {"•"})
        if _holds(evaluator, chain, views, point):
            continue
        bound = names.bound.get(key)
        role = _fitting(names, model, key, chain, lambda: _holds(evaluator, chain, views, point))
        if role is None:
            # a leaf's letter (the input's z) defined by the layer's quantities is the post's own name: z = σ(y)
            own = names.role(text, font) in (None,) + LEAVES or _of_own_names(names, chain.sides[1])
            itself = _mentions(chain.sides[1], key)
            if bound is None and own and not itself and _reads(evaluator, chain.sides[1], views):
                names.define(key, index_pieces(sub) or [] if sub else [], chain.sides[1])
        if bound is not None:               # defined again, as something else: its first meaning stays
            names.bind(key, bound)
            if role is not None:
                names.also(key, role)
        elif role is not None and _other_case(key) in names.bound:     # Z the output, z the normalized input
            names.also(key, names.bound[_other_case(key)])
            names.also(_other_case(key), role)


def _limits(names: Names, chains: list[s.Chain]) -> set[str]:
    """The letters the post's sums run up to (Σ_r^n, Σ_{k=1}^{H}) that name nothing else: the size of
    the axis summed over, as a count."""
    found = set()
    for chain in chains:
        for node in s.nodes(chain):
            top = node.sup.node if isinstance(node, s.BigSum) and node.sup is not None else None
            if isinstance(top, s.Sym) and len(top.text) == 1 and top.text.isalpha() and not top.font and \
                    names.role(top.text) is None and top.text not in LOSSES:
                found.add(top.text)
    return found


def _fitting(names: Names, model, key: str, chain: s.Chain, holds) -> str | None:
    """The role under which a definition holds, bound: the left name's alone, else with one name of the
    right side's read as another tensor too, where two of its names have one role (Z = a(X - μ)/σ + b,
    where a and X would both be the input: the post's a is the scale)."""
    for role in _roles(model):
        names.bind(key, role)
        if holds():
            return role
        del names.bound[key]
    right = [n for n in s.nodes(chain.sides[1:]) if isinstance(n, s.Sym)]
    others = sorted({Names.key(n.text, n.font) for n in right if len(n.text) == 1 and n.text.isalpha() and
                     names.role(n.text, n.font) is not None} - {key})
    for other in (o for o in others if o not in names.bound):
        # no role twice in one definition: X read as the mean in (X - μ) would make it vanish
        taken = {names.role(n.text, n.font) for n in right if Names.key(n.text, n.font) != other}
        if names.role(other) not in taken:
            continue
        for role, second in itertools.product(_roles(model), _roles(model)):
            if second == names.role(other) or second in taken or role in taken | {second}:
                continue
            names.bind(key, role)
            names.bind(other, second)
            if holds():
                return role
            del names.bound[key], names.bound[other]
    return None


def _of_own_names(names: Names, side: s.Node) -> bool:
    """Whether an expression is of the post's own names alone (σ = √(qᵀq), q its own): a name of the
    layer's defined so means the post's quantity, not the table's."""
    written = [Names.key(n.text, n.font) for n in s.nodes(side) if isinstance(n, s.Sym) and n.text.isalpha()]
    return bool(written) and all(key in names.macros for key in written)


def _renames(chain: s.Chain) -> bool:
    """x_1 = x - x̄: a name for an expression of the whole tensor its letter names (no entry equals every entry)."""
    left = chain.sides[0]
    if len(chain.sides) != 2 or not (isinstance(left, s.Scripted) and isinstance(left.base, s.Sym) and
                                     left.sub is not None and left.sub.text.strip("{}").isdigit()):
        return False
    return any(isinstance(n, s.Sym) and n.text == left.base.text and n.font == left.base.font
               for n in s.nodes(chain.sides[1]) if not isinstance(n, s.Scripted))


def _sets(chain: s.Chain) -> bool:
    """w = b = 1, y = 0: a whole tensor set to 0 or 1 (a case the post considers), not a value it derives."""
    *names, value = chain.sides
    if isinstance(value, s.Sym) and value.font in ("mathbf", "boldsymbol", "bm", "vec") and value.text in ("0", "1"):
        value = s.Num(value.text)
    return isinstance(value, s.Num) and value.text in ("0", "1") and \
        all(isinstance(n, s.Sym) and n.text.isalpha() for n in names)


def _mentions(side: s.Node, key: str) -> bool:
    """Whether a side reads the name itself (x in x + 1; N_c is another name than N)."""
    found = list(s.nodes(side))
    indexed = {id(n.base) for n in found if isinstance(n, s.Scripted) and n.sub is not None}
    return any(isinstance(n, s.Sym) and id(n) not in indexed and Names.key(n.text, n.font) == key for n in found)


def _variables(names: Names, chains: list[s.Chain]) -> frozenset:
    """The statistics a post differentiates by (∂L/∂μ, ∂L/∂σ²): its variables of their own."""
    found = set()
    for chain in chains:
        for node in s.nodes(chain):
            parts = derivative_parts(node) if isinstance(node, s.Frac) else None
            bottom = parts[1] if parts else None
            while isinstance(bottom, s.Paren) and bottom.kind == "{":
                bottom = bottom.inner
            base = bottom.base if isinstance(bottom, s.Scripted) else bottom
            if isinstance(base, s.Func) and base.name == "sigma":
                base = s.Sym("\\sigma")
            if isinstance(base, s.Sym):
                squared = isinstance(bottom, s.Scripted) and bottom.sup is not None and bottom.sup.text == "2"
                role = "variance" if base.text == "\\sigma" and squared else names.role(base.text, base.font)
                if role in ("mean", "variance", "deviation"):
                    found.add(role)
    return frozenset(found)


def _other_case(key: str) -> str:
    return key.swapcase() if len(key) == 1 and key.isalpha() else key


def _axis_letters(names: Names, model, chains: list[s.Chain]) -> None:
    """Which of a normalization's two entry indices is the feature: the letter the post also puts on a
    per-feature name alone (x_{c,i} with μ_c, w_c: c; the default, x_{i,j} with γ_j: the second)."""
    per_feature = ("scale", "shift") + (("mean", "variance", "deviation") if model.kind == "batch_norm" else ())
    pairs, alone = [], set()
    for chain in chains:
        for node in s.nodes(chain):
            if not (isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and node.sub is not None):
                continue
            role, pieces = names.role(node.base.text, node.base.font), index_pieces(node.sub.text) or []
            letters = [p for p in pieces if p.isalpha() and len(p) == 1]
            if role in ("input", "normalized", "output") and len(letters) == 2 == len(pieces):
                pairs.append(letters)
            elif role in per_feature and len(letters) == 1 == len(pieces):
                alone.add(letters[0])
    first = sum(1 for a, b in pairs if a in alone and b not in alone)
    second = sum(1 for a, b in pairs if b in alone and a not in alone)
    names.feature_first = first > second
    for a, b in pairs:
        feature, sample = (a, b) if names.feature_first else (b, a)
        names.axis_letters.setdefault(feature, "feature")
        names.axis_letters.setdefault(sample, "sample")


def _indexes_parameters(names: Names, chains: list[s.Chain]) -> bool:
    """Whether the post writes γ or β with an index (γ_i): per feature, as layer norm has them."""
    for chain in chains:
        for node in s.nodes(chain):
            if isinstance(node, s.Scripted) and node.sub is not None and isinstance(node.base, s.Sym) and \
                    names.role(node.base.text, node.base.font) in ("scale", "shift"):
                return True
    return False


def _group_counts(judge: TypedJudge, chains: list[s.Chain]) -> frozenset:
    """The count letters in the chains that define a statistic (μ = 1/D Σ x_i): the size of the group
    the layer normalizes over, in the post's letters. Other count letters count the other axis."""
    if not judge.model.normalizing:
        return frozenset()
    found = set()
    for chain in chains:
        written = _written_name(chain.sides[0])
        if written is None or len(chain.sides) < 2:
            continue
        if judge.names.role(written[0], written[1]) in ("mean", "variance") or \
                (written[0] == "\\sigma" and written[2] is None):
            found |= {n.text for n in s.nodes(chain.sides[1:]) if isinstance(n, s.Sym) and n.text in judge.names.counts}
    return frozenset(found)


def _convention(judge: TypedJudge, chains: list[s.Chain]) -> str | None:
    """What the post's * is: the reading under which its forward (Z = X * W) holds."""
    if judge.model.kind != "conv2d":
        return None
    for chain in chains:
        written = _written_name(chain.sides[0]) or _written_name(chain.sides[-1])     # Y = X * W, or X * W = Y
        if written is None or not tensor_claim(chain, judge.names, judge.model) or judge.names.role(written[0], written[1]) != "output":
            continue
        for convention in CONVENTIONS:
            if holds(judge, chain, convention):
                return convention
    for chain in chains:               # a forward written entry by entry: the post's convolution is the layer's
        written = _written_name(chain.sides[0])
        if written is not None and written[2] and judge.names.role(written[0], written[1]) == "output" and \
                judge.claim(chain).verdict == "ok":
            return "correlation"
    return None


def _reads(evaluator: Evaluator, side: s.Node, views) -> bool:
    """Whether a right side reads as an expression of the layer's (a name the post introduces for it)."""
    for view in views:
        try:
            evaluator.side(side, view)
            return True
        except OutOfRange:
            continue
        except (Unread, ZeroDivisionError, TypeError, ValueError, OverflowError):
            return False
    return False


def _holds(evaluator: Evaluator, chain: s.Chain, views, point) -> bool:
    tried = False
    for view in views:
        try:
            a, b = (point.value(evaluator.side(side, view)) for side in chain.sides)
        except OutOfRange:
            continue
        except Unread:
            return False
        except (ZeroDivisionError, TypeError, ValueError, OverflowError):
            return False
        tried = True
        if abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)):
            return False
    return tried


def _roles(model) -> list[str]:
    return [role for role in model.tensors if role not in ("upstream",)]


def _defined_name(chain: s.Chain):
    """The name a chain's left side defines: a name, or a function of the post's (i(x) = x)."""
    left = chain.sides[0]
    if isinstance(left, s.Juxt) and len(left.items) == 2 and isinstance(left.items[1], s.Paren):
        left = left.items[0]
    return _written_name(left)


def _written_name(node: s.Node):
    while isinstance(node, s.Paren) and node.kind == "{":
        node = node.inner
    if isinstance(node, s.Sym):
        return node.text, node.font, None
    if isinstance(node, s.Func) and node.name == "sigma":       # σ without an argument: the name
        return "\\sigma", "", None
    if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and (node.sup is None or is_label(node.sup.text)):
        return node.base.text, node.base.font, node.sub.text if node.sub else None
    return None
