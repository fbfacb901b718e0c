"""Syntax tree -> SymPy, bound to a vocabulary: what each side of a claim stands for.

Scalars come out over per-sample symbols (out_h1__s0) and parameters; layer-notation names
come out as explicit matrices at the spec's sizes. A decimal number becomes a literal symbol
whose printed precision is remembered, so a check can allow exactly that much rounding.
"""

from __future__ import annotations

from decimal import Decimal

import sympy as sp
from sympy.matrices.exceptions import ShapeError

from . import syntax as s
from .derivatives import Derivatives, chain_factors, starts_with_partial
from .functions import apply, function_of
from .limits import MAX_NUMBERS, MAX_PARTS
from .model import Model
from .names import Names
from .values import Literal, Scope, ShapeMismatch, Unreadable, broadcast, elementwise, exact
from .vocabulary import key

RELATIONS = {">": sp.Gt, "<": sp.Lt, "\\geq": sp.Ge, "\\ge": sp.Ge, "\\leq": sp.Le, "\\le": sp.Le}


def _without_words(node: s.Node) -> s.Node:
    """\\text{for}\\: z: the words before a condition are not part of it."""
    if isinstance(node, s.Juxt):
        kept = tuple(x for x in node.items if not (isinstance(x, s.Sym) and x.font == "text"))
        return kept[0] if len(kept) == 1 else s.Juxt(kept)
    return node


class Meaning(Names, Derivatives):
    def __init__(self, model: Model, vocabulary, entries):
        self.model, self.vocabulary, self._entries = model, vocabulary, entries
        self.layer = vocabulary.notation == "layer"
        self._depth = 0          # aliases that name formulas, followed at most this deep
        self._figures: dict[str, tuple[sp.Float, sp.Float]] = {}     # a figure's value and half-ulp, by its text

    @property
    def entries(self) -> dict:
        return self._entries()

    # -- entry point -----------------------------------------------------------
    def side(self, node: s.Node, scope: Scope) -> sp.Basic:
        return self._visit(node, scope)

    def _visit(self, node: s.Node, scope: Scope) -> sp.Basic:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise Unreadable(f"cannot give a meaning to {s.form_words(node)}")
        scope.parts += 1
        if scope.parts > MAX_PARTS:       # aliases to formulas that use aliases can multiply the work
            raise Unreadable(f"the claim is too long to check (more than {MAX_PARTS} parts, aliases expanded)")
        return method(node, scope)

    # -- atoms -----------------------------------------------------------------
    def _Num(self, node: s.Num, scope: Scope) -> sp.Basic:
        if "." not in node.text:
            exact(scope, len(node.text))
            return sp.Integer(node.text)
        if len(scope.literals) >= MAX_NUMBERS:      # each number's rounding costs a derivative of the claim
            raise Unreadable(f"more than {MAX_NUMBERS} decimal numbers in one claim")
        symbol = sp.Symbol(f"lit{len(scope.literals)}__{node.text}", real=True)
        found = self._figures.get(node.text)
        if found is None:           # a post repeats its figures: each parsed once
            value = Decimal(node.text)
            half = Decimal(5) * Decimal(10) ** (value.as_tuple().exponent - 1) if value not in self.model.given else 0
            found = self._figures[node.text] = (sp.Float(node.text, 30), sp.Float(str(half), 30))
        scope.literals[symbol] = Literal(symbol, node.text, *found)
        return symbol

    def _Sym(self, node: s.Sym, scope: Scope) -> sp.Basic:
        return self._name(node, key(node), scope)

    def _Paren(self, node: s.Paren, scope: Scope) -> sp.Basic:
        return self._visit(node.inner, scope)

    def _Group(self, node: s.Group, scope: Scope) -> sp.Basic:
        raise Unreadable("a braced group with several formulas inside an expression")

    def _Chain(self, node: s.Chain, scope: Scope) -> sp.Basic:
        raise Unreadable("a relation inside parentheses or a fraction")

    def _Matrix(self, node: s.Matrix, scope: Scope) -> sp.Basic:
        rows = [[self._scalar(self._visit(cell, scope)) for cell in row] for row in node.rows]
        if len({len(r) for r in rows}) != 1:
            raise Unreadable("the matrix's rows have different lengths")
        return sp.ImmutableMatrix(rows)

    def _Partial(self, node, scope):
        raise Unreadable("a lone \\partial outside a derivative")

    def _Func(self, node: s.Func, scope):
        raise Unreadable(f"\\{node.name} without an argument")

    def _Sqrt(self, node: s.Sqrt, scope: Scope) -> sp.Basic:
        value = self._visit(node.arg, scope)
        if isinstance(value, sp.MatrixBase) and value.shape != (1, 1):   # Adam's \sqrt{\hat{v}}: entry by entry
            scope.notes.add("read the square root of a matrix entry by entry")
            return value.applyfunc(sp.sqrt)
        return sp.sqrt(self._scalar(value))

    def _Norm(self, node: s.Norm, scope: Scope) -> sp.Basic:
        value = self._visit(node.arg, scope)
        if isinstance(value, sp.MatrixBase):
            if 1 not in value.shape:
                raise Unreadable("the norm of a matrix that is not a vector")
            return sp.sqrt(sp.Add(*[v ** 2 for v in value]))
        return sp.Abs(value)

    # -- operators -------------------------------------------------------------
    def _Neg(self, node: s.Neg, scope: Scope) -> sp.Basic:
        return -self._visit(node.arg, scope)

    def _BinOp(self, node: s.BinOp, scope: Scope) -> sp.Basic:
        if node.op == "/" and starts_with_partial(node.right):
            if starts_with_partial(node.left):
                return self._derivative(node.left, node.right, scope)
            if isinstance(node.left, s.Juxt) and any(isinstance(x, s.Partial) for x in node.left.items):
                # \eta \partial E / \partial w: the factor times the slash-written derivative
                cut = next(k for k, x in enumerate(node.left.items) if isinstance(x, s.Partial))
                factor = node.left.items[0] if cut == 1 else s.Juxt(node.left.items[:cut])
                derivative = s.BinOp("/", s.Juxt(node.left.items[cut:]), node.right)
                return self._visit(s.Juxt((factor, s.Paren(derivative, "("))), scope)
        if self.layer and (chain := chain_factors(node)) is not None:
            return self._chain(chain, scope)
        if node.op in ("+", "-") and (split := _leading_operator(node)) is not None:
            operator, rest = split              # \frac{d}{da} w a + b: the derivative of the whole sum
            return self._visit(s.Frac(s.Juxt((s.Partial(), s.Paren(rest, "("))), operator.den), scope)
        a, b = self._visit(node.left, scope), self._visit(node.right, scope)
        try:
            if node.op == "+":
                return broadcast(a, b, lambda x, y: x + y)
            if node.op == "-":
                return broadcast(a, b, lambda x, y: x - y)
            if node.op == "*":
                return self._times(a, b, scope)
            if node.op == "/":
                if isinstance(b, sp.MatrixBase):
                    raise Unreadable("a division by a matrix")
                return a / b
            if node.op == "odot":
                return elementwise(a, b, lambda x, y: x * y)
            if node.op == "oslash":
                return elementwise(a, b, lambda x, y: x / y)
        except ShapeError as exc:
            raise ShapeMismatch(str(exc)) from None
        raise Unreadable(f"operator {node.op}")

    def _times(self, a, b, scope: Scope) -> sp.Basic:
        """A product; between two matrices of one shape that no matrix product fits, entry by entry
        (Ng's course writes * for it), and the claim says so."""
        both = isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase)
        if both and a.shape == b.shape and a.shape[1] != b.shape[0]:
            scope.notes.add(f"read the product of two {a.shape[0]}×{a.shape[1]} matrices entry by entry (elementwise)")
            return elementwise(a, b, lambda x, y: x * y)
        return _product(a, b)

    def _Frac(self, node: s.Frac, scope: Scope) -> sp.Basic:
        if starts_with_partial(node.num) and starts_with_partial(node.den):
            return self._derivative(node.num, node.den, scope)
        num, den = self._visit(node.num, scope), self._visit(node.den, scope)
        if isinstance(den, sp.MatrixBase):          # 1 / (1 + e^{-Z}): entry by entry, as NumPy divides
            try:
                return broadcast(num, den, lambda x, y: elementwise(x, y, lambda u, v: u / v))
            except ShapeError as exc:
                raise ShapeMismatch(str(exc)) from None
        return num / den

    def _step(self, name: s.Node, scope: Scope) -> sp.Basic:
        """\\Delta w = w^{+} - w."""
        scripted = name if isinstance(name, s.Scripted) else s.Scripted(name, None, None, 0)
        sup = (scripted.sup.text if scripted.sup else "") + "+"
        after = s.Scripted(scripted.base, scripted.sub, s.Script(sup, None), scripted.primes)
        return self._visit(after, scope) - self._visit(name, scope)

    def _Juxt(self, node: s.Juxt, scope: Scope) -> sp.Basic:
        if self.layer and (chain := chain_factors(node)) is not None:
            return self._chain(chain, scope)
        items = list(node.items)
        if len(items) > 1 and _is_operator(items[0]):     # \frac{d}{du} \tanh(u): the derivative of what follows
            rest = items[1] if len(items) == 2 else s.Juxt(tuple(items[1:]))
            return self._visit(s.Frac(s.Juxt((s.Partial(), s.Paren(rest, "("))), items[0].den), scope)
        if isinstance(items[0], s.Partial):
            raise Unreadable("a derivative written without a fraction")
        values: list[sp.Basic] = []
        k = 0
        while k < len(items):
            item = items[k]
            joined = self._written_together(item, items[k + 1] if k + 1 < len(items) else None)
            if joined is not None:               # x1 for x_1, as plain-text posts write it
                values.append(self._bind(joined, scope))
                k += 2
                continue
            if isinstance(item, s.Sym) and not item.font and k + 1 < len(items) and \
                    isinstance(items[k + 1], s.Paren) and items[k + 1].kind == "(" and \
                    self.vocabulary.lookup(key(item)) is None and function_of(item, self.model.spec) is None:
                raise Unreadable(f"unknown function {item.text}")
            if isinstance(item, s.Sym) and item.text == "\\Delta" and k + 1 < len(items) and \
                    self.vocabulary.lookup("\\Delta") is None and isinstance(items[k + 1], (s.Sym, s.Scripted)):
                values.append(self._step(items[k + 1], scope))         # \Delta w_5: the change the step makes
                k += 2
                continue
            named = key(item)
            known = named is not None and (isinstance(self.vocabulary.lookup(named), (sp.Symbol, sp.MatrixSymbol))
                                           or named in self.vocabulary.expressions)
            function = None if known else function_of(item, self.model.spec)    # a name wins over g_{5}
            power = None
            if function is None and not known and _powered_function(item):       # \tanh^2(u): (\tanh u)^2
                function, power = function_of(item.base, self.model.spec), item.sup
            elif function is not None and k + 1 < len(items) and _powered_function(items[k + 1], s.Paren):
                argument = items[k + 1]                # \tanh(u)^2: the function's value squared
                items[k + 1] = argument.base
                power = argument.sup
            if power is not None and function is not None and k + 1 < len(items):
                value = apply(function, self._visit(items[k + 1], scope), scope, self.model.spec.layout)
                values.append(self._power(value, power, scope) if not isinstance(value, sp.MatrixBase) else
                              value.applyfunc(lambda v: self._power(v, power, scope)))
                k += 2
                continue
            if function is not None and function[0] in ("max", "min") and k + 1 < len(items):
                values.append(self._extreme(function[0], items[k + 1], scope))
                k += 2
                continue
            if function is not None and k + 1 < len(items):
                values.append(apply(function, self._visit(items[k + 1], scope), scope, self.model.spec.layout))
                k += 2
                continue
            if function is not None:
                raise Unreadable("a function without an argument")
            values.append(self._visit(item, scope))
            k += 1
        result = values[0]
        try:
            for value in values[1:]:
                result = _product(result, value)
        except ShapeError as exc:
            raise ShapeMismatch(str(exc)) from None
        return result

    def _extreme(self, name: str, argument: s.Node, scope: Scope) -> sp.Basic:
        """\\max(0, z), entry by entry when a matrix is among the arguments."""
        inner = argument.inner if isinstance(argument, s.Paren) else argument
        if not isinstance(inner, s.Args):
            raise Unreadable(f"\\{name} of a single argument")
        pick = sp.Max if name == "max" else sp.Min
        values = [self._visit(item, scope) for item in inner.items]
        result = values[0]
        for value in values[1:]:
            result = broadcast(result, value, lambda a, b: elementwise(a, b, pick))
        return result

    def _Args(self, node: s.Args, scope: Scope) -> sp.Basic:
        """(x_1, x_2) = (0, 1): a tuple outside a function's brackets, as a row of its entries."""
        return self._Matrix(s.Matrix((node.items,), listed=True), scope)

    def _Cases(self, node: s.Cases, scope: Scope) -> sp.Basic:
        pieces = []
        for value, condition in node.rows:
            pieces.append((self._visit(value, scope), self._condition(condition, scope)))
        if any(isinstance(v, sp.MatrixBase) for v, _ in pieces):
            raise Unreadable("cases of matrices")
        return sp.Piecewise(*pieces)

    def _condition(self, chain: s.Chain | None, scope: Scope):
        """for z > 0 -> z > 0; otherwise -> True."""
        if chain is None or not chain.relations:
            return sp.true
        if len(chain.relations) != 1 or chain.relations[0] not in RELATIONS:
            raise Unreadable(f"the condition {chain.text}")
        left, right = (_without_words(side) for side in chain.sides)
        return RELATIONS[chain.relations[0]](self._scalar(self._visit(left, scope)),
                                             self._scalar(self._visit(right, scope)))

    def _written_together(self, item: s.Node, after: s.Node | None):
        if isinstance(item, s.Sym) and not item.font and isinstance(after, s.Num) and after.text.isdigit():
            return self.vocabulary.lookup(f"{item.text}_{after.text}")
        called = self.vocabulary.unit_call(item, after)        # z(h1): unit h1's z
        return self.vocabulary.lookup(called) if called is not None else None

    def _scalar(self, value: sp.Basic) -> sp.Basic:
        if isinstance(value, sp.MatrixBase):
            if value.shape == (1, 1):
                return value[0, 0]
            raise Unreadable("a matrix where a number belongs")
        return value


def _product(a, b):
    """a b; a 1×1 matrix (one unit's delta, one sample) times a matrix scales it, as a number does."""
    if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase) and (a.shape == (1, 1)) != (b.shape == (1, 1)):
        return b * a[0, 0] if a.shape == (1, 1) else a * b[0, 0]
    return a * b


def _leading_operator(node: s.Node):
    """(\\frac{\\partial}{\\partial a}, w a + b) for a sum that starts with a derivative operator."""
    if isinstance(node, s.BinOp) and node.op in ("+", "-"):
        inner = _leading_operator(node.left)
        return (inner[0], s.BinOp(node.op, inner[1], node.right)) if inner else None
    if isinstance(node, s.Juxt) and len(node.items) > 1 and _is_operator(node.items[0]):
        return node.items[0], node.items[1] if len(node.items) == 2 else s.Juxt(node.items[1:])
    return None


def _is_operator(node: s.Node) -> bool:
    """\\frac{\\partial}{\\partial u}: a derivative with nothing above but the sign."""
    return isinstance(node, s.Frac) and (isinstance(node.num, s.Partial) or
                                         isinstance(node.num, s.Juxt) and node.num.items == (s.Partial(),)) \
        and starts_with_partial(node.den)


def _powered_function(node: s.Node, base=s.Func) -> bool:
    """\tanh^2 (a function to a power), or (u)^2 after a function: a number as the superscript."""
    return isinstance(node, s.Scripted) and isinstance(node.base, base) and node.sub is None and \
        not node.primes and node.sup is not None and node.sup.text.isdigit() and \
        (base is not s.Paren or node.base.kind == "(")
