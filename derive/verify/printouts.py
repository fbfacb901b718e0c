"""A program's printout of its figures: `Output bias gradient (dL/db2): -1.0948`.

Notebooks print each figure after a label in words and the quantity's short name in parentheses,
perhaps more words (`(W1) updated:`), then a colon and the value: a number, a NumPy vector
`[-0.2886  0.1950]`, or a matrix printed over the lines below (`[[-0.2547  0.1019]` / ` [ 0.1590
-0.0636]]`); a value may also start on the line below its label. Such a printout is read as the
claim `name = value`, at the line where the value starts, in the plain-text math of plain.py; like
every plain claim, it is listed only when verify knows the name, so a label never becomes a claim.
"""

from __future__ import annotations

import re

NAME = r"[A-Za-z][A-Za-z0-9_]*(?:/[A-Za-z][A-Za-z0-9_]*)?"
_LINE = re.compile(rf"^\s*[^()=:]*\(\s*({NAME})\s*\)[^()=:\[\]]*:\s*(.*?)\s*$")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_VECTOR = re.compile(rf"^\[\s*({_NUMBER}(?:\s+{_NUMBER})*)\s*\]$")
MAX_ROWS = 50


def printout(lines: list[str], index: int) -> tuple[str, str, int, int] | None:
    """(the name in plain-text math, the value in LaTeX, the indices of the value's first and last
    lines) for a printout whose label is at `index`."""
    match = _LINE.match(lines[index])
    if match is None:
        return None
    name, value = match.groups()
    first = index
    if not value and index + 1 < len(lines) and not lines[index + 1].strip().startswith("[["):
        first, value = index + 1, lines[index + 1].strip()          # the label's value on the line below
    if re.fullmatch(_NUMBER, value):
        return name, value, first, first
    vector = _VECTOR.match(value)
    if vector:
        return name, f"[{', '.join(vector.group(1).split())}]", first, first
    if value and not value.startswith("[["):
        return None
    rows, last = _matrix_rows(lines, index, value)
    if not rows or len({len(row) for row in rows}) != 1:
        return None
    body = " \\\\ ".join(" & ".join(row) for row in rows)
    return name, f"\\begin{{bmatrix}} {body} \\end{{bmatrix}}", index + (not value), last


def _matrix_rows(lines: list[str], index: int, value: str) -> tuple[list[list[str]], int]:
    """The rows of a NumPy matrix printed from `value` on (or from the next line, when empty)."""
    text, last = value, index
    while text.count("[") != text.count("]") or not text.strip():
        last += 1
        if last >= len(lines) or last - index > MAX_ROWS:
            return [], index
        text += " " + lines[last].strip()
    body = text.strip()
    if not (body.startswith("[[") and body.endswith("]]")):
        return [], index
    rows = [row.split() for row in re.findall(r"\[([^\[\]]*)\]", body[1:-1])]
    if not all(re.fullmatch(_NUMBER, entry) for row in rows for entry in row):
        return [], index
    return rows, last
