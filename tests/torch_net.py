"""The spec's network rebuilt in PyTorch (float64), for the autograd oracle. Shares no code with derive.

Parameters are read from the raw spec mapping and kept in column orientation, W of shape
(units, inputs), so z = a Wᵀ + b for one sample per row. The losses take the net input of the
output layer and use PyTorch's stable fused forms (logsigmoid, log_softmax, BCE with logits),
so an output that underflows to 0 still has a finite loss and gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "linear": lambda z: z,
    "softmax": lambda z: torch.softmax(z, dim=1),
    # softplus past its default threshold 20 is z itself, 2e-9 off: at 40 the difference is below float64's
    "softplus": lambda z: F.softplus(z, threshold=40.0),
    "gelu": F.gelu,
    "gelu_tanh": lambda z: F.gelu(z, approximate="tanh"),
}


def _per_sample_loss(kind: str, output: str, z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    if kind == "half_sse":
        return (0.5 * (t - ACTIVATIONS[output](z)) ** 2).sum(dim=1)
    if kind == "sse":
        return ((t - ACTIVATIONS[output](z)) ** 2).sum(dim=1)
    if kind == "mse":       # F.mse_loss's mean over the outputs of each sample
        return F.mse_loss(ACTIVATIONS[output](z), t, reduction="none").mean(dim=1)
    if kind == "cross_entropy":
        log_out = F.logsigmoid(z) if output == "sigmoid" else torch.log_softmax(z, dim=1)
        return -(t * log_out).sum(dim=1)
    return F.binary_cross_entropy_with_logits(z, t, reduction="none").sum(dim=1)


@dataclass
class TorchNet:
    """The network of one spec mapping, with its data and training settings."""
    activations: list[str]
    shared: list[bool]              # one bias shared by the layer
    weights: list[torch.Tensor]     # (units, inputs)
    biases: list[torch.Tensor]      # shape () when shared, else (units,)
    x: torch.Tensor
    t: torch.Tensor
    loss_kind: str
    mean: bool
    rate: float
    update_bias: bool
    optimizer: str = "sgd"
    hyper: dict | None = None
    l2: float = 0.0                 # the cost adds l2/2 * the sum of every squared weight (not the biases)

    @classmethod
    def from_spec(cls, spec: dict) -> "TorchNet":
        row = spec.get("layout", "column") == "row"
        weights = [torch.tensor(layer["weights"], dtype=torch.float64) for layer in spec["layers"]]
        training = spec["training"]
        return cls([layer["activation"] for layer in spec["layers"]],
                   [not isinstance(layer["bias"], list) for layer in spec["layers"]],
                   [w.T.contiguous() if row else w for w in weights],
                   [None if layer["bias"] is False else torch.tensor(layer["bias"], dtype=torch.float64)
                    for layer in spec["layers"]],           # bias = false: the layer has none
                   torch.tensor(spec["input"]["values"], dtype=torch.float64),
                   torch.tensor(spec["target"]["values"], dtype=torch.float64),
                   spec["loss"]["function"], spec["loss"].get("reduction", "mean") == "mean",
                   float(training["learning_rate"]), training.get("update_bias", True),
                   training.get("optimizer", "sgd"),
                   {k: v for k, v in training.items() if k in HYPERPARAMETERS},
                   float(spec["loss"].get("l2", 0.0)))

    def nets(self, weights, biases) -> tuple[torch.Tensor, torch.Tensor]:
        """The output layer's net input and output, one row per sample."""
        a = self.x
        for activation, w, b in zip(self.activations, weights, biases):
            z = a @ w.T if b is None else a @ w.T + b
            a = ACTIVATIONS[activation](z)
        return z, a

    def loss(self, weights, biases) -> torch.Tensor:
        z, _ = self.nets(weights, biases)
        per_sample = _per_sample_loss(self.loss_kind, self.activations[-1], z, self.t)
        penalty = self.l2 / 2 * sum((w ** 2).sum() for w in weights)
        return (per_sample.mean() if self.mean else per_sample.sum()) + penalty

    def gradients(self, weights, biases) -> tuple[float, list[torch.Tensor], list[torch.Tensor]]:
        """The loss and torch.autograd's gradient of every weight and bias."""
        present = [b for b in biases if b is not None]
        leaves = [p.detach().clone().requires_grad_(True) for p in (*weights, *present)]
        n = len(weights)
        bias_leaves = iter(leaves[n:])
        loss = self.loss(leaves[:n], [None if b is None else next(bias_leaves) for b in biases])
        grads = iter(torch.autograd.grad(loss, leaves))
        gw = [next(grads) for _ in weights]
        return loss.item(), gw, [None if b is None else next(grads) for b in biases]

    def step(self, weights, biases):
        """One full-batch step of the spec's optimizer: the loss before it, and the new parameters."""
        loss = self.loss(weights, biases).item()
        return (loss,) + self._run(weights, biases, 1)

    def train(self, iterations: int):
        """The loss, outputs and parameters after `iterations` steps from the spec's parameters."""
        weights, biases = self._run(self.weights, self.biases, iterations)
        with torch.no_grad():
            return self.loss(weights, biases).item(), self.nets(weights, biases)[1], weights, biases

    def _run(self, weights, biases, iterations: int):
        """`iterations` steps of torch.optim's optimizer (the biases only if they are updated)."""
        weights = [w.detach().clone().requires_grad_(True) for w in weights]
        biases = [None if b is None else b.detach().clone().requires_grad_(self.update_bias) for b in biases]
        stepped = weights + ([b for b in biases if b is not None] if self.update_bias else [])
        # A bias shared by a softmax layer does not change the loss (softmax(z + c) = softmax(z)):
        # its gradient is 0, which autograd gives as rounding noise, and Adam or RMSProp, which
        # divide by the gradient's size, would turn that noise into a step. It is set to 0 exactly.
        invariant = [b for b, shared, activation in zip(biases, self.shared, self.activations)
                     if b is not None and shared and activation == "softmax" and self.update_bias]
        optimizer = make_optimizer(self.optimizer, stepped, self.rate, self.hyper or {})
        for _ in range(iterations):
            optimizer.zero_grad()
            self.loss(weights, biases).backward()
            for b in invariant:
                b.grad.zero_()
            optimizer.step()
        return [w.detach() for w in weights], [None if b is None else b.detach() for b in biases]

    def step_with(self, gradients: list[torch.Tensor]):
        """One step of the spec's optimizer from the spec's parameters, given every gradient (each
        weight's, then each present bias's): the optimizer alone, against the same numbers."""
        present = [b for b in self.biases if b is not None]
        leaves = [p.detach().clone().requires_grad_(True) for p in (*self.weights, *present)]
        for leaf, grad in zip(leaves, gradients):
            leaf.grad = grad.clone()
        stepped = leaves if self.update_bias else leaves[:len(self.weights)]
        make_optimizer(self.optimizer, stepped, self.rate, self.hyper or {}).step()
        bias_leaves = iter(leaves[len(self.weights):])
        return ([w.detach() for w in leaves[:len(self.weights)]],
                [None if b is None else next(bias_leaves).detach() for b in self.biases])


# the spec's optimizer names and hyperparameters, as torch.optim takes them (defaults as derive documents them)
HYPERPARAMETERS = ("momentum", "alpha", "beta1", "beta2", "epsilon", "weight_decay")


def make_optimizer(name: str, parameters, rate: float, hyper: dict) -> torch.optim.Optimizer:
    h = {"momentum": 0.9, "alpha": 0.99, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 0.01} | hyper
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=rate)
    if name in ("momentum", "nesterov"):
        return torch.optim.SGD(parameters, lr=rate, momentum=h["momentum"], nesterov=name == "nesterov")
    if name == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=rate, alpha=h["alpha"], eps=h["epsilon"])
    if name == "adam":
        return torch.optim.Adam(parameters, lr=rate, betas=(h["beta1"], h["beta2"]), eps=h["epsilon"])
    if name == "adamw":
        return torch.optim.AdamW(parameters, lr=rate, betas=(h["beta1"], h["beta2"]), eps=h["epsilon"],
                                 weight_decay=h["weight_decay"])
    raise ValueError(f"no torch optimizer for {name!r}")
