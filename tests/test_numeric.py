"""Gradients, updates and training against finite differences and hand-written backprop."""

import itertools

import numpy as np
import pytest

import derive
from helpers import run
from oracles import backprop_sigmoid_sse, finite_differences, loss, random_spec, train_sigmoid_sse

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
COMBOS = ([(a, "half_sse") for a in HIDDEN + ["softmax"]]
          + [(a, "cross_entropy") for a in ["sigmoid", "softmax"]] + [("sigmoid", "binary_cross_entropy")])


def _check_against_finite_differences(spec):
    result = run(spec)
    fd_w, fd_b = finite_differences(spec)
    grads = result.values.gradients
    assert result.values.forward.loss == pytest.approx(loss(spec), rel=1e-12)
    for ours, fd in zip(grads.weights, fd_w):
        assert np.allclose(ours, fd, rtol=1e-6, atol=1e-8)
    for ours, fd in zip(grads.biases, fd_b):
        assert np.allclose(ours, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("activation,loss_name", COMBOS)
@pytest.mark.parametrize("layout,reduction", list(itertools.product(["column", "row"], ["mean", "sum"])))
def test_gradients_match_finite_differences(activation, loss_name, layout, reduction):
    for seed in range(3):
        spec = random_spec(seed * 31 + len(activation), activation=activation, loss_name=loss_name,
                           layout=layout, reduction=reduction)
        if loss_name == "half_sse" and activation != "softmax":
            spec["layers"][-1]["activation"] = activation
        _check_against_finite_differences(spec)


@pytest.mark.parametrize("seed", range(20))
def test_random_networks_match_finite_differences(seed):
    _check_against_finite_differences(random_spec(1000 + seed))


def _deep_sigmoid(samples=2, shared=True):
    rng = np.random.default_rng(3)
    sizes = [3, 4, 3, 2, 2]
    layers = [{"units": b, "activation": "sigmoid", "weights": rng.uniform(-1, 1, (b, a)).round(3).tolist(),
               "bias": 0.1 * (l + 1) if shared else rng.uniform(-0.5, 0.5, b).round(3).tolist()}
              for l, (a, b) in enumerate(zip(sizes, sizes[1:]))]
    return {"input": {"values": rng.uniform(0, 1, (samples, 3)).round(3).tolist()},
            "target": {"values": rng.uniform(0, 1, (samples, 2)).round(3).tolist()},
            "layers": layers, "loss": {"function": "half_sse"},
            "training": {"learning_rate": 0.7, "update_bias": True, "iterations": 50}}


def test_deep_batch_matches_hand_written_backprop_and_training():
    spec = _deep_sigmoid(samples=4)
    result = run(spec)
    oracle_loss, gw, gb, _ = backprop_sigmoid_sse(spec)
    assert result.values.forward.loss == pytest.approx(oracle_loss, rel=1e-12)
    for ours, theirs in zip(result.values.gradients.weights, gw):
        assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-14)
    for ours, theirs in zip(result.values.gradients.biases, gb):
        assert ours[0] == pytest.approx(theirs, rel=1e-10)
    final_loss, out, _ = train_sigmoid_sse(spec, 50, 0.7, True)
    assert result.values.training.loss == pytest.approx(final_loss, rel=1e-10)
    assert np.allclose(result.values.training.outputs, out, rtol=1e-10)


def test_update_uses_learning_rate_and_respects_update_bias():
    spec = _deep_sigmoid()
    spec["training"] = {"learning_rate": 0.3, "update_bias": False}
    v = run(spec).values
    for w, g, new in zip(v.parameters.weights, v.gradients.weights, v.updated.weights):
        assert np.allclose(new, w - 0.3 * g, rtol=0, atol=1e-15)
    for b, new in zip(v.parameters.biases, v.updated.biases):
        assert np.array_equal(b, new)
    assert v.after_step.loss == pytest.approx(
        loss(spec, list(v.updated.weights), [b[0] for b in v.updated.biases]), rel=1e-12)
    assert v.training is None


def test_softmax_with_huge_logits_stays_finite():
    spec = {"input": {"values": [[1.0, -1.0]]}, "target": {"values": [[0.0, 1.0, 0.0]]},
            "layers": [{"units": 3, "activation": "softmax",
                        "weights": [[900.0, -900.0], [-800.0, 800.0], [1000.0, 0.0]], "bias": 0.0}],
            "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1, "iterations": 3}}
    v = run(spec).values
    # logits are 1800, -1600, 1000: the loss is the gap to the largest, 3400
    assert v.forward.loss == pytest.approx(3400.0, rel=1e-12)
    assert np.allclose(v.gradients.weights[0], [[1.0, -1.0], [-1.0, 1.0], [0.0, 0.0]])
    assert np.isfinite(v.training.loss)
    assert np.isfinite(v.after_step.loss)


def test_sigmoid_binary_cross_entropy_with_saturated_output_stays_finite():
    spec = {"input": {"values": [[1.0]]}, "target": {"values": [[0.0]]},
            "layers": [{"units": 1, "activation": "sigmoid", "weights": [[800.0]], "bias": 0.0}],
            "loss": {"function": "binary_cross_entropy"}, "training": {"learning_rate": 0.1}}
    v = run(spec).values
    assert v.forward.loss == pytest.approx(800.0, rel=1e-12)
    assert v.gradients.weights[0][0, 0] == pytest.approx(1.0)


def test_shared_bias_gradient_sums_the_units_deltas():
    spec = _deep_sigmoid()
    v = run(spec).values
    for delta, grad in zip((f.delta for f in v.factors), v.gradients.biases):
        assert grad[0] == pytest.approx(delta.sum() / 2, rel=1e-12)


def test_python_api_builds_the_same_network_as_toml():
    from helpers import MAZUR, ROOT
    from_toml = derive.load(ROOT / "derive" / "spec" / "presets" / "mazur.toml")
    assert derive.from_dict(MAZUR) == from_toml


def test_init_draws_glorot_uniform_weights_reproducibly():
    spec = {"input": {"values": [[0.1, 0.2, 0.3]]}, "target": {"values": [[0.5, 0.5]]}, "init": {"seed": 11},
            "layers": [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "sigmoid", "bias": 0.1}],
            "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}}
    a, b = derive.from_dict(spec), derive.from_dict(spec)
    assert a == b
    rng = np.random.default_rng(11)
    first = rng.uniform(-np.sqrt(6 / 7), np.sqrt(6 / 7), (4, 3))
    second = rng.uniform(-np.sqrt(6 / 6), np.sqrt(6 / 6), (2, 4))
    assert np.array_equal(np.array(a.layers[0].weights), first)
    assert np.array_equal(np.array(a.layers[1].weights), second)
    assert a.layers[0].bias == (0.0,) * 4 and a.layers[1].bias == 0.1
    row = derive.from_dict({**spec, "layout": "row"})
    assert np.array_equal(np.array(row.layers[0].weights), first.T)
    other = derive.from_dict({**spec, "init": {"seed": 12}})
    assert other.layers[0].weights != a.layers[0].weights


@pytest.mark.parametrize("activation,loss_name", COMBOS)
def test_factors_of_ordinary_networks_multiply_to_their_deltas(activation, loss_name):
    # The fused flag marks only outputs rounded to 0 or 1; moderate weights never set it.
    for seed in range(3):
        spec = random_spec(seed * 17 + len(loss_name), activation=activation, loss_name=loss_name)
        if loss_name == "half_sse" and activation != "softmax":
            spec["layers"][-1]["activation"] = activation
        values = run(spec).values
        for f in values.factors:
            assert f.fused.shape == f.delta.shape and not f.fused.any()
        assert values.warnings == ()
