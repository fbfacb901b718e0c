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


LAYER_NORM = """
title = "layer norm"
[input]
shape = [5]
values = [[0.4, -1.2, 2.1, 0.7, -0.3], [1.1, 0.6, -0.8, -1.9, 0.2]]
[[layers]]
type = "layer_norm"
epsilon = 1e-12
[target]
values = [[0.0, -1.0, 1.5, 0.5, -0.5], [1.0, 0.5, -0.5, -1.5, 0.0]]
[loss]
function = "half_sse"
reduction = "sum"
[training]
learning_rate = 0.1
"""
GRADIENT = ("\\frac{\\partial L}{\\partial x_j} = \\frac{1}{\\sigma}\\left(\\frac{\\partial L}{\\partial y_j} - "
            "\\frac{1}{H}\\left(\\sum_i\\frac{\\partial L}{\\partial y_i} + \\left(\\bm{y}\\cdot"
            "\\frac{\\partial L}{\\partial \\bm{y}}\\right)y_j\\right)\\right)")


def test_a_dot_product_of_two_whole_vectors_beside_a_free_index():
    """Kept from taro137's Zenn note (conv_blind12): y · ∂L/∂y is Σ_k y_k ∂L/∂y_k where the claim reads j."""
    checker = Checker(derive.derive(derive.load_text(LAYER_NORM)))
    forward = "$$\\sigma = \\sqrt{\\frac{1}{H}\\sum_{i=1}^{H}(x_i-\\mu)^2}, \\quad y_i = \\frac{x_i - \\mu}{\\sigma}$$\n\n"
    assert _claims(checker, forward + f"$${GRADIENT}$$")[-1] == (3, "ok")
    assert _claims(checker, forward + f"$${GRADIENT.replace('- ', '+ ', 1)}$$")[-1] == (3, "wrong")


def test_a_one_letter_variable_code_assigns_is_no_longer_the_tables_tensor():
    """a = dy.sum(axis=-1, keepdims=True) (taro137's code, its fences lost): a is the code's own, not the input."""
    checker = Checker(derive.derive(derive.load_text(LAYER_NORM)))
    code = ("a = dy.sum(axis=-1, keepdims=True)\nb = np.einsum('...i,...i->...', y, dy)[..., None]\n"
            "dx = (dy - (a + b * y) / H) / sigma\n")
    assert all(verdict != "wrong" for _, verdict in _claims(checker, code))
    # x, y and the statistics keep their meaning when code assigns them
    assert _claims(checker, "```python\ny = (x - mu) / sigma\n```\n") == [(2, "ok")]


# found in review
def test_a_plain_line_that_assigns_a_letter_does_not_silence_the_claims_below():
    """Only code rebinds a one-letter name, and only with a call on its right (a = dy.sum(…))."""
    checker = Checker(derive.derive(derive.load_text(LAYER_NORM)))
    assert _claims(checker, "$$\\hat{x}_1 = 2 \\frac{x_1 - \\mu}{\\sigma}$$") == [(1, "wrong")]
    assert _claims(checker, "a = x + y\n\n$$\\hat{x}_1 = 2 \\frac{x_1 - \\mu}{\\sigma}$$")[-1] == (3, "wrong")


def test_a_perturbation_is_no_stabilizer(checker):
    """x + δx adds a small change, not ε: the bare δ · γ stays unread."""
    found = verify_text(checker, "$$f(x + \\delta x) \\approx f(x)$$\n\n" + MU, "post.md").claims
    assert found[-1].verdict == "unchecked"


def test_the_papers_calligraphic_batch_label_is_the_batchs(checker):
    """μ_𝓑, σ²_𝓑 as Ioffe and Szegedy write them (hcnoh's notes, conv_blind12)."""
    text = ("$$\\mu_{\\mathcal{B}} = \\frac{1}{m}\\sum_{i=1}^m z_i$$\n\n"
            "$$\\sigma_{\\mathcal{B}}^2 = \\frac{1}{m}\\sum_{i=1}^m(z_i - \\mu_{\\mathcal{B}})^2$$\n\n"
            "$$\\sigma_{\\mathcal{B}}^2 = \\frac{1}{m}\\sum_{i=1}^m(z_i - \\mu_{\\mathcal{B}})$$\n")
    assert [v for _, v in _claims(checker, text)] == ["ok", "ok", "wrong"]


FORWARD_MEAN = "$$\\mu_j = \\frac{1}{m} \\sum_{i=1}^{m} x_{ij}$$\n\n$$y_{ij} = \\gamma_j \\hat{x}_{ij} + \\beta_j$$\n\n"
KRONECKER_CLAIMS = ("$$\\frac{\\partial x_{11}}{\\partial x_{21}} = \\delta_{12}$$\n\n"
                    "$$\\frac{\\partial (x_{11} - \\mu_1)}{\\partial x_{21}} = \\delta_{12} - \\frac{1}{m}$$\n\n")


@pytest.mark.parametrize("definition", ["", "$$\\delta = \\frac{\\partial L}{\\partial y}$$\n\n",
                                        "$$\\delta_i = \\frac{\\partial L}{\\partial y_i}$$\n\n",
                                        "$$\\delta_{ij} = \\frac{\\partial x_i}{\\partial x_j}$$\n\n",
                                        "$$\\frac{\\partial L}{\\partial x} = \\delta^{\\text{in}}$$\n\n"])
def test_kroneckers_delta_in_a_jacobian_of_the_layers_own_tensors(checker, definition):
    """Found in review: δ_{12} is the error's entry where the post makes δ a layer's (δ = ∂L/∂y, δ^{in}), but in
    ∂x_{11}/∂x_{21} = δ_{12}, a Jacobian of the layer's own tensors, it is Kronecker's; δ_{ij} = ∂x_i/∂x_j, a
    derivative of no loss, names Kronecker's δ itself."""
    found = verify_text(checker, FORWARD_MEAN + definition + KRONECKER_CLAIMS, "post.md").claims
    assert [c.verdict for c in found if "delta_{12}" in c.text] == ["ok", "ok"]


SLICED = ("$$y_{i}=Y_{:i}$$\n\n$$\\hat{y} = BN(y) = \\frac{y - \\mu_y}{\\sqrt{\\sigma^2_y + \\epsilon}}$$\n\n"
          "$$\\frac{\\partial L}{\\partial y_{i}} = \\frac{\\partial L}{\\partial\\hat{y}_{i}}"
          "\\frac{\\partial\\hat{y}_{i}}{\\partial y_{i}}$$\n\n")


def test_a_post_that_normalizes_y_and_takes_its_columns(checker):
    """tfjgeorge's matrix-form post (conv_blind17): y = W x is the norm's input (ŷ = BN(y)), BN(y) the post's
    own function (never B·N·y), and y_i = Y_{:i} a whole column, whose chain rule is a vector's, not an entry's."""
    found = verify_text(checker, SLICED, "post.md").claims
    assert "wrong" not in [c.verdict for c in found]
    called = verify_text(checker, "$$\\hat{y}_{11} = BN(y_{11})$$\n", "post.md").claims
    assert [c.verdict for c in called] == ["unchecked"] and "BN(…)" in called[0].reason
    assert any("whole column" in (c.reason or "") for c in found)
    normalized = verify_text(checker, "$$\\hat{y}_{11} = \\frac{y_{11} - \\mu_1}{\\sqrt{\\sigma_1^2 + \\epsilon}}$$\n\n"
                                      "$$\\hat{y}_{11} = y_{11} - \\mu_1$$\n", "post.md").claims
    assert [c.verdict for c in normalized] == ["ok", "wrong"]       # y the input: ŷ = (y - μ)/σ holds


def test_y_stays_the_output_where_a_formula_makes_it_so(checker):
    """Found in review: a prediction ŷ in prose and y - μ somewhere do not make y the input where the post's
    formula sets y = γ x̂ + β; and a row slice x_i = X_{i,:} (an example) leaves x's entries read."""
    text = ("The prediction is $\\hat{y}$, and $\\mu_y$ its mean.\n\n"
            "$$y_{ij} = \\gamma_j \\hat{x}_{ij} + \\beta_j$$\n\n"
            "$$\\frac{\\partial L}{\\partial x_{ij}} = \\frac{\\partial L}{\\partial y_{ij}}$$\n\n"
            "$$\\frac{\\partial L}{\\partial \\beta_j} = \\sum_i \\frac{\\partial L}{\\partial y_{ij}}$$\n")
    assert [c.verdict for c in verify_text(checker, text, "post.md").claims if "partial" in c.text] == ["wrong", "ok"]
    rows = "Each row $x_i = X_{i,:}$ is one example.\n\n" + FORWARD_MEAN
    assert [c.verdict for c in verify_text(checker, rows, "post.md").claims if c.line > 1] == ["ok", "ok"]
