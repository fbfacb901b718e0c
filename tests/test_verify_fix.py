"""`derive verify --fix OUT`: the post with each wrong figure set right at its own precision, each wrong
formula marked with a comment, written atomically; and on the real posts and the seeds, the fixed copy
verified again has no wrong claim left but those it marks."""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

import pytest

import derive
from derive.cli import main
from derive.verify import Checker, Claim, Report, verify_text
from derive.verify.fix import fix, repair

sys.path.insert(0, str(Path(__file__).parent / "posts"))
import measure  # noqa: E402

SEEDS = Path(__file__).parent / "seeds"
SEED_SPECS = {"000": "000_niuguy.toml", "001": "batch4", "002": "002_khanal.toml", "003": "mazur",
              "004": "004_two_layer_sigmoid.toml"}
MARK = re.compile(r"^[ \t>]*<!-- derive: wrong: .*? -->\n|<!-- derive: wrong: .*? -->|\n% derive: wrong: [^\n]*", re.M)

GRADIENT = "$$\\frac{\\partial E_{total}}{\\partial w_5} = 0.0823$$\n"
MISSING_FACTOR = (r"\frac{\partial E_{total}}{\partial w_5} = \frac{\partial E_{total}}{\partial out_{o1}} "
                  r"\frac{\partial out_{o1}}{\partial net_{o1}}")


@functools.cache
def checker(spec: str = "mazur") -> Checker:
    return Checker(derive.derive(derive.load(spec)))


def fixed(text: str, name: str = "post.md", once: bool = False):
    report = verify_text(checker(), text, name)
    return fix(text, report, name) if once else repair(checker(), text, name, report)


# -- figures -------------------------------------------------------------------
def test_a_wrong_figure_gets_the_right_one_at_the_posts_own_places():
    out, changes = fixed("Intro.\n\n" + GRADIENT + "\nThe end.\n")
    assert out == "Intro.\n\n" + GRADIENT.replace("0.0823", "0.0822") + "\nThe end.\n"
    assert [str(c) for c in changes] == ["line 3: 0.0823 -> 0.0822"]
    assert fixed("$$out_{o1} = 0.75136512$$\n")[0] == "$$out_{o1} = 0.75136507$$\n"        # 8 places stay 8
    assert fixed("$w_5^+ = 0.3600$\n")[0] == "$w_5^+ = 0.3589$\n"


def test_the_sign_and_the_scientific_form_are_the_posts_own():
    assert fixed("$$\\delta_{o1} = -0.1385$$\n")[0] == "$$\\delta_{o1} = 0.1385$$\n"        # the sign is flipped
    out, changes = fixed("$$\\frac{\\partial E_{total}}{\\partial w_1} = 4.93 \\times 10^{-4}$$\n")
    assert out == "$$\\frac{\\partial E_{total}}{\\partial w_1} = 4.39 \\times 10^{-4}$$\n"
    assert str(changes[0]) == "line 1: 4.93 \\times 10^{-4} -> 4.39 \\times 10^{-4}"


def test_a_carried_figure_is_replaced_and_then_the_result_it_gave():
    doc = ("$$\\frac{\\partial E_{total}}{\\partial out_{o1}} = 0.7514$$\n\n"
           "$$\\delta_{o1} = 0.7514 \\cdot 0.1868 = 0.1404$$\n")
    once, _ = fixed(doc, once=True)             # one pass: the repeated figure, as the earlier one
    assert "= 0.7414$$\n" in once and "\\delta_{o1} = 0.7414 \\cdot 0.1868 = 0.1404" in once
    out, changes = fixed(doc)                   # verified again: the result it gave is wrong now, and set right
    assert "\\delta_{o1} = 0.7414 \\cdot 0.1868 = 0.1385" in out
    assert [str(c) for c in changes] == ["line 1: 0.7514 -> 0.7414", "line 3: 0.7514 -> 0.7414 (carried from line 1)",
                                         "line 3: 0.1404 -> 0.1385"]
    assert verify_text(checker(), out, "post.md").summary["wrong"] == 0


def test_the_figure_is_replaced_on_its_own_row_of_an_aligned_display():
    doc = ("$$\n\\begin{aligned}\nnet_{h1} &= 0.3775 \\\\\nout_{o1} &= 0.5933 \\\\\nout_{h1} &= 0.5933\n"
           "\\end{aligned}\n$$\n")
    out, changes = fixed(doc)
    assert out == doc.replace("out_{o1} &= 0.5933", "out_{o1} &= 0.7514")
    assert [str(c) for c in changes] == ["line 4: 0.5933 -> 0.7514"]


def test_claims_on_one_row_each_get_their_own_figure():
    out, _ = fixed("Both: $out_{h1} = 0.5969, \\quad out_{h2} = 0.5969$.\n")     # only the first is wrong
    assert out == "Both: $out_{h1} = 0.5933, \\quad out_{h2} = 0.5969$.\n"
    out, _ = fixed("Both: $out_{h1} = 0.5969, \\quad out_{h2} = 0.5933$.\n")     # swapped
    assert out == "Both: $out_{h1} = 0.5933, \\quad out_{h2} = 0.5969$.\n"


def test_the_wrong_entries_of_a_matrix_of_figures():
    doc = ("$$\\frac{\\partial E_{total}}{\\partial W^{[2]}} = \\begin{bmatrix} 0.0822 & 0.0872 \\\\ "
           "-0.0226 & -0.0227 \\end{bmatrix}$$\n")
    assert fixed(doc)[0] == doc.replace("0.0872", "0.0827")


def test_a_document_with_nothing_wrong_is_unchanged_byte_for_byte():
    doc = "# Post\r\n\r\n$out_{h1} = 0.5933$ and $foo_{bar} = 1$\r\n"      # right, and unchecked
    assert fixed(doc) == (doc, [])
    assert fixed(doc, once=True) == (doc, [])
    assert fixed(doc.replace("0.5933", "0.5939"))[0] == doc                   # CRLF kept where it fixes


# -- marks ---------------------------------------------------------------------
def test_a_wrong_formula_is_marked_with_a_comment_on_its_own_line():
    doc = f"Text\n\n$$\n{MISSING_FACTOR}\n$$\nMore text.\n"
    out, changes = fixed(doc)
    lines = out.splitlines()
    assert lines[:5] == doc.splitlines()[:5] and lines[6:] == ["More text."]
    assert lines[5].startswith("<!-- derive: wrong: the sides differ")
    assert lines[5].endswith("a missing factor out_h1 -->")
    assert [c.new for c in changes] == [None] and str(changes[0]).startswith("line 4: marked: the sides differ")


def test_a_mark_goes_after_the_math_never_inside_it():
    doc = f"> - Step:\n>   \\begin{{align}}\n>   {MISSING_FACTOR}\n>   \\end{{align}}\n>\n> next\n"
    out, _ = fixed(doc)
    assert out.splitlines()[4].startswith(">   <!-- derive: wrong:")          # after \end{align}, in the quote's item
    out, _ = fixed(f"| claim | note |\n|---|---|\n| ${MISSING_FACTOR}$ | x |\n")
    row = out.splitlines()[2]
    assert row.startswith(f"| ${MISSING_FACTOR}$<!-- derive: wrong: ") and row.endswith("--> | x |")


def test_a_reason_can_never_close_the_comment_or_split_a_table_cell():
    doc = "$a = 1$\n"
    claim = Claim(1, "a = 1", "wrong", None, "odd -- reason --> <b>|</b>", 0, 7)
    out, _ = fix(doc, Report((claim,), "neuron"))
    comment = out[len("$a = 1$"):].strip()
    assert comment.startswith("<!--") and comment.endswith("-->") and comment.count("--") == 2
    assert "<b>" not in comment and "|" not in comment


def test_latex_marks_are_comment_lines_after_the_environment():
    doc = ("\\documentclass{article}\n\\begin{document}\n\\begin{equation}\n" + MISSING_FACTOR +
           "\n\\end{equation}\nAnd $w_5^+ = 0.3598$ here.\n\\end{document}\n")
    out, changes = fixed(doc, "post.tex")
    lines = out.splitlines()
    assert lines[4] == "\\end{equation}" and lines[5].startswith("% derive: wrong: the sides differ")
    assert lines[6] == "And $w_5^+ = 0.3589$ here."
    assert [str(c) for c in changes][0] == "line 6: 0.3598 -> 0.3589"


def test_html_marks_are_comments_after_the_element():
    doc = ('<!DOCTYPE html><html><body><p><span class="math inline">\\(out_{h1} = 0.5993\\)</span> and '
           '<span class="math inline">\\(out_{h1} = \\frac{1}{1+e^{net_{h1}}}\\)</span>.</p></body></html>\n')
    out, _ = fixed(doc, "post.html")
    assert "\\(out_{h1} = 0.5933\\)</span>" in out
    assert "\\)</span><!-- derive: wrong: the sides differ" in out and out.endswith("-->.</p></body></html>\n")


# -- the command line ----------------------------------------------------------
def test_fix_writes_the_fixed_copy_atomically(tmp_path, capsys):
    post = tmp_path / "post.md"
    post.write_text(f"# Draft\n\n{GRADIENT}\n$${MISSING_FACTOR}$$\n")
    out, marked = tmp_path / "fixed.md", tmp_path / "marked.md"
    assert main(["verify", "mazur", str(post), "--fix", str(out), "--annotate", str(marked)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("✗ 3  ")                        # the report is the post's, as without --fix
    err = captured.err.splitlines()
    assert err[0] == "line 3: 0.0823 -> 0.0822" and err[1].startswith("line 5: marked: the sides differ")
    assert err[2] == f"fixed 1 figure, marked 1 formula in {out}"
    text = out.read_text()
    assert "w_5} = 0.0822$$\n" in text and text.count("<!-- derive: wrong:") == 1
    assert "derive: ✗" in marked.read_text()                       # --annotate writes its own file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fixed.md", "marked.md", "post.md"]   # no temporary file


def test_fix_of_a_right_post_is_a_byte_for_byte_copy(tmp_path, capsys):
    post, out = tmp_path / "post.md", tmp_path / "fixed.md"
    post.write_bytes(b"Right: $out_{h1} = 0.5933$\r\n")
    assert main(["verify", "mazur", str(post), "--fix", str(out)]) == 0
    assert out.read_bytes() == post.read_bytes()
    assert capsys.readouterr().err == f"fixed 0 figures, marked 0 formulas in {out}\n"


@pytest.mark.parametrize("args, message", [
    (["--claim", "a = 1", "--fix", "x.md"], "--fix: expected a document DOC to fix, not --claim"),
    (["post.md", "--fix", "same.md", "--annotate", "same.md"], "expected two different files"),
    (["post.md", "--fix", "no/such/folder/x.md"], "does not exist"),
])
def test_fix_usage_errors_are_one_line_and_exit_two(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "post.md").write_text(GRADIENT)
    assert main(["verify", "mazur", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1 and message in captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["post.md"]


# -- real posts and seeds --------------------------------------------------------
def check_fixed_copy(spec, text: str, name: str) -> tuple[int, int]:
    """Repair a post, take its marks out, verify it again: what is still wrong is marked, every figure
    set right is right now, and only the rows of wrong claims changed. (figures fixed, claims marked)"""
    report = verify_text(checker(spec), text, name)
    out, changes = repair(checker(spec), text, name, report)
    bare = MARK.sub("", out)
    again = verify_text(checker(spec), bare, name)
    marked = {c.line for c in changes if c.new is None}
    figures = {c.line for c in changes if c.new is not None}
    assert out.count("derive: wrong:") == sum(c.new is None for c in changes)
    assert {c.line for c in again.claims if c.verdict == "wrong"} <= marked
    right = set().union(*(lines(bare, claim) for claim in again.claims if claim.verdict == "ok"))
    assert figures - marked <= right                # each figure set right is in a claim that is right now
    assert again.summary["unchecked"] <= report.summary["unchecked"]
    rows = set().union(*(lines(text, claim) for claim in report.claims if claim.verdict == "wrong"))
    before, after = text.splitlines(), bare.splitlines()
    assert len(before) == len(after)
    assert {k + 1 for k, (a, b) in enumerate(zip(before, after)) if a != b} <= rows
    return len(figures), len(marked)


def lines(text: str, claim: Claim) -> set[int]:
    """The lines of the claim's region."""
    return set(range(text.count("\n", 0, claim.start) + 1, text.count("\n", 0, claim.end) + 2))


@pytest.mark.parametrize("folder", measure.posts(), ids=[p.name for p in measure.posts()])
def test_the_fixed_copy_of_a_real_post_has_no_wrong_figure_left(folder):
    doc = measure.document(folder)
    check_fixed_copy(folder / "spec.toml", doc.read_text(encoding="utf-8"), doc.name)


@pytest.mark.parametrize("number", sorted(SEED_SPECS))
def test_the_fixed_copy_of_a_seed_post_has_no_wrong_figure_left(number):
    spec = SEED_SPECS[number]
    (path,) = (SEEDS / "posts").glob(f"{number}_*.txt")
    check_fixed_copy(SEEDS / spec if spec.endswith(".toml") else spec, path.read_text(encoding="utf-8"),
                     f"{number}.txt")
