"""A typed post's formula at one point of the layer: the syntax tree (verify/syntax.py) read with
the layer's names, its indices bound, to a SymPy expression over the layer's entries (derivatives
come out as numbers at the point). Nothing here evaluates the post's text: only the tree is walked."""

from __future__ import annotations

import re

import sympy as sp

from .. import syntax as s
from ..syntax import TRANSPOSES
from .lookup import OutOfRange, SumTooLong, Unread, View
from .model import EPSILON, LOSS
from .dot_products import dot_product
from .numpy_calls import numpy_formula
from .sizes import SIZES
from .names import KRONECKER, LABELS, LOSSES, Names, index_pieces, is_label, is_loss_name, is_side, named_call
from .deltas import Deltas
from .statistics import statistic, statistic_of
from .labelled import check_label
from .sums import several_letters, sum_letter

APPLIED = {"max": sp.Max, "min": sp.Min, "exp": sp.exp, "ln": sp.log, "log": sp.log, "tanh": sp.tanh}

__all__ = ["Evaluator", "OutOfRange", "SumTooLong", "Unread", "View", "is_label", "several_letters", "sum_letter"]


class Evaluator(Deltas):
    """The walk over a formula's syntax tree, to a SymPy expression over the layer's entries."""

    # -- the walk ---------------------------------------------------------------------------------
    def side(self, node: s.Node, view: View) -> sp.Expr:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise Unread(f"{s.form_words(node)} is not read in a typed layer's formula")
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
        formula = numpy_formula(node, self._axis_size) if self.model.normalizing else None
        if formula is not None:                 # np.sum(dout, axis=0): the sum it computes
            return self.side(formula, view)
        if dot_product(node, self.names) and set(view.indices) - set(view.sums):     # beside ∂L/∂y_j: Σ_k y_k ∂L/∂y_k
            return self._summed_by_ones([node.left, node.right], view, axis=self.model.group_axis)
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

    def _axis_size(self, axis: int) -> int | None:
        shape = self.model.tensors["input"].shape
        return shape[axis] if 0 <= axis < len(shape) else None

    def _Juxt(self, node: s.Juxt, view: View):
        items = list(node.items)
        if any(isinstance(item, s.Partial) for item in items) or named_call(items):
            raise Unread(f"{named_call(items)}(…), the post's own function, is not read" if named_call(items) else
                         "a derivative operator applied to what follows it is not read")
        if self.model.normalizing and _jacobian_product(items, self.names):
            raise Unread("a Jacobian written without indices (∂z/∂x beside ∂L/∂z): the sum over z's entries it "
                         "leaves unwritten, in either layout, is not read")
        product = sp.Integer(1)
        k = 0
        while k < len(items):
            item = items[k]
            if isinstance(item, s.Func) and item.name in APPLIED and k + 1 < len(items):
                argument = items[k + 1]
                arguments = argument.items if isinstance(argument, s.Args) else (argument,)
                product *= APPLIED[item.name](*(self.side(a, view) for a in arguments))
                k += 2
                continue
            which = statistic_of(item, items[k + 1] if k + 1 < len(items) else None)
            if which is not None and self.model.normalizing:       # E[x], Var[x]: the paper's statistics
                product *= statistic(self, which, items[k + 1].inner, view)
                k += 2
                continue
            if isinstance(item, s.Sym) and item.text == "d" and k + 1 < len(items):
                product *= self.adjoint(items[k + 1], view)      # dW_{11}: ∂L/∂W_{11}
                k += 2
                continue
            if _ones(item) and self.model.normalizing and (k + 1 < len(items) or k > 0):
                # 1 X (1 the N×N matrix of ones), X 1: the sum over the axis the 1 stands on
                if k + 1 < len(items):
                    return product * self._summed_by_ones(items[k + 1:], view, axis=0)
                return self._summed_by_ones(items[:k], view, axis=1)
            operator = derivative_parts(item) if isinstance(item, s.Frac) else None
            if operator is not None and operator[0] is None and k + 1 < len(items):
                # ∂/∂x_{luv} (…): the operator applied to the rest of the product
                rest = items[k + 1] if k + 2 == len(items) else s.Juxt(tuple(items[k + 1:]))
                return product * self.derivative(rest, operator[1], view)
            product *= self.side(item, view)
            k += 1
        return product

    def _summed_by_ones(self, items: list, view: View, axis: int) -> sp.Expr:
        """The product of `items` summed over the group's entries, where the ones stand on the axis the
        statistics run over (batchnorm's 1 X, layer norm's X 1); else not read."""
        if axis != self.model.group_axis:
            raise Unread("a matrix of ones across the axis the statistics do not run over is not read")
        rest = items[0] if len(items) == 1 else s.Juxt(tuple(items))
        used = set(self.used)
        total = sum((self.side(rest, View(view.indices, k, view.group, view.base, view.sums, view.across, view.lows))
                     for k in range(self.group_size)), sp.Integer(0))
        self.used = used | (self.used - {"•"})          # the entries it sums over are no free index
        return total

    def _Frac(self, node: s.Frac, view: View):
        derivative = derivative_parts(node) or _d_fraction(node)
        if derivative is None:
            return self.side(node.num, view) / self.side(node.den, view)
        top, bottom = derivative
        return self.derivative(top, bottom, view)

    def _Func(self, node: s.Func, view: View):
        if node.name == "sigma":
            return self.name("\\sigma", "", None, view)
        raise Unread(f"{node.name} without its argument is not read")

    def _Sym(self, node: s.Sym, view: View):
        if node.text == KRONECKER and not node.font and self.model.normalizing and \
                KRONECKER not in self.names.bound and self.names.stabilizer_delta:
            return EPSILON            # √(σ² + δ): a bare δ is the stabilizer (Kronecker's has indices)
        if node.text == "1" and node.font in ("vec", "mathbf", "boldsymbol", "bm", "mathbb"):
            return sp.Integer(1)      # Σ_i ∂f/∂y_i · 1⃗: an entry of the ones vector, read entry by entry
        found = self.name(node.text, node.font, None, view)
        if found == LOSS:
            raise Unread("the loss's value is not read: the post's claims are read on one layer, whose "
                         "upstream gradient stands for the rest of the network")
        return found

    def _Scripted(self, node: s.Scripted, view: View):
        base = node.base
        if isinstance(base, s.Paren) and base.kind == "{" and isinstance(base.inner, s.Sym):
            base = base.inner                     # {x}_{11}, {\mu}_c: a braced name, indexed
            node = s.Scripted(base, node.sub, node.sup, node.primes)
        if node.primes:
            raise Unread("a derivative written with primes is not read in a typed layer's formula")
        if isinstance(base, s.Paren) and node.sub is not None and node.sup is None:
            return self.indexed_group(base.inner, node.sub.text, view)          # (∂L/∂V)_{0,0}
        text, font = _name_of(base)
        if isinstance(base, s.Num) and base.text == "1":
            text, font = "1", ""
        if text is None:
            if node.sub is None and node.sup is not None:
                return self.side(base, view) ** self._exponent(node.sup, view)
            raise Unread("a subscript on an expression is not read")
        if text == KRONECKER and node.sub is not None and Names.key(text, font) not in self.names.bound and \
                not self.names.macros.get(Names.key(text, font), ((),))[0]:    # δ_{i,j} = ∂H/∂x_{i,j}: the post's δ
            return self.kronecker(node, view)
        if text == "e" and not font and node.sup is not None and node.sub is None and self.names.role("e") is None \
                and "e" not in self.names.macros:
            return sp.exp(self._exponent(node.sup, view))          # e^{-y}: Euler's number, where e names nothing
        if text == "1" and node.sub is not None and isinstance(node.sub.node, s.Chain):
            return self.indicator(node.sub.node, view)          # 1_{i=j}, \mathbb{1}_{i=k}: 1 where it holds
        sup = node.sup.text if node.sup is not None else None
        sub = node.sub.text if node.sub is not None else None
        if sub in LABELS or (sub is not None and sub.startswith("\\text")):
            sub = None
        if text == "\\sigma" and sup == "2":
            return self.name("var", "", sub, view)
        if sup is not None and sup.strip("{}()").lower() in PADDED and not self.model.normalizing and \
                self.names.role(text, font) == "input":
            return self.on_padded(text, font, sub, view)          # x^{pad}: the input with its padding
        if sup is not None and is_label(sup):
            check_label(self.names, text, sup, self.model.layer, self.model.kind)
            if SIZES.get(text) in ("height", "width") and self.names.role(text, font) is None:
                raise Unread(f"{text}^{{{sup}}}: a map's size by its layer's label, the input's or the output's")
            sup = None
        word = _WORD_ABOVE.fullmatch(sup) if sup is not None and not is_side(sup) else None
        if word is not None:                                   # x^{\text{norm}}: a word labels, it is no power
            if self.names.role(f"{text}_{word.group(1) or word.group(2)}") is not None:
                return self.name(f"{text}_{word.group(1) or word.group(2)}", font, sub, view)
            raise Unread(f"{text}^{{{sup}}}: a word written above a name labels it, and this one is not read")
        if sup is not None and self._split(text, font):        # Nv^{3/2}: N times v^{3/2}, as TeX sets it
            head = self.name(text[:-1], font, None, view)
            return head * self.name(text[-1], font, sub, view) ** self._exponent(node.sup, view)
        value = self.name(text, font, sub, view)
        return value if sup is None else value ** self._exponent(node.sup, view)

    def _split(self, text: str, font: str) -> bool:
        """A run of letters that names nothing as a whole: TeX's product of its letters."""
        return not font and len(text) > 1 and text.isalpha() and self.names.role(text) is None and \
            text not in self.names.macros and text not in LOSSES and text not in self.names.counts and \
            not (text.startswith("d") and self.names.role(text[1:]) is not None)


    def _exponent(self, script: s.Script, view: View):
        if script.node is None or script.text in TRANSPOSES:       # xᵀ: no power, a transpose (vector_form.py)
            raise Unread(f"the exponent {script.text} is not read")
        return self.side(script.node, view)

    # -- derivatives ------------------------------------------------------------------------------
    def adjoint(self, node: s.Node, view: View) -> sp.Expr:
        self.target = True
        try:
            return self.point_adjoint(self._single(self.side(node, view)))
        finally:
            self.target = False

    def derivative(self, top: s.Node | None, bottom: s.Node, view: View) -> sp.Expr:
        if top is None:
            raise Unread("a derivative operator applied to what follows it is not read")
        self.target = True
        try:
            wrt = self.side(bottom, view)
        finally:
            self.target = False
        if wrt == 0:              # ∂/∂x_{i-m,j-n} past the image's edge: a padded entry, no term
            return sp.Integer(0)
        if not (wrt.is_Symbol or wrt.is_Number) and wrt.free_symbols <= set(self.point.values):
            value = LOSS if is_loss(top, self.names) else self.side(top, view)
            found = self.point.by_expression(value, wrt)      # ∂C/∂(γx̂_i): a staged graph's node
            if found is None:
                raise Unread("a derivative by an expression that is no node of the layer is not read")
            return sp.Float(found, 30)
        wrt = self._single(wrt)
        value = LOSS if is_loss(top, self.names) else self.side(top, view)
        if value != LOSS and value.has(LOSS):
            raise Unread("a derivative of the loss's expression is not read")
        # by γ read as one number (a post's scalar a): every entry it stands for moves with it
        tied = self._tied(wrt) if self.tied and isinstance(bottom, s.Sym) else [wrt]
        if value == LOSS:
            return sum((self.point_adjoint(entry) for entry in tied), sp.Integer(0))
        cut = self.point.held(self.held) if self.held else frozenset()
        return sp.Float(sum(self.point.derivative(value, entry, local=self.local, cut=cut) for entry in tied), 30)

    def _tied(self, entry: sp.Symbol) -> list[sp.Symbol]:
        for role in ("scale", "shift"):
            tensor = self.model.tensors.get(role)
            if tensor is not None and entry in tensor.entries():
                return tensor.entries()
        return [entry]

    def _single(self, expr: sp.Expr) -> sp.Symbol:
        if not (expr.is_Symbol and (expr in self.point.values or expr == EPSILON)):
            raise Unread("a derivative by an expression, not by one entry, is not read")
        return expr

    def indexed_group(self, inner: s.Node, sub: str, view: View) -> sp.Expr:
        """(∂L/∂V)_{i,j}, (∂L/∂y γ)_{k,0}: the expression at that entry (its unindexed names there)."""
        pieces = index_pieces(sub)
        if pieces is None:
            raise Unread(f"the index {sub} is not read")
        pinned = self.pinned(pieces, view)
        used, self.used = self.used, set()
        try:
            return self.side(inner, pinned)
        finally:
            self.used = used | {k for k in self.used if k not in "•◦"}

    def _Matrix(self, node: s.Matrix, view: View):
        """A matrix of entries (or a list of them) read at the entry in view: the layer's output
        positions (a conv, a pool), the normalized tensor (samples, features), or the group's entries."""
        rows = [list(row) for row in node.rows]
        if node.listed or len(rows) == 1 or all(len(r) == 1 for r in rows):
            flat = [item for row in rows for item in row]
            if self.model.normalizing and len(flat) == self.group_size:
                return self.side(flat[self._implicit(view)], view)
            if self.model.normalizing and len(flat) == self.groups and self.model.kind == "batch_norm":
                return self.side(flat[view.group], view)
            raise Unread(f"a list of {len(flat)} entries matches none of the layer's tensors")
        shape = (len(rows), len(rows[0]))
        if any(len(r) != shape[1] for r in rows):
            raise Unread("a matrix with rows of different lengths is not read")
        if self.model.normalizing:
            full = self.model.tensors["input"].shape
            if shape != full:
                raise Unread(f"a {shape[0]}×{shape[1]} matrix matches none of the layer's tensors ({full[0]}×{full[1]})")
            k = self._implicit(view)
            n, d = (k, view.group) if self.model.group_axis == 0 else (view.group, k)
            return self.side(rows[n][d], view)
        out = self.model.tensors["output"].shape
        if shape != out[2:]:
            raise Unread(f"a {shape[0]}×{shape[1]} matrix matches none of the layer's tensors")
        k = self._implicit(view)
        return self.side(rows[k // shape[1]][k % shape[1]], view)


PADDED = ("pad", "padded", "padding", "p")
PER_ENTRY = ("input", "output", "normalized")


def _jacobian_product(items, names: Names) -> bool:
    """∂z/∂x times ∂L/∂z, z and x whole vectors (no indices): a product of matrices, not of entries."""
    def bare(node):
        while isinstance(node, s.Paren) and node.kind == "{":
            node = node.inner
        return _name_of(node) if isinstance(node, s.Sym) else (None, "")

    parts = [derivative_parts(item) for item in items if isinstance(item, s.Frac)]
    parts = [p for p in parts if p is not None and p[0] is not None]
    through = {bare(bottom) for top, bottom in parts if is_loss(top, names)}
    return any(bare(top) in through and names.role(*bare(top)) in PER_ENTRY and
               names.role(*bare(bottom)) in PER_ENTRY for top, bottom in parts if not is_loss(top, names))


def derivative_parts(node: s.Frac) -> tuple[s.Node | None, s.Node] | None:
    """(numerator's operand, denominator's operand) of ∂a/∂b or da/db; None: not a derivative."""
    def operand(part):
        while isinstance(part, s.Paren) and part.kind == "{":      # {\partial L} over {\partial {z_{c,i}}}
            part = part.inner
        if isinstance(part, s.Partial):
            return None, True
        if isinstance(part, s.Juxt) and part.items and isinstance(part.items[0], s.Partial):
            rest = part.items[1:]
            if len(rest) == 1:
                rest = (_unbraced(rest[0]),)        # \partial{E}: the braces group, nothing more
            return (rest[0] if len(rest) == 1 else s.Juxt(rest)) if rest else None, True
        return None, False
    top, marked = operand(node.num)
    bottom, below = operand(node.den)
    if marked and top is not None and not below and _one_name(node.den):
        return top, _unbraced(node.den)        # ∂l_t/W_{hy}: the ∂ below dropped (∂l_t alone divides nothing)
    if not (marked and below) or bottom is None:
        return None
    return top, bottom


def _one_name(node: s.Node) -> bool:
    node = _unbraced(node)
    base = node.base if isinstance(node, s.Scripted) and not node.primes else node
    return isinstance(base, s.Sym) and base.text[:1].isalpha() and not base.text[:1].isdigit()


_WORD_ABOVE = re.compile(r"\s*\\(?:text|mathrm|operatorname)\s*\{\s*([A-Za-z]{2,})\s*\}\s*|\s*([a-z]{3,})\s*")


def _unbraced(node: s.Node) -> s.Node:
    while isinstance(node, s.Paren) and node.kind == "{":
        node = node.inner
    return node


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




def is_loss(node: s.Node, names: Names | None = None) -> bool:
    """The loss's name: L, E, C, J, ℓ ..., or (given the names) any plain name a post differentiates that
    names nothing of the layer's (Zakka's f)."""
    text, font = _name_of(node)
    if text is not None and (is_loss_name(text, font) or names is not None and not font and text in names.bare_losses):
        return True
    return names is not None and text is not None and not font and len(text) == 1 and text.isalpha() and \
        names.role(text) is None and text not in names.macros and text not in names.counts and \
        text not in "ijklmnpqrst" and text not in names.defined


def _ones(node: s.Node) -> bool:
    """\\mathbf{1} alone: a vector or matrix of ones, of whatever size fits what it multiplies."""
    return isinstance(node, s.Sym) and node.text == "1" and node.font in ("mathbf", "mathbb", "boldsymbol", "bm")
