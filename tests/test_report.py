"""Reports of other networks: any depth, both layouts, batches, softmax; figures vs oracles."""

import re

import numpy as np
import pytest

import derive
from helpers import run
from oracles import finite_differences, loss, random_spec

DEEP_SOFTMAX_BATCH = {
    "title": "Deep softmax batch", "layout": "row",
    "input": {"values": [[0.1, 0.5], [0.9, -0.3], [0.4, 0.4]]},
    "target": {"values": [[1, 0, 0], [0, 0.5, 0.5], [0.2, 0.3, 0.5]]},
    "layers": [
        {"units": 3, "activation": "tanh", "weights": [[0.2, -0.3, 0.5], [0.4, 0.1, -0.2]], "bias": [0.1, 0.0, -0.1]},
        {"units": 2, "activation": "relu", "weights": [[0.3, 0.2], [-0.4, 0.6], [0.5, 0.1]], "bias": 0.05},
        {"units": 2, "activation": "sigmoid", "weights": [[0.7, -0.2], [0.3, 0.8]], "bias": 0.2},
        {"units": 3, "activation": "softmax", "weights": [[0.5, -0.5, 0.2], [0.1, 0.4, -0.3]], "bias": [0.0, 0.1, 0.2]},
    ],
    "loss": {"function": "cross_entropy", "reduction": "mean"},
    "training": {"learning_rate": 0.2, "iterations": 20},
}

DEEP_SINGLE = {
    "input": {"values": [0.3, -0.7]}, "target": {"values": [0.25]},
    "layers": [
        {"units": 2, "activation": "leaky_relu", "weights": [[0.5, 0.2], [-0.6, 0.3]], "bias": 0.1},
        {"units": 2, "activation": "sigmoid", "weights": [[0.1, 0.9], [0.4, -0.2]], "bias": [0.2, -0.2]},
        {"units": 1, "activation": "linear", "weights": [[0.8, -0.5]], "bias": 0.0},
    ],
    "loss": {"function": "half_sse", "reduction": "sum"},
    "training": {"learning_rate": 0.1},
}

LINE = re.compile(r"^(?!.*\(sample )\$\$\\frac\{\\partial E_\{total\}\}\{\\partial (w_\{\d+\}|b_\{\w+\})\} = .* = ([^=]+)\$\$$", re.M)


def _number(text: str) -> float:
    text = text.strip().strip("\\left()").replace("\\right", "")
    if "\\times" in text:
        mantissa, exponent = text.split("\\times 10^")
        return float(mantissa) * 10 ** int(exponent.strip("{}"))
    return float(text)


def _final_gradients(markdown: str) -> dict[str, float]:
    """The last printed value of every dE/dparameter: the batch total for that parameter."""
    final = {}
    for match in LINE.finditer(markdown):
        final[match.group(1)] = _number(match.group(2))
    return final


def _oracle_gradients(spec: dict, result) -> dict[str, float]:
    fd_w, fd_b = finite_differences(spec)
    graph = result.derivation.graph
    expected = {}
    for layer, g, gb in zip(graph.layers, fd_w, fd_b):
        for j, row in enumerate(layer.connections):
            for i, c in enumerate(row):
                expected[f"w_{{{c.number}}}"] = g[j, i]
        for k, b in enumerate(layer.biases):
            name = f"b_{{{layer.index}}}" if layer.shared_bias else f"b_{{{b.units[0].name}}}"
            expected[name] = gb[k]
    return expected


def _assert_printed_gradients_match_finite_differences(spec):
    result = run(spec)
    printed = _final_gradients(result.render())
    expected = _oracle_gradients(spec, result)
    assert set(printed) == set(expected)
    for name, value in expected.items():
        assert printed[name] == pytest.approx(value, rel=1e-6, abs=1e-9), name


@pytest.mark.parametrize("spec", [DEEP_SOFTMAX_BATCH, DEEP_SINGLE], ids=["softmax-batch-row", "deep-single"])
def test_every_printed_gradient_matches_finite_differences(spec):
    _assert_printed_gradients_match_finite_differences(spec)


def test_every_layer_gets_its_backward_section_and_sum_over_paths():
    text = run(DEEP_SOFTMAX_BATCH).render()
    backward = text.split("## The backward pass")[1].split("## Updating")[0]
    assert re.findall(r"^### (.*)$", backward, flags=re.M) == ["Output layer", "Hidden layer 3", "Hidden layer 2",
                                                                "Hidden layer 1"]
    # each hidden layer's first unit sums over the units of the layer above
    assert backward.count("the chain rule sums over them") == 3
    assert r"\frac{\partial E_{total}}{\partial out_{h1}} = \frac{\partial E_{total}}{\partial net_{k1}}" in backward


def test_softmax_section_shows_jacobian_and_cancellation():
    text = run(DEEP_SOFTMAX_BATCH).render()
    assert "The softmax Jacobian" in text
    assert r"\frac{\partial out_{o1}}{\partial net_{o1}} = out_{o1} \cdot \left(1 - out_{o1}\right)" in text
    assert r"\frac{\partial out_{o2}}{\partial net_{o1}} = - out_{o2} \cdot out_{o1}" in text
    assert "because the targets sum to 1" in text
    assert r"\frac{\partial E_{total}}{\partial net_{o1}} = out_{o1} - target_{o1}" in text


def test_batches_show_each_sample_and_the_reduction():
    text = run(DEEP_SOFTMAX_BATCH).render()
    assert r"\text{(sample 3)}" in text
    assert "Over the batch (mean over samples)" in text
    expected = loss(DEEP_SOFTMAX_BATCH)
    match = re.search(r"E_\{total\} = \\frac\{1\}\{3\} .* = ([^=$]+)\$\$", text)
    assert _number(match.group(1)) == pytest.approx(expected, rel=1e-8)


def test_training_section_reports_the_trained_loss():
    result = run(DEEP_SOFTMAX_BATCH)
    text = result.render()
    assert "Repeating the step 20 times" in text
    trained = result.values.training
    assert derive.render(result, "json").count('"iterations": 20') == 1
    assert f"E_{{total}}^{{(20)}} = {trained.loss:.9g}" in text


def test_report_without_iterations_has_no_training_section():
    assert "## Training" not in run(DEEP_SINGLE).render()


def test_per_unit_biases_are_named_by_unit():
    text = run(DEEP_SINGLE).render()
    assert r"\frac{\partial E_{total}}{\partial b_{k1}} = \delta_{k1}" in text
    assert "{b_{k1}}^{+}" in text


def test_gradients_in_the_document_equal_the_json():
    result = run(DEEP_SINGLE)
    printed = _final_gradients(result.render())
    grads = result.values.gradients
    assert printed["w_{1}"] == pytest.approx(float(grads.weights[0][0, 0]), rel=1e-8)
    assert printed["w_{9}"] == pytest.approx(float(grads.weights[2][0, 0]), rel=1e-8)
    assert np.isfinite(list(printed.values())).all()


@pytest.mark.parametrize("seed", range(12))
def test_random_network_reports_print_gradients_matching_finite_differences(seed):
    _assert_printed_gradients_match_finite_differences(random_spec(500 + seed))
