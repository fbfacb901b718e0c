"""Math a page leaves to MathJax in the browser: in its text, \\( … \\), \\[ … \\], $$ … $$ and the math
environments (\\begin{align} … \\end{align}), as MathJax's defaults read them, and never in what MathJax
skips (comments, scripts, styles, code, pre, textarea). A page with math elements of its own (Pandoc's,
markdown-it's, derive's) is read by those instead (html_regions.py)."""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right

from .region import Region, line_starts_of

UNTYPESET = re.compile(r"<(?:!--|(?:script|style|pre|code|textarea|noscript)\b)", re.I)
_TAG = re.compile(r"<[A-Za-z/!][^<>]{0,2000}>")
_OPENINGS = re.compile(r"\\\(|\\\[|\$\$|\\begin\{(equation|align|gather|multline|eqnarray)(\*?)\}")
MAX_TEX = 20_000            # one region's TeX, at most: an opening without its closing is no math
# MathJax 2's own form, which kramdown's mathjax engine and LyX's HTML write: the TeX raw in a script whose type
# is math/tex (MathJax 2 skips math/tex-foo, and a data-type attribute is no type)
MATH_SCRIPT = re.compile(r"""<script\b[^<>]{0,200}?(?<=\s)type\s*=\s*["']?math/tex(?:\s*;\s*mode\s*=\s*display)?"""
                         r"""(?:["']|(?=[\s/>]))[^<>]{0,200}>""", re.I)
_SCRIPT_END = re.compile(r"</script\s*>", re.I)
_HIDING = re.compile(r"<(?:!--|(?:style|pre|code|textarea|noscript)\b)", re.I)     # what hides a script too


def untypeset_blanked(block: str, hiding: re.Pattern = UNTYPESET) -> str:
    """The text with its comments and code, pre, textarea, script, style and noscript elements blanked where
    they sit (offsets hold): MathJax typesets nothing there. One pass: an element left open runs to the end."""
    lower, pieces, at = block.lower(), [], 0
    while True:
        opening = hiding.search(block, at)
        if opening is None:
            return "".join(pieces) + block[at:]
        tag = opening.group(0)[1:].lower()
        end = lower.find("-->" if tag == "!--" else f"</{tag}", opening.end())
        end = len(block) if end < 0 else (lower.find(">", end) + 1 or len(block))
        pieces += [block[at:opening.start()], " " * (end - opening.start())]
        at = end


def mathjax_regions(text: str) -> list[Region]:
    """Each delimited formula and math environment in the page's text, its TeX unescaped from HTML, and each
    <script type="math/tex"> (or "math/tex; mode=display"), its TeX as written (a script's text is raw)."""
    masked = _TAG.sub(lambda m: " " * len(m.group(0)), untypeset_blanked(text))
    line_starts = line_starts_of(text)
    regions, at = [], 0
    scripts = _math_scripts(text, line_starts)
    while True:
        opening = _OPENINGS.search(masked, at)
        if opening is None:
            return sorted(regions + scripts, key=lambda r: r.start)
        closing = {"\\(": "\\)", "\\[": "\\]", "$$": "$$"}.get(opening.group(0)) or \
            f"\\end{{{opening.group(1)}{opening.group(2)}}}"
        end = masked.find(closing, opening.end(), opening.end() + MAX_TEX)
        if end < 0:
            at = opening.end()
            continue
        tex = html.unescape(masked[opening.end():end])
        regions.append(Region(bisect_right(line_starts, opening.start()), tex, opening.start(), end + len(closing)))
        at = end + len(closing)


def _math_scripts(text: str, line_starts: list[int]) -> list[Region]:
    """Each <script type="math/tex"> element's TeX, never in a comment, pre, code or textarea; each opening
    looks for its end among the page's script ends, found once (an unclosed one is no math)."""
    shown = untypeset_blanked(text, _HIDING)
    ends = [(end.start(), end.end()) for end in _SCRIPT_END.finditer(shown)]
    regions, at = [], 0
    for opening in MATH_SCRIPT.finditer(shown):
        k = bisect_left(ends, (opening.end(), 0))
        if opening.start() < at or k == len(ends) or ends[k][0] - opening.end() > MAX_TEX:
            continue
        regions.append(Region(bisect_right(line_starts, opening.start()), text[opening.end():ends[k][0]],
                              opening.start(), ends[k][1]))
        at = ends[k][1]
    return regions
