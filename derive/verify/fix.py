"""derive verify --fix: the post with each wrong figure set right at the post's own precision.

A claim is wrong for a figure when the side its failing link ends at is a number (or a matrix of
numbers) as written: it is replaced by the right value (`expected`), rounded to the places the post
wrote. A claim that carries an earlier wrong figure gets that figure's correction where it repeats
it. Any other wrong claim is a wrong formula: marked with a comment after its region, never rewritten.
Nothing outside a claim's region is touched, and the document's text is never evaluated.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from . import syntax as s
from .claims import Claim, Report, shorten
from .document import verify_text
from .html_regions import is_html
from .judge import EQUALITIES
from .output import _comment_text
from .reader import ReadError, read
from .regions import is_latex, normalize
from .typst_regions import is_typst, typst_comment
from .region import line_starts_of

ROUNDS = 4                       # fix, verify again, fix what the corrections uncover
NUMBER = r"(?:\d+\.?\d*|\.\d+)"
SIGN = r"(?P<sign>[-−–—]\s*)?(?<![\w.])"
EXPECTED = re.compile(rf"\s*(-?{NUMBER})(?:\s*\\times\s*10\^\{{(-?\d+)\}})?\s*")
MATRIX = re.compile(r"\\begin\{([pbBvV]?matrix)\}(.*?)\\end\{\1\}", re.S)
CELL = re.compile(rf"\s*{SIGN}(?P<num>{NUMBER})\s*")
PAIRS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"))
DISPLAY = re.compile(r"([\s>]*(?:(?:[-*+]|\d+[.)])\s+)?)(?:\\\[|\$\$)?\s*")   # a quote, a list item, an opening


@dataclass(frozen=True)
class Change:
    line: int
    old: str                     # the figure as written, or the claim that is marked
    new: str | None              # None: marked, not rewritten
    reason: str = ""

    def __str__(self) -> str:
        if self.new is None:
            return f"line {self.line}: marked: {self.reason}"
        return f"line {self.line}: {self.old} -> {self.new}" + (f" ({self.reason})" if self.reason else "")


def fix(text: str, report: Report, name: str = "") -> tuple[str, list[Change]]:
    """One pass over `report` (of `text`): each wrong figure replaced, each other wrong claim marked."""
    plain = normalize(text)              # the claims' offsets refer to the normalized text
    edits, changes, unfixed = _figures(plain, report)
    marks, marked = _marks(plain, unfixed, name)
    return (_restore(text, _apply(plain, edits + marks)), changes + marked) if edits or marks else (text, [])


def repair(checker, text: str, name: str = "", report: Report | None = None,
           notation: str | None = None) -> tuple[str, list[Change]]:
    """fix, verified again: a carried figure set right leaves its claim's own result wrong for a figure,
    which the next round sets right. What is still wrong after the last round is marked."""
    plain = normalize(text)
    report = report or verify_text(checker, plain, name, notation)
    changes: list[Change] = []
    for _ in range(ROUNDS):
        edits, found, _ = _figures(plain, report)
        if not edits:
            break
        plain, changes = _apply(plain, edits), changes + found
        report = verify_text(checker, plain, name, report.notation)
    marks, marked = _marks(plain, [c for c in report.claims if c.verdict == "wrong"], name)
    return (_restore(text, _apply(plain, marks)), changes + marked) if changes or marks else (text, [])


# -- figures -------------------------------------------------------------------
def _figures(text: str, report: Report):
    """(edits, changes, claims left as they are); primary mistakes first, so that carried ones know the
    corrections of the figures they repeat."""
    starts = line_starts_of(text)
    edits, changes, unfixed, done, taken = [], [], [], {}, set()
    for claim in sorted((c for c in report.claims if c.verdict == "wrong"), key=lambda c: c.carries is not None):
        below = [starts[c.line - 1] for c in report.claims if c.start == claim.start and c.line > claim.line]
        a, b = max(claim.start, starts[min(claim.line, len(starts)) - 1]), min([claim.end] + below)   # its row
        found = [(m.start("num"), m.end("num"), old, new, f"carried from line {claim.carries}")
                 for old, new in done.get(claim.carries, []) for m in _token(old).finditer(text, a, b)]
        found = [f for f in found or _replaced(text, claim, report, a, b) if f[0] not in taken]
        if not found:
            unfixed.append(claim)
        for start, end, old, new, note in found:
            taken.add(start)
            edits.append((start, end, new))
            changes.append(Change(claim.line, old, new, note))
            if "." in old and (_magnitude(old) == old) == (_magnitude(new) == new):    # the sign kept
                for line in range(bisect_right(starts, a), bisect_right(starts, max(a, b - 1)) + 1):   # its rows
                    done.setdefault(line, []).append((_magnitude(old), _magnitude(new)))
    return edits, changes, unfixed


def _replaced(text: str, claim: Claim, report: Report, a: int, b: int) -> list[tuple]:
    """(start, end, old, new, note) for the figure(s) the claim's failing link ends at; [] for a formula.
    The figure is found from the end of the row, past the same figures written after it."""
    target = _target(claim)
    if target is None:
        return []
    negative, side = _unwrapped(target[0])
    row = [c for c in report.claims if (c.start, c.line) == (claim.start, claim.line)]
    after = [c.text for c in row[[c is claim for c in row].index(True) + 1:]]      # the claims after it on its row
    if isinstance(side, s.Matrix):
        skip = _count(target[1], s.Matrix) + sum(len(MATRIX.findall(t)) for t in after)
        found = list(MATRIX.finditer(text, a, b))
        return _matrix(found[-1 - skip], claim.expected) if len(found) > skip else []
    if isinstance(side, s.BinOp) and side.op == "*" and isinstance(side.left, s.Num) and _ten(side.right):
        figure, pattern = side.left.text, _scientific(side.left.text)
    elif isinstance(side, s.Num):
        figure, pattern = side.text, _token(side.text)
    else:
        return []
    skip = _count(target[1], s.Num, figure) + sum(len(_token(figure).findall(t)) for t in after)
    found, (value, digits) = list(pattern.finditer(text, a, b)), _decimal(claim.expected)
    if len(found) <= skip or value is None or bool(found[-1 - skip].group("sign")) != negative:
        return []
    match = found[-1 - skip]
    if "exp" in pattern.groupindex:
        new = _scientific_text(value, match)
    else:
        new = _signed(match, _rounded(value, figure, max(_sig(figure), 3, digits)))
    old = match.group(0)
    return [(match.start(), match.end(), old, new, "")] if new is not None and new != old else []


def _target(claim: Claim):
    """(the side the claim's failing link ends at, the sides after it), as the reader reads the claim."""
    try:
        chains = [line.chain for line in read(claim.text) if line.chain is not None]
    except ReadError:
        return None
    if len(chains) != 1 or claim.expected is None:
        return None
    chain = chains[0]
    k = claim.link or next((i + 1 for i, r in enumerate(chain.relations) if r in EQUALITIES), 0)
    return (chain.sides[k], chain.sides[k + 1:]) if 0 < k < len(chain.sides) else None


def _matrix(match: re.Match, expected: str | None) -> list[tuple]:
    """Each entry of a written matrix that differs from the expected one at the entry's own places."""
    right = re.fullmatch(r"\s*\\begin\{bmatrix\}(.*)\\end\{bmatrix\}\s*", expected or "", re.S)
    rights = [[_decimal(c) for c in row.split("&")] for row in right.group(1).split("\\\\") if row.strip()] \
        if right else []
    rows = [[(at, CELL.fullmatch(cell)) for at, cell in _split(row, "&", start)]
            for start, row in _split(match.group(2), "\\\\", match.start(2)) if row.strip()]
    if [len(r) for r in rows] != [len(r) for r in rights] or not all(m for row in rows for _, m in row):
        return []
    digits = max([_sig(m.group("num")) for row in rows for _, m in row] + [4])
    found = []
    for (at, m), (value, known) in zip((cell for row in rows for cell in row), (c for row in rights for c in row)):
        new = _signed(m, _rounded(value, m.group("num"), max(digits, known))) if value is not None else None
        if new is not None and new != m.group(0).strip():
            found.append((at + m.start("sign" if m.group("sign") else "num"), at + m.end("num"),
                          m.group(0).strip(), new, ""))
    return found


def _rounded(value: Decimal, written: str, known: int) -> str | None:
    """`value` to the places `written` has, as far as its `known` significant digits go."""
    places = len(written.split(".")[1]) if "." in written else 0
    places = min(places, known - 1 - value.adjusted()) if value else places
    if places < 0:
        return None
    rounded = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return f"{abs(rounded):f}" if rounded >= 0 else f"-{abs(rounded):f}"        # never -0.000


def _signed(match: re.Match, number: str | None) -> str | None:
    """The number with the post's own minus sign (-, −, a space after it) where it stays negative."""
    return (match.group("sign") or "-") + number[1:] if number and number.startswith("-") else number


def _scientific_text(value: Decimal, match: re.Match) -> str | None:
    """1.51 \\times 10^{-10} as written: as many significant digits, the exponent moved where needed."""
    mantissa, exponent = match.group("num"), int(re.sub(r"[\s+]", "", match.group("exp").replace("−", "-")))
    if not value:
        return None
    if 1 <= Decimal(mantissa) < 10:             # written normalized: kept normalized
        exponent = value.adjusted()
        if abs(value.scaleb(-exponent)).quantize(Decimal(1).scaleb(1 - _sig(mantissa)), ROUND_HALF_UP) >= 10:
            exponent += 1
    number = _signed(match, _rounded(value.scaleb(-exponent), mantissa, 99))
    return number and number + match.group("times") + str(exponent) + match.group("close")


# -- marks ---------------------------------------------------------------------
def _marks(text: str, claims: list[Claim], name: str):
    """A comment after each wrong claim's region: an HTML comment in Markdown and HTML, % in LaTeX, /* */ in Typst."""
    html = is_html(text, name)
    latex = not html and is_latex(text, name)
    typst = not (html or latex) and is_typst(text, name)
    regions: dict[tuple[int, int], list[Claim]] = {}
    for claim in claims:
        regions.setdefault((claim.start, claim.end), []).append(claim)
    edits, changes = [], []
    for (start, end), group in regions.items():
        end = _closed(text, start, end)
        reasons = [_reason(c) for c in group]
        changes += [Change(c.line, shorten(c.text, 60), None, reason) for c, reason in zip(group, reasons)]
        several = len({c.line for c in group}) > 1
        notes = [f"wrong: line {c.line}: {r}" if several else f"wrong: {r}" for c, r in zip(group, reasons)]
        comments = [f"<!--{_comment_text(note).replace('|', '&#124;')}-->" for note in notes]  # | splits a table cell
        line_end = text.find("\n", max(end - 1, start))
        line_end = len(text) if line_end < 0 else line_end
        before = text[text.rfind("\n", 0, start) + 1:start] + re.match(r"[ \t>]*", text[start:end]).group()
        if latex:            # a comment line after the line where the region ends
            edits.append((line_end, line_end, "".join(f"\n% derive: {note}" for note in notes)))
        elif typst:          # Typst's own comment, right after the math
            edits.append((end, end, "".join(typst_comment(f"derive: {note}") for note in notes)))
        elif html or text[end:line_end].strip() or not DISPLAY.fullmatch(before):
            edits.append((end, end, "".join(comments)))          # inline: right after it
        else:                # a display: lines of their own below it, indented as its first line
            at = end if text[end - 1:end] == "\n" else min(line_end + 1, len(text))
            lead = "" if text[at - 1:at] == "\n" else "\n"
            prefix = re.sub(r"[^\s>]", " ", DISPLAY.fullmatch(before).group(1))
            edits.append((at, at, lead + "".join(f"{prefix}{c}\n" for c in comments)))
    return edits, changes


def _closed(text: str, start: int, end: int) -> int:
    """The region's end past its closing delimiter where the region was read without it (\\], $$ or
    \\end{align}, on its line or the next): a mark goes after the math, never into it."""
    body = text[start:end].strip().lstrip("> \t")           # a quote's markers may start the region
    environment = re.match(r"\\begin\{([^{}]*)\}", body)
    pairs = PAIRS + (((environment.group(0), f"\\end{{{environment.group(1)}}}"),) if environment else ())
    for opening, closing in pairs:
        opened = body.startswith(opening) or text[max(0, start - 20):start].rstrip().endswith(opening)
        if opened and not body.endswith(closing):
            gap = r"[ \t>]*" if text[end - 1:end] == "\n" else r"[ \t]*\n?[ \t>]*"
            found = re.compile(gap + re.escape(closing)).match(text, end)
            return found.end() if found else end
    return end


def _reason(claim: Claim) -> str:
    reason = claim.reason or ""
    if claim.expected is not None and "expected" not in reason:
        reason = f"expected {claim.expected}; {reason}"
    return " ".join(reason.split()).rstrip("; ")


# -- text ----------------------------------------------------------------------
def _token(number: str) -> re.Pattern:
    """The number as a whole token, with the minus sign before it if there is one."""
    return re.compile(rf"{SIGN}(?P<num>{re.escape(number)})(?![0-9]|\.[0-9])")


def _scientific(mantissa: str) -> re.Pattern:
    return re.compile(rf"{SIGN}(?P<num>{re.escape(mantissa)})(?P<times>\s*(?:\\times|\\cdot|×|·|⋅)\s*10\s*\^\s*"
                      rf"\{{?\s*)(?P<exp>[-−+]?\s*\d+)(?P<close>\s*\}}?)")


def _decimal(text: str | None) -> tuple[Decimal | None, int]:
    """The expected value (0.0822, 1.5 \\times 10^{-5}) and its significant digits; None for a formula."""
    match = EXPECTED.fullmatch(text or "")
    return (Decimal(match.group(1)).scaleb(int(match.group(2) or 0)), _sig(match.group(1))) if match else (None, 0)


def _sig(number: str) -> int:
    return len(number.replace(".", "").lstrip("-").lstrip("0"))


def _magnitude(number: str) -> str:
    return re.sub(r"^[-−–—]\s*", "", number)


def _unwrapped(node) -> tuple[bool, s.Node]:
    """(negative, the figure) of a side written {0.5}, (0.5), -0.5."""
    negative = False
    while isinstance(node, s.Neg) or isinstance(node, s.Paren) and node.kind in "({":
        negative, node = (not negative, node.arg) if isinstance(node, s.Neg) else (negative, node.inner)
    return negative, node


def _ten(node) -> bool:
    return isinstance(node, s.Scripted) and node.base == s.Num("10") and node.sup is not None and node.sub is None


def _count(sides, kind: type, text: str | None = None) -> int:
    """How many nodes of `kind` (numbers written `text`) the sides hold, scripts included."""
    return sum(isinstance(item, kind) and (text is None or item.text == text) for item in s.nodes(sides))


def _split(text: str, separator: str, offset: int) -> list[tuple[int, str]]:
    parts = text.split(separator)
    return [(offset + sum(len(p) + len(separator) for p in parts[:k]), part) for k, part in enumerate(parts)]


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Replacements and insertions from the end, so that offsets stay valid; an overlapping one is dropped."""
    limit = len(text) + 1
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        if end <= limit:
            text, limit = text[:start] + new + text[end:], start
    return text


def _restore(original: str, fixed: str) -> str:
    """The post's own line ends (CRLF) back."""
    crlf = "\r\n" in original and normalize(original).replace("\n", "\r\n") == original
    return fixed.replace("\n", "\r\n") if crlf else fixed
