"""A post about an RNN, LSTM, GRU or attention layer, checked claim by claim: the same regions and
rows as any post (verify/regions.py, row_reading.py), each claim judged on one step of the cell or on
the attention (judge.py)."""

from __future__ import annotations

import time

from ...errors import DeriveError
from .. import syntax as s
from ..claims import Claim, Report, unread_claims
from ..limits import MAX_CLAIMS, MAX_DOCUMENT
from ..region import Region
from ..regions import normalize, scan
from ..row_reading import continued_regions, read_rows
from ..values import Verdict
from .judge import SequenceJudge
from .world import world


class SequenceChecker:
    """What depends on the spec only: the numbers of the layer's step or attention, taken once."""

    def __init__(self, result):
        self.spec = result.spec
        self.world = world(result.spec)


def verify_sequence(checker: SequenceChecker, regions: list[Region], document: str | None, seconds: float,
                    chains_of, joined=lambda rows: rows) -> Report:
    deadline = time.monotonic() + seconds
    starts = _line_starts(document) if document is not None else None
    read = [(region, joined(rows)) for region, rows in
            continued_regions([(region, read_rows(region, document, starts)) for region in regions], document)]
    found = [(region, chain, line) for region, rows in read for chain, _, line in chains_of(rows)]
    if len({chain.text for _, chain, _ in found}) > MAX_CLAIMS:
        raise DeriveError(f"document: more than {MAX_CLAIMS} different claims; at most {MAX_CLAIMS} are checked")
    judge = SequenceJudge(checker.world)
    claims = []
    for region, rows in read:
        claims += unread_claims(region, rows)
    defined = set()
    for _, chain, line in found:               # the post's own names, then what its forward equations fix
        if len(chain.sides) >= 2 and judge.define(chain):
            defined.add((line, chain.text))
    for _, chain, line in found:
        if (line, chain.text) not in defined and len(chain.sides) >= 2:
            judge.learn(chain)
    for region, chain, line in found:
        if (line, chain.text) in defined or len(chain.sides) < 2 or _restates(chain):
            continue
        if time.monotonic() > deadline:
            verdict = Verdict("unchecked", None, f"not checked: the document's {seconds:g} s were spent")
        else:
            verdict = judge.claim(chain)
        if region.plain and verdict.verdict == "unchecked":
            continue
        claims.append(Claim(line, chain.text, verdict.verdict, verdict.expected, verdict.reason, region.start,
                            region.end))
    claims.sort(key=lambda c: (c.start, c.line))
    return Report(tuple(claims), "sequence")


def verify_sequence_text(checker: SequenceChecker, text: str, name: str, seconds: float, chains_of,
                         joined=lambda rows: rows) -> Report:
    if len(text) > MAX_DOCUMENT:
        raise DeriveError(f"document: {len(text)} characters; at most {MAX_DOCUMENT} are read")
    text = normalize(text)
    return verify_sequence(checker, scan(text, name), text, seconds, chains_of, joined)


def _restates(chain: s.Chain) -> bool:
    """W_f = W_f: a name set equal to itself says nothing."""
    return all(side == chain.sides[0] for side in chain.sides[1:])


def _line_starts(text: str) -> list[int]:
    return [0] + [k + 1 for k, c in enumerate(text) if c == "\n"]
