"""GELU (exact, and its tanh form) and softplus as rows of the activation table: their kernels
against PyTorch's autograd in float64, their networks proven and documented in all three
notations, their generated code, and verify reading them under the names posts give them.

The written derivatives (Φ(z) + z φ(z), the tanh form's, σ(z)) equal SymPy's diff of the forward
forms in tests/test_rules.py; random networks of them against PyTorch and their generated modules
are in tests/test_oracle_torch.py, whose activations are the table's.
"""

from __future__ import annotations

import math
import re
import subprocess

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from renderers import need
from test_renderers import _fragments_of_markdown, _katex
from torch_net import ACTIVATIONS as TORCH
from torch_net import TorchNet

import derive
from derive.output.pdf import tex_environment
from derive.rules import kernels
from derive.rules.activations import ACTIVATIONS
from derive.verify import Checker, verify_claim

SMOOTH = ["softplus", "gelu", "gelu_tanh"]
# |ours - torch| <= 1e-12 |torch| + 1e-14: below z = -4 the forms as written cancel (1 + erf(z/√2),
# 1 + tanh(u) and 1 − tanh²(u) near 0), and both libraries are off the exact value by about 1e-15
# there (at z = -5.25 the tanh form's slope is -2.8918336744e-07; PyTorch gives ...6670e-07, derive
# ...6881e-07), on terms of order 1
RTOL, ATOL = 1e-12, 1e-14


def _network(activation: str, output: str = "sigmoid") -> dict:
    return {"title": f"{activation} network",
            "input": {"values": [[0.5, -1.2], [2.0, 0.3]]}, "target": {"values": [[0.2, 0.7], [0.9, 0.1]]},
            "layers": [{"units": 2, "activation": activation, "weights": [[0.15, -0.8], [0.9, 0.3]], "bias": 0.35},
                       {"units": 2, "activation": output, "weights": [[0.4, -0.45], [0.5, 0.55]], "bias": [0.6, -0.1]}],
            "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.5, "iterations": 20}}


@pytest.mark.parametrize("name", SMOOTH)
@settings(max_examples=80, deadline=None)
@given(values=st.lists(st.floats(-60, 60, allow_nan=False), min_size=1, max_size=10))
def test_the_kernels_forward_and_slope_are_torch_autograds(name, values):
    z = np.array([values])
    tensor = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    out = TORCH[name](tensor)
    out.sum().backward()
    a = ACTIVATIONS[name].numpy(z)
    np.testing.assert_allclose(a, out.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(kernels.slope(name)(z, a), tensor.grad.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", SMOOTH)
def test_softplus_and_gelu_stay_finite_far_out(name):
    z = np.array([[-800.0, -40.0, 40.0, 800.0]])
    with np.errstate(over="ignore"):        # softplus' σ(-800) = 1/(1 + e^800): e^800 is inf, σ exactly 0
        a, slope = ACTIVATIONS[name].numpy(z), kernels.slope(name)(z, ACTIVATIONS[name].numpy(z))
    assert np.isfinite(a).all() and np.isfinite(slope).all()
    np.testing.assert_allclose(a[0, 2:], [40.0, 800.0], rtol=1e-15)       # z itself, far to the right
    np.testing.assert_allclose(slope[0, 2:], [1.0, 1.0], rtol=1e-15)


@pytest.mark.parametrize("name", SMOOTH)
def test_a_network_of_them_is_proven_and_its_gradients_are_torchs(name):
    mapping = _network(name)
    result = derive.derive(derive.from_dict(mapping))
    assert result.checks and all(check.ok for check in result.checks)
    net = TorchNet.from_spec(mapping)
    _, weights, biases = net.gradients(net.weights, net.biases)
    ours = result.values.gradients
    for found, expected in zip(ours.weights + ours.biases, weights + biases):
        np.testing.assert_allclose(found, expected.numpy().reshape(found.shape), rtol=1e-12, atol=1e-15)


def test_the_layer_document_writes_each_derivative_over_the_net_input():
    layer = derive.derive(derive.from_dict(_network("gelu", "softplus"))).render("markdown", "layer")
    assert (r"\operatorname{GELU}'(z) = \frac{1}{2} \left(1 + \operatorname{erf}{\left(\frac{z}{\sqrt{2}} \right)}"
            r"\right) + z \cdot \frac{e^{- \frac{z^{2}}{2}}}{\sqrt{2 \cdot \pi}}") in layer
    assert r"\operatorname{softplus}'(z) = \frac{1}{1 + e^{- z}}" in layer
    tanh_form = derive.derive(derive.from_dict(_network("gelu_tanh"))).render("markdown", "layer")
    assert r"\sqrt{\frac{2}{\pi}}" in tanh_form and "0.044715" in tanh_form and "8943" not in tanh_form


def test_the_neuron_documents_slope_is_the_number_torch_gives():
    one_sample = _network("gelu") | {"input": {"values": [[0.5, -1.2]]}, "target": {"values": [[0.2, 0.7]]}}
    result = derive.derive(derive.from_dict(one_sample))
    text = result.render("markdown", "neuron")
    slope = re.search(r"\\frac\{\\partial out_\{h1\}\}\{\\partial net_\{h1\}\} &= .*?&= ([-0-9.e]+)\\end", text)
    net = result.values.forward.nets[0][0, 0]
    expected = 0.5 * (1 + math.erf(net / math.sqrt(2))) + net * math.exp(-net ** 2 / 2) / math.sqrt(2 * math.pi)
    assert slope is not None and float(slope.group(1)) == pytest.approx(expected, rel=1e-8)


def test_the_generated_module_imports_scipys_erf_where_a_gelu_needs_it():
    gelu, tanh_form = (derive.code(derive.from_dict(_network(name))) for name in ("gelu", "gelu_tanh"))
    assert "from scipy.special import erf" in gelu and "math.erf" not in gelu
    assert "erf" not in tanh_form


@pytest.mark.parametrize("claim, verdict", [
    (r"\operatorname{GELU}(x) = \frac{x}{2}\left(1 + \operatorname{erf}\left(\frac{x}{\sqrt{2}}\right)\right)", "ok"),
    (r"\operatorname{GELU}'(x) = \frac{1}{2}\left(1 + \operatorname{erf}\left(\frac{x}{\sqrt{2}}\right)\right)"
     r" + \frac{x}{\sqrt{2\pi}} e^{-x^2/2}", "ok"),
    # the slip of dropping z φ(z): Φ(z) alone
    (r"\operatorname{GELU}'(x) = \frac{1}{2}\left(1 + \operatorname{erf}\left(\frac{x}{\sqrt{2}}\right)\right)", "wrong"),
    (r"\operatorname{GELU}_{\tanh}(x) = \frac{x}{2}\left(1 + \tanh\left(\sqrt{\frac{2}{\pi}}"
     r"\left(x + 0.044715 x^3\right)\right)\right)", "ok"),
    (r"\operatorname{softplus}(x) = \ln(1 + e^{x})", "ok"),
    (r"\operatorname{softplus}'(x) = \frac{1}{1 + e^{-x}}", "ok"),
    (r"\operatorname{softplus}'(x) = \frac{1}{1 + e^{x}}", "wrong"),
])
def test_verify_reads_the_names_posts_give_them(claim, verdict):
    checker = Checker(derive.derive(derive.from_dict(_network("gelu", "softplus"))))
    assert verify_claim(checker, claim).claims[0].verdict == verdict


def test_verify_checks_a_gelu_units_numbers():
    result = derive.derive(derive.from_dict(_network("gelu")))
    net = result.values.forward.nets[0][0, 0]
    out = 0.5 * net * (1 + math.erf(net / math.sqrt(2)))
    checker = Checker(result)
    right = verify_claim(checker, rf"out_{{h1}} = \operatorname{{GELU}}(net_{{h1}}) = {out:.6f}", "neuron")
    wrong = verify_claim(checker, rf"out_{{h1}} = \operatorname{{GELU}}(net_{{h1}}) = {out + 0.01:.6f}", "neuron")
    assert right.claims[0].verdict == "ok" and wrong.claims[0].verdict == "wrong"



@pytest.mark.parametrize("notation", ["neuron", "index", "layer"])
def test_their_documents_parse_in_katex_and_compile_as_article_and_slides(notation, tmp_path):
    mapping = _network("gelu", "softplus")
    mapping["layers"].insert(1, {"units": 2, "activation": "gelu_tanh", "weights": [[0.3, -0.2], [0.1, 0.7]],
                                 "bias": [0.05, -0.3]})
    result = derive.derive(derive.from_dict(mapping))
    fragments = _fragments_of_markdown(result.render("markdown", notation))
    assert len(fragments) > 20 and _katex(fragments) == []
    need("latexmk", "pdflatex")
    for format in ("latex", "beamer"):
        tex = tmp_path / f"{format}.tex"
        tex.write_text(result.render(format, notation), encoding="utf-8")
        run = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=tmp_path,
                             capture_output=True, text=True, timeout=300, env=tex_environment())
        assert run.returncode == 0, run.stdout[-2000:]


@pytest.mark.parametrize("hidden, output", [("gelu", "softplus"), ("gelu_tanh", "gelu"), ("softplus", "gelu_tanh")])
def test_the_closed_forms_are_sympys_diff_of_the_expanded_loss(hidden, output):
    """The third oracle: SymPy differentiates the loss written out over the parameters, at 30 digits."""
    from test_chain import _assert_agree
    spec = _network(hidden, output) | {"input": {"values": [[0.5, -1.2]]}, "target": {"values": [[0.2, 0.7]]}}
    _assert_agree(spec, derive.derive(derive.from_dict(spec)), f"{hidden}-{output}", points=2)
