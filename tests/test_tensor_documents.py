"""Documents of typed layers (issue 14, points 3 and 6): the presets tiny_cnn, batchnorm_mlp and
lenet_like, and random conv networks, written as Markdown (every formula parses in KaTeX), LaTeX
and Beamer (they compile cleanly) and JSON (its gradients are PyTorch's); the command line reports
them and refuses what does not apply in one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from test_latex import assert_clean, compile_tex
from test_renderers import _fragments_of_html, _fragments_of_markdown, _katex
from test_tensor_specs import _random_spec
from torch_typed import torch_loss

import derive
from derive.cli import main
from derive.spec.load import from_dict

TYPED = derive.typed_preset_names()
STRIDED = {"input": {"shape": [1, 5, 5], "values": np.arange(25.0).reshape(1, 1, 5, 5).tolist()},
           "target": {"values": [[1, 0]]},
           "layers": [{"type": "conv2d", "out_channels": 1, "kernel": 3, "stride": 2, "padding": 1, "activation": "relu",
                       "weights": [[[[1, 0, -1], [0, 1, 0], [-1, 0, 1]]]], "bias": [0]},
                      {"type": "avg_pool", "kernel": 2, "stride": 1},
                      {"type": "conv2d", "out_channels": 1, "kernel": 2, "activation": "tanh", "weights": [[[[0.1, -0.1],
                                                                                                              [0.2, 0.1]]]]},
                      {"type": "flatten"}, {"type": "dense", "units": 2, "activation": "softmax"}],
           "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1}, "init": {"seed": 1}}


def test_the_typed_presets_are_issue_14s():
    assert TYPED == ["attention_head", "batchnorm_mlp", "gru_T2", "lenet_like", "lstm_T2", "rnn_T3", "rnn_sine",
                     "tiny_cnn", "transformer_block"]
    tiny = derive.load("tiny_cnn")
    assert tiny.input_shape == (1, 4, 4) and [layer.kind for layer in tiny.layers] == [
        "conv2d", "max_pool", "flatten", "dense"]
    assert dict(tiny.layers[0].parameters)["W"].shape == (2, 1, 2, 2)
    assert not derive.load("lenet_like").has_values


@pytest.mark.parametrize("name", TYPED)
def test_every_math_fragment_of_a_typed_preset_parses_in_katex(name):
    result = derive.derive(derive.load(name))
    fragments = _fragments_of_markdown(derive.render(result, "markdown"))
    fragments += _fragments_of_html(derive.render(result, "html"))
    assert len(fragments) > 20
    assert _katex(fragments) == []


@pytest.mark.parametrize("fmt", ["latex", "beamer"])
@pytest.mark.parametrize("name", TYPED)
def test_a_typed_presets_latex_compiles_cleanly(name, fmt, tmp_path):
    tex = derive.render(derive.derive(derive.load(name)), fmt)
    assert tex.startswith("\\documentclass")
    assert_clean(compile_tex(tex, tmp_path))


@pytest.mark.parametrize("name", ["tiny_cnn", "batchnorm_mlp"])
def test_the_json_gradients_are_pytorchs(name):
    spec = derive.load(name)
    doc = json.loads(derive.render(derive.derive(spec), "json"))
    assert set(doc) >= {"inputs", "targets", "parameters", "loss", "gradients"}
    leaves = {key: torch.tensor(np.array(value), requires_grad=True) for key, value in doc["parameters"].items()}
    loss = torch_loss(spec, leaves)
    loss.backward()
    assert doc["loss"] == pytest.approx(loss.item(), rel=1e-12)
    for key, leaf in leaves.items():
        np.testing.assert_allclose(doc["gradients"][key], leaf.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_the_tiny_cnn_shows_the_routing_the_paths_and_the_matrix_forms():
    markdown = derive.render(derive.derive(derive.load("tiny_cnn")), "markdown")
    assert "## Max-pool routing, layer 2" in markdown
    assert markdown.count("\n| 0 | (") + markdown.count("\n| 1 | (") == 8          # 2 channels × 4 windows
    assert r"\operatorname{rot}_{180}\left(w_{0,0}\right) = \begin{bmatrix} -1 & 0 \\ 0 & 1 \end{bmatrix}" in markdown
    assert r"x_{c,\,i+p,\,j+q}" in markdown
    assert "DOES NOT" not in markdown and "NOT EQUAL" not in markdown


def test_a_strided_padded_conv_states_its_dilation_and_its_crop():
    markdown = derive.render(derive.derive(derive.from_dict(STRIDED)), "markdown")
    assert r"\operatorname{dil}_{2}(G_{o})" in markdown
    assert r"\operatorname{crop}_{1}\left(" in markdown and r"\tilde{x}_{c}" in markdown
    assert r"\tilde{x}_{c,\,2i+p,\,2j+q}" in markdown
    assert "NOT EQUAL" not in markdown


def test_the_batchnorm_preset_shows_the_steps_and_the_collapsed_form():
    markdown = derive.render(derive.derive(derive.load("batchnorm_mlp")), "markdown")
    assert "## Batch normalization step by step, layer 2" in markdown
    for symbol in (r"\mu_B", r"\sigma_B^2", r"\hat{x}_{i}", r"\frac{\partial L}{\partial \sigma_B^2}"):
        assert symbol in markdown
    assert "(16 checks)" in markdown and ": yes (" in markdown


def test_random_conv_networks_are_written_and_katex_clean():
    fragments = []
    for seed in range(6):
        markdown = derive.render(derive.derive(derive.from_dict(_random_spec(seed))), "markdown")
        assert "NOT EQUAL" not in markdown
        fragments += _fragments_of_markdown(markdown)
    assert _katex(fragments) == []


def test_the_command_line_reports_a_typed_preset(tmp_path, capsys):
    assert main(["report", "tiny_cnn", "-o", str(tmp_path / "tiny.md")]) == 0
    assert (tmp_path / "tiny.md").read_text().startswith("# A tiny CNN")
    assert main(["report", "tiny_cnn", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["gradients"]["W1"]


@pytest.mark.parametrize("argv,message", [
    (["report", "tiny_cnn", "--notation", "neuron"], "--notation neuron: a network of typed layers"),
    (["report", "lenet_like", "--format", "json"], "--format json: the spec gives no numbers"),
    (["verify", "lenet_like", "reports/lenet_like/index.md"], "this spec gives the layer form only"),
])
def test_what_does_not_apply_is_refused_in_one_line(argv, message, capsys, monkeypatch):
    monkeypatch.chdir(Path(__file__).parent.parent)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize("first", [{"type": "dense", "units": 2, "activation": "tanh"},
                                   {"type": "rnn", "hidden": 2, "sequence": False}], ids=["dense", "many-to-one"])
def test_a_one_unit_output_is_written_and_proven(first):
    """A layer of one unit: its bias's gradient sums over the one entry of its unit axis, whose letter is also
    the entry's own (the review found the document failing there, a sum's limit set to the entry's number)."""
    rng = np.random.default_rng(1)
    shape = [3] if first["type"] == "dense" else [2, 3]
    data = {"title": "one unit", "init": {"seed": 2}, "training": {"learning_rate": 0.1},
            "input": {"shape": shape, "values": rng.normal(size=[2] + shape).round(2).tolist()},
            "target": {"values": [[0.3], [-0.2]]}, "layers": [first, {"type": "dense", "units": 1}],
            "loss": {"function": "half_sse"}}
    result = derive.derive(from_dict(data))
    assert all(check.holds for check in result.checks)
    markdown = derive.render(result, "markdown")
    assert "NOT EQUAL" not in markdown and "gradient by the biases" in markdown
