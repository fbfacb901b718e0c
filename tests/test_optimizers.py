"""The optimizer rows (derive/core/optimizers.py) against torch.optim in float64: several steps
of each on one network (the core graph's walk gives the gradients), every parameter to 1e-10."""

import numpy as np
import pytest
import torch

from derive.core import walk
from derive.core.graph import Kind, lower
from derive.core.optimizers import OPTIMIZERS
from derive.spec import from_dict

SPEC = {"input": {"values": [[0.1, -0.4, 0.7], [0.5, 0.2, -0.3]]}, "target": {"values": [[0.2, 0.9], [0.6, 0.1]]},
        "layers": [{"units": 3, "activation": "tanh", "weights": [[0.2, -0.5, 0.1], [0.4, 0.3, -0.2], [-0.1, 0.2, 0.6]],
                    "bias": [0.1, -0.1, 0.05]},
                   {"units": 2, "activation": "sigmoid", "weights": [[0.3, -0.6, 0.2], [0.5, 0.1, -0.4]],
                    "bias": [0.2, -0.3]}],
        "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}}
TORCH = {"sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
         "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
         "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
         "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.99, eps=1e-8),
         "adam": lambda p, lr: torch.optim.Adam(p, lr=lr, betas=(0.9, 0.999), eps=1e-8),
         "adamw": lambda p, lr: torch.optim.AdamW(p, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)}
STEPS, RATE = 5, 0.1


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_optimizer_row_steps_as_torch_optim_does(name):
    spec = from_dict(SPEC)
    graph = lower(spec)
    given = {"X": np.array(spec.inputs), "Y": np.array(spec.targets)}
    for l, layer in enumerate(spec.layers, start=1):
        given[f"W{l}"], given[f"b{l}"] = np.array(layer.weights), np.array(layer.bias)
    params = [node for node in graph.of_kind(Kind.PARAMETER)]
    row = OPTIMIZERS[name]
    hyper = row.hyper()
    state = {node: row.initial(given[node.name]) for node in params}
    tensors = {node: torch.tensor(given[node.name], dtype=torch.float64, requires_grad=True) for node in params}
    optimizer = TORCH[name](list(tensors.values()), RATE)
    for t in range(1, STEPS + 1):
        found = walk.adjoints(graph, walk.forward(graph, given))
        for node in params:
            given[node.name], state[node] = row.step(given[node.name], found[node], state[node], t, RATE, **hyper)
        optimizer.zero_grad()
        a = torch.tensor(np.array(spec.inputs))
        for l in (1, 2):
            z = a @ tensors[params[2 * l - 2]].T + tensors[params[2 * l - 1]]
            a = torch.tanh(z) if l == 1 else torch.sigmoid(z)
        (0.5 * ((torch.tensor(np.array(spec.targets)) - a) ** 2).sum() / 2).backward()
        optimizer.step()
    for node in params:
        assert np.allclose(given[node.name], tensors[node].detach().numpy(), rtol=1e-10, atol=1e-13), (name, node.name)


def test_an_unknown_hyperparameter_is_named():
    with pytest.raises(ValueError, match="adam has no hyperparameter momentum"):
        OPTIMIZERS["adam"].hyper({"momentum": 0.9})
