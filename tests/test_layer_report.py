"""The layer-notation document: its matrices of gradients against finite differences, its proof line,
its prose (the loss, the slopes), exact zeros, and its size and width on batches and wide networks."""

import re
from pathlib import Path

import numpy as np
import pytest

import derive
from derive.present.notation import format_number
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
        line = re.search(rf"^\$\$\\frac{{\\partial J}}{{\\partial W\^{{\[{l}\]}}}} = {MATRIX}\$\$\n"
                         rf"\$\$\\frac{{\\partial J}}{{\\partial b\^{{\[{l}\]}}}} = {MATRIX}\$\$$", text, re.M)
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


@pytest.mark.parametrize("name", derive.dense_preset_names())
def test_every_preset_has_a_proven_layer_document(name):
    text = derive.render(derive.derive(derive.load(name)), "markdown", "layer")
    assert re.search(r"equals the unit-level chain rule: \d+ formulas, \d+ entries", text)
    assert "this is a bug" not in text
    tautologies = [m for m in re.findall(r"^\$\$(.*)\$\$$", text, re.M) if len(set(m.split(" = "))) == 1]
    assert tautologies == []


def test_softmax_cross_entropy_steps_are_shown():
    text = derive.render(derive.derive(derive.load("niuguy")), "markdown")
    assert r"\left(\operatorname{diag}\left(a\right) - a a^{T}\right)" in text
    assert r"$$\delta^{[2]} = A^{[2]} - Y$$" in text
    assert "because the targets sum to 1 in each sample" in text


def test_sigmoid_derivative_is_a_step():
    text = derive.render(derive.derive(derive.load("deep_sigmoid")), "markdown")
    assert r"$$\sigma'\left(Z^{[2]}\right) = A^{[2]} \odot \left(1 - A^{[2]}\right)$$" in text
    assert r"$$\delta^{[2]} = W^{[3]T} \delta^{[3]} \odot \left(A^{[2]} \odot \left(1 - A^{[2]}\right)\right)$$" in text


def test_row_layout_uses_transposed_forms():
    text = derive.render(derive.derive(derive.load("niuguy")), "markdown")
    assert r"$$Z^{[1]} = X W^{[1]} + \mathbf{1}_{m} b^{[1]}, \quad A^{[1]} = \sigma\left(Z^{[1]}\right)$$" in text
    assert r"$$\frac{\partial J}{\partial W^{[2]}} = \frac{1}{m} A^{[1]T} \delta^{[2]}$$" in text


# -- issue 10: the layer document names its loss, states its slopes, prints exact zeros, and stays
#    readable (short, every line within the page) on batches and wide networks --------------------

SPECS = Path(__file__).parent / "specs"
# softmax output with half squared error and one shared bias: that bias's gradient is exactly 0
# (softmax ignores a shift of all its inputs), while the floats give about -9e-18
SOFTMAX_SSE_SHARED = {
    "input": {"values": [[0.1, 0.5], [0.9, -0.3], [0.4, 0.4]]},
    "target": {"values": [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.6, 0.2, 0.2]]},
    "layers": [{"units": 3, "activation": "tanh", "weights": [[0.2, -0.3], [0.4, 0.1], [0.5, -0.2]],
                "bias": [0.1, 0.0, -0.1]},
               {"units": 3, "activation": "softmax", "weights": [[0.5, -0.5, 0.2], [0.1, 0.4, -0.3], [0.3, 0.3, 0.3]],
                "bias": 0.0}],
    "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.5},
}
DISPLAYED_MATRIX = re.compile(r"^\$\$(.+?) = \\begin\{bmatrix\}(.*?)\\end\{bmatrix\}\$\$$", re.M)


def _layer_markdown(spec) -> str:
    result = derive.derive(derive.load(str(SPECS / spec)) if isinstance(spec, str) else derive.from_dict(spec))
    return derive.render(result, "markdown", "layer")


@pytest.mark.parametrize("spec, most", [("batch_3_4_2.toml", 150), ("wide_10_20_5.toml", 400)])
def test_batches_and_wide_networks_stay_short(spec, most):
    text = _layer_markdown(spec)
    assert len(text.splitlines()) <= most
    assert "this is a bug" not in text


@pytest.mark.parametrize("spec", ["batch_3_4_2.toml", "wide_10_20_5.toml"])
def test_a_displayed_matrix_has_at_most_six_rows_and_columns_of_numbers(spec):
    for _, body in DISPLAYED_MATRIX.findall(_layer_markdown(spec)):
        rows = [row.split("&") for row in body.split(r"\\")]
        assert len(rows) <= 6 and all(len(row) <= 6 for row in rows), body[:80]


def _tables(text: str) -> dict[int, list[list[str]]]:
    """Markdown tables after '**Table k.**' captions: their body rows, cells without the $ $."""
    tables, number = {}, None
    for line in text.splitlines():
        caption = re.match(r"\*\*Table (\d+)\.\*\*", line)
        if caption:
            number = int(caption.group(1))
            tables[number] = []
        elif number and line.startswith("| ") and not line.startswith("|  |"):
            tables[number].append([cell.strip().strip("$") for cell in line.strip("|").split("|")][1:])
    return tables


def test_every_number_of_a_matrix_shown_by_its_corners_is_in_its_table():
    result = derive.derive(derive.load(str(SPECS / "wide_10_20_5.toml")))
    text = derive.render(result, "markdown", "layer")
    values, fmt = result.values, (lambda a: [[format_number(float(v), 6) for v in row] for row in np.atleast_2d(a)])
    expected = {r"Z^{[1]}": fmt(values.forward.nets[0].T), r"A^{[1]}": fmt(values.forward.outs[0].T),
                r"\delta^{[1]}": fmt(values.factors[0].delta.T), "X": fmt(values.forward.inputs.T),
                r"\frac{\partial J}{\partial W^{[1]}}": fmt(values.gradients.weights[0]),
                r"\frac{\partial J}{\partial b^{[1]}}": fmt(values.gradients.biases[0].reshape(-1, 1)),
                r"\frac{\partial J}{\partial W^{[2]}}": fmt(values.gradients.weights[1]),
                r"W^{[1]} - \eta \frac{\partial J}{\partial W^{[1]}}": fmt(values.updated.weights[0]),
                r"W^{[2]} - \eta \frac{\partial J}{\partial W^{[2]}}": fmt(values.updated.weights[1])}
    tables = _tables(text)
    elided = {lhs: body for lhs, body in DISPLAYED_MATRIX.findall(text) if r"\cdots" in body or r"\vdots" in body}
    assert set(expected) <= set(elided)
    for lhs, full in expected.items():
        pointer = re.search(re.escape(f"$${lhs} = ") + r".*\$\$\n\(all \$(\d+) \\times (\d+)\$ entries: table (\d+) below\)",
                            text)
        assert pointer and (int(pointer.group(1)), int(pointer.group(2))) == (len(full), len(full[0])), lhs
        table = tables[int(pointer.group(3))]
        for i, row in enumerate(full):           # every row of the matrix, in order, in its table
            assert row == table[i][:len(row)] or row == table[i][-len(row):], (lhs, i)
        shown = [row.split(" & ") for row in elided[lhs].split(r"\\")]
        assert shown[0][0] == full[0][0] and shown[-1][-1] == full[-1][-1], lhs


def test_the_loss_is_named_from_the_rule_table():
    text = _layer_markdown(SOFTMAX_SSE_SHARED)
    assert "cross-entropy" not in text
    assert "The loss is half the sum of squared errors over the outputs; its derivative by the outputs" in text
    assert r"$$\frac{\partial \mathcal{L}}{\partial A^{[2]}} = -\left(Y - A^{[2]}\right)$$" in text
    ce = _layer_markdown(DEEP_SOFTMAX_BATCH)
    assert "The loss is the cross-entropy of the outputs against the targets (natural log)" in ce


def test_relu_slopes_are_stated_with_their_value_at_zero():
    text = _layer_markdown(DEEP_SOFTMAX_BATCH) + _layer_markdown(DEEP_SINGLE)
    assert r"$$\operatorname{ReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \leq 0 \end{cases}$$" in text
    assert r"$$\operatorname{LeakyReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0.01 & z \leq 0 \end{cases}$$" in text
    assert not re.search(r"ReLU'\\left\(Z\^\{\[\d\]\}\\right\) = \\operatorname\{(Leaky)?ReLU\}'", text)


@pytest.mark.parametrize("activation, at_zero", [("relu", 0.0), ("leaky_relu", 0.01)])
def test_the_numbers_take_the_slope_the_document_states_at_zero(activation, at_zero):
    spec = {"input": {"values": [[0.3, -0.7]]}, "target": {"values": [[0.25]]},
            "layers": [{"units": 2, "activation": activation, "weights": [[0.0, 0.0], [0.5, 0.2]], "bias": 0.0},
                       {"units": 1, "activation": "linear", "weights": [[0.8, -0.5]], "bias": 0.0}],
            "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}}
    values = run(spec).values
    assert values.forward.nets[0][0, 0] == 0.0 and values.factors[0].d_act[0, 0] == at_zero


def test_a_shared_bias_is_written_conformably_with_its_shape():
    text = _layer_markdown(SOFTMAX_SSE_SHARED)
    assert (r"$$Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]} \mathbf{1}_{3} \mathbf{1}_{m}^{T}, "
            r"\quad A^{[2]} = \operatorname{softmax}\left(Z^{[2]}\right)$$") in text
    assert r"$b^{[2]} \in \mathbb{R}$" in text and r"$b^{[1]} \in \mathbb{R}^{3 \times 1}$" in text
    assert r"$$\frac{\partial J}{\partial b^{[2]}} = \frac{1}{m} \mathbf{1}_{3}^{T} \delta^{[2]} \mathbf{1}_{m}$$" in text
    assert r"| $b^{[2]}$ | bias of layer 2, one number shared by its units | $1 \times 1$ |" in text


def test_a_gradient_the_derivation_makes_zero_is_printed_as_zero():
    result = run(SOFTMAX_SSE_SHARED)
    # softmax(z + c) = softmax(z): the numbers take the exact 0 for every loss, not rounding noise
    assert result.values.gradients.biases[1][0] == 0.0
    text = derive.render(result, "markdown", "layer")
    assert r"$$\frac{\partial J}{\partial b^{[2]}} = \begin{bmatrix}0\end{bmatrix}$$" in text
    assert r"$$b^{[2]} - \eta \frac{\partial J}{\partial b^{[2]}} = \begin{bmatrix}0\end{bmatrix}$$" in text
    assert r"10^{-1" not in text                                  # no 1e-17 anywhere


# A large document's width at 800 pixels (batch4's and wide_10_20_5's pages, after KaTeX's fonts are in)
# is measured in test_renderers.py, and its LaTeX's overfull lines (batch_3_4_2, wide_10_20_5 in layer
# form, article and Beamer) in test_latex.py, which compile and open these same documents.


@pytest.mark.parametrize("spec", ["batch_3_4_2.toml", "wide_10_20_5.toml"])
def test_every_fragment_of_a_large_document_parses_in_katex(spec):
    from test_renderers import _fragments_of_html, _fragments_of_markdown, _katex
    result = derive.derive(derive.load(str(SPECS / spec)))
    fragments = (_fragments_of_markdown(derive.render(result, "markdown", "layer"))
                 + _fragments_of_html(derive.render(result, "html", "layer")))
    assert len(fragments) > 100 and _katex(fragments) == []


def test_a_result_derives_and_proves_its_matrix_form_once_for_every_render(monkeypatch):
    from derive import api
    calls = {"derive_layers": 0, "prove": 0}
    for name in calls:
        original = getattr(api, name)
        monkeypatch.setattr(api, name, lambda *a, _f=original, _n=name, **k: (calls.__setitem__(_n, calls[_n] + 1), _f(*a, **k))[1])
    result = derive.derive(derive.load("batch4"))
    for format in ("markdown", "latex", "beamer"):
        result.render(format, "layer")
    assert calls == {"derive_layers": 1, "prove": 1}
