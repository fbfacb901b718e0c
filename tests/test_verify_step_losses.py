"""verify on BPTT posts that differentiate one step's loss (∂L_t/∂c_t, δ_t = ∂E_t/∂s_t, WildML's δ_k^{(t)}) and
that name an RNN's or an LSTM's quantities their own way (Pascanu's W_in, W_rec; s_t for the net input where
h_t = tanh(s_t); Yi Wang's a^t, â^t, f̂^t). Each rule is kept from a blind set's first sight (sequence_blind_rnn8,
sequence_blind_rnn9) and tested here on derive's own small networks."""

from __future__ import annotations

import pytest

import derive
from derive.verify import Checker, verify_text

from test_sequence_verify_fuzz import _cell_spec


@pytest.fixture(scope="module")
def lstm():
    return Checker(derive.derive(_cell_spec("lstm", 3, 2, 3, 5)))


@pytest.fixture(scope="module")
def rnn():
    return Checker(derive.derive(_cell_spec("rnn", 3, 2, 3, 5)))


def _verdicts(checker, text: str) -> list[str]:
    return [c.verdict for c in verify_text(checker, text, "post.md").claims]


@pytest.mark.parametrize("claim, verdict", [
    (r"\frac{\partial L_t}{\partial o_t} = \frac{\partial L_t}{\partial h_t} \odot \tanh(c_t)", "ok"),
    (r"\frac{\partial L_t}{\partial c_t} = \frac{\partial L_t}{\partial h_t} \odot o_t \odot (1 - \tanh^2(c_t))", "ok"),
    (r"\frac{\partial L_t}{\partial f_t} = \frac{\partial L_t}{\partial c_t} \odot c_{t-1}", "ok"),
    (r"\frac{\partial L_t}{\partial i_t} = \frac{\partial L_t}{\partial c_t} \odot \tilde{c}_t", "ok"),
    (r"\frac{\partial L_t}{\partial i_t} = \frac{\partial L_t}{\partial c_t} \odot c_{t-1}", "wrong"),
    (r"\frac{\partial L_t}{\partial c_t} = \frac{\partial L_t}{\partial h_t} \odot o_t", "wrong"),
])
def test_one_steps_loss_reaches_a_cells_quantities_through_its_state(lstm, claim, verdict):
    """haiy's LSTM note (sequence_blind_rnn8): ∂L_t/∂o_t, ∂L_t/∂c_t, … by the step's own loss alone."""
    assert _verdicts(lstm, f"$${claim}$$\n") == [verdict]


def test_a_bare_loss_in_a_chain_about_one_steps_loss_is_that_steps(lstm):
    """∂L_t/∂i_t = ∂L/∂C_t ∂C_t/∂i_t: the post drops the step from its loss inside the chain; C_t is the cell state,
    never a step's cost."""
    chain = r"\frac{\partial L_t}{\partial i_t} = \frac{\partial L}{\partial C_t}\frac{\partial C_t}{\partial i_t}"
    assert _verdicts(lstm, f"$${chain}$$\n") == ["ok"]
    assert _verdicts(lstm, "$$\\frac{\\partial C_t}{\\partial i_t} = \\tilde{C}_t$$\n") == ["ok"]


def test_a_misfit_through_a_name_the_post_defined_is_that_lines(lstm):
    """δ_ht = h_t - y_t (a 3-vector less a 2-vector: wrong at its line); a later line that uses δ_ht is right in
    form, and its shapes fail only through that name: not read, never 'its shapes do not fit'."""
    post = ("$$h_t = o_t \\odot \\tanh(c_t)$$\n\n$$\\frac{\\partial L_t}{\\partial h_t} = (h_t - y_t) = \\delta_{ht}$$\n\n"
            "$$\\frac{\\partial L_t}{\\partial o_t} = \\delta_{ht} \\odot \\tanh(c_t)$$\n")
    assert _verdicts(lstm, post) == ["ok", "wrong", "unchecked"]


def test_delta_is_one_steps_own_where_the_post_defines_it_so(rnn):
    """hschen's notes (sequence_blind_rnn9): δ_t = ∂E_t/∂s_t is the step's own loss's, for the whole post; where
    the post does not say so, δ_t without the later steps' term stays the classic slip."""
    own = r"\delta_t = (V^T(\hat{y}_t - y_t)) \odot (1 - h_t \odot h_t)"
    assert _verdicts(rnn, f"$${own}$$\n") == ["wrong"]
    defined = f"$$\\delta_t = \\frac{{\\partial L_t}}{{\\partial z_t}}$$\n\n$${own}$$\n"
    assert _verdicts(rnn, defined) == ["ok", "ok"]


def test_wildmls_delta_of_two_scripts_is_notation_never_a_power(rnn):
    """δ_k^{(t)} = ∂E_t/∂z_k names its notation (no claim); δ_3^3 is never δ_3 cubed."""
    assert _verdicts(rnn, "$$\\delta^{(t)}_k = \\frac{\\partial L_t}{\\partial z_k}$$\n") == []
    found = verify_text(rnn, "$$\\frac{\\partial L_3}{\\partial W} = \\delta_i^3 h_{i-1}^{T}$$\n", "post.md").claims
    assert [c.verdict for c in found] == ["unchecked"] and "step t's loss at step k" in found[0].reason


@pytest.mark.parametrize("forward", [r"s_t = W_{rec}h_{t-1} + W_{in}x_t + b", r"s_t = W_{in}x_t + W_{rec}h_{t-1} + b"])
def test_pascanus_weights_and_a_state_letter_for_the_net_input(rnn, forward):
    """s_t = W_rec h_{t-1} + W_in x_t, then h_t = tanh(s_t): s is this post's net input (s is elsewhere a state's
    letter), on the line above the one that says so too."""
    post = f"$${forward}$$\n\n$$h_t = \\tanh(s_t)$$\n"
    assert _verdicts(rnn, post) == ["ok", "ok"]
    assert _verdicts(rnn, post.replace("W_{in}x_t + ", "").replace(" + W_{in}x_t", "")) == ["wrong", "ok"]


def test_yi_wangs_lstm_names(lstm):
    """a^t = tanh(â^t) = tanh(W_a x^t + U_a h^{t-1}): a the candidate, â and f̂ the net inputs, in chains of three."""
    post = ("$$a^t = \\tanh(\\hat{a}^t) = \\tanh(W_a x^t + U_a h^{t-1} + b_a)$$\n\n"
            "$$f^t = \\sigma(\\hat{f}^t) = \\sigma(W_f x^t + U_f h^{t-1} + b_f)$$\n\n"
            "$$\\frac{\\partial L}{\\partial \\hat{f}^t} = \\frac{\\partial L}{\\partial f^t} \\odot f^t \\odot (1 - f^t)$$\n\n"
            "$$\\frac{\\partial L}{\\partial \\hat{f}^t} = \\frac{\\partial L}{\\partial f^t} \\odot \\hat{f}^t \\odot "
            "(1 - \\hat{f}^t)$$\n")
    assert _verdicts(lstm, post) == ["ok", "ok", "ok", "wrong"]


# found in review
def test_a_whole_side_of_the_whole_loss_is_not_read_as_one_steps(rnn):
    """∂L_t/∂h_t = ∂L/∂h_t: the whole loss's gradient by h_t has the later steps' terms; only a chain rule's
    factor ∂L/∂… inside a chain about ∂L_t is read as that step's."""
    assert _verdicts(rnn, "$$\\frac{\\partial L_t}{\\partial h_t} = \\frac{\\partial L}{\\partial h_t}$$\n") == ["wrong"]


def test_delta_stays_the_whole_losss_where_the_post_also_defines_it_so(rnn):
    post = ("$$\\delta_t = \\frac{\\partial L_t}{\\partial z_t}$$\n\n$$\\delta_t = \\frac{\\partial L}{\\partial z_t}$$\n\n"
            "$$\\delta_t = (V^T(\\hat{y}_t - y_t)) \\odot (1 - h_t \\odot h_t)$$\n")
    assert _verdicts(rnn, post)[1:] == ["ok", "wrong"]


def test_a_lower_case_l_and_an_rnns_c_are_step_costs(rnn):
    """Only an LSTM's C_t is its cell state; l_t (d2l's ℓ) and an RNN's C_t are step t's cost."""
    assert _verdicts(rnn, "$$\\frac{\\partial l_t}{\\partial o_t} = \\hat{y}_t - y_t$$\n") == ["ok"]
    assert _verdicts(rnn, "$$\\frac{\\partial C_t}{\\partial o_t} = \\hat{y}_t - y_t$$\n") == ["ok"]


def test_a_state_equal_to_itself_at_another_step_is_its_flow_not_a_claim(lstm, rnn):
    """Yi Wang's note (sequence_blind_rnn9): 'an implicit dataflow $c^{t+1} = c^t$ between LSTM units' says how
    the cell flows, as 'c_t = c_{t-1} where f_t = 1' says what a kept path does; neither is a value claim."""
    prose = "There is an implicit dataflow $c^{t+1} = c^t$ between LSTM units.\n"
    assert _verdicts(lstm, prose) == []
    assert _verdicts(rnn, "$$h_t = h_{t-1}$$\n") == []
    assert _verdicts(lstm, "$$h^{(t)} = h^{(t-1)}$$\n") == []                    # Goodfellow's steps
    assert _verdicts(lstm, "$$c^{\\langle t \\rangle} = c^{\\langle t-1 \\rangle}$$\n") == []     # Ng's
    # a step's value set to another quantity at another step is still judged
    assert _verdicts(lstm, "$$c_t = c_{t-1} \\odot f_t$$\n") == ["wrong"]
    assert _verdicts(lstm, "$$c_t = \\tilde{c}_{t-1}$$\n") == ["wrong"]
    # found in review: a gradient passed on unchanged is the slip, and two gates' weights are no steps
    assert _verdicts(lstm, "$$dc_{t-1} = dc_t$$\n") == ["wrong"]
    assert _verdicts(lstm, "$$dh_{t-1} = dh_t$$\n") == ["wrong"]
    assert _verdicts(lstm, "$$W_f = W_i$$\n") == ["wrong"]


def test_a_delta_passed_on_unchanged_is_judged_and_fixes_no_convention(rnn):
    """Found in review: δ_t = δ_{t+1} right after δ_t = ∂L/∂h_t is the slip of a gradient passed on unchanged,
    judged as such, and no forward line: the right claims after it stay right."""
    text = ("$$\\delta_t = \\frac{\\partial L}{\\partial h_t}$$\n\n$$\\delta_t = \\delta_{t+1}$$\n\n"
            "$$dh_{t-1} = U^T (dh_t \\odot (1 - h_t^2))$$\n")
    assert _verdicts(rnn, text) == ["ok", "wrong", "ok"]


def test_an_lstm_state_by_a_gate_weight_through_every_step_is_autograds():
    """∂h_t/∂W, ∂c_t/∂W, ∂u_{o,t}/∂W (total derivatives, through every earlier step; and ∂h_t/∂W, ∂c_t/∂W with the
    earlier states held, as posts write ∂c_t/∂b_f = diag(c_{t-1} ⊙ f_t ⊙ (1 - f_t))), which one step's loss by a
    shared weight needs (∂E^{(t)}/∂W_f, sequence_blind_rnn5) and a net input's total derivative (du_{ot}/db_o = 1 +
    W_{oh} dh_{t-1}/db_o, sequence_blind_attention2), against PyTorch's autograd in float64 on the LSTM's equations."""
    import numpy as np
    import torch

    from derive.verify.sequence.jacobians import jacobian, total_jacobian
    from derive.verify.sequence.world import world as sequence_world

    found = sequence_world(_cell_spec("lstm", 3, 2, 3, 5))

    def value(key):
        key, offset = key.split("@") if "@" in key else (key, "0")
        step = found.at + int(offset)
        return np.zeros_like(found.lookup(key, 0)[0]) if step < 0 else found.lookup(key, step)[0]

    weights = {key: torch.tensor(found.values[key][0]) for key in found.values
               if key[:2] in ("W:", "U:", "b:") and key[2:] in ("i", "f", "g", "o")}
    inputs = [torch.tensor(found.lookup("x", step)[0]) for step in range(3)]

    def state(at, key, weight, top="h", held=False):
        chosen = weights | {key: weight}
        h = c = torch.zeros(3, 1, dtype=torch.float64)
        for step, x in enumerate(inputs[:at + 1]):
            used = weights if held and step < at else chosen          # held: the earlier steps' states fixed
            net = {g: used[f"W:{g}"] @ x + used[f"U:{g}"] @ h + used[f"b:{g}"] for g in "ifgo"}
            c = torch.sigmoid(net["f"]) * c + torch.sigmoid(net["i"]) * torch.tanh(net["g"])
            h = torch.sigmoid(net["o"]) * torch.tanh(c)
        return {"h": h, "c": c, "net:o": net["o"], "net:f": net["f"]}[top]

    for at in range(3):
        found.at = at
        assert np.allclose(state(at, "W:i", weights["W:i"]).numpy(), value("h"), rtol=1e-12, atol=1e-14)
        for key in ("W:f", "U:i", "b:o", "W:g", "U:o"):
            for top in ("h", "c", "net:o", "net:f"):
                expected = torch.autograd.functional.jacobian(lambda w: state(at, key, w, top), weights[key]).numpy()
                got = total_jacobian(found, top, key, value)
                assert np.allclose(got, expected.reshape(got.shape), rtol=1e-10, atol=1e-13), (at, key, top)
            for top in ("h", "c"):          # the immediate derivative, h_{t-1} and c_{t-1} held (∂c_t/∂b_f)
                held = torch.autograd.functional.jacobian(lambda w: state(at, key, w, top, True), weights[key])
                got = jacobian(found, top, key, value)
                assert np.allclose(got, held.numpy().reshape(got.shape), rtol=1e-10, atol=1e-13), (at, key, top)


@pytest.mark.parametrize("gate", ["W_i", "W_f", "U_o", "b_f"])
def test_one_steps_loss_by_an_lstm_weight_sums_to_the_loss_over_time(lstm, gate):
    """The steps' own terms ∂L_t/∂W, each through every earlier step, add up to ∂L/∂W; the single chain through
    step t alone (fmorenovr's ∂E^{(t)}/∂W_f, haiy's ∂L_t/∂W_i = ∂L_t/∂i_t ⋯) is not one step's loss's gradient."""
    claims = verify_text(lstm, f"$$\\frac{{\\partial L}}{{\\partial {gate}}} = \\sum_{{t=1}}^{{T}} "
                               f"\\frac{{\\partial L_t}}{{\\partial {gate}}}$$\n\n"
                               f"$$\\frac{{\\partial L_t}}{{\\partial {gate}}} = \\frac{{\\partial L}}{{\\partial {gate}}}$$\n",
                         "post.md").claims
    assert [c.verdict for c in claims] == ["ok", "wrong"], [c.reason for c in claims]


def test_a_net_inputs_total_derivative_by_its_bias_reaches_the_earlier_state(lstm):
    """leakssss's scalar LSTM (sequence_blind_attention2): du_{ot}/db_o = 1 + du_{ot}/dh_{t-1} dh_{t-1}/db_o holds
    with both sides total; the immediate 1 is no reading of the left side beside a total right side."""
    text = "$$o_t = \\sigma(u_{ot})$$\n\n$$\\frac{du_{ot}}{db_o} = 1 + \\frac{du_{ot}}{dh_{t-1}} \\frac{dh_{t-1}}{db_o}$$\n"
    assert _verdicts(lstm, text) == ["ok", "ok"]


def test_one_steps_loss_by_a_weight_over_the_joined_state_and_input(lstm):
    """haiy's W_i over [h_{t-1}, x_t] (sequence_blind_rnn8): one step's term by each block, side by side."""
    text = "$$i_t = \\sigma(W_i \\cdot [h_{t-1}, x_t] + b_i)$$\n\n" \
           "$$\\frac{\\partial L}{\\partial W_i} = \\sum_{t=1}^{T} \\frac{\\partial L_t}{\\partial W_i}$$\n\n" \
           "$$\\frac{\\partial L_t}{\\partial W_i} = \\frac{\\partial L}{\\partial W_i}$$\n"
    assert _verdicts(lstm, text) == ["ok", "ok", "wrong"]


@pytest.mark.parametrize("claim, verdict", [
    (r"\frac{\partial c_t}{\partial b_f} = \mathrm{diag}(c_{t-1} \odot f_t \odot (1-f_t))", "ok"),
    (r"\frac{\partial h_t}{\partial b_o} = \mathrm{diag}(\tanh(c_t) \odot o_t \odot (1-o_t))", "ok"),
    (r"\frac{\partial c_t}{\partial b_f} = \mathrm{diag}(c_{t} \odot f_t \odot (1-f_t))", "wrong"),
])
def test_a_cells_state_by_a_gates_bias_within_the_step(lstm, claim, verdict):
    """The immediate derivative (the earlier states held), which the review of the total derivative found judged
    by the total alone: it reads as the post writes it."""
    assert _verdicts(lstm, f"$${claim}$$\n") == [verdict]


def test_a_wrong_claims_reason_shows_where_its_sides_differ(lstm):
    """The chain through step t alone for one step's loss by W_f: at the first step (no earlier state) it equals
    the total, so the reason is taken at a step where the sides differ (the review found equal sides shown)."""
    found = verify_text(lstm, "$$\\frac{\\partial L_t}{\\partial W_f} = \\left(\\frac{\\partial L_t}{\\partial c_t} "
                              "\\odot c_{t-1} \\odot f_t \\odot (1 - f_t)\\right) x_t^T$$\n", "post.md").claims
    assert [c.verdict for c in found] == ["wrong"]
    assert "differ first at row 1, column 1" in found[0].reason, found[0].reason


def test_a_wide_cells_total_derivative_is_left_unchecked_not_hours():
    """A 64-unit LSTM over 32 steps: the forward-mode walk would carry 64 × 512 numbers per gate through every step
    for each step's loss (minutes per claim, where the document's deadline is only checked between claims)."""
    wide = Checker(derive.derive(_cell_spec("lstm", 32, 8, 64, 5)))
    found = verify_text(wide, "$$\\frac{\\partial L}{\\partial W_f} = \\sum_{t=1}^{T} "
                              "\\frac{\\partial L_t}{\\partial W_f}$$\n", "post.md").claims
    assert [c.verdict for c in found] == ["unchecked"] and "more than derive carries" in found[0].reason
