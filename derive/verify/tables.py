"""Tables that pair a name with its values: | w₁ | 0.001 | 226.5 | -0.001265 |.

Posts sum up a step in a table: a row per parameter, a column per stage (before the step, its
gradient, after the step). Each cell of a row whose first cell is a name and whose other cells are
figures becomes a claim: the name itself under a column headed old/initial/current (a bare "value" may be after training), the name after
the step under new/updated/after, and the loss's derivative by it under gradient/grad/dE/dw. A
column whose heading says none of these is skipped, and the claims, like plain text, are listed
only when verify can judge them (document.py), so a table of anything else stays silent.
"""

from __future__ import annotations

import re

from .modifiers import NEW_WORDS, OLD_WORDS
from .region import line_starts_of

NUMBER = re.compile(r"^\s*[-−–]?\s*(\d+\.?\d*|\.\d+)(\s*[eE][-+]?\d+)?\s*$")
NAME = re.compile(r"^\s*\$?\s*([A-Za-z\\][A-Za-z0-9_{}\\^,.\[\]()\s]*|[A-Za-z][\u2080-\u2089]+)\s*\$?\s*$")   # W^{[1]} too
_EMPHASIS = re.compile(r"\*\*|__|`|\*")
# gradient in the languages of the posts read so far (German's is English's; Chinese 梯度, Japanese 勾配)
GRADIENT_WORDS = ("gradient", "gradiente", "gradiant", "梯度", "勾配", "기울기")
_WORDS = lambda words: "|".join(re.escape(w) for w in words)      # noqa: E731
# a column heading -> what its cells are, as a template over the row's name
KINDS = (
    (re.compile(rf"\b(after|w\^?\+|w_new|{_WORDS(NEW_WORDS)})\b|新", re.I), "{grouped}^{{+}}"),
    (re.compile(rf"({_WORDS(GRADIENT_WORDS)}|grad\b|∂|\\partial|\bd[A-Za-z]*\s*/\s*d)", re.I),
     r"\frac{{\partial L}}{{\partial {name}}}"),
    (re.compile(rf"\b(initial|current|before|init|{_WORDS(OLD_WORDS)})\b|初始|旧", re.I), "{name}"),
)
# a cell of math that is a list or a matrix of figures: [0.0421, 0.0434], \begin{bmatrix}…\end{bmatrix}
FIGURES = re.compile(r"^(\[[-−–\d.,\s]+\]|\\begin\{[bp]matrix\}[-−–\d.&\s\\]+\\end\{[bp]matrix\})$")


def table_regions(text: str, tokens) -> list[tuple[int, str, int, int]]:
    """(line, LaTeX, start, end): a region for each row of a name-and-figures table."""
    line_starts = line_starts_of(text)
    found = []
    for heads, rows in _tables(tokens):
        kinds = [_kind(head) for head in heads]
        if not any(kinds[1:]):
            continue
        for line, cells in rows:
            name = _name(cells[0]) if cells else None
            if name is None:
                continue
            grouped = f"{{{name}}}" if any(c in name for c in "_^\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089") else name
            claims = [template.format(name=name, grouped=grouped) + f" = {_figure(cell)}"
                      for template, cell in zip(kinds[1:], cells[1:]) if template and _figure(cell) is not None]
            if claims:
                start = line_starts[line]
                end = line_starts[line + 1] - 1 if line + 1 < len(line_starts) else len(text)
                found.append((line + 1, " \\\\ ".join(claims), start, end))
    return found


def _tables(tokens):
    """(headings, [(0-based line, cells)]) for each table among markdown-it's tokens."""
    heads, rows, cells, line, in_head = [], [], None, 0, False
    for token in tokens:
        if token.type == "table_open":
            heads, rows = [], []
        elif token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            cells, line = [], token.map[0] if token.map else 0
        elif token.type == "inline" and cells is not None:
            cells.append(token.content)
        elif token.type == "tr_close" and cells is not None:
            (heads.extend(cells) if in_head else rows.append((line, cells)))
            cells = None
        elif token.type == "table_close":
            yield heads, rows


def _kind(head: str) -> str | None:
    head = _EMPHASIS.sub("", head)
    return next((template for pattern, template in KINDS if pattern.search(head)), None)


def _name(cell: str) -> str | None:
    cell = _EMPHASIS.sub("", cell).strip()
    match = NAME.match(cell)
    if match is None or NUMBER.match(cell):
        return None
    name = match.group(1).strip()
    if " " in name.strip() and not name.startswith("\\"):
        return None                          # words: a heading of its own, not a name
    return name


def _figure(cell: str) -> str | None:
    """A cell's figure, or its list or matrix of figures, as LaTeX."""
    cell = _EMPHASIS.sub("", cell).strip().strip("$").strip().replace("−", "-").replace("–", "-")
    if NUMBER.match(cell):
        return cell.replace(" ", "")
    return cell if FIGURES.match(cell) else None
