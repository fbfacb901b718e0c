"""What verify's sequence world is made of: the World (each quantity under its key, a step's own and
every step's) and a run's numbers at sample 0 (each node's value and adjoint, each application's VJP
terms from the rows' kernels)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...core.graph import Kind
from ...core.ops import TENSOR_OPS

# the orders code stacks an LSTM's four gates in: PyTorch's and Keras's (i, f, g, o; spec/sequence.py's
# GATE_NAMES), CS231n's (i, f, o, g), TensorFlow's (i, j = g, f, o); key "W:stack" the first, "W:stack/ifog" another
STACK_ORDERS = ("ifgo", "ifog", "igfo")
IN_VIEW = 1                 # the step a claim without a sum over time is read at: the second, which has a previous


@dataclass
class World:
    kind: str                                   # rnn, lstm, gru, attention
    values: dict[str, list[np.ndarray]] = field(default_factory=dict)       # every step's (or attention's)
    steps: list[dict[str, list[np.ndarray]]] = field(default_factory=list)  # each step's own
    sizes: dict[str, float] = field(default_factory=dict)       # d_k, the head width; T, the steps
    at: int = IN_VIEW                           # the step in view
    activation: str = "tanh"                    # an RNN's state's
    step_losses: bool = False                   # a loss at every step, not the last step's alone
    steps_mean: bool = True                     # the step losses' mean (the spec's loss.positions), or their sum
    read_out: str = "softmax"                   # the read-out's activation
    read_at_last: bool = False                  # the read-out on the last state alone (many-to-one)
    reset_after: bool = True                    # a GRU's: PyTorch's (r after U_n), or Cho et al.'s (before)

    def lookup(self, key: str, step: int | None = None) -> list[np.ndarray] | None:
        step = self.at if step is None else step
        if self.steps and 0 <= step < len(self.steps) and key in self.steps[step]:
            return self.steps[step][key]
        return self.values.get(key)

    def add(self, key: str, *arrays, step: int | None = None) -> None:
        found = (self.values if step is None else self.steps[step]).setdefault(key, [])
        for array in arrays:
            array = np.asarray(array, dtype=float)
            if not any(a.shape == array.shape and np.array_equal(a, array) for a in found):
                found.append(array)


class Run:
    """The graph's nodes by name, sample 0's value and adjoint of each, and each application's terms."""

    def __init__(self, graph, values):
        self.graph, self.numbers = graph, values
        self.nodes = {node.name: node for node in graph.nodes}
        self.making = {a.output: a for a in graph.applications}

    def value(self, name: str) -> np.ndarray:
        return self.numbers.value[self.nodes[name]][0]

    def adjoint(self, name: str) -> np.ndarray:
        node = self.nodes[name]
        found = self.numbers.adjoint.get(node)
        if found is None:
            return np.zeros(node.shape)
        return found if node.kind == Kind.PARAMETER else found[0]

    def terms(self, application) -> tuple:
        """Each input's term from this application: its VJP kernel at sample 0 (the loss's: its own
        derivative, by the whole batch's inputs, of which sample 0's is taken)."""
        numbers = self.numbers
        whole = application.output.shape == () and application.output == self.graph.loss
        inputs = [numbers.value[n][:1] if n.kind != Kind.PARAMETER and not whole else numbers.value[n]
                  for n in application.inputs]
        output = numbers.value[application.output]
        output, upstream = (output, np.ones_like(output)) if whole else \
            (output[:1], self.numbers.adjoint[application.output][:1])
        kernel = TENSOR_OPS[application.op].numeric.vjp(**dict(application.attributes))
        found = kernel(inputs, output, upstream)
        return tuple(None if term is None else (term[0] if n.kind != Kind.PARAMETER else term)
                     for n, term in zip(application.inputs, found))

    def consumers(self, name: str) -> list:
        node = self.nodes[name]
        return [a for a in self.graph.applications if node in a.inputs]
