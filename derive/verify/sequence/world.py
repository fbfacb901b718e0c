"""The numbers a sequence post's names can stand for: every step of a recurrent cell, or one
attention (world_attention.py), taken from the spec's network run by the one tape
(numeric/tensor_values.py) and the rows' VJP kernels.

Every quantity is kept under a key: `h`, `c`, `x`, a gate's output (`i`, `f`, `g`, `o`; `r`, `z`, `n`),
its net input (`net:f`), its weights (`W:f`, `U:f`, `b:f`), and, where the cell feeds a dense read-out
at every step, its logits, its softmax `yhat`, the target `y` and its weights `V:`, `b:y`. Each
adjoint's key starts with `d:`. A step's keys are its own (`World.steps`); the weights are every step's
(`World.values`). Where a post's name has more than one common meaning, the key has more than one
value (a shared weight's gradient: this step's term, or the sum over every step), and the judge tries
each (names.py). Vectors are columns; a matrix is (rows: outputs, columns: inputs).
"""

from __future__ import annotations

import numpy as np

from ...core.graph import Kind
from ...core.ops.gates import gate_net
from ...core.lower_sequence import CELLS
from ...errors import DeriveError
from ...numeric.tensor_values import evaluate_tensor
from ...rules import kernels
from ...rules.losses import LOSSES
from ...spec.sequence import GATE_NAMES
from .quantities import STACK_ORDERS, Run, World

ATTENDING = ("attention", "transformer_block")


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
        found = _cell(graph, values, layer, index)
    else:
        from .world_attention import attention_world
        found = attention_world(graph, values, layer, index)
    if spec.training is not None:
        found.sizes["lr"] = spec.training.learning_rate        # W⁺ = W - η ∂L/∂W
    return found


def _column(array: np.ndarray) -> np.ndarray:
    return array.reshape(-1, 1) if array.ndim == 1 else array


def _cell(graph, values, layer, index: int) -> World:
    run = Run(graph, values)
    steps = _steps(run, index)
    if steps < 2:
        raise DeriveError("verify checks a recurrent post at a step with a previous state: this spec's sequence "
                          "has one step; expected at least 2")
    kind = layer.kind
    found = World(kind, steps=[{} for _ in range(steps)], activation=dict(layer.attributes).get("nonlinearity", "tanh"))
    found.sizes["T"] = steps
    found.reset_after = dict(layer.attributes).get("reset_after", True)
    found.step_losses = any(a.op == "sequence_ce" or a.op == "loss" and len(a.inputs[0].shape) == 2
                            for a in run.graph.applications)
    found.steps_mean = any(dict(a.attributes).get("positions") == "mean" for a in run.graph.applications)
    for t in range(1, steps + 1):
        _one_step(found, run, kind, index, t)
    for key, arrays in found.steps[1].items():      # the first step has no previous state, no forget gate
        if key not in found.steps[0]:
            found.add(key, *(np.zeros_like(a) for a in arrays), step=0)
    for role in _parameters(kind):
        parameter = f"{role}{index}"
        if parameter in run.nodes:
            node = run.nodes[parameter]
            found.add(_key(role), _column(values.value[node]) if node.shape[1:] == () else values.value[node])
    if kind == "lstm":
        _stacked(found)
    _read_out(found, run, index)
    _last_read_out(found, run, f"h{index}_{steps}")
    return found


def _stacked(found: World) -> None:
    """Code's view of an LSTM: the four gates' weights, biases, net inputs and their gradients stacked
    in each order in use (PyTorch's W_{ih}, W_{hh}, b_{ih} + b_{hh}, gates; CS231n's Wx, Wh, b, a)."""
    for order in STACK_ORDERS:
        suffix = "" if order == STACK_ORDERS[0] else f"/{order}"
        for key in ("W", "U", "b"):
            found.add(f"{key}:stack{suffix}", np.vstack([found.values[f"{key}:{q}"][0] for q in order]))
        for step in found.steps:
            for key in ("net", "d:net", "d:W", "d:U", "d:b"):
                readings = zip(*(step[f"{key}:{q}"] for q in order))
                step[f"{key}:stack{suffix}"] = [np.vstack(parts) for parts in readings]
    found.add("b:zero", np.zeros_like(found.values["b:stack"][0]))


def _one_step(found: World, run: "Run", kind: str, index: int, t: int) -> None:
    step = t - 1
    name = lambda base, at=t: f"{base}{index}_{at}"           # noqa: E731
    here = [a for a in run.graph.applications if a.output.layer == index and _step(a) == t]
    states = ("h", "c") if kind == "lstm" else ("h",)
    gates = {"rnn": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}[kind]
    for base in ("x",) + states + gates + (("p", "q", "m") if kind == "gru" else ()):   # m: Cho's r ⊙ h'
        if name(base) in run.nodes:
            found.add(base, _column(run.value(name(base))), step=step)
            found.add(f"d:{base}", _column(run.adjoint(name(base))), step=step)
    local: dict[str, np.ndarray] = {}
    for application in here:
        for node, term in zip(application.inputs, run.terms(application)):
            if term is not None:
                local[node.name] = local.get(node.name, 0) + term
        if application.op == "gate" and application.output.name[:1] in gates + ("h",):
            _gate(found, run, application, step)
    for state in states:                        # the state's gradient from the later steps, and this step's
        node = run.nodes[name(state)]
        later = sum((run.terms(a)[a.inputs.index(node)] for a in run.consumers(node.name) if _step(a) > t),
                    np.zeros(node.shape))
        found.add(f"d:{state}>", _column(later), _column(run.adjoint(node.name)), step=step)
        if name(state, t - 1) in local:
            found.add(f"d:{state}<", _column(local[name(state, t - 1)]), step=step)     # into the previous state
    found.add("d:x", _column(local[name("x")]), step=step)
    for role in _parameters(kind):
        parameter = f"{role}{index}"
        if parameter in local:
            node = run.nodes[parameter]
            every = sum(run.terms(a)[a.inputs.index(node)] for a in run.consumers(parameter))
            term = local[parameter]
            if node.shape[1:] == ():
                term, every = _column(term), _column(every)
            found.add(f"d:{_key(role)}", term, every, step=step)      # this step's term, or every step's


def _read_out(found: World, run: "Run", index: int) -> None:
    """A dense layer at every step after the cell, into the softmax cross-entropy: its logits, the
    softmax ŷ, the one-hot target y, its weights V and bias, each step's own."""
    stacked = run.nodes.get(f"H{index}")
    dense = [a for a in run.consumers(stacked.name) if a.op == "linear"] if stacked is not None else []
    losses = [a for a in run.consumers(dense[0].output.name) if a.op == "sequence_ce"] if dense else []
    if dense and not losses:
        _values_read_out(found, run, dense[0])
        return
    if not losses:
        return
    out = dense[0].output
    logits, adjoint = run.value(out.name), run.adjoint(out.name)
    terms = run.terms(dense[0])
    target = run.numbers.value[losses[0].inputs[1]][0]
    for step in range(len(found.steps)):
        h = found.steps[step]["h"][0]
        row = logits[step].reshape(-1, 1)
        shifted = np.exp(row - row.max())
        found.add("logit", row, step=step)
        found.add("yhat", shifted / shifted.sum(), step=step)
        found.add("y", np.eye(row.shape[0])[int(target[step])].reshape(-1, 1), step=step)
        found.add("d:logit", adjoint[step].reshape(-1, 1), step=step)
        probabilities, one_hot = found.steps[step]["yhat"][0], found.steps[step]["y"][0]
        found.add("d:yhat", -one_hot / probabilities / (len(found.steps) if found.steps_mean else 1), step=step)
        found.add("d:V:", adjoint[step].reshape(-1, 1) @ h.T, terms[1], step=step)
        if len(terms) > 2:
            found.add("d:b:y", adjoint[step].reshape(-1, 1), _column(terms[2]), step=step)
    own = [-np.log(found.steps[step]["yhat"][0][int(target[step]), 0]) for step in range(len(found.steps))]
    for step, loss in enumerate(own):           # each step's own cross-entropy, and the loss: their mean or sum
        found.add("loss", loss, step=step)
    found.add("loss:all", np.mean(own) if found.steps_mean else np.sum(own))
    found.add("V:", run.numbers.value[dense[0].inputs[1]])
    if len(dense[0].inputs) > 2:
        found.add("b:y", _column(run.numbers.value[dense[0].inputs[2]]))


def _values_read_out(found: World, run: Run, layer) -> None:
    """A dense layer at every step (and its activation) into a squared error against each step's target
    values: each step's net input, output ŷ, target y, weights V and bias, their gradients, and each
    step's own error, the loss their sum (or mean)."""
    after = [a for a in run.consumers(layer.output.name) if a.op == "activation"]
    output = after[0].output if len(after) == 1 else layer.output
    losses = [a for a in run.consumers(output.name) if a.op == "loss"]
    if len(losses) != 1:
        return
    found.read_out = after[0].attribute("function") if after else "linear"
    target, outputs = run.numbers.value[losses[0].inputs[1]][0], run.value(output.name)
    row = LOSSES[losses[0].attribute("function")].over(target.shape[-1])
    own = row.numpy(target, outputs, None, None).sum(axis=-1)
    terms = run.terms(layer)
    slope = run.terms(losses[0])[0]      # the loss's own derivative (a loss fused with its activation skips ŷ's)
    for step in range(len(found.steps)):
        found.add("logit", _column(run.value(layer.output.name)[step]), step=step)
        found.add("d:logit", _column(run.adjoint(layer.output.name)[step]), step=step)
        found.add("yhat", _column(outputs[step]), step=step)
        found.add("d:yhat", _column(slope[step]), step=step)
        found.add("y", _column(target[step]), step=step)
        found.add("d:V:", _column(run.adjoint(layer.output.name)[step]) @ found.steps[step]["h"][0].T, terms[1],
                  step=step)
        if len(terms) > 2:
            found.add("d:b:y", _column(run.adjoint(layer.output.name)[step]), _column(terms[2]), step=step)
        found.add("loss", own[step], step=step)
    found.add("loss:all", own.mean() if found.steps_mean else own.sum())
    found.add("V:", run.numbers.value[layer.inputs[1]])
    if len(layer.inputs) > 2:
        found.add("b:y", _column(run.numbers.value[layer.inputs[2]]))


def _last_read_out(found: World, run: Run, last: str) -> None:
    """A dense layer on the last state alone (a many-to-one network): its output ŷ, the target y, its
    weights V and bias, and their gradients, all the last step's."""
    dense = [a for a in run.consumers(last) if a.op == "dense"]
    if len(dense) != 1 or found.step_losses:
        return
    layer = dense[0]
    after = [a for a in run.consumers(layer.output.name) if a.op == "activation"]
    output = after[0].output if len(after) == 1 else layer.output
    losses = [a for a in run.consumers(output.name) if a.op == "loss"]
    if len(losses) != 1:
        return
    step = len(found.steps) - 1
    found.read_at_last = True
    found.read_out = after[0].attribute("function") if after else "linear"
    found.add("logit", _column(run.value(layer.output.name)), step=step)
    found.add("d:logit", _column(run.adjoint(layer.output.name)), step=step)
    found.add("yhat", _column(run.value(output.name)), step=step)
    found.add("d:yhat", _column(run.terms(losses[0])[0]), step=step)
    found.add("y", _column(run.numbers.value[losses[0].inputs[1]][0]), step=step)
    if run.numbers.value[losses[0].inputs[1]].shape[0] == 1:     # one sample: the loss is its own
        found.add("loss:all", run.numbers.value[losses[0].output])
    terms = run.terms(layer)
    found.add("V:", run.numbers.value[layer.inputs[1]])
    found.add("d:V:", terms[1], step=step)
    if len(layer.inputs) > 2:
        found.add("b:y", _column(run.numbers.value[layer.inputs[2]]))
        found.add("d:b:y", _column(terms[2]), step=step)


def _step(application) -> int:
    """The step an application of a cell belongs to (from 1), 0 for one outside the steps (the stack)."""
    tail = application.output.name.rsplit("_", 1)
    return int(tail[1]) if len(tail) == 2 and tail[1].isdigit() else 0


def _steps(run: Run, index: int) -> int:
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


def _gate(found: World, run: "Run", application, step: int) -> None:
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
    found.add(f"net:{gate}", _column(net[0]), step=step)
    found.add(f"d:net:{gate}", _column(through(net, output, upstream)[0]), step=step)
