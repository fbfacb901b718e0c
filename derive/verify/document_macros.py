"""A document's own macros without arguments, put in place in its formulas as MathJax and TeX do:
\\newcommand{\\bs}{\\boldsymbol} (in a Markdown post's first formula, as MathJax reads it), \\def\\vx{\\mathbf{x}},
\\DeclareMathOperator{\\softmax}{softmax}. A macro with arguments ([1]) is left to the readers that know it."""

from __future__ import annotations

import re

_BODY = r"((?:[^{}\n]|\{(?:[^{}\n]|\{[^{}\n]*\})*\})*)"     # braces nested twice, one line
_DEFINED = re.compile(r"\\(?:re|provide)?newcommand\*?\s*(?:\{\s*\\([A-Za-z]+)\s*\}|\\([A-Za-z]+))\s*\{" + _BODY +
                      r"\}|\\def\s*\\([A-Za-z]+)\s*\{" + _BODY + r"\}")
_OPERATOR = re.compile(r"\\DeclareMathOperator\*?\s*\{\s*\\([A-Za-z]+)\s*\}\s*\{\s*([A-Za-z]+)\s*\}")
ROUNDS = 4          # a macro's body may use another macro; a macro that calls itself stops here


def own_macros(text: str) -> dict[str, str]:
    """The document's argument-free macros: name -> body."""
    found = {}
    for match in _DEFINED.finditer(text):
        name = match.group(1) or match.group(2) or match.group(4)
        body = match.group(3) if match.group(3) is not None else match.group(5)
        if "#" not in body:
            found[name] = body.strip()
    for match in _OPERATOR.finditer(text):
        found[match.group(1)] = f"\\operatorname{{{match.group(2)}}}"
    return found


def expanded(math: str, macros: dict[str, str]) -> str:
    """`math` with each of the macros put in place (a word after a macro stays apart from its body)."""
    if not macros:
        return math
    pattern = re.compile(r"\\(" + "|".join(sorted(map(re.escape, macros), key=len, reverse=True)) + r")(?![A-Za-z])")
    for _ in range(ROUNDS):
        again = pattern.sub(lambda m: macros[m.group(1)] + " ", math)
        if again == math:
            break
        math = again
    return math
