"""Math whose delimiters are written for Markdown to unescape: \\\\( … \\\\) and \\\\[ … \\\\] (kramdown,
Jekyll and Hexo posts), which Markdown turns into \\( … \\) and \\[ … \\] before MathJax sees the page. The
formula between them went through Markdown too, so its backslash escapes are undone as Markdown undoes
them (y^{\\<t\\>} is y^{<t>}, \\\\\\\\ a row break, a backslash
that ends a line the line break it asks for), and the math read is the one the reader sees."""

from __future__ import annotations

import re
from bisect import bisect_right

from .region import Region

ESCAPED = re.compile(r"(?<!\\)\\\\(?:\[(?!\s*-?\d+(?:\.\d+)?\s*(?:pt|em|ex|mm|cm)\s*\])(.+?)(?<!\\)\\\\\]|"
                     r"\((.+?)(?<!\\)\\\\\))", re.S)
# CommonMark: a backslash before ASCII punctuation is that character; one before a line's end, a hard line break
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])|\\(?=[ \t]*\n)")


def escaped_formulas(block: str) -> list[tuple[int, int, int, str]]:
    """(start, end, body start, body) of each Markdown-escaped formula in a block of Markdown source."""
    found, at = [], 0
    while (match := ESCAPED.search(block, at)) is not None:
        group = 1 if match.group(1) is not None else 2
        if "$" in match.group(group) or block.count("`", 0, match.start()) % 2:
            at = match.start() + 2       # it runs into $…$ math, or sits in a code span: look on from inside it
            continue
        found.append((match.start(), match.end(), match.start(group), as_markdown_renders(match.group(group))))
        at = match.end()
    return found


def as_markdown_renders(body: str) -> str:
    return _BACKSLASH_ESCAPE.sub(lambda m: m.group(1) or "", body)


def escaped_math(token, text: str, line_starts: list[int], regions: list[Region]) -> None:
    """The Markdown-escaped formulas of an inline token's block that no other region covers, into `regions`."""
    base = line_starts[token.map[0]]
    block = text[base:line_starts[token.map[1]] if token.map[1] < len(line_starts) else len(text)]
    taken = [(r.start, r.end) for r in regions]
    for start, end, body_start, body in escaped_formulas(block):
        if not any(a < base + end and base + start < b for a, b in taken):
            regions.append(Region(bisect_right(line_starts, base + body_start), body, base + start, base + end))
