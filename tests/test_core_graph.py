"""The general engine's first stage (issue 13, point 2): a dense spec lowers onto a graph of tensor
ops; the graph's forward pass and its one reverse walk give the same loss and gradients as the
dense engine (the JSON document), and as central differences of the graph's own loss; a
parameter read twice (tied weights) gets the sum of its consumers' gradients."""

import json

import numpy as np
import pytest

import derive
from derive.core import walk
from derive.core.graph import Application, Kind, Node, TensorGraph, lower
from new_ops import random_network
from oracles import random_spec

STEP = 1e-6


def _given(spec, document):
    given = {"X": document["inputs"], "Y": document["targets"]}
    for name, value in document["parameters"].items():     # W in the spec's layout; the graph's is (units, inputs)
        value = np.asarray(value, dtype=float)
        given[name] = value.T if name.startswith("W") and spec.layout == "row" else value
    return given


def _loss(graph, given):
    return float(walk.forward(graph, given)[graph.loss])


def _central(graph, given, name):
    value = np.asarray(given[name], dtype=float)
    estimate = np.zeros(value.shape)
    for k in np.ndindex(value.shape):
        up, down = value.copy(), value.copy()
        up[k] += STEP
        down[k] -= STEP
        estimate[k] = (_loss(graph, given | {name: up}) - _loss(graph, given | {name: down})) / (2 * STEP)
    return estimate


def test_a_dense_spec_lowers_to_dense_activation_and_loss_applications():
    graph = lower(derive.load("mazur"))
    assert [a.op for a in graph.applications] == ["dense", "activation", "dense", "activation", "loss"]
    assert [(n.name, n.shape) for n in graph.of_kind(Kind.PARAMETER)] == [("W1", (2, 2)), ("b1", (1,)),
                                                                          ("W2", (2, 2)), ("b2", (1,))]
    a1 = next(n for n in graph.nodes if n.name == "A1")
    assert graph.producer(a1).op == "activation" and [c.op for c in graph.consumers(a1)] == ["dense"]


def _check(spec):
    document = json.loads(derive.render(derive.derive(spec), "json"))
    graph, given = lower(spec), _given(spec, document)
    values = walk.forward(graph, given)
    assert float(values[graph.loss]) == pytest.approx(document["loss"], rel=1e-12)
    found = walk.adjoints(graph, values)
    for node in graph.of_kind(Kind.PARAMETER):
        expected = np.asarray(document["gradients"][node.name], dtype=float)
        expected = expected.T if node.name.startswith("W") and spec.layout == "row" else expected
        assert np.allclose(found[node].reshape(expected.shape), expected, rtol=1e-10, atol=1e-14), node.name
        assert np.allclose(found[node], _central(graph, given, node.name), rtol=1e-6, atol=1e-8), node.name


@pytest.mark.parametrize("preset", [name for name in derive.dense_preset_names() if derive.load(name).has_values])
def test_the_graph_walk_gives_every_presets_gradients(preset):
    _check(derive.load(preset))


@pytest.mark.parametrize("seed", range(40))
def test_the_graph_walk_gives_random_networks_gradients(seed):
    _check(derive.from_dict(random_spec(seed)))


@pytest.mark.parametrize("seed", range(8))
def test_the_graph_walk_gives_networks_with_dropout_and_skips_their_gradients(seed):
    """A dropout layer lowers to activation -> dropout (its fixed mask), a skip to activation -> add."""
    spec = derive.from_dict(random_network(seed, skips=bool(seed % 2)))
    ops = [a.op for a in lower(spec).applications]
    assert ops.count("dropout") == sum(1 for layer in spec.layers if layer.dropout)
    assert ops.count("add") == sum(1 for layer in spec.layers if layer.skip is not None)
    _check(spec)


@pytest.mark.parametrize("seed", range(6))
def test_the_graph_walk_gives_penalised_networks_gradients(seed):
    """[loss] l2 lowers to an l2 application per weight, summed into the loss: each weight is read twice."""
    mapping = random_spec(seed)
    spec = derive.from_dict(mapping | {"loss": mapping["loss"] | {"l2": 0.05 * (seed + 1)}})
    graph = lower(spec)
    assert [a.op for a in graph.applications].count("l2") == len(spec.layers)
    _check(spec)


def test_a_parameter_read_twice_gets_the_sum_of_both_gradients():
    x, y = Node("X", Kind.INPUT, (3,)), Node("Y", Kind.TARGET, (3,))
    w = Node("W", Kind.PARAMETER, (3, 3))
    z1, a1 = Node("Z1", Kind.INTERMEDIATE, (3,)), Node("A1", Kind.INTERMEDIATE, (3,))
    z2, a2 = Node("Z2", Kind.INTERMEDIATE, (3,)), Node("A2", Kind.INTERMEDIATE, (3,))
    loss = Node("J", Kind.LOSS, ())
    tanh = (("function", "tanh"),)
    graph = TensorGraph((x, y, w, z1, a1, z2, a2, loss), (
        Application("dense", (x, w), z1), Application("activation", (z1,), a1, tanh),
        Application("dense", (a1, w), z2), Application("activation", (z2,), a2, (("function", "sigmoid"),)),
        Application("loss", (a2, y), loss, (("function", "half_sse"), ("reduction", "mean")))), loss)
    rng = np.random.default_rng(3)
    given = {"X": rng.uniform(-1, 1, (2, 3)), "Y": rng.uniform(0, 1, (2, 3)), "W": rng.uniform(-1, 1, (3, 3))}
    assert len(graph.consumers(w)) == 2
    found = walk.adjoints(graph, walk.forward(graph, given))[w]
    assert np.allclose(found, _central(graph, given, "W"), rtol=1e-6, atol=1e-9)


def test_the_tied_weight_gradient_equals_pytorchs():
    import torch                                  # a test dependency: the independent oracle
    rng = np.random.default_rng(5)
    X, Y, W = rng.uniform(-1, 1, (4, 3)), rng.uniform(0, 1, (4, 3)), rng.uniform(-1, 1, (3, 3))
    w = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    a2 = torch.sigmoid(torch.tanh(torch.tensor(X) @ w.T) @ w.T)
    (0.5 * ((torch.tensor(Y) - a2) ** 2).sum() / 4).backward()
    x, y, wn = Node("X", Kind.INPUT, (3,)), Node("Y", Kind.TARGET, (3,)), Node("W", Kind.PARAMETER, (3, 3))
    z1, a1n = Node("Z1", Kind.INTERMEDIATE, (3,)), Node("A1", Kind.INTERMEDIATE, (3,))
    z2, a2n, loss = Node("Z2", Kind.INTERMEDIATE, (3,)), Node("A2", Kind.INTERMEDIATE, (3,)), Node("J", Kind.LOSS, ())
    graph = TensorGraph((x, y, wn, z1, a1n, z2, a2n, loss), (
        Application("dense", (x, wn), z1), Application("activation", (z1,), a1n, (("function", "tanh"),)),
        Application("dense", (a1n, wn), z2), Application("activation", (z2,), a2n, (("function", "sigmoid"),)),
        Application("loss", (a2n, y), loss, (("function", "half_sse"), ("reduction", "mean")))), loss)
    found = walk.adjoints(graph, walk.forward(graph, {"X": X, "Y": Y, "W": W}))[wn]
    assert np.allclose(found, w.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_a_residual_connection_dropout_and_l2_equal_pytorch_and_central_differences():
    # X -> dense(W1, b1) -> tanh -> dropout (a fixed mask) -> A1; Z2 = dense(A1, W2) + A1 (the skip);
    # A2 = sigmoid(Z2); J = half_sse(A2, Y) + (λ/2)(|W1|² + |W2|²)
    import torch
    rng = np.random.default_rng(11)
    X, Y = rng.uniform(-1, 1, (4, 3)), rng.uniform(0, 1, (4, 3))
    W1, b1, W2 = rng.uniform(-1, 1, (3, 3)), rng.uniform(-0.5, 0.5, 3), rng.uniform(-1, 1, (3, 3))
    mask, rate, strength = ((1, 0, 1), (1, 1, 0), (0, 1, 1), (1, 1, 1)), 0.25, 0.01
    n = {name: Node(name, kind, shape) for name, kind, shape in [
        ("X", Kind.INPUT, (3,)), ("Y", Kind.TARGET, (3,)), ("W1", Kind.PARAMETER, (3, 3)),
        ("b1", Kind.PARAMETER, (3,)), ("W2", Kind.PARAMETER, (3, 3)), ("Z1", Kind.INTERMEDIATE, (3,)),
        ("H1", Kind.INTERMEDIATE, (3,)), ("A1", Kind.INTERMEDIATE, (3,)), ("D2", Kind.INTERMEDIATE, (3,)),
        ("Z2", Kind.INTERMEDIATE, (3,)), ("A2", Kind.INTERMEDIATE, (3,)), ("E", Kind.INTERMEDIATE, ()),
        ("P1", Kind.INTERMEDIATE, ()), ("P2", Kind.INTERMEDIATE, ()), ("P", Kind.INTERMEDIATE, ()),
        ("J", Kind.LOSS, ())]}
    graph = TensorGraph(tuple(n.values()), (
        Application("dense", (n["X"], n["W1"], n["b1"]), n["Z1"]),
        Application("activation", (n["Z1"],), n["H1"], (("function", "tanh"),)),
        Application("dropout", (n["H1"],), n["A1"], (("mask", mask), ("rate", rate))),
        Application("dense", (n["A1"], n["W2"]), n["D2"]),
        Application("add", (n["D2"], n["A1"]), n["Z2"]),
        Application("activation", (n["Z2"],), n["A2"], (("function", "sigmoid"),)),
        Application("loss", (n["A2"], n["Y"]), n["E"], (("function", "half_sse"), ("reduction", "mean"))),
        Application("l2", (n["W1"],), n["P1"], (("strength", strength),)),
        Application("l2", (n["W2"],), n["P2"], (("strength", strength),)),
        Application("add", (n["P1"], n["P2"]), n["P"]),
        Application("add", (n["E"], n["P"]), n["J"])), n["J"])
    given = {"X": X, "Y": Y, "W1": W1, "b1": b1, "W2": W2}
    found = walk.adjoints(graph, walk.forward(graph, given))
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=k in ("W1", "b1", "W2")) for k, v in given.items()}
    a1 = torch.tanh(t["X"] @ t["W1"].T + t["b1"]) * torch.tensor(mask, dtype=torch.float64) / (1 - rate)
    a2 = torch.sigmoid(a1 @ t["W2"].T + a1)
    loss = 0.5 * ((t["Y"] - a2) ** 2).sum() / 4 + 0.5 * strength * ((t["W1"] ** 2).sum() + (t["W2"] ** 2).sum())
    loss.backward()
    assert float(walk.forward(graph, given)[n["J"]]) == pytest.approx(loss.item(), rel=1e-12)
    for name in ("W1", "b1", "W2"):
        assert np.allclose(found[n[name]], t[name].grad.numpy(), rtol=1e-12, atol=1e-15), name
        assert np.allclose(found[n[name]], _central(graph, given, name), rtol=1e-6, atol=1e-9), name
    assert len(graph.consumers(n["A1"])) == 2            # the skip: A1 feeds the dense layer and the sum
