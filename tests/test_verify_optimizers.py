"""verify and the optimizer rows: derive's own documents of every optimizer verify in the unit
notations, every claim read; a post's Adam or RMSProp written wrong is caught, by the row."""

from __future__ import annotations

import functools
import re

import pytest

import derive
from derive.rules.optimizers import OPTIMIZERS
from derive.verify import Checker, verify_text
from test_optimizer_documents import spec_for

FORMATS = {"markdown": "post.md", "latex": "article.tex", "beamer": "slides.tex"}


@functools.cache
def result(name: str) -> derive.Result:
    return derive.derive(derive.from_dict(spec_for(name)))


def verdicts(name: str, text: str, fmt: str = "markdown", notation: str | None = None):
    return verify_text(Checker(result(name)), text, FORMATS[fmt], notation=notation)


def _given_figure_after_the_step(claim, name: str) -> bool:
    """A known limit of verify, not of the optimizer rows: Adam moves a parameter by about the
    learning rate, so its value after the step can print as a number the spec gives (0.2 - 0.1 =
    0.100000065, printed 0.1); verify reads a given number as copied exactly, or, when it is
    another parameter's, as the post numbering its weights its own way."""
    given = {abs(v) for v in _numbers(spec_for(name))}
    last_side = claim.text.rsplit("=", 1)[-1]
    figures = [abs(float(x)) for x in re.findall(r"-?\d+\.?\d*", last_side)]
    is_step = "^{+}" in claim.text or r"- \eta" in claim.text
    return is_step and bool(figures) and any(f in given for f in figures)


def _numbers(tree) -> list[float]:
    """Every number a spec mapping gives."""
    if isinstance(tree, dict):
        return [v for value in tree.values() for v in _numbers(value)]
    if isinstance(tree, list):
        return [v for value in tree for v in _numbers(value)]
    return [float(tree)] if isinstance(tree, (int, float)) and not isinstance(tree, bool) else []


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("notation", ["neuron", "index"])
@pytest.mark.parametrize("name", [n for n in OPTIMIZERS if n != "sgd"])
def test_every_claim_of_an_optimizers_document_verifies(name, notation, fmt):
    report = verdicts(name, derive.render(result(name), fmt, notation), fmt)
    problems = [f"{c.line}: {c.verdict}: {c.text[:120]} ({c.reason})" for c in report.claims
                if c.verdict != "ok" and not _given_figure_after_the_step(c, name)]
    assert problems == []
    assert report.notation == notation
    assert report.summary["ok"] >= 40


@pytest.mark.parametrize("name", [n for n in OPTIMIZERS if n != "sgd"])
def test_the_matrix_document_verifies_squares_roots_and_quotients_entry_by_entry(name):
    """The layer notation's g^2, sqrt(v) and m / (sqrt(v) + eps) of matrices are entry by entry;
    only a matrix shown by its corners (\\cdots for the entries a table gives) is not read."""
    report = verdicts(name, derive.render(result(name), "markdown", "layer"))
    wrong = [c for c in report.claims if c.verdict == "wrong" and not _given_figure_after_the_step(c, name)]
    assert wrong == []
    unread = [c.text[:80] for c in report.claims if c.verdict == "unchecked" and "\\cdots" not in c.text]
    assert unread == []
    assert report.summary["ok"] >= 20


ADAM_CLAIMS = [
    (r"m_t = \beta_1 m_{t-1} + \left(1 - \beta_1\right) g_t", "ok"),
    (r"v_t = \beta_2 v_{t-1} + \left(1 - \beta_2\right) g_t", "wrong"),          # the square forgotten
    (r"v_t = \beta_2 v_{t-1} + \left(1 - \beta_2\right) g_t^2", "ok"),
    (r"\hat{m}_t = \frac{m_t}{1 - \beta_1^{t}}", "ok"),
    (r"w_t = w_{t-1} - \eta \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}", "ok"),
    (r"w_t = w_{t-1} - \eta \frac{m_t}{\sqrt{v_t} + \epsilon}", "wrong"),          # no bias correction
    (r"w_t = w_{t-1} - \eta \frac{\hat{m}_t}{\hat{v}_t + \epsilon}", "wrong"),     # no square root
    (r"\beta_1 = 0.8", "ok"),
    (r"\beta_2 = 0.99", "wrong"),
    (r"m_0 = 0", "ok"),
]


@pytest.mark.parametrize("claim, verdict", ADAM_CLAIMS)
def test_a_posts_adam_is_judged_by_the_row(claim, verdict):
    report = verdicts("adam", f"$${claim}$$\n", notation="neuron")
    assert [c.verdict for c in report.claims] == [verdict], report.claims


def test_a_parameters_state_after_the_first_step_is_judged_by_its_gradient():
    numbers = result("adam").values
    g = numbers.gradients.weights[0][0, 0]
    right, wrong = (1 - 0.8) * g, (1 - 0.9) * g            # beta1 = 0.8 in this spec
    report = verdicts("adam", f"$$m^{{(1)}}_{{w_{{1}}}} = {right:.6f}$$\n\n$$m^{{(1)}}_{{w_{{1}}}} = {wrong:.6f}$$\n",
                      notation="neuron")
    assert [c.verdict for c in report.claims] == ["ok", "wrong"]


def test_rmsprops_alpha_is_its_own_and_not_the_learning_rate():
    report = verdicts("rmsprop", "$$\\alpha = 0.9$$\n\n$$\\eta = 0.1$$\n", notation="neuron")
    assert [c.verdict for c in report.claims] == ["ok", "ok"]
