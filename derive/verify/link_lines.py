"""A chain written over several lines (a = b, then = c on the next line, then = d) claims something at
each line a relation starts: there, a reader checks the side it writes against the chain's first,
as the row of an aligned chain that continues a claim is read (a = c, then a = d). So each such line
gets a verdict of its own, and a wrong link is reported at the line where its side is written."""

from __future__ import annotations

from . import syntax as s
from .judge import EQUALITIES


def link_line(line: int, chain: s.Chain, link: int | None) -> int:
    """The line of the chain's link `link` (1: the first): where its relation is written; `line` the
    chain's own when no link is named or the chain gives no lines."""
    k = link - 1 if link else -1
    return line + chain.lines[k] if 0 <= k < len(chain.lines) else line


def later_links(line: int, chain: s.Chain, covered: set[int]) -> list[tuple[int, tuple[s.Chain, ...]]]:
    """(line, the claims to try there) for each line of a chain's equalities that no claim covers yet
    (`covered`, the lines already reported): from the chain's first side to the side written there,
    then, where that cannot be read (a first side that names nothing), the link alone."""
    if len(chain.lines) != len(chain.relations) or len(set(chain.lines)) < 2:
        return []
    found, seen = [], set(covered)
    for k, (relation, offset) in enumerate(zip(chain.relations, chain.lines)):
        at = line + offset
        if relation not in EQUALITIES or at in seen:
            continue
        seen.add(at)
        pairs = [(0, k + 1)] + ([(k, k + 1)] if k else [])
        found.append((at, tuple(s.Chain((chain.sides[a], chain.sides[b]), (relation,), chain.continued, chain.text,
                                        chain.offset, (offset,)) for a, b in pairs)))
    return found


def first_read(verdict_of, tries: tuple[s.Chain, ...]):
    """The first of the claims' verdicts that is not unchecked, else the first's."""
    first = None
    for chain in tries:
        found = verdict_of(chain)
        if found.verdict in ("ok", "wrong"):
            return found
        first = first or found
    return first
