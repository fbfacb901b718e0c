"""Math regions of a reStructuredText document (Sphinx, Read the Docs): each equation of a `.. math::`
directive (Sphinx sets the blank-line-separated paragraphs of its block as separate displays, and an
argument on the directive's own line as one more), and each inline :math:`…` role. A block keeps its
lines, so that a claim keeps the line the document wrote it on."""

from __future__ import annotations

import re
from bisect import bisect_right

from .region import Region, line_starts_of

_DIRECTIVE = re.compile(r"^([ \t]*)\.\.[ \t]+math::[ \t]*([^\n]*)$", re.M)
_ROLE = re.compile(r":math:`([^`\n]{1,400}(?:\n[^`\n]{1,400}){0,5})`")
_OPTION = re.compile(r"^[ \t]*:[A-Za-z-]+:")          # :label: eq-1, :nowrap:
# what opens a literal block: a paragraph's closing "::", or a code directive
_LITERAL = re.compile(r"^(?:\s*\.\.\s+(?:code-block|code|sourcecode|literalinclude)::.*|(?!\s*\.\.\s).*::\s*)$")


def is_rst(text: str, name: str = "") -> bool:
    """A .rst file, or a document whose math is written as reStructuredText writes it: a `.. math::`
    directive, or :math:`…` roles and not one dollar (a Markdown post may show the role in its code)."""
    if name.endswith((".md", ".markdown", ".tex", ".html", ".htm", ".typ", ".ipynb")):
        return bool(_DIRECTIVE.search(text)) and "$" not in text
    return name.endswith((".rst", ".rest")) or bool(_DIRECTIVE.search(text)) or \
        (":math:`" in text and "$" not in text)


def rst_regions(text: str) -> list[Region]:
    line_starts = line_starts_of(text)
    lines = text.split("\n")
    regions, blocks = [], []
    literal = _literal_blocks(lines, line_starts, len(text))
    for match in _DIRECTIVE.finditer(text):
        if any(start <= match.start() < end for start, end in literal):
            continue
        if match.group(2).strip():
            regions.append(Region(bisect_right(line_starts, match.start()), match.group(2), match.start(2),
                                  match.end(2)))
        first = bisect_right(line_starts, match.start())            # the block's first line, 0-based
        last = _block_end(lines, first, _width(match.group(1)))
        blocks.append((match.start(), line_starts[last] if last < len(lines) else len(text)))
        body = first
        while body < last and _OPTION.match(lines[body]):         # :label: and :nowrap: come first
            body += 1
        paragraph: list[int] = []
        for at in list(range(body, last)) + [None]:
            if at is not None and lines[at].strip():
                paragraph.append(at)
            elif paragraph:
                start = line_starts[paragraph[0]]
                end = line_starts[paragraph[-1]] + len(lines[paragraph[-1]])
                regions.append(Region(paragraph[0] + 1, text[start:end], start, end))
                paragraph = []
    for match in _ROLE.finditer(text):
        if not any(start <= match.start() < end for start, end in blocks + literal):
            regions.append(Region(bisect_right(line_starts, match.start()), match.group(1), match.start(),
                                  match.end()))
    return sorted(regions, key=lambda region: region.start)


def _literal_blocks(lines: list[str], line_starts: list[int], size: int) -> list[tuple[int, int]]:
    """(start, end) of each literal block (after "::") and code directive's block: no math is read there."""
    spans = []
    for at, line in enumerate(lines):
        if _LITERAL.match(line):
            last = _block_end(lines, at + 1, _width(line))
            spans.append((line_starts[at + 1] if at + 1 < len(lines) else size,
                          line_starts[last] if last < len(lines) else size))
    return spans


def _block_end(lines: list[str], first: int, indent: int) -> int:
    """The first line at or after `first` that is written at `indent` or less: where an indented block ends."""
    last = first
    while last < len(lines) and (not lines[last].strip() or _width(lines[last]) > indent):
        last += 1
    return last


def _width(line: str) -> int:
    expanded = line.expandtabs()
    return len(expanded) - len(expanded.lstrip())
