"""Numbered parts a post sums into one of its quantities: `dx = dx1 + dx2 + dx3` (the three paths of batch
norm's backward, each given a name of its own). Such a dx1 is the post's own term, not the entry 1 of dx.

Found in the text, not in the claims read: the line that sums them often goes on into a formula that is not
read (np.sum(dout * xmu, axis=0)), and the parts are the post's names all the same."""

from __future__ import annotations

import re

_NUMBER = r"_?\{?(\d+)\}?"
_SUM = re.compile(rf"(?<![\w\\])([A-Za-z][A-Za-z]*)\s*=\s*((?:\1{_NUMBER}\s*\+\s*)+\1{_NUMBER})(?![\w{{])")


def numbered_parts(text: str) -> set[tuple[str, str]]:
    """(name, number) of each part where the text sets a bare name equal to a sum of two or more of that name,
    each with a different number."""
    found: set[tuple[str, str]] = set()
    for match in _SUM.finditer(text):
        name = match.group(1)
        numbers = re.findall(rf"{re.escape(name)}{_NUMBER}", match.group(2))
        if len(set(numbers)) == len(numbers):
            found |= {(name, number) for number in numbers}
    return found
