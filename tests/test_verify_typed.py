"""derive verify on posts about a conv, pool or normalization layer (issue 14, point 5): the layer's
entries and their derivatives, names read as such posts write them, the classic slips named, and the
real-post corpus (tests/posts/conv/) measured against its truth tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import derive
from derive.errors import DeriveError
from derive.numeric.tensor_values import evaluate_tensor
from derive.verify import Checker, verify_claim, verify_text
from derive.verify.typed.model import LOSS, Point, layer_model, spec_leaves, studied_application

CONV = Path(__file__).parent / "posts" / "conv"
sys.path.insert(0, str(Path(__file__).parent / "posts"))
import measure  # noqa: E402


def _checker(post: str):
    return Checker(derive.derive(derive.load(CONV / post / "spec.toml")))


@pytest.mark.parametrize("post", ["bishwarup307_convnet_backprop", "usmanr149_cs231n_conv_stride_pad",
                                  "kaixih_layer_norm_readme", "akim42003_alexkode_batchnorm_example"])
def test_the_layers_adjoints_equal_the_kernels_gradients(post):
    """dL/dθ by the chain rule over the entries' local definitions = the rows' NumPy kernels."""
    spec = derive.load(CONV / post / "spec.toml")
    model = layer_model(spec)
    point = Point(model, spec_leaves(model))
    graph, values = evaluate_tensor(spec)
    application = studied_application(graph)
    roles = ("kernel", "bias") if model.kind == "conv2d" else ("scale", "shift")
    for node, role in zip(application.inputs[1:], roles):
        found = np.array([point.total(LOSS, e) for e in model.tensors[role].entries()])
        np.testing.assert_allclose(found, values.adjoint[node].ravel(), rtol=1e-12, atol=1e-14)


def test_conv_entries_read_one_and_zero_based():
    checker = _checker("bishwarup307_convnet_backprop")
    right = r"d{W_{11}} = d{Z_{11}}{X_{11}} + d{Z_{12}}{X_{12}} + d{Z_{21}}{X_{21}} + d{Z_{22}}{X_{22}}"
    assert verify_claim(checker, right).claims[0].verdict == "ok"
    swapped = r"d{W_{11}} = d{Z_{11}}{X_{12}} + d{Z_{12}}{X_{11}} + d{Z_{21}}{X_{21}} + d{Z_{22}}{X_{22}}"
    assert verify_claim(checker, swapped).claims[0].verdict == "wrong"
    zero_based = _checker("usmanr149_cs231n_conv_stride_pad")
    assert verify_claim(zero_based, r"\frac{\partial L}{\partial x_{0,0}} = \left(\frac{\partial L}{\partial V}"
                                    r"\right)_{0,0}w_{1,1}").claims[0].verdict == "ok"


def test_a_missing_rotation_is_named():
    report = verify_claim(_checker("bishwarup307_convnet_backprop"), r"d{X_{11}} = {W_{22}}d{Z_{11}}")
    claim, = report.claims
    assert claim.verdict == "wrong"
    assert "rotation of the kernel is missing" in claim.reason


@pytest.mark.parametrize("dropped, said", [
    (r" - \frac{1}{N}\sum_{j}\frac{\partial L}{\partial y_j}", "mean's terms"),
    (r" - \frac{1}{N}\hat{x}_i\sum_{j}\frac{\partial L}{\partial y_j}\hat{x}_j", "variance's terms")])
def test_a_batchnorm_backward_without_its_mean_or_variance_terms_is_named(dropped, said):
    checker = _checker("akim42003_alexkode_batchnorm_example")
    full = (r"\frac{\partial L}{\partial x_i} = \frac{\gamma}{\sqrt{\sigma^2 + \epsilon}}\left(\frac{\partial L}"
            r"{\partial y_i} - \frac{1}{N}\sum_{j}\frac{\partial L}{\partial y_j} - \frac{1}{N}\hat{x}_i\sum_{j}"
            r"\frac{\partial L}{\partial y_j}\hat{x}_j\right)")
    assert verify_claim(checker, full).claims[0].verdict == "ok"
    claim, = verify_claim(checker, full.replace(dropped, "")).claims
    assert claim.verdict == "wrong"
    assert said in claim.reason


def test_normalization_names_as_posts_write_them():
    checker = _checker("kaixih_layer_norm_readme")
    for right in (r"\mu_B = \frac{1}{D}\sum_{i=1}^{D} x_i", r"\hat{x}_i = \frac{x_i - \mu}{\sqrt{\sigma_B^2 + \epsilon}}",
                  r"\frac{\partial \sigma^2}{\partial x_i} = \frac{2}{D}(x_i - \mu)",
                  r"\frac{\partial \hat{x}_i}{\partial \mu} = -\frac{1}{\sqrt{\sigma^2 + \epsilon}}"):
        assert verify_claim(checker, right).claims[0].verdict == "ok", right
    for wrong in (r"\hat{x}_i = \frac{x_i - \mu}{\sigma_B + \epsilon}", r"\mu = \frac{1}{D}\sum_{i=0}^{D} x_i"):
        assert verify_claim(checker, wrong).claims[0].verdict == "wrong", wrong


def test_a_post_defines_its_own_names():
    """Z_i = (X_i - μ)/σ makes Z the normalized input for the rest of the post."""
    text = "$$Z_i = \\frac{X_i - \\mu}{\\sigma}$$\n\n$$Y_i = \\gamma Z_i + \\beta$$\n\n$$Y_i = \\gamma X_i + \\beta$$\n"
    report = verify_text(_checker("juangriffin121_obsidian_layer_norm"), text, "post.md")
    assert [c.verdict for c in report.claims] == ["ok", "ok", "wrong"]


def test_the_conv_corpus_has_no_false_alarms():
    scores = [measure.score(folder) for folder in measure.posts(CONV)]
    assert [line for sc in scores for line in sc.false_alarms] == []
    caught = sum(sc.caught for sc in scores)
    assert caught >= 10          # measured 2026-12-02: 10 of the corpus's 31 real errors (its table: measure.py --conv)


def test_a_typed_spec_without_numbers_is_refused_in_one_line():
    with pytest.raises(DeriveError, match="layer form only"):
        Checker(derive.derive(derive.load("lenet_like")))


def test_the_cli_checks_a_typed_post(tmp_path):
    post = tmp_path / "post.md"
    post.write_text("$$d{X_{11}} = {W_{22}}d{Z_{11}}$$\n\n$$d{X_{12}} = {W_{12}}d{Z_{11}} + {W_{11}}d{Z_{12}}$$\n")
    done = subprocess.run([sys.executable, "-m", "derive", "verify", str(CONV / "bishwarup307_convnet_backprop" /
                                                                         "spec.toml"), str(post)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "rotation of the kernel is missing" in done.stdout
    assert "1 right, 1 wrong" in done.stdout
