"""Numbers: forward values, the loss, and gradients from the rule table's NumPy kernels.

Each layer's deltas come from its activation's derivative kernel and the loss's (or the
fusion's) kernel, composed from the output back; tests hold them to the derivation's
lambdified closed forms and to finite differences. Arrays hold one sample per row. Parameters are kept in column orientation, W of shape (units, inputs).

Non-finite numbers get one behaviour for every document: the first step (forward,
gradients, update, loss after it) must be finite, else a DeriveError names the
layer; training stops at the first step whose loss or parameters are not finite,
keeps the last finite state and says so in `Values.warnings`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp

from ..core.chain import Derivation
from ..errors import DeriveError
from ..progress import progress
from ..rules import kernels
from ..rules.optimizers import OPTIMIZERS
from ..rules.penalty import value as penalty_value
from ..spec.load import NetworkSpec
from .parameters import OptimizerState, Parameters

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


def shared_bias_gradient_is_zero(spec: NetworkSpec, layer) -> bool:
    """A bias shared by the units of a shift-invariant layer (softmax): its gradient is 0 exactly."""
    return layer.shared_bias and layer.activation.shift_invariant


def initial_parameters(spec: NetworkSpec) -> Parameters:
    weights, biases = [], []
    for layer in spec.layers:
        w = np.array(layer.weights, dtype=float)
        weights.append(w if spec.layout == "column" else w.T)
        biases.append(np.array([layer.bias] if layer.shared_bias else layer.bias, dtype=float))
    return Parameters(tuple(weights), tuple(biases))


class Evaluator:
    """The network in NumPy, from the rule table's kernels: forward, backward, update. The
    derivation's closed forms are not evaluated here; tests hold the kernels to them."""

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
        last, outputs = self.graph.layers[-1].activation.name, len(self.graph.layers[-1].units)
        self._output_delta = kernels.output_delta(last, spec.loss.function, outputs)
        self._loss_slope = kernels.loss_slope(spec.loss.function, outputs)
        # a layer's bias gradient: none, always zero, summed over a shared bias's units, or per unit
        self._bias_kinds = tuple("none" if not layer.biases else "zero" if shared_bias_gradient_is_zero(spec, layer)
                                 else "shared" if layer.shared_bias else "units" for layer in self.graph.layers)
        # per layer, looked up once: the forward map, and the slope kernel made from its row
        self._forward_maps = tuple(layer.activation.numpy for layer in self.graph.layers)
        self._slopes = tuple(kernels.slope(layer.activation.name) for layer in self.graph.layers)
        self._names = tuple(layer.activation.name for layer in self.graph.layers)
        # per layer: what dropout multiplies g(net) by, mask / (1 - p) as (m, units), or None
        self.drops = tuple(None if not layer.dropout else
                           np.array([layer.kept(s) for s in range(spec.samples)], dtype=float) / (1 - layer.dropout)
                           for layer in spec.layers)
        # skip connections: layer l adds the output of layer skips[l] (0-based, -1 the inputs), and
        # the layers reading layer l's output that way, whose dE/dout its own gathers
        self.skips = tuple(None if layer.skip is None else layer.skip - 1 for layer in spec.layers)
        self.skipped_by = tuple(tuple(t for t, k in enumerate(self.skips) if k == l) for l in range(len(spec.layers)))
        for layer in self.graph.layers:
            tick(len(layer.units))

    # -- the closed forms, for the tests that hold the kernels to them --------------------
    def closed_form(self, l: int, pick: Callable, params: Parameters, fwd: Forward, deltas: dict) -> np.ndarray:
        """One of layer l's record expressions (pick(record)), lambdified and evaluated: (m, units).
        `deltas` gives the kernels' deltas of the layers after l, by index, that the expression reads
        (the next layer's; a skip connection's reach further)."""
        per_sample: dict[sp.Symbol, np.ndarray] = {}        # each symbol's value in every sample
        for k, layer in enumerate(self.graph.layers):
            for j, u in enumerate(layer.units):
                per_sample |= {u.out: fwd.outs[k][:, j], u.net: fwd.nets[k][:, j]}
                if k in deltas:
                    per_sample[u.delta] = deltas[k][:, j]
                if u.target is not None:
                    per_sample[u.target] = self.targets[:, j]
                if u.mask is not None:
                    per_sample[u.mask] = np.array([self.spec.layers[k].kept(s)[j] for s in range(self.spec.samples)], float)
            for row in layer.connections:
                per_sample |= {c.weight: params.weights[k][c.dest.index, c.source.index] for c in row}
        exprs = [pick(r) for r in self.derivation.layers[l]]
        args = sorted(set().union(*(e.free_symbols for e in exprs)), key=str)
        columns = sp.lambdify(args, exprs, modules=kernels.NUMPY, cse=True)(*[per_sample[x] for x in args])
        stacked = np.empty((self.spec.samples, len(columns)))
        for j, column in enumerate(columns):
            stacked[:, j] = column        # a constant column broadcasts over the samples
        return stacked

    # -- evaluation --------------------------------------------------------
    def forward(self, params: Parameters) -> Forward:
        a = self.inputs
        nets, outs, activations = [], [], []
        for forward_map, w, b, drop, skip in zip(self._forward_maps, params.weights, params.biases, self.drops,
                                                 self.skips):
            z = a @ w.T + b
            activated = forward_map(z)
            a = activated if drop is None else activated * drop
            if skip is not None:        # a residual connection: layer skip's output (the inputs' for -1) added
                a = a + (self.inputs if skip < 0 else outs[skip])
            nets.append(z)
            outs.append(a)
            activations.append(activated)
        errors = self._unit_errors(nets[-1], outs[-1])
        loss = float(errors.sum() * self.scale)
        penalty = penalty_value(self.l2, params.weights)
        return Forward(self.inputs, tuple(nets), tuple(outs), errors, loss, penalty, tuple(activations))

    def _unit_errors(self, net: np.ndarray, out: np.ndarray) -> np.ndarray:
        activation = self.graph.layers[-1].activation
        log_out = log_1m = None
        if self.graph.loss.squared is None:
            with np.errstate(divide="ignore"):
                log_out = activation.log_out(net) if activation.log_out else np.log(out)
                log_1m = activation.log_one_minus_out(net) if activation.log_one_minus_out else np.log1p(-out)
        return self.graph.loss.numpy(self.targets, out, log_out, log_1m)

    def deltas(self, params: Parameters, fwd: Forward) -> list[np.ndarray]:
        """dE/dnet per layer, (m, units), by the rule table's kernels, from the output back."""
        return self.backward(params, fwd)[1]

    def backward(self, params: Parameters, fwd: Forward) -> tuple[list, list[np.ndarray]]:
        """dE/dout (None at the output, whose delta is fused) and dE/dnet of every layer, (m, units):
        a hidden layer's dE/dout gathers the deltas above it through their weights (W of shape
        (units, inputs)) and the dE/dout of every layer whose skip connection reads it."""
        last = len(self._slopes) - 1
        d_outs: list = [None] * (last + 1)
        deltas: list = [None] * (last + 1)
        below = deltas[last] = self._output_delta(self.targets, fwd.outs[last], fwd.nets[last])
        for l in range(last - 1, -1, -1):
            upstream = below @ params.weights[l + 1]
            for t in self.skipped_by[l]:
                upstream = upstream + d_outs[t]
            d_outs[l], drop = upstream, self.drops[l]
            if drop is not None:        # dout/dg = mask / (1 - p): a dropped unit passes nothing back
                upstream = upstream * drop
            below = deltas[l] = kernels.vjp(self._names[l], fwd.nets[l], fwd.activations[l], upstream, self._slopes[l])
        return d_outs, deltas

    def gradients(self, params: Parameters, fwd: Forward, deltas: list[np.ndarray],
                  into: Parameters | None = None) -> Parameters:
        """Evaluate the delta forms: dE/dw_ji = scale * sum_s delta_j a_i; dE/db = scale * sum_s delta.
        `into`: gradients an earlier call made, written over (training's one buffer)."""
        scale = self.scale
        sources = (fwd.inputs,) + fwd.outs[:-1]
        # written into one vector (zeros: a bias without gradient keeps them), for the optimizer
        grads = params.like(np.zeros(params.size)) if into is None else into
        for d, a, view in zip(deltas, sources, grads.weights):
            np.matmul(scale * d.T, a, out=view)
        # A shared bias feeds every unit of its layer: its gradient sums over them.
        # A layer without bias keeps its zeros: their gradient is no gradient at all.
        for d, kind, view in zip(deltas, self._bias_kinds, grads.biases):
            if kind == "shared":
                view[0] = scale * d.sum()
            elif kind == "units":
                np.multiply(scale, d.sum(axis=0), out=view)
        return grads

    def penalized(self, params: Parameters, grads: Parameters) -> Parameters:
        """The cost's gradients: the L2 penalty adds lambda * w to each weight's (biases have none)."""
        if not self.l2:
            return grads
        cost = grads.like(grads.flat.copy())
        for view, w in zip(cost.weights, params.weights):
            view += self.l2 * w
        return cost

    def initial_state(self, params: Parameters) -> OptimizerState:
        return OptimizerState(0, tuple(np.zeros(params.size) for _ in self.optimizer.state))

    def step(self, params: Parameters, grads: Parameters, state: OptimizerState) -> tuple[Parameters, OptimizerState]:
        """One step of the spec's optimizer (its row's kernel, once on all parameters) on those it updates."""
        after, state = self._stepped(params, grads, state)
        return params.like(after), state

    def _stepped(self, params: Parameters, grads: Parameters, state: OptimizerState) -> tuple[np.ndarray, OptimizerState]:
        """The step's parameters as one vector, and the optimizer's state after it."""
        t, before = state.steps + 1, params.flat
        after, slots = self._step(before, grads.flat, state.slots, t)
        if not self.spec.training.update_bias:          # the biases, last in the vector, are kept
            kept = sum(w.size for w in params.weights)
            after = np.concatenate([after[:kept], before[kept:]])
            slots = tuple(np.concatenate([new[:kept], old[kept:]]) for new, old in zip(slots, state.slots))
        return after, OptimizerState(t, slots)

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
        state = self.initial_state(params)
        self.require_finite(fwd, "at the start of training", "finite starting parameters")
        history = np.empty(iterations + 1)
        history[0] = fwd.cost
        done, stopped_at, reason = iterations, None, None
        # the same steps as step(), in three buffers made once: the parameters, the next ones, the
        # gradients (a step on a small network is mostly the making of arrays and their views)
        params, spare = params.like(params.flat.copy()), params.like(np.empty(params.size))
        grads = params.like(np.zeros(params.size))
        with progress(iterations, "training") as bar:
            for k in range(1, iterations + 1):
                cost_grads = self.penalized(params, self.gradients(params, fwd, self.deltas(params, fwd), into=grads))
                after, stepped_state = self._stepped(params, cost_grads, state)
                # a slot the kernel gave back as the gradient itself must outlive the buffer
                stepped_state = OptimizerState(stepped_state.steps, tuple(
                    slot.copy() if slot is grads.flat else slot for slot in stepped_state.slots))
                finite_parameters = bool(np.isfinite(after).all())
                np.copyto(spare.flat, after)
                stepped = self.forward(spare) if finite_parameters else None
                if not (finite_parameters and math.isfinite(stepped.cost)):
                    done, stopped_at = k - 1, k
                    reason = "the loss is not finite" if finite_parameters else "the parameters are not finite"
                    break
                params, spare, fwd, state = spare, params, stepped, stepped_state
                history[k] = fwd.cost
                bar.update(1)
        return Training(done, fwd.cost, fwd.outs[-1], history[:done + 1], params.like(params.flat.copy()),
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
    error_grads = evaluator.gradients(params, fwd, deltas)
    grads = evaluator.penalized(params, error_grads)
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
    return Values(params, fwd, factors, grads, error_grads, updated, state, after_step, training, evaluator.scale, warnings)
