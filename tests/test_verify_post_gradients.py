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
