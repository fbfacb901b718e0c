"""derive verify on forms sequence posts write (issue 15, point 5): a vector of ones written without its length,
\\mathbf{1}, whose length is the one that fits what it multiplies (M 1: M's row sums; 1ᵀ M: its column sums)."""

from __future__ import annotations

from pathlib import Path

import pytest

import derive
from derive.verify import Checker, verify_claim

SPEC = Path(__file__).parent / "posts" / "sequence_attention" / "markusheimerl_gpt_attention_readme" / "spec.toml"


@pytest.fixture(scope="module")
def attention():
    return Checker(derive.derive(derive.load(SPEC)))


@pytest.mark.parametrize("formula, verdict", [
    # the softmax's backward with the rows' sums written as a product by a vector of ones
    (r"\frac{\partial L}{\partial S} = A \odot (\frac{\partial L}{\partial A} - "
     r"(\frac{\partial L}{\partial A} \odot A)\mathbf{1})", "ok"),
    (r"\frac{\partial L}{\partial S} = A \odot (\frac{\partial L}{\partial A} - "
     r"(\frac{\partial L}{\partial A} \odot A) \cdot \mathbf{1})", "ok"),
    (r"\frac{\partial L}{\partial S} = A \odot (\frac{\partial L}{\partial A} - A (\frac{\partial L}{\partial A} "
     r"\cdot \mathbf{1}))", "wrong"),
    (r"A \mathbf{1} = \mathbf{1}_n", "ok"),                       # each row of the weights sums to 1
    (r"\mathbf{1}^T A = \mathbf{1}_n^T", "wrong"),                # the columns need not
])
def test_a_vector_of_ones_takes_the_length_that_fits(attention, formula, verdict):
    claims = verify_claim(attention, formula).claims
    assert [c.verdict for c in claims] == [verdict], claims
