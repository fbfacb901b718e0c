"""Numbers on a tensor graph: the forward pass in the graph's order, then ONE reverse walk that
gives every node its adjoint (the gradient of the loss by it), summing over a node's consumers."""

from __future__ import annotations

import numpy as np

from .graph import Kind, Node, TensorGraph
from .ops import OPS


def forward(graph: TensorGraph, given: dict[str, np.ndarray]) -> dict[Node, np.ndarray]:
    """Every node's value from the inputs, targets and parameters `given` by name."""
    values = {node: _as(node, given[node.name]) for node in graph.nodes
              if node.kind in (Kind.INPUT, Kind.TARGET, Kind.PARAMETER)}
    for application in graph.applications:
        values[application.output] = OPS[application.op].forward(
            [values[node] for node in application.inputs], **dict(application.attributes))
    return values


def _as(node: Node, value) -> np.ndarray:
    """A given value in the node's shape (a parameter's whole shape; a batch of rows otherwise)."""
    array = np.asarray(value, dtype=float)
    return array.reshape(node.shape) if node.kind == Kind.PARAMETER else array.reshape(-1, *node.shape)


def adjoints(graph: TensorGraph, values: dict[Node, np.ndarray]) -> dict[Node, np.ndarray]:
    """dJ/dnode for every node the loss depends on, by one walk from the loss back."""
    found: dict[Node, np.ndarray] = {graph.loss: np.asarray(1.0)}
    fused = set()
    for application in reversed(graph.applications):
        upstream = found.get(application.output)
        if upstream is None or application in fused:
            continue
        inputs = [values[node] for node in application.inputs]
        fusion = _fusion(graph, application)
        if fusion is not None:                       # the loss after its activation, as one step
            fused.add(fusion)
            found[fusion.inputs[0]] = OPS["loss"].fused(inputs, values[fusion.inputs[0]], upstream,
                                                       fusion.attribute("function"), **dict(application.attributes))
            continue
        grads = OPS[application.op].vjp(inputs, values[application.output], upstream, **dict(application.attributes))
        for node, grad in zip(application.inputs, grads):
            if grad is not None and node.kind != Kind.TARGET:
                found[node] = found[node] + grad if node in found else grad   # several consumers: the sum
    return found


def _fusion(graph: TensorGraph, application):
    """The activation application a loss reads alone, whose delta the rule rows give as one
    kernel (A - Y for softmax + CE and sigmoid + BCE; the rows' product, simplified, otherwise)."""
    if application.op != "loss":
        return None
    producer = graph.producer(application.inputs[0])
    if producer is None or producer.op != "activation" or len(graph.consumers(application.inputs[0])) != 1:
        return None
    return producer
