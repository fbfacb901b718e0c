"""verify on normalization posts: backpropagation's δ_i as the error at the layer's output, a case's part
of a gradient, a Jacobian written without indices, and a chain written over several lines judged at
each line (issue 14, point 5)."""

from __future__ import annotations

import derive
from derive.verify import Checker, verify_text

BATCH_NORM = """
title = "batch norm"
[input]
shape = [3]
values = [[1.2, -0.5, 2.0], [0.3, 0.8, -1.1], [-0.7, 1.5, 0.4], [2.1, 0.1, 0.9]]
[[layers]]
type = "batch_norm"
epsilon = 1e-5
gamma = [1.5, 0.8, -0.6]
beta = [0.2, -0.3, 0.5]
[target]
values = [[1.0, 0.0, 0.5], [0.0, 0.5, 1.0], [-0.5, 1.0, 0.0], [2.0, -0.5, 0.5]]
[loss]
function = "half_sse"
reduction = "sum"
[training]
learning_rate = 0.1
"""

FORWARD = ("$$\\mu_j = \\frac{1}{m} \\sum_{i=1}^{m} x_{ij}$$\n\n"
           "$$y_{ij} = \\gamma_j \\hat{x}_{ij} + \\beta_j$$\n\n")


def _claims(text: str) -> list[tuple[int, str]]:
    checker = Checker(derive.derive(derive.load_text(BATCH_NORM)))
    return [(c.line, c.verdict) for c in verify_text(checker, text, "post.md").claims]


def _reasons(text: str) -> list[str]:
    checker = Checker(derive.derive(derive.load_text(BATCH_NORM)))
    return [c.reason or "" for c in verify_text(checker, text, "post.md").claims]


def test_a_delta_with_one_index_is_the_error_at_the_layers_output():
    """δ_i, never defined, stands for ∂L/∂y_i (Kronecker's δ has two indices): Σ_i δ_i x̂_i is ∂L/∂γ,
    Σ_i δ_i is ∂L/∂β, and Σ_i δ_i x_i is neither."""
    text = FORWARD + ("$$\\frac{\\partial L}{\\partial \\gamma} = \\sum_{i=1}^m \\delta_i \\hat{x}_i$$\n\n"
                      "$$\\frac{\\partial L}{\\partial \\beta} = \\sum_{i=1}^m \\delta_i$$\n\n"
                      "$$\\frac{\\partial L}{\\partial \\gamma} = \\sum_{i=1}^m \\delta_i x_i$$\n")
    assert _claims(text)[2:] == [(5, "ok"), (7, "ok"), (9, "wrong")]


def test_kroneckers_delta_keeps_its_two_indices():
    """δ_{ij}, and δ_j^i written with one index above, are Kronecker's: 1 where i = j."""
    text = FORWARD + ("$$\\frac{\\partial x_{ij}}{\\partial x_{kj}} = \\delta_{ik}$$\n\n"
                      "$$\\frac{\\partial x_{ij}}{\\partial x_{kj}} = \\delta_i^k$$\n")
    assert _claims(text)[2:] == [(5, "ok"), (7, "ok")]


def test_a_gradient_stated_for_one_case_is_that_cases_part_of_a_sum():
    """After "For j = i", ∂L/∂x_i = (the j = i term) is one term of the sum over j: not judged; the
    local partial in the same case is."""
    text = FORWARD + ("For j = i\n\n"
                      "$$\\frac{\\partial L}{\\partial x_i} = \\delta_i \\gamma \\frac{m - 1}{m \\sigma}$$\n\n"
                      "For j != i\n\n"
                      "$$\\frac{\\partial L}{\\partial x_i} = \\sum_{i \\ne j} \\delta_j \\gamma \\frac{-1}{m\\sigma}$$\n")
    claims, reasons = _claims(text)[2:], _reasons(text)[2:]
    assert claims == [(7, "unchecked"), (11, "unchecked")]
    assert reasons[0].startswith("stated for j = i, it is that case's part of the sum over j")
    assert reasons[1].startswith("stated for j ≠ i, it is that case's part of the sum over j")


def test_a_jacobian_written_without_indices_is_read_in_whole_vectors():
    """∂L/∂x = ∂y/∂x ∂L/∂y hides a sum over y's entries: it is read as a Jacobian times a vector (in
    either layout), never entry by entry; the sum left out (∂L/∂y alone) is wrong."""
    text = FORWARD + "$$\\frac{\\partial L}{\\partial x} = \\frac{\\partial y}{\\partial x} \\frac{\\partial L}{\\partial y}$$\n"
    assert _claims(text)[2:] == [(5, "ok")]
    assert _reasons(text)[2].startswith("read in whole vectors")
    assert _claims(FORWARD + "$$\\frac{\\partial L}{\\partial x} = \\frac{\\partial L}{\\partial y}$$\n")[2:] == \
        [(5, "wrong")]


def test_a_chain_over_several_lines_is_judged_at_each_line():
    """Each line that starts a link is a claim at that line: the right links ok, the wrong one wrong
    where it is written, a link after it judged from the first side."""
    chain = ("\\[\n\\frac{\\partial L}{\\partial \\beta_j}\n"
             "  = \\sum_{i=1}^{m} \\frac{\\partial L}{\\partial y_{ij}}\n"
             "  = \\sum_{i=1}^{m} \\frac{\\partial L}{\\partial y_{ij}} \\hat{x}_{ij}\n"
             "  = \\sum_{i=1}^{m} \\frac{\\partial L}{\\partial y_{ij}}\n\\]\n")
    claims = _claims(FORWARD + chain)[2:]
    assert claims == [(7, "ok"), (8, "wrong"), (9, "ok")]
    right = chain.replace("\\hat{x}_{ij}", "")
    assert _claims(FORWARD + right)[2:] == [(6, "ok"), (7, "ok"), (8, "ok"), (9, "ok")]


STAGED_CODE = """```python
mu = 1./N * np.sum(x, axis = 0)
xmu = x - mu
var = 1./N * np.sum(xmu ** 2, axis = 0)
sqrtvar = np.sqrt(var + eps)
ivar = 1./sqrtvar
xhat = xmu * ivar
dbeta = np.sum(dout, axis=0)
dgamma = np.sum(dout*xhat, axis=0)
dxhat = dout * gamma
divar = np.sum(dxhat*xmu, axis=0)
dxmu1 = dxhat * ivar
dsqrtvar = -1. /(sqrtvar**2) * divar
dvar = 0.5 * 1. /np.sqrt(var+eps) * dsqrtvar
dx1 = dxmu1 + 2 * xmu * dvar / N
dx = (1. / N) * gamma * (var + eps)**(-1. / 2.) * (N * dout - np.sum(dout, axis=0) - (x - mu) * (var + eps)**(-1.0) * np.sum(dout * (x - mu), axis=0))
```
"""


def test_a_batchnorm_posts_numpy_code_is_read_line_by_line():
    """The staged backward in NumPy (np.sum(·, axis=0), np.sqrt, x**2, the post's own names xmu, ivar,
    sqrtvar, divar): each line a claim; dx1, dxmu1 are identifiers of their own, not dx at the entry 1."""
    assert _claims(STAGED_CODE) == [(2, "ok"), (4, "ok"), (5, "ok"), (7, "ok"), (8, "ok"), (9, "ok"),
                                    (10, "ok"), (13, "ok"), (14, "ok"), (16, "ok")]


def test_slips_in_numpy_code_are_wrong():
    """The sum over the wrong axis, a sign lost, and a term too many."""
    slips = {"dbeta = np.sum(dout, axis=0)": "dbeta = np.sum(dout, axis=1)",
             "dsqrtvar = -1. /(sqrtvar**2) * divar": "dsqrtvar = 1. /(sqrtvar**2) * divar",
             "dgamma = np.sum(dout*xhat, axis=0)": "dgamma = np.sum(dout*xhat, axis=0) + 1"}
    for right, wrong in slips.items():
        line = STAGED_CODE.splitlines().index(right) + 1
        assert (line, "wrong") in _claims(STAGED_CODE.replace(right, wrong)), wrong


def test_a_name_defined_in_terms_of_itself_is_unread_not_a_crash():
    """p = x + 1, q = 2p, then p = q - 1: p is read as q - 1, and q as 2p, with no end (it once ran
    out of Python's stack); a claim that reads p is unchecked, and says why."""
    text = ("$$p = x + 1$$\n\n$$q = 2 p$$\n\n$$p = q - 1$$\n\n"
            "$$\\frac{\\partial L}{\\partial \\beta_j} = p$$\n")
    checker = Checker(derive.derive(derive.load_text(BATCH_NORM)))
    claims = verify_text(checker, text, "post.md").claims
    assert [(c.line, c.verdict, c.reason) for c in claims if c.line == 7] == \
        [(7, "unchecked", "p is defined in terms of itself")]


def test_greek_index_letters_in_a_conv_post():
    """Kernel offsets written α, β (Σ_{α,β}, X_{i+α, j+β}) or run together (W_{\\mu\\nu}) are index letters
    like i and j: the kernel's gradient reads, and the offsets swapped are wrong."""
    from pathlib import Path
    spec = Path(__file__).parent / "posts" / "conv" / "bishwarup307_convnet_backprop" / "spec.toml"
    checker = Checker(derive.derive(derive.load(spec)))

    def verdict(formula: str) -> str:
        return [c.verdict for c in verify_text(checker, f"$${formula}$$\n", "post.md").claims][0]
    right = "\\frac{\\partial L}{\\partial W_{\\alpha,\\beta}} = \\sum_{i,j} \\frac{\\partial L}{\\partial Z_{i,j}} X_{i+\\alpha, j+\\beta}"
    assert verdict(right) == "ok"
    assert verdict(right.replace("\\alpha,\\beta}}", "\\mu\\nu}}").replace("i+\\alpha, j+\\beta", "i+\\mu, j+\\nu")) == "ok"
    assert verdict(right.replace("i+\\alpha, j+\\beta", "i+\\beta, j+\\alpha")) == "wrong"


def test_of_two_images_convolved_either_may_slide():
    """dW = X * dZ and dW = dZ * X: posts write the two images in either order; a kernel's operand (dX =
    dZ * rot180(W)) still slides, so the missing rotation is still named."""
    from pathlib import Path
    spec = Path(__file__).parent / "posts" / "conv" / "bishwarup307_convnet_backprop" / "spec.toml"
    checker = Checker(derive.derive(derive.load(spec)))

    def claim(formula: str):          # after the post's forward, which says * is a correlation
        return verify_text(checker, f"$$Z = X * W$$\n\n$${formula}$$\n", "post.md").claims[1]
    dz = "\\frac{\\partial L}{\\partial Z}"
    assert claim(f"\\frac{{\\partial L}}{{\\partial W}} = X * {dz}").verdict == "ok"
    assert claim(f"\\frac{{\\partial L}}{{\\partial W}} = {dz} * X").verdict == "ok"
    missing = claim(f"\\frac{{\\partial L}}{{\\partial X}} = {dz} * W")
    assert missing.verdict == "wrong" and "rotation of the kernel is missing" in missing.reason


LAYER_NORM = """
title = "layer norm, one sample"
[input]
shape = [5]
values = [[0.4, -1.1, 2.0, 0.7, -0.3]]
[[layers]]
type = "layer_norm"
epsilon = 1e-5
gamma = [1.3, 0.7, 1.1, 0.9, 1.2]
beta = [-0.4, 0.1, 0.2, 0.0, 0.3]
[target]
values = [[0.0, -1.0, 1.5, 0.5, 0.0]]
[loss]
function = "half_sse"
reduction = "sum"
[training]
learning_rate = 0.1
"""
DX_HAT = "\\frac{\\partial L}{\\partial \\hat{x}}"


def _vector_verdicts(formulas: list[str]) -> list[tuple[str, str]]:
    checker = Checker(derive.derive(derive.load_text(LAYER_NORM)))
    return [(c.verdict, c.reason or "") for formula in formulas
            for c in verify_text(checker, f"$${formula}$$\n", "post.md").claims]


def test_layer_norm_in_matrix_calculus():
    """I, 1 1ᵀ, x̂ x̂ᵀ, the Jacobian ∂x̂/∂x (either layout) and 1ᵀ g (a number, subtracted from every entry):
    the right forms are ok, a dropped or a sign-flipped term wrong."""
    jacobian = "\\frac{1}{\\sigma}\\left(I - \\frac{1}{N}\\mathbf{1}\\mathbf{1}^T - \\frac{1}{N}\\hat{x}\\hat{x}^T\\right)"
    found = _vector_verdicts([
        f"\\frac{{\\partial \\hat{{x}}}}{{\\partial x}} = {jacobian}",
        f"\\frac{{\\partial L}}{{\\partial x}} = {jacobian}{DX_HAT}",
        f"\\frac{{\\partial L}}{{\\partial x}} = \\frac{{\\partial \\hat{{x}}}}{{\\partial x}}^T {DX_HAT}",
        f"\\frac{{\\partial L}}{{\\partial x}} = \\frac{{1}}{{\\sigma}}\\left({DX_HAT} - \\frac{{1}}{{N}}\\mathbf{{1}}^T{DX_HAT}"
        f" - \\frac{{1}}{{N}}\\hat{{x}}\\,\\hat{{x}}^T{DX_HAT}\\right)",
        "\\frac{\\partial \\hat{x}}{\\partial x} = \\frac{1}{\\sigma}\\left(I - \\frac{1}{N}\\hat{x}\\hat{x}^T\\right)",
        f"\\frac{{\\partial L}}{{\\partial x}} = \\frac{{1}}{{\\sigma}}\\left({DX_HAT} - \\frac{{1}}{{N}}\\mathbf{{1}}^T{DX_HAT}"
        f" + \\frac{{1}}{{N}}\\hat{{x}}\\,\\hat{{x}}^T{DX_HAT}\\right)",
    ])
    assert [verdict for verdict, _ in found] == ["ok", "ok", "ok", "ok", "wrong", "wrong"], found
    assert found[0][1] == "read in whole vectors (numerator layout)"
    assert "in either layout of the Jacobian" in found[4][1]


def test_a_transpose_is_never_a_layer_label_or_a_power():
    """x̂ᵀ once read as x̂ of a layer T (a letter above a name): x̂ᵀ g is a number, not g entry by entry."""
    found = _vector_verdicts([f"\\frac{{\\partial L}}{{\\partial \\gamma}} = \\hat{{x}}^T {DX_HAT}"])
    assert found[0][0] != "ok", found


def test_capitals_run_together_and_gamma_before_a_matrix():
    """ZZ^T (Z times Zᵀ, Z the post's own x̂), + 1 as the matrix of ones, γ before a matrix scaling each
    row: the Jacobian of layer norm's output times ∂L/∂y, right with its 1/σ and wrong without."""
    right = ("$$Z = \\frac{x - \\mu}{\\sigma}$$\n\n"
             "$$\\frac{\\partial L}{\\partial x} = \\frac{\\gamma}{\\sigma} (I - \\frac{1}{N}(ZZ^T + 1))"
             "\\frac{\\partial L}{\\partial y}$$\n")
    checker = Checker(derive.derive(derive.load_text(LAYER_NORM)))
    verdicts = [(c.line, c.verdict) for c in verify_text(checker, right, "post.md").claims]
    assert verdicts == [(1, "ok"), (3, "ok")]
    dropped = right.replace("\\frac{\\gamma}{\\sigma}", "\\gamma")
    assert [(c.line, c.verdict) for c in verify_text(checker, dropped, "post.md").claims] == [(1, "ok"), (3, "wrong")]


def test_matrix_calculus_names_its_wrong_link_and_reads_equalities_only():
    """A chain in whole vectors over two lines: the wrong link's line is wrong, the right one's ok; a bound
    (≤) in whole vectors claims no equality."""
    checker = Checker(derive.derive(derive.load_text(LAYER_NORM)))
    text = ("$$\n\\frac{\\partial L}{\\partial \\beta} = \\mathbf{1}^T \\mathbf{1} \\frac{\\partial L}{\\partial y}\n"
            "= \\frac{\\partial L}{\\partial y}\n$$\n")
    found = [(c.line, c.verdict) for c in verify_text(checker, text, "post.md").claims]
    assert (2, "wrong") in found and (3, "ok") in found, found
    bound = "$$\\hat{x}^T \\hat{x} \\le N$$\n"
    assert [c.verdict for c in verify_text(checker, bound, "post.md").claims if c.verdict != "unchecked"] == []


def test_a_count_the_posts_variance_divides_by_and_a_sum_over_the_other_of_two_letters():
    """σ² = 1/d Σ_k (x_k − μ)²: d counts the group the layer normalizes over, wherever the post writes it;
    Σ_{j≠k} where the claim's own index is j runs over k. Right forms ok, a slip in each wrong."""
    checker = Checker(derive.derive(derive.load_text(LAYER_NORM)))
    variance = "$$\\sigma^2 = \\frac{1}{d}\\sum_k \\left( x_k - \\mu \\right)^2$$\n\n"
    formulas = [
        "\\frac{\\partial \\left(x_i - \\mu\\right)}{\\partial x_j} = \\delta_{i, j} - \\frac{1}{d}",
        "\\frac{\\partial \\sigma^2}{\\partial x_j} = \\frac{2(x_j - \\mu)}{d}",
        "\\frac{\\partial \\sigma^2}{\\partial x_j} = \\frac{2}{d} \\left[(x_j - \\mu) \\left(1 - \\frac{1}{d}\\right) "
        "+ \\sum_{j \\neq k} \\left(x_k - \\mu \\right) \\cdot - \\frac{1}{d} \\right]",
        "\\frac{\\partial \\left(x_i - \\mu\\right)}{\\partial x_j} = \\delta_{i, j} - \\frac{2}{d}",
        "\\frac{\\partial \\sigma^2}{\\partial x_j} = \\frac{(x_j - \\mu)}{d}",
        "\\frac{\\partial \\sigma^2}{\\partial x_j} = \\frac{2}{d} \\left[(x_j - \\mu) \\left(1 - \\frac{1}{d}\\right) "
        "+ \\sum_{j \\neq k} \\left(x_k - \\mu \\right) \\cdot \\frac{1}{d} \\right]",
    ]
    text = variance + "".join(f"$${formula}$$\n\n" for formula in formulas)
    verdicts = [c.verdict for c in verify_text(checker, text, "post.md").claims]
    assert verdicts == ["ok", "ok", "ok", "ok", "wrong", "wrong", "wrong"], verdicts
