"""Plain-text math: equations written without delimiters, in code blocks or in prose."""

import pytest

import derive
from derive.verify import Checker, verify_text
from derive.verify.plain import as_tex
from derive.verify.regions import scan


@pytest.mark.parametrize("line, tex", [
    ("h1 &= w1* i1 + w2 * i2\t\t\t(1) ", "h1 = w1* i1 + w2 * i2"),
    ("out_h1 &= σ (h1)   -(3)", "out_{h1} = σ (h1)"),
    ("E1 = ½ * (t1 - out_o1)2", "E1 = ½ * (t1 - out_{o1})^{2}"),
    ("σ (x) = 1/(1+e-x)", "σ (x) = 1/(1+e^{-x})"),
    ("dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 = 0.0821",
     r"\frac{\partial E}{\partial w5} = \frac{\partial E}{\partial out_{o1}} * \frac{\partial out_{o1}}{\partial net_{o1}} = 0.0821"),
    ("= (out_o1 - t1) * [𝟃(σ(o1))/𝟃o1]      - By  Chain Rule", r"= (out_{o1} - t1) * [\frac{\partial σ(o1)}{\partial o1}]"),
    ("η (Learning Rate) = 0.00001", "η = 0.00001"),
    ("- **w2** = 0.45", "w2 = 0.45"),
    ("eta = 0.5", r"\eta = 0.5"),
    ("{ a + b } = c", "( a + b ) = c"),
])
def test_plain_lines_become_latex(line, tex):
    assert as_tex(line) == tex


@pytest.mark.parametrize("line", [
    "The output is = 5",            # prose
    "learning rate = 0.5",
    "Total Loss",                   # no equation
    "if x == 2: y = 3",
    "see $w_5 = 0.4$ above",        # math of its own
    "a ratio 3:2 = 1.5",
])
def test_prose_is_not_an_equation(line):
    assert as_tex(line) is None


def _report(text, preset="mazur"):
    return verify_text(Checker(derive.derive(derive.load(preset))), text, "post.md")


def test_plain_claims_in_code_blocks_and_prose_are_judged():
    text = ("Forward:\n\n```\nnet_h1 = w1*i1 + w2*i2 + b1\nout_h1 = 0.593269992\n```\n\n"
            "and so out_h2 = 0.61 in our run.\n\nAlso: dE/dw5 = 0.082167041\n")
    report = _report(text)
    assert [(c.line, c.verdict) for c in report.claims] == [(4, "ok"), (5, "ok"), (10, "ok")]


def test_a_wrong_plain_figure_is_caught_and_prose_stays_silent():
    text = "```\nout_h1 = 0.6\n```\n\nThe result is = nice, and x = 2 in the example.\n\nz = np.dot(w, x) + b\n"
    report = _report(text)
    assert [(c.line, c.verdict) for c in report.claims] == [(2, "wrong")]


def test_code_in_a_language_is_not_read():
    text = "```python\nout_h1 = 0.6\n```\n"
    assert _report(text).claims == ()


def test_lines_that_go_on_join_their_claim():
    text = ("```\ndE/dw5 = (out_o1 - target_o1) *\n   (out_o1 * (1 - out_o1)) * out_h1\n"
            "       = 0.082167041\n```\n")
    report = _report(text)
    assert [(c.line, c.verdict) for c in report.claims] == [(2, "ok"), (4, "ok")]


def test_plain_regions_skip_lines_with_math():
    text = "$w_5 = 0.4$ and w6 = 0.45\n\n```\nw7 = 0.5\n```\n"
    regions = scan(text, "post.md")
    assert [(r.line, r.plain) for r in regions] == [(1, False), (4, True)]


def test_a_slice_s_colon_is_code_not_a_label():
    assert as_tex("i = sigmoid(gates[:H])") == "i = sigmoid(gates[:H])"
    assert as_tex("g = tanh(gates[2H:3H])") is not None
    assert as_tex("Step 3: x = 1") == "x = 1"                  # a label before the equation, as before
    assert as_tex("note: x = 1 is a guess: y") is None          # a colon outside brackets in prose


def test_equations_a_line_writes_apart_with_semicolons_are_each_a_claim():
    text = "Backward:\n\ndW_ih += outer(dgates, x); dW_hh += outer(dgates, h_prev)\n\nx = 1; we then stop\n"
    found = [(region.line, region.text) for region in scan(text, "post.md") if region.plain]
    assert (3, "dW_{ih} += outer(dgates, x)") in found and (3, "dW_{hh} += outer(dgates, h_{prev})") in found, found
    assert not any("stop" in tex for _, tex in found), found   # prose after the semicolon: no equation of it


def test_a_sum_over_an_index_written_as_code_writes_it():
    assert as_tex("delta_i = sum_k( dP_ik * P_ik )") == "delta_{i} = \\sum_{k}( dP_{ik} * P_{ik} )"
    assert as_tex("x = cumsum_k(y)") is None or "\\sum" not in as_tex("x = cumsum_k(y)")
