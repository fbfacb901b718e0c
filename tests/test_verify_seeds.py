"""Point 7 of `derive verify`: the five seed posts, each with a spec for its network and aliases
for its names (tests/seeds/*.toml). The posts are copied from ../shared/seeds into tests/seeds/posts.

The oracles are the seeds' figures worked out by hand and central finite differences
(tests/oracles.py): a claim the post gets right must verify, and a mistake must be found
with its cause.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

import pytest
from oracles import finite_differences

import derive
from derive.verify import Checker, verify_text

SEEDS = Path(__file__).parent / "seeds"


def post(number: str) -> str:
    (path,) = (SEEDS / "posts").glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8")


@functools.cache
def report(number: str, spec: str):
    source = SEEDS / spec if spec.endswith(".toml") else spec
    return verify_text(Checker(derive.derive(derive.load(source))), post(number), f"{number}.txt")


def at(found, line: int):
    return [c for c in found.claims if c.line == line]


def test_seed_003_mazur_right_figures_pass_and_two_slips_are_named():
    found = report("003", "mazur")
    assert found.summary["ok"] >= 50
    # the post's own figures that hold, e.g. dE/dw5 = 0.082167041 and w5+ = 0.35891648 (eta 0.5)
    assert {c.verdict for c in at(found, 143)} == {"ok"} and {c.verdict for c in at(found, 149)} == {"ok"}
    # the chain summed over the output units, \sum_o, with out_o read as out_o1 and out_o2
    assert [c.verdict for c in at(found, 254)] == ["ok"]
    (sign,) = at(found, 177)
    assert sign.verdict == "wrong" and "the sign is flipped" in sign.reason
    # -0.038098237 (line 224) x 0.5 = -0.0190491185: the post's -0.019049119 follows from its own rounding
    (rounding,) = at(found, 228)
    assert rounding.verdict == "ok" and rounding.rounded_from == 224
    (weight,) = at(found, 240)
    assert weight.verdict == "wrong" and "w3 where w2 belongs" in weight.reason
    assert all(c.reason for c in found.claims if c.verdict == "unchecked")


def test_seed_000_niuguy_forward_pass_with_swapped_weights_is_caught():
    spec = tomllib.loads((SEEDS / "000_niuguy.toml").read_text())
    grad_w, _ = finite_differences(spec)            # column orientation: [o][h]
    found = report("000", "000_niuguy.toml")
    (forward,) = at(found, 145)                     # [0.6615, 0.6770] x (a swapped W_ho) + (a wrong b_2), its own row
    assert forward.verdict == "wrong" and forward.expected.startswith(r"\begin{bmatrix}1.574 & 1.838")
    assert "learning rate" not in forward.reason                  # a forward pass is no update
    (w6,) = at(found, 289)                          # dE/dW_h2o1 = -0.2831 from the swapped pass
    assert w6.verdict == "wrong" and w6.expected == f"{grad_w[1][0, 1]:.3f}"
    (derivative,) = at(found, 282)                  # d(h_out1 W_h1o1 + h_out2 W_h2o1 + b_21)/dW_h2o1 = h_out2
    assert derivative.verdict == "ok"
    (matrix,) = at(found, 37)                       # X = [x1, x2] = [0.1, 0.2]
    assert matrix.verdict == "ok"
    (second_update,) = at(found, 465)               # "learning rate 0.02", then 0.7 - 0.2*(-0.0037), its row
    assert second_update.verdict == "wrong" and "a learning rate of 0.2, not 0.02" in second_update.reason
    (first_update,) = at(found, 345)                # 0.4 - 0.02*(-0.2767): the rate is right, the gradient not
    assert first_update.verdict == "wrong" and "learning rate" not in first_update.reason


def test_seed_002_khanal_missing_transpose():
    found = report("002", "002_khanal.toml")
    forward = at(found, 28)
    assert [c.verdict for c in forward[:4]] == ["ok"] * 4          # Z = W X + b, A = g(Z) in both layers
    (gradient,) = [c for c in at(found, 36) if c.verdict == "wrong"]   # dJ/dW2 = (A2 - Y).A1, on line 36
    assert "shapes do not fit" in gradient.reason and "transpose" in gradient.reason
    assert {c.verdict for c in at(found, 50) + at(found, 54)} == {"ok"}   # W -= alpha dJ/dW


def test_seed_004_equation_a_misses_its_transposes():
    found = report("004", "004_two_layer_sigmoid.toml")
    for line in (164, 182):                         # dC/dw2 = a1 * sigma'(z2) * (a2 - y), twice
        (claim,) = at(found, line)
        assert claim.verdict == "wrong" and "transpose" in claim.reason


def test_seed_001_has_no_math_left_to_check():
    """The post's formulas were images; verify says so instead of inventing claims."""
    found = report("001", "batch4")
    assert found.claims == ()


@pytest.mark.parametrize("number, spec", [("000", "000_niuguy.toml"), ("002", "002_khanal.toml"),
                                          ("003", "mazur"), ("004", "004_two_layer_sigmoid.toml")])
def test_every_unchecked_seed_claim_says_why(number, spec):
    for claim in report(number, spec).claims:
        if claim.verdict != "ok":
            assert claim.reason and "\n" not in claim.reason
