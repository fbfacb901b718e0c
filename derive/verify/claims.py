"""A checked document's claims and report: what verify returns, whatever the network's kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .binding import Binding


@dataclass(frozen=True)
class Claim:
    line: int
    text: str
    verdict: str                 # ok, wrong, unchecked
    expected: str | None
    reason: str | None
    start: int = 0               # offsets of the claim's region in the document
    end: int = 0
    carries: int | None = None       # wrong, but right given the post's wrong figure on this line
    rounded_from: int | None = None  # right given the post's own rounded figure on this line
    link: int | None = None          # of a chain of links, the one found wrong (1: the first)
    unknown: str | None = None       # a name of the post's that names nothing: it is why the claim is unchecked


@dataclass(frozen=True)
class Report:
    claims: tuple[Claim, ...]
    notation: str
    bindings: tuple[Binding, ...] = ()       # the post's own names, read by what it says of them

    @property
    def summary(self) -> dict[str, int]:
        return {v: sum(c.verdict == v for c in self.claims) for v in ("ok", "wrong", "unchecked")}

    @property
    def primary(self) -> int:
        """Wrong claims that are new mistakes, not an earlier error carried on."""
        return sum(c.verdict == "wrong" and c.carries is None for c in self.claims)

    def _repr_html_(self) -> str:
        """The report as a table of ✓ and ✗, in a Jupyter notebook."""
        from .html_report import report_html
        return report_html(self)


def shorten(text: str, width: int = 200) -> str:
    """One line, at most `width` characters, with … where it was cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def unread_claims(region, rows) -> list[Claim]:
    """A region's rows that state a relation but cannot be read: each an unchecked claim, with where the
    reader stopped (plain text's unread lines are no claims)."""
    from .reader import ReadError
    from .row_reading import reported_unread
    return [Claim(line, shorten(row), "unchecked", None,
                  f"line {line + lines.line - 1}, column {lines.column}: {lines.message}", region.start, region.end)
            for line, lines, row in rows
            if isinstance(lines, ReadError) and not region.plain and reported_unread(row)]
