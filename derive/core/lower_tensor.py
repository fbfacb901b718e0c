"""A spec of typed layers (spec/tensor.py) as a graph of tensor operations: each layer's op, then
its activation if it has one, then the loss. Parameters are named by their role and layer (W1, b1,
gamma2, beta2), as the JSON document of a dense network names them. A sequence layer is several
applications (lower_sequence.py); a dense layer on a sequence is `linear` at every position, and a
sequence output scored by token ids has its softmax inside the sequence cross-entropy, so no node of its
own; one scored by values at every position keeps its activation, and the loss sums every position's errors."""

from __future__ import annotations

import numpy as np

from ..spec.sequence import SEQUENCE_KINDS
from ..spec.tensor import TensorSpec
from .graph import Application, Kind, Node, TensorGraph
from .lower_sequence import lowered


def lower_tensor(spec: TensorSpec) -> tuple[TensorGraph, dict[Node, np.ndarray]]:
    """The graph, and the values its inputs, targets and parameters are given."""
    token_output = len(spec.layers[-1].shape) == 2 and spec.loss.function == "cross_entropy"
    x = Node("X", Kind.INPUT, spec.input_shape)
    y = Node("Y", Kind.TARGET, spec.layers[-1].shape[:1] if token_output else spec.layers[-1].shape)
    nodes, applications = [x, y], []
    given = {x: spec.inputs, y: spec.targets}
    previous = x
    for l, layer in enumerate(spec.layers, start=1):
        parameters = tuple(Node(f"{name}{l}", Kind.PARAMETER, array.shape, l) for name, array in layer.parameters)
        given.update(zip(parameters, (array for _, array in layer.parameters)))
        nodes += parameters
        if layer.kind in SEQUENCE_KINDS:
            made, applied, previous = lowered(layer, previous, {name: node for (name, _), node
                                                                 in zip(layer.parameters, parameters)}, l)
            nodes += made
            applications += applied
            continue
        activation = layer.activation if not (token_output and l == len(spec.layers)) else None
        out = Node(f"Z{l}" if activation else f"H{l}", Kind.INTERMEDIATE, layer.shape, l)
        op = "linear" if layer.kind == "dense" and len(previous.shape) == 2 else layer.kind
        applications.append(Application(op, (previous,) + parameters, out, layer.attributes))
        nodes.append(out)
        if activation:
            activated = Node(f"A{l}", Kind.INTERMEDIATE, layer.shape, l)
            applications.append(Application("activation", (out,), activated, (("function", activation),)))
            nodes.append(activated)
            out = activated
        previous = out
    loss = Node("J", Kind.LOSS, ())
    reduction = ("reduction", spec.loss.reduction)
    # a sequence's mean over its positions (the cross-entropy's default; a squared error's sum is the row's own)
    positions = (("positions", spec.loss.positions),) if spec.loss.positions == "mean" or token_output else ()
    applications.append(Application("sequence_ce", (previous, y), loss, (reduction,) + positions) if token_output else
                        Application("loss", (previous, y), loss, (("function", spec.loss.function), reduction) + positions))
    return TensorGraph(tuple(nodes + [loss]), tuple(applications), loss), given
