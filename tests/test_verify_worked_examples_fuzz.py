"""Random documents built from the worked-example habits verify now reads (bracket indices, max in an index,
declared shapes, ∇, Python's **, numbered parts, written-out matrices at other sizes, ⇒ rows, \\cal, Ng's
dc_next sum) give clean verdicts or one-line errors only, on a conv, a batch-norm and an LSTM spec."""

from __future__ import annotations

import functools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import derive
from derive.errors import DeriveError
from derive.verify import Checker, verify_text

from test_sequence_verify_fuzz import _cell_spec

TOKENS = [r"\mathbf{y}[r, c]", r"\mathbf{X}[r + a, c + b]", r"w[\alpha, \beta]", r"y[\max(0, r - a), c]", r"[0, 1]",
          r"x \in \mathbb{R}^{N_1 \times N_2}", r"\in \mathbb{R}^{", r"k_1", r"\sum_{a=0}^{k_1 - 1}", r"\nabla",
          r"\bigtriangledown a_{11}", r"\nabla_W J", r"\cal{L}", r"{\cal L}", r"\Rightarrow", "&=", r"\\", "**",
          " ** (-0.5)", "dx1", "dx = dx1 + dx2 + dx3", r"\begin{array}{cc}", r"\end{array}", r"a_{11} & a_{12}",
          r"\delta_{11}", r"\delta^l", r"rot180(W^l)", "z_{11}", "+ b", "=", "$$", "$", "\n", "```\n", " ", "(", ")",
          r"\frac{\partial J}{\partial c^{\langle t \rangle}}", r"\frac{\partial J}{\partial a^{\langle t \rangle}}",
          r"\Gamma_o^{\langle t \rangle}", "*", "+", r"\tanh(c^{\langle t \rangle})", "0.5", "N", "{", "}", "_", "^"]
FUZZ = settings(max_examples=60, deadline=timedelta(seconds=30), derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def _checkers() -> tuple[Checker, ...]:
    return (Checker(derive.derive(derive.load("tiny_cnn"))), Checker(derive.derive(derive.load("batchnorm_mlp"))),
            Checker(derive.derive(_cell_spec("lstm", 3, 2, 2, 0))))


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join), st.integers(0, 2))
def test_worked_example_soup_verifies_cleanly(text, which):
    try:
        report = verify_text(_checkers()[which], text, "post.md")
    except DeriveError as exc:
        assert "\n" not in str(exc)
        return
    for claim in report.claims:
        assert claim.verdict in ("ok", "wrong", "unchecked")
        assert claim.line >= 1
        if claim.verdict != "ok":
            assert claim.reason and "\n" not in claim.reason


ADVERSARIAL = [
    "$$y[a, " + "\\alpha + " * 22 + "\\alpha !]$$",                       # bracket indices that never close
    "$$y[a, " + "\\alpha  -  " * 14 + "!$$",
    "$$L(" + ", ".join(rf"\mathbf{{W}}_{{{k}}}" for k in range(9)) + ")^2 = 1$$",    # a cost's arguments
    "\\begin{array}{cc} a_{11}\n" * 3000,                                  # matrices that never end
]


@settings(max_examples=len(ADVERSARIAL) * 3, deadline=timedelta(seconds=20), derandomize=True)
@given(st.sampled_from(ADVERSARIAL), st.integers(0, 2))
def test_inputs_that_once_backtracked_verify_promptly(text, which):
    """Each of these took from 10 s to minutes before its regex was made linear (the deadline is a hang guard)."""
    verify_text(_checkers()[which], text, "post.md")
