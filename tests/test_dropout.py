"""Dropout with a fixed mask (a hidden layer's `dropout = p` and `mask`): a kept unit's output is
g(net) / (1 - p), a dropped one's 0. Its numbers against PyTorch (float64, written here from the
spec, sharing no code with derive), SymPy's diff of the expanded loss, the index form and central
differences of the generated module; the matrix form proven equal to the unit form; the spec's
errors; and the documents in every notation."""

from __future__ import annotations

import copy
import json
import types

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import derive
from derive.errors import DeriveError
from new_ops import check_against_pytorch, check_index_form, random_network

def _module(result) -> types.ModuleType:
    module = types.ModuleType("generated")
    exec(compile(result.code(), "<derive code>", "exec"), module.__dict__)
    return module


# -- the spec --------------------------------------------------------------------------------


def _with_layer(change: dict, layer: int = 0) -> dict:
    mapping = copy.deepcopy(_PRESET_MAPPING)
    mapping["layers"][layer] = {k: v for k, v in (mapping["layers"][layer] | change).items() if v is not None}
    return mapping


_PRESET_MAPPING = {"precision": 6,
    "input": {"values": [[0.6, -0.4], [0.1, 0.9]]}, "target": {"values": [[1.0], [0.0]]},
    "layers": [{"units": 3, "activation": "sigmoid", "weights": [[0.5, -0.3], [0.2, 0.8], [0.1, 0.4]],
                "bias": [0.1, -0.1, 0.2], "dropout": 0.5, "mask": [[1, 0, 1], [0, 1, 1]]},
               {"units": 1, "activation": "sigmoid", "weights": [[0.7, -0.6, 0.3]], "bias": 0.05}],
    "loss": {"function": "binary_cross_entropy"}, "training": {"learning_rate": 0.5}}
PRESET = derive.from_dict(copy.deepcopy(_PRESET_MAPPING) | {"title": "Dropout"})


def test_the_spec_reads_the_probability_and_the_mask_of_each_sample():
    spec = derive.from_dict(copy.deepcopy(_PRESET_MAPPING))
    assert (spec.layers[0].dropout, spec.layers[0].mask) == (0.5, ((1, 0, 1), (0, 1, 1)))
    assert spec.layers[0].kept(1) == (0, 1, 1) and spec.layers[1].dropout == 0.0
    one_row = derive.from_dict(_with_layer({"mask": [1, 0, 1]}))
    assert one_row.layers[0].kept(0) == one_row.layers[0].kept(1) == (1, 0, 1)


@pytest.mark.parametrize("change, layer, message", [
    ({"dropout": 1.0}, 0, "layers[1].dropout: expected a probability of dropping a unit, above 0 and below 1, got 1.0"),
    ({"dropout": 0}, 0, "layers[1].dropout: expected a probability of dropping a unit, above 0 and below 1, got 0"),
    ({"dropout": "half"}, 0, "layers[1].dropout: expected a number, got a string"),
    ({"dropout": None}, 0, "layers[1].mask: given without dropout"),
    ({"mask": None}, 0, "layers[1].mask: missing key (the fixed mask of 0s and 1s"),
    ({"mask": [[1, 0, 2], [0, 1, 1]]}, 0, "layers[1].mask[1][3]: expected 0 (dropped) or 1 (kept), got 2"),
    ({"mask": [[1, 0], [0, 1]]}, 0, "layers[1].mask[1]: expected 3 zeros and ones (one per unit), got 2"),
    ({"mask": [1, 0]}, 0, "layers[1].mask: expected 3 zeros and ones (one per unit), got 2"),
    ({"mask": [[1, 0, 1], [0, 1, 1], [1, 1, 1]]}, 0,
     "layers[1].mask: expected one row for every sample or 2 rows (one per sample, as input.values), got 3"),
    ({"mask": [True, False, True]}, 0, "layers[1].mask[1]: expected 0 (dropped) or 1 (kept), got a boolean (true)"),
    ({"dropout": 0.5, "mask": [1]}, 1, "layers[2].dropout: dropout on the output layer; expected it on hidden layers"),
])
def test_a_wrong_dropout_is_named_in_one_line(change, layer, message):
    with pytest.raises(DeriveError) as caught:
        derive.from_dict(_with_layer(change, layer))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_derivation_without_numbers_keeps_the_mask_a_symbol():
    mapping = {"input": {"names": ["x1", "x2"]}, "loss": {"function": "half_sse"},
               "layers": [{"units": 2, "activation": "tanh", "dropout": 0.2}, {"units": 1, "activation": "linear"}]}
    layer_doc = derive.derive(derive.from_dict(mapping)).render("markdown", "layer")
    assert r"A^{[1]} = \frac{5}{4} D^{[1]} \odot \tanh\left(Z^{[1]}\right)" in layer_doc
    with pytest.raises(DeriveError, match="layers.1..mask: given without input.values"):
        derive.from_dict(copy.deepcopy(mapping) | {"layers": [mapping["layers"][0] | {"mask": [1, 0]},
                                                               mapping["layers"][1]]})


# -- the numbers -----------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6))
def test_random_dropout_networks_equal_pytorch_and_their_generated_module(seed):
    """The kernels' gradients (the JSON's) and the generated module's equal PyTorch's autograd to
    1e-12; central differences of the generated loss agree; the proof holds every matrix step."""
    check_against_pytorch(random_network(seed))


@pytest.mark.parametrize("seed", range(4))
def test_sympys_diff_of_the_expanded_loss_equals_the_index_form_and_the_kernels(seed):
    """Each sample's masks substituted into the expanded loss; d/dparam at the spec's values equals
    the chain's closed form at each sample's node values and the JSON's gradient, to 1e-12."""
    check_index_form(random_network(seed) if seed else copy.deepcopy(_PRESET_MAPPING) | {"layout": "column"})


def test_a_dropped_unit_passes_nothing_forward_or_back():
    values = derive.derive(PRESET).values
    dropped = np.array(PRESET.layers[0].mask) == 0
    assert (values.forward.outs[0][dropped] == 0).all() and (values.factors[0].delta[dropped] == 0).all()
    kept = ~dropped
    np.testing.assert_allclose(values.forward.outs[0][kept], 2 * values.forward.activations[0][kept], rtol=1e-15)


# -- the documents ---------------------------------------------------------------------------


def test_the_unit_documents_show_the_mask_and_its_factor_with_numbers():
    result = derive.derive(PRESET)
    neuron = result.render("markdown", "neuron")
    assert "| sample | $x_{1}$ | $x_{2}$ | $target_{o1}$ | $m_{h1}$ | $m_{h2}$ | $m_{h3}$ |" in neuron
    assert r"out_{h1} &= \frac{m_{h1} \cdot 2}{1 + e^{- net_{h1}}} = \frac{1 \cdot 2}{1 + e^{- 0.52}} = 1.2543 " in neuron
    assert "layer 1 with 3 sigmoid units (h1, h2, h3) and dropout ($p = 0.5$, a fixed mask)" in neuron
    index = result.render("markdown", "index")
    assert "m^{l}_{j}, p^{l}" in index and "$m^{1}_{1}$" in index
    assert (r"\delta^{l}_{j} = \sum_{k} w^{l+1}_{kj} \, \delta^{l+1}_{k} \, \frac{m^{l}_{j}}{1 - p^{l}} \, "
            r"\sigma'\left(z^{l}_{j}\right)") in index


def test_the_layer_documents_write_the_mask_in_the_forward_and_the_backward_pass():
    result = derive.derive(PRESET)
    layer = result.render("markdown", "layer")
    assert r"A^{[1]} = 2 D^{[1]} \odot \sigma\left(Z^{[1]}\right)" in layer
    assert r"$$D^{[1]} = \begin{bmatrix}1 & 0\\0 & 1\\1 & 1\end{bmatrix}$$" in layer
    assert "and through the dropout mask" in layer
    assert (r"\delta^{[1]} = W^{[2]T} \delta^{[2]} \odot \left(2 D^{[1]} \odot \left(\sigma\left(Z^{[1]}\right) "
            r"\odot \left(1 - \sigma\left(Z^{[1]}\right)\right)\right)\right)") in layer
    assert all(check.ok for check in result.checks)


def test_the_json_and_the_module_carry_the_fixed_masks():
    result = derive.derive(PRESET)
    ours = json.loads(result.render("json"))
    assert ours["dropout"] == {"D1": {"p": 0.5, "mask": [[1, 0, 1], [0, 1, 1]]}}
    module = _module(result)
    np.testing.assert_array_equal(module.MASK1, [[1, 0, 1], [0, 1, 1]])
    with pytest.raises(ValueError, match="MASK1: the fixed dropout mask has 2 rows, one per sample of the spec; "
                                         "expected X with 2 samples, got 1"):
        module.loss(ours["parameters"], ours["inputs"][:1], ours["targets"][:1])


# -- verify ----------------------------------------------------------------------------------


def test_verify_reads_the_mask_and_the_probability_and_catches_a_forgotten_scale():
    from derive.verify import Checker, verify_text
    checker = Checker(derive.derive(derive.load("dropout")))
    post = "\n\n".join([
        r"$$p = 0.5$$",                                                      # dropout's p, not a parameter
        r"$$out_{h1} = \frac{m_{h1}}{1 - p} \sigma(net_{h1}) = 1.2543 \qquad \text{(sample 1)}$$",
        r"$$out_{h1} = m_{h1} \sigma(net_{h1}) = 1.2543 \qquad \text{(sample 1)}$$",     # forgets 1/(1 - p)
        r"$$out_{h2} = 0 \qquad \text{(sample 1)}$$"])                         # dropped in sample 1
    verdicts = [c.verdict for c in verify_text(checker, post, "post.md", "neuron").claims]
    assert verdicts == ["ok", "ok", "wrong", "ok"]
    layer = r"$$A^{[1]} = \frac{1}{1 - p} D^{[1]} \odot \sigma(Z^{[1]})$$" + "\n\n" + \
            r"$$A^{[1]} = D^{[1]} \odot \sigma(Z^{[1]})$$"
    assert [c.verdict for c in verify_text(checker, layer, "post.md", "layer").claims] == ["ok", "wrong"]
