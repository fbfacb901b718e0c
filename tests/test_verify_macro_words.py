"""A post's own LaTeX macros, defined in a file the post does not include, read by the words of their names
(issue 15, point 5): lawrennd's \\queryMatrix, \\lossFunction, \\queryWeightMatrix; \\softmax as a function."""

from __future__ import annotations

from pathlib import Path

import pytest

import derive
from derive.verify import Checker, verify_text
from derive.verify.macro_words import named_by_words

ATTENTION = Path(__file__).parent / "posts" / "sequence_attention" / "markusheimerl_gpt_attention_readme" / "spec.toml"


@pytest.mark.parametrize("written, read", [
    (r"\queryMatrix = \inputMatrix \queryWeightMatrix", "Q  = X  W_{q} "),
    (r"\frac{\partial \lossFunction}{\partial \logitsMatrix}", r"\frac{\partial L }{\partial S }"),
    (r"\valueMatrix", "V "),
    (r"\attentionMatrix = \softmax(x)", r"A  = \operatorname{softmax}(x)"),
])
def test_a_macro_s_words_name_its_role(written, read):
    assert named_by_words(written) == read


@pytest.mark.parametrize("kept", [
    r"\mathbf{x} \leftarrow \Delta \operatorname{f}",      # TeX's own commands
    r"\dataMatrix", r"\weightMatrix",                          # words that name no one role
    r"\queryKeyMatrix", r"\softmaxed",
])
def test_a_macro_whose_words_name_no_one_role_is_left_as_it_is(kept):
    assert named_by_words(kept) == kept


def test_a_post_in_its_own_macros_is_read_and_its_slip_caught():
    checker = Checker(derive.derive(derive.load(ATTENTION)))
    post = ("* *Query*: $\\queryMatrix = \\inputMatrix \\queryWeightMatrix$\n\n"
            "$$\\frac{\\partial \\lossFunction}{\\partial \\queryMatrix} = "
            "\\frac{\\partial \\lossFunction}{\\partial \\logitsMatrix} \\keyMatrix$$\n")
    claims = verify_text(checker, post, "post.md").claims
    assert [c.verdict for c in claims] == ["ok", "wrong"] and "1/√d_k" in claims[1].reason, claims
