"""Notations of course reports and kramdown posts on RNNs, seen in the blind sets of 2026-12-05 (all unchecked, or
one false alarm, at first sight): Ng's a^{<t>} = tanh(W_{aa} a^{<t-1>} + W_{ax} x^{<t>} + b_a) with ŷ = softmax(W_{ya} a + b_y),
written for Markdown to unescape (\\\\[ … \\\\], y^{\\<t\\>}: sequence_blind_rnn17); the Study-AI report's W_{(in)},
W_{(out)}, \\partial{E} in braces, \\{ … \\} as a bracket, and a pre-activation restated wrongly once and rightly
later (sequence_blind_rnn18)."""

from __future__ import annotations

from derive import api
from derive.spec.load import from_dict
from derive.verify import Checker, verify_text
from derive.verify.regions import normalize, scan


def _checker(last_only: bool = False):
    """An RNN with a softmax read-out at every step, or (`last_only`) the report's: one step's error, the last,
    sent back through every earlier step (a dense sigmoid layer on the last state, the half squared error)."""
    spec = {"title": "t", "init": {"seed": 5}, "training": {"learning_rate": 0.1},
            "input": {"shape": [4, 2], "values": [[[0.5, -1.0], [1.25, 0.75], [-0.5, 0.25], [1.0, -1.5]]]}}
    if last_only:
        spec |= {"layers": [{"type": "rnn", "hidden": 3, "sequence": False},
                            {"type": "dense", "units": 2, "activation": "sigmoid"}],
                 "target": {"values": [[0.3, 0.7]]}, "loss": {"function": "half_sse"}}
    else:
        spec |= {"layers": [{"type": "rnn", "hidden": 3}, {"type": "dense", "units": 2, "activation": "softmax"}],
                 "target": {"tokens": [[0, 1, 1, 0]]}, "loss": {"function": "cross_entropy"}}
    return Checker(api.derive(from_dict(spec)))


def _verdicts(text: str, last_only: bool = False) -> list[tuple[int, str]]:
    return [(claim.line, claim.verdict) for claim in verify_text(_checker(last_only), text, "post.md").claims]


def test_math_escaped_for_markdown_is_read_as_markdown_renders_it():
    text = normalize("\n".join([
        r"1. \\(L_t = - y^{\<t\>} log(\hat{y}^{\<t\>}) \\)",
        r"",
        r"\\[ \frac{\partial z}{\partial W_{ya}} = a^{\<t\>} \\]",
        r"",
        r"$$ a = b \\[2pt] c = d $$",
        r"",
        r"In code: `\\( h_t = 3 \\)`, and $$ \begin{cases} h_t = 1 \\(t > 0) \end{cases} $$ then \\( h_t = 5 \\)",
    ]))
    regions = scan(text, "post.md")
    bodies = [region.text.strip() for region in regions]
    assert r"L_t = - y^{<t>} log(\hat{y}^{<t>})" in bodies
    assert r"\frac{\partial z}{\partial W_{ya}} = a^{<t>}" in bodies           # no stray backslash at its end
    assert sum(r"\\[2pt]" in body for body in bodies) == 1                     # a row's spacing is no delimiter
    assert "h_t = 3" not in bodies and "h_t = 5" in bodies and not any("$$" in body for body in bodies)


def test_ngs_rnn_names_are_read_and_a_swapped_weight_is_wrong():
    text = "\n\n".join([
        r"\\[ a^{\<t\>} = \tanh(W_{aa} a^{\<t-1\>} + W_{ax} x^{\<t\>} + b_a) \\]",
        r"\\[ z^{\<t\>} = W_{ya} a^{\<t\>} + b_y \\]",
        r"\\[ a^{\<t\>} = \tanh(W_{ax} a^{\<t-1\>} + W_{aa} x^{\<t\>} + b_a) \\]",
        r"\\[ \frac{\partial a^{\<t\>}}{\partial a^{\<t-1\>}} = (1 - (a^{\<t\>})^2) \odot W_{aa}^T \\]",
    ])
    assert [verdict for _, verdict in _verdicts(text)] == ["ok", "ok", "wrong", "wrong"]


def test_a_definition_restated_later_as_the_network_has_it_makes_the_first_one_wrong():
    restated = r"$$u^t = W_{(in)} x^t + W z^{t-1} + b$$"
    text = "\n\n".join([r"$$u^t = W_{(in)} x^t + W x^{t-1} + b$$", restated, r"$$z^t = f(u^t)$$"])
    verdicts = verify_text(_checker(), text, "post.md").claims
    assert [(c.line, c.verdict) for c in verdicts] == [(1, "wrong"), (3, "ok"), (5, "ok")]
    assert "line 3" in verdicts[0].reason
    # written right the first time, the name is the net input from its first line on
    assert _verdicts("\n\n".join([restated, restated])) == [(1, "ok"), (3, "ok")]
    # a first definition of other weights, in general, at the start or in a row layout says nothing (review)
    for first in (r"$$u^t = f(x^t, z^{t-1})$$", r"At the start, $$u^t = 0$$", r"$$u^t = x^t W_{(in)} + z^{t-1} W + b$$"):
        assert _verdicts("\n\n".join([first, restated]))[-1:] == [(3, "ok")], first
    other_net = [r"In a feed-forward net, $$u = W_{(in)} x + b$$", r"In the RNN, $$u = W_{(in)} x^t + W z^{t-1} + b$$"]
    assert _verdicts("\n\n".join(other_net)) == [(3, "ok")]


def test_braced_operands_of_a_derivative_and_a_written_brace_as_a_bracket():
    text = "\n\n".join([
        r"$$u^t = W_{(in)} x^t + W z^{t-1} + b$$",
        r"$$\frac{\partial{E}}{\partial{u^t}} = f'(u^t) \odot \frac{\partial{E}}{\partial{z^t}}$$",
        r"$$\frac{\partial{E}}{\partial{u^{t-1}}} = \{ W^T \frac{\partial{E}}{\partial{u^t}} \} \odot f'(u^{t-1})$$",
        r"$$\frac{\partial{E}}{\partial{u^{t-1}}} = \Big\{ W \frac{\partial{E}}{\partial{u^t}} \Big\} \odot f'(u^{t-1})$$",
        r"$$\frac{\partial{E}}{\partial{W_{(in)}}} = \sum_t \frac{\partial{E}}{\partial{u^t}} (x^t)^T$$",
    ])
    verdicts = _verdicts(text, last_only=True)      # one step's error: its recursion has no term of its own
    assert verdicts[1:] == [(3, "ok"), (5, "ok"), (7, "wrong"), (9, "ok")]


def test_a_squared_error_written_as_a_norm_is_read():
    """½‖ŷ - y‖², written ||…|| as bn3monkey's and khkim's notes do: it did not parse (|| read as two bars). An
    unsquared ‖ŷ - y‖ is a distance of the post's own (khkim's L(θ) = ||ŷ - y||), not derive's loss: unchecked."""
    text = "\n\n".join([r"$$ L = \frac{1}{2}||\hat{y} - y||^2 $$", r"$$ L = \frac{1}{2}\|\hat{y} - y\|^2 $$",
                        r"$$ L = ||\hat{y} - y||^2 $$", r"$$ L = ||\hat{y} - y|| $$",
                        r"$$ L = \frac{1}{2}||\hat{y} - y||_1^2 $$", r"$$ L = \frac{1}{2}||\hat{y} - y||_2^2 $$"])
    assert _verdicts(text, last_only=True) == [(1, "ok"), (3, "ok"), (5, "wrong"), (7, "unchecked"),
                                               (9, "unchecked"), (11, "ok")]      # ‖·‖₁ is not the length


def test_an_lstm_steps_quantities_by_one_another_within_the_step():
    """∂h_t/∂f_t = o_t ⊙ (1 - tanh²(c_t)) ⊙ c_{t-1}: h_t by a gate it reaches through c_t (josep's README in
    sequence_blind_rnn16: 'not its own operand' at first sight); each path's Jacobians chained, and summed."""
    spec = from_dict({"title": "t", "init": {"seed": 7}, "training": {"learning_rate": 0.1},
                      "input": {"shape": [3, 3], "values": [[[0.5, -1.0, 0.25], [1.25, 0.5, -0.75], [-0.5, 0.75, 1.0]]]},
                      "layers": [{"type": "lstm", "hidden": 3}, {"type": "dense", "units": 4, "activation": "softmax"}],
                      "target": {"tokens": [[2, 0, 3]]}, "loss": {"function": "cross_entropy"}})
    text = "\n\n".join([
        r"$$\frac{\partial h_t}{\partial f_t} = o_t \odot (1-\tanh^2(c_t)) \odot c_{t-1}$$",
        r"$$\frac{\partial h_t}{\partial f_t} = o_t \odot (1-c_t^2) \odot c_{t-1}$$",             # tanh' at c_t
        r"$$\frac{\partial h_t}{\partial c_{t-1}} = o_t \odot (1-\tanh^2(c_t)) \odot f_t$$",
        r"$$\frac{\partial h_t}{\partial i_t} = o_t \odot (1-\tanh^2(c_t)) \odot c_{t-1}$$",        # g_t belongs
    ])
    claims = verify_text(Checker(api.derive(spec)), text, "post.md").claims
    assert [c.verdict for c in claims] == ["ok", "wrong", "ok", "wrong"]


def test_a_steps_term_above_the_posts_sum_over_the_steps_is_that_steps_term():
    """The report names BPTT in its first lines, writes ∂E/∂b = δ^t, and sums the steps only in its update
    (Σ_z δ^{t-z}, the steps counted back by z): above that sum ∂E/∂b is one step's term, as the truth reads it.
    Without any sum over the steps, the same line is the classic slip, the sum over time missing."""
    head = "\n\n".join(["### BPTT", "BPTT stands for backpropagation through time.",
                        r"$$u^t = W_{(in)} x^t + W z^{t-1} + b$$",
                        r"$$\frac{\partial{E}}{\partial{b}} = \frac{\partial{E}}{\partial{u^t}}$$"])
    summed = head + "\n\n" + r"$$b^{t+1} = b^{t} - \epsilon \sum_{z=0}^{T_t} \delta^{t-z}$$"
    assert _verdicts(summed)[1] == (7, "ok")
    alone, = [c for c in verify_text(_checker(), head, "post.md").claims if c.line == 7]
    assert alone.verdict == "wrong" and "one step's term" in alone.reason


def test_an_expression_of_the_networks_quantities_by_one_of_them():
    """∂tanh(z)/∂z = sech²(z) = 1 - tanh²(z), ∂(W x_t + U h_{t-1} + b)/∂h_{t-1} = U: the numerator an expression,
    differentiated by central differences in the quantity it writes (vaxherra's identities, sequence_blind_rnn17)."""
    text = "\n\n".join([
        r"$$\frac{\partial \tanh(h_t)}{\partial h_t} = 1 - \tanh^2(h_t)$$",
        r"$$\frac{\partial \tanh(h_t)}{\partial h_t} = sech^2(h_t)$$",
        r"$$\frac{\partial \tanh(h_t)}{\partial h_t} = 1 - h_t^2$$",                 # tanh' at h_t, not at tanh(h_t)
        r"$$\frac{\partial (W x_t + U h_{t-1} + b)}{\partial h_{t-1}} = U$$",
        r"$$\frac{\partial (W x_t + U h_{t-1} + b)}{\partial h_{t-1}} = U^T$$",     # the denominator layout's
        r"$$\frac{\partial (W x_t + U h_{t-1} + b)}{\partial h_{t-1}} = 2 U$$",
    ])
    assert [verdict for _, verdict in _verdicts(text)] == ["ok", "ok", "wrong", "ok", "ok", "wrong"]


def test_a_posts_numbered_stages_are_its_own_names_not_time_steps():
    """g_1 = W_{zh} h_{t-1}, …, g_6: a GRU broken into numbered stages (sssaha's post, sequence_blind_rnn19: g_3 read
    as the candidate at step 3, two false alarms at first sight); W_{zh}, W_{rx}: the gate's letter, then the side's."""
    spec = from_dict({"title": "t", "init": {"seed": 11}, "training": {"learning_rate": 0.1},
                      "input": {"shape": [4, 2], "values": [[[0.5, -1.0], [1.25, 0.75], [-0.5, 0.25], [1.0, -1.5]]]},
                      "layers": [{"type": "gru", "hidden": 3, "reset_after": False},
                                 {"type": "dense", "units": 2, "activation": "softmax"}],
                      "target": {"tokens": [[0, 1, 1, 0]]}, "loss": {"function": "cross_entropy"}})
    stages = [r"$$g_1 = W_{zh} h_{t-1}$$", r"$$g_2 = W_{zx} x_t$$", r"$$g_3 = g_1 + g_2$$",
              r"$$g_4 = W_{rh} h_{t-1}$$", r"$$g_5 = W_{rx} x_t$$", r"$$g_6 = g_4 + g_5$$"]
    claims = [r"$$z_t = \sigma(g_3)$$", r"$$r_t = \sigma(g_6)$$", r"$$z_t = \sigma(g_6)$$",
              r"$$z_t = \sigma(W_{zh} h_{t-1} + W_{zx} x_t)$$", r"$$z_t = \sigma(W_{rh} h_{t-1} + W_{zx} x_t)$$"]
    found = verify_text(Checker(api.derive(spec)), "\n\n".join(stages + claims), "post.md").claims
    assert [c.verdict for c in found] == ["ok", "ok", "wrong", "ok", "wrong"]


def test_a_net_inputs_derivative_by_its_weight_written_as_the_operand():
    """∂z_t/∂W_{xh} = x_t: the posts' shorthand for ∂z_i/∂W_{ij} = x_j (the 3-index Jacobian's rows that are not
    zero), as the truth tables of willwolf's, razmik's and vaxherra's posts read it; the wrong operand is wrong."""
    text = "\n\n".join([r"$$z_t = W_{hh} h_{t-1} + W_{xh} x_t + b_h$$",
                        r"$$\frac{\partial z_t}{\partial W_{xh}} = x_t$$", r"$$\frac{\partial z_t}{\partial W_{hh}} = h_{t-1}$$",
                        r"$$\frac{\partial z_t}{\partial W_{hh}} = h_t$$"])
    assert [verdict for _, verdict in _verdicts(text)] == ["ok", "ok", "ok", "wrong"]
