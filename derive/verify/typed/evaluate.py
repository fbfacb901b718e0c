"""A typed post's formula at one point of the layer: the syntax tree (verify/syntax.py) read with
the layer's names, its indices bound, to a SymPy expression over the layer's entries (derivatives
come out as numbers at the point). Nothing here evaluates the post's text: only the tree is walked."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sympy as sp

from .. import syntax as s
from .model import EPSILON, LOSS, LayerModel, Point
from .names import COUNTS, KRONECKER, LABELS, LOSSES, Names, axes_for, index_pieces

PER_ENTRY = ("input", "normalized", "output", "upstream")
STATISTICS = ("mean", "variance", "deviation")
FUNCTIONS = {"exp": sp.exp, "ln": sp.log, "log": sp.log, "tanh": sp.tanh, "sqrt": sp.sqrt}


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


class Evaluator:
    def __init__(self, model: LayerModel, names: Names, point: Point, local: bool = True,
                 group_counts: frozenset = frozenset()):
        self.model, self.names, self.point = model, names, point
        self.local = local                   # ∂a/∂b by one of a's own operands: the local partial
        self.group_counts = group_counts     # the count letters the post divides its statistics by
        self.used: set[str] = set()          # the free letters (• for an unindexed entry) a side read
        self.uniform = False                 # γ, β written as one number each (layer norm): one entry serves

    # -- sizes ------------------------------------------------------------------------------------
    @property
    def group_size(self) -> int:
        shape = self.model.tensors["input"].shape
        return shape[self.model.group_axis]

    def axis_size(self, role: str, axis: int) -> int:
        return self.model.tensors[role].shape[axis]

    # -- the walk ---------------------------------------------------------------------------------
    def side(self, node: s.Node, view: View) -> sp.Expr:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise Unread(f"{type(node).__name__.lower()} is not read in a typed layer's formula")
        return method(node, view)

    def _Num(self, node: s.Num, view: View):
        return sp.Float(node.text, 30) if "." in node.text else sp.Integer(node.text)

    def _Paren(self, node: s.Paren, view: View):
        return self.side(node.inner, view)

    def _Neg(self, node: s.Neg, view: View):
        return -self.side(node.arg, view)

    def _Sqrt(self, node: s.Sqrt, view: View):
        return sp.sqrt(self.side(node.arg, view))

    def _BinOp(self, node: s.BinOp, view: View):
        left, right = self.side(node.left, view), self.side(node.right, view)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op in ("*", "\\cdot", "\\times", "\\odot", "cdot", "times", "odot"):
            return left * right
        if node.op in ("/", "\\div", "div"):
            return left / right
        raise Unread(f"the operator {node.op} is not read in a typed layer's formula")

    def _Juxt(self, node: s.Juxt, view: View):
        items = list(node.items)
        if any(isinstance(item, s.Partial) for item in items):
            raise Unread("a derivative operator applied to what follows it is not read")
        product = sp.Integer(1)
        k = 0
        while k < len(items):
            item = items[k]
            if isinstance(item, s.Sym) and item.text == "d" and k + 1 < len(items):
                product *= self.adjoint(items[k + 1], view)      # dW_{11}: ∂L/∂W_{11}
                k += 2
                continue
            product *= self.side(item, view)
            k += 1
        return product

    def _Frac(self, node: s.Frac, view: View):
        derivative = _derivative(node) or _d_fraction(node)
        if derivative is None:
            return self.side(node.num, view) / self.side(node.den, view)
        top, bottom = derivative
        return self.derivative(top, bottom, view)

    def _Func(self, node: s.Func, view: View):
        if node.name == "sigma":
            return self.name("\\sigma", "", None, view)
        raise Unread(f"{node.name} without its argument is not read")

    def _Sym(self, node: s.Sym, view: View):
        found = self.name(node.text, node.font, None, view)
        if found == LOSS:
            raise Unread("the loss's value is not read: the post's claims are read on one layer, whose "
                         "upstream gradient stands for the rest of the network")
        return found

    def _Scripted(self, node: s.Scripted, view: View):
        base = node.base
        if node.primes:
            raise Unread("a derivative written with primes is not read in a typed layer's formula")
        if isinstance(base, s.Paren) and node.sub is not None and node.sup is None:
            return self.indexed_group(base.inner, node.sub.text, view)          # (∂L/∂V)_{0,0}
        text, font = _name_of(base)
        if text is None:
            if node.sub is None and node.sup is not None:
                return self.side(base, view) ** self._exponent(node.sup, view)
            raise Unread("a subscript on an expression is not read")
        if text == KRONECKER and node.sub is not None:
            return self.kronecker(node, view)
        sup = node.sup.text if node.sup is not None else None
        sub = node.sub.text if node.sub is not None else None
        if sub in LABELS or (sub is not None and sub.startswith("\\text")):
            sub = None
        if text == "\\sigma" and sup == "2":
            return self.name("var", "", sub, view)
        if sup is not None and _is_label(sup):
            layer = sup.strip("[]()")
            if layer.isdigit() and self.model.layer is not None and int(layer) != self.model.layer:
                raise Unread(f"layer {layer} is not the {self.model.kind} layer (layer {self.model.layer}) "
                             "this post's claims are read on")
            sup = None
        value = self.name(text, font, sub, view)
        return value if sup is None else value ** self._exponent(node.sup, view)

    def _BigSum(self, node: s.BigSum, view: View):
        letter, low, high = self._range(node, view)
        total = sp.Integer(0)
        for k in range(low, high + 1):
            inner = replace(view, indices=view.indices | {letter: k}, sums=view.sums + (letter,))
            total += self.side(node.body, inner)
        return total

    def _exponent(self, script: s.Script, view: View):
        if script.node is None:
            raise Unread(f"the exponent {script.text} is not read")
        return self.side(script.node, view)

    # -- names ------------------------------------------------------------------------------------
    def name(self, text: str, font: str, sub: str | None, view: View) -> sp.Expr:
        if font in ("", None) and text in FUNCTIONS:
            raise Unread(f"{text} without its argument is not read")
        if not font and text in LOSSES:
            return LOSS
        role = self.names.role(text, font)
        if role is None and not font and text in COUNTS and self.model.normalizing and sub is None:
            if self.group_counts and text not in self.group_counts:
                raise Unread(f"{text} counts the layer's other axis (the post's statistics run over "
                             f"{', '.join(sorted(self.group_counts))}): not read")
            return sp.Integer(self.group_size)
        if role is None and text.startswith("d") and len(text) > 1 and not font:
            inner = self.names.role(text[1:])
            if inner is not None and inner != "epsilon":
                return self.point_adjoint(self.entry(inner, sub, view))        # dgamma, dout_i
        if role is None:
            raise Unread(f"{_shown(text, font)} names nothing derive knows in this layer")
        if role == "epsilon":
            return EPSILON
        return self.entry(role, sub, view)

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
        ndim = len(tensor.shape)
        if not values:
            raise Unread(f"{role} without its entry's indices is a whole tensor, which is not read here")
        axes = axes_for(role, self.model.kind, len(values), ndim)
        if axes is None:
            raise Unread(f"{len(values)} indices on the {role} are not read")
        index = [0] * ndim
        for axis, value in zip(axes, values):
            index[axis] = value
        return tensor.entry(self._inside(tensor.shape, index))

    def _norm_index(self, role: str, pieces, values, view: View) -> tuple[int, ...]:
        group_axis, other = self.model.group_axis, 1 - self.model.group_axis
        in_group = [p for p, v in zip(pieces, values) if p in view.indices and p not in ("0",)]
        if role in PER_ENTRY:
            if len(values) == 2:
                return self._inside(self.model.tensors[role].shape, values)
            if len(values) > 2:
                raise Unread(f"{len(values)} indices on the {role} are not read")
            k = values[0] if values else self._implicit(view)
            index = [0, 0]
            index[group_axis], index[other] = k, view.group
            return self._inside(self.model.tensors[role].shape, index)
        # statistics: one per group; γ, β: one per feature (batchnorm: the group is a feature)
        per_group = role in STATISTICS or self.model.kind == "batch_norm"
        if len(values) > 1:
            raise Unread(f"{len(values)} indices on the {role} are not read")
        if per_group:
            if values and not in_group:
                return self._inside(self.model.tensors[role].shape, values)
            return (view.group,)
        if not values and self.uniform:
            return (0,)
        k = values[0] if values else self._implicit(view)
        return self._inside(self.model.tensors[role].shape, [k])

    def _implicit(self, view: View) -> int:
        """An unindexed entry: at the innermost sum's index, else at the entry in view."""
        for letter in reversed(view.sums):
            return view.indices[letter]
        self.used.add("•")
        return view.entry

    def index(self, piece: str, view: View) -> int:
        if piece.isdigit():
            return int(piece) - view.base
        if piece in view.indices:
            if piece not in view.sums:
                self.used.add(piece)
            return view.indices[piece] - (view.base if piece in view.sums else 0)
        raise Unread(f"the index {piece} is not bound")

    @staticmethod
    def _inside(shape, index) -> tuple[int, ...]:
        if len(index) != len(shape) or not all(0 <= k < size for k, size in zip(index, shape)):
            raise OutOfRange(f"the entry {tuple(index)} is outside the tensor's shape {tuple(shape)}")
        return tuple(index)

    # -- derivatives ------------------------------------------------------------------------------
    def adjoint(self, node: s.Node, view: View) -> sp.Expr:
        return self.point_adjoint(self._single(self.side(node, view)))

    def _shared(self, entry: sp.Symbol) -> list[sp.Symbol] | None:
        """γ or β written as one number: every entry of it, whose gradients add up to the number's."""
        if not self.uniform:
            return None
        for role in ("scale", "shift"):
            tensor = self.model.tensors.get(role)
            if tensor is not None and entry in tensor.entries():
                return tensor.entries()
        return None

    def point_adjoint(self, entry: sp.Symbol) -> sp.Expr:
        shared = self._shared(entry)
        if shared is not None and self.model.tensors["input"].shape[0] == 1:
            return sp.Float(sum(self.point.total(LOSS, e) for e in shared), 30)
        if self.model.kind != "batch_norm" and self.model.tensors["input"].shape[0] > 1 and any(entry in self.model.tensors[r].entries()
                                                   for r in ("scale", "shift") if r in self.model.tensors):
            raise Unread("the gradient of layer norm's γ or β sums over the samples, outside the one sample in "
                         "view: not read")
        return sp.Float(self.point.total(LOSS, entry), 30)

    def derivative(self, top: s.Node | None, bottom: s.Node, view: View) -> sp.Expr:
        if top is None:
            raise Unread("a derivative operator applied to what follows it is not read")
        wrt = self._single(self.side(bottom, view))
        value = LOSS if _is_loss(top) else self.side(top, view)
        if value == LOSS:
            return self.point_adjoint(wrt)
        if value.has(LOSS):
            raise Unread("a derivative of the loss's expression is not read")
        shared = self._shared(wrt) or [wrt]
        return sp.Float(sum(self.point.derivative(value, e, local=self.local) for e in shared), 30)

    def _single(self, expr: sp.Expr) -> sp.Symbol:
        if not (expr.is_Symbol and (expr in self.point.values or expr == EPSILON)):
            raise Unread("a derivative by an expression, not by one entry, is not read")
        return expr

    def indexed_group(self, inner: s.Node, sub: str, view: View) -> sp.Expr:
        """(∂L/∂V)_{i,j}: the whole tensor's entry, read as the derivative by that entry."""
        derivative = _derivative(inner) if isinstance(inner, s.Frac) else None
        if derivative is None or derivative[0] is None or _name_of(derivative[1])[0] is None:
            raise Unread("a subscript on an expression is not read")
        text, font = _name_of(derivative[1])
        role = self.names.role(text, font)
        if role is None:
            raise Unread(f"{_shown(text, font)} names nothing derive knows in this layer")
        wrt = self.entry(role, sub, view)
        if not _is_loss(derivative[0]):
            raise Unread("a subscript on a derivative of an entry is not read")
        return self.point_adjoint(wrt)

    def kronecker(self, node: s.Scripted, view: View) -> sp.Expr:
        pieces = index_pieces(node.sub.text) or []
        if node.sup is not None:
            pieces = pieces + (index_pieces(node.sup.text) or [])
        if len(pieces) != 2:
            raise Unread("a Kronecker delta with other than two indices is not read")
        a, b = (self.index(p, view) for p in pieces)
        return sp.Integer(int(a == b))

    def _range(self, node: s.BigSum, view: View) -> tuple[str, int, int]:
        sub = node.sub.node if node.sub is not None else None
        if sub is None and node.sup is None:
            letter, low, high = sum_letter(node), None, None
        elif isinstance(sub, s.Chain) and len(sub.sides) == 2 and isinstance(sub.sides[0], s.Sym):
            letter = sub.sides[0].text
            low = int(self.side(sub.sides[1], view))
            high = int(self.side(node.sup.node, view)) if node.sup is not None and node.sup.node is not None \
                else None
        elif isinstance(sub, s.Sym) and node.sup is None:
            letter, low, high = sub.text, None, None
        else:
            raise Unread("a sum's range is not read")
        if low is None:
            low, high = view.base, self.group_size - 1 + view.base if self.model.normalizing else None
        if high is None:
            raise Unread("a sum without its range is not read in a conv layer's formula")
        if self.model.normalizing and high - low + 1 > self.group_size:
            raise SumTooLong(f"the sum over {letter} from {low} to {high} has {high - low + 1} terms; "
                             f"the layer normalizes over {self.group_size}")
        return letter, low, high


def sum_letter(node: s.BigSum) -> str | None:
    """The letter a sum runs over: its own (Σ_{i=1}^N, Σ_j), else, for a bare Σ, the one index its
    body writes (Σ dl/dout_i), else • (Σ dy: over the unindexed entries)."""
    sub = node.sub.node if node.sub is not None else None
    if isinstance(sub, s.Chain) and sub.sides and isinstance(sub.sides[0], s.Sym):
        return sub.sides[0].text
    if isinstance(sub, s.Sym):
        return sub.text
    if sub is not None or node.sup is not None:
        return None
    for item in s.nodes(node.body):
        if isinstance(item, s.Scripted) and item.sub is not None:
            pieces = index_pieces(item.sub.text) or []
            if len(pieces) == 1 and pieces[0].isalpha() and len(pieces[0]) == 1 and pieces[0] not in COUNTS:
                return pieces[0]
    return "•"


class OutOfRange(Unread):
    """An index past the tensor's end: a claim about entries the layer does not have."""


class SumTooLong(Unread):
    """A sum over more terms than the layer normalizes over: 0..N where there are N."""


def _derivative(node: s.Frac) -> tuple[s.Node | None, s.Node] | None:
    """(numerator's operand, denominator's operand) of ∂a/∂b or da/db; None: not a derivative."""
    def operand(part):
        if isinstance(part, s.Partial):
            return None, True
        if isinstance(part, s.Juxt) and part.items and isinstance(part.items[0], s.Partial):
            rest = part.items[1:]
            return (rest[0] if len(rest) == 1 else s.Juxt(rest)) if rest else None, True
        return None, False
    top, marked = operand(node.num)
    bottom, below = operand(node.den)
    if not (marked and below) or bottom is None:
        return None
    return top, bottom


def _d_fraction(node: s.Frac) -> tuple[s.Node, s.Node] | None:
    """dl/dout_i written as two names that start with d: (l, out_i)."""
    def strip(part):
        if isinstance(part, s.Juxt) and len(part.items) == 2 and isinstance(part.items[0], s.Sym) and \
                part.items[0].text == "d" and not part.items[0].font:
            return part.items[1]
        if isinstance(part, s.Sym) and part.text.startswith("d") and len(part.text) > 1 and not part.font:
            return s.Sym(part.text[1:])
        if isinstance(part, s.Scripted) and isinstance(part.base, s.Sym) and part.sup is None:
            inner = strip(part.base)
            return None if inner is None else s.Scripted(inner, part.sub, None, part.primes)
        return None
    top, bottom = strip(node.num), strip(node.den)
    return None if top is None or bottom is None else (top, bottom)


def _name_of(node: s.Node) -> tuple[str | None, str]:
    if isinstance(node, s.Sym):
        return node.text, node.font
    if isinstance(node, s.Func) and node.name == "sigma":
        return "\\sigma", ""
    if isinstance(node, s.Paren) and node.kind == "{":
        return _name_of(node.inner)
    return None, ""


def _is_loss(node: s.Node) -> bool:
    text, font = _name_of(node)
    return text in LOSSES and not font


def _is_label(sup: str) -> bool:
    """A layer's label written above a name: [l], (k), [1]."""
    return sup.startswith(("[", "(")) and sup.endswith(("]", ")"))


def _shown(text: str, font: str) -> str:
    return f"\\{font}{{{text}}}" if font else text
