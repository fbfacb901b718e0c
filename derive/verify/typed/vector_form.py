"""A normalization claim written in whole vectors of one group, as matrix-calculus posts write layer norm:
x, y, x̂ and their gradients as columns over the group's entries; μ, σ, σ² numbers; I the identity and
1 (\\mathbf{1}, \\vec{1}) the ones of the group's size; ᵀ a transpose; ∂y/∂x the Jacobian, its rows y's
entries (numerator layout) or x's (denominator), both tried; juxtaposed factors multiply as matrices,
two columns entry by entry (γ x̂). The entry-level reader (evaluate.py) reads the rest."""

from __future__ import annotations

import numpy as np

from .. import syntax as s
from ..judge import EQUALITIES
from ..syntax import TRANSPOSES
from ..values import Verdict
from .evaluate import derivative_parts, is_loss
from .lookup import Unread
from .model import EPSILON, LayerModel, Point
from .names import Names

PER_ENTRY = ("input", "output", "normalized")
STATISTICS = ("mean", "variance", "deviation")
ONES = ("mathbf", "vec", "boldsymbol", "bm", "mathbb")
LAYOUTS = ("numerator", "denominator")
RELATIVE = 1e-7


def vector_claim(chain: s.Chain, names: Names) -> bool:
    """Whether the claim writes a form only whole vectors read: a transpose, the identity I, the ones 1,
    or a derivative of one of the layer's vectors by another, none of them indexed."""
    for node in s.nodes(chain):
        if isinstance(node, s.Scripted) and node.sup is not None and node.sup.text in TRANSPOSES:
            return True
        if isinstance(node, s.Sym) and node.text == "I" and names.role("I") is None:
            return True
        if isinstance(node, s.Sym) and node.text == "1" and node.font in ONES:
            return True
        if isinstance(node, s.Frac) and (parts := derivative_parts(node)) and parts[0] is not None and \
                not is_loss(parts[0], names) and _bare_role(parts[0], names) in PER_ENTRY and \
                _bare_role(parts[1], names) in PER_ENTRY:
            return True
    return False


def judge_vectors(model: LayerModel, names: Names, points: list[Point], chain: s.Chain) -> Verdict | None:
    """ok where, in one layout, every link holds at every point and in each group looked at; wrong where
    every reading holds in none; None where a side does not read as vectors."""
    if any(relation not in EQUALITIES for relation in chain.relations):
        return None
    groups = range(min(2, _groups(model)))
    held = {layout: True for layout in LAYOUTS}
    jacobian, link = False, None
    for point in points:
        for group in groups:
            for layout in LAYOUTS:
                reader = _Vectors(model, names, point, group, layout)
                try:
                    sides = [reader.side(side) for side in chain.sides]
                except (Unread, ValueError, ZeroDivisionError, FloatingPointError):
                    return None
                jacobian = jacobian or reader.jacobian
                if any(side.shape != sides[0].shape for side in sides):
                    return None
                agree = [np.allclose(side, sides[0], rtol=RELATIVE, atol=1e-9) for side in sides[1:]]
                held[layout] = held[layout] and all(agree)
                link = link if link is not None or all(agree) else agree.index(False) + 1
    if held["numerator"] or jacobian and held["denominator"]:
        layout = "numerator" if held["numerator"] else "denominator"
        return Verdict("ok", None, f"read in whole vectors ({layout} layout)" if jacobian else
                       "read in whole vectors")
    return Verdict("wrong", None, "read in whole vectors of one group, the two sides differ" +
                   (" in either layout of the Jacobian" if jacobian else ""), link=link or 1)


def vectors(model: LayerModel, names: Names, point: Point):
    """The first group's reader at a point, in numerator layout."""
    return _Vectors(model, names, point, 0, "numerator")


def _groups(model: LayerModel) -> int:
    return model.tensors["mean" if "mean" in model.tensors else "variance"].shape[0]


def _bare_role(node: s.Node, names: Names) -> str | None:
    while isinstance(node, s.Paren) and node.kind == "{":
        node = node.inner
    return names.role(node.text, node.font) if isinstance(node, s.Sym) else None


class _Vectors:
    """One group's vectors at one point: every value a 2-D array (n×1, 1×n, n×n or 1×1)."""

    def __init__(self, model: LayerModel, names: Names, point: Point, group: int, layout: str):
        self.model, self.names, self.point, self.group, self.layout = model, names, point, group, layout
        self.size = model.tensors["input"].shape[model.group_axis]
        self.jacobian = False
        self.expanding: set[str] = set()

    def side(self, node: s.Node) -> np.ndarray:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise Unread(f"{type(node).__name__} is not read in whole vectors")
        return method(node)

    # -- entries ----------------------------------------------------------------------------------
    def _members(self, role: str):
        tensor = self.model.tensors[role]
        index = [0, 0]
        for k in range(self.size):
            index[self.model.group_axis], index[1 - self.model.group_axis] = k, self.group
            yield tensor.entry(tuple(index))

    def _column(self, role: str, gradient: bool) -> np.ndarray:
        if role in PER_ENTRY:
            entries = list(self._members(role))
        elif role in STATISTICS:
            entries = [self.model.tensors[role].entry((self.group,))]
        elif role in ("scale", "shift"):
            tensor = self.model.tensors[role]
            if self.model.group_axis == 0:            # batch norm: the group's feature has one of each
                entries = [tensor.entry((self.group,))]
            elif gradient and _groups(self.model) > 1:
                raise Unread("γ's and β's gradients sum over every sample, not one group's vectors")
            else:
                entries = tensor.entries()
        else:
            raise Unread(f"the {role} is not read in whole vectors")
        adjoints = self.point.adjoints() if gradient else None
        values = [adjoints.get(e, 0.0) if gradient else self.point.value(e) for e in entries]
        return np.array(values, dtype=float).reshape(-1, 1)

    def _name(self, text: str, font: str) -> np.ndarray:
        key = Names.key(text, font)
        if key in self.names.macros and not self.names.macros[key][0]:
            if key in self.expanding:
                raise Unread(f"{key} is defined in terms of itself")
            self.expanding.add(key)
            try:
                return self.side(self.names.macros[key][1])
            finally:
                self.expanding.discard(key)
        if text == "I" and self.names.role("I") is None:
            return np.eye(self.size)
        if text == "1" and font in ONES:
            return np.ones((self.size, 1))
        role = self.names.role(text, font)
        if role == "epsilon":
            return np.array([[self.point.value(EPSILON)]])
        if role is not None:
            return self._column(role, gradient=False)
        if not font and text in self.names.counts:
            return np.array([[float(self.size)]])
        if not font and len(text) > 1 and text.startswith("d") and self.names.role(text[1:]) not in (None, "epsilon"):
            return self._column(self.names.role(text[1:]), gradient=True)       # dy, dx
        raise Unread(f"{text} names nothing derive knows in this layer")

    # -- the tree ---------------------------------------------------------------------------------
    def _Num(self, node: s.Num):
        return np.array([[float(node.text)]])

    def _Paren(self, node: s.Paren):
        return self.side(node.inner)

    def _Neg(self, node: s.Neg):
        return -self.side(node.arg)

    def _Sqrt(self, node: s.Sqrt):
        return np.sqrt(_scalar(self.side(node.arg)))

    def _Sym(self, node: s.Sym):
        if self._run(node):
            found = None
            for letter in node.text:
                value = self._name(letter, "")
                found = value if found is None else _product(found, value)
            return found
        return self._name(node.text, node.font)

    def _run(self, node: s.Node) -> bool:
        """ZZ, XW: capitals run together that name nothing as a whole, each a name of its own."""
        return isinstance(node, s.Sym) and not node.font and len(node.text) > 1 and node.text.isalpha() and \
            node.text.isupper() and self.names.role(node.text) is None and node.text not in self.names.macros

    def _Func(self, node: s.Func):
        if node.name == "sigma":              # σ written without an argument: the name
            return self._name("\\sigma", "")
        raise Unread(f"{node.name} without its argument is not read")

    def _Scripted(self, node: s.Scripted):
        if node.sub is not None and not (isinstance(node.base, s.Sym) and node.base.text == "1"):
            raise Unread("an indexed name is the entry-level reader's")
        if self._run(node.base):              # ZZ^T: Z times Z^T
            head = self._name(node.base.text[:-1], "")
            return _product(head, self._Scripted(s.Scripted(s.Sym(node.base.text[-1], ""), None, node.sup, 0)))
        base = self.side(node.base) if not isinstance(node.base, s.Sym) else \
            self._name(node.base.text, node.base.font)
        if node.sup is None:
            return base
        if node.sup.text in TRANSPOSES:
            return base.T
        if isinstance(node.sup.node, s.Num):
            return base ** float(node.sup.node.text)
        if isinstance(node.sup.node, s.Neg) and isinstance(node.sup.node.arg, s.Num):
            return _scalar(base) ** -float(node.sup.node.arg.text)
        raise Unread(f"the exponent {node.sup.text} is not read in whole vectors")

    def _BinOp(self, node: s.BinOp):
        left, right = self.side(node.left), self.side(node.right)
        if node.op in ("+", "-"):
            if left.shape != right.shape and left.size != 1 and right.size != 1:
                raise ValueError("a sum of different shapes")
            return left + right if node.op == "+" else left - right
        if node.op in ("\\odot", "odot"):
            return left * right
        if node.op in ("/", "\\div", "div"):
            return left / _scalar(right)
        return _product(left, right)

    def _Juxt(self, node: s.Juxt):
        found = None
        for item in node.items:
            value = self.side(item)
            found = value if found is None else _product(found, value)
        return found

    def _Frac(self, node: s.Frac):
        parts = derivative_parts(node)
        if parts is None:
            return self.side(node.num) / _scalar(self.side(node.den))
        top, bottom = parts
        if top is None:
            raise Unread("a derivative operator applied to what follows it is not read in whole vectors")
        wrt = _bare_role(bottom, self.names)
        if wrt is None:
            raise Unread("a derivative by what is not one of the layer's vectors")
        if is_loss(top, self.names):
            return self._column(wrt, gradient=True)
        of = _bare_role(top, self.names)
        if of not in PER_ENTRY or wrt not in PER_ENTRY:
            raise Unread("a derivative of what is not one of the layer's vectors")
        self.jacobian = True
        rows, columns = list(self._members(of)), list(self._members(wrt))
        found = np.array([[self.point.total(a, b) for b in columns] for a in rows])
        return found if self.layout == "numerator" else found.T


def _scalar(value: np.ndarray) -> float:
    if value.size != 1:
        raise ValueError("a vector where a number is")
    return float(value.reshape(()))


def _product(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    if left.size == 1 or right.size == 1:
        return left * right
    if left.shape[1] == right.shape[0]:
        return left @ right
    if left.shape == right.shape:         # γ x̂: two columns, entry by entry
        return left * right
    if left.shape[1] == 1 and left.shape[0] == right.shape[0]:      # γ (I - …): each row by its γ
        return left * right
    raise ValueError("a product of shapes that do not fit")
