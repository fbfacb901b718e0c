"""A sequence output scored by a squared error at every position, against target values per step: the
textbook regression RNN, E = Σ_t ½‖ŷ_t − y_t‖² (a sample's error the sum over its positions, or with
`[loss] positions = "mean"` their mean).

Its gradients are held to three oracles that share nothing with derive's rows: PyTorch's own RNN, LSTM
and GRU in float64 (built as test_sequence_specs.py builds them), central differences of the generated
module's loss, and SymPy's diff of the loss written out by hand for a one-unit RNN. Its documents
compile and parse in KaTeX, its code is derive's numbers, bad specs are named in one line, and verify
reads a regression post's claims at the spec's numbers.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_latex import assert_clean, compile_tex
from test_renderers import _fragments_of_markdown, _katex
from test_sequence_specs import _attend, _block, _recurrent
from test_tensor_code import _load

from derive import api
from derive.errors import SpecError
from derive.spec.load import from_dict
from derive.verify import Checker, verify_text

SQUARED = {"half_sse": lambda e, k: 0.5 * e, "sse": lambda e, k: e, "mse": lambda e, k: e / k}
ACTIVATIONS = {None: lambda a: a, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def _data(kind="rnn", *, samples=2, steps=3, features=2, hidden=3, outputs=1, function="half_sse", activation=None,
          reduction="sum", positions=None, seed=0) -> dict:
    rng = np.random.default_rng(seed)
    out = {"type": "dense", "units": outputs} | ({"activation": activation} if activation else {})
    low = 0.0 if activation == "sigmoid" else -1.0
    return {"title": "a regression RNN", "init": {"seed": seed},
            "input": {"shape": [steps, features], "values": rng.normal(size=(samples, steps, features)).round(3).tolist()},
            "target": {"values": rng.uniform(low, 1.0, size=(samples, steps, outputs)).round(3).tolist()},
            "layers": [{"type": kind, "hidden": hidden}, out],
            "loss": {"function": function, "reduction": reduction} | ({"positions": positions} if positions else {}),
            "training": {"learning_rate": 0.1}}


def _document(data: dict) -> dict:
    return json.loads(api.render(api.derive(from_dict(data)), "json"))


def _torch_loss(data: dict, doc: dict, p: dict) -> torch.Tensor:
    recurrent, dense = data["layers"]
    h = _recurrent(recurrent["type"], recurrent, torch.tensor(doc["inputs"], dtype=torch.float64), p, 1)
    y_hat = ACTIVATIONS[dense.get("activation")](torch.nn.functional.linear(h, p["W2"], p["b2"]))
    y = torch.tensor(doc["targets"], dtype=torch.float64)
    per_sample = SQUARED[data["loss"]["function"]]((y_hat - y) ** 2, y.shape[-1]).sum(dim=(1, 2))
    if data["loss"].get("positions") == "mean":
        per_sample = per_sample / y.shape[1]
    return per_sample.mean() if data["loss"]["reduction"] == "mean" else per_sample.sum()


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(["rnn", "lstm", "gru"]), function=st.sampled_from(sorted(SQUARED)),
       activation=st.sampled_from([None, "tanh", "sigmoid"]), reduction=st.sampled_from(["mean", "sum"]),
       positions=st.sampled_from([None, "mean", "sum"]), samples=st.integers(1, 3), steps=st.integers(1, 4),
       outputs=st.integers(1, 3), seed=st.integers(0, 999))
def test_any_regression_network_is_pytorchs(kind, function, activation, reduction, positions, samples, steps, outputs,
                                            seed):
    data = _data(kind, samples=samples, steps=steps, outputs=outputs, function=function, activation=activation,
                 reduction=reduction, positions=positions, seed=seed)
    result = api.derive(from_dict(data))
    assert all(check.holds for check in result.checks), [c.node.name for c in result.checks if not c.holds]
    doc = json.loads(api.render(result, "json"))
    p = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True) for name, value in doc["parameters"].items()}
    loss = _torch_loss(data, doc, p)
    loss.backward()
    np.testing.assert_allclose(doc["loss"], loss.item(), rtol=1e-12)
    assert set(doc["gradients"]) == set(p)
    for name, leaf in p.items():
        np.testing.assert_allclose(doc["gradients"][name], leaf.grad.numpy(), rtol=1e-11, atol=1e-13, err_msg=name)


@pytest.mark.parametrize("middle", [{"type": "attention", "heads": 2, "causal": True},
                                    {"type": "transformer_block", "heads": 2, "hidden": 4}, {"type": "layer_norm"}],
                         ids=["attention", "transformer_block", "layer_norm"])
@pytest.mark.parametrize("function, positions", [("mse", "mean"), ("sse", "sum")])
def test_a_regression_after_attention_or_a_norm_is_pytorchs_and_proven(middle, function, positions):
    """Any sequence layer under a regression at every position: every index formula holds at the numbers
    (mse's 1/k over the outputs, not over the positions), and PyTorch agrees."""
    rng = np.random.default_rng(5)
    data = {"title": "t", "init": {"seed": 1}, "training": {"learning_rate": 0.1},
            "input": {"shape": [3, 4], "values": rng.normal(size=(2, 3, 4)).round(2).tolist()},
            "target": {"values": rng.normal(size=(2, 3, 2)).round(2).tolist()},
            "layers": [middle, {"type": "dense", "units": 2, "activation": "tanh"}],
            "loss": {"function": function, "positions": positions}}
    result = api.derive(from_dict(data))
    assert all(check.holds for check in result.checks), [c.node.name for c in result.checks if not c.holds]
    doc = json.loads(api.render(result, "json"))
    p = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True) for name, value in doc["parameters"].items()}
    x = torch.tensor(doc["inputs"], dtype=torch.float64)
    if middle["type"] == "attention":
        x = _attend(x, p, 1, 2, True, True)
    elif middle["type"] == "transformer_block":
        x = _block(middle, x, p, 1)
    else:
        x = torch.nn.functional.layer_norm(x, (4,), p["gamma1"], p["beta1"], eps=1e-5)
    y_hat = torch.tanh(torch.nn.functional.linear(x, p["W2"], p["b2"]))
    per_sample = SQUARED[function]((y_hat - torch.tensor(doc["targets"], dtype=torch.float64)) ** 2, 2).sum(dim=(1, 2))
    loss = (per_sample / (3 if positions == "mean" else 1)).mean()
    loss.backward()
    np.testing.assert_allclose(doc["loss"], loss.item(), rtol=1e-12)
    for name, leaf in p.items():
        np.testing.assert_allclose(doc["gradients"][name], leaf.grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=name)


def _module(data: dict, tmp_path):
    spec = from_dict(data)
    return api.derive(spec), _load(api.code(spec), tmp_path)


@pytest.mark.parametrize("kind, activation", [("rnn", None), ("lstm", "tanh"), ("gru", "sigmoid")])
def test_the_generated_module_is_derives_and_central_differences(kind, activation, tmp_path):
    data = _data(kind, outputs=2, activation=activation, function="mse", reduction="mean", seed=4,
                 positions="mean" if kind == "lstm" else None)
    result, module = _module(data, tmp_path)
    doc = json.loads(api.render(result, "json"))
    params = {name: np.array(value) for name, value in doc["parameters"].items()}
    X, Y = np.array(doc["inputs"]), np.array(doc["targets"])
    assert module.loss(params, X, Y) == pytest.approx(doc["loss"], rel=1e-13)
    found = module.gradients(params, X, Y)
    step = 1e-6
    for name, value in params.items():
        np.testing.assert_allclose(found[name], doc["gradients"][name], rtol=1e-12, atol=1e-14, err_msg=name)
        central = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            up, down = {**params, name: value.copy()}, {**params, name: value.copy()}
            up[name][index] += step
            down[name][index] -= step
            central[index] = (module.loss(up, X, Y) - module.loss(down, X, Y)) / (2 * step)
        np.testing.assert_allclose(found[name], central, rtol=1e-6, atol=1e-9, err_msg=name)
    with pytest.raises(ValueError, match=r"Y: expected shape \(2, 3, 2\), one table per sample of X"):
        module.loss(params, X, Y[:, :, 0])


def test_sympys_diff_of_the_written_out_loss():
    """A one-unit tanh RNN over two steps with a linear read-out: E = Σ_t ½(v h_t + c − y_t)², written by
    hand and differentiated by SymPy."""
    data = _data("rnn", samples=1, steps=2, features=1, hidden=1, outputs=1, seed=7)
    doc = _document(data)
    w, u, b, v, c = sp.symbols("w u b v c")
    (x1, x2), (y1, y2) = ([row[0] for row in doc["inputs"][0]], [row[0] for row in doc["targets"][0]])
    h1 = sp.tanh(w * x1 + b)
    h2 = sp.tanh(w * x2 + u * h1 + b)
    loss = sp.Rational(1, 2) * ((v * h1 + c - y1) ** 2 + (v * h2 + c - y2) ** 2)
    p = doc["parameters"]
    at = {w: p["W1"][0][0], u: p["U1"][0][0], b: p["b1"][0], v: p["W2"][0][0], c: p["b2"][0]}
    assert float(loss.subs(at)) == pytest.approx(doc["loss"], rel=1e-13)
    for symbol, name in ((w, "W1"), (u, "U1"), (b, "b1"), (v, "W2"), (c, "b2")):
        expected = float(sp.diff(loss, symbol).subs(at))
        assert np.ravel(doc["gradients"][name])[0] == pytest.approx(expected, rel=1e-12, abs=1e-15), name


def test_a_regression_document_says_its_loss_and_every_proof_holds():
    result = api.derive(from_dict(_data("lstm", activation="sigmoid", seed=2)))
    assert all(check.holds for check in result.checks)
    markdown = api.render(result, "markdown")
    assert "The loss is the half sse at each position, a sample's error the sum over its positions" in markdown
    averaged = api.render(api.derive(from_dict(_data("rnn", positions="mean"))), "markdown")
    assert "a sample's error the mean over its positions" in averaged
    assert "NOT EQUAL" not in markdown and "DOES NOT" not in markdown
    assert _katex(_fragments_of_markdown(markdown)) == []


@pytest.mark.parametrize("fmt", ["latex", "beamer"])
def test_a_regression_documents_latex_compiles_cleanly(fmt, tmp_path):
    tex = api.render(api.derive(from_dict(_data("rnn", steps=2, seed=1))), fmt)
    assert_clean(compile_tex(tex, tmp_path))


@pytest.mark.parametrize("change, message", [
    (lambda d: d["layers"][-1].update(activation="softmax"),
     "loss.function: a sequence output takes the cross-entropy of a softmax at every position, or a squared error"),
    (lambda d: d["loss"].update(function="cross_entropy"), "got cross_entropy after no activation"),
    (lambda d: d.update(target={"tokens": [[0, 1, 0], [1, 0, 1]]}),
     "target.tokens: a squared error at every position compares the output, (3, 1), with target values"),
    (lambda d: d["target"].update(values=[[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]),
     "target.values: expected shape (2, 3, 1) (one row of 1 per position, 3 positions)"),
], ids=["softmax", "cross-entropy", "tokens", "flat values"])
def test_a_bad_regression_spec_is_named_in_one_line(change, message):
    data = _data()
    change(data)
    with pytest.raises(SpecError) as caught:
        from_dict(data)
    assert message in str(caught.value) and "\n" not in str(caught.value), str(caught.value)


POST = r"""
$$h_t = \tanh(W x_t + U h_{t-1} + b)$$

$$\hat{y}_t = V h_t + c$$

$$E = \sum_t E_t, \quad E_t = \frac{1}{2}(\hat{y}_t - y_t)^2$$

$$\frac{\partial E_t}{\partial \hat{y}_t} = \hat{y}_t - y_t$$

$$\frac{\partial E}{\partial h_t} = V^T(\hat{y}_t - y_t) + U^T\left(\frac{\partial E}{\partial h_{t+1}} \odot (1 - h_{t+1}^2)\right)$$

$$\frac{\partial E}{\partial U} = \sum_t \left(\frac{\partial E}{\partial h_t} \odot (1 - h_t^2)\right) h_{t-1}^T$$

$$\frac{\partial E}{\partial V} = \sum_t (\hat{y}_t - y_t) h_t^T$$

$$\frac{\partial E}{\partial c} = \sum_t (\hat{y}_t - y_t)$$

$$\frac{\partial E}{\partial h_t} = V^T(\hat{y}_t - y_t) + U^T \frac{\partial E}{\partial h_{t+1}}$$

$$\frac{\partial E}{\partial U} = \sum_t \left(\frac{\partial E}{\partial h_t} \odot (1 - h_t^2)\right) h_{t}^T$$

$$\frac{\partial E}{\partial V} = (\hat{y}_t - y_t) h_t^T$$

$$\frac{\partial E}{\partial c} = \frac{1}{T}\sum_t (\hat{y}_t - y_t)$$

$$\frac{\partial E_t}{\partial \hat{y}_t} = 2(\hat{y}_t - y_t)$$
"""


def test_verify_reads_a_regression_posts_claims():
    """The first seven claims are right; each of the last five has a slip (the state's slope dropped through
    time, h_t for h_{t-1}, one step's term for the sum, a mean the loss does not take, a 2 of the full square)."""
    data = _data("rnn", samples=1, seed=3)
    report = verify_text(Checker(api.derive(from_dict(data))), POST, "post.md")
    verdicts = [claim.verdict for claim in report.claims]
    assert verdicts == ["ok"] * 9 + ["wrong"] * 5, [(c.line, c.verdict, c.reason) for c in report.claims]


def test_a_linear_read_outs_line_teaches_nothing_through_swapped_letters():
    """ŷ_t = V h_t + c holds too if ŷ were the target and y the read-out's output (a linear read-out's
    logits): that reading of y must not stick, or every ŷ_t − y_t after it is 0."""
    data = _data("rnn", samples=1, seed=3)
    text = "$$\\hat{y}_t = V h_t + c$$\n\n$$y_2 = 5$$\n"
    claims = verify_text(Checker(api.derive(from_dict(data))), text, "post.md").claims
    target = np.array(data["target"]["values"])[0, 1, 0]
    assert claims[1].verdict == "wrong" and f"left side is {target:.4g}" in claims[1].reason, claims[1].reason


CROSS_ENTROPY_POST = r"""
$$h_t = \tanh(W x_t + U h_{t-1} + b)$$

$$\hat{y}_t = \mathrm{softmax}(V h_t + c)$$

$$L = \sum_t L_t, \quad L_t = -\sum_k y_{t,k} \log \hat{y}_{t,k}$$

$$\frac{\partial L}{\partial V} = \sum_t (\hat{y}_t - y_t) h_t^T$$

$$\frac{\partial L_t}{\partial \hat{y}_t} = -\frac{y_t}{\hat{y}_t}$$

$$\frac{\partial L}{\partial V} = \frac{1}{T}\sum_t (\hat{y}_t - y_t) h_t^T$$
"""


@pytest.mark.parametrize("positions", ["mean", "sum"])
def test_verify_reads_a_summed_cross_entropy_whichever_the_specs_positions(positions):
    """L = Σ_t L_t: read as the spec's own loss where it sums its positions, and as T times it where it takes
    their mean; the same verdicts either way."""
    data = _data("rnn", samples=1, outputs=3, seed=3)
    data["layers"][-1]["activation"] = "softmax"
    data["target"] = {"tokens": [[0, 2, 1]]}
    data["loss"] = {"function": "cross_entropy", "positions": positions}
    claims = verify_text(Checker(api.derive(from_dict(data))), CROSS_ENTROPY_POST, "post.md").claims
    assert [c.verdict for c in claims] == ["ok"] * 6 + ["wrong"], [(c.line, c.verdict, c.reason) for c in claims]


def test_what_the_review_found_in_the_regression_read_out():
    """∂E/∂ŷ_t through a tanh read-out (the loss fused with its activation computes no ŷ adjoint of its own: it
    is the loss's own slope), and a post whose y_t = V h_t + c is its prediction and ŷ_t its target (the
    loss's difference pairs them; no softmax says so)."""
    data = _data("rnn", samples=1, outputs=2, activation="tanh", function="sse", seed=3)
    checker = Checker(api.derive(from_dict(data)))
    text = r"""
$$h_t = \tanh(W x_t + U h_{t-1} + b)$$

$$\hat{y}_t = \tanh(o_t), \quad o_t = V h_t + c$$

$$E = \sum_t \lVert \hat{y}_t - y_t \rVert^2$$

$$\frac{\partial E}{\partial \hat{y}_t} = 2(\hat{y}_t - y_t)$$

$$\frac{\partial E}{\partial o_t} = \frac{\partial E}{\partial \hat{y}_t} \odot (1 - \hat{y}_t^2)$$

$$\frac{\partial E}{\partial \hat{y}_t} = \hat{y}_t - y_t$$
"""
    assert [c.verdict for c in verify_text(checker, text, "post.md").claims] == ["ok"] * 6 + ["wrong"]
    checker = Checker(api.derive(from_dict(_data("rnn", samples=1, seed=3))))
    text = r"""
$$h_t = \tanh(W x_t + U h_{t-1} + b)$$

$$y_t = V h_t + c$$

$$E = \frac{1}{2}\sum_t (y_t - \hat{y}_t)^2$$

$$\frac{\partial E}{\partial c} = \sum_t (y_t - \hat{y}_t)$$

$$\frac{\partial E}{\partial c} = \sum_t (\hat{y}_t - y_t)$$
"""
    assert [c.verdict for c in verify_text(checker, text, "post.md").claims] == ["ok"] * 4 + ["wrong"]


def test_the_mean_squared_errors_slope_is_written_with_its_number_folded():
    """mse over two outputs: ∂L/∂z = −(y − z), not ½ · −2 (y − z) (which reads as ½ − 2(y − z)); with the mean
    over three positions, −⅓ (y − z)."""
    for positions, slope in ((None, r"= -\left(y_{n,\,t,\,k} - z^{[2]}_{n,\,t,\,k}\right)$$"),
                             ("mean", r"= -\frac{1}{3} \, \left(y_{n,\,t,\,k} - z^{[2]}_{n,\,t,\,k}\right)$$")):
        markdown = api.render(api.derive(from_dict(_data("rnn", outputs=2, function="mse", positions=positions))),
                              "markdown")
        assert slope in markdown, [line for line in markdown.splitlines() if "partial z^{[2]}" in line][:1]


def test_a_post_averaging_its_steps_reads_against_a_spec_that_sums_them():
    """E = (1/T) Σ_t E_t against a spec whose positions are summed (the squared error's default): read as that
    loss over T, as a post's Σ_t L_t is read as T times a mean spec's; the lines that drop the 1/T are caught."""
    text = r"""
$$h_t = \tanh(W x_t + U h_{t-1} + b)$$

$$\hat{y}_t = V h_t + c$$

$$E = \frac{1}{T}\sum_t E_t, \quad E_t = \frac{1}{2}(\hat{y}_t - y_t)^2$$

$$\frac{\partial E}{\partial c} = \frac{1}{T}\sum_t (\hat{y}_t - y_t)$$

$$\frac{\partial E_t}{\partial \hat{y}_t} = \hat{y}_t - y_t$$

$$\frac{\partial E}{\partial c} = \sum_t (\hat{y}_t - y_t)$$
"""
    claims = verify_text(Checker(api.derive(from_dict(_data("rnn", samples=1, seed=3)))), text, "post.md").claims
    assert [c.verdict for c in claims] == ["ok"] * 6 + ["wrong"], [(c.line, c.verdict, c.reason) for c in claims]
