"""Issue 11: ways of writing that several real posts share, read as they mean: a name of a few
words in \\text{...} where an operand goes, the generic f'(z^{[l]}) in a network of several
activations, braces around spacing only ({\\space}), and one weight with its layer in brackets
(w^{[2]}_{11}). Each with the cases that must stay as they were (prose stays prose)."""

import derive
import pytest
from derive.verify import Checker, verify_claim, verify_text
from derive.verify import syntax as s
from derive.verify.reader import read
from derive.verify.see_through import see_through
from derive.verify.vocabulary import key

RELU_THEN_SIGMOID = """
title = "two layers of two units: ReLU, then sigmoid"
layout = "column"
notation = "layer"
[input]
names = ["x1", "x2"]
values = [[1.0, 0.5]]
[target]
values = [[1.0, 0.0]]
[[layers]]
units = 2
activation = "relu"
weights = [[0.5, -0.2], [0.3, 0.8]]
bias = [0.1, -0.1]
[[layers]]
units = 2
activation = "sigmoid"
weights = [[0.2, -0.3], [0.4, 0.1]]
bias = [0.0, 0.0]
[loss]
function = "half_sse"
[training]
learning_rate = 0.1
"""


@pytest.fixture(scope="module")
def two_activations(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "spec.toml"
    path.write_text(RELU_THEN_SIGMOID, encoding="utf-8")
    return Checker(derive.derive(derive.load(path)))


def chains(text):
    return [line.chain for line in read(text) if line.chain is not None]


def verdict(checker, text):
    (claim,) = verify_claim(checker, text, "layer").claims
    return claim.verdict


# -- braces around spacing only (mathse: 1/m {\space}[y \log a + ...]) --------------------------------

def test_braces_around_spacing_only_hold_nothing():
    (chain,) = chains(r"a = {\space}[b + c]")
    assert chain.sides[1] == s.Paren(s.BinOp("+", s.Sym("b"), s.Sym("c")), "[")
    assert "{" not in see_through(r"{\quad}x = 1") and "{" not in see_through(r"a {~} b")


def test_spacing_that_is_an_argument_or_a_script_stays():
    for kept in (r"a_{\,} = 1", r"x^{~}", r"x_ {\,}", r"\frac{\,}{2}", r"\frac {\,}{2}", r"\frac{a}{\,}",
                 r"\text{\,}", r"{} x"):
        assert see_through(kept) == kept


def test_a_missing_sum_behind_a_spacing_group_is_caught(two_activations):
    # the half squared error of two outputs written without its sum: a 2x1 column squared
    assert verdict(two_activations, r"E = \frac{1}{2} {\space}(y - a^{[2]})^T (y - a^{[2]})") == "ok"
    assert verdict(two_activations, r"E = \frac{1}{2} {\space}(y - a^{[2]}) (y - a^{[2]})") == "wrong"
