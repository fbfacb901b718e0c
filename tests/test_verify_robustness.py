"""Point 8 of `derive verify`: random and mutated LaTeX give clean verdicts or clean errors only.

Each hypothesis example has a generous deadline: it is there to catch a hang (an exponent
tower, a runaway parse), not to measure speed; tests/benchmarks/bench_verify.py does that.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import derive
from derive.errors import DeriveError
from derive.verify import Checker, verify_claim, verify_text
from derive.verify.reader import ReadError, read

TOKENS = [r"\frac", r"\dfrac", "{", "}", "_", "^", "=", "+", "-", "*", r"\cdot", r"\times", r"\odot", "(", ")",
          r"\left(", r"\right)", "[", "]", r"\partial", r"\sum", r"\sigma", r"\ln", r"\log", r"\exp", "e", "&",
          r"\\", ",", "w_5", "out_{h1}", "net_{o1}", "E_{total}", r"\delta_{o1}", "W^{[1]}", "A^{[1]T}", "^T",
          r"\top", r"\begin{bmatrix}", r"\end{bmatrix}", r"\begin{pmatrix}", r"\end{pmatrix}", "0.5", "9", "1",
          "0.0821670406", r"\text{(sample 1)}", r"\approx", "'", " ", "$", "$$", r"\[", r"\]", "%", "\n", "x",
          r"\eta", r"\mathbf{1}", r"\mathcal{L}", "^{+}", "^{(2)}", "/", r"\sqrt", r"\tag*{(sample 2)}"]
SEED_CLAIMS = [
    r"\frac{\partial E_{total}}{\partial w_5} = \frac{\partial E_{total}}{\partial out_{o1}} \cdot "
    r"\frac{\partial out_{o1}}{\partial net_{o1}} \cdot \frac{\partial net_{o1}}{\partial w_5} = 0.082167041",
    r"out_{h1} = \frac{1}{1+e^{-net_{h1}}} = \frac{1}{1+e^{-0.3775}} = 0.593269992",
    r"w_5^+ = w_5 - \eta \cdot \frac{\partial E_{total}}{\partial w_5} = 0.4 - 0.5 \cdot 0.082167041 = 0.35891648",
    r"\frac{\partial J}{\partial W^{[2]}} = \frac{1}{m} \delta^{[2]} A^{[1]T}",
    r"\delta^{[1]} = W^{[2]T} \delta^{[2]} \odot \sigma'\left(Z^{[1]}\right)",
    r"A = \begin{bmatrix} 0.15 & 0.2 \\ 0.25 & 0.3 \end{bmatrix}",
]
FUZZ = settings(max_examples=150, deadline=timedelta(seconds=20), derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def checker() -> Checker:
    return Checker(derive.derive(derive.load("mazur")))


def _clean(report) -> None:
    for claim in report.claims:
        assert claim.verdict in ("ok", "wrong", "unchecked")
        assert isinstance(claim.line, int) and claim.line >= 1
        if claim.verdict != "ok":
            assert claim.reason and "\n" not in claim.reason


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_random_token_soup_reads_or_fails_cleanly(text):
    try:
        lines = read(text)
    except ReadError as exc:
        assert exc.line >= 1 and exc.column >= 1 and exc.message
        return
    assert isinstance(lines, list)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join), st.sampled_from(["post.md", "paper.tex"]))
def test_random_documents_verify_cleanly(text, name):
    try:
        report = verify_text(checker(), text, name)
    except DeriveError as exc:
        assert "\n" not in str(exc)
        return
    _clean(report)


@st.composite
def mutated(draw):
    claim = draw(st.sampled_from(SEED_CLAIMS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(claim)))
        kind = draw(st.sampled_from(["delete", "insert", "replace"]))
        token = draw(st.sampled_from(TOKENS))
        if kind == "delete":
            claim = claim[:at] + claim[at + draw(st.integers(1, 5)):]
        elif kind == "insert":
            claim = claim[:at] + token + claim[at:]
        else:
            claim = claim[:at] + token + claim[at + len(token):]
    return claim


@FUZZ
@given(mutated())
def test_mutated_seed_claims_verify_cleanly(claim):
    try:
        report = verify_claim(checker(), claim)
    except DeriveError as exc:
        assert "\n" not in str(exc)
        return
    _clean(report)


@FUZZ
@given(st.text(max_size=200))
def test_any_unicode_text_is_handled(text):
    _clean(verify_text(checker(), text, "notes.md"))


def test_towers_and_huge_numbers_are_refused_not_evaluated():
    for claim in (r"w_5 = 9^{9^{9^{9}}}", r"w_5 = e^{e^{e^{e^{10}}}}", r"w_5 = \exp(\exp(\exp(20)))",
                  r"w_5 = 10^{100000000}"):
        (only,) = verify_claim(checker(), claim).claims
        assert only.verdict == "unchecked" and "exponent" in only.reason


def test_a_one_megabyte_document_verifies(tmp_path):
    """About 1 MB: the rendered Mazur post many times over, with prose between; every claim ok."""
    result = derive.derive(derive.load("mazur"))
    post = derive.render(result, "markdown", "neuron")
    copies = 1_000_000 // len(post) + 1
    text = "\n\nSome prose between copies, and a price of $5.\n\n".join([post] * copies)
    assert len(text) >= 1_000_000
    report = verify_text(checker(), text, "big.md")
    single = verify_text(checker(), post, "post.md")
    assert report.summary == {"ok": single.summary["ok"] * copies, "wrong": 0, "unchecked": 0}
