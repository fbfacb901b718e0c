"""verify reads sums and products over a range of steps, as BPTT notes write them (verify/sequence/
step_ranges.py): ∏_{j=k+1}^{t} ∂h_j/∂h_{j-1} is the chain of Jacobians, Σ_{k=1}^{T} a step-by-step sum;
on random RNNs (hypothesis) the right forms hold and a slip in them is wrong. A sum up to a size (H) is
over units, never steps, and a product verify cannot place is unchecked, never wrong."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import api
from derive.spec.load import from_dict
from derive.verify import Checker, verify_claim, verify_text

RIGHT_AND_SLIPPED = [
    (r"\frac{\partial h_t}{\partial h_1} = \prod_{j=2}^{t} \frac{\partial h_j}{\partial h_{j-1}}",
     r"\frac{\partial h_t}{\partial h_2} = \prod_{j=2}^{t} \frac{\partial h_j}{\partial h_{j-1}}"),
    (r"\frac{\partial h_t}{\partial h_1} = \prod_{j=2}^{t} \mathrm{diag}(1 - h_j^2) W_{hh}",
     r"\frac{\partial h_t}{\partial h_1} = \prod_{j=2}^{t} \mathrm{diag}(1 - h_j) W_{hh}"),
    (r"\frac{\partial h_t}{\partial h_1} = \prod_{j=1}^{t-1} \mathrm{diag}(1 - h_{j+1}^2) W_{hh}",
     r"\frac{\partial h_t}{\partial h_1} = \prod_{j=1}^{t-1} \mathrm{diag}(1 - h_{j}^2) W_{hh}"),
    (r"\frac{\partial L}{\partial b_h} = \sum_{k=1}^{T} \frac{\partial L}{\partial h_k} \odot (1 - h_k^2)",
     r"\frac{\partial L}{\partial b_h} = \sum_{k=2}^{T} \frac{\partial L}{\partial h_k} \odot (1 - h_k^2)"),
    (r"\frac{\partial L}{\partial b_h} = \sum_{k=1}^{T} \frac{\partial L}{\partial h_k} \odot (1 - h_k^2)",
     r"\frac{\partial L}{\partial b_h} = \sum_{k=1}^{T} \frac{\partial L}{\partial h_k} \odot (1 - h_k)"),
    # k free: the claim holds for every step k, checked at the first two
    (r"\frac{\partial h_t}{\partial h_k} = \prod_{j=k+1}^{t} \frac{\partial h_j}{\partial h_{j-1}}",
     r"\frac{\partial h_t}{\partial h_k} = \prod_{j=k}^{t} \frac{\partial h_j}{\partial h_{j-1}}"),
    (r"\prod_{j=k+1}^{t} \frac{\partial h_j}{\partial h_{j-1}} = \prod_{j=k+1}^{t} \mathrm{diag}(1 - h_j^2) W_{hh}",
     r"\prod_{j=k+1}^{t} \frac{\partial h_j}{\partial h_{j-1}} = \prod_{j=k+1}^{t} \mathrm{diag}(1 - h_{j-1}^2) W_{hh}"),
    # the product of Jacobians as one factor of a chain inside a sum over steps (mmuratarat's BPTT post)
    (r"\frac{\partial L_t}{\partial W_{hh}} = \sum_{k=1}^{t} \frac{\partial L_t}{\partial h_t} "
     r"\left(\prod_{j=k}^{t-1} \frac{\partial h_{j+1}}{\partial h_j}\right) \frac{\partial h_k}{\partial W_{hh}}",
     r"\frac{\partial L_t}{\partial W_{hh}} = \sum_{k=1}^{t} \frac{\partial L_t}{\partial h_t} "
     r"\left(\prod_{j=k}^{t} \frac{\partial h_{j+1}}{\partial h_j}\right) \frac{\partial h_k}{\partial W_{hh}}"),
    # the chain written with an ellipsis (\cdots, \dots, ... between · products): the product over its range
    (r"\frac{\partial h_t}{\partial h_k} = \frac{\partial h_t}{\partial h_{t-1}} \cdots \frac{\partial h_{k+1}}{\partial h_k}",
     r"\frac{\partial h_t}{\partial h_k} = \frac{\partial h_t}{\partial h_{t-1}} \cdots \frac{\partial h_{k}}{\partial h_{k-1}}"),
    (r"\frac{\partial h_t}{\partial h_k} = \frac{\partial h_t}{\partial h_{t-1}}.\frac{\partial h_{t-1}}{\partial h_{t-2}}"
     r"...\frac{\partial h_{k+1}}{\partial h_k}",
     r"\frac{\partial h_t}{\partial h_k} = \frac{\partial h_t}{\partial h_{t-1}}.\frac{\partial h_{t-1}}{\partial h_{t-2}}"
     r"...\frac{\partial h_{k+2}}{\partial h_{k+1}}"),
    # \Pi with a range is a product over it
    (r"\frac{\partial h_t}{\partial h_k} = \Pi_{j=k+1}^{t} \frac{\partial h_j}{\partial h_{j-1}}",
     r"\frac{\partial h_t}{\partial h_k} = \Pi^{t}_{j=k+1} \frac{\partial h_j}{\partial h_{k}}"),
    # Σ_k ∂h_t/∂h_k ∂h_k/∂W: each path counted once, so ∂h_k/∂W holds the earlier states (Pascanu et al.'s form)
    (r"\frac{\partial L_t}{\partial W_{hh}} = \sum_{k=1}^{t} \frac{\partial L_t}{\partial h_t} "
     r"\frac{\partial h_t}{\partial h_k} \frac{\partial h_k}{\partial W_{hh}}",
     r"\frac{\partial L_t}{\partial W_{hh}} = \sum_{k=1}^{t-1} \frac{\partial L_t}{\partial h_t} "
     r"\frac{\partial h_t}{\partial h_k} \frac{\partial h_k}{\partial W_{hh}}"),
    (r"\frac{\partial L_t}{\partial W_{xh}} = \sum_{k=1}^{t} \frac{\partial L_t}{\partial h_t} \frac{\partial h_t}{\partial h_{t-1}}"
     r" \cdots \frac{\partial h_{k+1}}{\partial h_k} \frac{\partial h_k}{\partial W_{xh}}",
     r"\frac{\partial L_t}{\partial W_{xh}} = \sum_{k=2}^{t} \frac{\partial L_t}{\partial h_t} \frac{\partial h_t}{\partial h_{t-1}}"
     r" \cdots \frac{\partial h_{k+1}}{\partial h_k} \frac{\partial h_k}{\partial W_{xh}}"),
]


def _rnn(steps, features, hidden, seed):
    rng = np.random.default_rng(seed)
    # inputs away from 0: an input of 0 (seed 117 draws -0.0) zeroes h_1 and every term through it, a point where
    # a slipped product of Jacobians equals the right one
    inputs = rng.uniform(0.2, 1.5, size=(1, steps, features)) * rng.choice([-1.0, 1.0], size=(1, steps, features))
    return from_dict({"title": "t", "init": {"seed": seed},
                      "input": {"shape": [steps, features], "values": inputs.round(3).tolist()},
                      "target": {"tokens": [rng.integers(0, 2, steps).tolist()]},
                      "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1},
                      "layers": [{"type": "rnn", "hidden": hidden}, {"type": "dense", "units": 2,
                                                                      "activation": "softmax"}]})


def _verdict(checker, formula):
    claims = verify_claim(checker, formula).claims
    assert len(claims) == 1, (formula, claims)
    return claims[0]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(3, 5), st.integers(1, 3), st.integers(2, 3), st.integers(0, 2 ** 31))
def test_products_and_sums_over_steps_hold_and_their_slips_are_wrong(steps, features, hidden, seed):
    checker = Checker(api.derive(_rnn(steps, features, hidden, seed)))
    for right, slipped in RIGHT_AND_SLIPPED:
        assert _verdict(checker, right).verdict == "ok", right
        assert _verdict(checker, slipped).verdict == "wrong", slipped


def test_a_range_up_to_a_size_or_a_count_is_not_read_as_steps():
    checker = Checker(api.derive(_rnn(4, 2, 3, 5)))
    for formula in (r"\frac{\partial h_t}{\partial h_1} = \prod_{j=2}^{H} \frac{\partial h_j}{\partial h_{j-1}}",
                    r"z_t = \sum_{j=1}^{n} W_{hh} h_{t-1}"):           # n counts no step: never a step's number
        assert _verdict(checker, formula).verdict == "unchecked", formula


def test_a_sum_to_the_last_step_that_reads_the_next_steps_loss_is_off_by_one():
    """Σ_{t=1}^{T} ∂L_{t+1}/∂W reads L_{T+1}, which no reading makes (mmuratarat's and ugenteraan's BPTT posts); the
    same term summed to T - 1, or a claim about one step t + 1 alone, is not called wrong for it. As a shape misfit,
    only where the post's forward lines confirm the names it reads."""
    checker = Checker(api.derive(_rnn(4, 2, 3, 5)))
    chain = r"\frac{\partial L_{t+1}}{\partial h_{t+1}} \frac{\partial h_{t+1}}{\partial W_{hh}}"
    claims = {
        r"\frac{\partial L}{\partial W_{hh}} = \sum_{t=1}^{T} \frac{\partial L_{t}}{\partial h_{t}} "
        r"\frac{\partial h_{t}}{\partial W_{hh}}": "ok",
        rf"\frac{{\partial L}}{{\partial W_{{hh}}}} = \sum_{{t=1}}^{{T}} {chain}": "wrong",
        rf"\frac{{\partial L}}{{\partial W_{{hh}}}} = \sum_{{t=0}}^{{T-1}} {chain}": "unchecked",
        rf"\frac{{\partial L_{{t+1}}}}{{\partial W_{{hh}}}} = {chain}": "ok",
    }
    forward = [r"$$h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b_h)$$", r"$$L = \sum_{t=1}^{T} L_t$$"]
    text = "\n\n".join(forward + [f"$${claim}$$" for claim in claims])
    found = [c for c in verify_text(checker, text, "post.md").claims][len(forward):]
    assert [c.verdict for c in found] == list(claims.values()), [(c.verdict, c.reason) for c in found]
    assert "step T + 1, which does not exist" in found[1].reason
