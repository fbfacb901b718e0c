"""TeX's arguments as TeX reads them: a braced group, or else one token (a command, or one character).

People write \\frac12 and \\frac1m as TeX allows; the grammar reads a fraction's two arguments braced.
Text in, text out: nothing here is evaluated.
"""

from __future__ import annotations

import re

MACRO = re.compile(r"\\([A-Za-z]+)\s*")
_FRACTION = re.compile(r"\\([dtc]?frac)(?![A-Za-z])")


def braced_fractions(text: str) -> str:
    """\\frac12 -> \\frac{1}{2}, \\frac1m -> \\frac{1}{m}, \\frac{1}2 -> \\frac{1}{2}: each argument of a
    fraction that is not braced (one character or one command) gets its braces; the rest is left as
    it is written. One pass over the text, fractions inside arguments too, each brace's partner
    found once (a formula nested a thousand deep costs no more than a flat one)."""
    if "frac" not in text:
        return text
    partner = partners(text)
    braces: list[tuple[int, str]] = []
    for match in _FRACTION.finditer(text):
        at = match.end()
        for _ in range(2):
            start = len(text) - len(text[at:].lstrip(" ")) if text[at:at + 1] == " " else at
            if start >= len(text) or text[start] == "}":
                break
            if text[start] == "{":
                if start not in partner:
                    break
                at = partner[start] + 1
                continue
            command = MACRO.match(text, start)
            end = start + len(command.group(1)) + 1 if command else start + (2 if text[start] == "\\" else 1)
            braces += [(start, "{"), (end, "}")]
            at = end
    out, last = [], 0
    for position, brace in sorted(braces, key=lambda b: b[0]):     # stable: } then { where two meet
        out += [text[last:position], brace]
        last = position
    return "".join(out) + text[last:]


def partners(text: str) -> dict[int, int]:
    """Each opening brace's closing one (a brace after a backslash is a character, not a group's)."""
    found, open_at = {}, []
    for k, c in enumerate(text):
        if c in "{}" and (k == 0 or text[k - 1] != "\\"):
            if c == "{":
                open_at.append(k)
            elif open_at:
                found[open_at.pop()] = k
    return found


def tex_argument(text: str, at: int, partner: dict[int, int] | None = None) -> tuple[str | None, int]:
    """A braced group (or one character) from `at`, skipping spaces: its text and where it ends.
    `partner`, the text's partners(), finds a group's end at once (a caller reading every fraction of
    a deeply nested one would scan each group again)."""
    k = at
    while k < len(text) and text[k] == " ":
        k += 1
    if k >= len(text):
        return None, at
    if text[k] != "{" or (k > 0 and text[k - 1] == "\\"):      # an escaped brace is a character
        if text[k] == "\\":
            match = MACRO.match(text, k)
            if match:
                return text[k:match.end()].strip(), match.end()
        return text[k], k + 1
    if partner is not None:
        end = partner.get(k)
        return (None, at) if end is None else (text[k + 1:end], end + 1)
    depth = 0
    for end in range(k, len(text)):
        if text[end] == "\\":
            continue
        if text[end] == "{" and (end == 0 or text[end - 1] != "\\"):
            depth += 1
        elif text[end] == "}" and text[end - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[k + 1:end], end + 1
    return None, at


_OVER = re.compile(r"\\over(?![A-Za-z])")
_BRACED_OPERATOR = re.compile(r"(?<![_^\s])\s*\{\s*([-+=])\s*\}")


def over_fractions(text: str) -> str:
    """{a \\over b} -> \\frac{a}{b}: plain TeX's fraction of its group's two halves (MathJax reads it);
    an \\over outside any group is left as written."""
    while True:
        found = _OVER.search(text)
        if found is None:
            return text
        partner = partners(text)
        groups = [(start, end) for start, end in partner.items() if start < found.start() and end > found.end()]
        if not groups:
            return text
        start, end = max(groups)                  # the innermost group around it
        text = (f"{text[:start]}\\frac{{{text[start + 1:found.start()].strip()}}}"
                f"{{{text[found.end():end].strip()}}}{text[end + 1:]}")


def bare_operators(text: str) -> str:
    """a_{i,j{+}1}: an operator braced to space it as a letter is that operator; w^{+}, a script, is kept."""
    return _BRACED_OPERATOR.sub(r"\1", text)


_SUBSCRIPTED_D = re.compile(r"\\frac\s*\{\s*d_")


def subscripted_differentials(text: str) -> str:
    """\\frac{d_{L}}{d_{h_t}} -> \\frac{d L}{d h_t}: a derivative whose two differentials are written with
    the variable as d's subscript, both of them (one alone, d_{f_t}, stays a name)."""
    at = 0
    while (found := _SUBSCRIPTED_D.search(text, at)) is not None:
        top, after_top = tex_argument(text, found.end())
        close = text[after_top:].lstrip(" ")
        bottom = None
        if top is not None and close.startswith("}{"):
            start = len(text) - len(close) + 1
            inner, end = tex_argument(text, start)
            if inner is not None and inner.strip().startswith("d_"):
                variable, rest_end = tex_argument(inner.strip(), 2)
                if variable is not None and not inner.strip()[rest_end:].strip():
                    bottom = (start, end, variable)
        if bottom is None or not all(_variable(v) for v in (top, bottom[2])):
            at = found.end()
            continue
        start, end, variable = bottom
        rebuilt = f"\\frac{{d {top}}}{{d {variable}}}"
        text, at = text[:found.start()] + rebuilt + text[end:], found.start() + len(rebuilt)
    return text


def _variable(text: str) -> bool:
    return text.strip()[:1].isalpha() or text.strip().startswith("\\")


_FONT_SCRIPT = re.compile(r"([_^])\s*(\\(?:text|textrm|textit|textbf|mathrm|mathit|mathbf|mathsf|operatorname)\s*\{[^{}]*\})")


def braced_font_scripts(text: str) -> str:
    """x_\\text{max}, (z)_\\text{layer}: a script that is one font command and its argument, braced as TeX takes it."""
    return _FONT_SCRIPT.sub(r"\1{\2}", text)
