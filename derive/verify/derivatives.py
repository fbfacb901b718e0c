"""Derivatives in a claim: \\partial a / \\partial b through the network (the chain rule over the
model's definitions), of a written expression by one of its names, and of J by a layer's matrix."""

from __future__ import annotations

import sympy as sp

from ..core.samples import origin
from ..present.unit_notations import ETA
from . import syntax as s
from .modifiers import without_sample
from .values import BrokenChain, PerSample, Scope, Unreadable
from .vocabulary import COST_NAME, is_layer_name, key


MAX_JACOBIAN = 4096            # entries of one Jacobian in a written chain rule


class Derivatives:
    """The derivative part of Meaning (a mixin: it uses the model, the vocabulary and _visit)."""

    def _derivative(self, top: s.Node, bottom: s.Node, scope: Scope) -> sp.Basic:
        of, by = without_sample(_after_partial(top), scope.sample), _after_partial(bottom)
        if isinstance(of, s.Func) and self._argument_of_a_function(by):     # \partial \sigma / \partial z: sigma(z)
            of = s.Juxt((of, s.Paren(by, "(")))
        model = self.model
        if self._matrix_valued(of, scope) or self._matrix_valued(by, scope):
            return self._matrix_derivative(of, by, scope)
        if not key(of):                    # \partial (w_1 i_1 + b_1) / \partial w_1: this expression, by itself
            variable = self._visit(by, scope)
            if not isinstance(variable, sp.Symbol):
                raise Unreadable("a derivative by something other than one name")
            return sp.diff(self._visit(of, scope), variable)
        if self.vocabulary.lookup(key(of)) == COST_NAME:    # dJ/dw: the penalised cost's, of the batch
            b = self._generic(by)
            if not model.is_parameter(b):
                raise Unreadable("a derivative of J by something other than a parameter")
            return model.cost_partial(b)
        a, b = self._generic(of), self._generic(by)
        if scope.sample is None and model.samples > 1:
            if a != model.graph.total or not model.is_parameter(b):
                raise PerSample("a per-sample derivative in a batch: tag the line with (sample k)")
            return model.batch_partial(a, b)
        return model.sample(model.partial(a, b), scope.sample or 0)

    def _argument_of_a_function(self, node: s.Node) -> bool:
        r"""Whether a bare function over this name (\partial \sigma / \partial z) is the function of
        it: a unit's net input, or a letter the network does not name. By a weight or an output,
        \partial \sigma is the derivative of some unit's output, which the formula does not say."""
        name = key(node)
        if not name:
            return False
        found = self.vocabulary.lookup(name)
        return found is None or found in {unit.net for layer in self.model.graph.layers for unit in layer.units}

    def _matrix_valued(self, node: s.Node, scope: Scope) -> bool:
        """Does the name stand for a layer's matrix (or J)? In the layer notation anything unknown does,
        but for a letter of an identity (\frac{d}{du}\tanh(u))."""
        name = key(node)
        if name in scope.generic or not name and scope.generic:    # u, or \tanh(u), in an identity of u
            return False
        found = self.vocabulary.lookup(name) if name else None
        if found is None or found == ETA:
            return self.layer
        if self.layer and found == self.model.graph.total:
            return True
        return is_layer_name(found)

    def _generic(self, node: s.Node) -> sp.Symbol:
        name = key(node)
        found = self.vocabulary.lookup(name) if name else None
        if not isinstance(found, sp.Symbol) or found == ETA:
            raise Unreadable(f"cannot differentiate with {name or 'an expression'}: expected a name of the network")
        return found

    def _matrix_derivative(self, of: s.Node, by: s.Node, scope: Scope) -> sp.Basic:
        top = self.vocabulary.lookup(key(of)) if key(of) else None
        if top not in (COST_NAME, self.model.graph.total):
            return self._elementwise(of, by, scope)
        scale = self.model.scale if top == COST_NAME else sp.S.One
        matrix = self._visit(by, scope)
        if isinstance(matrix, sp.Symbol) and self.model.is_parameter(matrix):     # a shared bias
            matrix = sp.ImmutableMatrix([[matrix]])
        if not isinstance(matrix, sp.MatrixBase):
            raise Unreadable("a derivative by something other than a matrix of the network")
        scope.either_way = scope.either_way or 1 in matrix.shape     # the loss by a vector: a row or a column
        model = self.model
        total = model.graph.total

        def entry(x: sp.Symbol) -> sp.Basic:
            if model.is_parameter(x):
                penalty = model.penalty_slope(x) if top == COST_NAME else 0
                return scale * sp.Add(*[model.sample(model.partial(total, x), k) for k in range(model.samples)]) + penalty
            unit, sample = origin(x)
            return scale * model.sample(model.partial(total, unit), sample)
        return matrix.applyfunc(lambda x: entry(x) if isinstance(x, sp.Symbol) else _no_entry())


    def _elementwise(self, of: s.Node, by: s.Node, scope: Scope) -> sp.Basic:
        """\\partial A^{[2]} / \\partial Z^{[2]}, as posts write it: the entrywise derivative (each unit's
        output by its own net input), a matrix of the same shape, as g'(Z) is. Where one side is a
        single number (\\partial z^{[2]} / \\partial a^{[1]} with one output unit), no layout is in
        question: the derivatives of that number by each entry, or of each entry by it."""
        top, bottom = self._visit(of, scope), self._visit(by, scope)
        matrices = isinstance(top, sp.MatrixBase) and isinstance(bottom, sp.MatrixBase)
        if matrices and (top.shape == (1, 1)) != (bottom.shape == (1, 1)):
            scope.either_way = 1 in top.shape and 1 in bottom.shape      # numerator or denominator layout
            shape = bottom.shape if top.shape == (1, 1) else top.shape
            top, bottom = (sp.ImmutableMatrix.ones(*shape) * x[0, 0] if x.shape == (1, 1) else x
                           for x in (top, bottom))
        if not matrices or top.shape != bottom.shape:
            raise Unreadable("a Jacobian between matrices of different shapes: its layout is the post's "
                             "convention (write the product it stands for)")
        model = self.model

        def entry(x, y) -> sp.Basic:
            if not origin(y):
                raise Unreadable("an entrywise derivative by entries that are not units of the network")
            if not origin(x):
                return sp.diff(x, y)                       # \\partial \\sigma(Z) / \\partial Z: of the written expression
            (gx, sx), (gy, sy) = origin(x), origin(y)
            if sx != sy:
                raise Unreadable("an entrywise derivative across samples")
            return model.sample(model.partial(gx, gy), sx)
        return sp.ImmutableMatrix(top.shape[0], top.shape[1], [entry(x, y) for x, y in zip(top, bottom)])


    def _chain(self, factors: list[tuple[s.Node, s.Node]], scope: Scope) -> sp.Basic:
        """\\frac{\\partial J}{\\partial A^{[2]}} \\frac{\\partial A^{[2]}}{\\partial Z^{[2]}} \\frac{\\partial Z^{[2]}}{\\partial W^{[2]}}:
        the chain rule between matrices, read as the product of the Jacobians of their entries (in
        the written order, or the reverse). From the loss (or to one number), the product is the
        gradient, laid out as the last matrix is (or the first)."""
        tops = [self._visit(_after_partial(top), scope) for top, _ in factors]
        bottoms = [self._visit(_after_partial(bottom), scope) for _, bottom in factors]
        order = list(range(len(factors)))
        if not _links(tops, bottoms, order):
            order.reverse()
            if not _links(tops, bottoms, order):
                raise BrokenChain("the chain rule does not link up: each factor's variable (below) must be the "
                                  "next factor's function (above)")
        first, last = order[0], order[-1]
        loss = self.vocabulary.lookup(key(_after_partial(factors[first][0])) or "") in (COST_NAME, self.model.graph.total)
        end = _as_matrix(bottoms[last])
        if not loss and _as_matrix(tops[first]).shape != (1, 1) and end.shape != (1, 1):
            raise Unreadable("a chain of Jacobians between matrices: its layout is the post's convention "
                             "(write the product it stands for)")
        jacobians = [self._jacobian(factors[k], tops[k], bottoms[k], scope, loss and k == first) for k in order]
        if sum(j.shape[0] * j.shape[1] for j in jacobians) > MAX_JACOBIAN:
            raise Unreadable("a chain of Jacobians too large to check")
        product = jacobians[0]
        for jacobian in jacobians[1:]:
            product = product * jacobian
        shape = end.shape if product.shape[0] == 1 else _as_matrix(tops[first]).shape
        return product.reshape(*shape) if shape != (1, 1) else product[0, 0]

    def _jacobian(self, factor, top, bottom, scope: Scope, loss: bool) -> sp.MatrixBase:
        """Every entry of `top` by every entry of `bottom`, both read row by row."""
        if loss:
            gradient = self._matrix_derivative(_after_partial(factor[0]), _after_partial(factor[1]), scope)
            return sp.ImmutableMatrix(1, len(_as_matrix(gradient)), list(_as_matrix(gradient)))
        top, bottom = _as_matrix(top), _as_matrix(bottom)
        if len(top) * len(bottom) > MAX_JACOBIAN:
            raise Unreadable("a chain of Jacobians too large to check")
        return sp.ImmutableMatrix(len(top), len(bottom), [self._slope(x, y) for x in top for y in bottom])

    def _slope(self, x: sp.Basic, y: sp.Basic) -> sp.Basic:
        """dx/dy through the network, for one entry of each (a unit of one sample, or a parameter)."""
        model = self.model
        if not isinstance(y, sp.Symbol):
            _no_entry()
        if not origin(x):
            return sp.diff(x, y)                   # a parameter, or a written expression
        gx, sx = origin(x)
        if model.is_parameter(y):
            return model.sample(model.partial(gx, y), sx)
        if not origin(y):
            _no_entry()
        gy, sy = origin(y)
        if sx != sy:
            return sp.S.Zero                      # one sample's unit does not depend on another's
        return model.sample(model.partial(gx, gy), sx)


def chain_factors(node: s.Node) -> list[tuple[s.Node, s.Node]] | None:
    """The (above, below) of each factor of a product of two or more derivatives, or None."""
    if isinstance(node, s.Juxt):
        items = node.items
    elif isinstance(node, s.BinOp) and node.op == "*":
        items = (node.left, node.right)
    else:
        return None
    found: list[tuple[s.Node, s.Node]] = []
    for item in items:
        if isinstance(item, s.Frac) and starts_with_partial(item.num) and starts_with_partial(item.den):
            found.append((item.num, item.den))
        elif isinstance(item, (s.Juxt, s.BinOp)) and (inner := chain_factors(item)) is not None:
            found.extend(inner)
        else:
            return None
    return found if len(found) >= 2 else None


def _links(tops: list, bottoms: list, order: list[int]) -> bool:
    return all(_as_matrix(bottoms[a]) == _as_matrix(tops[b]) for a, b in zip(order, order[1:]))


def _as_matrix(value: sp.Basic) -> sp.MatrixBase:
    return value if isinstance(value, sp.MatrixBase) else sp.ImmutableMatrix([[value]])


def _no_entry():
    raise Unreadable("a derivative by a matrix whose entries are not names")


def starts_with_partial(node: s.Node) -> bool:
    return isinstance(node, s.Partial) or (isinstance(node, s.Juxt) and isinstance(node.items[0], s.Partial))


def _after_partial(node: s.Node) -> s.Node:
    """\\partial E_{total} -> E_{total}; \\partial \\sigma(x) -> \\sigma(x), an expression."""
    if isinstance(node, s.Juxt) and len(node.items) == 2:
        after = node.items[1]
        return after.inner if isinstance(after, s.Paren) and after.kind == "(" else after
    if isinstance(node, s.Juxt) and len(node.items) > 2:
        return s.Juxt(node.items[1:])
    raise Unreadable("a derivative of nothing")
