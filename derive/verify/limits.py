"""The bounds `derive verify` keeps to, so that no document can make it hang or crash.

Each bound is far beyond what a real post needs (the figures in brackets are the most found in
the seed posts and derive's own reports), and hitting one gives a clean answer: the claim is
listed as unchecked with the reason, or the document is refused with one line (exit code 2).
"""

from __future__ import annotations

import re

# -- a document ------------------------------------------------------------------------------------
MAX_DOCUMENT = 4_000_000        # characters of Markdown or HTML (derive's own HTML page, KaTeX inlined: 0.7 MB)
MAX_LATEX_DOCUMENT = 1_000_000  # characters of LaTeX: pylatexenc reads about 200 KB a second (real: 30 KB)
MAX_LATEX_NESTING = 50          # braces and environments in LaTeX prose; pylatexenc recurses on each (real: 6)
MAX_REGIONS = 20_000            # math regions in one document, repeats included (real: 644)
MAX_MATH = 300_000              # characters of math in the different regions of a document (real: 78,000)
MAX_CLAIMS = 2_000              # different claims in one document (real: 461)
MAX_SECONDS = 60                # checking one document's claims; the claims left when it is spent are unchecked

# -- one formula -----------------------------------------------------------------------------------
MAX_REGION = 20_000             # characters in one math region (real: 1,100)
MAX_NESTING = 30                # brackets, braces and environments open at once in a formula (real: 7)
MAX_TREE_DEPTH = 200            # levels of a formula's parse tree, where a + b + ... adds one per term (real: 33)
MAX_PARTS = 20_000              # parts of one claim given a meaning, an alias counted each time it is used (real: 550)
MAX_NUMBERS = 500               # decimal numbers in one claim: each costs a derivative for its rounding (real: 56)
MAX_EXPONENT = 10_000           # a plain-number exponent: beyond it a written number is not a derivation's
MAX_DIGITS = 1_000              # digits of the exact numbers in one claim, as in (9999999^{9999})^{9999}
MAX_DERIVATIVE_ORDER = 10       # primes on a function: \sigma'' (real: 2)
MAX_SUM_TERMS = 1_000           # terms of \sum_k written out in one instance of a general claim (real: 2-10)
MAX_ALIAS_DEPTH = 8             # aliases that name formulas naming aliases, followed this deep

NESTING_TOKENS = re.compile(r"\\begin(?![a-zA-Z])|\\end(?![a-zA-Z])|\\[{}]|[{(\[]|[})\]]")


def nesting_depth(formula: str) -> int:
    """How deep brackets, braces and environments nest in a formula: a cheap scan before parsing,
    so that a formula too deep to read is refused before any recursion starts."""
    depth = deepest = 0
    for match in NESTING_TOKENS.finditer(formula):
        token = match.group()
        if token in ("\\begin", "{", "(", "[", "\\{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


LATEX_NESTING_TOKENS = re.compile(r"\\begin(?![a-zA-Z])|\\end(?![a-zA-Z])|\\.|%[^\n]*|[{}]", re.DOTALL)


def latex_nesting_depth(document: str) -> int:
    """How deep braces and environments nest in LaTeX source (escaped braces and comments skipped)."""
    depth = deepest = 0
    for match in LATEX_NESTING_TOKENS.finditer(document):
        token = match.group()
        if token in ("{", "\\begin"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("}", "\\end"):
            depth = max(depth - 1, 0)
    return deepest
