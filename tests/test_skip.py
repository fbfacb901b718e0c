"""Skip (residual) connections (a hidden layer's `skip = k`): a^l = g(z^l) + a^k. Their numbers
against PyTorch (float64, tests/new_ops.py), SymPy's diff of the expanded loss, the index form and
central differences of the generated module, on random networks that mix skips with dropout; the
matrix form proven equal to the unit form; the spec's errors; and the documents in every notation."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import derive
from derive.errors import DeriveError
from new_ops import check_against_pytorch, check_index_form, random_network

RESIDUAL = {
    "precision": 6,
    "input": {"names": ["x1", "x2"], "values": [[0.6, -0.4], [0.1, 0.9]]}, "target": {"values": [[1.0], [0.0]]},
    "layers": [{"units": 2, "activation": "tanh", "weights": [[0.5, -0.3], [0.2, 0.8]], "bias": [0.1, -0.1]},
               {"units": 2, "activation": "tanh", "weights": [[0.4, -0.2], [0.3, 0.6]], "bias": [0.05, 0.02],
                "skip": 1},
               {"units": 1, "activation": "sigmoid", "weights": [[0.7, -0.6]], "bias": 0.05}],
    "loss": {"function": "binary_cross_entropy"}, "training": {"learning_rate": 0.5}}


def _with_layer(change: dict, layer: int = 1) -> dict:
    mapping = copy.deepcopy(RESIDUAL)
    mapping["layers"][layer] = {k: v for k, v in (mapping["layers"][layer] | change).items() if v is not None}
    return mapping


# -- the spec --------------------------------------------------------------------------------


def test_the_spec_reads_which_layer_a_skip_adds():
    spec = derive.from_dict(copy.deepcopy(RESIDUAL))
    assert [layer.skip for layer in spec.layers] == [None, 1, None]
    assert derive.from_dict(_with_layer({"skip": 0}, 0)).layers[0].skip == 0     # the inputs, as wide


@pytest.mark.parametrize("change, layer, message", [
    ({"skip": 2}, 1, "layers[2].skip: expected a whole number from 0 to 1, got 2"),
    ({"skip": -1}, 1, "layers[2].skip: expected a whole number from 0 to 1, got -1"),
    ({"skip": "h1"}, 1, "layers[2].skip: expected a whole number, got a string"),
    ({"skip": 1}, 2, "layers[3].skip: a skip connection into the output layer; expected it on hidden layers only"),
    ({"skip": 1, "dropout": 0.5, "mask": [1, 0]}, 1,
     "layers[2].skip: given with dropout on the same layer; expected one of them"),
])
def test_a_wrong_skip_is_named_in_one_line(change, layer, message):
    with pytest.raises(DeriveError) as caught:
        derive.from_dict(_with_layer(change, layer))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_skip_from_a_layer_of_another_width_is_refused_with_both_widths():
    mapping = copy.deepcopy(RESIDUAL)
    mapping["input"]["values"] = [[0.6, -0.4, 0.2], [0.1, 0.9, 0.3]]
    mapping["input"]["names"] = ["x1", "x2", "x3"]
    mapping["layers"][0]["weights"] = [[0.5, -0.3, 0.1], [0.2, 0.8, 0.1]]
    mapping["layers"][1]["skip"] = 0
    with pytest.raises(DeriveError, match=r"layers\[2\]\.skip: adds the inputs \(3 wide\) to a layer of 2 units; "
                                          "expected a layer as wide as this one"):
        derive.from_dict(mapping)


# -- the numbers -----------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6))
def test_random_residual_networks_equal_pytorch_and_their_generated_module(seed):
    check_against_pytorch(random_network(seed, skips=True))


@pytest.mark.parametrize("seed", range(5))
def test_sympys_diff_of_the_expanded_loss_equals_the_index_form_and_the_kernels(seed):
    check_index_form(random_network(seed, skips=True) if seed else copy.deepcopy(RESIDUAL) | {"layout": "column"})


def test_the_random_networks_have_skips_from_the_inputs_and_from_layers():
    skips = [layer.get("skip") for seed in range(60) for layer in random_network(seed, skips=True)["layers"]]
    assert 0 in skips and any(k for k in skips if k) and any("dropout" in layer for seed in range(60)
                                                                for layer in random_network(seed, skips=True)["layers"])


def test_the_gradient_reaches_a_skipped_layer_along_both_ways():
    """dE/dout of layer 1 is the next layer's deltas through its weights plus layer 2's dE/dout."""
    result = derive.derive(derive.from_dict(copy.deepcopy(RESIDUAL)))
    factors, weights = result.values.factors, result.values.parameters.weights
    through_weights = factors[1].delta @ weights[1]
    np.testing.assert_allclose(factors[0].d_out, through_weights + factors[1].d_out, rtol=1e-15)
    np.testing.assert_allclose(result.values.forward.outs[1],
                               result.values.forward.activations[1] + result.values.forward.outs[0], rtol=1e-15)


# -- the documents ---------------------------------------------------------------------------


def test_the_unit_documents_write_the_skip_and_its_path():
    result = derive.derive(derive.from_dict(copy.deepcopy(RESIDUAL)))
    neuron = result.render("markdown", "neuron")
    assert "layer 2 with 2 tanh units (k1, k2) and a skip connection adding layer 1's outputs to its own" in neuron
    assert r"out_{k1} &= \tanh{\left(net_{k1} \right)} + out_{h1}" in neuron
    assert "and, by a skip connection, is added to $out_{k1}$, so the error reaches it along 3 paths" in neuron
    assert (r"\frac{\partial E_{total}^{(1)}}{\partial net_{k2}} \cdot \frac{\partial net_{k2}}{\partial out_{h1}} "
            r"\\ &\quad {}+ \frac{\partial E_{total}^{(1)}}{\partial out_{k1}} \\ &= ") in neuron   # the skip's path: dE/dout_k1
    index = result.render("markdown", "index")
    assert r"\delta^{l}_{j} = \frac{\partial C}{\partial a^{l}_{j}} \, g_{l}'\left(z^{l}_{j}\right) \tag{BP2}" in index
    assert "where a skip connection adds this activation to a later layer's" in index
    assert "skip connection" not in derive.derive(derive.load("mazur")).render("markdown", "index")


def test_the_layer_documents_add_the_skip_forward_and_its_gradient_back():
    result = derive.derive(derive.from_dict(copy.deepcopy(RESIDUAL)))
    layer = result.render("markdown", "layer")
    assert r"A^{[2]} = \tanh\left(Z^{[2]}\right) + A^{[1]}" in layer
    assert (r"\frac{\partial \mathcal{L}}{\partial A^{[1]}} = W^{[2]T} \delta^{[2]} + "
            r"\frac{\partial \mathcal{L}}{\partial A^{[2]}}") in layer
    assert (r"\delta^{[1]} = \left(W^{[2]T} \delta^{[2]} + W^{[3]T} \delta^{[3]}\right) \odot "
            r"\left(1 - \left(A^{[1]}\right)^{\odot 2}\right)") in layer
    assert all(check.ok for check in result.checks)
    for fmt in ("latex", "beamer"):
        assert r"\tanh\left(Z^{[2]}\right) + A^{[1]}" in result.render(fmt, "layer")


def test_the_generated_module_adds_the_skip():
    code = derive.derive(derive.from_dict(copy.deepcopy(RESIDUAL))).code()
    assert "A2 = numpy.tanh(Z2) + A1  # A^{[2]} = \\tanh\\left(Z^{[2]}\\right) + A^{[1]}" in code


def test_the_network_figure_draws_each_skip_as_a_dashed_curve_in_every_engine():
    result = derive.derive(derive.from_dict(copy.deepcopy(RESIDUAL)))
    svg = result.render("markdown", "neuron")
    assert svg.count('stroke-dasharray="4 3"') == 2          # h1 -> k1 and h2 -> k2
    mermaid = derive.render(result, "markdown", "neuron", flavor="github")
    assert "n1_0 -.-> n2_0" in mermaid and "n1_1 -.-> n2_1" in mermaid
    assert result.render("latex", "neuron").count(r"\draw[->, gray, dashed]") == 2


def test_a_wide_networks_block_figure_draws_the_skip_between_blocks():
    mapping = {"input": {"names": [f"x{j}" for j in range(1, 11)]}, "loss": {"function": "half_sse"},
               "layers": [{"units": 10, "activation": "tanh"}, {"units": 10, "activation": "tanh", "skip": 0},
                          {"units": 1, "activation": "linear"}]}
    from derive.present.diagram import layout
    result = derive.derive(derive.from_dict(mapping))
    names = {}
    figure = layout(result.derivation.graph, names, None, str, "layer")
    assert figure["mode"] == "blocks" and [(k["source"], k["dest"]) for k in figure["skips"]] == [("l0", "l2")]
    # the curve's highest point (halfway, t = 1/2) is inside the frame, its ends on the blocks' tops
    assert all(figure["top"] < (k["y1"] + 2 * k["cy"] + k["y2"]) / 4 < k["y1"] for k in figure["skips"])


def test_verify_reads_the_skip_and_catches_a_forgotten_one():
    from derive.verify import Checker, verify_text
    checker = Checker(derive.derive(derive.load("residual")))
    post = "\n\n".join([
        r"$$out_{k1} = \tanh(net_{k1}) + out_{h1}$$",
        r"$$out_{k1} = \tanh(net_{k1})$$",                                      # forgets the skip
        r"$$\frac{\partial E_{total}}{\partial out_{h1}} = \delta_{k1} w_{5} + \delta_{k2} w_{7} + "
        r"\frac{\partial E_{total}}{\partial out_{k1}} \qquad \text{(sample 1)}$$",
        r"$$\frac{\partial E_{total}}{\partial out_{h1}} = \delta_{k1} w_{5} + \delta_{k2} w_{7} "
        r"\qquad \text{(sample 1)}$$"])                                           # forgets the skip's path
    report = verify_text(checker, post, "post.md", "neuron")
    assert [c.verdict for c in report.claims] == ["ok", "wrong", "ok", "wrong"]
    assert "a missing consumer term in the sum for h1: the path through k1" in report.claims[3].reason


def test_the_generic_bp2_of_a_skip_network_with_a_softmax_output_is_checked_at_the_layers_it_holds_for():
    """With skips the index notation writes BP2 over dC/da^l_j, for each layer with its own g_l':
    checked at the tanh layers, left out at the softmax output (a Jacobian, not g'), and said so. A
    claim about the softmax layer alone that applies g' elementwise stays unchecked; a wrong BP2 is wrong."""
    from derive.verify import Checker, verify_text
    mapping = copy.deepcopy(RESIDUAL)
    mapping["target"]["values"] = [[1.0, 0.0], [0.0, 1.0]]
    mapping["layers"][2] = {"units": 2, "activation": "softmax", "weights": [[0.7, -0.6], [0.2, 0.3]], "bias": [0.05, 0.0]}
    mapping["loss"]["function"] = "cross_entropy"
    result = derive.derive(derive.from_dict(mapping))
    checker = Checker(result)
    report = verify_text(checker, result.render("markdown", "index"), "post.md", "index")
    assert [c.verdict for c in report.claims if c.verdict != "ok"] == []
    bp2 = next(c for c in report.claims if r"g_{l}'" in c.text)
    assert "not at the softmax layer" in bp2.reason
    post = "\n\n".join([r"$$\delta^{3}_{1} = \frac{\partial C}{\partial a^{3}_{1}} \, g_{3}'(z^{3}_{1})$$",
                        r"$$\delta^{l}_{j} = \frac{\partial C}{\partial a^{l}_{j}}$$"])
    assert [c.verdict for c in verify_text(checker, post, "post.md", "index").claims] == ["unchecked", "wrong"]
