"""Two claims side by side on one row, a wide space between (a = 1 \\quad b = 2, \\;\\;, \\hspace{…}, ~~): one
row each. A matrix's own \\\\ ends no row, and a space inside a matrix parts nothing."""

from __future__ import annotations

import re

_QUAD = re.compile(r"\\q?quad(?![A-Za-z])|(?:(?<!\\)\\[,;: ]\s*){2,}|~~+|\\(?:enspace|space)(?![A-Za-z])|"
                   r"\\(?:hspace\*?|h?phantom|mspace)\s*\{[^{}]*\}|"     # \quad, \;\;, \hspace{1cm}: a wide space
                   r"\\rule\s*(?:\[[^\]{}]*\])?\s*\{\s*(?!0*\.?0*\s*(?:[a-z]{2})?\s*\})[^{}]*\}\s*\{[^{}]*\}")   # \rule{1cm}{0pt}
_RELATION = re.compile(r"(?<![<>!\\])=|\\approx(?![A-Za-z])")
_MATRIX_BODY = re.compile(r"\\begin\s*\{([pbvBV]?matrix\*?|smallmatrix|array)\}.{0,4000}?\\end\s*\{\1\}", re.S)


class _Row:
    """The shown row a space ends, as what side_by_side asks of it: a relation in it, its braces' balance."""

    def __init__(self):
        self.related, self.balance = False, 0

    def then(self, shown: str) -> "_Row":
        row = _Row() if "\\\\" in shown else self          # a row's end: only what follows it counts
        tail = shown.rsplit("\\\\", 1)[-1]
        row.related = row.related or bool(_RELATION.search(tail))
        row.balance += tail.count("{") - tail.count("}")
        return row


def side_by_side(text: str) -> str:
    """a = 1 \\quad b = 2 (or \\;\\;, \\hspace{…}, ~~): two claims side by side, a relation on each side of the
    space: one per row. A matrix's own \\\\ ends no row, and a space inside it parts nothing."""
    masked = _MATRIX_BODY.sub(lambda m: "M" + " " * (len(m.group(0)) - 1), text)     # the same offsets
    bounds = [0] + [end for space in _QUAD.finditer(masked) for end in space.span()] + [len(text)]
    if len(bounds) == 2:
        return text
    pieces = [(text[a:b], masked[a:b]) for a, b in zip(bounds[::2], bounds[1::2])]
    joined, row = [pieces[0][0]], _Row().then(pieces[0][1])
    for piece, shown in pieces[1:]:
        apart = row.related and row.balance == 0 and _RELATION.search(shown.split("\\\\", 1)[0])
        space = r" \\ " if apart else r" \quad "
        joined += [space, piece]
        row = row.then(space + shown)
    return "".join(joined)
