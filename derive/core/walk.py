"""The one reverse walk on a tensor graph: from the loss back, each application's VJP gives its
inputs their terms, and a node's adjoint (the gradient of the loss by it) is the sum of its
consumers' terms. What a term is (an array, a matrix expression) is a level's business: the walk
asks the level for each VJP and for the value a node's consumers leave to its producer.

The numeric level is here: the forward pass in the graph's order and the adjoints as arrays, from
the op rows' kernels (ops/). The unit level (unit_level.py) runs the same walk over units, and the
matrix level (matrix_level.py) over matrix symbols."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .graph import Application, Kind, Node, TensorGraph
from .ops import OPS


@dataclass(frozen=True)
class Term:
    """What one consumer gives a node: the application (None for the loss's seed) and its value."""
    application: Application | None
    value: object


class Level(Protocol):
    seed: object                                                  # dJ/dJ

    def gather(self, node: Node, terms: tuple[Term, ...]) -> object:
        """The node's adjoint, as its producer's VJP reads it (the sum of the terms, or a name)."""

    def vjp(self, application: Application, upstream) -> tuple:
        """One term per input (None: no gradient flows there)."""

    def fused(self, loss: Application, activation: Application, upstream) -> object:
        """The activation's net input's term, when a loss reads that activation alone."""


@dataclass(frozen=True)
class Walk:
    terms: dict[Node, tuple[Term, ...]]      # each node's terms, in the order of its consumers
    adjoints: dict[Node, object]             # each node's gathered adjoint


def reverse(graph: TensorGraph, level: Level) -> Walk:
    """Every node the loss depends on gets its consumers' terms, by one walk from the loss back."""
    terms: dict[Node, list[Term]] = {graph.loss: [Term(None, level.seed)]}
    adjoints: dict[Node, object] = {}
    for application in reversed(graph.applications):
        if application.output not in terms:       # the loss does not depend on it, or a fusion passed it
            continue
        upstream = _gathered(level, application.output, terms, adjoints)
        activation = fusion(graph, application)
        if activation is not None:                 # the loss after its activation, as one step
            found = {activation.inputs[0]: level.fused(application, activation, upstream)}
        else:
            found = dict(zip(application.inputs, level.vjp(application, upstream)))
        for node, value in found.items():
            if value is not None and node.kind != Kind.TARGET:
                terms.setdefault(node, []).append(Term(application, value))
    for node in terms:
        _gathered(level, node, terms, adjoints)
    return Walk({node: tuple(found) for node, found in terms.items()}, adjoints)


def _gathered(level: Level, node: Node, terms: dict, adjoints: dict):
    if node not in adjoints:
        terms[node].reverse()                      # walked from the last consumer: put them in order
        adjoints[node] = level.gather(node, tuple(terms[node]))
    return adjoints[node]


def fusion(graph: TensorGraph, application: Application) -> Application | None:
    """The activation application a loss reads alone, whose delta the rule rows give as one
    step (A - Y for softmax + CE and sigmoid + BCE; the rows' product, simplified, otherwise)."""
    if application.op != "loss":
        return None
    producer = graph.producer(application.inputs[0])
    if producer is None or producer.op != "activation" or len(graph.consumers(application.inputs[0])) != 1:
        return None
    return producer


def forward(graph: TensorGraph, given: dict[str, np.ndarray]) -> dict[Node, np.ndarray]:
    """Every node's value from the inputs, targets and parameters `given` by name."""
    values = {node: _as(node, given[node.name]) for node in graph.nodes
              if node.kind in (Kind.INPUT, Kind.TARGET, Kind.PARAMETER)}
    for application in graph.applications:
        values[application.output] = OPS[application.op].numeric.forward(**dict(application.attributes))(
            [values[node] for node in application.inputs])
    return values


def _as(node: Node, value) -> np.ndarray:
    """A given value in the node's shape (a parameter's whole shape; a batch of rows otherwise)."""
    array = np.asarray(value, dtype=float)
    return array.reshape(node.shape) if node.kind == Kind.PARAMETER else array.reshape(-1, *node.shape)


@dataclass(frozen=True)
class NumericLevel:
    """Arrays: each op row's NumPy VJP kernel at the forward pass's values."""
    values: dict[Node, np.ndarray]

    @property
    def seed(self):
        return np.asarray(1.0)

    def gather(self, node, terms):
        total = terms[0].value
        for term in terms[1:]:                     # several consumers: the sum
            total = total + term.value
        return total

    def vjp(self, application, upstream):
        inputs = [self.values[node] for node in application.inputs]
        return OPS[application.op].numeric.vjp(**dict(application.attributes))(
            inputs, self.values[application.output], upstream)

    def fused(self, loss, activation, upstream):
        inputs = [self.values[node] for node in loss.inputs]
        return OPS[loss.op].numeric.fused(activation=activation.attribute("function"), **dict(loss.attributes))(
            inputs, self.values[activation.inputs[0]], upstream)


def adjoints(graph: TensorGraph, values: dict[Node, np.ndarray]) -> dict[Node, np.ndarray]:
    """dJ/dnode for every node the loss depends on, as arrays."""
    return reverse(graph, NumericLevel(values)).adjoints
