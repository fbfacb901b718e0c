"""verify on backward code as NumPy tutorials write it: an activation's derivative called by a code name
(dsigmoid(ho), sigmoid_prime(z), tanh_derivative(c)), a gradient named d + its operand's name (dho for
the output gate ho, whose forward code the excerpt leaves out), and a name assigned again from its own
value (dho = dsigmoid(ho) * dho), which the lines below take at its new value."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import derive
from derive.verify import Checker, verify_text
from derive.verify.code_regions import derivative_calls

from test_sequence_verify_fuzz import _cell_spec


def _verdicts(checker: Checker, post: str) -> dict[int, str]:
    return {c.line: c.verdict for c in verify_text(checker, post, "post.md").claims}


def _code(*lines: str) -> str:
    return "```python\n" + "\n".join(lines) + "\n```\n"


SIGMOID_NAMES = ("dsigmoid", "d_sigmoid", "sigmoid_prime", "sigmoidPrime", "sigmoid_derivative", "deriv_sigmoid",
                 "dsig", "sigmoid_grad")
TANH_NAMES = ("dtanh", "d_tanh", "tanh_prime", "tanh_derivative", "tanh_deriv")


@pytest.mark.parametrize("name", SIGMOID_NAMES + TANH_NAMES)
def test_a_derivatives_code_name_is_the_activations_derivative(name):
    primed = "\\tanh'(" if "tanh" in name else "\\sigma'("
    assert derivative_calls(f"d = {name}(z) * x") == f"d = {primed}z) * x"
    # a method, a longer name, or cs231n's relu_backward(dout, cache) (which takes the upstream) is no such call
    for other in (f"d = x.{name}(z)", f"d = my{name}(z)", "d = relu_backward(dout, cache)"):
        assert derivative_calls(other) == other
    # the post's own definition wins: its body says what the name computes
    assert derivative_calls(f"d = {name}(z)", {name}) == f"d = {name}(z)"


LSTM_STEP = ("dh = dy @ Wy.T + dh_next",
             "dho = tanh(c) * dh",
             "dho = {sigmoid}(ho) * dho",
             "dc = ho * dh * {tanh}(c) + dc_next",
             "dc_slip = ho * dh + dc_next",
             "dbo = dho",
             "dbo_slip = tanh(c) * dh")


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 60), sigmoid=st.sampled_from(SIGMOID_NAMES), tanh=st.sampled_from(TANH_NAMES))
def test_an_lstm_step_in_code_with_derivative_calls_and_d_names(seed, sigmoid, tanh):
    """Kept from wiseodd's LSTM backward (sequence_blind_rnn): the gates' names ho, hf, … come from the
    forward code left out; dho is named from its value, and so is ho."""
    checker = Checker(derive.derive(_cell_spec("lstm", 3, 2, 3, seed)))
    lines = [line.format(sigmoid=sigmoid, tanh=tanh) for line in LSTM_STEP]
    lines[4] = lines[4].replace("dc_slip", "dc")           # the slip: tanh'(c) left off the path through h
    verdicts = _verdicts(checker, _code(*lines[:4]))
    assert verdicts == {2: "ok", 3: "ok", 4: "ok", 5: "ok"}
    slipped = _verdicts(checker, _code(*lines[:3], lines[4]))
    assert slipped[5] == "wrong"
    # dho assigned again from its own value: dbo takes the new value (the net input's gradient), not d:o's
    assert _verdicts(checker, _code(*lines[:3], lines[5]))[5] == "ok"
    assert _verdicts(checker, _code(*lines[:3], lines[6].replace("dbo_slip", "dbo")))[5] == "wrong"


def test_a_d_name_names_its_operand_only_where_the_operand_is_free():
    checker = Checker(derive.derive(_cell_spec("lstm", 3, 2, 3, 7)))
    gate_slope = "dbo = ho * (1 - ho) * tanh(c) * dh"              # right where ho is the output gate
    free = _code("dh = dy @ Wy.T + dh_next", "dho = tanh(c) * dh", gate_slope)
    assert _verdicts(checker, free)[4] == "ok"
    # ho the post's own name for something else keeps the post's meaning: dho then binds nothing
    own = _code("ho = 2 * h", "dh = dy @ Wy.T + dh_next", "dho = tanh(c) * dh", gate_slope)
    assert _verdicts(checker, own)[5] == "wrong"
    # outside code, d + a name is no code name: a formula's dho binds nothing either
    formula = "$$dho = \\tanh(c) \\odot dh$$\n\n$$dc = ho \\odot dh + dc_{next}$$\n"
    assert _verdicts(checker, formula)[3] == "unchecked"
