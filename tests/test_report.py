"""Reports of other networks: any depth, both layouts, batches, softmax; figures vs oracles."""

import re

import numpy as np
import pytest

import derive
from helpers import one_line, run
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

# lhs = ... = value, on one line or broken over an aligned block (lhs &= ... \\ &= value)
LINE = re.compile(r"^(?!.*\(sample )\$\$(?:\\begin\{aligned\})?\\frac\{\\partial E_\{total\}\}"
                  r"\{\\partial (w_\{\d+\}|b_\{\w+\})\} &?= .* &?= ([^=&]+?)(?:\\end\{aligned\})?\$\$$", re.M)


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


def _tabled_gradients(markdown: str, result) -> dict[str, float]:
    """A compact document's gradients: a table per layer after "The gradients:", a row per unit and a
    column per input (the bias last)."""
    graph = result.derivation.graph
    tables = re.findall(r"The gradients:\n\n((?:\|.*\n)+)", markdown)
    assert len(tables) == len(graph.layers)
    found = {}
    for layer, table in zip(reversed(graph.layers), tables):
        rows = [line.strip("| ").split(" | ") for line in table.strip().splitlines()[2:]]
        assert [row[0] for row in rows] == [u.name for u in layer.units]
        for unit, row in zip(layer.units, rows):
            cells = [_number(cell.strip(" $|")) for cell in row[1:]]
            for c, value in zip(layer.connections[unit.index], cells):
                found[f"w_{{{c.number}}}"] = value
            bias = layer.bias_of(unit)
            found[f"b_{{{layer.index}}}" if layer.shared_bias else f"b_{{{bias.units[0].name}}}"] = cells[-1]
    return found


def _assert_printed_gradients_match_finite_differences(spec):
    result = run(spec)
    expected = _oracle_gradients(spec, result)
    full = _final_gradients(result.render(samples="all"))
    compact = result.render()
    printed = [full, _tabled_gradients(compact, result)] if "The gradients:" in compact else [full]
    for figures in printed:
        assert set(figures) == set(expected)
        for name, value in expected.items():
            assert figures[name] == pytest.approx(value, rel=1e-6, abs=1e-9), name


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
    # a batch is worked on sample 1, whose own error E^{(1)} is told apart from the batch mean E
    assert r"\frac{\partial E_{total}^{(1)}}{\partial out_{h1}} = \frac{\partial E_{total}^{(1)}}{\partial net_{k1}}" in backward


def test_softmax_section_shows_jacobian_and_cancellation():
    text = one_line(run(DEEP_SOFTMAX_BATCH).render())
    assert "The softmax Jacobian" in text
    assert r"\frac{\partial out_{o1}}{\partial net_{o1}} = out_{o1} \cdot \left(1 - out_{o1}\right)" in text
    assert r"\frac{\partial out_{o2}}{\partial net_{o1}} = - out_{o2} \cdot out_{o1}" in text
    assert "because the targets sum to 1" in text
    assert r"\frac{\partial E_{total}^{(1)}}{\partial net_{o1}} = out_{o1} - target_{o1}" in text


def test_batches_show_each_sample_and_the_reduction():
    text = run(DEEP_SOFTMAX_BATCH).render(samples="all")
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


def test_a_batch_is_worked_on_sample_one_and_tabled():
    """Sample 1 in full with its own error E^{(1)}; every sample's figures in tables; the batch mean as E."""
    result = run(DEEP_SOFTMAX_BATCH)
    text = one_line(result.render())
    assert r"\text{(sample 1)}" in text and r"\text{(sample 2)}" not in text
    assert r"E_{total}^{(1)} = E_{o1} + E_{o2} + E_{o3}" in text
    assert "| unit | $net$ (1) | $out$ (1) | $net$ (2) | $out$ (2) | $net$ (3) | $out$ (3) |" in text
    # every sample's loss is in the error table, and the batch mean follows
    fwd = result.values.forward
    error = text.split("## The total error")[1]
    row = re.search(r"^\| \$E_\{total\}\$ \|(.*)$", error, flags=re.M).group(1)
    assert [_number(c.strip(" $")) for c in row.split("|") if c.strip()] == pytest.approx(
        list(fwd.unit_errors.sum(axis=1)), rel=1e-8)
    match = re.search(r"E_\{total\} = \\frac\{1\}\{3\} .* = ([^=$]+)\$\$", text)
    assert _number(match.group(1)) == pytest.approx(loss(DEEP_SOFTMAX_BATCH), rel=1e-8)


def test_a_wide_batched_network_stays_short():
    """Issue 10's target: 10-20-5 with a batch of 4 in at most 400 Markdown lines (it was 3005), in both
    unit notations, with every gradient still printed (the tables, checked above)."""
    from pathlib import Path
    result = derive.derive(derive.load(str(Path(__file__).parent / "specs" / "wide_10_20_5.toml")))
    for notation in ("neuron", "index"):
        assert derive.render(result, "markdown", notation).count("\n") <= 400, notation


def test_a_gradient_that_is_zero_exactly_prints_as_zero():
    """A bias shared by a softmax layer under cross-entropy: sum_j (out_j - t_j) = 1 - 1 = 0, not ~1e-17."""
    spec = {**DEEP_SOFTMAX_BATCH, "layers": DEEP_SOFTMAX_BATCH["layers"][:-1]
            + [{**DEEP_SOFTMAX_BATCH["layers"][-1], "bias": 0.1}]}
    result = run(spec)
    assert result.values.gradients.biases[-1].tolist() == [0.0]
    full = result.render(samples="all")
    assert re.search(r"\\frac\{\\partial E_\{total\}\}\{\\partial b_\{4\}\} = .* = 0\$\$", full)
    assert "10^{-1" not in full.split("## The backward pass")[1].split("## Updating")[0].split("b_{4}")[-1][:200]


@pytest.mark.parametrize("layout", ["column", "row"])
def test_many_inputs_make_a_compact_document_in_either_layout(layout):
    """Six inputs into two units: the first unit worked in full, the parameters in tables."""
    weights = [[0.1, -0.2, 0.3, 0.05, -0.1, 0.2], [0.2, 0.1, -0.3, 0.4, 0.0, -0.2]]
    spec = {"layout": layout, "input": {"values": [[0.5, 0.1, 0.9, 0.3, 0.7, 0.2]]}, "target": {"values": [[0.25, 0.75]]},
            "layers": [{"units": 2, "activation": "sigmoid", "bias": 0.1,
                        "weights": weights if layout == "column" else [list(c) for c in zip(*weights)]}],
            "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}}
    text = run(spec).render()
    assert "In each layer the first unit is worked in full" in text
    assert "The gradients:" in text and "net_{o2} = " not in text.split("## The forward pass")[1].split("|")[0]
