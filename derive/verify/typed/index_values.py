"""An index written as arithmetic: i + m, S*m + i - P, 2i, and max(0, r' - a), as posts clamp an index at an
edge. Read over integers, each name's value given."""

from __future__ import annotations

import re

FUNCTIONS = {"max": max, "min": min, "\\max": max, "\\min": min}
_TOKEN = re.compile(r"\s*(\d+|\\?(?:max|min)(?=\s*\()|[A-Za-z][A-Za-z0-9_]*'*|\\[a-zA-Z]+|[+\-*(),])")


def index_tokens(piece: str) -> list[str]:
    found = _TOKEN.findall(piece)
    if "".join(found) != "".join(piece.split()):
        raise ValueError(piece)
    return found


def letters_of(piece: str) -> list[str]:
    """The names an index reads: i and m in i+m (not max in max(0, i))."""
    return [t for t in _TOKEN.findall(piece) if (t[0].isalpha() or t[0] == "\\") and t not in FUNCTIONS]


def index_value(piece: str, value) -> int:
    """The index's value: + - * and juxtaposed factors (2i), brackets, max and min, each name's by `value`."""
    tokens, at = index_tokens(piece), 0

    def peek() -> str | None:
        return tokens[at] if at < len(tokens) else None

    def take(expected: str | None = None) -> str:
        nonlocal at
        if at >= len(tokens) or expected is not None and tokens[at] != expected:
            raise ValueError(piece)
        at += 1
        return tokens[at - 1]

    def expression() -> int:
        total = term()
        while peek() in ("+", "-"):
            total = total + term() if take() == "+" else total - term()
        return total

    def term() -> int:
        if peek() in ("+", "-"):
            return term() if take() == "+" else -term()
        product = factor()
        while peek() is not None and peek() not in ("+", "-", ")", ","):
            if peek() == "*":
                take()
            product *= factor()
        return product

    def factor() -> int:
        token = take()
        if token.isdigit():
            return int(token)
        if token in FUNCTIONS:
            take("(")
            arguments = [expression()]
            while peek() == ",":
                take()
                arguments.append(expression())
            take(")")
            return FUNCTIONS[token](arguments)
        if token == "(":
            inner = expression()
            take(")")
            return inner
        if token[0].isalpha() or token[0] == "\\":
            return value(token)
        raise ValueError(piece)

    found = expression()
    if at != len(tokens):
        raise ValueError(piece)
    return found
