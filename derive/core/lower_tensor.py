"""A spec of typed layers (spec/tensor.py) as a graph of tensor operations: each layer's op, then
its activation if it has one, then the loss. Parameters are named by their role and layer (W1, b1,
gamma2, beta2), as the JSON document of a dense network names them."""

from __future__ import annotations

import numpy as np

from ..spec.tensor import TensorSpec
from .graph import Application, Kind, Node, TensorGraph


def lower_tensor(spec: TensorSpec) -> tuple[TensorGraph, dict[Node, np.ndarray]]:
    """The graph, and the values its inputs, targets and parameters are given."""
    x = Node("X", Kind.INPUT, spec.input_shape)
    y = Node("Y", Kind.TARGET, spec.layers[-1].shape)
    nodes, applications = [x, y], []
    given = {x: spec.inputs, y: spec.targets}
    previous = x
    for l, layer in enumerate(spec.layers, start=1):
        parameters = tuple(Node(f"{name}{l}", Kind.PARAMETER, array.shape, l) for name, array in layer.parameters)
        given.update(zip(parameters, (array for _, array in layer.parameters)))
        out = Node(f"Z{l}" if layer.activation else f"H{l}", Kind.INTERMEDIATE, layer.shape, l)
        applications.append(Application(layer.kind, (previous,) + parameters, out, layer.attributes))
        nodes += [*parameters, out]
        if layer.activation:
            activated = Node(f"A{l}", Kind.INTERMEDIATE, layer.shape, l)
            applications.append(Application("activation", (out,), activated, (("function", layer.activation),)))
            nodes.append(activated)
            out = activated
        previous = out
    loss = Node("J", Kind.LOSS, ())
    applications.append(Application("loss", (previous, y), loss,
                                    (("function", spec.loss.function), ("reduction", spec.loss.reduction))))
    return TensorGraph(tuple(nodes + [loss]), tuple(applications), loss), given
