"""verify reads the chain rule written out as a product of derivatives (verify/sequence/chains.py):
∂L_t/∂ŷ_t ∂ŷ_t/∂o_t ∂o_t/∂W_hy is the factors contracted over each linking quantity, whatever the
post's layout and from either end; and the BPTT recursion ∂h_t/∂W = ∂h_t/∂W + ∂h_t/∂h_{t-1} ∂h_{t-1}/∂W,
whose one true reading is the total derivative on the left and the explicit one in the term. On random
RNNs (hypothesis) the right forms hold and a slip in them is wrong; a chain that skips a link is never
called right."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import api
from derive.verify import Checker

from test_sequence_verify_fuzz import _attention_spec, _cell_spec
from test_verify_step_ranges import _rnn, _verdict

D = r"\frac{\partial %s}{\partial %s}"

RIGHT = [
    r"\frac{\partial L}{\partial W_{hy}} = \sum_t " + D % ("L_t", r"\hat{y}_t") + D % (r"\hat{y}_t", "o_t")
    + D % ("o_t", "W_{hy}"),
    r"\frac{\partial L}{\partial W_{hy}} = \sum_t " + D % ("L_t", "o_t") + r" \cdot " + D % ("o_t", "W_{hy}"),
    # from the right, as the denominator layout writes it
    r"\frac{\partial L}{\partial W_{hy}} = \sum_t " + D % ("o_t", "W_{hy}") + D % (r"\hat{y}_t", "o_t")
    + D % ("L_t", r"\hat{y}_t"),
    r"\frac{\partial L}{\partial b_y} = \sum_t " + D % ("L_t", "o_t") + r" \cdot " + D % ("o_t", "b_y"),
    D % ("L_t", "h_t") + " = " + D % ("L_t", r"\hat{y}_t") + D % (r"\hat{y}_t", "o_t") + D % ("o_t", "h_t"),
    # ∂h_t/∂W_hh through every earlier step: the total derivative
    r"\frac{\partial L}{\partial W_{hh}} = \sum_t " + D % ("L_t", "h_t") + D % ("h_t", "W_{hh}"),
    r"\frac{\partial L}{\partial b_h} = \sum_t " + D % ("L_t", "h_t") + r" \cdot " + D % ("h_t", "b_h"),
    D % ("h_t", "W_{hh}") + " = " + D % ("h_t", "W_{hh}") + " + " + D % ("h_t", "h_{t-1}")
    + D % ("h_{t-1}", "W_{hh}"),
    D % ("h_t", "W_{xh}") + " = " + D % ("h_t", "W_{xh}") + " + " + D % ("h_t", "h_{t-1}")
    + D % ("h_{t-1}", "W_{xh}"),
    # a shared weight's gradient from one step's loss, through every earlier step
    r"\frac{\partial L}{\partial W_{hh}} = \sum_t " + D % ("L_t", "W_{hh}"),
    D % ("L_t", "W_{hh}") + " = " + D % ("L_t", "h_t") + D % ("h_t", "W_{hh}"),
    D % ("L_t", "W_{hh}") + r" = \sum_{k=1}^{t} " + D % ("L_t", "h_t") + D % ("h_t", "h_k") + D % ("h_k", "W_{hh}"),
    # the paths through each earlier state, the left the total derivative: ∂h_t/∂h_k the steps' Jacobians chained
    D % ("h_t", "W_{hh}") + r" = \sum_{k=1}^{t} " + D % ("h_t", "h_k") + D % ("h_k", "W_{hh}"),
    D % ("h_t", "h_{t-2}") + " = " + D % ("h_t", "h_{t-1}") + D % ("h_{t-1}", "h_{t-2}"),
]
SLIPPED = [
    # the recursion without the Jacobian of the step
    D % ("h_t", "W_{hh}") + " = " + D % ("h_t", "W_{hh}") + " + " + D % ("h_{t-1}", "W_{hh}"),
    # the output's weights' term summed with the wrong sign of the chain's start
    r"\frac{\partial L}{\partial W_{hy}} = -\sum_t " + D % ("L_t", "o_t") + r" \cdot " + D % ("o_t", "W_{hy}"),
    # the recursion through the other weight
    D % ("h_t", "W_{hh}") + " = " + D % ("h_t", "W_{hh}") + " + " + D % ("h_t", "h_{t-1}")
    + D % ("h_{t-1}", "W_{xh}"),
    # one step's term for the whole sum, and the recursion's explicit term dropped
    r"\frac{\partial L}{\partial W_{hh}} = " + D % ("L_t", "W_{hh}"),
    D % ("h_t", "W_{hh}") + " = " + D % ("h_t", "h_{t-1}") + D % ("h_{t-1}", "W_{hh}"),
]
# chains verify must never call right: a link skipped (∂ŷ/∂o left out), a chain ending at another quantity
NEVER_RIGHT = [
    r"\frac{\partial L}{\partial W_{hy}} = \sum_t " + D % ("L_t", r"\hat{y}_t") + D % ("o_t", "W_{hy}"),
    D % ("L_t", "h_t") + " = " + D % ("L_t", r"\hat{y}_t") + D % (r"\hat{y}_t", "o_t"),
]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(3, 5), st.integers(1, 3), st.integers(2, 3), st.integers(0, 2 ** 31))
def test_a_chain_of_derivatives_holds_and_its_slips_are_wrong(steps, features, hidden, seed):
    checker = Checker(api.derive(_rnn(steps, features, hidden, seed)))
    for formula in RIGHT:
        assert _verdict(checker, formula).verdict == "ok", formula
    for formula in SLIPPED:
        assert _verdict(checker, formula).verdict == "wrong", formula
    for formula in NEVER_RIGHT:
        assert _verdict(checker, formula).verdict != "ok", formula

LSTM_RIGHT_AND_SLIPPED = [      # the cell's products by each factor: c = f ⊙ c' + i ⊙ g, h = o ⊙ tanh(c)
    (D % ("L", "f_t") + " = " + D % ("L", "c_t") + D % ("c_t", "f_t"),
     D % ("L", "f_t") + " = " + D % ("L", "c_t") + D % ("c_t", "i_t")),
    (D % ("L", "o_t") + " = " + D % ("L", "h_t") + D % ("h_t", "o_t"),
     D % ("L", "o_t") + " = " + D % ("L", "h_t") + D % ("h_t", "c_t")),
    (r"\frac{\partial L}{\partial W_f} = \sum_t " + D % ("L", "c_t") + D % ("c_t", "f_t") + D % ("f_t", "W_f"),
     r"\frac{\partial L}{\partial W_f} = \sum_t " + D % ("L", "c_t") + D % ("c_t", "g_t") + D % ("f_t", "W_f")),
    (D % ("h_t", "c_t") + r" = o_t \odot (1 - \tanh^2(c_t))", D % ("h_t", "c_t") + r" = 1 - \tanh^2(c_t)"),
]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(3, 4), st.integers(1, 3), st.integers(2, 3), st.integers(0, 2 ** 31))
def test_an_lstm_cells_chain_through_its_products(steps, features, hidden, seed):
    checker = Checker(api.derive(_cell_spec("lstm", steps, features, hidden, seed)))
    for right, slipped in LSTM_RIGHT_AND_SLIPPED:
        assert _verdict(checker, right).verdict == "ok", right
        assert _verdict(checker, slipped).verdict == "wrong", slipped


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 4), st.integers(1, 3), st.booleans(), st.integers(0, 2 ** 31))
def test_attentions_chain_through_the_row_softmax_contracts_over_every_weight(steps, width, causal, seed):
    """∂L/∂S = ∂L/∂A ∂A/∂S: A and S matrices, the Jacobian four-axis, contracted over A's entries; from
    either end. The diagonal-only softmax Jacobian stays wrong and named."""
    checker = Checker(api.derive(_attention_spec(steps, width, causal, False, seed)))
    for formula in (D % ("L", "S") + " = " + D % ("L", "A") + D % ("A", "S"),
                    D % ("L", "S") + " = " + D % ("A", "S") + D % ("L", "A")):
        assert _verdict(checker, formula).verdict == "ok", formula
    slipped = _verdict(checker, D % ("L", "S") + " = " + D % ("L", "A") + r" \odot A")
    assert slipped.verdict == "wrong" and "diagonal" in slipped.reason
