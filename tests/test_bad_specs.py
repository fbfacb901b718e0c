"""The bad-input corpus: every malformed spec gets one line naming the field, exit code 2."""

import subprocess
import sys
from pathlib import Path

import pytest

from derive.cli import main

CORPUS = sorted((Path(__file__).parent / "bad_specs").glob("*.toml"))


def _expected(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: ")
    return first[len("# expect: "):]


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 25


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_bad_spec_gets_one_line_error_naming_the_field(path, capsys):
    code = main(["report", str(path)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"derive: error: {path}: ")
    assert _expected(path) in lines[0]


def test_missing_file(capsys, tmp_path):
    missing = tmp_path / "nope.toml"
    assert main(["report", str(missing)]) == 2
    assert capsys.readouterr().err == f"derive: error: {missing}: no such spec file (expected a TOML file or a preset name)\n"


def test_unknown_preset_lists_the_known_ones(capsys):
    assert main(["report", "mazurr"]) == 2
    assert capsys.readouterr().err == "derive: error: unknown preset 'mazurr' (known presets: batch4, deep_sigmoid, khanal, mazur, niuguy)\n"


def test_bad_spec_through_the_real_command_has_no_traceback():
    path = CORPUS[0]
    out = subprocess.run([sys.executable, "-m", "derive", "report", str(path)], capture_output=True, text=True)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert len(out.stderr.splitlines()) == 1


def test_bad_usage_is_one_line_with_exit_code_2(capsys):
    assert main(["report", "mazur", "--format", "docx"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "invalid choice: 'docx'" in err


@pytest.mark.parametrize("argv,message", [
    (["report", "khanal", "--format", "json"], "the spec gives no numbers, so it is written in the layer notation only"),
    (["report", "khanal", "--notation", "neuron"], "the spec gives no numbers"),
    (["code", "khanal"], "layers[0].activation: g has no numeric form, so there is no code to generate"),
])
def test_a_spec_without_numbers_refuses_what_needs_numbers(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and message in err
