"""A Markdown post's Python code as claims: each line of its ```python blocks as a plain region, in the
reader's notation (x**2 as x^{2}, np.sum(x, axis=0) as np.sum(x, 0), W_ih as W_{ih}, np.sqrt(v) as √v)."""

from __future__ import annotations

import re

from .region import Region
from .regions import MARKDOWN, line_starts_of

CODE_LANGUAGES = ("python", "py", "python3", "numpy", "ipython")      # a bare fence is plain.py's


def code_lines(text: str) -> list[Region]:
    """Each line of a Markdown document's Python code blocks as a plain region, its comment dropped: a
    sequence post's code (dWhh += np.dot(dhraw, hs[t-1].T)) states claims as its formulas do."""
    line_starts = line_starts_of(text)
    found = []
    for token in MARKDOWN.parse(text):
        if token.type != "fence" or token.info.strip().lower() not in CODE_LANGUAGES or token.map is None:
            continue
        for k, line in enumerate(token.content.split("\n")):
            number = token.map[0] + 2 + k                 # the fence's own line first
            code = _as_math(line.split("#", 1)[0].rstrip())
            if code.strip() and number - 1 < len(line_starts):
                start = line_starts[number - 1]
                found.append(Region(number, code.strip(), start, start + len(line), plain=True))
    return found


_POWER = re.compile(r"\*\*\s*(\([^()]*\)|[\w.]+)")
_KEYWORDS = re.compile(r",\s*(?:axis\s*=\s*(-?\d+)|keepdims\s*=\s*\w+)")


_SNAKE = re.compile(r"\b([A-Za-z]+)_([A-Za-z0-9]+)\b")


def _as_math(code: str) -> str:
    """Python's x**2 as x^{2}, np.sum(x, axis=0, keepdims=True) as np.sum(x, 0), W_ih as W_{ih},
    np.sqrt(v + eps) as \\sqrt{v + eps}: what the reader reads."""
    code = _roots(_SNAKE.sub(r"\1_{\2}", code))
    code = _POWER.sub(lambda m: "^{" + m.group(1) + "}", code)
    return _KEYWORDS.sub(lambda m: f", {m.group(1)}" if m.group(1) is not None else "", code)


def _roots(code: str) -> str:
    """np.sqrt(...) and math.sqrt(...) as \\sqrt{...}, to the parenthesis that closes the call."""
    start = code.find("sqrt(")
    while start >= 0:
        depth, end = 0, start + 4
        for end in range(start + 4, len(code)):
            depth += {"(": 1, ")": -1}.get(code[end], 0)
            if depth == 0:
                break
        if depth != 0:
            return code
        prefix = re.sub(r"\b(?:np|numpy|math)\.$", "", code[:start])
        code = f"{prefix}\\sqrt{{{code[start + 5:end]}}}{code[end + 1:]}"
        start = code.find("sqrt(")
    return code
