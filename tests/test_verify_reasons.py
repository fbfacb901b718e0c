"""A row's reason in parentheses after it, as Jekyll posts write their derivations: `&&&& (\\text{Because } …)`,
`\\bigg(\\text{Because } …\\bigg)`, `(\\text{Taking out constant terms})`; and `\\newline` for a row's end
(zaffnet's and ViviLearns2Code's batch-norm posts, conv_blind15). The reason's formulas are claims of their own;
its words are not."""

from __future__ import annotations

import pytest

import derive
from derive.verify import Checker, verify_text
from derive.verify.justifications import reasons_apart

from test_verify_typed_reading import BATCH_NORM


@pytest.fixture(scope="module")
def checker():
    return Checker(derive.derive(derive.load_text(BATCH_NORM)))


@pytest.mark.parametrize("text, rows", [
    (r"a = b &&&& (\text{Because gradients add up at forks})", ["a = b"]),
    (r"a = b &&&& (\text{Taking out constant terms})", ["a = b"]),
    (r"a = b &&&& (\text{Because } c = d \text{ from } e = f)", ["a = b", "c = d", "e = f"]),
    (r"& (\text{Because } c = d;\hspace{10 mm} e = f)", ["c = d", r"\hspace{10 mm} e = f"]),
    (r"a = b \bigg(\text{since } c = (d)\cdot\bigg(\frac{1}{2}\bigg)\bigg)", ["a = b", r"c = (d)\cdot\bigg(\frac{1}{2}\bigg)"]),
    (r"a = b \newline c = d", ["a = b", "c = d"]),
    (r"f(x) = (\text{as } x \to 0)", [r"f(x) = (\text{as } x \to 0)"]),
])
def test_a_reason_is_set_apart_from_its_row(text, rows):
    assert [row.strip() for row in reasons_apart(text).split("\\\\") if row.strip()] == rows


BETA = (r"\frac{\partial L}{\partial \beta} &= \sum_{i = 1}^{m}\frac{\partial L}{\partial y_i}\frac{\partial y_i}"
        r"{\partial \beta} &&&& (\text{Because gardients add up at forks})\\" "\n"
        r"&= \sum_{i = 1}^{m}\frac{\partial L}{\partial y_i} &&&& (\text{Because }\frac{\partial y_i}{\partial \beta}"
        r" = {WHAT} \text{ from } y_i = \gamma\hat{x}_i + \beta)\\")


@pytest.mark.parametrize("what, verdict", [("1", "ok"), ("0", "wrong")])
def test_a_reasons_formula_is_judged_on_its_row(checker, what, verdict):
    post = "$$\n\\begin{align}\n" + BETA.replace("{WHAT}", what) + "\n\\end{align}\n$$\n"
    found = [(c.line, c.verdict) for c in verify_text(checker, post, "post.md").claims]
    assert (4, verdict) in found and all(v != "wrong" for line, v in found if line != 4), found


def test_large_operators_are_the_operators():
    """\\bigodot and \\bigotimes, as sevenold's and wjddyd66's posts set ⊙ and ⊗ (conv_blind14, sequence_blind_rnn8)."""
    from derive.verify.see_through import see_through
    assert see_through(r"a = b \bigodot c \bigotimes d") == r"a = b \odot c \otimes d"
