"""Numbers: forward values, the loss, and gradients from the lambdified derivation.

Each layer's deltas are compiled once with `lambdify(cse=True)` from the chain
records; training re-uses those functions at every step. Arrays hold one sample
per row. Parameters are kept in column orientation, W of shape (units, inputs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp

from .chain import Derivation
from .progress import progress
from .spec import NetworkSpec


@dataclass(frozen=True)
class Parameters:
    weights: tuple[np.ndarray, ...]   # (units, inputs) per layer
    biases: tuple[np.ndarray, ...]    # (1,) when shared, else (units,)


@dataclass(frozen=True)
class Forward:
    inputs: np.ndarray                # (m, n0)
    nets: tuple[np.ndarray, ...]      # (m, units) per layer
    outs: tuple[np.ndarray, ...]
    unit_errors: np.ndarray           # (m, outputs): E_k per sample
    loss: float


@dataclass(frozen=True)
class LayerFactors:
    """Per-sample chain factors of one layer, for the document."""
    d_out: np.ndarray                 # (m, units): dE_s/dout
    d_act: np.ndarray | None          # (m, units): dout/dnet
    jacobian: np.ndarray | None       # (m, k, j): dout_k/dnet_j (softmax)
    delta: np.ndarray                 # (m, units): dE_s/dnet
    paths: np.ndarray | None          # (m, downstream, units): delta_o * w_ho


@dataclass(frozen=True)
class Training:
    iterations: int
    loss: float
    outputs: np.ndarray               # (m, outputs)
    history: np.ndarray               # loss after 0..iterations steps
    parameters: Parameters


@dataclass(frozen=True)
class Values:
    parameters: Parameters
    forward: Forward
    factors: tuple[LayerFactors, ...]
    gradients: Parameters
    updated: Parameters
    after_step: Forward
    training: Training | None
    scale: float                      # 1/m for a mean, 1 for a sum


def initial_parameters(spec: NetworkSpec) -> Parameters:
    weights, biases = [], []
    for layer in spec.layers:
        w = np.array(layer.weights, dtype=float)
        weights.append(w if spec.layout == "column" else w.T)
        biases.append(np.array([layer.bias] if layer.shared_bias else layer.bias, dtype=float))
    return Parameters(tuple(weights), tuple(biases))


class Evaluator:
    """The derivation compiled to NumPy: forward, backward, update."""

    def __init__(self, spec: NetworkSpec, derivation: Derivation, tick: Callable[[int], object] = lambda n: None):
        self.spec = spec
        self.derivation = derivation
        self.graph = derivation.graph
        self.inputs = np.array(spec.inputs, dtype=float)
        self.targets = np.array(spec.targets, dtype=float)
        self.scale = 1.0 / spec.samples if spec.loss.reduction == "mean" else 1.0
        self._delta_fns = []
        for l, layer in enumerate(self.graph.layers):
            self._delta_fns.append(self._compile_layer(l, lambda r: r.delta))
            tick(len(layer.units))

    # -- compilation -------------------------------------------------------
    def _layer_args(self, l: int) -> list[sp.Symbol]:
        layer = self.graph.layers[l]
        args = [u.out for u in layer.units] + [u.net for u in layer.units]
        if l == len(self.graph.layers) - 1:
            args += [u.target for u in layer.units]
        else:
            below = self.graph.layers[l + 1]
            args += [u.delta for u in below.units]
            args += [c.weight for row in below.connections for c in row]
        return args

    def _layer_values(self, l: int, params: Parameters, fwd: Forward, deltas_below) -> list:
        values = list(fwd.outs[l].T) + list(fwd.nets[l].T)
        if l == len(self.graph.layers) - 1:
            return values + list(self.targets.T)
        return values + list(deltas_below.T) + list(params.weights[l + 1].ravel())

    def _compile_layer(self, l: int, pick: Callable) -> Callable:
        exprs = [pick(record) for record in self.derivation.layers[l]]
        fn = sp.lambdify(self._layer_args(l), exprs, modules="numpy", cse=True)
        m = self.spec.samples

        def evaluate(values: list) -> np.ndarray:
            columns = fn(*values)
            return np.stack([np.broadcast_to(np.asarray(c, dtype=float), (m,)) for c in columns], axis=1)
        return evaluate

    # -- evaluation --------------------------------------------------------
    def forward(self, params: Parameters) -> Forward:
        a = self.inputs
        nets, outs = [], []
        for layer, w, b in zip(self.graph.layers, params.weights, params.biases):
            z = a @ w.T + b
            a = layer.activation.numpy(z)
            nets.append(z)
            outs.append(a)
        errors = self._unit_errors(nets[-1], outs[-1])
        loss = float(errors.sum() * self.scale)
        return Forward(self.inputs, tuple(nets), tuple(outs), errors, loss)

    def _unit_errors(self, net: np.ndarray, out: np.ndarray) -> np.ndarray:
        activation = self.graph.layers[-1].activation
        log_out = log_1m = None
        if self.graph.loss.name != "half_sse":
            with np.errstate(divide="ignore"):
                log_out = activation.log_out(net) if activation.log_out else np.log(out)
                log_1m = activation.log_one_minus_out(net) if activation.log_one_minus_out else np.log1p(-out)
        return self.graph.loss.numpy(self.targets, out, log_out, log_1m)

    def deltas(self, params: Parameters, fwd: Forward) -> list[np.ndarray]:
        deltas: list[np.ndarray] = [None] * len(self.graph.layers)  # type: ignore[list-item]
        below = None
        for l in reversed(range(len(self.graph.layers))):
            below = self._delta_fns[l](self._layer_values(l, params, fwd, below))
            deltas[l] = below
        return deltas

    def gradients(self, params: Parameters, fwd: Forward, deltas: list[np.ndarray]) -> Parameters:
        """Evaluate the delta forms: dE/dw_ji = scale * sum_s delta_j a_i; dE/db = scale * sum_s delta."""
        sources = (fwd.inputs,) + fwd.outs[:-1]
        weights = tuple(self.scale * d.T @ a for d, a in zip(deltas, sources))
        # A shared bias feeds every unit of its layer: its gradient sums over them.
        biases = tuple(self.scale * (d.sum().reshape(1) if layer.shared_bias else d.sum(axis=0))
                       for d, layer in zip(deltas, self.graph.layers))
        return Parameters(weights, biases)

    def step(self, params: Parameters, grads: Parameters) -> Parameters:
        rate = self.spec.training.learning_rate
        weights = tuple(w - rate * g for w, g in zip(params.weights, grads.weights))
        biases = (tuple(b - rate * g for b, g in zip(params.biases, grads.biases))
                  if self.spec.training.update_bias else params.biases)
        return Parameters(weights, biases)

    def factors(self, params: Parameters, fwd: Forward, deltas) -> tuple[LayerFactors, ...]:
        """The per-sample chain factors the document prints, evaluated from the records."""
        derivation = self.derivation
        layers = []
        for l, records in enumerate(derivation.layers):
            below = deltas[l + 1] if l + 1 < len(deltas) else None
            values = self._layer_values(l, params, fwd, below)
            d_out = self._compile_layer(l, lambda r: r.d_out)(values)
            elementwise = records[0].jacobian is None
            d_act = self._compile_layer(l, lambda r: r.d_act)(values) if elementwise else None
            jacobian = None
            if not elementwise:
                columns = [self._compile_layer(l, lambda r, k=k: r.jacobian[k])(values) for k in range(len(records))]
                jacobian = np.stack(columns, axis=1)      # (m, k, j)
            paths = None
            if below is not None:
                paths = below[:, :, None] * params.weights[l + 1][None, :, :]
            layers.append(LayerFactors(d_out, d_act, jacobian, deltas[l], paths))
        return tuple(layers)

    def train(self, params: Parameters, iterations: int) -> Training:
        history = np.empty(iterations + 1)
        with progress(iterations, "training") as bar:
            for k in range(iterations):
                fwd = self.forward(params)
                history[k] = fwd.loss
                params = self.step(params, self.gradients(params, fwd, self.deltas(params, fwd)))
                bar.update(1)
        fwd = self.forward(params)
        history[iterations] = fwd.loss
        return Training(iterations, fwd.loss, fwd.outs[-1], history, params)


def evaluate(evaluator: Evaluator, params: Parameters | None = None) -> Values:
    """Every number of the document: forward, factors, gradients, one update, training."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _evaluate(evaluator, params)


def _evaluate(evaluator: Evaluator, params: Parameters | None) -> Values:
    spec = evaluator.spec
    params = params if params is not None else initial_parameters(spec)
    fwd = evaluator.forward(params)
    deltas = evaluator.deltas(params, fwd)
    grads = evaluator.gradients(params, fwd, deltas)
    updated = evaluator.step(params, grads)
    factors = evaluator.factors(params, fwd, deltas)
    iterations = spec.training.iterations
    training = evaluator.train(params, iterations) if iterations else None
    return Values(params, fwd, factors, grads, updated, evaluator.forward(updated), training, evaluator.scale)

