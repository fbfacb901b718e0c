"""A row's reason, written in parentheses after it: `a = b &&&& (\\text{Because } \\frac{\\partial y}{\\partial
\\gamma} = \\hat{x})`, `&\\bigg(\\text{Because } …\\bigg)`. The words say why the row holds; the formula after them
is a claim of its own, set on a row of its own; a reason of words alone (`(\\text{Because gradients add up at
forks})`) goes. `\\newline` is a row's end, as `\\\\` is."""

from __future__ import annotations

import re

# the opening of a reason: align's tabs, an optional \big( … \Bigg(, and a word that gives a reason
_OPENING = re.compile(r"(?:&\s*)*(\\[Bb]igg?l?\s*)?\(\s*\\(?:text|textrm|mbox)\s*\{\s*(?:because|since|by|using)"
                      r"\b[^{}]*\}", re.IGNORECASE)
_NEWLINE = re.compile(r"\\newline(?![A-Za-z])")
_WORDS = re.compile(r"\\(?:text|textrm|mbox)\s*\{[^{}]*\}")
# (\text{Taking out constant terms}) at a row's end: a reason of words alone
_WORDS_ONLY = re.compile(r"(?:&\s*)*\(\s*\\(?:text|textrm|mbox)\s*\{[^{}$]*\}\s*\)\s*(?=\\\\|$)")


def reasons_apart(text: str) -> str:
    """The text with each parenthesized reason set on a row of its own, its words dropped."""
    text = _NEWLINE.sub(r"\\\\", text)
    out, last = [], 0
    for match in _OPENING.finditer(text):
        if match.start() < last:
            continue
        close = _closing(text, match.end(), sized=match.group(1) is not None)
        if close is None:
            continue
        # its formulas: between its words (c = d \text{ from } e = f) and its semicolons, each a row
        formula = _WORDS.sub(r" \\\\ ", text[match.end():close[0]])
        formula = " \\\\ ".join(part.strip() for part in _top_level_split(formula, ";") if part.strip())
        out.append(text[last:match.start()])
        out.append(rf" \\ {formula} " if formula else " ")
        last = close[1]
    return _WORDS_ONLY.sub(" ", "".join(out) + text[last:])


def _top_level_split(text: str, separator: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for k, character in enumerate(text):
        depth += {"{": 1, "(": 1, "}": -1, ")": -1}.get(character, 0)
        if character == separator and depth == 0:
            parts.append(text[start:k])
            start = k + 1
    return parts + [text[start:]]


def _closing(text: str, start: int, sized: bool) -> tuple[int, int] | None:
    """(start, end) of the parenthesis that closes the reason opened before `start` (`\\bigg)` where it opened
    sized), on the same row; None where the row ends first."""
    depth = 0
    for found in re.finditer(r"\\[Bb]igg?r?\s*\)|\\\\|[(){}]", text[start:]):
        token = found.group(0)
        if token == "\\\\" and depth == 0:
            return None
        if token in "({":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0 and (token == ")" and not sized or token != ")" and sized):
            return start + found.start(), start + found.end()
        elif token == ")" or token.endswith(")"):
            depth -= 1
    return None
