"""Issue 11: align habits of real posts found after the corpus was measured (a worked example with
left-aligned rows, a course note with a column of reasons): each row of an align that starts with
`&` is its own claim, a row `& + b` goes on with the sum of the row above, a last column of words
is the row's reason, and a derivative of a bare function name over a net input or a letter
(\\partial \\sigma / \\partial z) is the function of that name. And two names that the conventions
both read as the target, on one side of a claim (Bishop's y beside t), leave it unchecked."""

import derive
import pytest
from derive.verify import Checker, verify_claim, verify_text


@pytest.fixture(scope="module")
def checker():
    return Checker(derive.derive(derive.load("mazur")))


def verdicts(checker, text):
    return [(c.line, c.verdict) for c in verify_text(checker, text, "post.md", "neuron").claims]


def test_rows_set_flush_left_with_a_leading_ampersand_are_claims(checker):
    text = "\n".join([
        "$$", r"\begin{align*}",
        r"& E_{total} = E_{o1} + E_{o2} \\",
        r"& net_{h1} = w_1 i_1 + w_2 i_2 + b_1 \\",
        r"&= 0.3875 \\",                                 # continues the row above: wrong (0.3775)
        r"& out_{h1} = 0.593269992",
        r"\end{align*}", "$$"])
    assert verdicts(checker, text) == [(3, "ok"), (4, "ok"), (5, "wrong"), (6, "ok")]


def test_a_last_column_of_words_is_the_rows_reason_not_part_of_it(checker):
    text = "\n".join([
        "$$", r"\begin{align*}",
        r"out_{h1} &= 0.593269992 && \text{by the logistic function} \\",
        r"net_{h1} &= 0.3875 & \text{(given)} \\",
        r"& out_{o1} = 0.75136507 & \textrm{(forward pass)}",
        r"\end{align*}", "$$"])
    assert verdicts(checker, text) == [(3, "ok"), (4, "wrong"), (5, "ok")]


@pytest.mark.parametrize("matrix, verdict", [(r"0.15 & 0.20 \\ 0.25 & 0.30", "ok"), (r"0.15 & 0.25 \\ 0.20 & 0.30", "wrong")])
def test_a_matrix_in_a_left_aligned_row_keeps_its_cells(checker, matrix, verdict):
    text = "\n".join(["$$", r"\begin{align*}", rf"& W^{{[1]}} = \begin{{bmatrix}} {matrix} \end{{bmatrix}} \\",
                      r"& b^{[1]} = 0.35", r"\end{align*}", "$$"])
    claims = verify_text(checker, text, "post.md", "layer").claims
    assert [(c.line, c.verdict) for c in claims] == [(3, verdict), (4, "ok")]


def test_a_row_that_goes_on_with_the_sum_above_is_one_claim_with_it(checker):
    text = "\n".join([
        "$$", r"\begin{aligned}",
        r"E_{total} &= \frac{1}{2}(target_{o1} - out_{o1})^2 \\",
        r"&\quad + \frac{1}{2}(target_{o2} - out_{o2})^2 \\",
        r"&= 0.298371109 \\",
        r"& E_{total} = \frac{1}{2}(target_{o1} - out_{o1})^2 \\",
        r"& + \frac{1}{2}(target_{o2} - out_{o2})^2 = 0.398371109",      # wrong: 0.298371109
        r"\end{aligned}", "$$"])
    assert verdicts(checker, text) == [(3, "ok"), (5, "ok"), (6, "wrong")]


def test_a_signed_row_after_a_whole_claim_stays_apart_and_unread(checker):
    text = "\n".join(["$$", r"\begin{align*}", r"& E_{o2} = 0.023560026 \\", r"& - E_{o2} = 0.2", r"\end{align*}", "$$"])
    claims = verify_text(checker, text, "post.md", "neuron").claims
    assert [(c.line, c.verdict) for c in claims] == [(3, "ok"), (4, "unchecked")]
    assert "goes on with the sum above it" in claims[1].reason


def test_a_cases_condition_in_words_keeps_its_ampersand():
    checker = Checker(derive.derive(derive.load("l2")))
    claim = r"\text{relu}'(z) = \begin{cases} 1 & \text{for positive inputs} \\ 0 & \text{otherwise} \end{cases}"
    assert [c.verdict for c in verify_claim(checker, claim, "neuron").claims] == ["ok"]


@pytest.mark.parametrize("claim, verdict", [
    (r"\frac{\partial \sigma}{\partial z} = \sigma(z)(1 - \sigma(z))", "ok"),
    (r"\frac{\partial \sigma}{\partial z} = \sigma(z)(1 + \sigma(z))", "wrong"),
    (r"\frac{d \tanh}{d x} = 1 - \tanh^2(x)", "ok"),
    (r"\frac{\partial \sigma}{\partial net_{o1}} = out_{o1}(1 - out_{o1})", "ok"),
    (r"\frac{\partial \sigma}{\partial net_{o1}} = 0.186815602", "ok"),
    (r"\frac{\partial \sigma}{\partial net_{o1}} = 0.196815602", "wrong"),
    # over a weight, \partial \sigma says not whose output: unread, as before
    (r"\frac{\partial \sigma}{\partial w_5} = out_{o1}(1 - out_{o1}) out_{h1}", "unchecked"),
])
def test_the_derivative_of_a_bare_function_name_is_of_the_name_below_it(checker, claim, verdict):
    assert [c.verdict for c in verify_claim(checker, claim, "neuron").claims] == [verdict]


@pytest.mark.parametrize("claim", [
    r"(y_1 - t_1)^2 + (y_2 - t_2)^2 = 0",             # Bishop's y (the output) beside t (the target)
    r"E_{o1} = \frac{1}{2}(y_1 - target_{o1})^2",
])
def test_two_names_read_as_one_target_leave_the_claim_unchecked_not_zero(checker, claim):
    [found] = verify_claim(checker, claim, "neuron").claims
    assert found.verdict == "unchecked" and "both read as the target" in found.reason


@pytest.mark.parametrize("claim", [r"t_1 = 0.01", r"y_1 = 0.01", r"t_1 = y_1",
                                   r"E_{o1} = \frac{1}{2}(target_{o1} - out_{o1})^2 = \frac{1}{2}(t_{o1} - out_{o1})^2", r"\delta_{o1} = (out_{o1} - t_1) out_{o1}(1 - out_{o1})",
                                   r"E_{o1} = \frac{1}{2}(target_{o1} - out_{o1})^2"])
def test_one_name_for_the_target_is_read_as_before(checker, claim):
    assert [c.verdict for c in verify_claim(checker, claim, "neuron").claims] == ["ok"]
