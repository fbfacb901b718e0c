"""PyTorch autograd (float64) as an independent oracle for derive's numbers and its generated code.

Over ~220 seeded random networks: every output activation x loss pair the spec accepts, both
layouts, both reductions, depth 1-4, widths 1-6, shared and per-unit biases, batches 1-4, and
networks whose outputs underflow to exactly 0 (σ or softmax), every optimizer (torch.optim's), an L2 penalty on a third of them, the
JSON's gradients, updated parameters, loss after one step and training, and the generated module's `forward`,
`gradients` (also given one flat sample), `step` and `train`, are compared with torch.autograd and torch.optim.
"""

from __future__ import annotations

import itertools
import json
import random
import types

import numpy as np
import pytest
import torch

import derive
from derive.rules.optimizers import OPTIMIZERS
from derive.rules.activations import ACTIVATIONS
from derive.rules.losses import LOSSES
from torch_net import TorchNet

# float64 throughout: |ours - oracle| <= 1e-9 |oracle| + 1e-12 (the absolute part for entries
# that are 0 up to rounding, such as a cancelling sum of a shared bias's deltas)
RTOL, ATOL = 1e-9, 1e-12

NUMERIC = [a for a, row in ACTIVATIONS.items() if row.numpy is not None]        # all but g
HIDDEN = [a for a in NUMERIC if a != "softmax"]                                   # softmax: last layer only
PAIRS = [(a, loss) for loss, row in LOSSES.items() for a in row.output_activations if a in NUMERIC]
SETTINGS = list(itertools.product(["column", "row"], ["mean", "sum"]))
PER_SETTING = 5                                  # random networks per pair, layout and reduction
SATURATING = [(a, loss) for a, loss in PAIRS if a in ("sigmoid", "softmax")]


def random_network(seed: int, output: str, loss: str, layout: str, reduction: str, saturated: bool) -> dict:
    """A spec mapping; `saturated`: large inputs, and output biases that push some outputs to exactly 0."""
    rng = random.Random(seed)
    depth = rng.randint(1, 4)
    widths = [rng.randint(1, 6) for _ in range(depth + 1)]
    if output == "softmax" and widths[-1] < 2:
        widths[-1] = rng.randint(2, 6)
    hidden = [rng.choice(["sigmoid", "tanh"] if saturated and l == depth - 2 else HIDDEN) for l in range(depth - 1)]
    m = rng.randint(1, 4)
    x = [[rng.uniform(-1, 1) * (30 if saturated else 1) for _ in range(widths[0])] for _ in range(m)]
    layers = []
    for l, (fan_in, units) in enumerate(zip(widths, widths[1:])):
        w = [[rng.uniform(-1, 1) for _ in range(fan_in)] for _ in range(units)]
        shared = rng.random() < 0.5 and not (saturated and output == "softmax" and l == depth - 1)
        bias = rng.uniform(-0.5, 0.5) if shared else [rng.uniform(-0.5, 0.5) for _ in range(units)]
        if saturated and l == depth - 1:
            w, bias = _saturating(rng, output, w, bias, max(abs(v) for row in x for v in row) if depth == 1 else 1.0)
        if rng.random() < 0.2 and not saturated:        # a layer without bias, as many posts draw them
            bias = False
        layers.append({"units": units, "activation": (hidden + [output])[l], "bias": bias,
                       "weights": w if layout == "column" else [list(c) for c in zip(*w)]})
    training = {"learning_rate": rng.choice([0.01, 0.1, 0.5]), "update_bias": rng.random() < 0.7}
    if rng.random() < 0.5:
        training["iterations"] = rng.randint(1, 8)
    training |= _optimizer(random.Random(seed + 1))
    if saturated and training.get("optimizer") in NORMALIZING:
        training.pop("iterations", None)
    penalty = random.Random(seed + 2)           # a third of the networks penalise their weights (L2)
    l2 = {"l2": penalty.choice([1e-3, 0.05, 0.3])} if penalty.random() < 0.33 else {}
    if training.get("optimizer") == "adamw":    # the spec takes AdamW's own decay or a penalty, not both
        l2 = {}
    return {"title": f"oracle {seed}", "layout": layout, "input": {"values": x},
            "target": {"values": [_target(rng, output, loss, widths[-1]) for _ in range(m)]},
            "layers": layers, "loss": {"function": loss, "reduction": reduction} | l2, "training": training}


# Optimizers that divide by the gradient's size: where a gradient is at rounding level, as in a
# saturated network, they amplify its last digits by about rate/epsilon (1e7), in derive and
# autograd alike, so several steps of them have no oracle to 1e-9; their single step is still
# checked there, against torch.optim given derive's gradients.
NORMALIZING = ("rmsprop", "adam", "adamw")


def _optimizer(rng) -> dict:
    """Half the networks train by plain gradient descent; the rest by another optimizer, with
    hyperparameters at their defaults or drawn at random."""
    name = rng.choice(["sgd"] * 5 + ["momentum", "nesterov", "rmsprop", "adam", "adamw"])
    drawn = {"momentum": {"momentum": rng.uniform(0, 0.99)}, "nesterov": {"momentum": rng.uniform(0, 0.99)},
             "rmsprop": {"alpha": rng.uniform(0.5, 0.999), "epsilon": rng.choice([1e-8, 1e-3])},
             "adam": {"beta1": rng.uniform(0, 0.99), "beta2": rng.uniform(0.5, 0.9999)},
             "adamw": {"beta1": rng.uniform(0, 0.99), "weight_decay": rng.uniform(0, 0.1)}}.get(name, {})
    return ({"optimizer": name} if name != "sgd" or rng.random() < 0.5 else {}) | (drawn if rng.random() < 0.5 else {})


def _saturating(rng, output, w, bias, largest_input):
    """Output weights scaled up, and biases far enough out that exp underflows for some units."""
    scale = rng.choice([1.0, 20.0])
    w = [[v * scale for v in row] for row in w]
    reach = max(sum(abs(v) for v in row) for row in w) * largest_input   # bounds |W a| for every unit
    far = 2 * reach + 800.0                                                # exp(-800) == 0.0 in float64
    if output == "softmax":                                                # one unit wins, the rest are 0
        winner = rng.randrange(len(w))
        return w, [0.0 if j == winner else -far for j in range(len(w))]
    if isinstance(bias, float):
        return w, -far
    return w, [-far if j == 0 or rng.random() < 0.5 else far for j in range(len(w))]   # 0 and 1 exactly


def _target(rng, output, loss, n):
    if loss == "cross_entropy":
        if rng.random() < 0.3:
            hot = rng.randrange(n)
            return [1.0 if j == hot else 0.0 for j in range(n)]
        raw = [rng.uniform(0.05, 1) for _ in range(n)]
        return [v / sum(raw) for v in raw]
    low = 0.0 if loss == "binary_cross_entropy" or output in ("sigmoid", "softmax") else -1.0
    return [rng.uniform(low, 1) for _ in range(n)]


CASES = ([(f"{a}-{loss}-{layout}-{red}-{k}", (a, loss, layout, red, False))
          for (a, loss), (layout, red), k in itertools.product(PAIRS, SETTINGS, range(PER_SETTING))]
         + [(f"saturated-{a}-{loss}-{layout}-{red}-{k}", (a, loss, layout, red, True))
            for (a, loss), (layout, red), k in itertools.product(SATURATING, SETTINGS, range(2))])


def _spec(index: int) -> dict:
    return random_network(7919 * index + 17, *CASES[index][1])


# -- comparing -------------------------------------------------------------------------------


def assert_close(ours, oracle, what: str) -> None:
    ours, oracle = np.asarray(ours, dtype=float), np.asarray(oracle, dtype=float)
    assert ours.shape == oracle.shape, f"{what}: shape {ours.shape}, oracle {oracle.shape}"
    assert np.isfinite(ours).all(), f"{what}: not finite: {ours}"
    bound = RTOL * np.abs(oracle) + ATOL
    worst = np.max(np.abs(ours - oracle) - bound)
    assert worst <= 0, f"{what}: {ours} against the oracle {oracle} (beyond the tolerance by {worst:.3g})"


def _named(spec: dict, weights, biases) -> dict:
    """Parameters in the spec's orientation, as derive's JSON names them."""
    row = spec["layout"] == "row"
    named = {}
    for l, (layer, w, b) in enumerate(zip(spec["layers"], weights, biases), start=1):
        named[f"W{l}"] = np.asarray(w).T if row else np.asarray(w)
        if layer["bias"] is not False:
            named[f"b{l}"] = float(b) if not isinstance(layer["bias"], list) else np.asarray(b)
    return named


def _unnamed(spec: dict, named: dict) -> list[torch.Tensor]:
    """derive's JSON parameters as TorchNet holds them: each weight (column orientation), then
    each present bias."""
    row = spec["layout"] == "row"
    weights, biases = [], []
    for l, layer in enumerate(spec["layers"], start=1):
        w = torch.tensor(named[f"W{l}"], dtype=torch.float64)
        weights.append(w.T.contiguous() if row else w)
        if layer["bias"] is not False:
            biases.append(torch.tensor(named[f"b{l}"], dtype=torch.float64))
    return weights + biases


def assert_parameters(spec, ours: dict, weights, biases, what: str) -> None:
    expected = _named(spec, weights, biases)
    assert set(ours) == set(expected), what
    for name in expected:
        assert_close(ours[name], expected[name], f"{what} {name}")
        if name.startswith("b") and isinstance(spec["layers"][int(name[1:]) - 1]["bias"], float):
            assert isinstance(ours[name], float), f"{what} {name}: a shared bias is a number"


def generated_module(spec: dict) -> types.ModuleType:
    """`derive code`'s module for the spec, executed in a fresh module of its own."""
    module = types.ModuleType("generated")
    exec(compile(derive.code(derive.from_dict(spec)), "<derive code>", "exec"), module.__dict__)
    return module


# -- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(CASES)), ids=[name for name, _ in CASES])
def test_derive_and_its_generated_code_match_torch_autograd(index):
    spec = _spec(index)
    net = TorchNet.from_spec(spec)
    with np.errstate(over="ignore"):   # the generated σ is 1 / (1 + exp(-z)): exp overflows to inf, σ to 0
        _check(spec, net, saturated=CASES[index][1][4])


def _check(spec: dict, net: TorchNet, saturated: bool = False) -> None:
    ours = json.loads(derive.derive(derive.from_dict(spec)).render("json"))
    loss, gw, gb = net.gradients(net.weights, net.biases)
    _, weights, biases = net.step(net.weights, net.biases)
    if saturated and spec["training"].get("optimizer") in NORMALIZING:   # the step alone, from derive's gradients
        weights, biases = net.step_with(_unnamed(spec, ours["gradients"]))
    with torch.no_grad():
        loss_after, outputs_after = net.loss(weights, biases).item(), net.nets(weights, biases)[1]

    assert_close(ours["loss"], loss, "loss")
    assert_parameters(spec, ours["gradients"], gw, gb, "gradients")
    assert_parameters(spec, ours["updated"], weights, biases, "updated")
    assert_close(ours["loss_after_step"], loss_after, "loss after one step")
    assert_close(ours["outputs_after_step"], outputs_after, "outputs after one step")
    iterations = spec["training"].get("iterations")
    if iterations:
        t_loss, t_outputs, t_weights, t_biases = net.train(iterations)
        assert_close(ours["training"]["loss"], t_loss, "training loss")
        assert_close(ours["training"]["outputs"], t_outputs, "training outputs")
        assert_parameters(spec, ours["training"]["parameters"], t_weights, t_biases, "trained")

    module = generated_module(spec)
    params = {name: value for l, layer in enumerate(spec["layers"], start=1)
              for name, value in ((f"W{l}", layer["weights"]), (f"b{l}", layer["bias"])) if value is not False}
    X, Y = spec["input"]["values"], spec["target"]["values"]
    assert_parameters(spec, module.gradients(params, X, Y), gw, gb, "generated gradients")
    assert_close(module.loss(params, X, Y), loss, "generated loss")
    with torch.no_grad():
        outputs = net.nets(net.weights, net.biases)[1].numpy()
    assert_close(module.forward(params, X), outputs, "generated forward")
    # the generated optimizer: one step from derive's gradients, and the whole training
    assert_parameters(spec, module.step(params, ours["gradients"])[0], weights, biases, "generated step")
    if iterations:
        assert_parameters(spec, module.train(params, X, Y, iterations), t_weights, t_biases, "generated training")
    # one flat sample is one sample, in both layouts, for X and Y alike
    assert_close(module.forward(params, X[0]), outputs[0], "generated forward of one flat sample")
    if len(X) == 1:
        assert_parameters(spec, module.gradients(params, X[0], Y[0]), gw, gb,
                          "generated gradients of one flat sample")


def test_saturated_networks_underflow_and_the_rest_cover_the_space():
    """The generator reaches what the oracle is for: outputs of exactly 0, and every setting."""
    seen = {key: set() for key in ("depth", "width", "batch", "bias", "hidden", "iterations", "optimizer", "l2")}
    for index, (name, _) in enumerate(CASES):
        spec = _spec(index)
        if name.startswith("saturated"):
            net = TorchNet.from_spec(spec)
            with torch.no_grad():
                assert (net.nets(net.weights, net.biases)[1] == 0).any(), name
        layers = spec["layers"]
        seen["depth"].add(len(layers))
        seen["width"].update(layer["units"] for layer in layers)
        seen["batch"].add(len(spec["input"]["values"]))
        seen["bias"].update(isinstance(layer["bias"], list) for layer in layers)
        seen["hidden"].update(layer["activation"] for layer in layers[:-1])
        seen["iterations"].add("iterations" in spec["training"])
        seen["optimizer"].add(spec["training"].get("optimizer", "sgd"))
        seen["l2"].add("l2" in spec["loss"])
    assert seen == {"depth": {1, 2, 3, 4}, "width": set(range(1, 7)), "batch": {1, 2, 3, 4},
                    "bias": {True, False}, "hidden": set(HIDDEN), "iterations": {True, False},
                    "optimizer": set(OPTIMIZERS), "l2": {True, False}}
    assert len(CASES) >= 200 and {pair for pair in PAIRS} == {(a, l) for _, (a, l, *_) in CASES}
