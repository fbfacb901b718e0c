"""A chain written over several lines (a = b, then = c on the next line, then = d) claims something at
each line a relation starts: there, a reader checks the side it writes against the chain's first,
as the row of an aligned chain that continues a claim is read (a = c, then a = d). So each such line
gets a verdict of its own, and a wrong link is reported at the line where its side is written. On one
line, a chain with a member that does not read still claims its other members equal."""

from __future__ import annotations

import itertools

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


MAX_MEMBERS = 5


def members_that_read(verdict_of, chain: s.Chain, verdict):
    """a = b = c on one line where b does not read (a chain rule's middle by a whole tensor, a typo in
    it): a and c still claim to be equal, so two members that read and differ make the chain wrong.
    Where none differ the chain stays unchecked: the unread member is not vouched for. Formulas only:
    across a member of figures, what it rounded is unknown (as judge._links_between keeps to); and a
    derivative's, as h_t = y_t = σ(…) is a forward definition, which a post's own names may bend."""
    if verdict.verdict != "unchecked" or not 3 <= len(chain.sides) <= MAX_MEMBERS or \
            len(set(chain.lines)) > 1 or not all(r in EQUALITIES for r in chain.relations) or \
            any(isinstance(node, s.Num) and "." in node.text for node in s.nodes(chain)) or \
            not _differentiates(chain.sides[0]):
        return verdict
    for a, b in itertools.combinations(range(len(chain.sides)), 2):
        between = chain.relations[a:b]
        relation = "\\approx" if "\\approx" in between else between[0]
        pair = s.Chain((chain.sides[a], chain.sides[b]), (relation,), chain.continued, chain.text, chain.offset,
                       chain.lines[:1])
        found = verdict_of(pair)
        if found.verdict == "wrong":
            return found._replace(reason=f"its members {a + 1} and {b + 1} differ: {found.reason} (another of its "
                                         f"members is not read: {verdict.reason.removeprefix('not read: ')})",
                                  link=None)
    return verdict


def _differentiates(node: s.Node) -> bool:
    """Whether a member is a derivative: ∂L/∂W, dL/dW, d_{L}/d_{W}."""
    return any(isinstance(n, s.Partial) or isinstance(n, s.Frac) and _after_d(n.num) and _after_d(n.den)
               for n in s.nodes(node))


def _after_d(part: s.Node) -> bool:
    while isinstance(part, s.Paren) and part.kind == "{":
        part = part.inner
    if isinstance(part, s.Juxt) and part.items:
        part = part.items[0] if part.items[0] == s.Sym("d") else part
    base = part.base if isinstance(part, s.Scripted) else part
    return isinstance(base, s.Sym) and base.text.startswith("d") and not base.font
