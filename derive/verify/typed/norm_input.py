"""A normalization post that normalizes the letter others give its output: ŷ = BN(y), (y - μ_y)/σ, after
y = W x (a linear layer's output, as tfjgeorge's matrix-form post writes it). There y is the norm's input,
and the letters of y's own definition (W, its rows w_i) belong to the layer before, not to γ."""

from __future__ import annotations

import re

from .. import syntax as s
from .names import Names

_OUTPUT_LETTERS = ("y", "Y")
_SCALE_ROLES = ("scale", "shift")


def normalized_outputs(chains: list[s.Chain], names: Names) -> list[str]:
    """The output letters the post's formulas write normalized: a hat on it, and it centred (y - μ), put
    through BN(y), or named in μ_y; never where a formula makes it the output (y = γ x̂ + β, y = w ⊙ x̂ + b)."""
    math = "\n".join(chain.text for chain in chains)
    found = []
    for letter in _OUTPUT_LETTERS:
        if names.table.get(letter) != "output" or letter in names.bound or _is_the_output(letter, chains):
            continue
        hatted = re.search(rf"\\(?:w?hat|widehat)\s*\{{?\s*{letter}(?![A-Za-z])", math)
        centred = re.search(rf"(?<![A-Za-z\\]){letter}(?:_\{{?[A-Za-z0-9,]*\}}?)?\s*-\s*(?:\\mu|μ)|"
                            rf"(?:BN|LN|[Nn]orm\w*)\}}?\s*(?:\\left)?\s*\(\s*{letter}(?![A-Za-z])|"
                            rf"(?:\\mu|μ)_\{{?\s*{letter}\s*\}}?(?![A-Za-z])", math)
        if hatted and centred:
            found.append(letter)
    return found


def _is_the_output(letter: str, chains: list[s.Chain]) -> bool:
    """y = γ x̂ + β (or w ⊙ x̂ + b): a formula that sets the letter to the scaled and shifted normalized input."""
    for chain in chains:
        left = chain.sides[0]
        base = left.base if isinstance(left, s.Scripted) else left
        if base == s.Sym(letter) and len(chain.sides) > 1 and re.search(r"\\gamma|\\hat|\\widehat|\bw", chain.text):
            return True
    return False


def upstream_letters(names: Names, chains: list[s.Chain], letters: list[str]) -> None:
    """Bind each normalized output letter as the input; the scale's and shift's letters in its definition
    (y = W x: W, and w for W's rows) name the layer before, nothing of this one."""
    for letter in letters:
        names.bind(letter, "input")
        for chain in chains:
            if len(chain.sides) != 2 or chain.sides[0] != s.Sym(letter):
                continue
            for node in s.nodes(chain.sides[1]):
                for char in node.text if isinstance(node, s.Sym) and not node.font and "\\" not in node.text else "":
                    for written in {char, char.lower()}:
                        if names.table.get(written) in _SCALE_ROLES and written not in names.bound:
                            names.bind(written, None)


_STAND_INS = ("a", "h")         # letters the table reads as a norm's input only for want of the post's own
_HATTED_X = re.compile(r"\\(?:w?hat|widehat)\s*\{?\s*x(?![A-Za-z])|\bx_?hat\b")


def idle_stand_ins(names: Names, chains: list[s.Chain]) -> None:
    """A post that normalizes x (x̂) has x for its input: h or a, never hatted, centred or put through the norm
    there, is a quantity of its own (h = dy ⊙ γ, said in prose), not a second name for the input."""
    math = "\n".join(chain.text for chain in chains)
    if not _HATTED_X.search(math):
        return
    for letter in _STAND_INS:
        if letter in names.bound or names.table.get(letter) != "input":
            continue
        alone = rf"(?<![A-Za-z\\]){letter}(?![A-Za-z])"
        own = re.search(rf"\\(?:w?hat|widehat|bar|overline)\s*\{{?\s*{letter}(?![A-Za-z])|"
                        rf"(?<![A-Za-z\\]){letter}(?:_\{{?[A-Za-z0-9,]*\}}?)?\s*-\s*(?:\\mu|μ|\\bar|\\overline|\\mathbb|"
                        rf"\\frac|\\mathrm|\\operatorname|E\s*\[|mean)|"
                        rf"(?:BN|LN|[Nn]orm\w*|\\mathrm\{{[A-Za-z]*[Nn]orm\}})\}}?\s*(?:\\left)?\s*\(\s*{letter}(?![A-Za-z])|"
                        rf"(?:\\mu|μ|\\sigma|σ)_\{{?\s*{letter}\s*\}}?(?![A-Za-z])", math)
        # or the post's own statistics (x̂, μ, σ², rms) are written in it
        if own is None and not any(_STATISTIC.match(chain.text) and re.search(alone, chain.text.split("=", 1)[-1])
                                   for chain in chains):
            names.bind(letter, None)


_STATISTIC = re.compile(r"\s*(?:\\(?:w?hat|widehat)\s*\{?\s*x|\\mu|μ|\\sigma|σ|\\mathrm\s*\{\s*(?:var|mean|rms)|"
                        r"var|mean|rms)")


_NORM_WORD = re.compile(r"^\s*([A-Za-z])\s*[\^_]\s*\{?\s*(?:\\(?:text|mathrm|operatorname)\s*\{)?\s*norm\s*\}")


def scaled_norm_words(names: Names, chains: list[s.Chain]) -> None:
    """x^{norm} = γ (x - x̄)/√(σ² + ε) + β: the post's 'norm' word names the scaled and shifted output where its
    definition applies γ and β, not x̂ (the table's reading of x_norm)."""
    for chain in chains:
        found = _NORM_WORD.match(chain.text)
        if found is None or len(chain.sides) != 2 or f"{found[1]}_norm" in names.bound:
            continue
        right = chain.sides[1]
        if isinstance(right, s.BinOp) and right.op == "+" and _shift(right.right) and \
                re.search(r"\\gamma|γ", chain.text.split("=", 1)[-1].rsplit("+", 1)[0]):
            names.bind(f"{found[1]}_norm", "output")       # γ (…) + β, not (out - β)/γ


def _shift(node: s.Node) -> bool:
    base = node.base if isinstance(node, s.Scripted) else node
    return isinstance(base, s.Sym) and base.text in ("\\beta", "β")
