"""A network as a graph of tensor operations: nodes with shapes, and applications of ops.

A node's shape is per sample for inputs, targets and intermediates (the batch axis comes first
in the arrays and is not part of the shape); a parameter's shape is its whole shape; the loss is
a number. A node may feed several applications (a residual connection) and a parameter may be
read by several (tied weights, the time steps of a recurrent layer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ..spec.load import NetworkSpec


class Kind(Enum):
    INPUT = "input"
    TARGET = "target"
    PARAMETER = "parameter"
    INTERMEDIATE = "intermediate"
    LOSS = "loss"


@dataclass(frozen=True)
class Node:
    name: str
    kind: Kind
    shape: tuple[int, ...]
    layer: int | None = None                  # the dense layer it belongs to (1-based), if any


@dataclass(frozen=True)
class Application:
    op: str                                   # a row of ops.OPS
    inputs: tuple[Node, ...]
    output: Node
    attributes: tuple[tuple[str, object], ...] = ()

    def attribute(self, name: str):
        return dict(self.attributes)[name]


@dataclass(frozen=True)
class TensorGraph:
    nodes: tuple[Node, ...]
    applications: tuple[Application, ...]     # in an order where every input is made before it is read
    loss: Node
    _consumers: dict = field(default=None, compare=False, repr=False)
    _producers: dict = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        consumers: dict[Node, list[Application]] = {node: [] for node in self.nodes}
        for application in self.applications:
            for node in application.inputs:
                consumers[node].append(application)
        object.__setattr__(self, "_consumers", {node: tuple(found) for node, found in consumers.items()})
        object.__setattr__(self, "_producers", {a.output: a for a in self.applications})

    def consumers(self, node: Node) -> tuple[Application, ...]:
        return self._consumers[node]

    def producer(self, node: Node) -> Application | None:
        return self._producers.get(node)

    def of_kind(self, kind: Kind) -> tuple[Node, ...]:
        return tuple(node for node in self.nodes if node.kind == kind)


def lower(spec: NetworkSpec) -> TensorGraph:
    """A dense spec as dense -> activation -> ... -> loss. Parameters are named as the JSON document
    and the generated module name them (W1, b1, ...); W has shape (units, inputs)."""
    x = Node("X", Kind.INPUT, (len(spec.input_names),))
    y = Node("Y", Kind.TARGET, (spec.layers[-1].units,))
    nodes, applications, weights, previous, outputs = [x, y], [], [], x, [x]
    for l, layer in enumerate(spec.layers, start=1):
        weight = Node(f"W{l}", Kind.PARAMETER, (layer.units, previous.shape[0]), l)
        bias = (Node(f"b{l}", Kind.PARAMETER, (1,) if layer.shared_bias else (layer.units,), l)
                if layer.has_bias else None)
        net = Node(f"Z{l}", Kind.INTERMEDIATE, (layer.units,), l)
        out = Node(f"A{l}", Kind.INTERMEDIATE, (layer.units,), l)
        activated = Node(f"G{l}", Kind.INTERMEDIATE, (layer.units,), l) if layer.dropout or layer.skip is not None else out
        nodes += [weight] + ([bias] if bias else []) + [net] + ([activated] if activated is not out else []) + [out]
        weights.append(weight)
        applications.append(Application("dense", (previous, weight) + ((bias,) if bias else ()), net))
        applications.append(Application("activation", (net,), activated, (("function", layer.activation),)))
        if layer.dropout:       # g(Z) times the fixed mask over 1 - p, one mask row per sample (or one for all)
            applications.append(Application("dropout", (activated,), out,
                                            (("mask", layer.mask), ("rate", layer.dropout))))
        if layer.skip is not None:      # a residual connection: layer k's output (X for 0) added, whole
            applications.append(Application("add", (activated, outputs[layer.skip]), out))
        outputs.append(out)
        previous = out
    loss = Node("J", Kind.LOSS, ())
    error = Node("E", Kind.INTERMEDIATE, ()) if spec.loss.l2 else loss
    nodes.append(error)
    applications.append(Application("loss", (previous, y), error,
                                    (("function", spec.loss.function), ("reduction", spec.loss.reduction))))
    if spec.loss.l2:        # J = E + each layer's lambda/2 ||W||^2: the weights read twice, the loss a sum
        total = error
        for l, weight in enumerate(weights, start=1):
            penalty = Node(f"P{l}", Kind.INTERMEDIATE, ())
            summed = loss if l == len(weights) else Node(f"J{l}", Kind.INTERMEDIATE, ())
            nodes += [penalty, summed] if summed is not loss else [penalty]
            applications.append(Application("l2", (weight,), penalty, (("strength", spec.loss.l2),)))
            applications.append(Application("add", (total, penalty), summed))
            total = summed
        nodes.append(loss)
    return TensorGraph(tuple(nodes), tuple(applications), loss)
