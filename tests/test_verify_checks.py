"""Checks and diagnosis of `derive verify`, against independent oracles.

Numbers come from central finite differences of a NumPy forward pass (tests/oracles.py) or
from the figures of Mazur's post (seed 003) that are right, worked out by hand.
"""

from __future__ import annotations

import functools

import pytest
from helpers import MAZUR
from oracles import finite_differences, loss

import derive
from derive.errors import DeriveError
from derive.verify import Checker, verify_claim, verify_text


@functools.cache
def checker(preset: str = "mazur") -> Checker:
    return Checker(derive.derive(derive.load(preset)))


def check(claim: str, preset: str = "mazur", notation: str | None = None):
    (only,) = verify_claim(checker(preset), claim, notation).claims
    return only


# -- numbers to the printed precision ----------------------------------------------

def test_the_printed_precision_decides():
    grad_w, _ = finite_differences(MAZUR)
    dw5 = grad_w[1][0, 0]                                   # 0.08216704...
    assert round(dw5, 4) == 0.0822
    assert check(r"\frac{\partial E_{total}}{\partial w_5} = 0.0822").verdict == "ok"
    wrong = check(r"\frac{\partial E_{total}}{\partial w_5} = 0.0823")
    assert wrong.verdict == "wrong" and wrong.expected == "0.0822"
    assert check(rf"\frac{{\partial E_{{total}}}}{{\partial w_5}} = {dw5:.9f}").verdict == "ok"
    assert check(rf"\frac{{\partial E_{{total}}}}{{\partial w_5}} = {dw5 + 2e-9:.9f}").verdict == "wrong"


def test_a_lost_sign_is_wrong_and_named():
    grad_w, _ = finite_differences(MAZUR)
    dw7 = grad_w[1][1, 0]                                   # -0.02260254...
    assert dw7 < 0
    assert check(rf"\frac{{\partial E_{{total}}}}{{\partial w_7}} = {dw7:.4f}").verdict == "ok"
    flipped = check(rf"\frac{{\partial E_{{total}}}}{{\partial w_7}} = {-dw7:.4f}")
    assert flipped.verdict == "wrong" and "the sign is flipped" in flipped.reason
    assert flipped.expected == f"{dw7:.4f}"


def test_a_number_the_spec_states_is_exact_not_rounded():
    """0.3 is w_4 exactly, not 0.35 \u00b1 0.05: the bias b_1 = 0.35 written as 0.3 is a slip."""
    assert check(r"net_{h1} = 0.15 \cdot 0.05 + 0.2 \cdot 0.1 + 0.35 \cdot 1").verdict == "ok"
    assert check(r"net_{h1} = 0.15 \cdot 0.05 + 0.2 \cdot 0.1 + 0.3 \cdot 1").verdict == "wrong"


def test_an_alias_may_name_a_formula():
    result = derive.derive(derive.load("mazur"))
    aliased = Checker(result, {"g_{5}": r"\frac{\partial E_{total}}{\partial w_{5}}"})
    assert verify_claim(aliased, r"g_{5} = 0.0822").summary["ok"] == 1
    assert verify_claim(aliased, r"w_5^+ = w_5 - \eta g_{5}").summary["ok"] == 1
    loop = Checker(result, {"q_{1}": r"2 q_{1}"})
    (claim,) = verify_claim(loop, r"q_{1} = 1").claims
    assert claim.verdict == "unchecked" and "refers to itself" in claim.reason


def test_the_loss_from_the_seed():
    assert round(loss(MAZUR), 9) == 0.298371109
    assert check(r"E_{total} = E_{o1} + E_{o2} = 0.274811083 + 0.023560026 = 0.298371109").verdict == "ok"


# -- chains and symbolic claims ------------------------------------------------------

def test_every_link_of_a_chain_is_checked():
    claim = check(r"\frac{\partial E_{total}}{\partial w_5} = \delta_{o1} out_{h1} = \delta_{o1} out_{h2}")
    assert claim.verdict == "wrong" and claim.reason.startswith("link 2 of 2")
    assert check(r"\frac{\partial E_{total}}{\partial w_5} = \delta_{o1} out_{h1} = 0.0822").verdict == "ok"


def test_a_sum_over_the_units_of_a_layer():
    assert check(r"\frac{\partial E_{total}}{\partial out_{h1}} = \sum_o \frac{\partial E_{total}}{\partial net_o}"
                 r" \frac{\partial net_o}{\partial out_{h1}}").verdict == "ok"
    wrong = check(r"E_{total} = \sum_o (target_o - out_o)^2")
    assert wrong.verdict == "wrong" and "a factor of 2" in wrong.reason


def test_max_and_cases_as_the_relu_documents_write_them():
    relu = derive.derive(derive.from_dict({
        "input": {"values": [[0.5, -0.4]]}, "target": {"values": [[0.2]]},
        "layers": [{"units": 1, "activation": "relu", "weights": [[0.3, 0.9]], "bias": 0.1}],
        "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}}))
    net = 0.3 * 0.5 + 0.9 * -0.4 + 0.1                           # -0.11: the unit is off
    report = verify_claim(Checker(relu), rf"out_{{o1}} = \max\left(0, net_{{o1}}\right) = \max(0, {net:.2f}) = 0")
    assert report.summary == {"ok": 1, "wrong": 0, "unchecked": 0}
    cases = (r"\frac{\partial out_{o1}}{\partial net_{o1}} = \begin{cases} 1 & \text{for}\: net_{o1} > 0 \\ "
             r"0 & \text{otherwise} \end{cases} = 0")
    assert verify_claim(Checker(relu), cases).summary["ok"] == 1


def test_free_letters_make_an_identity():
    assert check(r"\sigma(x) = \frac{1}{1 + e^{-x}}").verdict == "ok"
    assert check(r"\frac{\partial \sigma(x)}{\partial x} = \sigma(x)(1 - \sigma(x))").verdict == "ok"
    wrong = check(r"\frac{\partial \sigma(x)}{\partial x} = \sigma(x)(1 + \sigma(x))")
    assert wrong.verdict == "wrong" and "differ at" in wrong.reason


def test_a_symbolic_claim_is_proven_or_refuted_with_a_point():
    ok = check(r"\frac{\partial out_{o1}}{\partial net_{o1}} = out_{o1}(1 - out_{o1})")
    assert ok.verdict == "ok"
    wrong = check(r"\frac{\partial out_{o1}}{\partial net_{o1}} = out_{o1}(1 + out_{o1})")
    assert wrong.verdict == "wrong" and "differ at" in wrong.reason and " against " in wrong.reason


def test_a_symbolic_spec_is_checked_at_random_points():
    right = r"\frac{\partial J}{\partial W^{[2]}} = \frac{1}{m} (A^{[2]} - Y) A^{[1]T}"
    assert check(right, "khanal", "layer").verdict == "ok"
    wrong = check(r"\frac{\partial J}{\partial W^{[2]}} = (A^{[2]} - Y) A^{[1]T}", "khanal", "layer")
    assert wrong.verdict == "wrong" and "a missing 1/m" in wrong.reason


# -- matrices ------------------------------------------------------------------------

def test_a_missing_transpose_is_a_shape_error():
    claim = check(r"\frac{\partial J}{\partial W^{[2]}} = \delta^{[2]} A^{[1]}", notation="layer")
    assert claim.verdict == "wrong" and "shapes do not fit" in claim.reason and "transpose" in claim.reason


def test_a_matrix_of_numbers_is_expanded_and_compared_entry_by_entry():
    grad_w, _ = finite_differences(MAZUR)
    entries = grad_w[1]
    rows = r" \\ ".join(" & ".join(f"{v:.6f}" for v in row) for row in entries)
    assert check(rf"\frac{{\partial J}}{{\partial W^{{[2]}}}} = \begin{{bmatrix}} {rows} \end{{bmatrix}}",
                 notation="layer").verdict == "ok"
    bad = rows.replace(f"{entries[1, 1]:.6f}", f"{entries[1, 1] + 1e-3:.6f}")
    claim = check(rf"\frac{{\partial J}}{{\partial W^{{[2]}}}} = \begin{{bmatrix}} {bad} \end{{bmatrix}}",
                  notation="layer")
    assert claim.verdict == "wrong" and "entry (2, 2)" in claim.reason
    assert claim.expected.startswith(r"\begin{bmatrix}")


# -- the catalogue of causes ---------------------------------------------------------

CAUSES = [
    ("mazur", None, r"w_5^+ = 0.3507", "learning rate of 0.6"),
    ("mazur", None, r"w_5^+ = w_5 - \eta \frac{\partial E_{total}}{\partial w_5} = 0.4 - 0.6 \cdot 0.0822",
     "learning rate of 0.6, not 0.5"),
    ("mazur", None, r"\frac{\partial E_{total}}{\partial w_5} = 0.74136507 \cdot 0.186815602 \cdot 0.593269992 = 0.0832",
     "an arithmetic slip in the last step"),
    ("mazur", None, r"\frac{\partial E_{total}}{\partial w_5} = 3 \delta_{o1} out_{h1}", "an extra factor of 3"),
    ("mazur", None, r"E_{o1} = (target_{o1} - out_{o1})^2", "a factor of 2"),
    ("mazur", None, r"\frac{\partial E_{total}}{\partial out_{h1}} = \delta_{o1} w_5", "a missing consumer term in the sum for h1: the path through o2"),
    ("mazur", None, r"net_{h1} = w_1 i_1 + w_3 i_2 + b_1", "w3 where w2 belongs"),
    ("mazur", None, r"\frac{\partial E_{o2}}{\partial out_{h1}} = -0.019049119", "a rounding slip"),
    ("niuguy", None, r"E_{total} = - target_{o1} \log_{10} out_{o1} - target_{o2} \log_{10} out_{o2}",
     "log base 10 instead of e"),
    ("batch4", "layer", r"\frac{\partial J}{\partial W^{[1]}} = \delta^{[1]} X^{T}", "a missing 1/m"),
    ("mazur", "layer", r"\frac{\partial J}{\partial W^{[2]}} = -\delta^{[2]} A^{[1]T}", "the sign is flipped"),
]


@pytest.mark.parametrize("preset, notation, claim, cause", CAUSES, ids=[c[3] for c in CAUSES])
def test_the_likely_cause_is_named(preset, notation, claim, cause):
    found = check(claim, preset, notation)
    assert found.verdict == "wrong"
    assert cause in found.reason


# -- names: notations and aliases ------------------------------------------------------

def test_the_notation_is_guessed_from_the_names():
    index = verify_text(checker(), r"$$\frac{\partial C}{\partial w^2_{11}} = \delta^2_1 a^1_1$$", "x.md")
    assert index.notation == "index" and index.summary == {"ok": 1, "wrong": 0, "unchecked": 0}


def test_aliases_map_a_posts_own_names():
    spec = derive.load("mazur")
    result = derive.derive(spec)
    text = r"$$h_{out1} = \frac{1}{1 + e^{-h_{in1}}} = 0.593269992$$"
    unaliased = verify_text(Checker(result), text, "x.md")
    # without aliases, h_{out1} is bound by its value (point 4 of issue 11), h_{in1} stays unknown
    assert unaliased.claims[0].verdict == "unchecked" and "h_in1" in unaliased.claims[0].reason
    assert [(b.written, b.meant) for b in unaliased.bindings] == [("h_out1", "out_{h1}")]
    aliased = verify_text(Checker(result, {"h_{out1}": "out_h1", "h_{in1}": "net_{h1}"}), text, "x.md")
    assert aliased.summary == {"ok": 1, "wrong": 0, "unchecked": 0}


def test_a_bad_alias_is_one_clear_error():
    result = derive.derive(derive.load("mazur"))
    with pytest.raises(DeriveError, match=r"aliases: 'h_\{out1\}' = 'nothing' names nothing"):
        verify_text(Checker(result, {"h_{out1}": "nothing"}), "$a = 1$", "x.md")


def test_a_claim_it_cannot_read_is_listed_not_dropped():
    report = verify_text(checker(), "$$x = \\frac{1}{$$\n\n$$foo_{bar} = 2$$", "x.md")
    assert [c.verdict for c in report.claims] == ["unchecked", "unchecked"]
    assert report.claims[0].reason.startswith("line 1, column")
    assert "unknown name" in report.claims[1].reason


def test_relu_has_the_engines_slope_at_zero_on_both_sides_of_a_claim():
    """A ReLU unit whose net input is exactly 0 (zero weights and bias, as zero-initialised posts
    have): its slope there is 0 in the derivation and in a claim's ReLU' alike, so the chain rule
    written with ReLU' holds and dout/dnet = 0 is right (SymPy's Heaviside(0) would say 1/2)."""
    spec = {**MAZUR, "layers": [{**MAZUR["layers"][0], "activation": "relu", "weights": [[0.0, 0.0], [0.25, 0.3]],
                                 "bias": 0.0}, MAZUR["layers"][1]]}
    zero = Checker(derive.derive(derive.from_dict(spec)))
    claims = [r"\frac{\partial E_{total}}{\partial net_{h1}} = \frac{\partial E_{total}}{\partial out_{h1}} \, "
              r"\operatorname{ReLU}'(net_{h1})",
              r"\frac{\partial out_{h1}}{\partial net_{h1}} = 0",
              r"\operatorname{ReLU}'(net_{h1}) = 0"]
    assert [verify_claim(zero, claim, "neuron").claims[0].verdict for claim in claims] == ["ok", "ok", "ok"]


def test_a_missing_consumer_term_is_diagnosed_in_a_batch_too():
    """Over a batch, dE/dw1 is the model's batch gradient: a figure that leaves out the path
    through o2 is still diagnosed as that missing consumer term."""
    spec = {**MAZUR, "input": {**MAZUR["input"], "values": MAZUR["input"]["values"] * 2},
            "target": {**MAZUR["target"], "values": MAZUR["target"]["values"] * 2}}
    result = derive.derive(derive.from_dict(spec))
    values = result.values
    right = float(values.gradients.weights[0][0, 0])
    paths = values.factors[0].paths[0, :, 0]               # sample 1, unit h1: delta_o1 w5, delta_o2 w7
    written = right * (paths.sum() - paths[1]) / paths.sum()
    wrong = verify_claim(Checker(result), rf"\frac{{\partial E_{{total}}}}{{\partial w_1}} = {written:.6f}").claims[0]
    assert wrong.verdict == "wrong" and "a missing consumer term in the sum for h1: the path through o2" in wrong.reason
