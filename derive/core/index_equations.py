"""Nielsen's four equations (BP1–BP4), as the one reverse walk gives them at the index level over a
generic network: layer l between layer l − 1 and layer l + 1, then the output layer L.

The walk and the op rows are the ones every form comes from (index_level.py); this level writes
each local derivative by name where the concrete one writes the row's form (σ'(z^l_j), not
σ(1 − σ); ∂C/∂a^L_j, not the loss's derivative), keeps the dropout rate p^l a symbol, cancels no
fusion, and names an output's adjoint ∂C/∂a^l_j where several consumers' terms meet (a skip).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy import Idx, IndexedBase

from ..rules.algebra import _mul, _one_minus
from .graph import Application, Kind, Node, TensorGraph
from .index_level import IndexForm, IndexLevel
from .walk import reverse

C = sp.Symbol("C")
PARTIAL = sp.Function("partial")          # partial(f, x): ∂f/∂x, by name


@dataclass(frozen=True)
class Features:
    """What of a network the general equations show."""
    output: str | None           # the output activation's LaTeX name; None: a coupled one (softmax)
    hidden: str | None           # the hidden layers' one activation's LaTeX name; None: each layer's g_l
    shared_bias: bool            # a bias shared by layer l's units
    dropout: bool
    skip: bool                   # a skip connection reads layer l's output


@dataclass(frozen=True)
class GeneralLevel(IndexLevel):
    names: dict = None           # each activation's net input: the LaTeX name of its function
    rates: dict = None           # each dropout's output: its rate p^l, a symbol
    general = True

    def slope(self, application, a, z):
        return sp.Function(f"{self.names[application.inputs[0]]}'")(z)

    def jacobian(self, application, a_k, a_j, z):
        return PARTIAL(a_k, z)

    def summed_over(self, j):
        return Idx("k", (j.lower, j.upper))

    def kept(self, dropout):
        return _mul(self.masks[dropout.output][self.indices[dropout.output]],
                    sp.Pow(_one_minus(self.rates[dropout.output]), -1, evaluate=False))

    def loss_slope(self, loss, t, o):
        return PARTIAL(C, o)

    def cancellation(self, activation, loss):
        return None

    def gather(self, node, terms):
        if node not in self.deltas and len(terms) > 1:
            return PARTIAL(C, self.entry(node))
        return super().gather(node, terms)


@dataclass(frozen=True)
class Equations:
    """BP1–BP4, each as (left side, right side), read off the walk."""
    form: IndexForm
    nets: tuple[Node, ...]                   # z^l, z^{l+1}, z^L
    weight: Node                             # w^l
    bias: Node                               # b^l

    def delta(self, net: Node) -> tuple[sp.Expr, sp.Expr]:
        level = self.form.level
        return level.deltas[net][level.indices[net]], self.form.delta(net)

    def gradient(self, parameter: Node) -> tuple[sp.Expr, sp.Expr]:
        level = self.form.level
        entry = level.entry(parameter, *level.weight_indices(parameter)) if len(parameter.shape) == 2 \
            else level.entry(parameter)
        return PARTIAL(C, entry), self.form.gradient(parameter)

    def bp1(self):
        return self.delta(self.nets[2])

    def bp2(self):
        return self.delta(self.nets[0])

    def bp3(self):
        return self.gradient(self.bias)

    def bp4(self):
        return self.gradient(self.weight)


def equations(features: Features) -> Equations:
    """The walk over the generic network these features describe."""
    j, k = Idx("j", 2), Idx("k", 2)
    labels = {0: "l-1", 1: "l", 2: "l+1", 3: "L"}
    previous = Node("A0", Kind.INPUT, (2,))
    target = Node("Y", Kind.TARGET, (2,))
    nodes, applications = [previous, target], []
    bases: dict = {previous: IndexedBase(f"a^{{{labels[0]}}}"), target: IndexedBase("y")}
    indices, deltas, masks, rates, names = {previous: k, target: j}, {}, {}, {}, {}
    nets, parameters = [], []
    outputs = {0: previous}
    for l in (1, 2, 3):
        label, axis = labels[l], (j if l in (1, 3) else k)
        weight = Node(f"W{l}", Kind.PARAMETER, (2, 2), l)
        bias = Node(f"b{l}", Kind.PARAMETER, (1,) if features.shared_bias else (2,), l)
        net = Node(f"Z{l}", Kind.INTERMEDIATE, (2,), l)
        dropped, skipped = features.dropout and l == 1, features.skip and l == 2
        activated = Node(f"G{l}", Kind.INTERMEDIATE, (2,), l) if dropped or skipped else None
        out = Node(f"A{l}", Kind.INTERMEDIATE, (2,), l)
        function = "softmax" if l == 3 and features.output is None else "sigmoid"
        applications.append(Application("dense", (previous, weight, bias), net))
        applications.append(Application("activation", (net,), activated or out, (("function", function),)))
        if dropped:
            applications.append(Application("dropout", (activated,), out, (("mask", ((1, 1),)), ("rate", 0.5))))
            masks[out], rates[out] = IndexedBase(f"m^{{{label}}}"), sp.Symbol(f"p^{{{label}}}")
        if skipped:
            applications.append(Application("add", (activated, outputs[1]), out))
        nodes += [weight, bias, net] + ([activated] if activated else []) + [out]
        bases |= {weight: IndexedBase(f"w^{{{label}}}"), net: IndexedBase(f"z^{{{label}}}"),
                  out: IndexedBase(f"a^{{{label}}}"),
                  bias: sp.Symbol(f"b^{{{label}}}") if features.shared_bias else IndexedBase(f"b^{{{label}}}")}
        indices |= {net: axis, out: axis, bias: axis}
        if activated is not None:
            bases[activated], indices[activated] = IndexedBase(f"g^{{{label}}}"), axis
        deltas[net] = IndexedBase(rf"\delta^{{{label}}}")
        names[net] = (features.output if l == 3 else features.hidden if features.hidden and not features.skip
                      else f"g_{{{label}}}")
        nets.append(net)
        parameters.append((weight, bias))
        outputs[l] = previous = out
    loss = Node("C", Kind.LOSS, ())
    nodes.append(loss)
    applications.append(Application("loss", (previous, target), loss, (("function", "half_sse"), ("reduction", "sum"))))
    bases[loss] = C
    graph = TensorGraph(tuple(nodes), tuple(applications), loss)
    level = GeneralLevel(graph, bases, indices, deltas, masks, names, rates)
    return Equations(IndexForm(reverse(graph, level), level), tuple(nets), *parameters[0])
