"""Issue 11: align habits of real posts found after the corpus was measured (a worked example with
left-aligned rows, a course note with a column of reasons): each row of an align that starts with
`&` is its own claim, a last column of words is the row's reason, and a derivative of a bare
function name (\\partial \\sigma / \\partial z) is the function of the name below it."""

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


def test_a_matrix_row_keeps_its_cells(checker):
    # the ampersands of a matrix separate its cells: none is taken for an align's
    report = verify_claim(checker, r"W^{[1]} = \begin{bmatrix} 0.15 & 0.20 \\ 0.25 & 0.30 \end{bmatrix}", "layer")
    assert [c.verdict for c in report.claims] == ["ok"]
    report = verify_claim(checker, r"W^{[1]} = \begin{bmatrix} & 0.20 \\ 0.25 & 0.30 \end{bmatrix}", "layer")
    assert [c.verdict for c in report.claims] != ["ok"]


@pytest.mark.parametrize("claim, verdict", [
    (r"\frac{\partial \sigma}{\partial z} = \sigma(z)(1 - \sigma(z))", "ok"),
    (r"\frac{\partial \sigma}{\partial z} = \sigma(z)(1 + \sigma(z))", "wrong"),
    (r"\frac{d \tanh}{d x} = 1 - \tanh^2(x)", "ok"),
    (r"\frac{\partial \sigma}{\partial net_{o1}} = out_{o1}(1 - out_{o1})", "ok"),
    (r"\frac{\partial \sigma}{\partial net_{o1}} = 0.186815602", "ok"),
    (r"\frac{\partial \sigma}{\partial net_{o1}} = 0.196815602", "wrong"),
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


@pytest.mark.parametrize("claim", [r"t_1 = 0.01", r"y_1 = 0.01", r"\delta_{o1} = (out_{o1} - t_1) out_{o1}(1 - out_{o1})",
                                   r"E_{o1} = \frac{1}{2}(target_{o1} - out_{o1})^2"])
def test_one_name_for_the_target_is_read_as_before(checker, claim):
    assert [c.verdict for c in verify_claim(checker, claim, "neuron").claims] == ["ok"]
