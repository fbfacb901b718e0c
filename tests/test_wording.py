"""Issue 10, point 5: the text says only true things, in every notation and format that writes it."""

import re

import pytest

import derive
from helpers import one_line, run

TANH_NEGATIVE = {
    "input": {"values": [[0.3, -0.7]]}, "target": {"values": [[0.25]]},
    "layers": [{"units": 1, "activation": "tanh", "weights": [[0.5, 0.6]], "bias": 0.0},
               {"units": 1, "activation": "sigmoid", "weights": [[0.8]], "bias": 0.1}],
    "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1},
}
SATURATED_TANH = {**TANH_NEGATIVE, "input": {"values": [[1.0, 1.0]]},
                  "layers": [{"units": 1, "activation": "tanh", "weights": [[6.0, 6.0]], "bias": 0.0},
                             {"units": 1, "activation": "linear", "weights": [[0.5]], "bias": 0.0}]}
ONE_HOT_SOFTMAX = {
    "input": {"values": [[0.5, 0.1], [0.2, 0.8]]}, "target": {"values": [[1, 0, 0], [0, 0, 1]]},
    "layers": [{"units": 2, "activation": "sigmoid", "weights": [[0.1, 0.2], [0.3, -0.4]], "bias": [0.0, 0.1]},
               {"units": 3, "activation": "softmax", "weights": [[0.5, -0.5], [0.1, 0.4], [0.2, 0.3]], "bias": 0.1}],
    "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.5},
}
SATURATED_BCE = {
    "input": {"values": [[1.0, 1.0]]}, "target": {"values": [[1.0]]},
    "layers": [{"units": 1, "activation": "sigmoid", "weights": [[30.0, 30.0]], "bias": 0.0}],
    "loss": {"function": "binary_cross_entropy"}, "training": {"learning_rate": 0.1, "iterations": 5},
}


def _documents(spec: dict, notations=("neuron", "index")):
    result = run(spec)
    for notation in notations:
        for fmt in ("markdown", "latex", "beamer"):
            yield f"{notation}-{fmt}", derive.render(result, fmt, notation)


def test_a_function_of_a_negative_number_has_one_pair_of_parentheses():
    for name, text in _documents(TANH_NEGATIVE):
        if not name.endswith("beamer"):        # the slides show formula and value, not the arithmetic
            assert r"\tanh{\left(-0.27 \right)}" in text, name
        assert r"\left(\left(" not in text, name


def test_a_formula_that_is_one_symbol_shows_no_arithmetic():
    for name, text in _documents(TANH_NEGATIVE):
        # x_2 = -0.7, not x_2 = (-0.7) = -0.7
        assert not re.search(r"= \\left\(-[0-9.]+\\right\) (&)?= -[0-9.]+", one_line(text)), name


def test_zero_target_cross_entropy_terms_are_left_out_with_a_sentence():
    for name, text in _documents(ONE_HOT_SOFTMAX):
        if name.endswith("beamer"):
            continue          # the slides keep to the worked lines and say nothing of the others
        assert "whose target is 0 is itself 0" in text, name
        assert not re.search(r"- 0 \\cdot \\ln", text), name


def test_a_single_path_is_not_called_several():
    one_one_one = {**TANH_NEGATIVE, "input": {"values": [[0.3]]},
                   "layers": [{"units": 1, "activation": "tanh", "weights": [[0.5]], "bias": 0.0},
                              {"units": 1, "activation": "sigmoid", "weights": [[0.8]], "bias": 0.1}]}
    for name, text in _documents(one_one_one):
        assert "several paths" not in text and "paths" not in text.replace("path is", ""), name
        if not name.endswith("beamer"):
            assert "one path" in text, name


def test_the_index_notation_names_units_by_its_own_symbols():
    text = derive.render(run(TANH_NEGATIVE), "markdown", "index")
    assert "output of o1" not in text and "net input of o1" not in text
    assert "the output $a^{2}_{1}$ change with respect to its net input $z^{2}_{1}$" in text


def test_no_identifier_reaches_the_prose():
    for preset in derive.dense_preset_names():
        result = derive.derive(derive.load(preset))
        for notation in ("neuron", "index", "layer") if result.values is not None else ("layer",):
            text = derive.render(result, "markdown", notation)
            prose = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$|<svg.*?</svg>", "", text, flags=re.S)
            assert not re.search(r"\b(cross_entropy|binary_cross_entropy|half_sse|leaky_relu)\b", prose), \
                (preset, notation)


def test_operands_that_cancel_are_printed_with_the_digits_their_result_needs():
    """tanh' = 1 - out^2 with out = 0.99999999992...: never the contradiction 1 - 1^2 = 1.5e-10."""
    for name, text in _documents(SATURATED_TANH):
        assert "1 - 1^{2}" not in text, name
    assert "1 - 0.99999999992449728^{2}" in derive.render(run(SATURATED_TANH), "markdown")


@pytest.mark.parametrize("fmt", ["markdown", "latex", "beamer", "html"])
def test_a_saturated_output_shows_the_fused_delta_not_nan(fmt):
    """sigmoid + BCE with an output rounded to 1: the factors are 0/0, the fused delta is finite."""
    result = run(SATURATED_BCE)
    for notation in ("neuron", "index"):
        text = re.sub(r"<(script|style)>.*?</\1>", "", derive.render(result, fmt, notation), flags=re.S)
        assert "NaN" not in text and r"\infty" not in text, (fmt, notation)
    assert "computed in its fused form" in derive.render(result, "markdown")
