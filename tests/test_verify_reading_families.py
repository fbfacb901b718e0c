"""Issue 11: ways of writing that several real posts share, read as they mean: a name of a few
words in \\text{...} where an operand goes, the generic f'(z^{[l]}) in a network of several
activations, braces around spacing only ({\\space}), and one weight with its layer in brackets
(w^{[2]}_{11}). Each with the cases that must stay as they were (prose stays prose)."""

import pytest
from derive.verify import verify_claim, verify_text
from derive.verify import syntax as s
from derive.verify.reader import read
from derive.verify.see_through import see_through
from derive.verify.vocabulary import key
from helpers import checker_of, trained

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
""" + trained("half_sse", 0.1)


@pytest.fixture(scope="module")
def two_activations(tmp_path_factory):
    return checker_of(tmp_path_factory.mktemp("spec"), RELU_THEN_SIGMOID)


def chains(text):
    return [line.chain for line in read(text) if line.chain is not None]


def verdict(checker, text):
    (claim,) = verify_claim(checker, text, "layer").claims
    return claim.verdict


# -- a name of several words in \text{...} (mihirsai: \text{W update} = X^T \cdot \text{grad}) --------

def test_words_in_text_at_a_rows_head_are_one_name():
    (chain,) = chains(r"\text{W update} = X^\top \cdot \text{grad}")
    assert chain.sides[0] == s.Sym("W update", "text") and key(chain.sides[0]) == "W update"
    assert not chain.continued


def test_words_in_text_right_after_an_operator_are_one_name():
    (chain,) = chains(r"\Delta W = -0.1 \cdot \text{W update} = 0.5")
    assert chain.sides[1] == s.BinOp("*", s.Neg(s.Num("0.1")), s.Sym("W update", "text"))
    (chain,) = chains(r"a = \text{new weight} - 0.1")
    assert chain.sides[1].left == s.Sym("new weight", "text")


def test_prose_in_text_between_claims_stays_prose():
    first, second = chains(r"a = b \text{ and so } c = d")
    assert (first.text, second.text) == ("a = b", "c = d")
    assert chains(r"\quad\text{for all } j") == []
    (line,) = read(r"\text{Output layer} \quad z = w x")        # a heading before the math: no claim
    assert line.chain is None
    (line,) = read(r"a = b \text{ in total}")
    assert line.chain.text == "a = b" and "in total" in line.text
    (chain,) = chains(r"z = w x \quad \text{the net input}")     # after an operand: a remark, not a name
    assert chain.text == "z = w x"


def test_words_that_read_as_a_sentence_are_not_a_name():
    assert "W~" not in see_through(r"\text{W is the} = 3")
    assert "~" not in see_through(r"= \text{the weight of} = 3")
    assert "~" not in see_through(r"\text{one two three four} = 3")      # at most three words


def test_a_name_of_words_is_checked_through_its_other_links_and_never_called_wrong(two_activations):
    assert verdict(two_activations, r"\text{Hidden sum} = 0.5 + 0.25 = 0.75") == "ok"
    assert verdict(two_activations, r"\text{Hidden sum} = 0.5 + 0.25 = 0.8") == "wrong"
    assert verdict(two_activations, r"\Delta W = -0.1 \cdot \text{W update}") == "unchecked"
    report = verify_text(two_activations, "$$\n\\text{W update} = 0.5\n$$\n", "post.md")
    assert [c.verdict for c in report.claims] == ["unchecked"]


# -- f'(z^{[l]}): the generic letter is layer l's activation (debasishmaji: ReLU, then sigmoid) ------

def test_f_prime_of_a_layers_net_input_is_that_layers_activation(two_activations):
    assert verdict(two_activations, r"\delta^{[1]} = (W^{[2]})^\top \delta^{[2]} \odot f'(z^{[1]})") == "ok"
    assert verdict(two_activations, r"\delta^{[1]} = (W^{[2]})^\top \delta^{[2]} \odot g'(Z^{[1]})") == "ok"
    assert verdict(two_activations, r"a^{[2]} = f(z^{[2]})") == "ok"           # sigmoid, not ReLU
    assert verdict(two_activations, r"a^{[1]} = F(z^{[1]})") == "ok"
    assert verdict(two_activations, r"a^{[1]} = f(z^{[2]})") == "wrong"        # ReLU of z^{[2]} is not a^{[1]}


def test_f_of_anything_but_a_net_input_stays_unread(two_activations):
    assert verdict(two_activations, r"\delta^{[1]} = (W^{[2]})^\top \delta^{[2]} \odot f'(a^{[1]})") == "unchecked"
    assert verdict(two_activations, r"a^{[1]} = f(z^{[3]})") == "unchecked"    # no layer 3
    (chain,) = chains(r"y = f(x)")
    assert chain.sides[1] == s.Juxt((s.Sym("f"), s.Paren(s.Sym("x"), "(")))


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


# -- one weight with its layer in brackets (debasishmaji: w^{[2]}_{11}) -------------------------------

def test_a_weight_with_its_layer_in_brackets_is_the_index_notations_weight(two_activations):
    assert verdict(two_activations, r"w^{[2]}_{12} = -0.3") == "ok"
    assert verdict(two_activations, r"w_{12}^{[2]} = 0.4") == "wrong"
    assert verdict(two_activations, r"b^{[1]}_{2} = -0.1") == "ok"
    assert verdict(two_activations, r"W^{[2]} = \begin{bmatrix} w^{[2]}_{11} & w^{[2]}_{12} \\ "
                                    r"w^{[2]}_{21} & w^{[2]}_{22} \end{bmatrix}") == "ok"


def test_only_a_layer_in_brackets_is_read_so():
    from derive.verify.vocabulary import _entry_in_brackets
    assert _entry_in_brackets("w_11^[2]") == "w_11^2" and _entry_in_brackets("b_1^[2]") == "b_1^2"
    for other in ("w_11^(2)", "w_11^2", "W_11^[2]", "w_jk^[2]", "z_1^[2]"):     # a step, a matrix, no entry
        assert _entry_in_brackets(other) is None
