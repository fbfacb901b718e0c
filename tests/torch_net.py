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
                   float(training["learning_rate"]), training.get("update_bias", True))

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
        return per_sample.mean() if self.mean else per_sample.sum()

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
        """One full-batch gradient-descent step: the loss before it, and the new parameters."""
        loss, gw, gb = self.gradients(weights, biases)
        weights = [w - self.rate * g for w, g in zip(weights, gw)]
        if self.update_bias:
            biases = [None if b is None else b - self.rate * g for b, g in zip(biases, gb)]
        return loss, weights, biases

    def train(self, iterations: int):
        """The loss, outputs and parameters after `iterations` steps from the spec's parameters."""
        weights, biases = self.weights, self.biases
        for _ in range(iterations):
            _, weights, biases = self.step(weights, biases)
        with torch.no_grad():
            return self.loss(weights, biases).item(), self.nets(weights, biases)[1], weights, biases
