"""Issue 11, point 2: what people write around the math is seen through, and the update forms
people use are read as updates. Each case is a family seen in real posts (tests/posts/real)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import derive
from derive.verify import Checker, verify_claim
from derive.verify.see_through import see_through


@pytest.fixture(scope="module")
def mazur():
    return Checker(derive.derive(derive.load("mazur")))


RIGHT = [
    r"net_{h1} = \color{red}{0.3775}",                   # colour, both forms
    r"{\color{blue} w_5} = 0.4",
    r"\textcolor{red}{net_{h1}} = 0.3775",
    r"\underbrace{net_{h1}}_{\text{net input}} = 0.3775",  # braces with their labels
    r"\overbrace{w_5}^{h1 \to o1} = 0.4",
    r"net_{h1} \overset{\text{def}}{=} 0.3775",
    r"\boxed{net_{h1} = 0.3775}",
    r"\displaystyle net_{h1} = 0.3775",
    r"\left. net_{h1} \right|_{x = 0.05} = 0.3775",
    r"\mathbf{w}_5 = 0.4",                               # fonts are not names
    r"\boldsymbol{w}_{5} = \bm{0.4}",
    r"σ(net_{h1}) = 0.593269992",                        # Unicode math
    r"w₅ = 0.4",
    r"net_{h1} = 0.15 × 0.05 + 0.2 · 0.1 + 0.35 = 0.3775",
    r"E_{total} = ½(0.01 − 0.75136507)² + 0.023560026 = 0.298371109",
    r"∂E_{total}/∂w_5 = 0.082167041",
    r"w5 = 0.4",                                         # bare names
    r"\frac{\partial E_{total}}{\partial w5} = 0.082167041",
    r"out_h1 = 0.593269992",
    r"\text{max}(0, 0.3775) = 0.3775",                   # function names in text fonts
    r"\operatorname{max}(0, -1) = 0",
    r"net_{h1} = 0.3775 \quad \text{so} \quad out_{h1} = 0.593269992",   # prose between claims
    r"w_5' = 0.35891648",                                # the update, every usual form
    r"w_5^{new} = 0.35891648",
    r"w_{5}^{(t+1)} = 0.35891648",
    r"w_5^{+} = w_5^{old} - 0.5 \cdot 0.082167041",
    r"w_5 \leftarrow w_5 - \eta \frac{\partial E_{total}}{\partial w_5}",
    r"w_5 \gets w_5 - \eta \frac{\partial E_{total}}{\partial w_5}",
    r"w_5 := w_5 - 0.5 \cdot 0.082167041 = 0.35891648",
    r"w_5 ← w_5 − η ∂E_{total}/∂w_5",
    r"E_{o1} = \frac12 (target_{o1} - out_{o1})^2",    # TeX's arguments without braces
    r"E_{o1} = \dfrac1{2} (target_{o1} - out_{o1})^2",
    r"\frac{\partial E_{o1}}{\partial out_{o1}} = -(target_{o1} - out_{o1})",
    # slides that colour each factor, the operators too (dl4ad's, conv_blind17)
    r"\color{#FF6B6B}{\frac{\partial E_{total}}{\partial out_{o1}}} \color{black}{=} \color{#4ECDC4}{-(target_{o1} - "
    r"out_{o1})}",
    r"\color{#FF6B6B}{0.5} \color{black}{\cdot} \color{#4ECDC4}{0.164334121} \color{black}{=} 0.082167061",
    # a strut that sets a row's height (Ahmad Zaki's post, conv_blind18)
    r"\rule{0mm}{7mm} net_{h1} = 0.3775",
    r"\rule[-2mm]{0pt}{5mm} net_{h1} = \mathstrut 0.3775 \vspace{2mm}",
    r"net_{h1} = 0.3775 \rule{1cm}{0pt} out_{h1} = 0.593269992",      # a rule with a width: a space (review)
]


@pytest.mark.parametrize("claim", RIGHT)
def test_markup_unicode_and_forms_are_read_and_right(mazur, claim):
    report = verify_claim(mazur, claim)
    assert report.claims and {c.verdict for c in report.claims} == {"ok"}, [(c.verdict, c.reason) for c in report.claims]


WRONG = [
    r"net_{h1} = \color{red}{0.3785}",
    r"σ(net_{h1}) = 0.6",
    r"w₅^{+} = 0.4",
    r"w_5 := w_5 + \eta \frac{\partial E_{total}}{\partial w_5}",
    r"E_{o1} = \frac13 (target_{o1} - out_{o1})^2",
]


@pytest.mark.parametrize("written, braced", [
    (r"\frac12", r"\frac{1}{2}"), (r"\frac1m \sum_i x_i", r"\frac{1}{m} \sum_i x_i"), (r"\frac{1}2", r"\frac{1}{2}"),
    (r"\tfrac1{m}", r"\tfrac{1}{m}"), (r"\frac\partial{\partial w}", r"\frac{\partial}{\partial w}"),
    (r"\frac{\frac12}3", r"\frac{\frac{1}{2}}{3}"), (r"\frac {1} {2}", r"\frac {1} {2}"), (r"\frac123", r"\frac{1}{2}3"),
    (r"\frac{1}", r"\frac{1}"), (r"\fraction", r"\fraction")])
def test_a_fractions_arguments_are_braced_as_tex_reads_them(written, braced):
    assert see_through(written) == braced


@pytest.mark.parametrize("claim", WRONG)
def test_what_is_seen_through_is_still_checked(mazur, claim):
    assert [c.verdict for c in verify_claim(mazur, claim).claims] == ["wrong"]


def test_a_definition_with_colon_equals_is_an_equality_not_an_update(mazur):
    assert [c.verdict for c in verify_claim(mazur, r"net_{h1} := w_1 i_1 + w_2 i_2 + b_1").claims] == ["ok"]


def test_accents_make_names_of_their_own_usable_as_aliases():
    spec = derive.load("mazur")
    aliased = Checker(derive.derive(spec), aliases={r"\hat{y}_1": "out_o1", r"\bar{z}": "net_h1"})
    assert [c.verdict for c in verify_claim(aliased, r"\hat{y}_1 = 0.75136507").claims] == ["ok"]
    assert [c.verdict for c in verify_claim(aliased, r"\bar{z} = 0.3775").claims] == ["ok"]


def test_see_through_leaves_what_it_does_not_know_and_the_cases_prose():
    assert see_through(r"1 \text{ for } z > 0") == r"1 \text{ for } z > 0"      # no claim before the prose
    cases = r"\begin{cases} 1 & \text{if } z > 0 \\ 0 & \text{otherwise} \end{cases}"
    assert see_through(f"g'(z) = {cases}") == f"g'(z) = {cases}"
    assert see_through(r"\mathbf{1}_{m}") == r"\mathbf{1}_{m}"                 # the ones vector keeps its font
    assert see_through("1e5 + x2") == "1e5 + x_{2}"


def test_fractions_nested_a_thousand_deep_are_braced_without_recursion():
    deep = "\\frac{" * 1500 + "1" + "}2" * 1500
    assert see_through(deep) == "\\frac{" * 1500 + "1" + "}{2}" * 1500


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list("{}\\ab d12^_") + ["\\frac", "\\{", "\\}", "\\mathrm"]), max_size=30),
       st.integers(min_value=0, max_value=60))
@example(pieces=["{", "{", "{", "\\{", "{", "}"], at=4)       # at an escaped brace: a character, not a group
def test_a_group_found_by_its_partner_is_the_group_the_scan_finds(pieces, at):
    """_upright_derivatives reads each fraction's arguments through the text's brace partners, found
    once; the argument and its end are those of the brace-by-brace scan, for any text and place."""
    from derive.verify.tex_arguments import partners, tex_argument

    text = "".join(pieces)
    at = min(at, len(text))
    assert tex_argument(text, at, partners(text)) == tex_argument(text, at)


def test_upright_derivatives_inside_deep_fractions_are_still_read():
    deep = "\\frac{" * 200 + "\\frac{dE}{dw}" + "}{2}" * 200
    assert "\\frac{\\partial E}{\\partial w}" in see_through(deep)
