"""verify on normalization posts that use letters two ways: z, a batch norm's input in most posts (BN(z),
ẑ = (z − μ)/σ) and its output in others (z = γ n + β, Microsoft's AI-edu), read as either where the post never
normalizes it; a bare δ read as the stabilizer ε only where the post adds one (√(σ² + δ)), never where δ is
the post's upstream error (δ · γ); and a CJK post's full-width comma inside math."""

from __future__ import annotations

import pytest

import derive
from derive.verify import Checker, verify_text

from test_verify_typed_reading import BATCH_NORM


@pytest.fixture(scope="module")
def checker():
    return Checker(derive.derive(derive.load_text(BATCH_NORM)))


def _claims(checker, text: str) -> list[tuple[int, str]]:
    return [(c.line, c.verdict) for c in verify_text(checker, text, "post.md").claims]


BETA = "$$\\frac{\\partial J}{\\partial \\beta} = \\sum_{i=1}^m \\frac{\\partial J}{\\partial z_i}$$"


def test_z_is_the_norms_output_where_the_post_never_normalizes_it(checker):
    found = verify_text(checker, BETA, "post.md").claims
    assert [c.verdict for c in found] == ["ok"] and "z as the layer's output" in found[0].reason


@pytest.mark.parametrize("forward", [
    "$$\\hat{z}_i = \\frac{z_i - \\mu_B}{\\sqrt{\\sigma_B^2 + \\epsilon}}$$",
    "$$\\mu_B = \\frac{1}{m}\\sum_{i=1}^m z_i$$",
    "$$y_i = \\gamma \\hat{z}_i + \\beta$$",
    "$$y = \\mathrm{BN}(z)$$",
])
def test_z_stays_the_input_where_the_post_normalizes_it(checker, forward):
    """Σ_i ∂J/∂z_i with z the input sums to 0 over the batch: ∂J/∂β written so is the classic slip."""
    assert _claims(checker, forward + "\n\n" + BETA)[-1] == (3, "wrong")


MU = ("$$\\frac{\\partial J}{\\partial \\mu_B} = -\\frac{\\delta \\cdot \\gamma}{\\sqrt{\\sigma^2_B + \\epsilon}} - "
      "\\frac{2}{m}\\frac{\\partial J}{\\partial \\sigma^2_B}\\sum_{i=1}^m (x_i - \\mu_B)$$")


def test_a_bare_delta_is_the_stabilizer_only_where_the_post_adds_one(checker):
    """δ · γ: the post's upstream error, left unread where the post never says so (it was read as ε)."""
    found = verify_text(checker, MU, "post.md").claims
    assert [c.verdict for c in found] == ["unchecked"]
    added = "$$\\hat{x}_i = \\frac{x_i - \\mu_B}{\\sqrt{\\sigma_B^2 + \\delta}}$$\n\n"
    assert _claims(checker, added + "$$\\frac{\\partial \\hat{x}_1}{\\partial x_1} = "
                   "\\frac{2}{\\sqrt{\\sigma_B^2 + \\delta}}$$") == [(1, "ok"), (3, "wrong")]


def test_a_full_width_comma_parts_math_as_a_comma_does(checker):
    ascii_comma = "$$\\frac{\\partial J}{\\partial \\beta} = \\sum_{i=1}^m \\frac{\\partial J}{\\partial y_i}, a = b$$"
    assert _claims(checker, ascii_comma.replace(", a", "，a")) == _claims(checker, ascii_comma)
