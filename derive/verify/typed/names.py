"""What a typed post's names stand for: one table of the letters people use for each tensor of a
conv, pool or normalization layer, and how a name's written indices pick its entries."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...numeric.tensor_values import NORMS
from .. import syntax as s
from ..syntax import TRANSPOSES

# written name (a letter run, a Greek command, or a word) -> role, per family of layer
_CONV = {
    "input": ("x", "X", "a", "A", "u", "I", "in", "input"),
    "output": ("z", "Z", "y", "Y", "v", "V", "o", "O", "out", "output", "s", "S"),
    "kernel": ("w", "W", "k", "K", "F", "filter", "kernel"),
    "bias": ("b", "bias"),
}
_POOL = {"input": _CONV["input"], "output": _CONV["output"] + ("p", "P")}
_NORM = {
    "input": ("x", "X", "z", "a", "h", "in", "input", "inp"),
    "mean": ("\\mu", "mu", "mean"),
    "variance": ("var", "variance"),
    "deviation": ("\\sigma", "sigma", "std"),
    "normalized": ("xhat", "x_hat", "x_norm"),
    "output": ("y", "Y", "o", "out", "output"),
    "scale": ("\\gamma", "gamma", "w", "weight"),      # PyTorch's LayerNorm calls γ and β weight and bias
    "shift": ("\\beta", "beta", "b", "bias"),
    "epsilon": ("\\epsilon", "\\varepsilon", "eps", "epsilon"),
}
FAMILIES = {"conv2d": _CONV, "max_pool": _POOL, "avg_pool": _POOL} | {kind: _NORM for kind in NORMS}
LOSSES = ("L", "E", "J", "C", "l", "\\ell", "\\mathcal{L}", "Loss", "loss", "cost", "Cost", "Div")
def is_loss_name(text: str, font: str | None) -> bool:
    """L, E, J, loss, and the calligraphic \\mathcal{L} as a post writes it."""
    return (text in LOSSES and not font) or (font == "mathcal" and f"\\mathcal{{{text}}}" in LOSSES)


SECOND_ROLES = {"z": ("output",), "Z": ("output",)}
COUNTS = ("N", "m", "M", "B", "D")          # a normalization's group size, where it is not an index
LABELS = ("B", "batch", "\\mathcal{B}")     # μ_B, σ_B^2, μ_𝓑 (Ioffe and Szegedy): the batch's, not an entry's
KRONECKER = "\\delta"
ANOTHER = "another layer's"             # the role of a tensor under another layer's label than this one's
_LAYER = re.compile(r"^[a-zA-Z](?:[+-]\d+)?$")


@dataclass(frozen=True)
class Name:
    role: str              # a tensor's role, "loss", "count", "epsilon"
    written: str


class Names:
    """A layer family's names, with the post's own definitions over them (rebound by `bind`)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.table = {w: role for role, written in FAMILIES[kind].items() for w in written}
        self.bound: dict[str, str] = {}
        self.macros: dict[str, tuple[list[str], object]] = {}     # v_j = σ_j² + ε: (its indices, the right side)
        self.definitions: list = []             # every right side the post defined a name by
        self.defined: set[str] = set()          # names the post defines (i(x) = x - μ): never the loss
        self.counts: set[str] = set(COUNTS)     # and the letters the post's sums run up to (Σ_r^n)
        # letters the post only ever writes bare, one of them above a derivative (∂F/∂k_{ij}): a scalar, the loss
        self.bare_losses: set[str] = set()
        self.bounds: set[str] = set()           # every letter a sum of the post's runs up to
        self.two_meanings: set[str] = set()     # of those, the ones it also defines a quantity by (m = 1/n Σ x_i)
        # a name the post gives a second meaning (Z the output at one line, z the normalized input at
        # another): written name -> the other roles it is read as where its bound one fails
        self.readings: dict[str, tuple[str, ...]] = {}
        # a normalization's index letters by axis, as the post uses them (x_{c,i}, μ_c: c the feature)
        self.axis_letters: dict[str, str] = {}
        self.feature_first = False              # x_{c,i}: the feature's index written before the sample's
        self.channels_last: tuple[int, ...] | None = None   # Y(i, j, k_in): the kernel's axes, channels last (channel_order)
        self.channel_sides: dict[str, str] = {}  # k_in: "input", k: "output" (channel_order)
        self.activated: set[str] = set()        # Y of Y = f(Z): the activation, not the output (channel_order)
        # letters the post writes under two layers' labels (o^{l-1} the input, o^l the next activation)
        self.relabelled: dict[str, tuple[str, ...]] = {}
        self.layer_labels: dict[str, str] = {}  # of those, the label under which each is this layer's (W^{l+1})
        self.labelled: set[str] = set()         # letters the post writes under a layer's label (δ^l) or side (δ^{out})
        self.error_letter: str | None = None    # z where the post sets δ^l = ∂C/∂z^l (δ_j = ∂C/∂z_j)
        self.letter_labels: dict[str, set[str]] = {}     # every label the post writes each letter under
        self.forward_jacobian = False           # the claim at hand is ∂(a tensor)/∂(a tensor), not of the loss
        self.parts: set[tuple[str, str]] = set()     # dx = dx1 + dx2 + dx3: (dx, 1), ... the post's own terms
        self.declared: dict[tuple[str, str | None], int] = {}    # X ∈ ℝ^{N_1 × N_2}: (N, 1) -> the axis's size
        self.stabilizer_delta = True            # a bare δ is ε: the post adds one (√(σ² + δ)), or says nothing
        self.normalizes_z = True                # the post normalizes z (ẑ, z - μ): z its input, never its output

    @property
    def normalizing(self) -> bool:
        return self.kind in NORMS

    def numbered_error(self, text: str) -> bool:
        """δ_{12} is the error's entry where δ is a layer's (δ^l, δ_j = ∂C/∂z_j), except in a Jacobian of the
        layer's own tensors (∂x̂_{11}/∂x_{21} = (δ_{12} - 1/m)/σ: Kronecker's there)."""
        return text in self.labelled and not self.forward_jacobian

    def error_role(self, label: str) -> str | None:
        """The role of the tensor δ^{label} is the loss's gradient at, where the post's labels say: that of the
        letter its definition names (δ^l = ∂C/∂z^l), where the post's forward places that letter, or, without a
        definition, the output's; ANOTHER where the label is another layer's; None where nothing says."""
        letter = self.error_letter
        if letter is not None:
            fixed = self.layer_labels.get(letter)
            if fixed is None:           # a forward that holds with the letter does not place it: say nothing
                return None
            return self.role(letter) if fixed == label else ANOTHER
        outputs = {fixed for text, fixed in self.layer_labels.items() if self.role(text) == "output"} | \
            {label for text, own in self.letter_labels.items() if len(own) == 1 and text not in self.relabelled
             and self.role(text) == "output" for label in own}
        if len(outputs) != 1:
            return None
        return "output" if label in outputs else ANOTHER

    def placed(self, label: str) -> bool:
        """Whether the post writes one of the layer's letters under this label (z^l, W^{l+1}): a layer's label,
        not an index (Kronecker's δ^i_j)."""
        return label in self.layer_labels.values() or any(
            label in own for text, own in self.letter_labels.items() if text != KRONECKER and self.role(text))

    def bind(self, written: str, role: str | None) -> None:
        self.bound[written] = role

    def unbind(self, written: str, bound: tuple[str | None] | tuple[()]) -> None:
        """Back to what it was bound to, `bound` (one role, or none where it was not bound)."""
        if bound:
            self.bound[written] = bound[0]
        else:
            self.bound.pop(written, None)

    def other_roles(self, written: str) -> tuple[str, ...]:
        """The roles a wrong claim's name is tried again as: a second meaning the post gives it, or, where the
        post never says, the other one posts give the letter (z: a norm's input in BN(z), its output in
        z = γ n + β)."""
        if written in self.readings:
            return self.readings[written]
        return SECOND_ROLES.get(written, ()) if self.normalizing and not self.normalizes_z and \
            written not in self.bound else ()

    def also(self, written: str, role: str) -> None:
        if role != self.bound.get(written) and role not in self.readings.get(written, ()):
            self.readings[written] = self.readings.get(written, ()) + (role,)

    def define(self, written: str, pieces: list[str], side) -> None:
        """A name the post introduces for an expression of the layer's (v = σ² + ε): its value, wherever
        it is read; not a tensor a derivative can be by."""
        self.macros[written] = (pieces, side)
        self.definitions.append(side)          # q = p, or q = p - mean(p): each defines, none claims

    def defines(self, side) -> bool:
        return any(side is known for known in self.definitions)

    def role(self, text: str, font: str = "") -> str | None:
        """The role of a written name: `font` hat or bar on an input's letter marks x̂ (the mean)."""
        key = f"\\{font}{{{text}}}" if font else text
        if key in self.bound:
            return self.bound[key]
        if font in ("hat", "widehat") and self.normalizing and self.table.get(text) in ("input", "output"):
            return "normalized"
        if font in ("bar", "overline") and self.normalizing and self.table.get(text) == "input":
            return "mean"
        if font in ("mathbf", "boldsymbol", "bm", "vec", "textbf", "mathrm", "operatorname", "text", "") or \
                font is None:
            if text in self.bound:
                return self.bound[text]
            return self.table.get(text)
        return None

    @staticmethod
    def key(text: str, font: str = "") -> str:
        return f"\\{font}{{{text}}}" if font and font in ("hat", "widehat", "bar", "overline", "tilde") else text


_INDEX = re.compile(r"^(?:\d+|[A-Za-z]'*|\\[a-zA-Z]+)$")           # i, i' (another letter), 0, \alpha
_ARITHMETIC = re.compile(r"^(?:[A-Za-z0-9_+\-*\s'(),]|\\[a-zA-Z]+)+$")     # K - \alpha, max(0, i - a)
_GREEK_RUN = re.compile(r"(?:\\[a-zA-Z]+\s*){2,}")                        # \nu\mu: one index each


def index_pieces(text: str) -> list[str] | None:
    """A subscript's indices: '1,0' and '11' (digits, one per axis) and 'nij' (letters) split;
    None where an index is an expression (S*m+i-P) derive does not read."""
    text = re.sub(r"\^\{[^{}]*\}|\^[A-Za-z]", "", text.strip())      # Z_{ij^{l}}: the layer's label (x^2: a power)
    text = re.sub(r"_\{([A-Za-z]+)\}", r"_\1", text)                      # c_{out}: one name
    text = re.sub(r"\\(?:cdot|times)(?![A-Za-z])", "*", text).strip()      # i \cdot s_H + p
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if not text:
        return None
    groups = re.fullmatch(r"(\([^()]+\))+", text)
    if groups:                                                                   # (i+a)(j+b): two indices
        return [p.strip() for p in re.findall(r"\(([^()]+)\)", text)]
    if "," in text:
        pieces = [p.strip().strip("{}").strip() for p in _top_level(text)]
    elif text.isdigit() and len(text) > 1:
        pieces = list(text)
    elif text.isalpha() and text.islower() and len(text) > 1:
        pieces = list(text)
    elif re.fullmatch(r"(?:[a-z]'*){2,}", text) and "'" in text:
        pieces = re.findall(r"[a-z]'*", text)                                   # i'j': two primed letters
    elif _GREEK_RUN.fullmatch(text):
        pieces = re.findall(r"\\[a-zA-Z]+", text)
    else:
        pieces = [text]
    return pieces if all(_INDEX.match(p) or _ARITHMETIC.match(p) for p in pieces) else None


def _top_level(text: str) -> list[str]:
    """The text split at its commas outside brackets: max(0, i - a), j is two pieces."""
    pieces, depth, start = [], 0, 0
    for k, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            pieces.append(text[start:k])
            start = k + 1
    return pieces + [text[start:]]


def arithmetic(piece: str) -> bool:
    """An index written as a sum or product (i+m, S*m+i-P, 2i), not one letter or number."""
    return not _INDEX.match(piece)


def axes_for(role: str, kind: str, count: int, ndim: int, channels_last: tuple[int, ...] | None = None) -> tuple[int, ...] | None:
    """Which of a tensor's axes `count` written indices address (the rest held at the entry in view).

    conv and pool: the sample axis comes first and is written only with every axis; two indices are a
    position (row, column), three the channel too (first, or last where the post writes it last: a kernel's
    two channels as `channels_last` orders them). A normalization's per-entry tensors (samples, features): two indices
    are both, one the group's (batchnorm: the sample; layer norm: the feature).
    """
    if channels_last and kind not in NORMS and count >= 3:
        if role in ("input", "output", "upstream"):
            return {3: (2, 3, 1), 4: (0, 2, 3, 1)}.get(count) if ndim == 4 else None
        if role == "kernel":
            return {3: (2, 3, 1), 4: channels_last}.get(count) if ndim == 4 else None
    if count == ndim:
        return tuple(range(ndim))
    if kind in NORMS:
        return None
    if role in ("input", "output", "upstream"):
        return {2: (2, 3), 3: (1, 2, 3)}.get(count)
    if role == "kernel":
        return {2: (2, 3), 3: (0, 2, 3)}.get(count)
    return None


def label_text(sup: str) -> str:
    """A layer's label as written above a name, without its brackets: (l) and [l] and {l+1} -> l, l+1."""
    return sup.strip("[](){} ")


def is_label(sup: str) -> bool:
    """A layer's label written above a name: [l], (k), [1], and a bare l, l-1, L (a letter is no power
    in these posts: x^2 squares, z^l is layer l's)."""
    if sup in TRANSPOSES and sup != "t":         # xᵀ: a transpose, not layer T
        return False
    return sup.startswith(("[", "(")) and sup.endswith(("]", ")")) or bool(_LAYER.match(sup))


_SIDE = re.compile(r"\s*(?:\\(?:text|mathrm)\s*\{)?\s*(?:in|out|input|output)\s*\}?\s*")


def is_side(sup: str) -> bool:
    """δ^{out}, a^{in}, z^{\\text{out}}: a layer's side written above a name, a label like l."""
    return bool(_SIDE.fullmatch(sup))


_CALLED = re.compile(r"[A-Z]{2,}|[A-Za-z]*[Nn]orm")        # BN, LN, MLP, LayerNorm, RMSNorm: a function's name


def named_call(items) -> str | None:
    """BN(y), LN(x): a run of capitals (or a *Norm) applied to a parenthesis is the post's function, not B·N·y; so is
    f(Z), an activation the post leaves open (f is a filter's size only without a parenthesis after it)."""
    for item, after in zip(items, items[1:]):
        if isinstance(item, s.Sym) and (_CALLED.fullmatch(item.text) or item.text in ("f", "g")) and \
                isinstance(after, s.Paren) and \
                after.kind == "(":
            return item.text
    return None
