"""Independent oracles: plain NumPy and SymPy written here, sharing no code with derive.

- `loss`: a forward pass and loss from the raw spec mapping, in NumPy;
- `finite_differences`: central differences of that loss;
- `backprop_sigmoid_sse`: hand-written matrix backprop for sigmoid + half-SSE networks;
- `sympy_loss`: the fully expanded per-sample loss as one SymPy expression;
- `random_spec`: random networks over every activation, loss, layout and reduction.
"""

from __future__ import annotations

import copy
import math
import random

import numpy as np
import sympy as sp

ACTIVATIONS = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "linear": lambda z: z,
    "softmax": lambda z: np.exp(z - z.max(axis=1, keepdims=True))
    / np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True),
    "softplus": lambda z: np.log1p(np.exp(z)),
    "gelu": lambda z: 0.5 * z * (1 + np.vectorize(math.erf)(z / math.sqrt(2))),     # the standard library's erf
    "gelu_tanh": lambda z: 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z ** 3))),
}


def _rows(values):
    return np.atleast_2d(np.array(values, dtype=float))


def column_weights(spec: dict) -> list[np.ndarray]:
    layout = spec.get("layout", "column")
    return [np.array(l["weights"], float) if layout == "column" else np.array(l["weights"], float).T
            for l in spec["layers"]]


def loss(spec: dict, weights: list[np.ndarray] | None = None, biases: list | None = None) -> float:
    """The spec's loss; weights in column orientation, biases as in the spec."""
    weights = weights if weights is not None else column_weights(spec)
    biases = biases if biases is not None else [l["bias"] for l in spec["layers"]]
    a = _rows(spec["input"]["values"])
    for layer, w, b in zip(spec["layers"], weights, biases):
        a = ACTIVATIONS[layer["activation"]](a @ w.T + np.asarray(b, float))
    t = _rows(spec["target"]["values"])
    kind = spec["loss"]["function"]
    if kind == "half_sse":
        per_sample = (0.5 * (t - a) ** 2).sum(axis=1)
    elif kind == "cross_entropy":
        per_sample = -(t * np.log(a)).sum(axis=1)
    else:
        per_sample = -(t * np.log(a) + (1 - t) * np.log(1 - a)).sum(axis=1)
    reduce = np.mean if spec["loss"].get("reduction", "mean") == "mean" else np.sum
    return float(reduce(per_sample))


def finite_differences(spec: dict, h: float = 1e-6) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Central differences of `loss` for every weight (column orientation) and bias."""
    weights = column_weights(spec)
    biases = [np.atleast_1d(np.array(l["bias"], float)) for l in spec["layers"]]
    shared = [not isinstance(l["bias"], list) for l in spec["layers"]]

    def at(ws, bs):
        return loss(spec, ws, [b[0] if s else b for b, s in zip(bs, shared)])

    def central(arrays, evaluate):
        grads = []
        for k, array in enumerate(arrays):
            g = np.zeros_like(array)
            for idx in np.ndindex(array.shape):
                plus, minus = copy.deepcopy(arrays), copy.deepcopy(arrays)
                plus[k][idx] += h
                minus[k][idx] -= h
                g[idx] = (evaluate(plus) - evaluate(minus)) / (2 * h)
            grads.append(g)
        return grads

    grad_w = central(weights, lambda ws: at(ws, biases))
    grad_b = central(biases, lambda bs: at(weights, bs))
    return grad_w, grad_b


def backprop_sigmoid_sse(spec: dict, weights=None, biases=None):
    """Textbook matrix backprop (sigmoid units, half-SSE, mean over samples), by hand."""
    weights = weights if weights is not None else column_weights(spec)
    biases = biases if biases is not None else [float(l["bias"]) for l in spec["layers"]]
    x = _rows(spec["input"]["values"])
    t = _rows(spec["target"]["values"])
    m = x.shape[0]
    activations = [x]
    for w, b in zip(weights, biases):
        activations.append(1.0 / (1.0 + np.exp(-(activations[-1] @ w.T + b))))
    out = activations[-1]
    loss_value = float((0.5 * (t - out) ** 2).sum(axis=1).mean())
    delta = (out - t) * out * (1 - out)
    grads_w, grads_b = [None] * len(weights), [None] * len(weights)
    for k in reversed(range(len(weights))):
        grads_w[k] = delta.T @ activations[k] / m
        grads_b[k] = float(delta.sum() / m)  # one bias shared by the layer
        if k:
            a = activations[k]
            delta = (delta @ weights[k]) * a * (1 - a)
    return loss_value, grads_w, grads_b, out


def train_sigmoid_sse(spec: dict, iterations: int, rate: float, update_bias: bool):
    weights = column_weights(spec)
    biases = [float(l["bias"]) for l in spec["layers"]]
    for _ in range(iterations):
        _, gw, gb, _ = backprop_sigmoid_sse(spec, weights, biases)
        weights = [w - rate * g for w, g in zip(weights, gw)]
        if update_bias:
            biases = [b - rate * g for b, g in zip(biases, gb)]
    final_loss, _, _, out = backprop_sigmoid_sse(spec, weights, biases)
    return final_loss, out, weights


SYMPY_ACTIVATIONS = {
    "sigmoid": lambda z, zs: 1 / (1 + sp.exp(-z)),
    "tanh": lambda z, zs: sp.tanh(z),
    "relu": lambda z, zs: sp.Piecewise((z, z > 0), (0, True)),
    "leaky_relu": lambda z, zs: sp.Piecewise((z, z > 0), (z / 100, True)),
    "linear": lambda z, zs: z,
    "softmax": lambda z, zs: sp.exp(z) / sum(sp.exp(v) for v in zs),
    "softplus": lambda z, zs: sp.log(1 + sp.exp(z)),
    "gelu": lambda z, zs: z / 2 * (1 + sp.erf(z / sp.sqrt(2))),
    "gelu_tanh": lambda z, zs: z / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (z + sp.Rational(44715, 10 ** 6) * z ** 3))),
}


def sympy_loss(spec: dict, names: dict) -> sp.Expr:
    """The per-sample loss over symbols named as derive names them (w1..., b1 or b_h1, inputs, targets)."""
    inputs = [sp.Symbol(n, real=True) for n in names["inputs"]]
    a = inputs
    k = 1
    for l, layer in enumerate(spec["layers"], start=1):
        units = names["layers"][l - 1]
        zs = []
        for j, unit in enumerate(units):
            bias = sp.Symbol(f"b{l}" if not isinstance(layer["bias"], list) else f"b_{unit}", real=True)
            z = bias
            for src in a:
                z += sp.Symbol(f"w{k}", real=True) * src
                k += 1
            zs.append(z)
        a = [SYMPY_ACTIVATIONS[layer["activation"]](z, zs) for z in zs]
    targets = [sp.Symbol(f"target_{u}", real=True) for u in names["layers"][-1]]
    kind = spec["loss"]["function"]
    if kind == "half_sse":
        return sum(sp.Rational(1, 2) * (t - o) ** 2 for t, o in zip(targets, a))
    if kind == "cross_entropy":
        return -sum(t * sp.log(o) for t, o in zip(targets, a))
    return -sum(t * sp.log(o) + (1 - t) * sp.log(1 - o) for t, o in zip(targets, a))


def random_spec(seed: int, activation: str | None = None, loss_name: str | None = None,
                layout: str | None = None, reduction: str | None = None) -> dict:
    rng = random.Random(seed)
    depth = rng.randint(1, 3)
    sizes = [rng.randint(1, 3) for _ in range(depth + 1)]
    loss_name = loss_name or rng.choice(["half_sse", "cross_entropy", "binary_cross_entropy"])
    hidden = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
    if loss_name == "half_sse":
        output = activation if activation in hidden + ["softmax"] else rng.choice(hidden + ["softmax"])
    elif loss_name == "cross_entropy":
        output = rng.choice(["sigmoid", "softmax"])
    else:
        output = "sigmoid"
    if output == "softmax" and sizes[-1] < 2:
        sizes[-1] = 2
    layout = layout or rng.choice(["column", "row"])
    m = rng.randint(1, 3)
    layers = []
    for l in range(depth):
        fan_in, units = sizes[l], sizes[l + 1]
        act = output if l == depth - 1 else (activation if activation in hidden else rng.choice(hidden))
        w = [[round(rng.uniform(-1, 1), 3) for _ in range(fan_in)] for _ in range(units)]
        if layout == "row":
            w = [list(r) for r in zip(*w)]
        bias = (round(rng.uniform(-0.5, 0.5), 3) if rng.random() < 0.5
                else [round(rng.uniform(-0.5, 0.5), 3) for _ in range(units)])
        layers.append({"units": units, "activation": act, "weights": w, "bias": bias})
    x = [[round(rng.uniform(-1, 1), 3) for _ in range(sizes[0])] for _ in range(m)]
    if loss_name == "cross_entropy":
        t = []
        for _ in range(m):
            raw = [rng.uniform(0.1, 1) for _ in range(sizes[-1])]
            t.append([v / sum(raw) for v in raw])
    else:
        t = [[round(rng.uniform(0.05, 0.95), 3) for _ in range(sizes[-1])] for _ in range(m)]
    return {"layout": layout, "input": {"values": x}, "target": {"values": t}, "layers": layers,
            "loss": {"function": loss_name, "reduction": reduction or rng.choice(["mean", "sum"])},
            "training": {"learning_rate": 0.1}}
