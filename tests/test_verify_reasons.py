"""A row's reason in parentheses at its end, as Jekyll posts write their derivations: `&&&& (\\text{Because } …)`,
`\\bigg(\\text{since } …\\bigg)`, `(\\text{Taking out constant terms})`; and `\\newline` for a row's end (zaffnet's
and ViviLearns2Code's batch-norm posts, conv_blind15). The reason goes, its formulas too (they may hold only
under its words, and a row of their own would take the `&=` rows below); the row itself is read."""

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
    (r"a = b &&&& (\text{Because } c = d \text{ from } e = f)\\ &= g", ["a = b", "&= g"]),
    (r"a = b \bigg(\text{since } c = (d)\cdot\bigg(\frac{1}{2}\bigg)\bigg)", ["a = b"]),
    (r"a = b \left(\text{since } c = d\right)", ["a = b"]),
    (r"a = b \newline c = d", ["a = b", "c = d"]),
    (r"f(x) = (\text{as } x \to 0)", [r"f(x) = (\text{as } x \to 0)"]),
    (r"y = (\text{mask}) \odot x", [r"y = (\text{mask}) \odot x"]),
    (r"a = b \Bigl(\text{since } c = d\Bigr) + e", [r"a = b \Bigl(\text{since } c = d\Bigr) + e"]),
])
def test_a_reason_is_set_apart_from_its_row(text, rows):
    assert [row.strip() for row in reasons_apart(text).split("\\\\") if row.strip()] == rows


BETA = (r"\frac{\partial L}{\partial \beta} &= \sum_{i = 1}^{m}\frac{\partial L}{\partial y_i}\frac{\partial y_i}"
        r"{\partial \beta} &&&& (\text{Because }\frac{\partial y_i}{\partial \beta} = 1)\\" "\n"
        r"&= {SUM} &&&& (\text{Because gardients add up at forks})\\")


@pytest.mark.parametrize("total, verdict", [(r"\sum_{i = 1}^{m}\frac{\partial L}{\partial y_i}", "ok"),
                                            (r"\frac{\partial L}{\partial y_1}", "wrong")])
def test_the_row_after_a_reason_goes_on_from_the_row_it_follows(checker, total, verdict):
    """The review's case: a reason's formula set on a row of its own had taken the &= row below as its own."""
    post = "$$\n\\begin{align}\n" + BETA.replace("{SUM}", total) + "\n\\end{align}\n$$\n"
    found = [(c.line, c.verdict) for c in verify_text(checker, post, "post.md").claims]
    assert found == [(3, "ok"), (4, verdict)], found
