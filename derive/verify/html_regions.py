"""Math regions of an HTML page: the elements of class `math inline` / `math block` (or `display`)
that derive's own page, Pandoc and markdown-it write, their TeX still in the text for the
browser's KaTeX or MathJax. Read with the standard library's HTML parser, told where comments and
raw text end as browsers do (HTML5), so that what it takes for markup is markup in a browser too."""

from __future__ import annotations

import re
from bisect import bisect_right
from html.parser import HTMLParser

from .mathjax_text import mathjax_regions
from .region import Region, line_starts_of

MATH_CLASSES = ({"math", "inline"}, {"math", "block"}, {"math", "display"})
DELIMITERS = (("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$"), ("$", "$"))
MATH_CLASS = re.compile(r"""\bclass\s*=\s*["']?[^"'>]*\bmath\b""", re.IGNORECASE)
SIMPLE_END_TAG = re.compile(r"</[a-zA-Z][a-zA-Z0-9:_.-]*\s*>")     # no attributes: every reader ends it at its >
COMMENT_CLOSE = re.compile(r"--!?>")                                 # HTML5: --> or --!>, never -- >


def is_html(text: str, name: str = "") -> bool:
    head = text.lstrip()[:200].lower()
    return name.endswith((".html", ".htm")) or head.startswith(("<!doctype html", "<html"))


def html_math_elements(text: str) -> int:
    """An upper estimate of the math elements, counted before the page is parsed."""
    return len(MATH_CLASS.findall(text))


def html_regions(text: str) -> list[Region]:
    """The page's math elements; a page with none leaves its math to MathJax, in its text."""
    parser = _MathElements(text)
    parser.feed(text)
    parser.close()
    return parser.regions or mathjax_regions(text)


class Browserlike(HTMLParser):
    """html.parser where it differs from browsers in what ends a comment and which elements hold
    raw text: the places where a mark put after an element could land inside something else."""

    CDATA_CONTENT_ELEMENTS = ("script", "style", "xmp", "iframe", "noembed", "noframes", "noscript",
                              "textarea", "title")

    def parse_comment(self, i, report=1):
        rawdata = self.rawdata
        start = i + 4
        if rawdata.startswith(">", start) or rawdata.startswith("->", start):     # <!--> and <!---> end there
            end = rawdata.index(">", start)
            if report:
                self.handle_comment("")
            return end + 1
        close = COMMENT_CLOSE.search(rawdata, start)
        if close is None:                  # unclosed: a browser reads the rest of the page as the comment
            if report:
                self.handle_comment(rawdata[start:])
            return len(rawdata)
        if report:
            self.handle_comment(rawdata[start:close.start()])
        return close.end()


def markup(text: str) -> list[tuple]:
    """The page as the parser reads it: tags with their attributes, comments, declarations, and the
    text between them (adjacent text joined), to compare a page before and after it is marked."""
    parser = _Markup()
    parser.feed(text)
    parser.close()
    return parser.events


class _Markup(Browserlike):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []

    def _add(self, *event):
        if event[0] == "text" and self.events and self.events[-1][0] == "text":
            self.events[-1] = ("text", self.events[-1][1] + event[1])
        else:
            self.events.append(event)

    def handle_starttag(self, tag, attrs):
        self._add("start", tag, tuple(attrs))

    def handle_startendtag(self, tag, attrs):
        self._add("start/", tag, tuple(attrs))

    def handle_endtag(self, tag):
        self._add("end", tag)

    def handle_data(self, data):
        self._add("text", data)

    def handle_comment(self, data):
        self._add("comment", data)

    def handle_decl(self, decl):
        self._add("decl", decl)

    def unknown_decl(self, data):
        self._add("decl", data)

    def handle_pi(self, data):
        self._add("pi", data)


class _MathElements(Browserlike):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.text = text
        self.line_starts = line_starts_of(text)
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
                self.regions.append(Region(bisect_right(self.line_starts, start), _strip("".join(parts)),
                                           start, self._after(start)))
                self._math = None
            if opened == tag:
                break

    def _after(self, start: int) -> int:
        """The end of the end tag being read, where a mark can go; when that tag is unusual (attributes
        in an end tag, which parsers end at different places) the element's start instead."""
        simple = SIMPLE_END_TAG.match(self.text, self._offset())
        return simple.end() if simple else start

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
