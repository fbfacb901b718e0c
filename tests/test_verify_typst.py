"""A post written in Typst (verify/typst_regions.py, read through pandoc's Typst reader), and the habits of
batch-norm posts in Ng's notation it brought in: the sample as a label in parentheses (x^{(k)}_j), a sum's
range written as bounds (Σ_{1≤k≤B}), `: =` for a definition, a = b ⇒ c = d as two claims, and a row that
goes on (&= …) from a first row verify cannot read. Right forms are ok, each slip is wrong; --annotate and --fix
mark a Typst post with Typst's own comments."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

import derive
from derive.verify import Checker, verify_text
from derive.verify.fix import fix
from derive.verify.output import annotate
from derive.verify.reader import read
from derive.verify.regions import scan
from derive.verify.typst_regions import is_typst, typst_comment

SPEC = """
title = "batch norm over five samples of three features"
[input]
shape = [3]
values = [[1.2, -0.4, 0.7], [0.3, 1.5, -1.1], [-0.8, 0.2, 0.4], [2.0, -1.3, 1.6], [0.5, 0.9, -0.2]]
[[layers]]
type = "batch_norm"
epsilon = 1e-8
gamma = [0.9, 1.3, 0.6]
beta = [0.2, -0.1, 0.4]
[target]
values = [[1.0, -0.5, 0.5], [0.0, 1.5, -1.0], [-1.0, 0.0, 0.5], [1.5, -1.5, 1.5], [0.5, 1.0, 0.0]]
[loss]
function = "half_sse"
reduction = "sum"
[training]
learning_rate = 0.1
"""

TYPST = """= Batch normalization
Write $u^((i))_j colon= x^((i))_j - mu_j$ for the deviation.
$
  mu_j &= 1/B sum_(1<=k<=B) x^((k))_j\\
  sigma^2_j &= 1/B sum_(1<=k<=B) (u^((k))_j)^2\\
  z^((i))_j &= u^((i))_j / sigma_j\\
  y^((i))_j &= gamma_j z^((i))_j + beta_j\\
$
// a comment with $dollars$ is no math
$
  (partial cal(L))/(partial gamma_j) &= sum_(1<=k<=B) (partial cal(L))/(partial y^((k))_j) z^((k))_j\\
  (partial cal(L))/(partial beta_j) &= sum_(1<=k<=B) (partial cal(L))/(partial y^((k))_j) z^((k))_j\\
  mu_j = 1/B sum_(1<=k<=B) x^((k))_j quad &=> quad (partial mu_j)/(partial x^((i))_j) = 1/B\\
  (partial cal(L))/(partial mu_j) &= - 1/sigma_j sum_(1<=k<=B) (partial cal(L))/(partial z^((k))_j)\\
  sigma_j &= 1/B sum_(1<=k<=B) (u^((k))_j)^2\\
$
"""


@pytest.fixture(scope="module")
def checker():
    return Checker(derive.derive(derive.load_text(SPEC)))


def test_a_typst_post_is_told_from_markdown_by_its_math():
    assert is_typst(TYPST) and is_typst("", "notes.typ")
    assert not is_typst(r"$$\sum_k x_k$$ and $\sigma$") and not is_typst("$x_1 = 2$ costs $3")


def test_each_row_of_a_typst_display_keeps_its_line():
    regions = scan(TYPST)
    assert [r.line for r in regions] == [2, 3, 10]
    rows = regions[1].text.split("\n")
    assert rows[0] == "" and rows[1].startswith(r"\mu_{j} & = \frac{1}{B}\sum_{1 \leq k \leq B}x_{j}^{(k)}")
    assert regions[2].text.count("\n") == 5       # five rows, each on the line the post wrote it


def test_every_claim_of_a_typst_batchnorm_post_is_judged_at_its_line(checker):
    found = [(c.line, c.verdict) for c in verify_text(checker, TYPST, "post.typ").claims]
    assert found == [(4, "ok"), (5, "ok"), (6, "ok"), (7, "ok"), (11, "ok"), (12, "wrong"),
                     (13, "ok"), (13, "ok"), (14, "ok"), (15, "wrong")]


@pytest.mark.parametrize("written, low, high", [
    (r"\sum_{1 \leq k \leq B} x_k", "k=1", "B"),
    (r"\sum_{0 \le k < N} x_k", "k=0", "N-1"),
    (r"\sum_{1 < k \le N} x_k", "k=1+1", "N"),
])
def test_a_sum_written_between_bounds_is_a_range(written, low, high):
    total = read(written)[0].chain.sides[0]
    assert (total.sub.text, total.sup.text) == (low, high)


@pytest.mark.parametrize("written", [r"u : = x - \mu", r"u \coloneqq x - \mu", r"u \colon= x - \mu"])
def test_a_colon_equals_however_spaced_defines(written):
    assert read(written)[0].chain.relations == (":=",)


def test_tex_forms_of_the_same_habits(checker):
    post = "\n\n".join([
        r"$$z_j^{(i)} = \frac{x_j^{(i)} - \mu_j}{\sigma_j}, \quad y_j^{(i)} = \gamma_j z_j^{(i)} + \beta_j,"
        r" \quad \mu_j = \frac{1}{B} \sum_{1 \le k \le B} x_j^{(k)}$$",
        r"$$\frac{\partial \mathcal{L}}{\partial \mu_j} = \left\lbrack -\frac{1}{\sigma_j} \right\rbrack "
        r"\sum_{1 \leq k \leq B} \frac{\partial \mathcal{L}}{\partial z_j^{(k)}}$$",
        r"$$\frac{\partial \mathcal{L}}{\partial \mu_j} = \frac{1}{\sigma_j} "
        r"\sum_{1 \leq k \leq B} \frac{\partial \mathcal{L}}{\partial z_j^{(k)}}$$"])
    assert [(c.line, c.verdict) for c in verify_text(checker, post, "post.md").claims] == \
        [(1, "ok"), (1, "ok"), (1, "ok"), (3, "ok"), (5, "wrong")]


def test_rows_that_go_on_from_an_unread_first_row_are_not_joined_to_the_claim_above(checker):
    post = "\n".join([
        r"$$\begin{aligned}",
        r"\frac{\partial \mu_j}{\partial x_j^{(i)}} &= \frac{1}{B} \\",
        r"\frac{\partial \mathcal{L}}{\partial x_j^{(i)}} &= \left. \frac{\partial z}{\partial u} \right|_{\text{direct}} \\",
        r"&= \frac{\partial \mathcal{L}}{\partial u_j^{(i)}} + \frac{1}{B} \sum_{1 \leq k \leq B} x_j^{(k)}",
        r"\end{aligned}$$"])
    claims = [(c.line, c.verdict) for c in verify_text(checker, post, "post.md").claims]
    assert (2, "ok") in claims and not any(line == 4 for line, _ in claims)


def test_marks_in_a_typst_post_are_typst_comments(checker):
    post = TYPST + "\nThe first feature's mean is $mu_1 = 0.7$.\n"
    report = verify_text(checker, post, "post.typ")
    marked = annotate(post, report, "post.typ")
    assert "$ /* derive: ✓ (4 claims) */" in marked and "<!--" not in marked and "*derive" not in marked
    fixed, changes = fix(post, report, "post.typ")
    assert "$mu_1 = 0.6$" in fixed and fixed.count("/* derive: wrong:") == 2
    assert typst_comment("a */ b /* c") == " /* a * / b / * c */"

TYPST_PIECES = st.sampled_from(["$", "x", "_", "^", "(", ")", "\\", "\n", " ", "partial", "sum_(k=1)^B", "/", "//", "`",
                                "\\$", "=", "&", "1/B", "bold(", "cal(L)", "#let", "\"", "*", "[", "]", "mu_j"])


@settings(max_examples=40, deadline=None)
@given(st.lists(TYPST_PIECES, max_size=40).map("".join))
def test_any_typst_text_is_read_or_refused_in_one_line_and_keeps_its_lines(text):
    """Whatever the text, scanning it either gives regions inside it, each row on a line of the region, or a
    one-line DeriveError; never another exception."""
    try:
        regions = scan(text, "post.typ")
    except derive.DeriveError as error:
        assert "\n" not in str(error)
        return
    for region in regions:
        assert 0 <= region.start < region.end <= len(text) and text[region.start] == "$" == text[region.end - 1]
        assert region.text.count("\n") <= text.count("\n", region.start, region.end)
