"""An index letter is bound by a sum only inside the sum's body (verify/typed/letters.py), as the evaluator
reads it: w_h before Σ_h is a letter no sum binds, so the claim misses a sum (RMSNorm's gradient with w_h where
w_j belongs, kernel-hyperdrive's slip). (Σ_{j≠k} after the side's own x_j sums over k: the pristressia post of
conv_blind5, in the corpus tests.)"""

from __future__ import annotations

import pytest

import derive
from derive.verify import Checker, verify_claim

SPEC = """
title = "RMSNorm over four features"
[input]
shape = [4]
values = [[0.8, -1.1, 0.3, 1.6], [-0.4, 0.9, 1.2, -0.7], [1.5, -0.2, -0.8, 0.6]]
[[layers]]
type = "rms_norm"
epsilon = 1e-5
gamma = [1.2, 0.7, 1.5, 0.9]
[target]
values = [[1.0, -1.0, 0.5, 1.0], [-0.5, 1.0, 1.5, -0.5], [1.5, 0.0, -1.0, 0.5]]
[loss]
function = "half_sse"
reduction = "sum"
[training]
learning_rate = 0.1
"""

HEAD = r"r_i = \sqrt{\frac{1}{H} \sum_{h=1}^{H} x_{ih}^2 + \epsilon} \qquad y_{ij} = \frac{w_j x_{ij}}{r_i}"
TAIL = r"- \frac{x_{ij}}{H r_i^3} \sum_{h=1}^{H} \frac{\partial L}{\partial y_{ih}} w_h x_{ih}"


@pytest.fixture(scope="module")
def checker():
    return Checker(derive.derive(derive.load_text(SPEC)))


@pytest.mark.parametrize("first, verdict, reason", [
    (r"\frac{w_j}{r_i}", "ok", ""),
    (r"\frac{w_h}{r_i}", "wrong", "the sum over h is missing"),
])
def test_a_letter_before_the_sum_over_it_is_free(checker, first, verdict, reason):
    text = f"$${HEAD}$$\n\n$$\\frac{{\\partial L}}{{\\partial x_{{ij}}}} = \\frac{{\\partial L}}{{\\partial y_{{ij}}}} {first} {TAIL}$$"
    claims = [c for c in verify_claim(checker, text).claims if c.line == 3]
    assert [c.verdict for c in claims] == [verdict] and reason in (claims[0].reason or "")
