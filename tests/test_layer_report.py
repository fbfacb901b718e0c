"""The layer-notation document: its matrices of gradients against finite differences, its proof line."""

import re

import numpy as np
import pytest

import derive
from helpers import run
from oracles import finite_differences, random_spec
from test_report import DEEP_SINGLE, DEEP_SOFTMAX_BATCH

MATRIX = r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}"


def _parse(body: str) -> np.ndarray:
    rows = body.split(r"\\")
    return np.array([[_number(cell) for cell in row.split("&")] for row in rows])


def _number(text: str) -> float:
    text = text.strip()
    if r"\times" in text:
        mantissa, exponent = text.split(r"\times 10^")
        return float(mantissa) * 10 ** int(exponent.strip("{}"))
    return float(text)


def _printed_gradients(text: str, depth: int):
    found = {}
    for l in range(1, depth + 1):
        line = re.search(rf"\$\$\\frac{{\\partial J}}{{\\partial W\^{{\[{l}\]}}}} = {MATRIX}, \\quad "
                         rf"\\frac{{\\partial J}}{{\\partial b\^{{\[{l}\]}}}} = {MATRIX}\$\$", text)
        assert line, l
        found[l] = (_parse(line.group(1)), _parse(line.group(2)))
    return found


def _assert_matches(spec_dict):
    result = run(spec_dict)
    text = derive.render(result, "markdown", "layer")
    assert "every entry of the matrix formulas above equals the unit-level chain rule" in text
    assert "this is a bug" not in text
    printed = _printed_gradients(text, len(spec_dict["layers"]))
    fd_w, fd_b = finite_differences(spec_dict)
    column = spec_dict.get("layout", "column") == "column"
    for l, (gw, gb) in enumerate(zip(fd_w, fd_b), start=1):
        w, b = printed[l]
        assert np.allclose(w, gw if column else gw.T, rtol=1e-5, atol=1e-8), l
        assert np.allclose(b.ravel(), gb, rtol=1e-5, atol=1e-8), l


@pytest.mark.parametrize("spec", [DEEP_SOFTMAX_BATCH, DEEP_SINGLE], ids=["softmax-batch-row", "deep-single"])
def test_layer_document_gradients_match_finite_differences(spec):
    _assert_matches(spec)


@pytest.mark.parametrize("seed", range(8))
def test_layer_documents_of_random_networks(seed):
    _assert_matches(random_spec(4000 + seed))


@pytest.mark.parametrize("name", derive.preset_names())
def test_every_preset_has_a_proven_layer_document(name):
    text = derive.render(derive.derive(derive.load(name)), "markdown", "layer")
    assert re.search(r"equals the unit-level chain rule: \d+ formulas, \d+ entries", text)
    assert "this is a bug" not in text


def test_softmax_cross_entropy_steps_are_shown():
    text = derive.render(derive.derive(derive.load("niuguy")), "markdown")
    assert r"\left(\operatorname{diag}\left(a\right) - a a^{T}\right)" in text
    assert r"$$\delta^{[2]} = A^{[2]} - Y$$" in text
    assert "because each sample's targets sum to 1" in text


def test_sigmoid_derivative_is_a_step():
    text = derive.render(derive.derive(derive.load("deep_sigmoid")), "markdown")
    assert r"$$\sigma'\left(Z^{[2]}\right) = A^{[2]} \odot \left(1 - A^{[2]}\right)$$" in text
    assert r"$$\delta^{[2]} = W^{[3]T} \delta^{[3]} \odot \left(A^{[2]} \odot \left(1 - A^{[2]}\right)\right)$$" in text


def test_row_layout_uses_transposed_forms():
    text = derive.render(derive.derive(derive.load("niuguy")), "markdown")
    assert r"$$Z^{[1]} = X W^{[1]} + \mathbf{1}_{m} b^{[1]}$$" in text
    assert r"$$\frac{\partial J}{\partial W^{[2]}} = \frac{1}{m} A^{[1]T} \delta^{[2]}$$" in text
