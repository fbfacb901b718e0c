"""A typed post's names, looked up: which entry of the layer a written name and its indices stand
for, in the view a formula is read in (its indices' values, the entry an unindexed name stands at)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .model import EPSILON, LOSS, LayerModel, Point
from .sizes import named_size
from .. import syntax as s
from .index_values import index_value
from .channel_order import sided
from .names import Names, arithmetic, axes_for, index_pieces, is_loss_name

PER_ENTRY = ("input", "normalized", "output", "upstream")
STATISTICS = ("mean", "variance", "deviation")
FUNCTIONS = ("exp", "ln", "log", "tanh", "sqrt")
ATTRIBUTES = {"S": "stride", "s": "stride", "s_H": "stride", "s_W": "stride", "s_h": "stride", "s_w": "stride",
              "stride": "stride", "P": "padding", "p": "padding", "pad": "padding", "padding": "padding"}


class Unread(Exception):
    """Why a formula is not checked: a name, index or form the typed reader does not know."""


@dataclass(frozen=True)
class View:
    """Where a formula is read: its indices' values, the entry an unindexed name stands at, the
    normalization's group (a feature for batchnorm, a sample for the others), the post's first index."""
    indices: dict = field(default_factory=dict)
    entry: int = 0
    group: int = 0
    base: int = 0
    sums: tuple[str, ...] = ()        # the letters of the sums the node is inside, innermost last
    across: tuple[str, ...] = ()      # of them, those that run over the groups (Σ_{n=1}^{N} in layer norm)
    lows: dict = field(default_factory=dict)    # a sum's letter -> its first value, where it is 0 or 1


class OutOfRange(Unread):
    """An index past the tensor's end: a claim about entries the layer does not have."""


class SumTooLong(Unread):
    """A sum over more terms than the layer normalizes over: 0..N where there are N."""



class Lookup:
    """Names to entries; the walk over a formula (evaluate.Evaluator) is built on it."""

    def __init__(self, model: LayerModel, names: Names, point: Point, local: bool = True,
                 group_counts: frozenset = frozenset()):
        self.model, self.names, self.point = model, names, point
        self.local = local                   # ∂a/∂b by one of a's own operands: the local partial
        self.group_counts = group_counts     # the count letters the post divides its statistics by
        self.used: set[str] = set()          # the free letters (• for an unindexed entry) a side read
        self.expanding: set[str] = set()     # the post's own names being read, one inside another
        self.uniform = False                 # γ, β written as one number each (layer norm): one entry serves
        self.target = False                  # reading what a derivative is by: an unindexed γ is the entry's
        self.groups_named: set[int] = set()   # groups a side names by index (x_{0,0}): the group in view
        self.padded = False                  # a conv's input entries counted on the padded input (x̃)
        self.tied = False                    # a derivative by an unindexed γ, β: by one scalar, every entry with it
        self.figures = False                 # the claim states figures: at the spec's numbers, of named entries
        self.held: frozenset = frozenset()   # the statistics a derivative holds, the post's variables of their own

    @property
    def groups(self) -> int:
        """How many groups an unindexed name runs over: a normalization's (features or samples), a conv's
        filters."""
        if self.model.normalizing:
            return self.model.tensors["input"].shape[1 - self.model.group_axis]
        return self.model.tensors["output"].shape[1]

    @property
    def group_size(self) -> int:
        shape = self.model.tensors["input"].shape
        return shape[self.model.group_axis]

    # -- names ------------------------------------------------------------------------------------
    def name(self, text: str, font: str, sub: str | None, view: View) -> sp.Expr:
        if text == "1" and font in ("mathbf", "mathbb", "boldsymbol", "bm", ""):
            return sp.Integer(1)              # \mathbf{1}, \mathbf{1}_h: the vector of ones, 1 at every entry
        if font in ("", None) and text in FUNCTIONS:
            raise Unread(f"{text} without its argument is not read")
        if is_loss_name(text, font):
            return LOSS
        if sub in ("hat", "norm") and self.names.role(f"{text}_{sub}") is not None:
            text, sub = f"{text}_{sub}", None             # x_hat, as plain text writes x̂
        if not font and (text, sub) in self.names.declared:      # X ∈ ℝ^{N_1 × N_2}: N_1 the axis's size
            return sp.Integer(self.names.declared[(text, sub)])
        if not font and text in self.names.two_meanings:
            raise Unread(f"{text}: the post writes it for a sum's count and for a quantity it defines")
        role = sided(self.names, Names.key(text, font), self.names.role(text, font), sub)   # Y(i, j, k_in): the input
        if role is None and not font and text in self.names.counts and self.model.normalizing and sub is None:
            # N beside m: the other axis's count where the post sums up to it, else the same count by another name
            if self.group_counts and text not in self.group_counts and text in self.names.bounds:
                raise Unread(f"{text} counts the layer's other axis (the post's statistics run over "
                             f"{', '.join(sorted(self.group_counts))}): not read")
            return sp.Integer(self.group_size)
        if role is None and not font and text in self.names.counts and self.model.normalizing and \
                sub in self.names.axis_letters:           # N_i, N_c: the size of the axis i, c runs over
            samples, features = self.model.tensors["input"].shape
            return sp.Integer(features if self.names.axis_letters[sub] == "feature" else samples)
        size = named_size(self.model, text, sub) if role is None and not font else None
        if size is not None:                               # HH, H, P: the layer's sizes, in a sum's bounds
            return sp.Integer(size)
        if not font and (text, sub) in self.names.parts:
            raise Unread(f"{text}_{sub} is one of the parts the post sums into {text}, a term of its own")
        if role is None and text.startswith("d") and len(text) > 1 and not font:
            inner = self.names.role(text[1:])
            if inner is not None and inner != "epsilon":
                self.target = True
                try:
                    return self.point_adjoint(self.entry(inner, sub, view))        # dgamma, dout_i
                finally:
                    self.target = False
        if font in ("tilde", "widetilde") and not self.padded and not self.model.normalizing and \
                self.names.role(text) == "input" and Names.key(text, font) not in self.names.bound:
            return self.on_padded(text, "", sub, view)         # x̃: the padded input
        if Names.key(text, font) in self.names.macros:        # the post's own meaning, over the table's
            return self.macro(Names.key(text, font), sub, view)
        if role is None and not font and len(text) > 1 and text.isalpha():
            return self._letters(text, sub, view)      # Nv_j: N times v_j, as TeX sets the letters
        if role is None:
            raise Unread(f"{shown(text, font)} names nothing derive knows in this layer")
        if role == "epsilon":
            return EPSILON
        return self.entry(role, sub, view)

    def _letters(self, text: str, sub: str | None, view: View) -> sp.Expr:
        product = sp.Integer(1)
        for k, letter in enumerate(text):
            try:
                product *= self.name(letter, "", sub if k == len(text) - 1 else None, view)
            except Unread:
                raise Unread(f"{text} names nothing derive knows in this layer") from None
        if product.has(LOSS):
            raise Unread(f"{text} names nothing derive knows in this layer")
        return product

    def on_padded(self, text: str, font: str, sub: str | None, view: View) -> sp.Expr:
        """The input's entry counted on the padded input (x^{pad}, x̃): the padding's zeros around it."""
        was, self.padded = self.padded, True
        try:
            return self.name(text, font, sub, view)
        finally:
            self.padded = was

    def macro(self, key: str, sub: str | None, view: View) -> sp.Expr:
        """A post's own name at an entry: its definition, read once (dx = dx1 + dx2, dx1 read as dx_1, has no end)."""
        if key in self.expanding:
            raise Unread(f"{key} is defined in terms of itself")
        self.expanding.add(key)
        try:
            return self._expanded(key, sub, view)
        finally:
            self.expanding.discard(key)

    def _expanded(self, key: str, sub: str | None, view: View) -> sp.Expr:
        """Its definition with the definition's index letters bound there."""
        pieces, side = self.names.macros[key]
        written = [] if sub is None else index_pieces(sub) or []
        letters = [p for p in pieces if p.isalpha()]
        if written and not pieces:         # q = p - mean(p) as a vector, read at q_i: its entry i
            return self.side(side, self.pinned(written, view))
        if written and len(written) != len(pieces):
            raise Unread(f"{key} is defined with {len(pieces)} indices; written with {len(written)}")
        bound, renamed = {}, {}
        for mine, theirs in zip(pieces, written):
            if mine.isalpha():      # as a sum's letter holds it: the definition's own letter is not free
                bound[mine] = self.index(theirs, view) + view.base
            elif theirs != mine:      # v_0 = σ_0² + ε read at j: σ_j² + ε
                renamed[mine] = theirs
        if not written and pieces and not letters:      # v with v_0 = σ_0² + ε: σ² + ε, at the entry in view
            renamed = {p: None for p in pieces}
        if renamed:
            side = _renamed(side, renamed)
        if letters and not written:
            raise Unread(f"{key} is defined per entry; written here without its index")
        sums = tuple(k for k in view.sums if k not in bound) + tuple(bound)
        return self.side(side, View(view.indices | bound, view.entry, view.group, view.base, sums, view.across,
                                    view.lows))

    def entry(self, role: str, sub: str | None, view: View) -> sp.Symbol:
        if role == "variance" and self.model.kind == "rms_norm":
            raise Unread("RMSNorm has no variance")
        tensor = self.model.tensors.get(role)
        if tensor is None:
            raise Unread(f"this layer has no {role}")
        pieces = [] if sub is None else index_pieces(sub)
        if pieces is None:
            raise Unread(f"the index {sub} is not read")
        values = [self.index(p, view) for p in pieces]
        if self.model.normalizing:
            return tensor.entry(self._norm_index(role, pieces, values, view))
        if any(arithmetic(p) for p in pieces) and view.sums:
            try:
                return self._conv_entry(role, tensor, values, view)
            except OutOfRange:        # x_{i+m, j+n} past the image's edge: a padded 0, no term
                return sp.Integer(0)
        return self._conv_entry(role, tensor, values, view)

    def _conv_entry(self, role: str, tensor, values: list[int], view: View) -> sp.Symbol:
        ndim = len(tensor.shape)
        if not values:
            if len(tensor.entries()) == 1:              # a single filter's bias: b
                return tensor.entry((0,) * ndim)
            if role == "bias":                          # b of several filters: the filter in view (◦)
                return tensor.entry((self._group(view),))
            return tensor.entry(self.position(role, view))
        axes = axes_for(role, self.model.kind, len(values), ndim, self.names.channels_last)
        if axes is None:
            raise Unread(f"{len(values)} indices on the {role} are not read")
        index = [0] * ndim
        for axis, value in zip(axes, values):
            index[axis] = value
        channel = {"output": 1, "upstream": 1, "kernel": 0}.get(role)
        if channel is not None and channel not in axes and tensor.shape[channel] > 1:
            index[channel] = self._group(view)       # W_{ab} of several filters: the filter in view (◦)
        padding = self.model.attributes.get("padding", 0)
        if self.padded and role == "input" and padding:
            index[2:] = [k - padding for k in index[2:]]
            inside = all(0 <= k < n for k, n in zip(index[2:], tensor.shape[2:]))
            limit = all(-padding <= k < n + padding for k, n in zip(index[2:], tensor.shape[2:]))
            if not inside and limit:
                if self.target:                  # ∂/∂ a padding entry: no variable of the layer's; not this view
                    raise OutOfRange(f"the entry {tuple(index)} is the padding's")
                return sp.Integer(0)             # the padding's zeros
        return tensor.entry(self._inside(tensor.shape, index))

    def _norm_index(self, role: str, pieces, values, view: View) -> tuple[int, ...]:
        group_axis, other = self.model.group_axis, 1 - self.model.group_axis
        in_group = [p for p, v in zip(pieces, values) if p in view.indices and p not in ("0",)]
        if role in PER_ENTRY:
            if len(values) == 2:
                values = values[::-1] if self.names.feature_first else values
                self.groups_named.add(values[other])        # x_{0,0}: the group is written out
                return self._inside(self.model.tensors[role].shape, values)
            if len(values) > 2:
                raise Unread(f"{len(values)} indices on the {role} are not read")
            if values and pieces[0] in view.across:          # x_n in Σ_{n=1}^{N}: the group
                index = [0, 0]
                index[group_axis], index[other] = self._implicit(view), values[0]
                return self._inside(self.model.tensors[role].shape, index)
            k = values[0] if values else self._implicit(view)
            index = [0, 0]
            index[group_axis], index[other] = k, self._group(view)
            return self._inside(self.model.tensors[role].shape, index)
        # statistics: one per group; γ, β: one per feature (batchnorm: the group is a feature)
        per_group = role in STATISTICS or self.model.kind == "batch_norm"
        if len(values) > 1:
            raise Unread(f"{len(values)} indices on the {role} are not read")
        if per_group:
            # μ_c where the post's c indexes the axis the statistics are per (batchnorm's feature): c's own value
            per = "feature" if self.model.kind == "batch_norm" else "sample"
            if values and (not in_group or self.names.axis_letters.get(pieces[0]) == per):
                return self._inside(self.model.tensors[role].shape, values)
            return (self._group(view),)
        if not values and self.uniform and not self.target:
            return (0,)
        k = values[0] if values else self._implicit(view)
        return self._inside(self.model.tensors[role].shape, [k])

    def _implicit(self, view: View) -> int:
        """An unindexed entry: at the innermost sum's index (not one over the groups), else at the entry
        in view (•)."""
        for letter in reversed(view.sums):
            if letter not in view.across:
                return view.indices[letter] - view.base
        self.used.add("•")
        return view.entry

    def _group(self, view: View) -> int:
        """The group in view: a sum's over them, else the letter the post gives the groups' axis (c in
        x_{c,i}, μ_c: x_k is at c), else the claim's (◦), an index like •."""
        per = "feature" if self.model.kind == "batch_norm" else "sample"
        named = [k for k, axis in self.names.axis_letters.items() if axis == per and k in view.indices]
        if self.model.normalizing and len(named) == 1 and not view.across:
            return self.index(named[0], view)
        if not view.across:
            self.used.add("◦")
        return view.group

    def index(self, piece: str, view: View) -> int:
        """The entry's 0-based index: the post's value (its letters as it counts) less its first index."""
        if piece.isdigit():
            return int(piece) - view.base
        if arithmetic(piece):
            try:
                return index_value(piece, lambda name: self._letter(name, view)) - view.base
            except ValueError:
                raise Unread(f"the index {piece} is not read") from None
        if piece in view.sums and piece in view.lows:     # Σ_{i=1}^{m} x_i counts x from 1, whatever else does
            return self._letter(piece, view) - view.lows[piece]
        return self._letter(piece, view) - view.base

    def _letter(self, piece: str, view: View) -> int:
        """A letter's value as the post counts: a sum's as it runs, a free index's from the first index."""
        if piece in view.indices:
            if piece not in view.sums:
                self.used.add(piece)
                return view.indices[piece] + view.base
            return view.indices[piece]
        if not self.model.normalizing and piece in ATTRIBUTES:   # S, s_H, P: a conv's stride and padding
            name = ATTRIBUTES[piece]
            return int(self.model.attributes.get(name, 1 if name == "stride" else 0))
        if len(piece) > 1 and piece.isalpha():            # kS: k times the stride, as TeX sets a product
            product = 1
            for letter in piece:
                product *= self._letter(letter, view)
            return product
        raise Unread(f"the index {piece} is not bound")

    @staticmethod
    def _inside(shape, index) -> tuple[int, ...]:
        if len(index) != len(shape) or not all(0 <= k < size for k, size in zip(index, shape)):
            raise OutOfRange(f"the entry {tuple(index)} is outside the tensor's shape {tuple(shape)}")
        return tuple(index)

    def point_adjoint(self, entry: sp.Symbol) -> sp.Expr:
        return sp.Float(self.point.total(LOSS, entry), 30)

    # -- the entry in view ------------------------------------------------------------------------
    @property
    def positions(self) -> int:
        """How many entries an unindexed name runs over: the normalized group's, or a conv's or pool's
        output positions (one sample, one channel)."""
        if self.model.normalizing:
            return self.group_size
        shape = self.model.tensors["output"].shape
        return shape[2] * shape[3]

    def position(self, role: str, view: View) -> tuple[int, ...]:
        """An unindexed output's (or ∂L/∂output's) entry at the position in view."""
        shape = self.model.tensors["output"].shape
        if role not in ("output", "upstream") or shape[0] * shape[1] != 1:
            raise Unread(f"the {role} without its entry's indices is a whole tensor, which is not read here")
        if self.figures and shape[2] * shape[3] > 1:       # y = 9 about a 2×2 output: which entry is not said
            raise Unread(f"the {role} without its entry's indices has {shape[2] * shape[3]} entries; the figure "
                         "does not say which")
        k = self._implicit(view)
        return (0, 0, k // shape[3], k % shape[3])

    def pinned(self, pieces: list[str], view: View) -> View:
        """The view whose unindexed entry is the one `pieces` name: (∂L/∂V)_{i,j}, (dy γ)_{k,0}."""
        values = [self.index(p, view) for p in pieces]
        if self.model.normalizing:
            if len(values) == 1:
                return View(view.indices, values[0], view.group, view.base, ())
            if len(values) == 2:
                entry, group = (values[0], values[1]) if self.model.group_axis == 0 else (values[1], values[0])
                return View(view.indices, entry, group, view.base, ())
        else:
            shape = self.model.tensors["output"].shape
            if len(values) == 2 and shape[0] * shape[1] == 1:
                self._inside(shape[2:], values)
                return View(view.indices, values[0] * shape[3] + values[1], view.group, view.base, ())
        raise Unread(f"{len(values)} indices on an expression are not read")


def _renamed(node, pieces: dict[str, str]):
    """The tree with each subscript index in `pieces` written as its value there (0 -> j)."""
    from dataclasses import fields, replace
    if isinstance(node, s.Scripted) and node.sub is not None:
        found = index_pieces(node.sub.text)
        if found and any(p in pieces for p in found):
            kept = [pieces.get(p, p) for p in found]
            kept = [p for p in kept if p is not None]
            node = replace(node, sub=s.Script(",".join(kept), None) if kept else None)
    if isinstance(node, tuple):
        return tuple(_renamed(item, pieces) for item in node)
    if not hasattr(node, "__dataclass_fields__") or isinstance(node, s.Script):
        return node
    changes = {f.name: _renamed(getattr(node, f.name), pieces) for f in fields(node)
               if f.name in s.node_fields(node)}
    return replace(node, **changes)


def shown(text: str, font: str) -> str:
    return f"\\{font}{{{text}}}" if font else text
