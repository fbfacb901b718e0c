"""Math a page leaves to MathJax in the browser: in its text, \\( … \\), \\[ … \\], $$ … $$ and the math
environments (\\begin{align} … \\end{align}), as MathJax's defaults read them, and never in what MathJax
skips (comments, scripts, styles, code, pre, textarea). A page with math elements of its own (Pandoc's,
markdown-it's, derive's) is read by those instead (html_regions.py)."""

from __future__ import annotations

import html
import re
from bisect import bisect_right

from .region import Region, line_starts_of

UNTYPESET = re.compile(r"<(?:!--|(?:script|style|pre|code|textarea|noscript)\b)", re.I)
_TAG = re.compile(r"<[A-Za-z/!][^<>]{0,2000}>")
_OPENINGS = re.compile(r"\\\(|\\\[|\$\$|\\begin\{(equation|align|gather|multline|eqnarray)(\*?)\}")
MAX_TEX = 20_000            # one region's TeX, at most: an opening without its closing is no math


def untypeset_blanked(block: str) -> str:
    """The text with its comments and code, pre, textarea, script, style and noscript elements blanked where
    they sit (offsets hold): MathJax typesets nothing there. One pass: an element left open runs to the end."""
    lower, pieces, at = block.lower(), [], 0
    while True:
        opening = UNTYPESET.search(block, at)
        if opening is None:
            return "".join(pieces) + block[at:]
        tag = opening.group(0)[1:].lower()
        end = lower.find("-->" if tag == "!--" else f"</{tag}", opening.end())
        end = len(block) if end < 0 else (lower.find(">", end) + 1 or len(block))
        pieces += [block[at:opening.start()], " " * (end - opening.start())]
        at = end


def mathjax_regions(text: str) -> list[Region]:
    """Each delimited formula and math environment in the page's text, its TeX unescaped from HTML."""
    masked = _TAG.sub(lambda m: " " * len(m.group(0)), untypeset_blanked(text))
    line_starts = line_starts_of(text)
    regions, at = [], 0
    while True:
        opening = _OPENINGS.search(masked, at)
        if opening is None:
            return regions
        closing = {"\\(": "\\)", "\\[": "\\]", "$$": "$$"}.get(opening.group(0)) or \
            f"\\end{{{opening.group(1)}{opening.group(2)}}}"
        end = masked.find(closing, opening.end(), opening.end() + MAX_TEX)
        if end < 0:
            at = opening.end()
            continue
        tex = html.unescape(masked[opening.end():end])
        regions.append(Region(bisect_right(line_starts, opening.start()), tex, opening.start(), end + len(closing)))
        at = end + len(closing)
