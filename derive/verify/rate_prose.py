"""The learning rate as prose gives it: "a learning rate, eta, which we'll set to 0.5",
"With a learning rate of `0.1`", "we will set $\\eta$ = 0.5", "If learning rate = 0.1:".

Posts state the rate in a sentence more often than in a formula. Such a sentence is read as the
claim `\\eta = 0.5` only where the number ends the clause (0.5. / 0.5, / 0.5 and ...): "a learning
rate of 0.01 is common" speaks of rates in general, and is no claim.
"""

from __future__ import annotations

import re

from .region import line_starts_of

_NUMBER = r"\d*\.?\d+(?:[eE][-+]?\d+)?"
_ETA = r"(?:\$\s*\\(?:eta|alpha)\s*\$|η|α)"
_ENDS = r"(?=\s*(?:[.,;:)!]|$)|\s+(?:and|for|here|so|which|we|in)\b)"
_SAID = re.compile(
    rf"(?:\b(?:learning[ -]rate|step[ -]size)\b(?:[^.!?;=$\n]|{_ETA}){{0,40}}?(?:=|:|\bof\b|\bto\b|\bis\b|\bas\b|\bbe\b)"
    rf"|{_ETA}\s*(?:=|:))\s*[`$]?({_NUMBER})(?!\.?\d)[`$]?{_ENDS}", re.IGNORECASE)


def rate_regions(text: str, tokens) -> list[tuple[int, str, int, int]]:
    """(line, LaTeX, start, end) for each sentence of a Markdown document's paragraphs and list
    items that gives the learning rate."""
    line_starts = line_starts_of(text)
    lines = text.split("\n")
    found: list[tuple[int, str, int, int]] = []
    in_table = 0
    for token in tokens:
        in_table += {"table_open": 1, "table_close": -1}.get(token.type, 0)
        if token.type != "inline" or token.map is None or in_table:
            continue
        for index in range(token.map[0], min(token.map[1], len(lines))):
            for match in _SAID.finditer(lines[index]):
                start = line_starts[index] + match.start()
                found.append((index + 1, rf"\eta = {match.group(1)}", start, line_starts[index] + match.end()))
    return found
