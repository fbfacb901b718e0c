"""The numbers a sequence post's names can stand for: one step of a recurrent cell, or one attention,
taken from the spec's network run by the one tape (numeric/tensor_values.py).

A cell's step t is a middle step, so that it has a previous state and a later step. Every quantity is
kept under a key: `h`, `c`, `x`, a gate's output (`i`, `f`, `g`, `o`; `r`, `z`, `n`), its net input
(`net:f`), its weights (`W:f`, `U:f`, `b:f`), the previous step's (`h-1`, `c-1`, `g-1`). Each adjoint's
key starts with `d:`. Where a post's name has more than one common meaning, the key has more than one
value (a shared weight's gradient: this step's term, or the sum over every step), and the judge tries
each (see names.py). Vectors are columns; a matrix is (rows: outputs, columns: inputs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...core.graph import Kind
from ...core.ops import TENSOR_OPS
from ...core.ops.gates import gate_net
from ...core.lower_sequence import CELLS
from ...errors import DeriveError
from ...numeric.tensor_values import evaluate_tensor
from ...rules import kernels
from ...spec.sequence import GATE_NAMES

ATTENDING = ("attention", "transformer_block")


@dataclass
class World:
    kind: str                                   # rnn, lstm, gru, attention
    values: dict[str, list[np.ndarray]] = field(default_factory=dict)
    sizes: dict[str, float] = field(default_factory=dict)       # d_k, the head width
    activation: str = "tanh"                    # an RNN's state's

    def add(self, key: str, *arrays) -> None:
        found = self.values.setdefault(key, [])
        for array in arrays:
            array = np.asarray(array, dtype=float)
            if not any(a.shape == array.shape and np.array_equal(a, array) for a in found):
                found.append(array)


def world(spec) -> World:
    """The world of the spec's first recurrent or attention layer."""
    layers = [k for k, layer in enumerate(spec.layers) if layer.kind in CELLS + ATTENDING]
    if not layers:
        raise DeriveError("verify reads sequence posts about an RNN, LSTM, GRU or attention layer; this spec has "
                          "none: expected such a layer")
    if not spec.has_values:
        raise DeriveError("verify checks a sequence post at the spec's numbers: this spec gives the layer form only; "
                          "expected [input] values or tokens (and the weights, or [init] seed)")
    graph, values = evaluate_tensor(spec, every_adjoint=True)
    layer = spec.layers[layers[0]]
    index = layers[0] + 1
    if layer.kind in CELLS:
        return _cell(graph, values, layer, index)
    return _attention(graph, values, layer, index)


class _Run:
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
        """Each input's term from this application: its VJP kernel at sample 0."""
        numbers = self.numbers
        inputs = [numbers.value[n][:1] if n.kind != Kind.PARAMETER else numbers.value[n] for n in application.inputs]
        output = numbers.value[application.output][:1]
        upstream = self.numbers.adjoint[application.output][:1]
        kernel = TENSOR_OPS[application.op].numeric.vjp(**dict(application.attributes))
        found = kernel(inputs, output, upstream)
        return tuple(None if term is None else (term[0] if n.kind != Kind.PARAMETER else term)
                     for n, term in zip(application.inputs, found))

    def consumers(self, name: str) -> list:
        node = self.nodes[name]
        return [a for a in self.graph.applications if node in a.inputs]


def _column(array: np.ndarray) -> np.ndarray:
    return array.reshape(-1, 1) if array.ndim == 1 else array


def _cell(graph, values, layer, index: int) -> World:
    run = _Run(graph, values)
    steps = layer.shape[0] if dict(layer.attributes)["sequence"] else _steps(run, index)
    if steps < 2:
        raise DeriveError("verify checks a recurrent post at a step with a previous state: this spec's sequence "
                          "has one step; expected at least 2")
    t = 2                                       # the second step (from 1): it has a previous state
    kind = layer.kind
    found = World(kind, activation=dict(layer.attributes).get("nonlinearity", "tanh"))
    name = lambda base, at=t: f"{base}{index}_{at}"           # noqa: E731
    here = [a for a in graph.applications if a.output.layer == index and _step(a) == t]
    states = ("h", "c") if kind == "lstm" else ("h",)
    gates = {"rnn": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}[kind]
    for base in ("x",) + states + gates + (("p", "q") if kind == "gru" else ()):
        found.add(base, _column(run.value(name(base))))
        if name(base, t - 1) in run.nodes:
            found.add(f"{base}-1", _column(run.value(name(base, t - 1))))
        found.add(f"d:{base}", _column(run.adjoint(name(base))))
    local: dict[str, np.ndarray] = {}
    for application in here:
        for node, term in zip(application.inputs, run.terms(application)):
            if term is not None:
                local[node.name] = local.get(node.name, 0) + term
        if application.op == "gate" and application.output.name[:1] in gates + ("h",):
            _gate(found, run, application)
    for state in states:                        # the state's gradient from the later steps, and this step's
        node = run.nodes[name(state)]
        later = sum((run.terms(a)[a.inputs.index(node)] for a in run.consumers(node.name) if _step(a) > t),
                    np.zeros(node.shape))
        found.add(f"d:{state}>", _column(later), _column(run.adjoint(node.name)))     # or the whole of it
        found.add(f"d:{state}-1", _column(local[name(state, t - 1)]))
    found.add("d:x", _column(local[name("x")]))
    for role in _parameters(kind):
        parameter = f"{role}{index}"
        if parameter in local:
            node = run.nodes[parameter]
            every = sum(run.terms(a)[a.inputs.index(node)] for a in run.consumers(parameter))
            if node.shape[1:] == ():
                local[parameter], every = _column(local[parameter]), _column(every)
            found.add(f"d:{_key(role)}", local[parameter], every)      # this step's term, or every step's
            found.add(_key(role), _column(values.value[node]) if node.shape[1:] == () else values.value[node])
    return found


def _step(application) -> int:
    """The step an application of a cell belongs to (from 1), 0 for one outside the steps (the stack)."""
    tail = application.output.name.rsplit("_", 1)
    return int(tail[1]) if len(tail) == 2 and tail[1].isdigit() else 0


def _steps(run: _Run, index: int) -> int:
    return sum(1 for name in run.nodes if name.startswith(f"x{index}_"))


def _parameters(kind: str) -> list[str]:
    names = []
    for gate in GATE_NAMES[kind]:
        names += [f"W{gate}", f"U{gate}", f"b{gate}"] + ([f"bh{gate}"] if kind == "gru" else [])
    return names


def _key(role: str) -> str:
    """Wf -> W:f, bhr -> b':r, W -> W: (an RNN's one gate)."""
    if role.startswith("bh"):
        return f"b':{role[2:]}"
    return f"{role[0]}:{role[1:]}"


def _gate(found: World, run: _Run, application) -> None:
    """A gate's net input and its adjoint: the gate's own op computes both."""
    gate = application.output.name[:1]
    gate = "" if gate == "h" else gate
    numbers = run.numbers
    inputs = [numbers.value[n][:1] if n.kind != Kind.PARAMETER else numbers.value[n] for n in application.inputs]
    sources = application.attribute("sources")
    net = gate_net(inputs, sources)
    function = application.attribute("function")
    through = kernels.vjp_kernel(function)
    output, upstream = numbers.value[application.output][:1], numbers.adjoint[application.output][:1]
    found.add(f"net:{gate}", _column(net[0]))
    found.add(f"d:net:{gate}", _column(through(net, output, upstream)[0]))


def _attention(graph, values, layer, index: int) -> World:
    run = _Run(graph, values)
    attributes = dict(layer.attributes)
    heads = attributes.get("heads", 1)
    found = World("attention")
    scores = next(a for a in graph.applications if a.op == "scores" and a.output.layer == index)
    q, k = scores.inputs
    width = q.shape[-1] // heads
    found.sizes["d_k"] = width
    weights = next(a for a in graph.applications if a.op == "softmax" and a.inputs[0] == scores.output)
    attend = next(a for a in graph.applications if a.op == "attend" and a.inputs[0] == weights.output)
    v = attend.inputs[1]
    head = (lambda a: a[0]) if heads > 1 else (lambda a: a)             # noqa: E731
    part = slice(0, width)
    for key, node in (("Q", q), ("K", k), ("V", v), ("O", attend.output)):
        whole, adjoint = run.value(node.name), run.adjoint(node.name)
        found.add(key, whole[:, part] if heads > 1 else whole)
        found.add(f"d:{key}", adjoint[:, part] if heads > 1 else adjoint)
    for key, node in (("S", scores.output), ("A", weights.output)):
        found.add(key, head(run.value(node.name)))
        found.add(f"d:{key}", head(run.adjoint(node.name)))
    projecting = [a for a in run.consumers(attend.output.name) if a.op == "linear"]
    source = run.making[q].inputs[0]
    found.add("X", run.value(source.name) if source.kind != Kind.PARAMETER else values.value[source])
    into_x = 0
    for key, node in (("q", q), ("k", k), ("v", v)):
        application = run.making[node]
        terms = run.terms(application)
        into_x = into_x + terms[0]
        found.add(f"W:{key}", values.value[application.inputs[1]])
        found.add(f"d:W:{key}", terms[1])
    found.add("d:X", into_x, run.adjoint(source.name) if source.kind != Kind.PARAMETER else into_x)
    if projecting:
        out = projecting[0]
        found.add("Y", run.value(out.output.name))
        found.add("d:Y", run.adjoint(out.output.name))
        found.add("W:o", values.value[out.inputs[1]])
        found.add("d:W:o", run.terms(out)[1])
    return found
