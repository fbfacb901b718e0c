"""Syntax tree -> SymPy, bound to a vocabulary: what each side of a claim stands for.

Scalars come out over per-sample symbols (out_h1__s0) and parameters; layer-notation names
come out as explicit matrices at the spec's sizes. A decimal number becomes a literal symbol
whose printed precision is remembered, so a check can allow exactly that much rounding.
"""

from __future__ import annotations

import re
from decimal import Decimal

import sympy as sp
from sympy.matrices.exceptions import ShapeError

from ..unit_notations import ETA
from . import syntax as s
from .derivatives import Derivatives, starts_with_partial
from .functions import apply, function_of
from .limits import MAX_ALIAS_DEPTH, MAX_NUMBERS, MAX_PARTS
from .model import COST, Model, per_sample
from .placeholders import map_scripts
from .values import (
    Literal,
    PerSample,
    Scope,
    ShapeMismatch,
    Unreadable,
    bounded,
    broadcast,
    exact,
    power,
    elementwise,
    updated_symbol,
)
from .vocabulary import COST_NAME, is_layer_name, key, split_modifier, without_sample, written_names

FREE_LETTERS = set("stuvxz")     # letters a formula may use as a variable of its own
# f(x) = ..., f'(x), \sigma'(x), e^{-x}: the functions of an identity in a letter
IDENTITY_FUNCTIONS = {"f", "g", "e", "\\sigma", "\\tanh", "\\exp", "\\log", "\\ln", "\\phi", "\\varphi"}
RELATIONS = {">": sp.Gt, "<": sp.Lt, "\\geq": sp.Ge, "\\ge": sp.Ge, "\\leq": sp.Le, "\\le": sp.Le}


def _without_words(node: s.Node) -> s.Node:
    """\\text{for}\\: z: the words before a condition are not part of it."""
    if isinstance(node, s.Juxt):
        kept = tuple(x for x in node.items if not (isinstance(x, s.Sym) and x.font == "text"))
        return kept[0] if len(kept) == 1 else s.Juxt(kept)
    return node


# the words of a loss written once for every output: \sum \frac{1}{2}(target - output)^2
TARGET_WORDS = {"target", "ideal", "desired", "expected", "t", "y", "text:target"}
OUTPUT_WORDS = {"output", "out", "o", "prediction", "predicted", "hat:y", "text:output"}


class Meaning(Derivatives):
    def __init__(self, model: Model, vocabulary, entries):
        self.model, self.vocabulary, self._entries = model, vocabulary, entries
        self.layer = vocabulary.notation == "layer"
        self._depth = 0          # aliases that name formulas, followed at most this deep

    @property
    def entries(self) -> dict:
        return self._entries()

    # -- entry point -----------------------------------------------------------
    def side(self, node: s.Node, scope: Scope) -> sp.Basic:
        return self._visit(node, scope)

    def _visit(self, node: s.Node, scope: Scope) -> sp.Basic:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise Unreadable(f"cannot give a meaning to {type(node).__name__}")
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
        value = Decimal(node.text)
        symbol = sp.Symbol(f"lit{len(scope.literals)}__{node.text}", real=True)
        half = Decimal(5) * Decimal(10) ** (value.as_tuple().exponent - 1) if value not in self.model.given else 0
        scope.literals[symbol] = Literal(symbol, sp.Float(node.text, 30), sp.Float(str(half), 30))
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
        return sp.sqrt(self._scalar(self._visit(node.arg, scope)))

    def _Norm(self, node: s.Norm, scope: Scope) -> sp.Basic:
        value = self._visit(node.arg, scope)
        if isinstance(value, sp.MatrixBase):
            if 1 not in value.shape:
                raise Unreadable("the norm of a matrix that is not a vector")
            return sp.sqrt(sp.Add(*[v ** 2 for v in value]))
        return sp.Abs(value)

    def _BigSum(self, node, scope):
        """\\sum_o \\delta_o w_{5}: over the units whose names are that letter and a number (o1, o2)."""
        if node.sub is None and node.sup is None and self.layer:
            body = self._visit(node.body, scope)
            if isinstance(body, sp.MatrixBase):          # \sum \delta^{[1]}: over the batch, as db sums dZ
                return self._over_samples(body)
        if node.sub is None and node.sup is None and not self.layer:
            words = set(written_names(node.body))
            if words & (TARGET_WORDS | OUTPUT_WORDS):
                return self._over_outputs(node.body, words, scope)
        letter = node.sub.text if node.sub is not None else ""
        units = [u.name for layer in self.model.graph.layers for u in layer.units
                 if u.name.startswith(letter) and u.name[len(letter):].isdigit()] if letter.isalpha() else []
        if not units or node.sup is not None and node.sup.text not in ("", "n", str(len(units))):
            raise Unreadable("a sum over an index derive cannot bind (write the terms out, or use the index notation)")
        terms = [self._visit(map_scripts(node.body, lambda text, u=u: u if text == letter else text), scope)
                 for u in units]
        return sp.Add(*terms) if not isinstance(terms[0], sp.MatrixBase) else sum(terms[1:], terms[0])

    def _over_outputs(self, body: s.Node, words: set[str], scope: Scope) -> sp.Basic:
        """\\sum \\frac{1}{2}(target - output)^2: the sum over the output units, each word standing
        for that unit's own target or output."""
        vocabulary, terms = self.vocabulary, []
        try:
            for unit in self.model.graph.outputs:
                self.vocabulary = vocabulary.with_names(
                    {w: unit.target for w in words & TARGET_WORDS} | {w: unit.out for w in words & OUTPUT_WORDS})
                terms.append(self._scalar(self._visit(body, scope)))
        finally:
            self.vocabulary = vocabulary
        return sp.Add(*terms)

    def _over_samples(self, matrix: sp.MatrixBase) -> sp.MatrixBase:
        """A layer's matrix summed over its samples: the columns (column layout) or the rows."""
        if self.model.spec.layout == "column":
            if matrix.shape[1] != self.model.samples:
                raise Unreadable("a sum over the batch of a matrix that is not one column per sample")
            return sp.ImmutableMatrix(matrix.shape[0], 1, lambda i, _: sp.Add(*matrix.row(i)))
        if matrix.shape[0] != self.model.samples:
            raise Unreadable("a sum over the batch of a matrix that is not one row per sample")
        return sp.ImmutableMatrix(1, matrix.shape[1], lambda _, j: sp.Add(*matrix.col(j)))

    # -- names -----------------------------------------------------------------
    def _name(self, node: s.Node, name: str | None, scope: Scope) -> sp.Basic:
        if name in scope.generic:                # \sigma'(x) = \sigma(x)(1 - \sigma(x)): any x, not the input
            return self._free(name, scope)
        found = self.vocabulary.lookup(name) if name else None
        if found is None and isinstance(node, s.Sym) and not node.font and len(node.text) > 1:
            letters = [self.vocabulary.lookup(ch) for ch in node.text]     # ab: a times b
            if all(x is not None for x in letters):
                return sp.Mul(*[self._bind(x, scope) for x in letters])
        if found is None and name in self.vocabulary.expressions:
            if self._depth > MAX_ALIAS_DEPTH:
                raise Unreadable(f"the alias {name} refers to itself")
            self._depth += 1
            try:
                return self._visit(self.vocabulary.expressions[name], scope)
            finally:
                self._depth -= 1
        if found is None:
            if name == "e":
                return sp.E
            if name in ("m", "N"):               # the number of samples, as posts name it
                return sp.Integer(self.model.samples)
            if name in FREE_LETTERS:            # Sigmoid(x) = 1/(1+e^{-x}): true for every x
                return self._free(name, scope)
            raise Unreadable(f"unknown name {name}")
        batch = self._batch_spelling(name, found, scope)
        return self._bind(batch if batch is not None else found, scope)

    def _free(self, name: str, scope: Scope) -> sp.Symbol:
        symbol = sp.Symbol(f"free__{name}", real=True)
        scope.free.add(symbol)
        return symbol

    def scope_for(self, chain: s.Chain, sample: int | None) -> Scope:
        """The scope to read a claim in: its sample, the small letters that stand for the batch, and
        the letters of an identity that names nothing else (\frac{d}{du}\tanh(u) = 1 - \tanh^2(u))."""
        written = set(written_names(chain))
        stems = {re.split(r"[_^']", name)[0] for name in written}      # \sigma', \tanh^2, f': functions
        functions = stems - FREE_LETTERS or any(isinstance(x, s.Func) for x in _nodes(chain)) or \
            "\\partial" in chain.text
        identity = functions and written & FREE_LETTERS and stems <= FREE_LETTERS | IDENTITY_FUNCTIONS and \
            all(name in FREE_LETTERS for name in written if re.split(r"[_^']", name)[0] in FREE_LETTERS)
        return Scope(sample, batch_letters=sample is None and self.names_a_batch(chain),
                     generic=frozenset(written & FREE_LETTERS) if identity else frozenset())

    def _batch_spelling(self, name: str, found, scope: Scope):
        """y beside A^{[2]}: the labels of the whole batch, Y, as Ng's course writes them (laid out as
        the batch's matrices are, by rows in the row layout)."""
        if not scope.batch_letters or len(name) != 1 or not name.islower() or isinstance(found, sp.MatrixSymbol) \
                or self.model.is_parameter(found):
            return None
        upper = self.vocabulary.lookup(name.upper())
        return upper if isinstance(upper, sp.MatrixSymbol) and self._is_batch(upper) else None

    def names_a_batch(self, chain: s.Chain) -> bool:
        """Whether a claim names a matrix of the whole batch (A^{[2]}, Z^{[1]}, Y): its small letters
        then stand for the batch too."""
        if not self.layer:
            return False
        return any(self._is_batch(self.vocabulary.lookup(name)) for name in written_names(chain))

    def _is_batch(self, found) -> bool:
        matrix = self.entries.get(getattr(found, "name", None)) if isinstance(found, sp.MatrixSymbol) else None
        batch_axis = 1 if self.model.spec.layout == "column" else 0
        return matrix is not None and matrix.shape[batch_axis] == self.model.samples

    def _bind(self, found, scope: Scope) -> sp.Basic:
        """A vocabulary entry -> its value in this scope."""
        model = self.model
        if found == ETA:
            return model.eta
        if self.layer or is_layer_name(found):
            if is_layer_name(found) or found == model.graph.total or model.is_parameter(found):
                return self._matrix_named(found)
        if model.is_parameter(found):
            return found
        if found == model.graph.total and scope.sample is None and model.samples > 1:
            return COST
        if scope.sample is None and model.samples > 1:
            raise PerSample(f"{found} takes one value per sample: tag the line with (sample k)")
        return per_sample(found, scope.sample or 0)

    def _matrix_named(self, found) -> sp.Basic:
        if found == COST_NAME:
            return COST
        if isinstance(found, sp.Symbol) and self.model.is_parameter(found):
            return found                      # a bias shared by the layer is one number
        name = found if isinstance(found, str) else getattr(found, "name", str(found))
        if name == self.model.graph.total.name:
            return sp.Add(*[per_sample(self.model.graph.total, k) for k in range(self.model.samples)])
        matrix = self.entries.get(name)
        if matrix is None:
            raise Unreadable(f"{name} has no entries in this network")
        return matrix

    def _Scripted(self, node: s.Scripted, scope: Scope) -> sp.Basic:
        base = node.base
        if isinstance(base, s.Sym) and base.text == "e" and not base.font and node.sup and node.sub is None:
            if node.sup.node is not None:
                power = self._visit(node.sup.node, scope)
                if isinstance(power, sp.MatrixBase):       # e^{-Z}: entry by entry, as sigma(Z) is
                    return power.applyfunc(lambda v: sp.exp(bounded(v)))
            return sp.exp(bounded(self._script_value(node.sup, scope)))
        if isinstance(base, s.Sym) and base.font == "mathbf" and base.text == "1":
            return self._ones(node)
        if isinstance(base, (s.Sym, s.Func)) and node.sup is not None and node.sup.text.startswith("(") and \
                self.vocabulary.lookup(key(node)) is not None:       # z^{(1)}: layer 1's, not z after one step
            return self._bind(self.vocabulary.lookup(key(node)), scope)
        if isinstance(base, (s.Sym, s.Func)):
            named, modifier, steps = split_modifier(without_sample(node, scope.sample))
            found = self.vocabulary.lookup(key(named))
            if found is not None:
                value = self._bind(found, scope)
                if modifier == "updated":
                    return self._updated(value, steps, scope)
                if modifier == "T":
                    return self._transpose(value)
                return value
            if node.primes == 1 and node.sup is None and key(node) not in self.vocabulary.expressions:
                plain = self.vocabulary.lookup(key(s.Scripted(base, node.sub, None, 0)))
                if plain is not None and self.model.is_parameter(plain):     # w_5': the weight after the step
                    return self._updated(self._bind(plain, scope), 1, scope)
            if node.sup is not None and (node.sub is not None or not node.primes):
                inner = s.Scripted(base, node.sub, None, node.primes) if node.sub else base
                if key(inner) is not None and self.vocabulary.lookup(key(inner)) is not None:
                    return self._power(self._visit(inner, scope), node.sup, scope)
            if node.sub is None and node.sup is None and node.primes:
                raise Unreadable(f"{key(node)} without an argument")
            return self._name(node, key(node), scope)
        value = self._visit(base, scope)
        if node.sub is not None:
            raise Unreadable("a subscript on an expression")
        if node.sup is None:
            return value
        return self._power(value, node.sup, scope)

    def _power(self, value: sp.Basic, sup: s.Script, scope: Scope) -> sp.Basic:
        if sup.text in ("T", "\\top"):
            return self._transpose(value)
        if sup.text in ("+",) or sup.node is None:
            raise Unreadable(f"cannot read the superscript {sup.text}")
        if sup.text.startswith("\\odot"):          # A^{\odot 2}: every entry squared
            exponent = bounded(self._script_value(sup, scope))
            return value.applyfunc(lambda v: power(v, exponent, scope)) if isinstance(value, sp.MatrixBase) \
                else power(value, exponent, scope)
        return power(self._scalar(value), bounded(self._script_value(sup, scope)), scope)

    def _script_value(self, script: s.Script, scope: Scope) -> sp.Basic:
        if script.node is None:
            raise Unreadable(f"cannot read the superscript {script.text}")
        return self._scalar(self._visit(script.node, scope))

    def _transpose(self, value: sp.Basic) -> sp.Basic:
        if not isinstance(value, sp.MatrixBase):
            raise Unreadable("a transpose of a scalar")
        return value.T

    def _ones(self, node: s.Scripted) -> sp.Basic:
        size = int(node.sub.text) if node.sub and node.sub.text.isdigit() else (
            self.model.samples if node.sub and node.sub.text == "m" else len(self.model.graph.outputs))
        graph = self.model.graph
        widest = max([self.model.samples, len(graph.inputs)] + [len(layer.units) for layer in graph.layers])
        if size > widest:                # it could fit no matrix of the network; and 10^7 entries would hang
            raise Unreadable(f"\\mathbf{{1}}_{{{size}}} is longer than any layer or batch of this network "
                             f"(at most {widest})")
        ones = sp.ImmutableMatrix.ones(size, 1)
        return ones.T if node.sup and node.sup.text in ("T", "\\top") else ones

    def _updated(self, value: sp.Basic, steps: int, scope: Scope) -> sp.Basic:
        if isinstance(value, sp.MatrixBase) and not all(self.model.is_parameter(x) for x in value):
            raise Unreadable("an updated matrix other than a layer's weights or biases")
        scope.updated.add(steps)
        return value.xreplace({x: updated_symbol(x, steps) for x in value.free_symbols})

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
        return a * b

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
                result = result * value
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
        raise Unreadable("a list of arguments outside \\max or \\min")

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
        return None

    def _scalar(self, value: sp.Basic) -> sp.Basic:
        if isinstance(value, sp.MatrixBase):
            if value.shape == (1, 1):
                return value[0, 0]
            raise Unreadable("a matrix where a number belongs")
        return value


def _is_operator(node: s.Node) -> bool:
    """\\frac{\\partial}{\\partial u}: a derivative with nothing above but the sign."""
    return isinstance(node, s.Frac) and (isinstance(node.num, s.Partial) or
                                         isinstance(node.num, s.Juxt) and node.num.items == (s.Partial(),)) \
        and starts_with_partial(node.den)


def _nodes(node):
    """Every syntax node of a formula."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif hasattr(item, "__dataclass_fields__"):
            yield item
            stack.extend(getattr(item, name) for name in item.__dataclass_fields__)


def _powered_function(node: s.Node, base=s.Func) -> bool:
    """\tanh^2 (a function to a power), or (u)^2 after a function: a number as the superscript."""
    return isinstance(node, s.Scripted) and isinstance(node.base, base) and node.sub is None and \
        not node.primes and node.sup is not None and node.sup.text.isdigit() and \
        (base is not s.Paren or node.base.kind == "(")
