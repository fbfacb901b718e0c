"""How a claim's names are bound: each written name to its value in the claim's scope.

A name is looked up in the vocabulary (the spec's names, the post's aliases and bindings); a
layer-notation name becomes the explicit matrix at the spec's sizes, a unit's value one symbol per
sample. Scripts modify a name (w^{+} after the step, W^T, z^{(1)} layer 1's), and sums run over the
units a letter names or over the batch.
"""

from __future__ import annotations

import re

import sympy as sp

from ..core.samples import per_sample
from ..present.unit_notations import ETA
from ..rules import penalty
from . import syntax as s
from .limits import MAX_ALIAS_DEPTH
from .model import COST, ERROR
from .modifiers import split_modifier, without_sample
from .placeholders import map_scripts
from .values import PerSample, Scope, UnknownName, Unreadable, bounded, power, updated_symbol
from .vocabulary import COST_NAME, TARGET_WORDS, is_layer_name, key
from .written import written_names

FREE_LETTERS = set("stuvxz")     # letters a formula may use as a variable of its own
# f(x) = ..., f'(x), \sigma'(x), e^{-x}: the functions of an identity in a letter
IDENTITY_FUNCTIONS = {"f", "g", "e", "\\sigma", "\\tanh", "\\exp", "\\log", "\\ln", "\\phi", "\\varphi",
                      "softplus", "GELU", "erf", "\\pi"}
# the words of a loss written once for every output: \sum \frac{1}{2}(target - output)^2
TARGET_WORDS = {*TARGET_WORDS, "y", "text:target"}
OUTPUT_WORDS = {"output", "out", "o", "prediction", "predicted", "hat:y", "text:output"}


def _power_of_letter(name: str) -> bool:
    """x^2, x^{3}: a power of an identity's letter, not a name of its own."""
    return re.fullmatch(r"[a-z]\^\{?\d+\}?", name) is not None


class Names:
    """The name-binding half of Meaning (meaning.py), which it is mixed into."""

    def _BigSum(self, node, scope):
        """\\sum_o \\delta_o w_{5}: over the units whose names are that letter and a number (o1, o2)."""
        if node.sub is None and node.sup is None and self.layer:
            body = self._visit(node.body, scope)
            if isinstance(body, sp.MatrixBase) and self._has_labels(node.body):    # -\sum Y \log A: a loss, over
                return sp.Add(*body)                                                # every output of every sample
            if isinstance(body, sp.MatrixBase):          # \sum \delta^{[1]}: over the batch, as db sums dZ
                return self._over_samples(body)
        if node.sup is None and not self.layer and (node.sub is None or node.sub.text == "w"):
            words = set(written_names(node.body))
            if words & (TARGET_WORDS | OUTPUT_WORDS) and node.sub is None:
                return self._over_outputs(node.body, words, scope)
            if self.vocabulary.lookup("w") is None and any(
                    isinstance(item, s.Sym) and item.text == "w" and not item.font for item in s.nodes(node.body)):
                return self._over_weights(node.body, scope)
        letter = node.sub.text if node.sub is not None else ""
        units = [u.name for layer in self.model.graph.layers for u in layer.units
                 if u.name.startswith(letter) and u.name[len(letter):].isdigit()] if letter.isalpha() else []
        if not units or node.sup is not None and node.sup.text not in ("", "n", str(len(units))):
            raise Unreadable("a sum over an index derive cannot bind (write the terms out, or use the index notation)")
        terms = [self._visit(map_scripts(node.body, lambda text, u=u: u if text == letter else text), scope)
                 for u in units]
        return sp.Add(*terms) if not isinstance(terms[0], sp.MatrixBase) else sum(terms[1:], terms[0])

    def _has_labels(self, body: s.Node) -> bool:
        labels = self.vocabulary.lookup("Y")
        return labels is not None and any(self.vocabulary.lookup(name) == labels for name in written_names(body))

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

    def _over_weights(self, body: s.Node, scope: Scope) -> sp.Basic:
        """\\sum_w w^2 (Nielsen's L2 term): the sum over every weight of the network, w standing for each."""
        vocabulary, terms = self.vocabulary, []
        try:
            for weight in sorted(self.model.weights, key=str):
                self.vocabulary = vocabulary.with_names({"w": weight})
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
            if name == "\\pi":                   # GELU's √(2π): the constant, where the network names no π
                return sp.pi
            if name in ("m", "N"):               # the number of samples, as posts name it
                return sp.Integer(self.model.samples)
            if name in FREE_LETTERS:            # Sigmoid(x) = 1/(1+e^{-x}): true for every x
                return self._free(name, scope)
            raise UnknownName(name)
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
        functions = stems - FREE_LETTERS or any(isinstance(x, s.Func) for x in s.nodes(chain)) or \
            "\\partial" in chain.text
        identity = functions and written & FREE_LETTERS and stems <= FREE_LETTERS | IDENTITY_FUNCTIONS and \
            all(name in FREE_LETTERS or _power_of_letter(name) for name in written
                if re.split(r"[_^']", name)[0] in FREE_LETTERS)
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

    def target_clash(self, chain: s.Chain) -> str | None:
        """(y_1 - t_1)^2: two names on one side of a claim that the conventions both read as one
        target. A post writes two names there for two things (as Bishop's y the output, t the
        target), and which one is the target is not known: the claim is left unchecked, not read as 0."""
        targets = {unit.target for unit in self.model.graph.outputs} | \
            ({self.vocabulary.lookup("Y")} - {None} if self.layer else set())
        for side in chain.sides:
            first: dict[sp.Basic, str] = {}
            for name in dict.fromkeys(written_names(side, scripts=False)):
                found = self.vocabulary.lookup(name)
                if found in targets and first.setdefault(found, name) != name:
                    return (f"{first[found]} and {name} both read as the target, in one formula: the post may mean "
                            f"two things by them (an alias in the spec says which is which)")
        return None

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
        if found in model.optimizer_names.symbols:       # a hyperparameter, or a step's value: one number
            return found
        if found == penalty.LAMBDA:
            return model.l2
        if found in model.dropout_rates:
            return model.dropout_rates[found]
        if found == COST_NAME and not self.layer:        # the penalised cost, in a unit notation
            return COST
        if self.layer or is_layer_name(found):
            if is_layer_name(found) or found == model.graph.total or model.is_parameter(found):
                return self._matrix_named(found)
        if model.is_parameter(found):
            return found
        if found == model.graph.total and scope.sample is None and model.samples > 1:
            return ERROR
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
                if key(inner) is not None and (self.vocabulary.lookup(key(inner)) is not None
                                               or key(inner) in scope.generic):      # x^3 in an identity in x
                    return self._power(self._visit(inner, scope), node.sup, scope)
            if node.sub is None and node.sup is None and node.primes:
                raise Unreadable(f"{key(node)} without an argument")
            return self._name(node, key(node), scope)
        if isinstance(base, s.Norm) and node.sub is not None and node.sub.text == "F":
            value = self._frobenius(base, scope)          # \lVert W \rVert_F: every entry's square, summed
        else:
            value = self._visit(base, scope)
        if node.sub is not None and not isinstance(base, s.Norm):
            value = _entry(value, node.sub)
        if node.sup is None:
            return value
        return self._power(value, node.sup, scope)

    def _frobenius(self, norm: s.Norm, scope: Scope) -> sp.Basic:
        value = self._visit(norm.arg, scope)
        entries = list(value) if isinstance(value, sp.MatrixBase) else [value]
        return sp.sqrt(sp.Add(*[v ** 2 for v in entries]))

    def _power(self, value: sp.Basic, sup: s.Script, scope: Scope) -> sp.Basic:
        if sup.text in ("T", "\\top"):
            return self._transpose(value)
        if sup.text in ("+",) or sup.node is None:
            raise Unreadable(f"cannot read the superscript {sup.text}")
        if sup.text.startswith("\\odot"):          # A^{\odot 2}: every entry squared
            exponent = bounded(self._script_value(sup, scope))
            return value.applyfunc(lambda v: power(v, exponent, scope)) if isinstance(value, sp.MatrixBase) \
                else power(value, exponent, scope)
        if isinstance(value, sp.MatrixBase) and value.rows != value.cols:
            # no matrix power fits a k×n matrix: g_t^2 of a gradient matrix, as RMSProp and Adam write it
            exponent = bounded(self._script_value(sup, scope))
            scope.notes.add(f"read the power of a {value.rows}×{value.cols} matrix entry by entry")
            return value.applyfunc(lambda v: power(v, exponent, scope))
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
        # the loss after the step needs the pass at the new parameters; a parameter alone does not
        scope.after_step_nodes |= not all(self.model.is_parameter(x) for x in value.free_symbols)
        return value.xreplace({x: updated_symbol(x, steps) for x in value.free_symbols})


def _entry(value: sp.Basic, script: s.Script) -> sp.Basic:
    """(W^{[2]T} dZ^{[2]})_2: the second entry of a vector; (A B)_{12}: row 1, column 2 of a matrix."""
    if isinstance(value, sp.MatrixBase) and script.text.isdigit():
        if 1 in value.shape and 1 <= int(script.text) <= len(value):
            return value[int(script.text) - 1]
        if len(script.text) == 2 and all(1 <= int(d) <= n for d, n in zip(script.text, value.shape)):
            return value[int(script.text[0]) - 1, int(script.text[1]) - 1]
    raise Unreadable(f"the subscript {script.text} on an expression")
