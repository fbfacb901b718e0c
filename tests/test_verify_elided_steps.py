"""BPTT notes write the chain of Jacobians with an ellipsis (∂h_t/∂h_{t-1} ⋯ ∂h_{k+1}/∂h_k), a product with
\\Pi, an earlier step as a free letter (∂h_{t+1}/∂h_k, for every k), and the sum over paths Σ_k ∂h_t/∂h_k ∂h_k/∂W,
whose ∂h_k/∂W holds the earlier states fixed even in a post whose other lines mean the total derivative
(sequence_blind_rnn13: a false alarm at first sight). The fuzzed forms are in test_verify_step_ranges.py."""

from __future__ import annotations

import pytest

from derive import api
from derive.spec.load import from_dict
from derive.verify import Checker, verify_text
from derive.verify import syntax as s
from derive.verify.reader import read


def _checker():
    spec = from_dict({"title": "t", "init": {"seed": 3},
                      "input": {"shape": [4, 2], "values": [[[0.5, -1.0], [1.25, 0.75], [-0.5, 0.25], [1.0, -1.5]]]},
                      "target": {"tokens": [[0, 1, 1, 0]]}, "loss": {"function": "cross_entropy"},
                      "training": {"learning_rate": 0.1},
                      "layers": [{"type": "rnn", "hidden": 3}, {"type": "dense", "units": 2, "activation": "softmax"}]})
    return Checker(api.derive(spec))


@pytest.mark.parametrize("dots", [r"\cdots", r"\dots", r"\ldots", "...", "…"])
def test_an_ellipsis_is_one_mark_and_cdots_is_never_cdot_times_s(dots):
    product = read(f"a = b {dots} c")[0].chain.sides[1]
    assert product == s.Juxt((s.Sym("b"), s.Sym("…"), s.Sym("c")))


def test_pi_with_a_range_is_a_product_and_pi_alone_a_name():
    assert isinstance(read(r"a = \Pi^{t}_{j=k} x_j")[0].chain.sides[1], s.BigProd)
    assert isinstance(read(r"a = \Pi_{j=k}^{t} x_j")[0].chain.sides[1], s.BigProd)
    assert read(r"a = \Pi x")[0].chain.sides[1] == s.Juxt((s.Sym("\\Pi"), s.Sym("x")))


def test_a_sum_over_paths_holds_the_earlier_states_where_the_post_means_total_derivatives():
    text = "\n\n".join([
        # a one-path chain through the total ∂h_t/∂W: this post's derivatives by a weight are total ones
        r"$$\frac{\partial L_t}{\partial W_{hh}} = \frac{\partial L_t}{\partial h_t}\frac{\partial h_t}{\partial W_{hh}}$$",
        r"$$\frac{\partial L_t}{\partial W_{hh}} = \sum_{k=1}^{t} \frac{\partial L_t}{\partial h_t}"
        r"\frac{\partial h_t}{\partial h_k}\frac{\partial h_k}{\partial W_{hh}}$$",
        r"$$\frac{\partial L_t}{\partial W_{hh}} = \sum_{k=1}^{t} \frac{\partial L_t}{\partial h_t}"
        r"\frac{\partial h_t}{\partial h_{t-1}} \cdots \frac{\partial h_{k+1}}{\partial h_k}\frac{\partial h_k}{\partial W_{hh}}$$",
        # one path only, through h_{t-1}: wrong under either reading of ∂h_{t-1}/∂W
        r"$$\frac{\partial L_t}{\partial W_{hh}} = \frac{\partial L_t}{\partial h_t}\frac{\partial h_t}{\partial h_{t-1}}"
        r"\frac{\partial h_{t-1}}{\partial W_{hh}}$$",
        # the product's factor by h_k at every j (ugenteraan's slip)
        r"$$\frac{\partial L_t}{\partial W_{hh}} = \sum_{k=1}^{t} \frac{\partial L_t}{\partial h_t}"
        r"(\Pi^{t-1}_{j=k}\frac{\partial h_{j+1}}{\partial h_{k}})\frac{\partial h_k}{\partial W_{hh}}$$",
    ])
    verdicts = [claim.verdict for claim in verify_text(_checker(), text, "post.md").claims]
    assert verdicts == ["ok", "ok", "ok", "wrong", "wrong"]


def test_a_state_by_an_earlier_one_named_by_a_free_letter_holds_for_every_step():
    text = "\n\n".join([
        r"$$L = \sum_{t=1}^{T} L_t$$",          # the steps counted from 1
        r"$$\frac{\partial h_{t}}{\partial h_{k}} = \frac{\partial h_{t}}{\partial h_{t-1}}\frac{\partial h_{t-1}}{\partial h_{k}}$$",
        r"$$\frac{\partial h_{t}}{\partial h_{k}} = \frac{\partial h_{t}}{\partial h_{k}}\frac{\partial h_{t-1}}{\partial h_{k}}$$",
        r"$$\frac{\partial h_{t}}{\partial h_{k}} = \frac{\partial h_{t}}{\partial h_{t-2}}\cdots\frac{\partial h_{k+1}}{\partial h_{k}}$$",
    ])
    claims = verify_text(_checker(), text, "post.md").claims
    assert [claim.verdict for claim in claims[:3]] == ["ok", "ok", "wrong"]
    assert claims[3].verdict != "wrong", claims[3].reason      # a Jacobian over two steps beside an ellipsis


def test_pascanus_immediate_derivative_and_a_steps_loss_by_an_earlier_state():
    """∂⁺h_k/∂W, Pascanu et al.'s derivative with the earlier states held; ∂J_3/∂h_k, step 3's loss by an earlier state, through h_3; Σ_{k=1}^{3} over steps where its
    body differentiates by h_k (sequence_blind_rnn15)."""
    text = "\n\n".join([
        r"$$J = \sum_{t=1}^{T} J_t$$",
        r"$$\frac{\partial J_t}{\partial W_{hh}} = \sum_{k=1}^{t} \frac{\partial J_t}{\partial h_k}"
        r"\frac{\partial^{+} h_k}{\partial W_{hh}}$$",
        # the path through h_t counted twice (the notebook's slip)
        r"$$\frac{\partial J_t}{\partial W_{hh}} = \sum_{k=1}^{t} \frac{\partial J_t}{\partial h_k}"
        r"\frac{\partial h_t}{\partial h_k}\frac{\partial^{+} h_k}{\partial W_{hh}}$$",
        r"$$\frac{\partial J_3}{\partial W_{hh}} = \sum_{k=1}^{3} \frac{\partial J_3}{\partial h_3}"
        r"\frac{\partial h_3}{\partial h_k}\frac{\partial^{+} h_k}{\partial W_{hh}}$$",
        r"$$\frac{\partial J_3}{\partial W_{hh}} = \sum_{k=1}^{2} \frac{\partial J_3}{\partial h_3}"
        r"\frac{\partial h_3}{\partial h_k}\frac{\partial^{+} h_k}{\partial W_{hh}}$$",
        r"$$\frac{\partial J_3}{\partial h_1} = \frac{\partial J_3}{\partial h_3}\frac{\partial h_3}{\partial h_2}"
        r"\frac{\partial h_2}{\partial h_1}$$",
        r"$$\frac{\partial J_3}{\partial h_1} = \frac{\partial J_3}{\partial h_3}\frac{\partial h_3}{\partial h_2}$$",
        # a bare ∂h_t/∂W is read as the post's other lines fix it (here, none but this one: the total), ∂⁺ never so
        r"$$\frac{\partial J_t}{\partial W_{hh}} = \frac{\partial J_t}{\partial h_t}\frac{\partial h_t}{\partial W_{hh}}$$",
        r"$$\frac{\partial J_t}{\partial W_{hh}} = \frac{\partial J_t}{\partial h_t}\frac{\partial^{+} h_t}{\partial W_{hh}}$$",
    ])
    verdicts = [claim.verdict for claim in verify_text(_checker(), text, "post.md").claims]
    assert verdicts == ["ok", "ok", "wrong", "ok", "wrong", "ok", "wrong", "ok", "wrong"]


def test_a_sum_up_to_a_number_over_units_is_not_a_range_of_steps():
    claims = verify_text(_checker(), r"$$z_1 = \sum_{j=1}^{2} W_{hh} h_j$$", "post.md").claims
    assert [claim.verdict for claim in claims] == ["unchecked"]


def test_what_the_review_of_the_sequence_readings_found():
    """The review of 2026-12-05: an ellipsis in the denominator layout's order (∂h_{k+1}/∂h_k ⋯ ∂h_t/∂h_{t-1}) was
    read backwards (a false alarm); ∂J_t/∂h_{t-1} as a whole side beside a row-form right side was read in a layout
    that transposes W (a false alarm); one ∂⁺ line made every bare derivative total (∂h_t/∂b_h = diag(1 - h_t²)
    wrong); ∂⁺h_4/∂h_k, the immediate derivative of a state by an earlier one, was read as the total (a false pass)."""
    pre = r"$$J = \sum_{t=1}^{T} J_t$$"
    cases = {
        r"\frac{\partial h_t}{\partial h_k} = \frac{\partial h_{k+1}}{\partial h_k}\cdots\frac{\partial h_t}{\partial h_{t-1}}": "ok",
        r"\frac{\partial h_t}{\partial h_k} = \frac{\partial h_{k+1}}{\partial h_k}\cdots\frac{\partial h_{t-1}}{\partial h_{t-2}}": "wrong",
        r"\frac{\partial h_4}{\partial h_1} = \frac{\partial h_2}{\partial h_1} \cdots \frac{\partial h_4}{\partial h_3}": "ok",
        r"\frac{\partial J_t}{\partial h_{t-1}} = \frac{\partial J_t}{\partial h_t}\mathrm{diag}(1-h_t^2) W_{hh}": "unchecked",
        r"\frac{\partial J_4}{\partial W_{hh}} = \sum_{k=1}^{4} \frac{\partial J_4}{\partial h_4}\frac{\partial^{+} h_4}"
        r"{\partial h_k}\frac{\partial h_k}{\partial W_{hh}}": "wrong",
    }
    for claim, verdict in cases.items():
        found = verify_text(_checker(), f"{pre}\n\n$${claim}$$", "post.md").claims[-1]
        assert found.verdict == verdict, (claim, found.verdict, found.reason)
    pascanu = r"$$\frac{\partial J_t}{\partial W_{hh}} = \sum_{k=1}^{t} \frac{\partial J_t}{\partial h_t}" \
              r"\frac{\partial h_t}{\partial h_k}\frac{\partial^{+} h_k}{\partial W_{hh}}$$"
    local = r"$$\frac{\partial h_t}{\partial b_h} = \mathrm{diag}(1 - h_t^2)$$"
    assert verify_text(_checker(), "\n\n".join([pre, pascanu, local]), "post.md").claims[-1].verdict == "ok"
