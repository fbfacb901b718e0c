"""A network of typed layers (spec/tensor.py) written with torch.nn.functional, layer by layer: the
independent oracle the typed-layer tests hold derive's kernels, documents and generated code to."""

from __future__ import annotations

import torch
import torch.nn.functional as F

TORCH_ACTIVATIONS = {
    "relu": torch.relu, "leaky_relu": lambda z: F.leaky_relu(z, 0.01), "tanh": torch.tanh, "sigmoid": torch.sigmoid,
    "softplus": F.softplus, "gelu": F.gelu, "gelu_tanh": lambda z: F.gelu(z, approximate="tanh"),
    "linear": lambda z: z, "softmax": lambda z: torch.softmax(z, dim=1),
}


def torch_loss(spec, leaves: dict) -> torch.Tensor:
    """The cost of the spec's inputs and targets, the parameters being `leaves` by name (W1, b1, ...)."""
    a = torch.tensor(spec.inputs)
    for l, layer in enumerate(spec.layers, start=1):
        p = {name: leaves[f"{name}{l}"] for name, _ in layer.parameters}
        if layer.kind == "conv2d":
            a = F.conv2d(a, p["W"], p.get("b"), stride=layer.attribute("stride"), padding=layer.attribute("padding"))
        elif layer.kind in ("max_pool", "avg_pool"):
            pool = F.max_pool2d if layer.kind == "max_pool" else F.avg_pool2d
            a = pool(a, layer.attribute("kernel"), layer.attribute("stride"))
        elif layer.kind == "flatten":
            a = a.flatten(1)
        elif layer.kind == "dense":
            a = a @ p["W"].T + (p["b"] if "b" in p else 0.0)
        elif layer.kind == "batch_norm":
            a = F.batch_norm(a, None, None, p["gamma"], p["beta"], training=True, eps=layer.attribute("epsilon"))
        elif layer.kind == "layer_norm":
            a = F.layer_norm(a, a.shape[1:], p["gamma"], p["beta"], layer.attribute("epsilon"))
        else:
            a = F.rms_norm(a, a.shape[1:], p["gamma"], layer.attribute("epsilon"))
        last = l == len(spec.layers)
        if layer.activation and not (last and spec.loss.function in ("cross_entropy", "binary_cross_entropy")):
            a = TORCH_ACTIVATIONS[layer.activation](a)
    t, function, output = torch.tensor(spec.targets), spec.loss.function, spec.layers[-1].activation
    if function == "cross_entropy":        # from the logits, as the stable forms are
        log_out = torch.log_softmax(a, dim=1) if output == "softmax" else F.logsigmoid(a)
        per_sample = -(t * log_out).sum(dim=1)
    elif function == "binary_cross_entropy":
        per_sample = F.binary_cross_entropy_with_logits(a, t, reduction="none").sum(dim=1)
    else:
        squared = (t - a) ** 2
        per_sample = {"half_sse": 0.5 * squared, "sse": squared, "mse": squared / t.shape[1]}[function].sum(dim=1)
    return per_sample.mean() if spec.loss.reduction == "mean" else per_sample.sum()
