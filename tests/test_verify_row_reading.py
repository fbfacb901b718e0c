"""Rows that could state no claim are not read (row_reading.py), and nothing they could say is lost:
a figure or a name alone is left unread, but a region that goes on from it, or a list it labels,
reads it."""

import string

from hypothesis import given, settings, strategies as st

import derive
from derive.verify import Checker, row_reading, verify_text
from derive.verify.see_through import see_through
from derive.verify.regions import scan
from derive.verify.row_reading import UNREAD, read_rows


def _rows(document: str):
    return [read_rows(region, document, None) for region in scan(document, "post.md")]


def test_a_figure_or_a_name_alone_is_not_read():
    document = ("| unit | output |\n|---|---|\n| h1 | $0.593269992$ |\n\nThe output $out_{h1}$ of the first unit, "
                "$\\sigma(net_{h1})$, $σ$, $\\delta_{k1}$, $\\int x$, $\\text{net}$.\n")
    assert [rows[0][1] for rows in _rows(document)] == [UNREAD] * 7


def test_rows_that_may_state_a_claim_are_read():
    document = ("$out_{h1} = 0.59$, $a \\approx b$, $x < 1$, $a \\to b$, $w ← 0.5$, $w \\gets 0.5$, $a \\leq b$, "
                "$a ≈ b$, $a \\in b$, $x \\text{=} 1$\n")
    rows = _rows(document)
    assert len(rows) == 10 and all(each[0][1] is not UNREAD for each in rows)


def test_a_region_that_goes_on_from_a_lone_name_reads_it():
    result = derive.derive(derive.load("mazur"))
    document = "The first output:\n\n$$out_{o1}$$\n\n$$= 0.75136507$$\n"
    claims = verify_text(Checker(result), document, "post.md", "neuron").claims
    assert [(c.text, c.verdict) for c in claims] == [("out_{o1} = 0.75136507", "ok")]
    wrong = verify_text(Checker(result), document.replace("0.75136507", "0.7614"), "post.md", "neuron").claims
    assert [c.verdict for c in wrong] == ["wrong"]


def test_a_lone_name_that_labels_a_list_is_read():
    document = "Working out $net_{h1}$:\n\n1. $0.15 + 0.2 = 0.35$\n"
    label = _rows(document)[0]
    assert label[0][1] is not UNREAD and label[0][1][0].chain.sides


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(list(string.ascii_letters + string.digits + " _^{}()[]+-*/.,;:'!|&$%~?@#\"`") +
                                ["frac", "sqrt", "sigma", "partial", "leftarrow", "gets", "to", "approx", "text", "quad",
                                 "new", "old", "e^", "10^-3", "dZ[2]", "J(W, b)"]), max_size=40))
def test_ascii_without_a_sign_or_a_command_has_no_relation_once_seen_through(text):
    """row_reading's quick test: such a row is left unread without seeing it through."""
    text = "".join(text)
    assert row_reading.relation().search(see_through(text)) is None
