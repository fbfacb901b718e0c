"""derive verify on the gradients by a post's own names (issue 15, point 5): softmax broken into steps the post
names (B_1 = exp(S), B_2 = B_1 1_n, B_3 = B_2⁻¹, B_4 = B_3 1ᵀ) and written as A = B_1 ⊙ B_4; ∂L/∂B_k then
runs through those definitions. PyTorch, given derive's S and ∂L/∂A, is the oracle for the two-path ∂L/∂B_1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import derive
from derive.verify import Checker, verify_text
from derive.verify.sequence.world import world

SPEC = Path(__file__).parent / "posts" / "sequence_attention" / "markusheimerl_gpt_attention_readme" / "spec.toml"

NAMES = "\n".join([
    r"Let $S = \frac{QK^T}{\sqrt{d_k}}$, $A = softmax(S)$ and $O = AV$.",
    "",
    r"$$A = B_1 \odot B_4$$",
    "",
    r"Where $B_1 = exp(S)$, $B_2 = B_1\bold{1_n}$, $B_3 = B_2^{-1}$, and $B_4 = B_3\bold{1_n^T}$.",
    "",
])


@pytest.fixture(scope="module")
def checker():
    return Checker(derive.derive(derive.load(SPEC)))


def _verdicts(checker, *claims: str) -> list[str]:
    post = NAMES + "\n".join(f"$${claim}$$\n" for claim in claims)
    found = verify_text(checker, post, "post.md").claims
    return [c.verdict for c in found if c.line > NAMES.count("\n")]


@pytest.mark.parametrize("claim, verdict", [
    (r"\frac{\partial L}{\partial B_4} = B_1 \odot \frac{\partial L}{\partial A}", "ok"),
    (r"\frac{\partial L}{\partial B_4} = B_4 \odot \frac{\partial L}{\partial A}", "wrong"),
    (r"\frac{\partial L}{\partial B_3} = (B_1 \odot \frac{\partial L}{\partial A})\bold{1_n}", "ok"),
    (r"\frac{\partial L}{\partial B_2} = -(B_2 \odot B_2)^{-1} \odot ((B_1 \odot \frac{\partial L}{\partial A})"
     r"\bold{1_n})", "ok"),
    (r"\frac{\partial L}{\partial B_2} = (B_2 \odot B_2)^{-1} \odot ((B_1 \odot \frac{\partial L}{\partial A})"
     r"\bold{1_n})", "wrong"),
    # the two paths to B_1 accumulated, and one of them alone
    (r"\frac{\partial L}{\partial B_1} = \frac{\partial L}{\partial B_2}\bold{1_n^T} + "
     r"\frac{\partial L}{\partial A} \odot B_4", "ok"),
    (r"\frac{\partial L}{\partial B_1} = \frac{\partial L}{\partial A} \odot B_4", "wrong"),
])
def test_a_gradient_by_a_post_s_own_name_runs_through_its_definitions(checker, claim, verdict):
    assert _verdicts(checker, claim) == [verdict]


def test_the_two_path_gradient_is_pytorchs(checker):
    """∂L/∂B_1 written out from PyTorch's backward through the same steps, from derive's S and ∂L/∂A."""
    torch = pytest.importorskip("torch")
    found = world(derive.load(SPEC))
    scores, upstream = found.lookup("S")[0], found.lookup("d:A")[0]
    b1 = torch.tensor(np.exp(scores), dtype=torch.float64, requires_grad=True)
    ones = torch.ones((scores.shape[1], 1), dtype=torch.float64)
    b4 = (1.0 / (b1 @ ones)) @ ones.T
    (b1 * b4).backward(torch.tensor(upstream, dtype=torch.float64))
    rows = r" \\ ".join(" & ".join(f"{value:.12f}" for value in row) for row in b1.grad.numpy())
    assert _verdicts(checker, rf"\frac{{\partial L}}{{\partial B_1}} = \begin{{bmatrix}} {rows} \end{{bmatrix}}") \
        == ["ok"]


def test_a_name_the_post_writes_no_quantity_in_is_not_read(checker):
    post = "$$C_1 = exp(S)$$\n\n$$\\frac{\\partial L}{\\partial C_1} = C_1$$\n"
    claims = verify_text(checker, post, "post.md").claims
    assert [c.verdict for c in claims if c.line == 3] == ["unchecked"]


CARRIED = "\n".join([
    r"Let $S = \frac{QK^\top}{\sqrt{d_k}}$ and $Q = X W_q$.",
    "",
    r"$$\frac{\partial L}{\partial Q} = \frac{\partial L}{\partial S} K$$",                 # 3: 1/√d_k dropped
    "",
    r"$$\frac{\partial L}{\partial W_q} = X^\top \frac{\partial L}{\partial Q}$$",          # 5: carries line 3
    "",
    r"$$\frac{\partial L}{\partial Q} = \frac{\partial L}{\partial S} K / \sqrt{d_k}$$",   # 7: stated rightly
    "",
    r"$$\frac{\partial L}{\partial W_q} = X^\top \frac{\partial L}{\partial Q}$$",          # 9: right again
    "",
])


def test_a_formula_right_in_form_carries_an_earlier_wrong_gradient(checker):
    """Xᵀ ∂L/∂Q holds for the true ∂L/∂Q; with the post's own (line 3) it does not: wrong, carrying line 3, as a
    figure computed from a wrong figure is. Once the post states ∂L/∂Q rightly, the lines below take that one."""
    claims = {c.line: c for c in verify_text(checker, CARRIED, "post.md").claims}
    assert [(line, claims[line].verdict, claims[line].carries) for line in (3, 5, 7, 9)] == \
        [(3, "wrong", None), (5, "wrong", 3), (7, "ok", None), (9, "ok", None)]
    assert "carries the error from line 3" in claims[5].reason


def test_a_gradient_stated_rightly_before_its_slip_is_not_carried(checker):
    """∂L/∂Q = ∂L/∂S K/√d_k, then ∂L/∂Q = ∂L/∂S K: the post has said both, so which one a later line uses is
    open, and Xᵀ ∂L/∂Q is judged as written."""
    lines = CARRIED.split("\n")
    both = "\n".join(lines[:2] + [lines[6], "", lines[2], "", lines[4], ""])
    claims = {c.line: c.verdict for c in verify_text(checker, both, "post.md").claims}
    assert [claims[line] for line in (3, 5, 7)] == ["ok", "wrong", "ok"]
