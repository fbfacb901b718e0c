"""A row's reason, written in parentheses at its end: `a = b &&&& (\\text{Because } \\frac{\\partial y}{\\partial
\\gamma} = \\hat{x})`, `&\\bigg(\\text{Because } …\\bigg)`, `(\\text{Taking out constant terms})`. It says why the row
holds and is no part of it: it goes, formulas and all (a formula there may hold only under the reason's own words,
`for i = k`, and a row of its own would take the `&=` rows below it). `\\newline` is a row's end, as `\\\\` is."""

from __future__ import annotations

import re

# a reason's opening: an optional \left( or \bigg(, then words in \text; a formula may follow them
_OPENING = re.compile(r"(\\left\s*|\\[Bb]igg?l?\s*)?\(\s*\\(?:text|textrm|mbox)\s*\{([^{}$]*)\}")
# words that open a reason (Because …, since …, by the chain rule); a reason of words alone needs none
_REASON = re.compile(r"\s*(?:because|since|by|using|from|via|taking|applying|chain rule)\b", re.IGNORECASE)
_NEWLINE = re.compile(r"\\newline(?![A-Za-z])")
_ROW_END = re.compile(r"[\s&]*(?:\\\\|$|\n)")
_LOOK = 2_000         # characters a reason may run to its closing parenthesis, at most


def reasons_apart(text: str) -> str:
    """The text with each reason at a row's end dropped (the row's tabs before it too)."""
    text = _NEWLINE.sub(r"\\\\", text)
    out, last = [], 0
    for match in _OPENING.finditer(text):
        if match.start() < last:
            continue
        close = _closing(text, match.end(), match.group(1))
        if close is None or not _ROW_END.match(text, close):
            continue                        # not closed on its row, or more of the row after it: part of the row
        words_alone = not re.sub(r"\\(?:right|[Bb]igg?r?)\s*\)|\)", "", text[match.end():close]).strip()
        if not (_REASON.match(match.group(2)) or words_alone):
            continue
        out.append(text[last:match.start()].rstrip(" \t&"))
        last = close
    return "".join(out) + text[last:]


def _closing(text: str, start: int, opened: str | None) -> int | None:
    """Where the parenthesis that closes the reason opened before `start` ends (`\\bigg)` or `\\right)` where it
    opened sized), on its row and within _LOOK characters; None where there is none."""
    depth = 0
    closer = None if opened is None else "right" if opened.startswith("\\left") else "big"
    for found in re.finditer(r"\\(?:[Bb]igg?r?|right)\s*\)|\\(?:[Bb]igg?l?|left)\s*\(|\\\\|[(){}]",
                             text[start:start + _LOOK]):
        token = found.group(0)
        if token == "\\\\":
            return None
        if token.endswith("(") or token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth > 0:
            depth -= 1
        else:
            wanted = token == ")" if closer is None else token.startswith("\\right") if closer == "right" else \
                token[:4] in ("\\big", "\\Big")
            return start + found.end() if wanted else None
    return None
