"""Reports of other networks: any depth, both layouts, batches, softmax; figures vs oracles."""

import re
from pathlib import Path

import numpy as np
import pytest

import derive
from derive.numeric.evaluator import parameter_values
from derive.present.writer import is_compact
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


def _tabled_steps(markdown: str, result) -> dict[str, dict[str, float]]:
    """A compact document's step: a table per layer in "Updating the weights", for each unit a row of its
    parameters' gradients and one of their values after the step, a column per input (the bias last)."""
    graph = result.derivation.graph
    update = markdown.split("## Updating the weights")[1]
    tables = re.findall(r"^(\| layer (\d+) \| \| .*\n(?:\|.*\n)+)", update, flags=re.M)
    assert [int(number) for _, number in tables] == [layer.index for layer in graph.layers]
    found = {"gradient": {}, "after": {}}
    for layer, (table, _) in zip(graph.layers, tables):
        lines = table.strip().splitlines()[2:]
        rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
        assert [row[0] for row in rows[::2]] == [u.name for u in layer.units]
        assert [row[1] for row in rows] == ["gradient", "after"] * len(layer.units)
        for k, row in enumerate(rows):
            unit, kind = layer.units[k // 2], row[1]
            cells = [_number(cell.strip(" $|")) for cell in row[2:]]
            for c, value in zip(layer.connections[unit.index], cells):
                found[kind][f"w_{{{c.number}}}"] = value
            bias = layer.bias_of(unit)
            if bias is not None:
                found[kind][f"b_{{{layer.index}}}" if layer.shared_bias else f"b_{{{bias.units[0].name}}}"] = cells[-1]
    return found


def _tabled_gradients(markdown: str, result) -> dict[str, float]:
    return _tabled_steps(markdown, result)["gradient"]


def _assert_printed_gradients_match_finite_differences(spec):
    result = run(spec)
    expected = _oracle_gradients(spec, result)
    full = _final_gradients(result.render(samples="all"))
    compact = result.render()
    tabled = "| layer 1 | | " in compact
    assert tabled == is_compact(result.spec)
    printed = [full, _tabled_gradients(compact, result)] if tabled else [full]
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
    assert (r"\frac{\partial E_{total}^{(1)}}{\partial out_{h1}} = \frac{\partial E_{total}^{(1)}}{\partial net_{k1}}"
            in one_line(backward))


def test_softmax_section_shows_jacobian_and_cancellation():
    result = run(DEEP_SOFTMAX_BATCH)
    assert "The softmax Jacobian:" in result.render(samples="all")
    text = one_line(result.render())
    assert "each term through the softmax Jacobian" in text
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
    row = re.search(r"^\| \$E_\{total\}\^\{\(s\)\}\$ \|(.*)$", error, flags=re.M).group(1)
    assert [_number(c.strip(" $")) for c in row.split("|") if c.strip()] == pytest.approx(
        list(fwd.unit_errors.sum(axis=1)), rel=1e-8)
    match = re.search(r"E_\{total\} = \\frac\{1\}\{3\} .* = ([^=$]+)\$\$", text)
    assert _number(match.group(1)) == pytest.approx(loss(DEEP_SOFTMAX_BATCH), rel=1e-8)


SPECS = Path(__file__).parent / "specs"
FIGURE = re.compile(r"-?\d+(?:\.\d+)?(?: \\times 10\^\{-?\d+\})?")


@pytest.mark.parametrize("notation", ["neuron", "index"])
@pytest.mark.parametrize("spec, most", [("batch_3_4_2.toml", 150), ("wide_10_20_5.toml", 400)])
def test_batches_and_wide_networks_stay_short(spec, most, notation):
    """Issue 10's targets: 3-4-2 with a batch of 3 in at most 150 Markdown lines (it was 212 and 225),
    10-20-5 with a batch of 4 in at most 400 (it was 3005), in both unit notations, with every figure
    still printed (below)."""
    result = derive.derive(derive.load(str(SPECS / spec)))
    assert derive.render(result, "markdown", notation).count("\n") <= most


@pytest.mark.parametrize("notation", ["neuron", "index"])
@pytest.mark.parametrize("spec", ["batch_3_4_2.toml", "wide_10_20_5.toml", "batch4"])
def test_a_compact_document_prints_every_figure(spec, notation):
    """Working sample 1 and one unit per layer, the compact document still prints every number: each
    parameter before and after the step, its gradient, each sample's net inputs, outputs, errors and
    deltas, and the losses."""
    result = derive.derive(derive.load(str(SPECS / spec) if spec.endswith(".toml") else spec))
    text = derive.render(result, "markdown", notation)
    assert "Sample 1 is worked in full below" in text
    v, graph = result.values, result.derivation.graph
    expected = {"loss": [v.forward.loss, v.after_step.loss],
                "parameters": list(parameter_values(graph, v.parameters).values()),
                "gradients": list(parameter_values(graph, v.gradients).values()),
                "updated": list(parameter_values(graph, v.updated).values()),
                "nets": [x for a in v.forward.nets for x in a.ravel()],
                "outs": [x for a in v.forward.outs for x in a.ravel()],
                "errors": list(v.forward.unit_errors.ravel()) + list(v.forward.unit_errors.sum(axis=1)),
                "deltas": [x for f in v.factors for x in f.delta.ravel()]}
    printed = np.array([_number(n) for n in FIGURE.findall(text)])
    rtol = 10.0 ** (1 - result.spec.precision)               # what rounding to the spec's precision leaves
    for kind, figures in expected.items():
        missing = [x for x in figures if not np.isclose(printed, x, rtol=rtol, atol=1e-12).any()]
        assert missing == [], (kind, missing[:3])
    # the step's table: for every parameter its gradient and its value after the step, as computed
    if notation == "neuron":
        steps, names = _tabled_steps(text, result), _parameter_names(result)
        for kind, params in (("gradient", v.gradients), ("after", v.updated)):
            for symbol, value in parameter_values(graph, params).items():
                assert steps[kind][names[symbol]] == pytest.approx(float(value), rel=rtol, abs=1e-12), (kind, symbol)


def _parameter_names(result) -> dict:
    """Each parameter symbol's name as the neuron notation prints it (w_{k}, b_{l} or b_{unit})."""
    names = {}
    for layer in result.derivation.graph.layers:
        for row in layer.connections:
            for c in row:
                names[c.weight] = f"w_{{{c.number}}}"
        for b in layer.biases:
            names[b.symbol] = f"b_{{{layer.index}}}" if layer.shared_bias else f"b_{{{b.units[0].name}}}"
    return names


def test_a_compact_document_groups_the_worked_steps_and_tells_the_batch_from_a_sample():
    """The chain's split and its factors in one display, the product with the batch mean and the node
    delta in the next; the per-sample error is E^{(s)} in the tables and the notation."""
    result = derive.derive(derive.load(str(SPECS / "batch_3_4_2.toml")))
    text = derive.render(result, "markdown", "neuron")
    backward = text.split("## The backward pass")[1].split("## Updating")[0]
    assert "#### The delta rule" not in backward and "Over the batch" not in text
    hidden = backward.split("### Hidden layer 1")[1]
    displays = re.findall(r"^\$\$(.*)\$\$$", hidden, flags=re.M)
    assert len(displays) == 2
    factors, product = displays
    assert factors.count(r"\text{(sample 1)}") == 4     # the split, the paths, the two other factors
    assert r"&= \delta_{o1} \cdot w_{13} + \delta_{o2} \cdot w_{17}" in factors
    assert product.startswith(r"\begin{aligned}\frac{\partial E_{total}^{(1)}}{\partial w_{1}} &= ")
    assert r"\frac{\partial E_{total}}{\partial w_{1}} &= \frac{1}{3} \Big(" in product
    assert r"\\ \delta_{h1} &= " in product
    assert ("| $E_{total}, E_{total}^{(s)}$ | the total error: the batch's (the mean over its samples), "
            "and sample s's alone |") in text
    assert "| $E_{total}^{(s)}$ | $0.257700883$ | $0.270039674$ | $0.00060813838$ |" in text
    # every display has a blank line before it and after it (kramdown reads it as a block then)
    lines = text.splitlines()
    for k, line in enumerate(lines):
        if line.startswith("$$") and k + 1 < len(lines):
            assert lines[k - 1] == "" and lines[k + 1] == "", line[:60]


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
    assert "| layer 1 | | x1 | x2 | x3 | x4 | x5 | x6 | bias |" in text
    assert "net_{o2} = " not in text.split("## The forward pass")[1].split("|")[0]
