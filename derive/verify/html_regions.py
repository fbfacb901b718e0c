"""Math regions of an HTML page: the elements of class `math inline` / `math block` (or `display`)
that derive's own page, Pandoc and markdown-it write, their TeX still in the text for the
browser's KaTeX or MathJax. Read with the standard library's HTML parser."""

from __future__ import annotations

from bisect import bisect_right
from html.parser import HTMLParser

from .regions import Region

MATH_CLASSES = ({"math", "inline"}, {"math", "block"}, {"math", "display"})
DELIMITERS = (("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$"), ("$", "$"))


def is_html(text: str, name: str = "") -> bool:
    head = text.lstrip()[:200].lower()
    return name.endswith((".html", ".htm")) or head.startswith(("<!doctype html", "<html"))


def html_regions(text: str) -> list[Region]:
    parser = _MathElements(text)
    parser.feed(text)
    parser.close()
    return parser.regions


class _MathElements(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.text = text
        self.line_starts = [0] + [k + 1 for k, ch in enumerate(text) if ch == "\n"]
        self.regions: list[Region] = []
        self._open: list[tuple[str, bool]] = []       # (tag, is a math element) for every open element
        self._math: tuple[int, list[str]] | None = None   # start offset and text of the math element

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        is_math = self._math is None and any(wanted <= classes for wanted in MATH_CLASSES)
        if is_math:
            self._math = (self._offset(), [])
        self._open.append((tag, is_math))

    def handle_endtag(self, tag):
        while self._open:
            opened, is_math = self._open.pop()
            if is_math and self._math is not None:
                start, parts = self._math
                end = self.text.find(">", self._offset()) + 1
                self.regions.append(Region(bisect_right(self.line_starts, start), _strip("".join(parts)),
                                           start, max(end, start)))
                self._math = None
            if opened == tag:
                break

    def handle_data(self, data):
        if self._math is not None:
            self._math[1].append(data)


def _strip(tex: str) -> str:
    """Pandoc writes \\(…\\) and \\[…\\] inside the element; the TeX is what is between."""
    body = tex.strip()
    for opening, closing in DELIMITERS:
        if body.startswith(opening) and body.endswith(closing) and len(body) >= len(opening) + len(closing):
            return body[len(opening):len(body) - len(closing)]
    return body
