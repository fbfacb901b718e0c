"""A chain written over several lines (a = b, then = c on the next line, then = d) claims something at
each line a relation starts: there, a reader checks the side it writes against the chain's first,
as the row of an aligned chain that continues a claim is read (a = c, then a = d). So each such line
gets a verdict of its own, and a wrong link is reported at the line where its side is written. On one
line, a chain with a member that does not read still claims its other members equal."""

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


MAX_MEMBERS = 5


def members_that_read(verdict_of, chain: s.Chain, verdict):
    """a = b = c on one line where b, a chain rule written out (∂L/∂f ∂f/∂W), does not read with c (a
    derivative by a whole tensor, a typo in it): a and c still claim to be equal, so a gradient a that differs
    from a later member makes the chain wrong, where each member between them reads against a or is a product
    of derivatives (two equations glued by a space are neither). Where none differ the chain stays unchecked: the
    unread member is not vouched for. Formulas only: across a member of figures, what it rounded is unknown
    (as judge._links_between keeps to); and a derivative's, as h_t = y_t = σ(…) is a forward definition, which
    a post's own names may bend."""
    if verdict.verdict != "unchecked" or not 3 <= len(chain.sides) <= MAX_MEMBERS or \
            len(set(chain.lines)) > 1 or not all(r in EQUALITIES for r in chain.relations) or \
            any(isinstance(node, s.Num) and "." in node.text for node in s.nodes(chain)) or \
            not _differentiates(chain.sides[0]):
        return verdict
    first = {}                                   # the first member (the gradient) against each later one
    for b in range(1, len(chain.sides)):
        between = chain.relations[:b]
        first[b] = verdict_of(_pair(chain, 0, b, "\\approx" if "\\approx" in between else between[0]))
        # a ≠ c across b: b must read against a, or be the chain rule written out (two equations glued by a
        # space are neither)
        if first[b].verdict == "wrong" and all(first[k].verdict != "unchecked" or _differentials(chain.sides[k]) >= 2
                                               for k in range(1, b)):
            return first[b]._replace(reason=f"its members 1 and {b + 1} differ: {first[b].reason} (another of its "
                                            f"members is not read: {verdict.reason.removeprefix('not read: ')})",
                                     link=None)
    return verdict


def _pair(chain: s.Chain, a: int, b: int, relation: str) -> s.Chain:
    return s.Chain((chain.sides[a], chain.sides[b]), (relation,), chain.continued, chain.text, chain.offset,
                   chain.lines[:1])


def _differentials(node: s.Node) -> int:
    """How many fractions in a member are by a differential (∂f/∂W, df/dW, and f/dW as a typo writes it)."""
    return sum(1 for n in s.nodes(node) if isinstance(n, s.Frac) and
               (any(isinstance(m, s.Partial) for m in s.nodes(n.den)) or _after_d(n.den)))


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
