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
    assert capsys.readouterr().err == "derive: error: unknown preset 'mazurr' (known presets: attention_head, batch4, batchnorm_mlp, deep_sigmoid, dropout, gru_T2, khanal, l2, lenet_like, lstm_T2, mazur, momentum, niuguy, no_bias, residual, rnn_T3, rnn_sine, tiny_cnn, transformer_block)\n"


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
    (["report", "khanal", "--format", "json"], "derive: error: --format json: the spec gives no numbers (no "
     "input.values), so there are none to write; expected a document format: markdown, latex, beamer, html or pdf"),
    (["report", "khanal", "--notation", "neuron"], "derive: error: --notation neuron: the spec gives no numbers, so "
     "it is written in the layer notation only; expected --notation layer or none"),
    (["code", "khanal"], "layers[1].activation: g has no numeric form, so there is no code to generate"),
])
def test_a_spec_without_numbers_refuses_what_needs_numbers(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and message in err


def test_positions_count_from_1_as_the_readme_numbers_layers(capsys, tmp_path):
    text = (Path(__file__).parent.parent / "derive" / "spec" / "presets" / "mazur.toml").read_text()
    spec = tmp_path / "net.toml"
    spec.write_text(text.replace("weights = [[0.40, 0.45], [0.50, 0.55]]", "weights = [[0.40, 0.45], [0.50, \"x\"]]"))
    assert main(["report", str(spec)]) == 2
    assert capsys.readouterr().err == (f"derive: error: {spec}: layers[2].weights[2][2]: expected a number, "
                                       "got a string ('x')\n")


def test_a_transposed_matrix_names_the_shape_meant(capsys, tmp_path):
    path = CORPUS[0].parent / "transposed_first_layer.toml"
    assert main(["report", str(path)]) == 2
    assert "expected shape 4x3 (units, inputs) in column layout, got 3x4" in capsys.readouterr().err


def test_spec_loading_tracebacks_are_one_line_through_the_real_command():
    for name in ("deep_nesting", "huge_integer", "layers_without_input"):
        path = CORPUS[0].parent / f"{name}.toml"
        out = subprocess.run([sys.executable, "-m", "derive", "report", str(path)], capture_output=True, text=True)
        assert out.returncode == 2 and len(out.stderr.splitlines()) == 1, out.stderr
        assert _expected(path) in out.stderr


@pytest.mark.parametrize("date,written", [("2026-11-22", "2026-11-22"), ("2026-11-22T09:30:00", "2026-11-22T09:30:00"),
                                          ("20261122", "2026-11-22")])
def test_a_date_string_is_rewritten_as_iso(date, written):
    from derive.spec.load import from_dict
    from helpers import MAZUR
    assert from_dict({**MAZUR, "date": date}).date == written
