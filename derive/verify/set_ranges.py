"""A sum's range written as its letter's set: Σ_{a∈[1,n]}, Σ_{a∈⟦1,n⟧} (the French integer interval), Σ_{a∈{1,…,n}},
Σ_{k∈[0,n)}, and several at once (Σ_{a∈[1,n], b∈[1,n]}), rewritten as the bounds TeX's other habit writes:
Σ_{a=1}^{n} Σ_{b=1}^{n}. A subscript any piece of which is not such a set is left as it is."""

from __future__ import annotations

import re

_BIG = re.compile(r"(\\(?:sum|prod))(\s*\\limits)?\s*_\s*\{((?:[^{}]|\{[^{}]*\})*)\}(?!\s*\^)")
_LETTER = r"\s*([A-Za-z](?:'|_\{?[A-Za-z0-9]\}?)?)\s*\\in\s*"
_BOUND = r"\s*([^,;{}\[\]()]+?)\s*"
_OPEN = r"(?:\\left\s*)?(\[|\]|\()(?:\s*\\!\s*\[)?"           # [, ]( an open end), [\![
_CLOSE = r"(?:\]\s*\\!\s*)?(?:\\right\s*)?(\]|\[|\))"
_INTERVAL = re.compile(_LETTER + rf"(?:{_OPEN}{_BOUND}(?:,|\.\.|;){_BOUND}{_CLOSE}|"
                       rf"\\llbracket{_BOUND},{_BOUND}\\rrbracket()|"
                       rf"\\\{{{_BOUND},\s*(?:\\[lc]?dots|\.\.\.|…)\s*,{_BOUND}\\\}}())\s*(?:,|$)")


def set_ranges(text: str) -> str:
    return _BIG.sub(_rewritten, text)


def _rewritten(match: re.Match) -> str:
    operator, subscript = match.group(1), match.group(3)
    ranges, at = [], 0
    while at < len(subscript):
        found = _INTERVAL.match(subscript, at)
        if found is None:
            return match.group(0)
        ranges.append(_bounds(found))
        at = found.end()
    if not ranges:
        return match.group(0)
    return " ".join(f"{operator}_{{{letter}={low}}}^{{{high}}}" for letter, low, high in ranges) + " "


def _bounds(found: re.Match) -> tuple[str, str, str]:
    letter = found.group(1)
    if found.group(2) is not None:                       # [lo, hi], with ( ] [ ) for an open end
        opening, low, high, closing = found.group(2, 3, 4, 5)
        low = low if opening == "[" else f"{low}+1"
        high = high if closing == "]" else f"{high}-1"
        return letter, low, high
    if found.group(6) is not None:
        return letter, found.group(6), found.group(7)
    return letter, found.group(9), found.group(10)
