"""`derive verify --format github`: GitHub Actions workflow commands, and --format table|json."""

from __future__ import annotations

import re

import pytest

from derive.cli import main
from derive.verify.document import Claim, Report
from derive.verify.github import workflow_commands

POST = r"""# Draft

The hidden unit: $out_{h1} = \frac{1}{1 + e^{-net_{h1}}} = 0.593269992$.

$$
\frac{\partial E_{total}}{\partial w_5} = 0.0823
$$

$$foo_{bar} = 1$$
"""
# GitHub's own reading of a command (actions/runner, ActionCommand.cs): `::name k=v,k=v::message`
COMMAND = re.compile(r"::(?P<name>\w+) (?P<properties>[^:]*)::(?P<message>.*)")


def unescape(text: str) -> str:
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def read(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.fullmatch(line)
    assert match, line
    properties = dict(pair.split("=", 1) for pair in match["properties"].split(","))
    return match["name"], {k: unescape(v) for k, v in properties.items()}, unescape(match["message"])


def test_an_error_per_wrong_claim_a_warning_per_unchecked_and_a_summary(tmp_path, capsys):
    doc = tmp_path / "post.md"
    doc.write_text(POST)
    assert main(["verify", "mazur", str(doc), "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    name, properties, message = read(lines[0])
    assert name == "error" and properties == {"file": str(doc), "line": "6", "title": "derive verify"}
    assert message.startswith(r"\frac{\partial E_{total}}{\partial w_5} = 0.0823: expected 0.0822; ")
    name, properties, message = read(lines[1])
    assert name == "warning" and properties["line"] == "9" and "unknown name foo_bar" in message
    assert lines[2] == f"derive verify: 1 right, 1 wrong, 1 unchecked in {doc}"


def test_no_wrong_claim_is_exit_zero(tmp_path, capsys):
    doc = tmp_path / "post.md"
    doc.write_text(POST.replace("0.0823", "0.0822"))
    assert main(["verify", "mazur", str(doc), "--format", "github"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [read(line)[0] for line in lines[:-1]] == ["warning"]
    assert lines[-1].endswith("2 right, 0 wrong, 1 unchecked in " + str(doc))


def test_a_file_name_and_a_reason_are_escaped(tmp_path, capsys):
    doc = tmp_path / "a,b: 100%.md"
    doc.write_text(POST)
    assert main(["verify", "mazur", str(doc), "--format", "github"]) == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert "file=" + str(doc).replace("%", "%25").replace(":", "%3A").replace(",", "%2C") + ",line=6," in line
    assert read(line)[1]["file"] == str(doc)


def test_the_escapes_of_data_and_properties():
    claim = Claim(3, "a = 1", "wrong", "2", "50% off\r\nnext: a, b")
    out = workflow_commands([("dir:x,y%z.md", Report((claim,), "neuron"))]).splitlines()
    assert out[0] == ("::error file=dir%3Ax%2Cy%25z.md,line=3,title=derive verify::"
                      "a = 1: expected 2; 50%25 off%0D%0Anext: a, b")
    assert read(out[0])[2] == "a = 1: expected 2; 50% off\r\nnext: a, b"


def test_several_documents_share_one_summary():
    wrong = Claim(2, "a = 1", "wrong", "2", None)
    out = workflow_commands([("a.md", Report((wrong,), "neuron")), ("b.md", Report((), "neuron"))])
    assert out.splitlines() == ["::error file=a.md,line=2,title=derive verify::a = 1: expected 2",
                                "derive verify: 0 right, 1 wrong, 0 unchecked in 2 documents"]


@pytest.mark.parametrize("args", [["--format", "table"], []])
def test_format_table_is_the_default(tmp_path, capsys, args):
    doc = tmp_path / "post.md"
    doc.write_text(POST)
    assert main(["verify", "mazur", str(doc), *args]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "1 right, 1 wrong, 1 unchecked (neuron notation)"


def test_format_json_is_the_json_option(tmp_path, capsys):
    doc = tmp_path / "post.md"
    doc.write_text(POST)
    assert main(["verify", "mazur", str(doc), "--format", "json"]) == 1
    as_format = capsys.readouterr().out
    assert main(["verify", "mazur", str(doc), "--json"]) == 1
    assert capsys.readouterr().out == as_format
    assert main(["verify", "mazur", str(doc), "--json", "--format", "json"]) == 1
    assert capsys.readouterr().out == as_format


def test_a_claim_on_the_command_line_in_github_format(capsys):
    assert main(["verify", "mazur", "--claim", r"\frac{\partial E_{total}}{\partial w_5} = 0.0823",
                 "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert read(lines[0])[:2] == ("error", {"line": "1", "title": "derive verify"})
    assert lines[1] == "derive verify: 0 right, 1 wrong, 0 unchecked in the claim"
