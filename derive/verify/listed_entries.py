"""A quantity's entries worked out in a numbered list below it:

    Calculating $W^{[4]T} dZ^{[4]}$:
    1. $-0.18942 + 0.06956 + 0.0015 = -0.11836$
    2. $0.09471 + 0.01739 - 0.00225 = 0.10985$

Each item is the arithmetic of one entry of the quantity, in order: item k is read as the claim
`(W^{[4]T} dZ^{[4]})_k = -0.18942 + ... = -0.11836`. Only a formula that ends its line with a
colon is such a label, and only items numbered 1, 2, ... whose sides are figures alone are its entries.
"""

from __future__ import annotations

import re

from . import syntax as s
from .post_point import numbers_only

_LABEL_END = re.compile(r"^\s*(?:\\\)|\$)?\s*:\s*$")
_ITEM = re.compile(r"^\s*(\d+)[.)]\s*$")


def listed_entries(read_regions: list, document: str | None) -> list:
    """The regions, with the items of a numbered list below a labelled formula read as its entries."""
    if document is None:
        return read_regions
    out = list(read_regions)
    for k, (region, rows) in enumerate(read_regions):
        label = _lone_formula(rows)
        if label is None or not labels_a_list(region, document):
            continue
        for number, (item, item_rows) in enumerate(read_regions[k + 1:], 1):
            marker = _ITEM.match(document[_line_start(document, item.start):item.start])
            if marker is None or int(marker.group(1)) != number or not _figures_only(item_rows):
                break
            out[k + number] = (item, [(line, [_entry_of(label, number, each) for each in lines], row)
                                      for line, lines, row in item_rows])
    return out


def labels_a_list(region, document: str | None) -> bool:
    """Whether the region ends its line with a colon: the label of a numbered list below it."""
    return document is not None and bool(_LABEL_END.match(document[region.end:_line_end(document, region.end)]))


def _lone_formula(rows) -> s.Chain | None:
    """The one formula of a region that states no relation."""
    if len(rows) != 1 or isinstance(rows[0][1], Exception) or len(rows[0][1]) != 1:
        return None
    chain = rows[0][1][0].chain
    return chain if chain is not None and not chain.relations and len(chain.sides) == 1 else None


def _figures_only(rows) -> bool:
    return len(rows) == 1 and not isinstance(rows[0][1], Exception) and len(rows[0][1]) == 1 and \
        rows[0][1][0].chain is not None and bool(rows[0][1][0].chain.relations) and \
        all(numbers_only(side) for side in rows[0][1][0].chain.sides)


def _entry_of(label: s.Chain, number: int, line: s.Line) -> s.Line:
    chain = line.chain
    entry = s.Scripted(s.Paren(label.sides[0], "("), s.Script(str(number), s.Num(str(number))), None, 0)
    return s.Line(s.Chain((entry,) + chain.sides, ("=",) + chain.relations, False,
                          f"({label.text})_{{{number}}} = {chain.text}", chain.offset, chain.lines), line.text)


def _line_start(document: str, offset: int) -> int:
    return document.rfind("\n", 0, offset) + 1


def _line_end(document: str, offset: int) -> int:
    end = document.find("\n", offset)
    return len(document) if end < 0 else end
