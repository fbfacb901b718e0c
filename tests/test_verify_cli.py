"""`derive verify` on the command line: the table, --json, --annotate, --claim and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from derive.cli import main

POST = r"""# Draft

The hidden unit: $out_{h1} = \frac{1}{1 + e^{-net_{h1}}} = 0.593269992$.

$$
\frac{\partial E_{total}}{\partial w_5} = 0.0823
$$

| step | value |
|------|-------|
| $w_5^+ = 0.35891648$ | ok |

$$foo_{bar} = 1$$
"""


@pytest.fixture
def post(tmp_path):
    path = tmp_path / "post.md"
    path.write_text(POST)
    return path


def test_table_and_exit_code_one_when_a_claim_is_wrong(post, capsys):
    assert main(["verify", "mazur", str(post)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✓  3  out_{h1}")
    assert out[1].startswith("✗  6  ") and "expected 0.0822" in out[1]
    assert out[2].startswith("✓ 11  ")
    assert out[3].startswith("? 13  ") and "unknown name foo_bar" in out[3]
    assert out[4] == "2 right, 1 wrong, 1 unchecked (neuron notation)"


def test_json_schema(post, capsys):
    assert main(["verify", "mazur", str(post), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"claims", "summary", "bindings"}
    assert report["summary"] == {"ok": 2, "wrong": 1, "unchecked": 1, "primary": 1}
    for claim in report["claims"]:
        assert set(claim) == {"line", "text", "verdict", "expected", "reason"}
        assert isinstance(claim["line"], int) and claim["verdict"] in ("ok", "wrong", "unchecked")
    wrong = report["claims"][1]
    assert (wrong["line"], wrong["verdict"], wrong["expected"]) == (6, "wrong", "0.0822")
    assert report["claims"][0]["expected"] is None and report["claims"][0]["reason"] is None


def test_annotate_writes_a_marked_copy(post, tmp_path, capsys):
    out = tmp_path / "marked.md"
    assert main(["verify", "mazur", str(post), "--annotate", str(out)]) == 1
    marked = out.read_text()
    assert marked.count("derive: ✓") == 2 and marked.count("derive: ✗") == 1 and marked.count("derive: ?") == 1
    assert "$out_{h1} = \\frac{1}{1 + e^{-net_{h1}}} = 0.593269992$ *[derive: ✓]*." in marked
    assert "\n$$\n\n*derive: ✗ `\\frac{\\partial E_{total}}{\\partial w_5} = 0.0823`: expected 0.0822" in marked
    assert marked.replace(" *[derive: ✓]*", "").count("|") == POST.count("|")   # the table keeps its cells
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_annotate_latex_marks_are_comments(tmp_path, capsys):
    doc = tmp_path / "paper.tex"
    doc.write_text("\\begin{equation}\nout_{h1} = 0.593269992\n\\end{equation}\nText $w_5^+ = 0.3589$ more.\n")
    out = tmp_path / "marked.tex"
    assert main(["verify", "mazur", str(doc), "--annotate", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[2] == "\\end{equation} % derive: ✓"
    assert lines[3] == "Text $w_5^+ = 0.3589$ more. % derive: ✓"


def test_claim_on_the_command_line(capsys):
    assert main(["verify", "mazur", "--claim", r"\frac{\partial E_{total}}{\partial w_5} = 0.0822"]) == 0
    assert capsys.readouterr().out.startswith("✓ 1  ")


def test_no_math_is_no_claims_found(tmp_path, capsys):
    doc = tmp_path / "prose.md"
    doc.write_text("# Notes\n\nNothing to check here, only words. It costs $5.\n")
    assert main(["verify", "mazur", str(doc)]) == 0
    assert capsys.readouterr().out == "no claims found\n"
    assert main(["verify", "mazur", str(doc), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"claims": [], "summary": {"ok": 0, "wrong": 0, "unchecked": 0, "primary": 0},
                                                        "bindings": []}


@pytest.mark.parametrize("args, message", [
    (["verify", "mazur"], "expected a document DOC or --claim TEX"),
    (["verify", "mazur", "post.md", "--claim", "a = 1"], "expected a document DOC or --claim TEX"),
    (["verify", "mazur", "--claim", "a = 1", "--annotate", "x.md"], "--annotate: expected a document DOC"),
    (["verify", "mazur", "missing.md"], "missing.md: no such document"),
    (["verify", "nosuchpreset", "--claim", "a = 1"], "nosuchpreset"),
    (["verify", "mazur", "--claim", "  "], "--claim: the formula is empty"),
    (["verify", "mazur", "--claim", "a = 1", "--notation", "matrix"], "--notation"),
])
def test_bad_usage_is_one_line_and_exit_two(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "post.md").write_text("$a = 1$")
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1 and message in captured.err


def test_a_binary_document_is_refused(tmp_path, capsys):
    doc = tmp_path / "image.md"
    doc.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert main(["verify", "mazur", str(doc)]) == 2
    assert "not UTF-8 text" in capsys.readouterr().err


def test_annotate_into_a_missing_folder_writes_nothing(post, tmp_path, capsys):
    assert main(["verify", "mazur", str(post), "--annotate", str(tmp_path / "no" / "out.md")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_spec_with_aliases_from_a_file(tmp_path, capsys):
    spec = (tmp_path / "net.toml")
    from helpers import ROOT
    spec.write_text((ROOT / "derive" / "spec" / "presets" / "mazur.toml").read_text()
                    + '\n[aliases]\n"h_{out1}" = "out_h1"\n')
    assert main(["verify", str(spec), "--claim", r"h_{out1} = 0.5933"]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text((ROOT / "derive" / "spec" / "presets" / "mazur.toml").read_text() + '\n[aliases]\n"h_{out1}" = 3\n')
    assert main(["verify", str(bad), "--claim", r"h_{out1} = 0.5933"]) == 2
    assert "aliases" in capsys.readouterr().err


def test_the_installed_command_runs_without_a_traceback(post):
    done = subprocess.run([sys.executable, "-m", "derive", "verify", "mazur", str(post), "--json"],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert json.loads(done.stdout)["summary"]["wrong"] == 1


def test_a_document_over_the_bound_is_refused(tmp_path, capsys):
    doc = tmp_path / "huge.md"
    doc.write_text("$a = 1$ " * 600_000)             # 4.8 million characters
    assert main(["verify", "mazur", str(doc)]) == 2
    assert "at most 4000000" in capsys.readouterr().err


def test_annotate_html_marks_are_comments(tmp_path, capsys):
    doc = tmp_path / "page.html"
    doc.write_text('<!DOCTYPE html>\n<p><span class="math inline">w_5^+ = 0.3589</span> and '
                   '<span class="math inline">w_6^+ = 0.5</span></p>\n')
    out = tmp_path / "marked.html"
    assert main(["verify", "mazur", str(doc), "--annotate", str(out)]) == 1
    marked = out.read_text()
    assert '0.3589</span><!-- derive: ✓ -->' in marked
    assert '0.5</span><!-- derive: ✗ ' in marked and "expected 0.409" in marked


def test_explain_names_lists_each_unknown_name_once(post, capsys):
    """The unknown names come from the claims' own record of them, not from their reasons' wording."""
    assert main(["verify", "mazur", str(post), "--explain-names"]) == 1
    out = capsys.readouterr().out
    assert out.count("not read: foo_bar (give it an alias in the spec's [aliases])") == 1


def test_a_wrong_link_is_known_by_its_number_and_fixed_there(tmp_path, capsys):
    """A chain whose second link is wrong: the claim records which link (not in its reason's words
    alone), and --fix replaces that link's figure, not the first one's."""
    import derive
    from derive.verify import Checker, verify_text

    text = ("$$\\frac{\\partial E_{total}}{\\partial w_5} = 0.74136507 \\cdot 0.186815602 \\cdot 0.593269992"
            " = 0.0921670406$$\n")
    report = verify_text(Checker(derive.derive(derive.load("mazur"))), text, "post.md", "neuron")
    assert [(c.verdict, c.link) for c in report.claims] == [("wrong", 2)]
    assert report.claims[0].reason.startswith("link 2 of 2: ")
    post, fixed = tmp_path / "post.md", tmp_path / "fixed.md"
    post.write_text(text)
    assert main(["verify", "mazur", str(post), "--fix", str(fixed)]) == 1
    assert "0.74136507 \\cdot 0.186815602 \\cdot 0.593269992 = 0.082167040" in fixed.read_text()
