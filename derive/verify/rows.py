"""The rows of a math region, each at its own line of the document.

A multi-line display (align, aligned, split, gathered, array, eqnarray, or bare \\\\ between
equations) holds one claim per row. Rows are split at the top level only: a matrix's or a
cases block's rows belong to it. Each row is then read on its own, so that one unreadable
row never sinks the others, and a verdict is reported at the row's own line.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .region import Region

# environments whose rows are lines of claims; any other environment (matrices, cases) keeps its rows
LINED = {"aligned", "align", "align*", "split", "gathered", "gather", "gather*", "equation", "equation*",
         "eqnarray", "eqnarray*", "multline", "multline*", "alignat", "alignat*", "array"}
_ENVIRONMENT = re.compile(r"\\(begin|end)\s*\{\s*([A-Za-z]+\*?)\s*\}")
_SPACING = re.compile(r"\*?\s*\[\s*-?[0-9.]+\s*(pt|ex|em|mm|cm|in|mu|bp)\s*\]|\*")
_BRACKET_BEFORE = re.compile(r"(\\left\s*[\[(]|[\[(])\s*$")
_NAMES = "|".join(re.escape(name) for name in sorted(LINED, key=len, reverse=True))
# what opens or closes the lines, around a row: \begin{align}, \begin{array}{rcl}, and Typora's
# flattened export, which leaves the bare {align*}
_OPENING = re.compile(rf"^\s*(\\begin\s*\{{\s*(?:{_NAMES})\s*\}}(\s*\{{[^{{}}]*\}})?|\{{\s*(?:{_NAMES})\s*\}})\s*")
_CLOSING = re.compile(rf"\s*\\end\s*\{{\s*(?:{_NAMES})\s*\}}\s*$")


def split_rows(text: str) -> list[tuple[int, str]]:
    """(offset, row) for each row of `text` at the top level; a trailing empty row is dropped."""
    text = _plain_tex_rows(text)
    rows, start, depth, kept = [], 0, 0, []       # kept: a stack of 'does this environment keep its rows'
    k = 0
    while k < len(text):
        c = text[k]
        if c == "\\":
            if text.startswith("\\\\", k):
                spacing = _SPACING.match(text, k + 2)          # \\[10pt], \\*: the row's spacing
                if depth == 0 and not any(kept):
                    rows.append((start, text[start:k]))
                    start = spacing.end() if spacing else k + 2
                k = spacing.end() if spacing else k + 2
                continue
            match = _ENVIRONMENT.match(text, k)
            if match:
                if match.group(1) == "begin":
                    name = match.group(2)
                    as_matrix = name == "array" and _BRACKET_BEFORE.search(text, 0, k) is not None
                    kept.append(name not in LINED or as_matrix)
                elif kept:
                    kept.pop()
                k = match.end()
                continue
            k += 2          # \{ \} \& and the first letter of a command: never a brace of the group
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
        k += 1
    rows.append((start, text[start:]))
    trimmed = []
    for offset, row in rows:
        opening = _OPENING.match(row)
        if opening:
            offset, row = offset + opening.end(), row[opening.end():]
        row = _CLOSING.sub("", row)
        if row.strip() or not trimmed and offset == rows[0][0] and len(rows) == 1:
            trimmed.append((offset + len(row) - len(row.lstrip()), row.lstrip()))
    if len(trimmed) == 1 and "\\begin" not in text:
        return _equation_lines(*trimmed[0]) or trimmed
    return _continued_sums(trimmed) or [(0, text)]


# & + c, &\quad - c: a row that goes on with the sum of the row above, at the & column
_ENDS_WITH_FIGURE = re.compile(r"(?<![\^_\d.])\d*\.?\d+\s*$")        # = 0.2984, not ^2 or w_5
_SUM_GOES_ON = re.compile(r"&(?:\s|\\q?quad(?![A-Za-z])|\\[,;:! ])*(?=[-+−])")


def _continued_sums(rows: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """E &= a \\\\ &+ b = v: one claim, E = a + b = v, at the first row's line (read alone, the
    first row would claim E = a). Not after a row that ends with a figure, which is whole: the
    row below then stays apart, and unread."""
    joined: list[tuple[int, str]] = []
    for offset, row in rows:
        goes_on = _SUM_GOES_ON.match(row)
        if goes_on and joined and not _ENDS_WITH_FIGURE.search(joined[-1][1]):
            above_offset, above = joined[-1]
            joined[-1] = (above_offset, f"{above.rstrip()} {row[goes_on.end():]}")
        else:
            joined.append((offset, row))
    return joined


def _equation_lines(offset: int, row: str) -> list[tuple[int, str]] | None:
    """A display of one equation per line and no \\\\ (a ```math block of w1_new = ..., w2_new = ...):
    each line a row of its own, as its author meant, when every line is a whole equation."""
    kept, at = [], 0
    for line in row.split("\n"):
        if line.strip():
            kept.append((offset + at + len(line) - len(line.lstrip()), line.strip()))
        at += len(line) + 1
    if len(kept) < 2 or not all("=" in line and _balanced(line) for _, line in kept):
        return None
    return kept


def _balanced(line: str) -> bool:
    depth = 0
    for c in line:
        depth += {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0 and not line.rstrip().endswith(("=", "+", "-", "\\cdot", "\\times", "*"))


# \label{loss} (or \tag, \nonumber) on a line of its own above the formula: the formula's line is the claim's
_LAYOUT_HEAD = re.compile(r"(?:\s|\\(?:label|tag\*?)\s*\{[^{}]*\}|\\(?:nonumber|notag)(?![A-Za-z]))*")


def _past_layout(row: str) -> str:
    return row[_LAYOUT_HEAD.match(row).end():]


def located(region: Region, document: str | None, line_starts: list[int] | None) -> list[tuple[int, str]]:
    """(document line, row) for each row of the region: a row is found in the document's own text
    from where the one before it was; where it cannot be (text the renderer rewrote), the newlines
    since the row before count."""
    rows = split_rows(region.text)
    found = document is not None and line_starts is not None
    if len(rows) == 1:          # at the line where its text starts ($$, ```math or \begin{equation} above it)
        head = _past_layout(rows[0][1]).strip()[:20]
        at = document.find(head, region.start, region.end + 1) if found and head else -1
        return [(bisect_right(line_starts, at) if at >= 0 else region.line + region.text[:rows[0][0]].count("\n"),
                 rows[0][1])]
    out, cursor = [], region.start
    last_line, last_offset = region.line, 0
    if found:
        head = _past_layout(region.text).lstrip()[:20]
        at = document.find(head, region.start, region.end + 1) if head else -1
        if at >= 0:
            last_line, last_offset = bisect_right(line_starts, at), len(region.text) - len(region.text.lstrip())
    for offset, row in rows:
        line = last_line + region.text[last_offset:offset].count("\n")
        whole = _past_layout(row).rstrip()
        at = document.find(whole, cursor, region.end + 1) if found and whole else -1
        if at >= 0:
            line, cursor = bisect_right(line_starts, at), at + len(whole)
        else:
            token = row.split()[0] if row.split() else ""
            at = document.find(token, cursor, region.end + 1) if found and len(token) >= 2 else -1
            if at >= 0:
                line, cursor = bisect_right(line_starts, at), at + len(token)
        last_line, last_offset = line, offset
        out.append((line, row))
    return out


_EQALIGN = re.compile(r"\\eqalign(?:no)?\s*\{")
_CR = re.compile(r"\\cr(?![A-Za-z])")


def _plain_tex_rows(text: str) -> str:
    """Plain TeX's \\eqalign{a &= b \\cr c &= d \\cr} (MathType writes it) as top-level rows a &= b \\\\ c &= d:
    the same length, so that every offset still points at its line."""
    found = _EQALIGN.search(text)
    if found is None:
        return text
    depth, k = 1, found.end()
    while k < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[k], 0) if text[k - 1] != "\\" else 0
        k += 1
    if depth:
        return text
    body = _CR.sub(lambda m: "\\\\ ", text[found.end():k - 1])
    return text[:found.start()] + " " * (found.end() - found.start()) + body + " " + _plain_tex_rows(text[k:])
