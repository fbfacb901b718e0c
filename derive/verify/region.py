"""One math region of a document: where it is and what it holds. Every reader of a kind of
document (Markdown, LaTeX, HTML, plain text) makes these; the claims are read from them."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NEWLINE = re.compile("\n")


def line_starts_of(text: str) -> list[int]:
    """The offset of each line of the text: 0, then one past every newline."""
    return [0] + [m.end() for m in _NEWLINE.finditer(text)]


@dataclass(frozen=True)
class Region:
    line: int            # 1-based line of the region's first character
    text: str            # the math inside the delimiters (an environment keeps its body only)
    start: int           # offsets of the whole region (delimiters included) in the document
    end: int
    plain: bool = False  # plain text taken for math (plain.py): only its readable, known claims count
    code: bool = False   # a line of Python (code_regions.py): a name assigned again takes its new value
    defines: bool = False  # a code comment's `name = …` for a name its line uses: a definition, never a claim
