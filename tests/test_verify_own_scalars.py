"""A post's own scalar circuit (a = e^{e_1}, α_1 = a/b, then ∂α_1/∂a = 1/b) and its identities (d/dx tanh(x) =
1 − tanh²(x)): claims no network reading reads, judged as what the post's definitions make them, with every
network kind's checker. The truths are decided here: by hand for the written snippets (the derivatives are the
textbook ones, each noted), and for random circuits by this file's own differentiation rules, confirmed by
PyTorch's autograd in float64."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import api
from derive.verify import Checker, verify_claim, verify_text

def _checkers():
    return {"dense": Checker(api.derive(api.load("mazur"))), "rnn": Checker(api.derive(api.load("rnn_T3"))),
            "attention": Checker(api.derive(api.load("attention_head"))),
            "conv": Checker(api.derive(api.load("tiny_cnn")))}


CHECKERS = _checkers()

# a softmax of two scores drawn as a circuit; every derivative below is the quotient rule's (right) or a slip
CIRCUIT = r"""
Let $a = e^{s_1}$, $c = e^{s_2}$, $b = a + c$, $p_1 = \frac{a}{b}$ and $p_2 = \frac{c}{b}$.

$$\frac{\partial p_1}{\partial a} = \frac{1}{b}$$

$$\frac{\partial p_1}{\partial b} = -\frac{a}{b^2}$$

$$\frac{\partial a}{\partial s_1} = e^{s_1}$$

$$\frac{\partial p_1}{\partial s_1} = p_1 (1 - p_1)$$

$$\frac{\partial p_2}{\partial s_1} = -p_1 p_2$$

$$\frac{\partial p_1}{\partial b} = \frac{a}{b^2}$$

$$\frac{\partial p_2}{\partial s_1} = p_2 (1 - p_2)$$

$$\frac{\partial p_1}{\partial s_1} = \frac{e^{s_1}}{b} - \frac{e^{s_1} a}{b} = \frac{a}{b}\left(1 - \frac{a}{b}\right)$$
"""
# line: verdict (the local ∂p_1/∂a holds b fixed; the total ∂p_1/∂s_1 = p_1(1 − p_1), ∂p_2/∂s_1 = −p_1 p_2)
CIRCUIT_TRUTH = {4: "ok", 6: "ok", 8: "ok", 10: "ok", 12: "ok", 14: "wrong", 16: "wrong", 18: "wrong"}


def _verdicts(checker, text: str) -> dict[int, str]:
    return {claim.line: claim.verdict for claim in verify_text(checker, text, "post.md").claims}


@pytest.mark.parametrize("kind", sorted(CHECKERS))
def test_a_softmax_circuit_is_judged_by_its_own_definitions(kind):
    found = _verdicts(CHECKERS[kind], CIRCUIT)
    assert {line: found.get(line) for line in CIRCUIT_TRUTH} == CIRCUIT_TRUTH
    assert found[2] == "unchecked"             # the definitions themselves are no claims to judge


def test_the_wrong_claim_says_where_it_fails():
    claim = next(c for c in verify_text(CHECKERS["rnn"], CIRCUIT, "post.md").claims if c.line == 14)
    assert "read as the post's own letters" in claim.reason and "p_1 = \\frac{a}{b}" in claim.reason
    assert "the left side is -" in claim.reason        # −a/b², the right side a/b²: opposite signs


IDENTITIES = [
    (r"\frac{d}{dx}\tanh(x) = 1 - \tanh^2(x)", "ok"),
    (r"\frac{\partial}{\partial z} \sigma(z) = \sigma(z)(1 - \sigma(z))", "ok"),
    (r"\frac{d}{du} \log(u) = \frac{1}{u}", "ok"),
    (r"\frac{d}{du} e^{2u} = 2 e^{2u}", "ok"),
    (r"\frac{d}{du} \sqrt{u} = \frac{1}{2\sqrt{u}}", "ok"),
    (r"\frac{d}{dx}\tanh(x) = 1 - \tanh(x)", "wrong"),
    (r"\frac{d}{du} \log(u) = \log(u)", "wrong"),
    (r"\frac{d}{du} e^{2u} = e^{2u}", "wrong"),
]


@pytest.mark.parametrize("formula, truth", IDENTITIES)
def test_an_identity_in_a_free_letter_holds_or_not_for_every_value(formula, truth):
    for kind in ("rnn", "attention", "conv"):
        assert verify_claim(CHECKERS[kind], formula).claims[0].verdict == truth, kind


def test_sigma_is_tanh_where_the_post_says_so():
    """h = σ(z) with ∂h/∂z = 1 − h² holds where the post's σ is its activation, tanh; elsewhere σ is the
    logistic function, whose slope is h(1 − h)."""
    claims = "$$h = \\sigma(z)$$\n\n$$\\frac{\\partial h}{\\partial z} = 1 - h^2$$\n\n" \
             "$$\\frac{\\partial h}{\\partial z} = h (1 - h)$$\n"
    said = "Here $\\sigma$ is an activation such as tanh.\n\n" + claims
    assert [_verdicts(CHECKERS["conv"], text).get(line) for text, line in
            ((said, 5), (said, 7), (claims, 3), (claims, 5))] == ["ok", "wrong", "wrong", "ok"]


# what is not certain is left as it was: the network's names, a letter defined twice, one defined by what is not
# read, a letter the left side does not depend on, vectors and transposes
LEFT_ALONE = [
    "$$q = x + y$$\n\n$$q = x - y$$\n\n$$\\frac{\\partial q}{\\partial x} = 1$$\n",          # two definitions
    "$$b = \\sum_j e^{s_j}$$\n\n$$a = e^{s_1}$$\n\n$$p = \\frac{a}{b}$$\n\n$$\\frac{\\partial p}{\\partial s_1} = p$$\n",
    "$$a = e^{s_1}$$\n\n$$\\frac{\\partial a}{\\partial s_1} = e^{s_1} w$$\n",                 # w: meant otherwise
    "$$\\frac{\\partial L}{\\partial a} = \\frac{\\partial L}{\\partial b} c$$\n",            # L: no definition
    "$$u = W^T x$$\n\n$$\\frac{\\partial u}{\\partial x} = W$$\n",                              # a transpose
    "$$\\frac{\\partial a}{\\partial s_1} = 5$$\n\n$$a = e^{s_1}$$\n",                          # defined below it
    "$$Y = W * X$$\n\n$$\\frac{\\partial Y}{\\partial X} = W$$\n",                             # * may convolve
    "$$c = f(y)$$\n\n$$\\frac{\\partial c}{\\partial y} = f$$\n",                              # f: a function
    "$$q = x + y$$\n\n$$\\frac{\\partial q}{\\partial x} = 1 + z$$\n",                         # z: meant otherwise
]


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_what_is_not_certain_is_left_alone(text, monkeypatch):
    import derive.verify.document as document
    for kind, checker in CHECKERS.items():
        judged = [c.verdict for c in verify_text(checker, text, "post.md").claims]
        with monkeypatch.context() as patch:
            patch.setattr(document, "with_own_scalars", lambda report, *rest: report)
            alone = [c.verdict for c in verify_text(checker, text, "post.md").claims]
        assert judged == alone, kind


def test_a_vector_written_bold_is_never_judged_as_a_scalar_wrongly():
    text = "$$\\mathbf{u} = w \\mathbf{x}$$\n\n$$\\frac{\\partial \\mathbf{u}}{\\partial w} = \\mathbf{x}$$\n"
    for kind, checker in CHECKERS.items():
        assert "wrong" not in _verdicts(checker, text).values(), kind


def test_the_network_reading_comes_first():
    """A claim a network reading judges keeps its verdict (Mazur's output neuron)."""
    report = verify_text(CHECKERS["dense"], "$$out_{o1} = \\frac{1}{1 + e^{-net_{o1}}}$$\n", "post.md")
    assert report.claims[0].verdict == "ok" and not report.claims[0].reason


# -- random circuits: this file's own rules and LaTeX, PyTorch's autograd as the judge of the truth -----------

LEAVES = ("u", "v")


def _trees(depth: int):
    leaf = st.sampled_from(LEAVES).map(lambda name: ("leaf", name))
    if depth == 0:
        return leaf
    inner = _trees(depth - 1)
    return st.one_of(leaf,
                     st.tuples(st.sampled_from(["+", "-", "*", "/"]), inner, inner),
                     st.tuples(st.sampled_from(["exp", "tanh", "sigma", "square"]), inner))


CONSTANTS = {"one": "1", "zero": "0", "two": "2"}


def _latex(tree) -> str:
    kind = tree[0]
    if kind in CONSTANTS:
        return CONSTANTS[kind]
    if kind == "leaf":
        return tree[1]
    if kind in "+-":
        return f"({_latex(tree[1])} {kind} {_latex(tree[2])})"
    if kind == "*":
        return f"({_latex(tree[1])} \\cdot {_latex(tree[2])})"
    if kind == "/":
        return f"\\frac{{{_latex(tree[1])}}}{{{_latex(tree[2])}}}"
    if kind == "exp":
        return f"e^{{{_latex(tree[1])}}}"
    if kind == "square":
        return f"({_latex(tree[1])})^2"
    return f"\\{'tanh' if kind == 'tanh' else 'sigma'}({_latex(tree[1])})"


def _torch(tree, values):
    import torch
    kind = tree[0]
    if kind == "leaf":
        return values[tree[1]]
    args = [_torch(t, values) for t in tree[1:]]
    return {"+": lambda: args[0] + args[1], "-": lambda: args[0] - args[1], "*": lambda: args[0] * args[1],
            "/": lambda: args[0] / args[1], "exp": lambda: torch.exp(args[0]), "tanh": lambda: torch.tanh(args[0]),
            "sigma": lambda: torch.sigmoid(args[0]), "square": lambda: args[0] ** 2}[kind]()


def _slope(tree, by: str):
    """This file's own differentiation: a tree of the slope, by the sum, product, quotient and chain rules."""
    kind = tree[0]
    if kind == "leaf":
        return ("one",) if tree[1] == by else ("zero",)
    if kind in "+-":
        return (kind, _slope(tree[1], by), _slope(tree[2], by))
    if kind == "*":
        return ("+", ("*", _slope(tree[1], by), tree[2]), ("*", tree[1], _slope(tree[2], by)))
    if kind == "/":
        return ("/", ("-", ("*", _slope(tree[1], by), tree[2]), ("*", tree[1], _slope(tree[2], by))),
                ("square", tree[2]))
    inner = _slope(tree[1], by)
    outer = {"exp": tree, "tanh": ("-", ("one",), ("square", tree)), "square": ("*", ("two",), tree[1]),
             "sigma": ("*", tree, ("-", ("one",), tree))}[kind]
    return ("*", outer, inner)


def _torch_slope(tree, by: str, point: dict[str, float]) -> tuple[float, float]:
    """PyTorch's ∂f/∂by at the point, and the value of this file's slope formula there."""
    import torch
    values = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True) for name, value in point.items()}
    _torch(tree, values).backward()

    def value(t):
        if t[0] in CONSTANTS:
            return torch.tensor(float(CONSTANTS[t[0]]), dtype=torch.float64)
        if t[0] == "leaf":
            return values[t[1]].detach()
        return _torch((t[0],) + tuple(("leaf", f"#{i}") for i in range(len(t) - 1)),
                      {f"#{i}": value(x) for i, x in enumerate(t[1:])})
    grad = values[by].grad
    return (0.0 if grad is None else float(grad)), float(value(_slope(tree, by)))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=_trees(3), by=st.sampled_from(LEAVES), slip=st.sampled_from(["none", "double", "plus leaf"]))
def test_any_circuits_slope_is_judged_as_autograd_decides(tree, by, slip):
    pytest.importorskip("torch")
    point = {"u": 0.37, "v": 0.81}
    true, formula = _torch_slope(tree, by, point)
    if not (math.isfinite(true) and math.isfinite(formula)) or abs(true) < 1e-6 or by not in _latex(tree):
        return                                     # f does not depend on `by` there: no claim of the circuit's
    assert math.isclose(true, formula, rel_tol=1e-9, abs_tol=1e-12)      # this file's rules, confirmed
    written = _latex(_slope(tree, by))
    right = {"none": written, "double": f"2 ({written})", "plus leaf": f"{written} + {by}"}[slip]
    text = f"$$f = {_latex(tree)}$$\n\n$$\\frac{{\\partial f}}{{\\partial {by}}} = {right}$$\n"
    verdict = _verdicts(CHECKERS["attention"], text)[3]
    assert verdict == ("ok" if slip == "none" else "wrong"), text


# -- what the review found: each a document, its truth decided by hand (noted), and what verify must not say ---

REVIEWED = [
    # a letter used again as a function, CS231n's layout: both derivatives are textbook-true
    ("Consider $f = q z$ where $q = x + y$.\n\nFor $f(x) = \\frac{1}{x}$ we have\n\n"
     "$$\\frac{df}{dx} = -\\frac{1}{x^2}$$\n", "not wrong"),
    # d total and ∂ partial on one line: df/dx = y + x·2x with y = x², true
    ("Let $y = x^2$ and $f = x y$. Then\n\n$$\\frac{df}{dx} = \\frac{\\partial f}{\\partial x} + "
     "\\frac{\\partial f}{\\partial y}\\frac{dy}{dx}$$\n", "ok"),
    # the same for a two-step recurrence, true
    ("$$h_1 = \\tanh(w h_0 + u x_1)$$\n\n$$h_2 = \\tanh(w h_1 + u x_2)$$\n\n$$\\frac{d h_2}{d w} = "
     "\\frac{\\partial h_2}{\\partial w} + \\frac{\\partial h_2}{\\partial h_1}\\frac{d h_1}{d w}$$\n", "ok"),
    # p_k for either of two: true for k = 1, 2
    ("$$p_k = \\frac{e^{s_k}}{e^{s_1} + e^{s_2}}$$\n\n$$\\frac{\\partial p_k}{\\partial s_k} = p_k (1 - p_k)$$\n",
     "not wrong"),
    # a rounded figure: σ'(1) = 0.196612, printed 0.1966
    ("$$z = w x + b$$\n\n$$a = \\sigma(z)$$\n\n$$w = 2$$\n\n$$x = 1$$\n\n$$b = -1$$\n\n"
     "$$\\frac{\\partial a}{\\partial z} = a (1 - a) = 0.1966$$\n", "not wrong"),
    # the inverse functions: artanh' = 1/(1 − x²), logit' = 1/(y(1 − y)), true
    ("$$\\frac{d}{dx}\\tanh^{-1}(x) = \\frac{1}{1 - x^2}$$\n", "not wrong"),
    ("$$\\frac{d}{dy}\\sigma^{-1}(y) = \\frac{1}{y(1-y)}$$\n", "not wrong"),
    # d/dz reaching over a \cdot: Swish's slope, true
    ("$$\\frac{d}{dz} z \\cdot \\sigma(z) = \\sigma(z) + z\\sigma(z)(1-\\sigma(z))$$\n", "not wrong"),
    ("$$\\frac{d}{dx} x^3 + x = 3x^2 + 1$$\n", "not wrong"),
    # σ is the logistic function where nothing says otherwise: i(1 − i), not 1 − i²
    ("$$i = \\sigma(a)$$\n\n$$g = \\tanh(b)$$\n\n$$\\frac{\\partial i}{\\partial a} = 1 - i^2$$\n", "wrong"),
    # the network's matrices: diag(1 − h²) W, not W (1 − h ⊙ h)
    ("$$h_t = \\tanh(W h_{t-1} + U x_t + b)$$\n\n$$\\frac{\\partial h_t}{\\partial h_{t-1}} = "
     "W (1 - h_t \\odot h_t)$$\n", "not ok"),
    # √(x²)' is the sign of x, not 1
    ("$$\\frac{d}{dx}\\sqrt{x^2} = 1$$\n", "wrong"),
    # a huge power and a definition that doubles at each step: worked out or left, not hung on
    ("$$\\frac{d}{dx} x^{99999999999} = 99999999999 x^{99999999998}$$\n", "not wrong"),
    ("$$a_{1} = e^{x}$$\n\n" + "".join(f"$$a_{{{k}}} = a_{{{k - 1}}} + a_{{{k - 1}}}$$\n\n" for k in range(2, 31)) +
     "$$\\frac{\\partial a_{30}}{\\partial x} = 2^{29} e^{x}$$\n", "not wrong"),
]


# the second review's: a derivative at a point (tanh'(0) = 1, σ'(0) = 1/4), ∂ on the left meaning the total
# derivative beside a d (the chain rule for dh₂/dw, true), a letter defined again in words in a later section
# (1 − y² for y = tanh x, true), 1/2\sqrt{x} meant as 1/(2√x), σ said to be ReLU (ReLU′ = 1, not 1 − h²), and a
# three-step scalar GRU whose expansion is too large to differentiate in good time
REVIEWED += [
    ("$$\\frac{d}{dx}\\tanh(x)\\Big|_{x=0} = 1$$\n", "not wrong"),
    ("$$y = \\tanh(x)$$\n\n$$\\left.\\frac{dy}{dx}\\right|_{x=0} = 1$$\n", "not wrong"),
    ("$$\\frac{d}{dx}\\sigma(x)\\bigg|_{x=0} = \\frac{1}{4}$$\n", "not wrong"),
    ("$$h_1 = \\tanh(w h_0 + u x_1)$$\n\n$$h_2 = \\tanh(w h_1 + u x_2)$$\n\n$$\\frac{\\partial h_2}{\\partial w} = "
     "(1 - h_2^2)\\left(h_1 + w\\frac{d h_1}{d w}\\right)$$\n", "ok"),
    ("## Warm-up\n\nTake $y = x^2$; then\n\n$$\\frac{dy}{dx} = 2x$$\n\n## A tanh unit\n\nNow $y$ is $\\tanh$ of $x$, "
     "so\n\n$$\\frac{dy}{dx} = 1 - y^2$$\n", "not wrong"),
    ("$$\\frac{d}{dx}\\sqrt{x} = 1/2\\sqrt{x}$$\n", "not wrong"),
    ("Here $\\sigma$ is an activation such as ReLU.\n\n$$h = \\sigma(a)$$\n\n$$\\frac{\\partial h}{\\partial a} = 1 - h^2$$\n",
     "not ok"),
    ("\n\n".join(["$$h_0 = 0$$"] + [line for t in (1, 2, 3) for line in (
        f"$$z_{t} = \\sigma(w_z h_{t - 1} + u_z x_{t})$$", f"$$r_{t} = \\sigma(w_r h_{t - 1} + u_r x_{t})$$",
        f"$$n_{t} = \\tanh(w_n r_{t} h_{t - 1} + u_n x_{t})$$", f"$$h_{t} = (1 - z_{t}) n_{t} + z_{t} h_{t - 1}$$")]
        + ["$$\\frac{\\partial h_3}{\\partial x_3} = 1$$"]) + "\n", "not ok"),
]


@pytest.mark.parametrize("text, truth", REVIEWED)
def test_what_the_review_found(text, truth):
    last = max(_verdicts(CHECKERS["conv"], text).items())[1]
    assert last == truth if " " not in truth else last != truth.split()[1], (last, text)


def test_an_unrolled_scalar_lstm_is_worked_out_or_left_in_good_time():
    """Four steps of a scalar LSTM's definitions (their expansions shared at every step): SymPy differentiates a
    tree, so a claim on h_4 is left unchecked, not worked out for minutes."""
    lines = ["$$h_0 = 0$$", "$$c_0 = 0$$"]
    for t in range(1, 5):
        lines += [f"$${g}_{t} = {fn}(w_{g} h_{t - 1} + u_{g} x_{t})$$" for g, fn in
                  (("f", "\\sigma"), ("i", "\\sigma"), ("o", "\\sigma"), ("g", "\\tanh"))]
        lines += [f"$$c_{t} = f_{t} c_{t - 1} + i_{t} g_{t}$$", f"$$h_{t} = o_{t} \\tanh(c_{t})$$"]
    text = "\n\n".join(lines + ["$$\\frac{\\partial h_4}{\\partial x_1} = 0$$"]) + "\n"
    assert max(_verdicts(CHECKERS["conv"], text).items())[1] != "ok"


def test_an_identity_beside_another_claim_on_its_line():
    """The line's d and ∂ marks are two claims', not one's: the identity is read either way (true)."""
    text = ("\\[\\begin{align} dW & = \\frac{\\partial L}{\\partial h}(1 - h^2), \\text{ since }\\frac{d}{dx} "
            "\\text{tanh}(x)= 1-\\text{tanh}^2(x). \\end{align}\\]\n")
    assert "ok" in [c.verdict for c in verify_text(CHECKERS["rnn"], text, "post.md").claims if "tanh" in c.text]
