"""What people write around the math, taken off before a formula is read.

Real posts colour, box, underbrace and cancel their terms, write Unicode (σ, ∂, −, ×, w₁, ½),
glue a name to its index (w5, out_h1), and put prose between two claims (\\quad \\text{where}
\\quad). None of it changes what the formula says, so it is rewritten into the plain LaTeX that
the grammar reads. This is text in, text out: nothing here is evaluated.
"""

from __future__ import annotations

import re

from .set_ranges import set_ranges
from .at_point import kept_bars, paired_bars
from .called_entries import called_entries
from .macro_words import named_by_words
from .old_fonts import plain_tex_fonts
from .cost_arguments import COST_OF, cost_of
from .justifications import reasons_apart
from .side_by_side import side_by_side
from .tex_arguments import (MACRO, bare_operators, braced_font_scripts, braced_fractions, over_fractions, partners,
                            subscripted_differentials, tex_argument)

UNICODE = {
    "σ": r"\sigma ", "∂": r"\partial ", "𝟃": r"\partial ", "𝜕": r"\partial ", "𝝏": r"\partial ", "∑": r"\sum ", "η": r"\eta ", "α": r"\alpha ",
    "δ": r"\delta ", "Δ": r"\Delta ", "∇": r"\nabla ", "λ": r"\lambda ", "θ": r"\theta ", "ε": r"\epsilon ",
    "β": r"\beta ", "γ": r"\gamma ", "μ": r"\mu ", "φ": r"\phi ", "ω": r"\omega ", "τ": r"\tau ",
    "−": "-", "–": "-", "—": "-", "×": r"\times ", "∗": "*", "∕": "/", "⁄": "/", "·": r"\cdot ", "⋅": r"\cdot ", "∙": r"\cdot ",
    "⊙": r"\odot ", "∴": r"\therefore ", "∵": r"\because ", "∘": r"\circ ", "≈": r"\approx ", "≔": ":=", "←": r"\leftarrow ", "→": r"\to ",
    "≠": r"\neq ", "ᵀ": "^{T}", "½": r"\frac{1}{2}", "′": "'", "’": "'", "″": "''", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
}
# ŷ, x̂ (a letter and a combining circumflex): the hat of a plain-text post
UNICODE.update({"ŷ": r"\hat{y}", "Ŷ": r"\hat{Y}", "ô": r"\hat{o}", "â": r"\hat{a}"})
UNICODE.update({"，": ", ", "；": "; ", "（": "(", "）": ")"})      # a CJK post's full-width punctuation in math
# Σ is a sum where it is an operator (Σ_k, Σ x) and a name nowhere in these posts
UNICODE["Σ"] = r"\sum "
SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼ", "0123456789+-aeoxhklmnpstij"))
SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿ", "0123456789+-n"))
_UNICODE_TABLE = str.maketrans(UNICODE)
_SCRIPT_CHARACTER = re.compile(f"[{''.join(SUBSCRIPTS)}{''.join(SUPERSCRIPTS)}]")

# \macro{a}{b}: which argument stays (None: the macro and its arguments go)
KEEP = {
    "color": None, "textcolor": 1, "colorbox": 1, "underbrace": 0, "overbrace": 0, "underset": 1,
    "overset": 1, "stackrel": 1, "cancel": 0, "bcancel": 0, "xcancel": 0, "cancelto": 1, "boxed": 0,
    "mathbf": 0, "boldsymbol": 0, "bm": 0, "mathit": 0, "mathsf": 0, "pmb": 0, "mathrm": 0, "textbf": 0,
    "phantom": None, "hphantom": None, "vphantom": None,
}
ARGUMENTS = {"color": 1, "textcolor": 2, "colorbox": 2, "underset": 2, "overset": 2, "stackrel": 2,
             "cancelto": 2, "phantom": 1, "hphantom": 1, "vphantom": 1}
FUNCTION_FONTS = {"mathrm"}        # \mathrm{softmax}, \mathrm{ReLU}: a function's name, kept as it is
ACCENTS = ("hat", "bar", "tilde", "vec", "dot", "ddot", "widehat", "widetilde", "overline", "check", "breve")
PROSE = r"where|and|with|so|since|for|thus|hence|then|i\.e\.|or|if|because|therefore|giving|gives|which|set|let|setting|letting|define|defining|denote|denoting"

_GLUED = re.compile(r"(?<![\\A-Za-z0-9._^{])([A-Za-z]{1,3})([0-9]+)(?![0-9.]*[A-Za-z0-9])")   # w5, out_h1's h1
_NESTED_SUB = re.compile(r"_\{\s*([A-Za-z]{1,4})\s*_\s*\{?\s*([0-9]+)\s*\}?\s*\}")                # _{h_{1}} -> _{h1}
_ARRAY_MATRIX = re.compile(r"(\\left\s*[\[(]|\[|\()\s*\\begin\{array\}\s*\{[^{}]*\}(.*?)\\end\{array\}\s*(\\right\s*[\])]|\]|\))",
                           re.S)
_ARRAY = re.compile(r"\\begin\{array\}\s*\{[^{}]*\}(.*?)\\end\{array\}", re.S)
_WORD_AFTER = re.compile(r"([}A-Za-z0-9])\s*\(\s*(new|old|updated)\s*\)")                            # w_{1,1}(new)
_LETTER_DIGIT = re.compile(r"[A-Za-z][0-9]")
_SUB_WORD = re.compile(r"_([A-Za-z]{1,4}[0-9]+)(?![A-Za-z0-9])")                          # out_h1 -> out_{h1}
_PROSE_BETWEEN = re.compile(rf"(\\q?quad|\\,|\\;|,)\s*(\\text\s*\{{\s*(?:{PROSE})\b[^{{}}]*\}}|(?:{PROSE})\b)\s*"
                            rf"(\\q?quad|\\,|\\;)?")
# a = b & \text{(chain rule)}: align's last column of words, the row's justification
_TEXT_COLUMN = re.compile(r"(?:&\s*)+(\s*\\(?:text|textrm|textit|mbox)\s*\{[^{}]*\}\s*)(?=\\\\|$)")
# where an & separates cells (a case's value from its condition), not an align's columns
_CELLS = re.compile(r"\\(begin|end)\s*\{\s*(?:d?cases|[pbvBV]?matrix|smallmatrix|array)\*?\s*\}")
_WORD_TEXT = re.compile(rf"\\(?:text|textrm|mbox)\s*\{{\s*[,;:]?\s*(?:{PROSE})\b[^{{}}]*\}}")
_EVALUATED_AT = re.compile(r"\\(?:right|[Bb]igg?|[Bb]ig)\s*\|(\s*[_^]\s*(\{[^{}]*\}|\S))*")
_SPACING = re.compile(r"\\\\\*?\s*\[\s*-?[0-9.]+\s*(?:pt|ex|em|mm|cm|in|mu|bp)\s*\]")
_ACCENT_SCRIPT = re.compile(rf"\\({'|'.join(ACCENTS)})\s*\{{\s*([A-Za-z])\s*_\s*(?:\{{\s*([A-Za-z0-9]+)\s*\}}|([A-Za-z0-9]))\s*\}}")
_NEXT_FORMULA = re.compile(r"\\\)\s*[,;]?\s*(?:and\s*)?\\\(")
_INNER_DELIMITERS = re.compile(r"\\[()]")
# \frac{\delta L}{\delta w}: a small delta above and below, written for \partial (a delta of a unit
# is \delta_{o1}, scripted)
_OPERAND = r"(?:[A-Za-z]|\\(?!cdot|times|left|c?dots|ldots|quad)[a-zA-Z]+(?:\{[^{}]*\})?)(?:\s*[_^]\s*(?:\{[^{}]*\}|[A-Za-z0-9]))*"
# ∇a_{11}, \bigtriangledown W^l: the loss's gradient by the name; \nabla_W J: by W, of J
_NABLA = re.compile(rf"\\(?:nabla|bigtriangledown)(?:\s*_\s*(\{{[^{{}}]*\}}|[A-Za-z])\s*([LJEC](?:_\{{[^{{}}]*\}}|_[A-Za-z0-9])?)(?![A-Za-z])|\s*\{{\s*({_OPERAND}[0-9]*)\s*\}}(?!\s*[LJEC](?![A-Za-z]))|\s*({_OPERAND}))")
_DELTA_FRACTION = re.compile(r"\\frac\s*\{\s*\\delta(?![A-Za-z_^])((?:[^{}]|\{[^{}]*\})*)\}\s*\{\s*\\delta(?![A-Za-z_^])")
_SETEXT_EQUALS = re.compile(r"(?m)(^(?=[^=\n]*[^=\s])[^=\n]*\n)[ \t]*={3,}[ \t]*$")     # not after a line with its own =
_WRAPPED = re.compile(r"^\s*\$+([^$]*)\$+\s*$")          # \( $a$ \): dollars inside the delimiters
_LEFT_DOT = re.compile(r"\\left\s*\.|\\right\s*\.")
_PRIME = re.compile(r"\^\s*\{\s*((?:\\prime\s*|'\s*)+)\}|\^\s*\\prime(?![A-Za-z])")     # f^{\prime}, i^{'}: f', i'
_UPRIGHT_D = re.compile(r"^\s*(?:\\(?:mathrm|operatorname|text|rm)\s*\{\s*d\s*\}|d)(?!\s*[=}]|$)")
_BRACKET_LAYER = re.compile(r"(?<![A-Za-z\\])(d[ZWAb]|[WZAbaz])\s*\[\s*(\d+)\s*\]")   # Ng's W[1], dZ[2] in plain type
_LOST_BACKSLASH = re.compile(r"(?<![\\A-Za-z])(frac|sqrt|sigma|partial|cdot|times|delta|eta)(?=\s*[{\s_^([])")
_STEP_SUFFIX = re.compile(r"(_\{[^{}]*\})_\{?(new|old)\}?(?![A-Za-z0-9])")         # w_{2}_new: w2_new, glued
_NEGATIVE_POWER = re.compile(r"\^\s*-\s*([0-9]+(?:\.[0-9]+)?)")                       # 10^-3 in plain type
# \text{W update} where an operand goes (a row's head, or right after an operator): a name of
# several words, not prose; written \text{W~update}, which the grammar reads as one name
_WORDS_NAME = re.compile(r"\\(?:text|textrm|textit|mbox)\s*\{\s*([A-Za-z][A-Za-z0-9]*(?:\s+[A-Za-z0-9]+){1,2})\s*\}")
_OPERAND_BEFORE = re.compile(r"(?:^|\\\\|&|=|[-+*/(\[{<>]|\\(?:cdot|times|ast|odot|approx|equiv|neq|ne|leq|le|geq|ge|to"
                             r"|leftarrow|gets))$")
_OPERAND_AFTER = re.compile(r"$|\\\\|&|[-+*/=)\]}<>^_]|:=|"
                            r"\\(?:cdot|times|ast|odot|approx|right|neq|ne|leq|geq|to)(?![A-Za-z])")
_NOT_IN_NAMES = set(PROSE.replace("\\", "").split("|")) | {"is", "are", "the", "of", "to", "in", "on", "at", "all",
                                                           "each", "every", "not", "by", "as", "we", "it", "a", "an"}
# {\space}[y ...], {\,}: braces around spacing only hold nothing, unless they are a script's or a macro's argument
_SPACING_GROUP = re.compile(r"(?<!\s)(\s*)\{\s*(?:(?:\\(?:space|q?quad|enspace|thinspace|[,;:! ])(?![A-Za-z])|~)\s*)+"
                            r"\}")
_FUNCTION_WORD = re.compile(r"\\(?:text|textrm|mathrm|operatorname)\s*\{\s*(max|min|exp|log|ln|tanh)\s*\}")


_COMBINING_HAT = re.compile("([A-Za-z])\u0302")
_DOUBLE_PRIME = re.compile(r'(?<=[A-Za-z])"')
_MATHOP = re.compile(r"\\mathop\s*(?:\{\s*((?:\\[A-Za-z]+\s*)+)\}|(?=\\))")
_BARE_FONT = re.compile(r"\\(mathbf|mathbb|mathrm|mathit|mathsf|mathcal|boldsymbol|bm)\s+([A-Za-z0-9])")
_ANGLED_TIME = re.compile(r"\^\s*\{\s*(?:<|\\lt(?![A-Za-z]))\s*+([^{}<>$\s](?:[^{}<>$]{0,10}[^{}<>$\s])?)\s*"
                          r"(?:>|\\gt(?![A-Za-z]))\s*\}")      # a^{<t>}, a^{\lt t \gt}
_BRACED_SCRIPT = re.compile(r"(?<=[A-Za-z}])\{\s*([_^])\s*(\{[^{}]*\}|[A-Za-z0-9]+)\s*\}")    # \delta{_2}: \delta_2


_DOUBLE_BRACED_FRACTION = re.compile(r"\\frac\s*\{\s*\{((?:[^{}]|\{[^{}]*\})*)\}\s*\}\s*\{\s*\{((?:[^{}]|\{[^{}]*\})*)\}\s*\}")
_INDEX_TERM = r"[ijklmnpqrst](?:\s*[+-]\s*(?:[0-9]+|[ijklmnpqrst]))*"
_BRACKET_INDEX = re.compile(rf"(?<![\\A-Za-z])((?:d?[A-Za-z]|\\[a-z]+)(?:\^\{{[^{{}}]*\}}|\^[A-Za-z0-9])?)"
                            rf"\[\s*({_INDEX_TERM}(?:\s*,\s*{_INDEX_TERM})*)\s*\]")     # P[i], δ[n], x[n+k]: P_{i}
_NOT_INDEXED = ("sqrt", "frac", "begin", "end", "left", "right", "big", "Big")     # \sqrt[n]{x}: TeX's option
_TIME_ARGUMENT = re.compile(r"(?<![\\A-Za-z_^])((?:[A-Z])?[a-z])\(\s*(t\s*(?:[+-]\s*[0-9])?)\s*\)")
_FOR_ALL = re.compile(r"\(\s*\\forall(?![A-Za-z])(?:[^()\n]|\([^()\n]*\))*\)|(?:\\q?quad(?![A-Za-z])|\\[,;: ]|~|,)\s*"
                      r"\\forall(?![A-Za-z])(?:[^\\&$\n]|\\(?![\\A-Za-z])|\\[A-Za-z]+)*")
_SNAKE_CALL = re.compile(r"(?<![\\A-Za-z0-9_{])([A-Za-z]{2,}(?:_[A-Za-z]{2,})+)(?=\s*\()")


# \rule{0mm}{7mm}, \rule[-2mm]{0pt}{5mm}, \mathstrut, \vspace{2mm}: a row's height, nothing on it (a rule
# with a width is a space between two claims, side_by_side.py)
_STRUT = re.compile(r"\\rule\s*(?:\[[^\]{}]*\])?\s*\{\s*0*\.?0*\s*(?:[a-z]{2})?\s*\}\s*\{[^{}]*\}|\\(?:math)?strut(?![A-Za-z])|\\vspace\*?\s*\{[^{}]*\}")
_BRACED_OPERATOR = re.compile(r"(?<![\^_\\])\{\s*(\\cdot|\\times|\\odot|\\otimes|\\circ|=|\\approx|\+)\s*\}")
_DEGREES = re.compile(r"(\d+)\s*(?:\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![A-Za-z])|°)")


def _gradient_of(match: re.Match) -> str:
    operand = match.group(3) or match.group(4)     # \bigtriangledown{k_{11}}: braced, as \nabla k_{11}
    if operand is not None:                        # ∇E, ∇E_{total}: the loss's gradient, by nothing written
        if re.match(r"(?:[LJEC]|\\mathcal\{[LJ]\})(?![A-Za-z])", operand):
            return match.group(0)
        return rf"\frac{{\partial L}}{{\partial {operand}}}"
    by = match.group(1)[1:-1] if match.group(1).startswith("{") else match.group(1)
    return rf"\frac{{\partial {match.group(2)}}}{{\partial {by}}}"


def see_through(text: str) -> str:
    text = text.replace("\\_", "_")           # Markdown's escaped underscore in math: rot\_180, x\_hat
    text = _SETEXT_EQUALS.sub(r"\1=", text)     # a lone = that a converter made a setext underline (====)
    text = reasons_apart(text)                  # a = b && (\text{Because } c = d): c = d a row of its own
    text = _DEGREES.sub(r"\1", text)            # rot_{180^\circ}, 180°: an angle in degrees, its number
    text = named_by_words(text)                # \queryMatrix, \lossFunction: a post's own macros, by their words
    text = _SNAKE_CALL.sub(lambda m: f"\\operatorname{{{m.group(1).replace('_', '')}}}", text)   # ROW_SUM(x): one name
    text = _BARE_FONT.sub(r"\\\1{\2}", text)     # \mathbf 1: TeX's one-token argument, braced
    text = _MATHOP.sub(lambda m: m.group(1) or "", text)    # \mathop \sum \limits (MathType), \mathop{\arg\max}
    text = set_ranges(plain_tex_fonts(text))    # {\rm i}, {\bf x_t}: plain TeX's fonts; Σ_{a∈[1,n]}: Σ_{a=1}^{n}
    text = _DOUBLE_PRIME.sub("''", text)                    # i" for i'': an index of its own (n", c")
    text = _ANGLED_TIME.sub(r"^{\\langle \1 \\rangle}", text)      # Ng's a^{<t>}, a^{\lt t \gt}: ⟨t⟩
    text = _FOR_ALL.sub(" ", text)     # (∀ i = 1, …, T), \quad ∀ t after a claim: its scope (a leading ∀ stays)
    text = side_by_side(text)
    text = called_entries(_TIME_ARGUMENT.sub(r"\1_{\2}", text))     # h(t): Elman's time, a step; Y(i, j): an entry
    text = _BRACKET_INDEX.sub(lambda m: m.group(1) + "_{" + m.group(2) + "}" if m.group(1)[1:].split("^")[0]
                              not in _NOT_INDEXED else m.group(0), text)      # an array's entry, as code indexes it
    text = _COMBINING_HAT.sub(r"\\hat{\1}", text)
    # {a \over b}, j{+}1, d_{L}/d_{h}, x_\text{max}: as TeX reads them
    text = subscripted_differentials(braced_fractions(bare_operators(over_fractions(braced_font_scripts(text)))))
    text = _BRACED_SCRIPT.sub(lambda m: m.group(1) + (m.group(2) if m.group(2).startswith("{") else f"{{{m.group(2)}}}"), text)
    text = _INNER_DELIMITERS.sub(" ", _NEXT_FORMULA.sub(r" \\\\ ", _WRAPPED.sub(r"\1", text)))
    text = _NABLA.sub(_gradient_of, text)
    text = _DOUBLE_BRACED_FRACTION.sub(r"\\frac{\1}{\2}", text)     # {{δE} \over {δU}}: \frac{{δE}}{{δU}}
    text = _DELTA_FRACTION.sub(lambda m: f"\\frac{{\\partial {m.group(1)}}}{{\\partial ", text)     # $\( a \), \( b \)$: two formulas
    text = _spacing_groups(text)
    text = _SPACING.sub(r"\\\\ ", text)
    text = _ACCENT_SCRIPT.sub(lambda m: f"\\{m.group(1)}{{{m.group(2)}}}_{{{m.group(3) or m.group(4)}}}", text)
    text = text.translate(_UNICODE_TABLE)
    text = _scripts(text)
    text = _PRIME.sub(lambda m: "'" * max(1, len(re.findall("prime|'", m.group(1) or ""))), text).replace("\\prime", "'")
    text = re.sub(r"\{\s*('+)\s*\}", r"\1", text)          # g^{[1]}{'}: a prime braced against ^'s
    # an evaluation bar is dropped, but one right after a fraction (at_point.py), which is no absolute value
    text = kept_bars(text, lambda rest: _EVALUATED_AT.sub(" ", _LEFT_DOT.sub(" ", paired_bars(rest))))
    text = _FUNCTION_WORD.sub(r"\\\1 ", text)
    text = re.sub(r"\\(?:therefore|because)(?![A-Za-z])", r" \\\\ ", text)     # ∴ b = ...: a claim of its own
    text = _LOST_BACKSLASH.sub(r"\\\1", text)                 # frac{a}{b}: the backslash a Markdown pass ate
    text = re.sub(r"\\big(odot|otimes)(?![A-Za-z])", r"\\\1", text)     # \bigodot, \bigotimes: ⊙ and ⊗, set large
    text = _parenthesized_powers(text)
    text = _upright_derivatives(text)
    text = COST_OF.sub(cost_of, text)
    text = _BRACKET_LAYER.sub(r"\1^{[\2]}", _macros(_STRUT.sub(" ", text)))
    text = _BRACED_OPERATOR.sub(r" \1 ", text)       # \color{black}{\cdot} left {\cdot}: the operator alone
    text = _outside_groups(_PROSE_BETWEEN, text)
    text = _outside_groups(_WORD_TEXT, text)
    text = _text_columns(text)
    text = _words_names(text)
    text = re.sub(r"\\(leftarrow|gets|Leftarrow|longleftarrow)(?![A-Za-z])", " := ", text)
    text = _NESTED_SUB.sub(r"_{\1\2}", text)
    text = _WORD_AFTER.sub(r"\1^{(\2)}", text)
    text = _ARRAY_MATRIX.sub(r"\\begin{bmatrix}\2\\end{bmatrix}", text)       # an array in brackets is a matrix
    text = _ARRAY.sub(r"\\begin{aligned}\1\\end{aligned}", text)               # else its rows are lines
    text = _SUB_WORD.sub(r"_{\1}", text)
    return _STEP_SUFFIX.sub(r"\1^{\2}", _glued(_NEGATIVE_POWER.sub(r"^{-\1}", text)))


def _text_columns(text: str) -> str:
    """a = b & \\text{(chain rule)}: the words of align's last column are the row's reason; in a
    cases or a matrix the & before words parts two cells, and stays."""
    def drop(match: re.Match) -> str:
        depth = sum(1 if cell.group(1) == "begin" else -1 for cell in _CELLS.finditer(text, 0, match.start()))
        return match.group(0) if depth > 0 else match.group(1)
    return _TEXT_COLUMN.sub(drop, text)


def _spacing_groups(text: str) -> str:
    def drop(match: re.Match) -> str:
        before = text[:match.start()]
        argument = re.search(r"(\\[A-Za-z]+|[_^])\s*$", before) or (not match.group(1) and before.endswith("}"))
        return match.group(0) if argument else match.group(1) + " "
    return _SPACING_GROUP.sub(drop, text)


def _words_names(text: str) -> str:
    def name(match: re.Match) -> str:
        words = match.group(1).split()
        before, after = text[:match.start()].rstrip(), text[match.end():].lstrip()
        if any(w.lower() in _NOT_IN_NAMES for w in words) or not _OPERAND_BEFORE.search(before) \
                or not _OPERAND_AFTER.match(after):
            return match.group(0)
        return f"\\text{{{'~'.join(words)}}}"
    return _WORDS_NAME.sub(name, text)


def _parenthesized_powers(text: str) -> str:
    """e^(-0.755) -> e^{(-0.755)}: a power in parentheses, as plain text writes it."""
    out, k = [], 0
    while True:
        at = text.find("^", k)
        if at < 0:
            return "".join(out) + text[k:]
        start = at + 1
        while start < len(text) and text[start] == " ":
            start += 1
        if start >= len(text) or text[start] != "(":
            out.append(text[k:at + 1])
            k = at + 1
            continue
        depth, end = 0, None
        for j in range(start, len(text)):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                end = j
                break
        if end is None:
            return "".join(out) + text[k:]
        out.append(f"{text[k:at]}^{{{text[start:end + 1]}}}")
        k = end + 1


def splits_at_prose(text: str) -> bool:
    """Whether prose after a claim (a = b, where c = d) sets a second claim apart on the row."""
    return _outside_groups(_PROSE_BETWEEN, text) != text


def _outside_groups(pattern: re.Pattern, text: str) -> str:
    """Prose between two claims becomes a line break, where it is at the top level: inside braces
    or an environment (cases: 1 \\text{for} z > 0) it belongs to the formula."""
    out, last = [], 0
    for match in pattern.finditer(text):
        before = text[:match.start()]
        depth = before.count("{") - before.count("\\{") - before.count("}") + before.count("\\}")
        environments = len(re.findall(r"\\begin\b", before)) - len(re.findall(r"\\end\b", before))
        line_so_far = before.rsplit("\\\\", 1)[-1].strip()
        if depth == 0 and environments <= 0 and "=" in line_so_far:     # a claim before it, on its line
            out.append(text[last:match.start()] + r" \\ ")
            last = match.end()
    return "".join(out) + text[last:]


def _scripts(text: str) -> str:
    """w₁₂ -> w_{12}, x² -> x^{2}: a run of Unicode sub- or superscripts is one script."""
    if not _SCRIPT_CHARACTER.search(text):
        return text
    out, k = [], 0
    while k < len(text):
        for table, mark in ((SUBSCRIPTS, "_"), (SUPERSCRIPTS, "^")):
            if text[k] in table:
                end = k
                while end < len(text) and text[end] in table:
                    end += 1
                out.append(f"{mark}{{{''.join(table[c] for c in text[k:end])}}}")
                k = end
                break
        else:
            out.append(text[k])
            k += 1
    return "".join(out)


def _macros(text: str) -> str:
    """Markup macros replaced by the argument they show (see KEEP), braces matched as TeX does."""
    out, k = [], 0
    while k < len(text):
        if text[k] != "\\":                  # up to the next macro, as it is
            following = text.find("\\", k)
            following = len(text) if following < 0 else following
            out.append(text[k:following])
            k = following
            continue
        match = MACRO.match(text, k)
        if match is None:
            out.append(text[k:k + 2])          # \\ , \{ ...: two characters at once
            k += 2
            continue
        name, after = match.group(1), match.end()
        if name in ACCENTS:
            argument, end = tex_argument(text, after)
            if argument is not None and argument.strip():
                out.append(f"\\{name}{{{_macros(argument).strip()}}}")
                k = end
                continue
        if name == "mathcal" and re.search(r"[_^\\]", tex_argument(text, after)[0] or ""):
            argument, k = tex_argument(text, after)     # \mathcal{y_i}, \mathcal{\hat x_j}: the name, scripted
            out.append(f"{{{_macros(argument).strip()}}}")
            continue
        if name not in KEEP or (name == "mathbf" and tex_argument(text, after)[0] in ("1", " 1")):
            out.append(text[k:after])
            k = after
            continue
        count = ARGUMENTS.get(name, 1)
        arguments, end = [], after
        for _ in range(count):
            argument, end = tex_argument(text, end)
            if argument is None:
                break
            arguments.append(argument)
        if len(arguments) < count:
            if name == "color" and not arguments:       # \color red x: nothing to keep
                k = end
                continue
            out.append(text[k:after])
            k = after
            continue
        keep = KEEP[name]
        if name in ("underbrace", "overbrace"):          # its label goes with it
            end = _skip_script(text, end, "_" if name == "underbrace" else "^")
        if name in FUNCTION_FONTS and re.fullmatch(r"\s*[A-Za-z]{2,}\s*", arguments[0]):
            out.append(text[k:end])                      # \mathrm{ReLU}: a name the grammar knows
        elif keep is not None:
            shown = _macros(arguments[keep]).strip()
            single = re.fullmatch(r"[A-Za-z0-9]+|\\[A-Za-z]+", shown)
            out.append(f" {shown} " if single or _is_relation(shown) else f"{{{shown}}}")
        elif name == "color" and end < len(text) and text[end:end + 1] == "{":
            pass                                          # \color{red}{x}: the group that follows stays
        k = end
    return "".join(out)


def _upright_derivatives(text: str) -> str:
    """\\frac{dL}{da_2}, \\frac{\\mathrm{d}E}{\\mathrm{d}w}, \\frac{d}{dz}: derivatives written with an
    upright d, read as the partial derivatives they are in a network (both lines start with d)."""
    if "\\frac" not in text:
        return text
    out, k, partner = [], 0, partners(text)
    while True:
        at = text.find("\\frac", k)
        if at < 0:
            return "".join(out) + text[k:]
        num, after_num = tex_argument(text, at + 5, partner)
        den, end = tex_argument(text, after_num, partner) if num is not None else (None, at)
        top = _UPRIGHT_D.match(num or "") or (re.fullmatch(r"\s*d\s*", num or "") and num)
        bottom = _UPRIGHT_D.match(den or "")
        if num is None or den is None or not top or not bottom or not den[bottom.end():].strip():
            out.append(text[k:at + 5])
            k = at + 5
            continue
        rest = num[top.end():] if not isinstance(top, str) else ""
        out.append(f"{text[k:at]}\\frac{{\\partial {_upright_derivatives(rest)}}}"
                   f"{{\\partial {_upright_derivatives(den[bottom.end():])}}}")
        k = end


def _skip_script(text: str, at: int, mark: str) -> int:
    k = at
    while k < len(text) and text[k] == " ":
        k += 1
    if k < len(text) and text[k] == mark:
        _, end = tex_argument(text, k + 1)
        return end
    return at


def _is_relation(shown: str) -> bool:
    return shown in ("=", ":=") or bool(re.fullmatch(r"\\(approx|equiv|ne|neq|le|leq|ge|geq|to)", shown))


def _glued(text: str) -> str:
    """w5 -> w_{5}, dz1 -> dz_{1}: a short name run into its number, outside scripts and commands."""
    if not _LETTER_DIGIT.search(text):       # no name run into a number anywhere
        return text
    out = []
    pieces = re.split(r"(\\[A-Za-z]+|[_^]\s*\{[^{}]*\}|[_^]\s*\S)", text)
    for piece in pieces:
        if piece.startswith(("\\", "_", "^")):
            out.append(piece)
        else:
            out.append(_GLUED.sub(r"\1_{\2}", piece))
    return "".join(out)
