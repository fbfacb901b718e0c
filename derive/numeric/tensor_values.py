"""The numbers of a spec of typed layers: its graph (lower_tensor.py) run forward and backward by
the one tape on the rows' kernels, each node's value and adjoint kept by node, with the statistics
a normalization's documents name (x̂, σ²)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.graph import Kind, Node, TensorGraph
from ..errors import DeriveError
from ..core.lower_tensor import lower_tensor
from ..core.ops import TENSOR_OPS
from ..core.ops.norm import statistics
from ..core.tensor_index import TensorIndexLevel
from ..spec.tensor import TensorSpec
from .tape import Tape

NORMS = ("batch_norm", "layer_norm", "rms_norm")


@dataclass(frozen=True)
class TensorValues:
    value: dict[Node, np.ndarray]            # per-sample nodes with the batch axis first
    adjoint: dict[Node, np.ndarray]          # of the summed errors per sample; a parameter's: the cost's gradient
    statistics: dict[Node, tuple[np.ndarray, np.ndarray]]    # a normalization's output -> (x̂, σ²)
    loss: float
    history: tuple[float, ...] = ()          # the loss before each step of [training] iterations of SGD
    trained: dict[Node, np.ndarray] | None = None     # the parameters after them

    def gradients(self) -> dict[str, np.ndarray]:
        return {node.name: array for node, array in self.adjoint.items() if node.kind == Kind.PARAMETER}


def evaluate_tensor(spec: TensorSpec, every_adjoint: bool = False) -> tuple[TensorGraph, TensorValues]:
    """`every_adjoint`: the input's adjoint and every node's, not only those a parameter's gradient needs."""
    graph, given = lower_tensor(spec)
    tape = Tape(graph, 1.0 / len(spec.inputs) if spec.loss.reduction == "mean" else 1.0, TENSOR_OPS, every_adjoint)
    slots = tape.run(given)
    value = {node: np.asarray(slots[i]) for node, i in tape.slots.value.items() if slots[i] is not None}
    adjoint = {node: np.asarray(slots[i]) for node, i in tape.slots.adjoint.items()
               if i is not None and slots[i] is not None}
    normalized = {a.output: statistics(a.op, value[a.inputs[0]], a.attribute("epsilon"),
                                             dict(a.attributes).get("last_axis", False))
                  for a in graph.applications if a.op in NORMS}
    history, trained = (), None
    if spec.training is not None and spec.training.iterations:
        history, trained = _train(tape, graph, given, spec.training.learning_rate, spec.training.iterations)
    return graph, TensorValues(value, adjoint, normalized, float(value[graph.loss]), history, trained)


def _train(tape: Tape, graph: TensorGraph, given: dict, rate: float, iterations: int):
    """Plain SGD on the cost's gradients, the tape replayed on one set of slots."""
    v = tape.blank()
    for node, array in given.items():
        v[tape.slots.value[node]] = array
    parameters = [(tape.slots.value[p], tape.slots.adjoint[p]) for p in graph.of_kind(Kind.PARAMETER)
                  if p in tape.slots.adjoint]
    history = []
    for _ in range(iterations):
        tape.replay(v)
        history.append(float(v[tape.slots.value[graph.loss]]))
        if not np.isfinite(history[-1]):
            raise DeriveError(f"training: the loss is not finite after {len(history) - 1} steps; expected a smaller "
                              "training.learning_rate")
        for value, adjoint in parameters:
            v[value] = v[value] - rate * v[adjoint]
    return tuple(history), {p: v[tape.slots.value[p]] for p in graph.of_kind(Kind.PARAMETER)}


def numbers_by_base(level: TensorIndexLevel, values: TensorValues, graph: TensorGraph) -> dict:
    """Each base and symbol of the index form (core/tensor_index.py) -> its numbers: the nodes' values
    and adjoints, the normalizations' x̂, σ² and ε."""
    found = {level.bases[node]: array for node, array in values.value.items()}
    found |= {level.adjoint_bases[node]: array for node, array in values.adjoint.items()}
    for application in graph.applications:
        if application.op in NORMS:
            names = level.statistics(application)
            hat, spread = values.statistics[application.output]
            found |= {names.hat: hat, names.spread: spread, names.epsilon: application.attribute("epsilon")}
    return found
