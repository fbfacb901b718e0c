"""The index level of the one reverse walk (walk.py): each op's forward and VJP over SymPy
`Indexed` entries with `Sum`s over a layer's units, for one sample, as the index notation writes
the δ-recursion (δ^l_j = Σ_k w^{l+1}_{kj} δ^{l+1}_k g'(z^l_j)). The rules are the op rows' (ops/,
`indices`). A net input's adjoint is named δ^l, so each layer's δ is defined by the next ones'.

Each layer's units run over one index (i0 the inputs, i1 layer 1's units, ...); the unit form is
this form at concrete entries, its sums written out (tests hold the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy import Idx, IndexedBase

from ..rules.activations import ACTIVATIONS
from ..rules.fusions import CANCELLATIONS
from ..rules.losses import LOSSES
from .graph import Kind, Node, TensorGraph
from .ops import OPS
from .ops.elementwise import jacobian_entry, kept
from .walk import Walk, reverse

@dataclass(frozen=True)
class IndexLevel:
    graph: TensorGraph
    bases: dict[Node, IndexedBase | sp.Symbol]     # each node's entries (a shared bias: one symbol)
    indices: dict[Node, Idx]                      # the unit axis of each node with one
    deltas: dict[Node, IndexedBase]               # each net input's named δ
    masks: dict[Node, IndexedBase]                # each dropout's mask, by its output
    seed = sp.S.One
    general = False                               # Nielsen's general equations (index_equations.py): no

    # -- how a local derivative is written: the rule rows' own forms ------------------
    def slope(self, application, a, z) -> sp.Expr:
        """g'(z) of an elementwise activation, as its row writes it over the output a."""
        return ACTIVATIONS[application.attribute("function")].derivative([a], [z], 0, 0)

    def jacobian(self, application, a_k, a_j, z) -> sp.Expr:
        k, j = (next(iter(e.atoms(Idx))) for e in (a_k, a_j))
        return jacobian_entry(ACTIVATIONS[application.attribute("function")], a_k, a_j, z, k, j)

    def summed_over(self, j: Idx) -> Idx:
        """A second index over j's range, for a sum beside j."""
        return Idx(f"{j.label}'", (j.lower, j.upper))

    def kept(self, dropout) -> sp.Expr:
        """m_j/(1 - p), 1/(1 - p) exactly as the spec's decimal p writes it."""
        return kept(dropout) * self.masks[dropout.output][self.indices[dropout.output]]

    def loss_slope(self, loss, t, o) -> sp.Expr:
        return LOSSES[loss.attribute("function")].over(loss.inputs[0].shape[-1]).derivative(t, o)

    def cancellation(self, activation, loss):
        return CANCELLATIONS.get((activation.attribute("function"), loss.attribute("function")))

    def entry(self, node: Node, *indices) -> sp.Expr:
        """The node's entry at these indices (its own unit axis by default; a weight's at its rows and columns)."""
        base = self.bases[node]
        if isinstance(base, sp.Symbol) or not node.shape:
            return base
        return base[indices or (self.indices[node],)]

    def weight_indices(self, weight: Node) -> tuple[Idx, Idx]:
        """A weight's row and column indices: the units of the layer it feeds, and of its input."""
        dense = next(a for a in self.graph.consumers(weight) if a.op == "dense")
        return self.indices[dense.output], self.indices[dense.inputs[0]]

    def reindexed(self, expr: sp.Expr, source: Node, target: Node) -> sp.Expr:
        """An expression over source's unit axis, over target's (a skip connection joins two as wide)."""
        return expr.xreplace({self.indices[source]: self.indices[target]})

    def gather(self, node, terms):
        """A net input's named δ; the sum of the terms otherwise."""
        if node in self.deltas:
            return self.deltas[node][self.indices[node]]
        return sp.Add(*[term.value for term in terms], evaluate=False) if len(terms) > 1 else terms[0].value

    def vjp(self, application, upstream):
        return OPS[application.op].indices.vjp(self, application, upstream)

    def fused(self, loss, activation, upstream):
        return OPS[loss.op].indices.fused(self, loss, activation, upstream)

    def forward(self, application) -> sp.Expr:
        """The output's entry in terms of the inputs' (the loss: its sum over the outputs)."""
        return OPS[application.op].indices.forward(self, application)


def index_level(graph: TensorGraph) -> IndexLevel:
    """Bases named as the index notation names them: x, y, w^{l}, b^{l}, z^{l}, g^{l} (g(z), before a
    mask or a skip's sum), a^{l}, δ^{l}, m^{l}; each layer's units over the index i_l."""
    widths = {0: graph.of_kind(Kind.INPUT)[0].shape[0]}
    for node in graph.nodes:
        if node.layer is not None and node.kind == Kind.INTERMEDIATE:
            widths[node.layer] = node.shape[0]
    axis = {l: Idx(f"i{l}", n) for l, n in widths.items()}
    depth = max(widths)
    bases, indices, deltas, masks = {}, {}, {}, {}
    for node in graph.nodes:
        producer = graph.producer(node)
        l = node.layer
        if node.kind == Kind.INPUT:
            bases[node], indices[node] = IndexedBase("x"), axis[0]
        elif node.kind == Kind.TARGET:
            bases[node], indices[node] = IndexedBase("y"), axis[depth]
        elif node.kind == Kind.PARAMETER and len(node.shape) == 2:
            bases[node] = IndexedBase(f"w^{{{l}}}")
        elif node.kind == Kind.PARAMETER:
            bases[node] = sp.Symbol(f"b^{{{l}}}") if node.shape == (1,) else IndexedBase(f"b^{{{l}}}")
            indices[node] = axis[l]
        elif producer is not None and l is not None:
            letter = "z" if producer.op == "dense" else "a" if _is_layer_output(graph, node) else "g"
            bases[node], indices[node] = IndexedBase(f"{letter}^{{{l}}}"), axis[l]
            if producer.op == "dense":
                deltas[node] = IndexedBase(f"delta^{{{l}}}")
            if producer.op == "dropout":
                masks[node] = IndexedBase(f"m^{{{l}}}")
        else:                                   # the error, the penalties, the cost: numbers
            bases[node] = sp.Symbol(node.name)
    return IndexLevel(graph, bases, indices, deltas, masks)


def _is_layer_output(graph: TensorGraph, node: Node) -> bool:
    """Whether the activation's output is the layer's (no mask nor skip after it)."""
    return not any(a.op in ("dropout", "add") and node in a.inputs and a.output.layer == node.layer
                   for a in graph.applications)


@dataclass(frozen=True)
class IndexForm:
    """A layer's δ defined through the next layers', and each parameter's gradient, per sample."""
    walk: Walk
    level: IndexLevel

    def delta(self, net: Node) -> sp.Expr:
        """δ^l at the layer's index, as the walk's terms give it (the output's: the fused step)."""
        terms = self.walk.terms[net]
        return sp.Add(*[t.value for t in terms], evaluate=False) if len(terms) > 1 else terms[0].value

    def gradient(self, parameter: Node) -> sp.Expr:
        return self.walk.adjoints[parameter]


def index_form(graph: TensorGraph) -> IndexForm:
    level = index_level(graph)
    return IndexForm(reverse(graph, level), level)
