"""Math regions of a Typst document (`$ ... $`), in TeX.

Typst writes math in words (`(partial cal(L))/(partial x^((i))_j)`, `sum_(1<=k<=B)`); pandoc's Typst
reader (pandoc 3.1.2 or later, shipped by pypandoc_binary: the `typst` extra) turns it into the TeX the
rest of verify reads. Each row of a display (rows end with `\\`) is converted on its own and put back
on its line, so that a claim keeps the line the post wrote it on.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ..errors import DeriveError
from .region import Region, line_starts_of

# Outside math: raw text (```...```, `...`), comments, and an escaped dollar are never math.
_SKIP = re.compile(r"```.*?```|`[^`\n]*`|//[^\n]*|/\*.*?\*/|\\\$", re.S)
_ROW_END = re.compile(r"\\(?=[ \t]*(?:\n|$))")
_TEX_COMMAND = re.compile(r"\\[A-Za-z]")
# Words Typst math writes bare that TeX writes with a backslash, and Typst's call syntax.
_TYPST_WORD = re.compile(r"(?<![\\A-Za-z])(?:partial|sum_\(|frac\(|bold\(|cal\(|sqrt\(|arrow\.|dot\.|quad|alpha|beta|"
                         r"gamma|delta|sigma|mu|theta|eta|lambda|epsilon|nabla)(?![A-Za-z])")
_MARKER = "DERIVETYPSTROW"
MIN_PANDOC = (3, 1, 2)


def is_typst(text: str, name: str = "") -> bool:
    """A .typ file, or a document whose math is all Typst: Typst's bare words, and not one TeX command."""
    if name.endswith(".typ"):
        return True
    math = [text[start + 1:end - 1] for start, end in _math_spans(text)]
    return any(_TYPST_WORD.search(m) for m in math) and not any(_TEX_COMMAND.search(m) for m in math)


def typst_regions(text: str) -> list[Region]:
    spans = _math_spans(text)
    line_starts = line_starts_of(text)
    rows = [_rows(text[start + 1:end - 1]) for start, end in spans]
    converted = iter(_to_tex([row for region in rows for _, row in region]))
    regions = []
    for (start, end), region in zip(spans, rows):
        tex, line = "", 0
        for at_line, _ in region:
            tex += " \\\\" * bool(tex) + "\n" * (at_line - line) + next(converted)
            line = at_line
        regions.append(Region(bisect_right(line_starts, start), tex, start, end))
    return regions


def typst_comment(text: str) -> str:
    """A Typst block comment holding `text`, which can neither close it nor open a nested one."""
    return " /* " + text.replace("*/", "* /").replace("/*", "/ *") + " */"


def _math_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each $...$, delimiters included."""
    spans, at, opened = [], 0, None
    while at < len(text):
        skipped = _SKIP.match(text, at) if opened is None or text.startswith("\\$", at) else None
        if skipped and skipped.end() > at:
            at = skipped.end()
            continue
        if text[at] == "$":
            if opened is None:
                opened = at
            else:
                spans.append((opened, at + 1))
                opened = None
        at += 1
    return spans


def _rows(math: str) -> list[tuple[int, str]]:
    """The rows of a display, each with the line (counted from the region's first) its text starts on."""
    rows, start = [], 0
    for end in [m.start() for m in _ROW_END.finditer(math)] + [len(math)]:
        row = math[start:end]
        if row.strip():
            first = start + len(row) - len(row.lstrip())
            rows.append((math.count("\n", 0, first), row.strip()))
        start = end + 1
    return rows


def _to_tex(rows: list[str]) -> list[str]:
    """Each row in TeX, by one run of pandoc; a row pandoc cannot read becomes empty (left unread)."""
    if not rows:
        return []
    pypandoc = _pandoc()
    source = f"\n\n{_MARKER}\n\n".join(f"${row}$" for row in rows)
    try:
        tex = [_inner(part) for part in pypandoc.convert_text(source, "latex", format="typst").split(_MARKER)]
    except RuntimeError:
        tex = []
    if len(tex) == len(rows):
        return tex
    return [_one(pypandoc, row) for row in rows]


def _one(pypandoc, row: str) -> str:
    try:
        return _inner(pypandoc.convert_text(f"${row}$", "latex", format="typst"))
    except RuntimeError:
        return ""


_DELIMITERS = re.compile(r"^\s*(?:\\\(|\\\[)(.*?)(?:\\\)|\\\])\s*$", re.S)
_ALIGNED = re.compile(r"\\(?:begin|end)\{aligned\}")


def _inner(tex: str) -> str:
    """The math of pandoc's \\( ... \\) on one line."""
    found = _DELIMITERS.match(tex)
    return " ".join(_ALIGNED.sub(" ", found.group(1)).split()) if found else ""


def _pandoc():
    """pypandoc with a pandoc that reads Typst, or a one-line error that says how to get one."""
    try:
        import pypandoc
        version = tuple(int(part) for part in re.findall(r"\d+", pypandoc.get_pandoc_version())[:3])
    except (ImportError, OSError) as error:
        raise DeriveError("document: its math is Typst, which verify reads with pandoc; "
                          "install it with pip install 'derive[typst]'") from error
    if version < MIN_PANDOC:
        raise DeriveError(f"document: its math is Typst, which needs pandoc {'.'.join(map(str, MIN_PANDOC))} or later "
                          f"(found {'.'.join(map(str, version))}); install it with pip install 'derive[typst]'")
    return pypandoc
