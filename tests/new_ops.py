"""The new ops' oracle (dropout with a fixed mask, skip connections): random networks that use
them, and their loss and gradients by PyTorch's autograd in float64, written from the spec
mapping alone (no code shared with derive)."""

from __future__ import annotations

import copy
import json
import random
import types

import numpy as np
import pytest
import sympy as sp
import torch

import derive
from derive.core.chain import closed_form, delta_closed_forms
from derive.core.units import expanded_loss
from derive.numeric.evaluator import initial_parameters, parameter_values

OUTPUTS = {"binary_cross_entropy": "sigmoid", "half_sse": "tanh", "cross_entropy": "softmax", "mse": "linear"}


def random_network(seed: int, skips: bool = False) -> dict:
    """Depth 2-3, widths 1-4, a batch of 1-3; each hidden layer drops with p in (0.2, 0.25, 0.5)
    or not at all, its mask one row for every sample or one per sample. With `skips`, most hidden
    layers add the output of an earlier layer (or the inputs) as wide as they are, instead."""
    rng = random.Random(seed)
    depth = rng.randint(2, 4 if skips else 3)
    loss = rng.choice(sorted(OUTPUTS))
    widths = [rng.randint(1, 4) for _ in range(depth)] + [rng.randint(2 if loss == "cross_entropy" else 1, 3)]
    if skips:       # a shared width, so that most layers have an earlier one to add
        width = rng.randint(1, 3)
        widths = [width if rng.random() < 0.8 else rng.randint(1, 3) for _ in range(depth)] + widths[-1:]
    m = rng.randint(1, 3)
    layout = rng.choice(["column", "row"])
    layers = []
    for index, (k, n) in enumerate(zip(widths, widths[1:])):
        last = index == depth - 1
        w = [[rng.uniform(-1, 1) for _ in range(k)] for _ in range(n)]
        layer = {"units": n, "activation": OUTPUTS[loss] if last else rng.choice(["sigmoid", "tanh", "relu", "linear"]),
                 "weights": w if layout == "column" else [list(c) for c in zip(*w)],
                 "bias": rng.choice([rng.uniform(-0.5, 0.5), [rng.uniform(-0.5, 0.5) for _ in range(n)], False])}
        earlier = [k for k in range(index + 1) if widths[k] == n]
        if skips and not last and earlier and rng.random() < 0.8:
            layer["skip"] = rng.choice(earlier)
        elif not last and rng.random() < 0.8:
            rows = 1 if rng.random() < 0.4 else m
            mask = [[rng.randint(0, 1) for _ in range(n)] for _ in range(rows)]
            layer |= {"dropout": rng.choice([0.2, 0.25, 0.5]), "mask": mask[0] if rows == 1 and rng.random() < 0.5 else mask}
        layers.append(layer)
    targets = [[rng.uniform(0.1, 0.9) for _ in range(widths[-1])] for _ in range(m)]
    if loss == "cross_entropy":
        targets = [[t / sum(row) for t in row] for row in targets]
    return {"layout": layout,
            "input": {"values": [[rng.uniform(-1, 1) for _ in range(widths[0])] for _ in range(m)]},
            "target": {"values": targets}, "layers": layers,
            "loss": {"function": loss, "reduction": rng.choice(["mean", "sum"])},
            "training": {"learning_rate": 0.1}}


def torch_gradients(mapping: dict) -> tuple[float, dict[str, np.ndarray]]:
    """The loss and dJ/dparam by PyTorch's autograd, in the spec's own orientation."""
    row = mapping["layout"] == "row"
    x = torch.tensor(mapping["input"]["values"], dtype=torch.float64)
    t = torch.tensor(mapping["target"]["values"], dtype=torch.float64)
    params, a, outputs = {}, x, [x]
    functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z,
                 "softmax": lambda z: torch.softmax(z, dim=1)}
    for l, layer in enumerate(mapping["layers"], start=1):
        w = params[f"W{l}"] = torch.tensor(layer["weights"], dtype=torch.float64, requires_grad=True)
        z = a @ w if row else a @ w.T
        if layer["bias"] is not False:
            b = params[f"b{l}"] = torch.tensor(layer["bias"], dtype=torch.float64, requires_grad=True)
            z = z + b
        a = functions[layer["activation"]](z)
        if "dropout" in layer:
            mask = torch.tensor(layer["mask"], dtype=torch.float64).reshape(-1, layer["units"])
            a = a * mask / (1 - layer["dropout"])
        if "skip" in layer:
            a = a + outputs[layer["skip"]]
        outputs.append(a)
    kind = mapping["loss"]["function"]
    per_sample = {"binary_cross_entropy": lambda: torch.nn.functional.binary_cross_entropy_with_logits(
                      z, t, reduction="none").sum(dim=1),
                  "half_sse": lambda: (0.5 * (t - a) ** 2).sum(dim=1),
                  "mse": lambda: ((t - a) ** 2).mean(dim=1),
                  "cross_entropy": lambda: -(t * torch.log_softmax(z, dim=1)).sum(dim=1)}[kind]()
    loss = per_sample.mean() if mapping["loss"]["reduction"] == "mean" else per_sample.sum()
    loss.backward()
    return float(loss.detach()), {name: p.grad.numpy() for name, p in params.items()}


def check_against_pytorch(mapping: dict) -> None:
    """The kernels' gradients (the JSON's) and the generated module's equal PyTorch's autograd to
    1e-12; central differences of the generated loss agree; the proof holds every matrix step."""
    result = derive.derive(derive.from_dict(copy.deepcopy(mapping)))
    ours = json.loads(result.render("json"))
    loss, expected = torch_gradients(mapping)
    assert ours["loss"] == pytest.approx(loss, rel=1e-12)
    assert set(ours["gradients"]) == set(expected)
    module = types.ModuleType("generated")
    exec(compile(result.code(), "<derive code>", "exec"), module.__dict__)
    params = {name: np.asarray(value, dtype=float) for name, value in ours["parameters"].items()}
    X, Y = ours["inputs"], ours["targets"]
    grads = module.gradients(params, X, Y)
    assert module.loss(params, X, Y) == pytest.approx(loss, rel=1e-12)
    for name, value in expected.items():
        np.testing.assert_allclose(np.asarray(ours["gradients"][name]).reshape(value.shape), value, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(np.asarray(grads[name]).reshape(value.shape), value, rtol=1e-12, atol=1e-14)
    h = 1e-6
    for name, value in params.items():
        for index in np.ndindex(value.shape):
            up, down = copy.deepcopy(params), copy.deepcopy(params)
            up[name][index] += h
            down[name][index] -= h
            central = (module.loss(up, X, Y) - module.loss(down, X, Y)) / (2 * h)
            assert np.asarray(grads[name])[index] == pytest.approx(central, rel=1e-5, abs=1e-7)
    assert all(check.ok for check in result.checks), [c for c in result.checks if not c.ok]


def check_index_form(mapping: dict) -> None:
    """Each sample's data (inputs, targets, masks) substituted into the expanded loss; d/dw at the
    spec's values equals the chain's closed form at each sample's node values and the JSON's
    gradient, to 1e-12."""
    spec = derive.from_dict(copy.deepcopy(mapping))
    result = derive.derive(spec)
    ours = json.loads(result.render("json"))
    graph = result.derivation.graph
    scale = sp.Rational(1, spec.samples) if spec.loss.reduction == "mean" else 1
    per_sample = expanded_loss(graph)
    inputs, targets = [u.out for u in graph.inputs], [u.target for u in graph.outputs]
    masks = [(layer, spec_layer) for layer, spec_layer in zip(graph.layers, spec.layers) if spec_layer.dropout]

    def data(s: int) -> dict:
        found = dict(zip(inputs, spec.inputs[s])) | dict(zip(targets, spec.targets[s]))
        for layer, spec_layer in masks:
            found |= dict(zip(layer.masks, spec_layer.kept(s)))
        return found
    cost = scale * sp.Add(*[per_sample.xreplace(data(s)) for s in range(spec.samples)])
    at = parameter_values(graph, initial_parameters(spec))
    forms = delta_closed_forms(result.derivation)
    nodes = [_node_values(graph, ours, spec, s) | data(s) for s in range(spec.samples)]
    for l, layer in enumerate(graph.layers, start=1):
        found = np.asarray(ours["gradients"][f"W{l}"])
        found = found if spec.layout == "column" else found.T
        for j, row in enumerate(layer.connections):
            for i, c in enumerate(row):
                expected = float(sp.diff(cost, c.weight).xreplace(at))
                index_form = closed_form(result.derivation, c.weight, forms)
                by_index = float(scale * sp.Add(*[index_form.xreplace(n) for n in nodes]))
                assert found[j][i] == pytest.approx(expected, rel=1e-12, abs=1e-15)
                assert by_index == pytest.approx(expected, rel=1e-12, abs=1e-15)


def _node_values(graph, ours: dict, spec, s: int) -> dict:
    """Sample s's net input and output of every unit (the JSON's forward pass), and the parameters."""
    values = parameter_values(graph, initial_parameters(spec))
    for l, layer in enumerate(graph.layers, start=1):
        for j, u in enumerate(layer.units):
            values[u.net] = ours["forward"][f"net{l}"][s][j]
            values[u.out] = ours["forward"][f"out{l}"][s][j]
    return values
