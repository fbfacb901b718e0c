"""Worked examples at other sizes than the spec's. A post that writes a tensor out in full at its own sizes
(a 3×3 matrix of a_{11} … a_{33} where the spec's input is 5×5), or a display that names entries outside the
layer's tensors (W_{33} of a 2×2 kernel), works an example of its own: the entry-by-entry claims of that
example are not checked against the spec's tensors, and a slip found there is no slip."""

from __future__ import annotations

import re
from dataclasses import replace

from ..claims import Claim
from .slips import OUTSIDE
from .names import Names

OTHER_SIZES = "not checked: the post works this example at other sizes than the layer's tensors"
_NUMBERED_ENTRY = re.compile(r"_\{?\d")
_BEGIN = re.compile(r"\\begin\{(array|matrix|bmatrix|pmatrix|vmatrix)\}(?:\{[^{}]*\})?")
MATRIX_TEXT = 2_000         # of one written-out example matrix, at most: a longer one is no example of a tensor
_QUOTE_MARKS = re.compile(r"(?m)^[ \t]*(?:>[ \t]?)+")
_CELL = re.compile(r"\s*(?:\\math[a-z]+\{)?([A-Za-z])_\{?(\d)(\d)\}?\}?\s*")


def written_at_other_sizes(text: str, names: Names, model) -> list[tuple[str, int, tuple[int, int]]]:
    """(letter, offset, shape) for each matrix the text writes of one tensor's entries, every entry of a grid, at
    another shape than the tensor's last two axes."""
    found = []
    for match in _BEGIN.finditer(text):
        end = text.find(f"\\end{{{match.group(1)}}}", match.end(), match.end() + MATRIX_TEXT)
        if end < 0:
            continue
        body = _QUOTE_MARKS.sub("", text[match.end():end])     # a Markdown quote's > before each row
        rows = [row for row in re.split(r"\\\\", body) if row.strip()]
        cells = [[_CELL.fullmatch(cell) for cell in row.split("&")] for row in rows]
        if not cells or any(cell is None for row in cells for cell in row):
            continue
        letters = {cell.group(1) for row in cells for cell in row}
        shape = (len(cells), max(len(row) for row in cells))
        indices = {(int(cell.group(2)), int(cell.group(3))) for row in cells for cell in row}
        first = min(indices)
        grid = {(first[0] + i, first[1] + j) for i in range(shape[0]) for j in range(shape[1])}
        tensor = model.tensors.get(names.role(next(iter(letters)))) if len(letters) == 1 else None
        if tensor is not None and indices == grid and tuple(tensor.shape[-2:]) != shape:
            found.append((letters.pop(), match.start(), shape))
    return found


def of_other_sizes(claims: list[Claim], written: list[tuple[str, int, tuple[int, int]]]) -> list[Claim]:
    """The wrong entry-by-entry claims of a display that writes entries outside the layer's tensors, or that
    name an entry of a tensor the post wrote out above at other sizes, unchecked."""
    displays = {c.start for c in claims if c.reason == OUTSIDE}

    def example(claim: Claim) -> bool:
        if claim.start in displays:
            return True
        return any(claim.start >= offset and re.search(rf"(?<![A-Za-z\\]){letter}_\{{?\d", claim.text)
                   for letter, offset, _ in written)

    return [replace(c, verdict="unchecked", expected=None, link=None, reason=OTHER_SIZES)
            if c.verdict == "wrong" and _NUMBERED_ENTRY.search(c.text) and example(c) else c for c in claims]
