"""A region's rows, read: each row's lines, or why it cannot be read.

A row that can state no claim is not read at all: one alone in its region (a figure in a table's
cell, a name in a sentence) in which, seen through, the grammar's relation (REL) is nowhere, and
which labels no list. Posts are full of them, and reading one costs as much as reading a short
claim. (A row with = or \\approx in it is read: if it cannot be, it is reported unchecked.) Such a
row holds UNREAD, which reads as no lines, until a region that goes on from it needs it
(read_skipped).
"""

from __future__ import annotations

import re

from .limits import MAX_REGION
from .listed_entries import labels_a_list
from .reader import ReadError, read, relation
from .region import Region
from .rows import located
from .see_through import see_through


_RELATION_MARK = re.compile(r"[=<>\\]")


class _Unread(tuple):
    """No lines: a row left unread."""


UNREAD = _Unread()


_TAGS = re.compile(r"<[^<>]*>|\\[()\[\]]|\$")        # between two displays of an HTML post: tags, delimiters


def read_rows(region: Region, document: str | None, line_starts: list[int] | None) -> list[tuple]:
    """(document line, the row's lines or its ReadError, the row) for each row of the region."""
    rows = located(region, document, line_starts)
    if len(rows) == 1 and _states_nothing(rows[0][1]) and not labels_a_list(region, document):
        return [(rows[0][0], UNREAD, rows[0][1])]
    return [(line, _read_row(row), row) for line, row in rows]


def read_skipped(rows: list[tuple]) -> list[tuple]:
    """The rows, each read: a region goes on from them."""
    return [(line, _read_row(row), row) if lines is UNREAD else (line, lines, row) for line, lines, row in rows]


def reported_unread(row: str) -> bool:
    """Whether a row that cannot be read is reported as an unchecked claim: one with = or \\approx."""
    return any(rel in row for rel in ("=", "\\approx"))


def _states_nothing(row: str) -> bool:
    if row.isascii() and not _RELATION_MARK.search(row):     # no command, no sign: seeing through adds none
        return True
    return not reported_unread(row) and len(row) <= MAX_REGION and not relation().search(see_through(row))


def _read_row(row: str):
    try:
        return read(row)
    except ReadError as exc:
        return exc


def continued_regions(read_regions: list, document: str | None) -> list:
    """A region that starts with a relation (`= 0.67(1 - 0.67)(-0.17) = -0.0376` below the display
    of the formula) goes on with the region above it, when only blank lines (a quote's marks, or
    HTML tags: </span></p> <p><span>) lie between: the two are read as one."""
    joined: list = []
    for region, rows in read_regions:
        first = next((lines for _, lines, _ in rows if not isinstance(lines, ReadError)), None)
        opens = bool(first) and first[0].chain is not None and first[0].chain.continued
        if opens and joined and document is not None and \
                not _TAGS.sub("", document[joined[-1][0].end:region.start]).strip(" \t\n>"):
            above, above_rows = joined[-1]
            joined[-1] = (Region(above.line, above.text, above.start, region.end, above.plain),
                          read_skipped(above_rows) + rows)
        else:
            joined.append((region, rows))
    return joined
