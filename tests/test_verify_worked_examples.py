"""verify on the habits of worked examples in conv and normalization posts: Python's ** in plain-text formulas,
a gradient split into numbered parts (dx = dx1 + dx2 + dx3), a display that works an example at other sizes
than the spec's, and a forward equation written without the bias an example sets to zero."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import derive
from derive.verify import Checker, verify_text
from derive.verify.plain import as_tex

CONV = """
[input]
shape = [1, 4, 4]
values = [[[[0.7, -0.2, 1.1, 0.4], [-0.5, 0.9, 0.3, -1.0], [1.3, 0.1, -0.6, 0.8], [0.2, -0.8, 0.5, 1.2]]]]

[[layers]]
type = "conv2d"
out_channels = 1
kernel = 2
weights = [[[[0.5, -0.3], [0.2, 0.7]]]]
bias = [0.4]

[[layers]]
type = "flatten"

[init]
seed = 3

[target]
values = [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]]

[loss]
function = "half_sse"
reduction = "sum"

[training]
learning_rate = 0.1
"""

BATCH_NORM = """
[input]
shape = [3]
values = [[0.8, -1.1, 0.3], [1.6, 0.5, -0.7], [-0.4, 1.2, 0.9], [0.2, -0.3, 1.8]]

[[layers]]
type = "batch_norm"
epsilon = 1e-5
gamma = [1.3, 0.6, 0.9]
beta = [0.2, -0.5, 0.1]

[target]
values = [[0.5, -1.0, 0.0], [1.5, 0.5, -1.0], [-1.0, 1.0, 0.5], [0.0, 0.0, 1.5]]

[loss]
function = "half_sse"
reduction = "sum"

[training]
learning_rate = 0.1
"""

BATCH_NORM_FORWARD = """```
mu = np.mean(x, axis = 0)
var = np.var(x, axis = 0)
norm = (x - mu) / np.sqrt(var + eps)
out = norm * gamma + beta
```

"""


def _checker(tmp_path, text: str) -> Checker:
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return Checker(derive.derive(derive.load(path)))


def _verdicts(checker: Checker, post: str) -> dict[int, tuple[str, str]]:
    return {c.line: (c.verdict, c.reason or "") for c in verify_text(checker, post, "post.md").claims}


@pytest.mark.parametrize("plain, tex", [
    ("v = (var_j + eps) **(-1.5)", "v = (var_{j} + eps)^(-1.5)"),
    ("y = x**2 + 3 ** x", "y = x^2 + 3^x"),
    ("**dE/dw** = 0.5", r"\frac{\partial E}{\partial w} = 0.5"),        # bold, not a power
    ("**(1)** out_h1 = 0.59", "(1) out_{h1} = 0.59"),                       # bold that closes after a bracket
    ("**Step 2** dz = 1 ** 2", "Step 2 dz = 1^2"),
])
def test_pythons_power_is_a_power_and_bold_is_not(plain, tex):
    assert as_tex(plain) == tex


def test_a_partial_with_pythons_power_is_checked(tmp_path):
    checker = _checker(tmp_path, BATCH_NORM)
    right = BATCH_NORM_FORWARD + "```\ndnorm_ij/dvar_j = (-0.5) * (x_ij - mu_j) * (var_j + eps) **(-1.5)\n```\n"
    slipped = right.replace("(-0.5) *", "(0.5) *")
    assert _verdicts(checker, right)[9][0] == "ok"
    assert _verdicts(checker, slipped)[9][0] == "wrong"


def test_numbered_parts_of_a_gradient_are_the_posts_own_terms(tmp_path):
    """dx1 of dx = dx1 + dx2 + dx3 is one path's term, never dx at the entry 1; without the sum it may be."""
    checker = _checker(tmp_path, BATCH_NORM)
    part = "```\ndx1 = dnorm * (var + eps) ** (-0.5)\n```\n"
    parts = BATCH_NORM_FORWARD + part + "\n```\ndx = dx1 + dx2 + dx3\n```\n"
    assert 9 not in _verdicts(checker, parts) or _verdicts(checker, parts)[9][0] == "unchecked"
    assert _verdicts(checker, BATCH_NORM_FORWARD + part)[9][0] == "wrong"


def test_a_display_at_other_sizes_is_that_examples(tmp_path):
    """W_{33} of a 2×2 kernel: the display works another example, its entry-by-entry rows are not checked
    against the spec's sizes; the same row in a display of the spec's sizes is."""
    checker = _checker(tmp_path, CONV)
    row = r"\frac{\partial L}{\partial W_{11}} = a_{11}\delta_{11} + a_{12}\delta_{12} + a_{21}\delta_{21} + a_{22}\delta_{22}"
    other = r"\frac{\partial L}{\partial W_{33}} = a_{33}\delta_{11} + a_{34}\delta_{12} + a_{43}\delta_{21} + a_{44}\delta_{22}"
    verdicts = _verdicts(checker, f"$$\n{row} \\\\\n\n{other}\n$$\n")
    assert verdicts[2][0] == "unchecked" and "other sizes" in verdicts[2][1]
    assert _verdicts(checker, f"$$\n{row}\n$$\n")[2][0] == "wrong"


def test_a_forward_equation_without_the_bias_is_not_called_wrong(tmp_path):
    checker = _checker(tmp_path, CONV)
    post = "$$\nz = x * W + b\n$$\n\n$$\nx * W = z\n$$\n\n$$\nx * W + 2 b = z\n$$\n"
    verdicts = _verdicts(checker, post)
    assert verdicts[2][0] == "ok"
    assert verdicts[6][0] == "unchecked" and "bias left out" in verdicts[6][1]
    assert verdicts[10][0] == "wrong"        # the bias written, and wrongly: no example sets it to zero


def test_entries_indexed_in_brackets_are_the_tensors_entries(tmp_path):
    """y[r, c], X[r + a, c + b], w[\\alpha, \\beta]: a tensor's entry by its indices in brackets, read as y_{r,c};
    a bracket of anything else (W[h_{t-1}, x_t], numbers) is not."""
    checker = _checker(tmp_path, CONV)
    forward = r"$$\mathbf{y}[r, c] = \sum_{a=0}^{1} \sum_{b=0}^{1} \mathbf{x}[r + a, c + b] \mathbf{w}[a, b] + b_0$$"
    greek = r"$$\frac{\partial \mathbf{y}[r, c]}{\partial \mathbf{w}[\alpha, \beta]} = \mathbf{x}[r + \alpha, c + \beta]$$"
    slipped = greek.replace(r"c + \beta]", r"c - \beta]")
    assert [c.verdict for c in verify_text(checker, f"{forward}\n\n{greek}\n\n{slipped}\n", "post.md").claims] == \
        ["ok", "ok", "wrong"]


def test_an_align_row_that_starts_with_an_implication_is_a_claim_of_its_own(tmp_path):
    """a = b \\\\ \\Rightarrow c &= d: c = d is claimed, not a = c."""
    checker = _checker(tmp_path, CONV)
    post = "\n".join([r"$$", r"\begin{align*}", r"z_{11} &= \sum_{a=1}^{2} \sum_{b=1}^{2} x_{a,b} w_{a,b} + b \\",
                      r"\Rightarrow \frac{\partial z_{11}}{\partial w_{12}} &= x_{12} \\", r"&= x_{1,2}",
                      r"\end{align*}", r"$$", ""])
    verdicts = [(c.line, c.verdict) for c in verify_text(checker, post, "post.md").claims]
    assert verdicts == [(3, "ok"), (4, "ok"), (5, "ok")]


@pytest.mark.parametrize("piece, value", [("i+m", 3), ("S*m+i-P", 3), ("2i", 4), ("-i+3", 1), ("(i+1)*2", 6),
                                          ("max(0, r'-a)", 0), (r"\max(0,m - a)", 0), ("min(i, m)", 1)])
def test_an_index_is_read_as_integer_arithmetic(piece, value):
    from derive.verify.typed.index_values import index_value
    assert index_value(piece, {"i": 2, "m": 1, "S": 2, "P": 1, "r'": 0, "a": 1}.__getitem__) == value


def test_sizes_a_post_declares_and_an_index_clamped_at_the_edge(tmp_path):
    """x ∈ ℝ^{N_1 × N_2}, w ∈ ℝ^{k_1 × k_2}: the sums run up to the declared sizes; dL/dx[r, c] summed over
    dL/dz[max(0, r - a), …] adds row 0's terms at the top edge where the indices below 0 drop out."""
    checker = _checker(tmp_path, CONV)
    declared = r"Let $x \in \mathbb{R}^{N_1 \times N_2}$ and $w \in \mathbb{R}^{k_1 \times k_2}$."
    right = (r"$$\frac{\partial L}{\partial x[r, c]} = \sum_{a=0}^{k_1 - 1} \sum_{b=0}^{k_2 - 1} "
             r"\frac{\partial L}{\partial z[r - a, c - b]} w[a, b]$$")
    clamped = right.replace("z[r - a, c - b]", r"z[\max(0, r - a), \max(0, c - b)]")
    verdicts = [c.verdict for c in verify_text(checker, f"{declared}\n\n{right}\n\n{clamped}\n", "post.md").claims]
    assert verdicts == ["ok", "wrong"]


def test_an_example_written_out_at_other_sizes_and_its_entries(tmp_path):
    """The post writes a as a 3×3 matrix (the spec's input is 4×4) and works z_{11} … on it: a row that holds only
    for that example is not called wrong; ∇a_{11} is ∂L/∂a_{11}; δ_{11} is the error's entry where the post writes
    δ^l, not Kronecker's; rot_{180} numbers no entry (a_{11} still counts from 1)."""
    checker = _checker(tmp_path, CONV)
    example = "\n".join([r"$$", r"\left(\begin{array}{ccc}", r"a_{11} & a_{12} & a_{13} \\", r"a_{21} & a_{22} & a_{23} \\",
                         r"a_{31} & a_{32} & a_{33}", r"\end{array}\right)", r"$$", ""])
    corner = r"$$\bigtriangledown a_{11} = w_{11}\delta_{11}$$"
    edge = r"$$\bigtriangledown a_{13} = w_{12}\delta_{12}$$"       # right only where a is 3 wide
    labels = r"$$\delta^{l-1} = \delta^l * rot180(W^l) \odot \sigma'(z^{l-1})$$"
    post = f"{labels}\n\n{corner}\n\n{edge}\n"
    assert [c.verdict for c in verify_text(checker, post, "post.md").claims if c.line > 1] == ["ok", "wrong"]
    claims = verify_text(checker, f"{labels}\n\n{example}\n{corner}\n\n{edge}\n", "post.md").claims
    assert [(c.verdict, "other sizes" in (c.reason or "")) for c in claims if c.line > 9] == \
        [("ok", False), ("unchecked", True)]


def test_an_entry_written_without_the_bias_is_not_called_wrong(tmp_path):
    checker = _checker(tmp_path, CONV)
    post = "\n\n".join([r"$$z_{11} = x_{11}w_{11} + x_{12}w_{12} + x_{21}w_{21} + x_{22}w_{22}$$",
                        r"$$z_{11} = x_{11}w_{11} + x_{12}w_{12} + x_{21}w_{21} + x_{22}w_{22} + b$$",
                        r"$$z_{11} = x_{11}w_{11} + x_{12}w_{12} + x_{21}w_{21} + x_{21}w_{22}$$"]) + "\n"
    verdicts = [(c.verdict, c.reason or "") for c in verify_text(checker, post, "post.md").claims]
    assert verdicts[0][0] == "unchecked" and "bias left out" in verdicts[0][1]
    assert [v for v, _ in verdicts[1:]] == ["ok", "wrong"]


def _conv_spec(tmp_path, size: int, kernel: int, seed: int) -> Checker:
    rng = np.random.default_rng(seed)
    out = size - kernel + 1
    values = rng.normal(size=(1, 1, size, size)).round(2).tolist()
    weights = rng.normal(size=(1, 1, kernel, kernel)).round(2).tolist()
    target = rng.normal(size=(1, out * out)).round(2).tolist()
    text = (f"[input]\nshape = [1, {size}, {size}]\nvalues = {values}\n\n[[layers]]\ntype = \"conv2d\"\n"
            f"out_channels = 1\nkernel = {kernel}\nweights = {weights}\nbias = [0.3]\n\n[[layers]]\ntype = \"flatten\"\n\n"
            f"[target]\nvalues = {target}\n\n[loss]\nfunction = \"half_sse\"\nreduction = \"sum\"\n\n"
            f"[training]\nlearning_rate = 0.1\n")
    return _checker(tmp_path, text)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(3, 5), st.integers(2, 3), st.integers(0, 2 ** 31))
def test_bracket_indices_and_declared_sizes_at_any_size(tmp_path, size, kernel, seed):
    """A cross-correlation's forward and both index-level gradients in bracket indices, the sums up to the sizes
    the post declares: right at every size; dL/dy read at r + a (a correlation, the rotation missing) is wrong."""
    checker = _conv_spec(tmp_path, size, kernel, seed)
    declared = (r"Let $\mathbf{X} \in \mathbb{R}^{N_1 \times N_2}$, $\mathbf{w} \in \mathbb{R}^{k_1 \times k_2}$ "
                r"and $\mathbf{y} \in \mathbb{R}^{M_1 \times M_2}$.")
    sums = r"\sum_{a=0}^{k_1 - 1} \sum_{b=0}^{k_2 - 1}"
    right = [rf"$$\mathbf{{y}}[r, c] = {sums} \mathbf{{X}}[r + a, c + b] \mathbf{{w}}[a, b] + b_0$$",
             r"$$\frac{\partial L}{\partial \mathbf{w}[a, b]} = \sum_{r=0}^{M_1 - 1} \sum_{c=0}^{M_2 - 1} "
             r"\frac{\partial L}{\partial \mathbf{y}[r, c]} \mathbf{X}[r + a, c + b]$$",
             rf"$$\frac{{\partial L}}{{\partial \mathbf{{X}}[r, c]}} = {sums} \frac{{\partial L}}{{\partial \mathbf{{y}}[r - a, c - b]}} "
             rf"\mathbf{{w}}[a, b]$$"]
    slipped = right[2].replace(r"\mathbf{y}[r - a, c - b]", r"\mathbf{y}[r + a, c + b]")     # the rotation missing
    verdicts = [c.verdict for c in verify_text(checker, "\n\n".join([declared] + right + [slipped]) + "\n", "post.md").claims]
    assert verdicts == ["ok", "ok", "ok", "wrong"]


def test_an_implication_after_a_row_that_ends_with_a_relation_is_its_own_claim(tmp_path):
    checker = _checker(tmp_path, CONV)
    post = "\n".join([r"$$", r"\begin{align*}", r"z_{11} &= \sum_{a=1}^{2} \sum_{b=1}^{2} x_{a,b} w_{a,b} + b = \\",
                      r"&\Rightarrow \frac{\partial z_{11}}{\partial w_{12}} = x_{12}", r"\end{align*}", r"$$", ""])
    assert [c.verdict for c in verify_text(checker, post, "post.md").claims if c.line == 4] == ["ok"]


def test_nabla_of_the_loss_itself_is_not_a_gradient_by_the_loss(tmp_path):
    """∇E names the loss's gradient by what the post leaves unwritten: never ∂L/∂E = 1."""
    checker = _checker(tmp_path, CONV)
    claims = verify_text(checker, "$$\\nabla E = \\frac{\\partial E}{\\partial w_{11}}$$\n", "post.md").claims
    assert [c.verdict for c in claims] in ([], ["unchecked"])
