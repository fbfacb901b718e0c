"""Numbers: forward values, the loss, gradients and training, from the op rows' NumPy kernels on
the tensor graph (core/ops/), replayed from one recording of the reverse walk (tape.py).

A layer's δ is the tape's adjoint of its net input, per sample; tests hold the kernels to the
derivation's lambdified closed forms, to finite differences and to PyTorch. Arrays hold one
sample per row. Parameters are kept in column orientation, W of shape (units, inputs).

Non-finite numbers get one behaviour for every document: the first step (forward,
gradients, update, loss after it) must be finite, else a DeriveError names the
layer; training stops at the first step whose loss or parameters are not finite,
keeps the last finite state and says so in `Values.warnings`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import sympy as sp

from ..core.chain import Derivation
from ..core.graph import Kind, Node, TensorGraph, lower
from ..core.ops.dense import layer_bias_cancels
from ..core.ops.loss import unit_errors
from ..core.walk import fusion
from ..errors import DeriveError
from ..progress import progress
from ..rules import kernels
from ..rules.optimizers import OPTIMIZERS
from ..rules.penalty import value as penalty_value
from ..spec.load import NetworkSpec
from .parameters import OptimizerState, Parameters
from .tape import Tape, getter

# How far a factor-by-factor product may stray from the fused delta before it is not
# the same number: rounding leaves ~1e-16; an output rounded to 0 or 1 leaves far more.
PRODUCT_RTOL, PRODUCT_ATOL = 1e-9, 1e-12
# The largest finite float, as the messages name it.
FLOAT_MAX = f"{np.finfo(float).max:.1e}"


@dataclass(frozen=True)
class Forward:
    inputs: np.ndarray                # (m, n0)
    nets: tuple[np.ndarray, ...]      # (m, units) per layer
    outs: tuple[np.ndarray, ...]
    unit_errors: np.ndarray           # (m, outputs): E_k per sample
    loss: float                       # the error, reduced over the samples
    penalty: float = 0.0              # lambda/2 * sum of squared weights: the L2 term (0 without it)
    activations: tuple[np.ndarray, ...] = ()   # g(net) per layer: the outputs before dropout's mask
    taped: list | None = field(default=None, compare=False, repr=False)   # the tape's values and adjoints, by slot

    @property
    def cost(self) -> float:
        """What training minimises: the error plus the penalty."""
        return self.loss + self.penalty


@dataclass(frozen=True)
class LayerFactors:
    """Per-sample chain factors of one layer, for the document.

    `fused[s, j]` is True where the factors of unit j do not multiply to its delta in
    floating point: an output rounded to 0 or 1 makes dE/dout 0/0 or infinite, or
    dout/dnet 0, while the fused delta (out - target) is finite. There the document
    shows the fused form instead of the factors, whose numbers are then meaningless.
    """
    d_out: np.ndarray                 # (m, units): dE_s/dout
    d_act: np.ndarray | None          # (m, units): dout/dnet
    jacobian: np.ndarray | None       # (m, k, j): dout_k/dnet_j (softmax)
    delta: np.ndarray                 # (m, units): dE_s/dnet
    paths: np.ndarray | None          # (m, paths, units): delta_o * w_ho, then dE/dout of each skip reading it
    fused: np.ndarray                 # (m, units) bool: the factors' product is not representable


@dataclass(frozen=True)
class Training:
    iterations: int                   # steps done: all of them, or those before the stop
    loss: float                       # the cost after `iterations` steps; always finite
    outputs: np.ndarray               # (m, outputs)
    history: np.ndarray               # the cost after 0..iterations steps, all finite
    parameters: Parameters
    stopped_at: int | None = None     # the step whose loss or parameters were first not finite
    stop_reason: str | None = None    # what was not finite, in words


@dataclass(frozen=True)
class Values:
    parameters: Parameters
    forward: Forward
    factors: tuple[LayerFactors, ...]
    gradients: Parameters             # of the cost: the error's plus the penalty's
    error_gradients: Parameters       # of the error alone, as the chain gives them (the same without L2)
    updated: Parameters
    state: OptimizerState             # after the first update
    after_step: Forward
    training: Training | None
    scale: float                      # 1/m for a mean, 1 for a sum
    warnings: tuple[str, ...] = ()    # one line each, for stderr
    cancelled_biases: tuple[bool, ...] = ()   # per layer: a shared bias whose gradient is 0 exactly (softmax's)


def parameter_values(graph, params: Parameters) -> dict[sp.Symbol, float]:
    """Each weight's and bias's value by its symbol (graph.Graph's connections and biases)."""
    table = {}
    for layer, w, b in zip(graph.layers, params.weights, params.biases):
        for j, row in enumerate(layer.connections):
            for i, c in enumerate(row):
                table[c.weight] = w[j, i]
        for k, bias in enumerate(layer.biases):
            table[bias.symbol] = b[k]
    return table


def initial_parameters(spec: NetworkSpec) -> Parameters:
    weights, biases = [], []
    for layer in spec.layers:
        w = np.array(layer.weights, dtype=float)
        weights.append(w if spec.layout == "column" else w.T)
        biases.append(np.array([layer.bias] if layer.shared_bias else layer.bias, dtype=float))
    return Parameters(tuple(weights), tuple(biases))


class Evaluator:
    """The network in NumPy: the op rows' kernels on the tensor graph, replayed from one recording of
    the reverse walk (tape.py). The derivation's closed forms are not evaluated here; tests hold the
    kernels to them."""

    def __init__(self, spec: NetworkSpec, derivation: Derivation, tick: Callable[[int], object] = lambda n: None):
        self.spec = spec
        self.derivation = derivation
        self.graph = derivation.graph
        self.inputs = np.array(spec.inputs, dtype=float)
        self.targets = np.array(spec.targets, dtype=float)
        self.scale = 1.0 / spec.samples if spec.loss.reduction == "mean" else 1.0
        self.l2 = spec.loss.l2
        self.optimizer = OPTIMIZERS[spec.training.optimizer] if spec.training else None
        self._step = (self.optimizer.stepper(spec.training.learning_rate, dict(spec.training.hyperparameters))
                      if spec.training else None)
        self._loss_slope = kernels.loss_slope(spec.loss.function, len(self.graph.layers[-1].units))
        tensors = lower(spec)
        self.tape = Tape(tensors, self.scale)
        self._layers = _layer_nodes(tensors, len(spec.layers))
        self.cancelled_biases = tuple(layer_bias_cancels(tensors, l) for l in range(1, len(spec.layers) + 1))
        self._error = next(a for a in tensors.applications if a.op == "loss")
        self._fused = fusion(tensors, self._error)      # the activation the loss reads alone, if it does
        # each parameter's node in the order Parameters.flat lays them out (None: a layer without bias,
        # whose zeros Parameters keeps), and its size there
        self._parameters = tuple(layer.weight for layer in self._layers) + tuple(layer.bias for layer in self._layers)
        self._sizes = tuple(a.size for a in (lambda p: p.weights + p.biases)(initial_parameters(spec)))
        self._zeros = tuple(np.zeros(size) for size in self._sizes)
        # the optimizer updates the parameters first in the vector: all, or the weights alone
        self._updated_parameters = len(self._parameters) if not spec.training or spec.training.update_bias \
            else len(self._layers)
        self._updated_size = sum(self._sizes[:self._updated_parameters])
        # training's tape asks for the gradients it updates alone: no bias terms where the biases are kept
        updated_nodes = frozenset(node for node in self._parameters[:self._updated_parameters] if node)
        self._training_tape = self.tape if self._updated_parameters == len(self._parameters) else \
            Tape(tensors, self.scale, wanted=updated_nodes)
        # the slots before each replay, inputs and targets given; where each parameter's view of the vector goes
        given = {tensors.of_kind(Kind.INPUT)[0]: self.inputs, tensors.of_kind(Kind.TARGET)[0]: self.targets}
        self._blanks = {id(tape): tape.filled(given) for tape in (self.tape, self._training_tape)}
        stops = np.cumsum(self._sizes)
        self._parameter_views = tuple((self.tape.slots.value[node], stop - size, stop, node.shape)
                                      for node, size, stop in zip(self._parameters, self._sizes, stops) if node)
        # the slots training reads: each parameter's gradient (None: it has none), the error, the weights
        adjoint, value = self.tape.slots.adjoint, self.tape.slots.value
        self._gradient_slots = tuple(adjoint.get(node) for node in self._parameters)
        self._error_gradient_slots = tuple(self.tape.slots.error_adjoint.get(node) for node in self._parameters)
        self._error_slot = value[self._error.output]
        self._weight_slots = tuple(value[layer.weight] for layer in self._layers)
        # per layer: what dropout multiplies g(net) by, mask / (1 - p) as (m, units), or None
        self.drops = tuple(None if not layer.dropout else
                           np.array([layer.kept(s) for s in range(spec.samples)], dtype=float) / (1 - layer.dropout)
                           for layer in spec.layers)
        # the layers whose skip connection reads layer l's output, whose dE/dout its own gathers
        skips = tuple(None if layer.skip is None else layer.skip - 1 for layer in spec.layers)
        self.skipped_by = tuple(tuple(t for t, k in enumerate(skips) if k == l) for l in range(len(spec.layers)))
        for layer in self.graph.layers:
            tick(len(layer.units))

    # -- evaluation: the tape's slots, read per layer --------------------------------
    def _run(self, params: Parameters) -> list:
        return self._replay(params.flat)

    def _replay(self, flat: np.ndarray, tape: Tape | None = None) -> list:
        """The tape (the document's, unless given) replayed at the parameters laid out as
        Parameters.flat lays them out."""
        tape = tape or self.tape
        v = self._blanks[id(tape)].copy()
        for slot, start, stop, shape in self._parameter_views:
            v[slot] = flat[start:stop].reshape(shape)
        return tape.replay(v)

    def forward(self, params: Parameters) -> Forward:
        """The forward values, with the backward's adjoints beside them (one replay of the tape)."""
        v, at = self._run(params), self.tape.slots.value
        nets = tuple(v[at[layer.net]] for layer in self._layers)
        outs = tuple(v[at[layer.out]] for layer in self._layers)
        net, activation = (None, None) if self._fused is None else (v[at[self._fused.inputs[0]]],
                                                                    self._fused.attribute("function"))
        errors = unit_errors(v[at[self._error.inputs[0]]], self.targets, self._error.attribute("function"),
                             net, activation)
        return Forward(self.inputs, nets, outs, errors, float(v[at[self._error.output]]),
                       penalty_value(self.l2, params.weights),
                       tuple(v[at[layer.activated]] for layer in self._layers), v)

    def backward(self, params: Parameters, fwd: Forward) -> tuple[list, list[np.ndarray]]:
        """dE/dout (None at the output, whose delta is fused) and dE/dnet of every layer, (m, units),
        per sample: the tape's adjoints of the summed errors."""
        v, at = fwd.taped, self.tape.slots.adjoint
        d_outs = [v[at[layer.out]] for layer in self._layers[:-1]] + [None]
        return d_outs, [v[at[layer.net]] for layer in self._layers]

    def deltas(self, params: Parameters, fwd: Forward) -> list[np.ndarray]:
        return self.backward(params, fwd)[1]

    def gradients(self, params: Parameters, fwd: Forward, error_only: bool = False) -> Parameters:
        """The cost's gradients (the error's alone: `error_only`), as Parameters: the tape's parameter adjoints."""
        return params.like(self._gradient_vector(fwd.taped, error_only))

    def _gradient_vector(self, v: list, error_only: bool = False, parameters: int | None = None) -> np.ndarray:
        """The gradients laid out as Parameters.flat lays them out (of the first `parameters` alone)."""
        # a parameter without a term keeps zeros: a bias the layer lacks, or one whose gradient is 0 exactly
        slots = (self._error_gradient_slots if error_only else self._gradient_slots)[:parameters]
        return np.concatenate([v[slot] if slot is not None else zeros for slot, zeros in zip(slots, self._zeros)],
                              axis=None)

    def _gathering(self, v: list, parameters: int) -> Callable[[list], np.ndarray]:
        """`_gradient_vector` of the first `parameters` as one read of the training tape's slots, for a loop: the
        zeros of a parameter without a term are put in slots after the tape's."""
        slots, adjoint = [], self._training_tape.slots.adjoint
        for node, zeros in zip(self._parameters[:parameters], self._zeros):
            slot = adjoint.get(node)
            if slot is None:
                v.append(zeros)
                slot = len(v) - 1
            slots.append(slot)
        read = getter(tuple(slots))
        return lambda v: np.concatenate(read(v), axis=None)

    def initial_state(self, params: Parameters) -> OptimizerState:
        return OptimizerState(0, tuple(np.zeros(params.size) for _ in self.optimizer.state))

    def step(self, params: Parameters, grads: Parameters, state: OptimizerState) -> tuple[Parameters, OptimizerState]:
        """One step of the spec's optimizer (its row's kernel, once on all parameters) on those it updates:
        all of them, or the weights alone (training.update_bias = false: the biases, last in the
        vector, and their state are kept)."""
        before, updated, t = params.flat, self._updated_size, state.steps + 1
        after, slots = self._step(before[:updated], grads.flat[:updated], tuple(s[:updated] for s in state.slots), t)
        if updated < before.size:
            after = np.concatenate([after, before[updated:]])
            slots = tuple(np.concatenate([new, old[updated:]]) for new, old in zip(slots, state.slots))
        return params.like(after), OptimizerState(t, slots)

    def factors(self, params: Parameters, fwd: Forward, deltas) -> tuple[LayerFactors, ...]:
        """The per-sample chain factors the document prints, from the kernels."""
        layers = []
        d_outs, _ = self.backward(params, fwd)
        for l, layer in enumerate(self.graph.layers):
            below = deltas[l + 1] if l + 1 < len(deltas) else None
            d_out = self._loss_slope(self.targets, fwd.outs[l]) if below is None else d_outs[l]
            slope = kernels.slope(layer.activation.name)(fwd.nets[l], fwd.activations[l])
            if self.drops[l] is not None:
                slope = slope * self.drops[l]
            d_act, jacobian = (slope, None) if layer.activation.elementwise else (None, slope)
            paths = None
            if below is not None:       # each path's term: delta_o w_ho, then each skip's dE/dout
                paths = np.concatenate([below[:, :, None] * params.weights[l + 1][None, :, :]] +
                                       [d_outs[t][:, None, :] for t in self.skipped_by[l]], axis=1)
            fused = _unrepresentable(d_out, d_act, jacobian, deltas[l])
            layers.append(LayerFactors(d_out, d_act, jacobian, deltas[l], paths, fused))
        return tuple(layers)

    def train(self, params: Parameters, iterations: int) -> Training:
        """Gradient descent from `params` (whose loss must be finite), stopping before a step
        whose loss or parameters are not finite."""
        fwd = self.forward(params)
        self.require_finite(fwd, "at the start of training", "finite starting parameters")
        history = np.empty(iterations + 1)
        history[0] = fwd.cost
        done, stopped_at, reason = iterations, None, None
        tape = self._training_tape
        step, updated, replay, error, l2 = self._step, self._updated_size, tape.replay, self._error_slot, self.l2
        # one buffer the slots hold views of; each step writes the updated parameters into its head
        buffer = params.flat.copy()
        v = slots = self._replay(buffer, tape)
        gradients = self._gathering(slots, self._updated_parameters)
        head, weights, nothing = buffer[:updated], [slots[i] for i in self._weight_slots], np.zeros(updated)
        last, state = head.copy(), tuple(s[:updated] for s in self.initial_state(params).slots)
        with progress(iterations, "training") as bar:
            for k in range(1, iterations + 1):
                after, stepped_state = step(head, gradients(v), state, k)
                # a non-finite entry times 0 is nan, a finite one 0: one product tells them apart
                finite_parameters = math.isfinite(after.dot(nothing))
                if finite_parameters:
                    np.copyto(head, after)
                    v = replay(slots)
                    cost = float(v[error]) + penalty_value(l2, weights) if l2 else float(v[error])
                if not (finite_parameters and math.isfinite(cost)):
                    done, stopped_at = k - 1, k
                    reason = "the loss is not finite" if finite_parameters else "the parameters are not finite"
                    break
                last, state = after, stepped_state
                history[k] = cost
                bar.update(1)
        trained = params.like(np.concatenate([last, params.flat[updated:]]))
        return Training(done, float(history[done]), self.forward(trained).outs[-1], history[:done + 1], trained,
                        stopped_at, reason)

    # -- the first step must be finite: it is always shown --------------------
    def require_finite(self, fwd: Forward, when: str, expected: str, expected_loss: str | None = None) -> None:
        """A one-line DeriveError naming the first layer and unit whose value is not finite."""
        for layer, net, out in zip(self.graph.layers, fwd.nets, fwd.outs):
            for kind, array in (("net input", net), ("output", out)):
                bad = np.argwhere(~np.isfinite(array))
                if len(bad):
                    s, j = bad[0]
                    raise DeriveError(f"layer {layer.index}'s {kind} of {layer.units[j].name} is not finite {when} "
                                      f"(sample {s + 1}: {array[s, j]}); expected {expected}")
        if not math.isfinite(fwd.cost):
            raise DeriveError(f"the loss is not finite {when} ({fwd.cost}); expected {expected_loss or expected}")

    def require_finite_parameters(self, params: Parameters, what: str, expected: str) -> None:
        for layer, w, b in zip(self.graph.layers, params.weights, params.biases):
            if not (np.isfinite(w).all() and np.isfinite(b).all()):
                raise DeriveError(f"layer {layer.index}'s {what} are not finite; expected {expected}")


@dataclass(frozen=True)
class _LayerNodes:
    """A dense layer's nodes in the tensor graph."""
    weight: Node
    bias: Node | None
    net: Node                         # Z
    activated: Node                   # g(Z)
    out: Node                         # A: g(Z), after dropout's mask or a skip connection's sum


def _layer_nodes(graph: TensorGraph, depth: int) -> tuple[_LayerNodes, ...]:
    found = []
    for l in range(1, depth + 1):
        applications = [a for a in graph.applications if a.output.layer == l]
        dense = next(a for a in applications if a.op == "dense")
        activation = next(a for a in applications if a.op == "activation")
        found.append(_LayerNodes(dense.inputs[1], dense.inputs[2] if len(dense.inputs) > 2 else None, dense.output,
                                 activation.output, applications[-1].output))
    return tuple(found)


def _unrepresentable(d_out: np.ndarray, d_act: np.ndarray | None, jacobian: np.ndarray | None,
                     delta: np.ndarray) -> np.ndarray:
    """Where the factors of a unit are not finite or do not multiply to its delta, (m, units)."""
    if jacobian is None:
        finite = np.isfinite(d_out) & np.isfinite(d_act)
        product = d_out * d_act
    else:  # softmax: delta_j = sum_k dE/dout_k * dout_k/dnet_j reads every factor of the sample
        finite = np.isfinite(d_out).all(axis=1, keepdims=True) & np.isfinite(jacobian).all(axis=1)
        product = np.einsum("sk,skj->sj", d_out, jacobian)
    return ~(finite & np.isclose(product, delta, rtol=PRODUCT_RTOL, atol=PRODUCT_ATOL))


def evaluate(evaluator: Evaluator, params: Parameters | None = None) -> Values:
    """Every number of the document: forward, factors, gradients, one update, training."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _evaluate(evaluator, params)


def _evaluate(evaluator: Evaluator, params: Parameters | None) -> Values:
    spec = evaluator.spec
    rate = spec.training.learning_rate
    params = params if params is not None else initial_parameters(spec)
    fwd = evaluator.forward(params)
    evaluator.require_finite(fwd, "at the spec's values",
                             f"weights, biases and inputs whose weighted sums stay below {FLOAT_MAX} in magnitude",
                             f"outputs and targets whose errors stay below {FLOAT_MAX}")
    deltas = evaluator.deltas(params, fwd)
    error_grads = evaluator.gradients(params, fwd, error_only=True)
    grads = evaluator.gradients(params, fwd)
    evaluator.require_finite_parameters(grads, "gradients at the spec's values",
                                        f"weights and inputs whose products stay below {FLOAT_MAX}")
    updated, state = evaluator.step(params, grads, evaluator.initial_state(params))
    evaluator.require_finite_parameters(updated, "parameters after the first update",
                                        f"a training.learning_rate (got {rate:g}) whose product with "
                                        f"the gradients stays below {FLOAT_MAX}")
    after_step = evaluator.forward(updated)
    evaluator.require_finite(after_step, "after the first update", f"a smaller training.learning_rate (got {rate:g})")
    factors = evaluator.factors(params, fwd, deltas)
    iterations = spec.training.iterations
    training = evaluator.train(params, iterations) if iterations else None
    warnings = ()
    if training is not None and training.stopped_at is not None:
        warnings = (f"training stopped at iteration {training.stopped_at} of {iterations}: {training.stop_reason} "
                    f"(try a smaller training.learning_rate); the last finite state is shown, "
                    f"after {training.iterations} iterations",)
    return Values(params, fwd, factors, grads, error_grads, updated, state, after_step, training, evaluator.scale, warnings,
                  evaluator.cancelled_biases)
