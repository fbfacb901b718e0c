"""Math written as plain text: `dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 = 0.0821`.

Many posts write their equations without math delimiters, in code blocks or in the prose
itself. A line is taken for an equation only when all of it is: names, numbers, operators and an
equals sign, with no run of words. It is rewritten into the LaTeX the grammar reads (derivative
fractions, scripted names, the superscripts a copy lost), and its claims are kept only where the
spec knows their names (see document.py): prose never becomes a claim.
"""

from __future__ import annotations

import re

from .printouts import printout
from .region import line_starts_of

# fenced code in a language is code, not math
PLAIN_FENCES = {"", "text", "txt", "plain", "plaintext", "none", "math-text"}
PARTIALS = "∂𝟃𝜕𝝏𝛛"
GREEK_WORDS = ("alpha", "beta", "gamma", "delta", "eta", "theta", "lambda", "sigma", "epsilon", "mu", "tau",
               "phi")
FUNCTION_WORDS = {"exp", "log", "ln", "tanh", "max", "min", "sigmoid", "relu", "softmax"} | set(GREEK_WORDS)

_IDENTIFIER = r"[A-Za-zŷŶ][A-Za-z0-9\u0302₀-₉]*(?:_[A-Za-z0-9]+)*"      # W₃, ŷ: Unicode a plain post writes
# a clause `name = number` in a sentence: after a comma, a colon, "where", "with", "using", "and", "let"
_STATED = re.compile(rf"(?:^|[,;:(]|\b(?:where|with|using|and|let|if)\b)\s*({_IDENTIFIER})\s*=\s*"
                     rf"(-?\d*\.?\d+)(?![\d.]*\d)(?=\s*(?:[,;:)]|\.(?!\d)|$|\s+and\b))", re.IGNORECASE)
_CODE_SPAN = re.compile(r"(?<!`)`([^`\n]*=[^`\n]*)`(?!`)")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_EMPHASIS = re.compile(r"\*\*|__|`")
_THEREFORE = re.compile(r"^\s*(?:=>|⇒|==>)\s*(?=[-−+(\d.])")            # => 0.5 - 0.67 = -0.17: a continuation
_LABEL = re.compile(r"^\s*[A-Za-z][A-Za-z0-9 ]{0,30}:(?!=)\s+")                    # "Step 3: ", "Also: "
_TRAILING_TAG = re.compile(r"(\s*-?\s*\(\s*\d+[a-z]?\s*\)\s*)+$")               # (3), -(11): equation numbers
_TRAILING_NOTE = re.compile(r"(\s{2,}|\t)+-+\s*[A-Za-z][^=]*$")                  # "   - By Chain Rule"
_PROSE_PARENS = re.compile(r"\(\s*[A-Za-z]{2,}(?:[ .][A-Za-z]{2,})+\s*\)")       # η (Learning Rate)
_TWO_WORDS = re.compile(r"(?<![A-Za-z0-9_])([A-Za-z]{2,})\s+(?=([A-Za-z]{2,})(?![A-Za-z0-9_]))")
_DERIVATIVE = re.compile(rf"([{PARTIALS}]|\bd)\s*(\((?:[^()]|\([^()]*\))*\)|{_IDENTIFIER})\s*/\s*"
                         rf"([{PARTIALS}]|d)\s*({_IDENTIFIER})")
_SCRIPTED = re.compile(r"(?<![\\A-Za-z0-9_{])([A-Za-z]+)_([A-Za-z0-9]+(?:_[A-Za-z0-9]+)*)")
_GOES_ON = re.compile(r"(\*|\+|-|/|\(|\\cdot)\s*$")                             # ends with an operator
_LOST_SQUARE = re.compile(r"\)([23])(?=\s|$|[-+*/=)\]}])")                        # (t - o)2: a lost superscript
_LOST_EXPONENT = re.compile(r"(?<![A-Za-z0-9_])e\s?-\s?(\([^()]*\)|[A-Za-z0-9_.]+)")    # e-x: a lost e^{-x}


def plain_regions(text: str, tokens, math_lines: set[int]) -> list[tuple[int, str, int, int]]:
    """(line, LaTeX, start, end) for the plain-text equations of a Markdown document, from
    markdown-it's tokens: the lines of plain code fences and of paragraphs, but for the lines
    (1-based, `math_lines`) that hold math already."""
    line_starts = line_starts_of(text)
    lines = text.split("\n")
    candidates: list[int] = []
    in_table = 0
    for token in tokens:
        in_table += {"table_open": 1, "table_close": -1}.get(token.type, 0)    # tables.py reads tables
        if token.map is None:
            continue
        if token.type == "fence" and token.info.strip().lower() in PLAIN_FENCES:
            candidates.extend(range(token.map[0] + 1, token.map[1] - 1))
        elif token.type == "inline" and not in_table:       # a paragraph's or a list item's text, at any depth
            candidates.extend(range(token.map[0], token.map[1]))
    regions: list[tuple[int, str, int, int]] = []
    last, consumed = None, -1
    for index in candidates:
        if index + 1 in math_lines or index >= len(lines) or index <= consumed:
            last = None
            continue
        printed = printout(lines, index)
        if printed is not None:              # Output bias gradient (dL/db2): -1.0948
            name = as_tex(f"{printed[0]} = 0")
            if name is not None:
                first, consumed = printed[2], printed[3]
                end = line_starts[consumed] + len(lines[consumed])
                regions.append((first + 1, f"{name[:-len(' = 0')]} = {printed[1]}", line_starts[index], end))
            last = None
            continue
        goes_on = last is not None and _GOES_ON.search(last[1]) is not None
        spans = _code_spans(lines[index], index, line_starts[index])
        if spans:                            # with weight `w1 = 0.5`: the code marks what is math
            regions.extend(spans)
            last = None
            continue
        tex = as_tex(lines[index], goes_on)
        if tex is None:
            last = None
            regions.extend(_statements(lines[index], index, line_starts[index]) or
                           _stated_values(lines[index], index, line_starts[index]))
            continue
        start, end = line_starts[index], line_starts[index] + len(lines[index])
        if last is not None and last[3] + 1 == start and _GOES_ON.search(last[1]):   # a * \n (b + c)
            regions[-1] = last = (last[0], f"{last[1]} {tex}", last[2], end)
        elif tex.startswith("=") and last is not None and last[3] + 1 == start:     # = ... goes on with the line above
            regions[-1] = last = (last[0], f"{last[1]} \\\\\n{tex}", last[2], end)
        else:
            regions.append(last := (index + 1, tex, start, end))
    return regions


def _statements(line: str, index: int, start: int) -> list[tuple[int, str, int, int]]:
    """Equations one line writes apart with semicolons (dW_ih += outer(dgates, x); dW_hh += …), each a claim,
    where every part is one."""
    if ";" not in line:
        return []
    found, offset = [], 0
    for part in line.split(";"):
        tex = as_tex(part) if part.strip() else None
        if part.strip() and tex is None:
            return []
        if tex is not None:
            found.append((index + 1, tex, start + offset, start + offset + len(part)))
        offset += len(part) + 1
    return found


def _stated_values(line: str, index: int, start: int) -> list[tuple[int, str, int, int]]:
    """Values a sentence states one after the other (Using ŷ = 0.7967, y = 4.0, h₂ = 0.4139:), each
    where a name and its number make a clause of their own."""
    found = []
    for match in _STATED.finditer(line):
        tex = as_tex(f"{match.group(1)} = {match.group(2)}")
        if tex is not None:
            found.append((index + 1, tex, start + match.start(1), start + match.end(2)))
    return found


def _code_spans(line: str, index: int, start: int) -> list[tuple[int, str, int, int]]:
    """A prose line's inline code that is an equation (with weight `w1 = 0.5`): each span a claim."""
    found = []
    for span in _CODE_SPAN.finditer(line):
        tex = as_tex(span.group(1))
        if tex is not None:
            found.append((index + 1, tex, start + span.start(), start + span.end()))
    return found


def as_tex(line: str, goes_on: bool = False) -> str | None:
    """The LaTeX of a plain-text equation, or None when the line is not one (`goes_on`: the line
    continues the equation above, which ended with an operator, and needs no equals sign)."""
    text = _LIST_MARK.sub("", line)
    text = _THEREFORE.sub("= ", text)
    text = _EMPHASIS.sub("", _powers(text))
    text = _LABEL.sub("", text)
    text = _TRAILING_NOTE.sub("", text)
    text = _TRAILING_TAG.sub("", text).strip().replace("&=", "=").replace("&", " ")
    text = _PROSE_PARENS.sub("", text)
    if (text.count("=") + text.count("≈") < 1 and not goes_on) or "==" in text or "$" in text or "\\" in text:
        return None
    unbracketed = re.sub(r"\[[^\[\]]*\]", "", text)          # gates[H:2H]: a slice's colon is code's
    if any(c in text for c in ";?!\"") or (":" in unbracketed and ":=" not in unbracketed):
        return None
    text = text.replace("{", "(").replace("}", ")")            # braces group, as brackets do
    if _is_prose(text):
        return None
    text = _DERIVATIVE.sub(lambda m: rf"\frac{{\partial {_inner(m.group(2))}}}{{\partial {m.group(4)}}}", text)
    text = _LOST_SQUARE.sub(r")^{\1}", text)
    text = _LOST_EXPONENT.sub(lambda m: f"e^{{-{m.group(1)}}}", text)
    text = re.sub(r"\*\*", "^", text)
    text = _calls(re.sub(r"\bnp\.(?=(?:sqrt|sum)\s*\()", "", text))
    text = re.sub(r"(?<![\w.\\])sum_([a-z])\s*\(", r"\\sum_{\1}(", text)       # sum_k(a_k): Σ_k
    text = re.sub(rf"\b({'|'.join(GREEK_WORDS)})(\d*)\b", _greek, text)
    text = _SCRIPTED.sub(lambda m: f"{m.group(1)}_{{{m.group(2)}}}", text)
    return " ".join(text.split())


def _powers(text: str) -> str:
    """Python's a ** b, (v + eps) **(-1.5) as a^b before bold's ** is stripped: a ** between two operands, spaced
    alike on both sides or after a closing bracket or a digit, and not the ** that closes a bold span."""
    out, bold, last = [], False, 0
    for match in re.finditer(r"([ \t]*)\*\*([ \t]*)", text):
        left, right = text[:match.start()], text[match.end():]
        power = not bold and bool(left) and bool(right) and (left[-1].isalnum() or left[-1] in "_)]") and \
            (right[0].isalnum() or right[0] in "_(.-") and \
            (left[-1] in ")]0123456789" or bool(match.group(1)) == bool(match.group(2)))
        if power:
            out.append(text[last:match.start()] + "^")
            last = match.end()
        else:
            bold = not bold
    return "".join(out) + text[last:]


def _calls(text: str) -> str:
    """sqrt(a + b) as \\sqrt{a + b} and sum(a) as \\sum(a): NumPy's and Python's spellings."""
    for match in reversed(list(re.finditer(r"(?<![A-Za-z0-9_.\\])(sqrt|sum)\s*\(", text))):
        depth, end = 0, None
        for k in range(match.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[k], 0)
            if depth == 0:
                end = k
                break
        if end is None:
            continue
        inner = text[match.end():end]
        if match.group(1) == "sqrt":
            text = f"{text[:match.start()]}\\sqrt{{{inner}}}{text[end + 1:]}"
        elif "," not in inner:            # sum(dout); sum(x, axis=0) is NumPy's other sum
            text = f"{text[:match.start()]}\\sum({inner}){text[end + 1:]}"
    return text


def _greek(match: re.Match) -> str:
    """delta -> \\delta; delta2 -> \\delta_{2}, as w5 is w_{5}."""
    letter, digits = match.groups()
    return f"\\{letter}_{{{digits}}} " if digits else f"\\{letter} "


def _inner(numerator: str) -> str:
    return numerator[1:-1] if numerator.startswith("(") and numerator.endswith(")") else numerator


def _is_prose(text: str) -> bool:
    """Two words in a row (each of two letters or more, not a function's name) are prose."""
    for match in _TWO_WORDS.finditer(text):
        if not {match.group(1).lower(), match.group(2).lower()} & FUNCTION_WORDS:
            return True
    return False
