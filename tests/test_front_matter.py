"""A post that names its spec in its front matter: `derive verify POST`, several posts, and the errors."""

from __future__ import annotations

import io
import json
import textwrap

import pytest

import derive
from derive.verify import front_matter
from derive.cli import main
from helpers import ROOT

MAZUR_TOML = (ROOT / "derive" / "spec" / "presets" / "mazur.toml").read_text()
BODY = r"""
The hidden unit: $out_{h1} = \frac{1}{1 + e^{-net_{h1}}} = 0.593269992$.

$$
\frac{\partial E_{total}}{\partial w_5} = 0.0822
$$
"""
WRONG_BODY = BODY.replace("0.0822", "0.0823")


def post(derive_block: str, body: str = BODY, title: str = "By hand") -> str:
    return f"---\ntitle: {title}\n{derive_block}\n---\n{body}"


def lines_of(out: str) -> list[tuple[str, int]]:
    """(mark, line) of each claim row of a table."""
    return [(row[0], int(row[1:].split()[0])) for row in out.splitlines() if row[:1] in "✓✗?" and row[1:2] == " "]


@pytest.fixture
def blog(tmp_path, monkeypatch):
    """A blog: posts/ with specs/net.toml beside them, run from somewhere else."""
    (tmp_path / "posts" / "specs").mkdir(parents=True)
    (tmp_path / "posts" / "specs" / "net.toml").write_text(MAZUR_TOML)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return tmp_path / "posts"


def test_a_spec_path_is_relative_to_the_post_and_lines_are_the_posts_own(blog, capsys):
    (blog / "wrong.md").write_text(post("derive:\n  spec: specs/net.toml", WRONG_BODY))
    assert main(["verify", str(blog / "wrong.md")]) == 1
    out = capsys.readouterr().out
    # front matter: lines 1-5; the inline claim is on line 7, the display's equation on line 10
    assert lines_of(out) == [("✓", 7), ("✗", 10)]
    assert out.startswith(f"{blog / 'wrong.md'}:\n")       # named: a hook may pass its posts one at a time


def test_a_preset_name_and_the_python_api(tmp_path, capsys):
    text = post("derive:\n  spec: mazur")
    (tmp_path / "right.md").write_text(text)
    assert main(["verify", str(tmp_path / "right.md")]) == 0
    assert lines_of(capsys.readouterr().out) == [("✓", 7), ("✓", 10)]
    assert derive.post_spec(text, "right.md").title == derive.load("mazur").title
    assert derive.post_spec("# no front matter\n$a = 1$\n", "x.md") is None


def test_an_inline_spec_is_used_and_never_read_as_claims(tmp_path, capsys):
    # the inline spec's learning rate is 0.1, not mazur's 0.5: w_5 after the step differs from mazur's
    inline = MAZUR_TOML.replace("learning_rate = 0.5", "learning_rate = 0.1")
    assert inline != MAZUR_TOML
    block = "derive:\n  spec_toml: |\n" + textwrap.indent(inline, "    ")
    step = "\n$$\nw_5^+ = 0.39178329\n$$\n"                  # 0.4 - 0.1 * 0.0821670406
    doc = tmp_path / "inline.md"
    doc.write_text(post(block, BODY + step))
    assert main(["verify", str(doc), "--json"]) == 0
    [report] = json.loads(capsys.readouterr().out)             # a list: the post named its own spec
    assert report["document"] == str(doc)
    claims = report["claims"]
    front_end = 3 + block.count("\n") + 2
    assert [c["verdict"] for c in claims] == ["ok", "ok", "ok"]
    assert all(c["line"] > front_end for c in claims)        # none of the TOML's `key = value` lines
    assert main(["verify", "mazur", str(doc)]) == 1          # the same post against mazur's rate: wrong


def test_an_explicit_spec_wins_over_the_front_matter(tmp_path, capsys):
    doc = tmp_path / "post.md"
    doc.write_text(post("derive:\n  spec: no/such/spec.toml"))
    assert main(["verify", "mazur", str(doc)]) == 0
    assert lines_of(capsys.readouterr().out) == [("✓", 7), ("✓", 10)]


def test_a_post_without_a_spec_says_both_ways_to_give_one(tmp_path, capsys):
    doc = tmp_path / "plain.md"
    doc.write_text("# Notes\n" + BODY)
    assert main(["verify", str(doc)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1
    assert f"derive verify SPEC {doc}" in captured.err and "derive: {spec: net.toml}" in captured.err


@pytest.mark.parametrize("block, message", [
    ("derive:\n  spec: [specs/net.toml", "front matter, line 4: YAML error"),
    ("derive:\n  spec: 3", "derive.spec: expected a path or a preset name, got int"),
    ("derive:\n  spec:", "derive.spec: expected a path or a preset name, got NoneType"),
    ("derive:\n  spec: specs/missing.toml", "derive.spec: specs/missing.toml: no such spec file"),
    ("derive:\n  spec: nosuchpreset", "derive.spec: unknown preset 'nosuchpreset'"),
    ("derive:\n  spek: mazur", "expected one key, spec or spec_toml"),
    ("derive: mazur", "expected one key, spec or spec_toml"),
    ("derive:\n  spec: mazur\n  spec_toml: x", "expected one key, spec or spec_toml"),
    ("derive:\n  spec_toml: 'input = 1'", "derive.spec_toml: layers: missing section"),
    ("derive:\n  spec_toml: '[input'", "derive.spec_toml: TOML syntax error"),
    ('derive:\n  spec: "net\\0.toml"', "derive.spec: a NUL character in 'net\\x00.toml'"),
    ("derive: " + "[" * 5000, "front matter nests too deeply to read"),
    ("derive: !!python/object/apply:os.system ['true']", "could not determine a constructor"),
])
def test_a_bad_front_matter_is_one_line_and_exit_two(tmp_path, monkeypatch, capsys, block, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "post.md").write_text(post(block))
    assert main(["verify", "post.md"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1, captured.err
    assert captured.err.startswith("derive: error: post.md: ") and message in captured.err
    assert "Traceback" not in captured.err


def test_several_posts_each_with_its_spec(blog, capsys):
    (blog / "right.md").write_text(post("derive:\n  spec: specs/net.toml"))
    (blog / "wrong.md").write_text(post("derive:\n  spec: mazur", WRONG_BODY))
    (blog / "plain.md").write_text("# Plain\n\n$a = 1$\n")
    docs = [str(blog / name) for name in ("right.md", "wrong.md")]
    assert main(["verify", *docs]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{docs[0]}:\n✓  7") and f"\n{docs[1]}:\n✓  7" in out
    assert main(["verify", docs[0]]) == 0
    capsys.readouterr()
    # a post that names no spec: an error, unless the run asks to skip such posts
    assert main(["verify", *docs, str(blog / "plain.md")]) == 2
    assert capsys.readouterr().out == ""
    assert main(["verify", "--only-with-front-matter", docs[0], str(blog / "plain.md")]) == 0
    captured = capsys.readouterr()
    assert "plain.md: skipped" in captured.err and "2 right, 0 wrong" in captured.out
    # several posts as JSON: a list, each with its document
    assert main(["verify", "--format", "json", *docs]) == 1
    reports = json.loads(capsys.readouterr().out)
    assert [(r["document"], r["summary"]["wrong"]) for r in reports] == [(docs[0], 0), (docs[1], 1)]


def test_an_explicit_spec_with_several_posts(tmp_path, capsys):
    for name, body in (("a.md", BODY), ("b.md", WRONG_BODY)):
        (tmp_path / name).write_text("# Post\n" + body)
    assert main(["verify", "mazur", str(tmp_path / "a.md"), str(tmp_path / "b.md")]) == 1
    assert capsys.readouterr().out.count("(neuron notation)") == 2


def test_a_post_that_only_starts_with_a_rule_reads_as_before(tmp_path, capsys):
    # no derive: key: the block is the post's own text, and its math is checked as it always was
    doc = tmp_path / "ruled.md"
    doc.write_text("---\ntitle: $w_5 = 0.40$ by hand\n---\n" + BODY)
    assert front_matter.find(doc.read_text(), str(doc)) is None
    assert front_matter.for_checking(doc.read_text(), str(doc)) == doc.read_text()
    assert main(["verify", "mazur", str(doc)]) == 0
    assert lines_of(capsys.readouterr().out) == [("✓", 2), ("✓", 5), ("✓", 8)]


def test_a_latex_post_writes_its_front_matter_as_comments(tmp_path, capsys):
    doc = tmp_path / "paper.tex"
    doc.write_text("% ---\n% derive:\n%   spec: mazur\n% ---\n\\documentclass{article}\n\\begin{document}\n"
                   "\\begin{equation}\n\\frac{\\partial E_{total}}{\\partial w_5} = 0.0823\n\\end{equation}\n"
                   "\\end{document}\n")
    assert main(["verify", str(doc)]) == 1
    assert lines_of(capsys.readouterr().out) == [("✗", 8)]


def test_crlf_line_ends_and_a_byte_order_mark_keep_the_lines(tmp_path, capsys):
    doc = tmp_path / "windows.md"
    doc.write_bytes(("\ufeff" + post("derive:\n  spec: mazur", WRONG_BODY)).replace("\n", "\r\n").encode())
    assert main(["verify", str(doc)]) == 1
    assert lines_of(capsys.readouterr().out) == [("✓", 7), ("✗", 10)]


def test_fix_and_annotate_keep_the_front_matter_as_written(tmp_path, capsys):
    block = "derive:\n  spec_toml: |\n" + textwrap.indent(MAZUR_TOML, "    ")
    text = post(block, WRONG_BODY)
    doc = tmp_path / "post.md"
    doc.write_text(text)
    fixed, marked = tmp_path / "fixed.md", tmp_path / "marked.md"
    assert main(["verify", str(doc), "--fix", str(fixed), "--annotate", str(marked)]) == 1
    assert fixed.read_text() == text.replace("0.0823", "0.0822")
    assert marked.read_text().startswith(text[:text.index("\n---\n") + 5])
    assert "*derive: ✗ `\\frac{\\partial E_{total}}{\\partial w_5} = 0.0823`" in marked.read_text()
    assert main(["verify", str(fixed)]) == 0


def test_a_post_on_stdin_names_its_spec_from_the_working_folder(tmp_path, monkeypatch, capsys):
    (tmp_path / "net.toml").write_text(MAZUR_TOML)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(post("derive:\n  spec: net.toml").encode())))
    assert main(["verify", "-"]) == 0
    assert lines_of(capsys.readouterr().out) == [("✓", 7), ("✓", 10)]


@pytest.mark.parametrize("args, message", [
    (["verify"], "expected a document DOC"),
    (["verify", "a.md", "b.md", "--annotate", "x.md"], "--annotate: expected one document, got 2"),
    (["verify", "a.md", "b.md", "--fix", "x.md"], "--fix: expected one document, got 2"),
    (["verify", "--claim", "a = 1"], "verify --claim: expected SPEC"),
    (["verify", "a.md", "--json", "--format", "github"], "--json and --format github: expected one of them"),
    (["verify", "-", "-"], "stdin ('-') given twice"),
])
def test_bad_usage_of_several_documents(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(post("derive:\n  spec: mazur"))
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1 and message in captured.err
