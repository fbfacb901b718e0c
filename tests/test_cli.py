"""The command line: outputs, atomic files, presets, help and the progress bar."""

import fcntl
import json
import os
import pty
import struct
import termios
import subprocess
import sys
from pathlib import Path

import pytest

import derive
from derive.cli import main
from derive.files import write_atomically

# The console script installed beside the Python that runs the tests (a virtual environment's bin is
# not on PATH unless it is activated).
DERIVE = str(Path(sys.executable).with_name("derive"))


def test_presets_lists_each_with_a_description(capsys):
    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == derive.preset_names() == sorted(derive.preset_names())
    assert any(line.startswith("mazur ") and "2-2-2 sigmoid network" in line for line in lines)
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines)


def test_report_without_argument_is_a_usage_error(capsys):
    assert main(["report"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("derive: error: the following arguments are required: SPEC "
                            "(see 'derive report --help')\n")


@pytest.mark.parametrize("command", [[], ["report"], ["code"], ["verify"], ["presets"]])
def test_every_help_ends_with_examples(command, capsys):
    with pytest.raises(SystemExit) as exit:
        main([*command, "--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    examples = out.split("\nexamples:\n")[1].splitlines()
    assert 2 <= len(examples) <= 3
    assert all(line.startswith("  derive ") for line in examples)
    assert out.startswith(f"usage: derive {' '.join(command)}".rstrip())


def test_an_output_error_is_found_before_the_derivation(tmp_path, capsys, monkeypatch):
    import derive.api
    monkeypatch.setattr(derive.api, "derive", lambda spec: pytest.fail("derived before checking -o"))
    assert main(["report", "mazur", "-o", str(tmp_path)]) == 2
    assert capsys.readouterr().err.endswith("is a folder; expected a regular file to replace or a new file's "
                                            "name (for stdout, leave the option out)\n")


def test_report_to_file_writes_the_same_as_stdout(tmp_path, capsys):
    target = tmp_path / "mazur.md"
    assert main(["report", "mazur", "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["report", "mazur"]) == 0
    assert target.read_text() == capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["mazur.md"]  # no temporary file left behind


def test_output_into_a_missing_folder_is_a_clean_error(tmp_path, capsys):
    assert main(["report", "mazur", "-o", str(tmp_path / "no" / "x.md")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "doc.md"
    target.write_text("old")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(Exception, match="No space left"):
        write_atomically(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["doc.md"]


def test_json_output_is_clean_json(capsys):
    assert main(["report", "mazur", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"loss", "parameters", "gradients", "updated", "loss_after_step", "training"}
    assert doc["training"]["iterations"] == 10000


def test_json_keeps_the_row_layouts_orientation_and_per_unit_biases(tmp_path, capsys):
    spec = tmp_path / "row.toml"
    spec.write_text("""layout = "row"
[input]
values = [0.1, 0.2, 0.3]
[target]
values = [0.5, 0.25]
[[layers]]
units = 2
activation = "tanh"
weights = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
bias = [0.1, -0.1]
[loss]
function = "half_sse"
[training]
learning_rate = 0.1
""")
    assert main(["report", str(spec), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["gradients"]["W1"]) == 3 and len(doc["gradients"]["W1"][0]) == 2
    assert isinstance(doc["gradients"]["b1"], list) and len(doc["gradients"]["b1"]) == 2
    assert "training" not in doc


def test_python_m_derive_and_console_script_agree():
    a = subprocess.run([sys.executable, "-m", "derive", "presets"], capture_output=True, text=True, check=True)
    b = subprocess.run([DERIVE, "presets"], capture_output=True, text=True, check=True)
    assert a.stdout == b.stdout != ""


def test_the_command_writes_what_the_api_renders_to_a_pipe_and_a_file(tmp_path):
    """run() freezes the collector before the exit: what it wrote is whole, on stdout and in a file."""
    expected = derive.render(derive.derive(derive.load("mazur")), "markdown")
    out = tmp_path / "mazur.md"
    piped = subprocess.run([sys.executable, "-m", "derive", "report", "mazur"], capture_output=True, text=True,
                           check=True)
    subprocess.run([sys.executable, "-m", "derive", "report", "mazur", "-o", str(out)], check=True)
    assert piped.stdout == out.read_text() == expected


def _long_training_spec(tmp_path: Path) -> Path:
    lines = Path(__file__).parent.parent.joinpath("derive", "spec", "presets", "mazur.toml").read_text()
    path = tmp_path / "long.toml"
    path.write_text(lines.replace("iterations = 10000", "iterations = 150000"))   # about 5 s: well past the bar's 2 s delay
    return path


def _run_in_terminal(argv: list[str]) -> str:
    """Run with stdin/stdout/stderr on a pseudo-terminal; return everything it showed."""
    pid, fd = pty.fork()
    if pid == 0:
        # a new pty is 0x0; give it a size, as a real terminal has
        try:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)      # never return into the test run: the child is a copy of pytest
    chunks = []
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode(errors="replace")


def test_long_training_shows_a_progress_bar_on_a_terminal(tmp_path):
    spec = _long_training_spec(tmp_path)
    shown = _run_in_terminal([DERIVE, "report", str(spec), "--format", "json", "-o", str(tmp_path / "out.json")])
    assert "training:" in shown and "%|" in shown and "step/s" in shown


def test_long_training_stays_quiet_in_a_pipe(tmp_path):
    spec = _long_training_spec(tmp_path)
    out = subprocess.run([DERIVE, "report", str(spec), "--format", "json"], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stderr == ""
    json.loads(out.stdout)


def _wide_network_spec(tmp_path: Path, n: int = 96) -> Path:
    import numpy as np
    rng = np.random.default_rng(0)

    def rows(a):
        return "[" + ", ".join("[" + ", ".join(f"{v:.3f}" for v in r) + "]" for r in a) + "]"
    layers = "".join(f"""
[[layers]]
units = {n}
activation = "sigmoid"
weights = {rows(rng.uniform(-0.3, 0.3, (n, n)))}
bias = 0.1
""" for _ in range(2))
    path = tmp_path / "wide.toml"
    path.write_text(f"""[input]
values = [{", ".join("0.5" for _ in range(n))}]
[target]
values = [{", ".join("0.25" for _ in range(n))}]
{layers}
[loss]
function = "half_sse"
[training]
learning_rate = 0.1
""")
    return path


def test_deriving_a_large_network_shows_a_progress_bar_on_a_terminal(tmp_path):
    spec = _wide_network_spec(tmp_path, n=224)     # about 4 s of deriving; the bar shows after 2
    shown = _run_in_terminal([DERIVE, "report", str(spec), "--format", "json", "-o", str(tmp_path / "out.json")])
    assert "deriving:" in shown and "%|" in shown
    assert json.loads((tmp_path / "out.json").read_text())["gradients"]["W1"]


def test_readme_excerpt_is_what_the_report_prints(capsys):
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    excerpt = readme.split("````markdown\n")[1].split("\n````")[0]
    assert main(["report", "mazur"]) == 0
    report = capsys.readouterr().out
    for line in excerpt.splitlines():
        if line not in ("", "…"):
            assert line in report, line


def test_writing_a_large_document_shows_a_progress_bar_on_a_terminal(tmp_path):
    """The progress bar covers writing the document too, not only deriving it."""
    spec = _wide_network_spec(tmp_path, n=48)      # about 8 s of writing; the bar shows after 2
    shown = _run_in_terminal([DERIVE, "report", str(spec), "--samples", "all", "-o", str(tmp_path / "out.md")])
    assert "writing:" in shown and "%|" in shown
    assert "## The backward pass" in (tmp_path / "out.md").read_text()


def test_a_folder_named_like_a_preset_does_not_hide_the_preset(tmp_path, monkeypatch, capsys):
    """derive report l2 beside a folder l2/ (reports/ has one per preset) is the preset; a spec
    file of that name is still the file."""
    preset = derive.load("l2")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "l2").mkdir()
    assert derive.load("l2") == preset
    assert main(["report", "l2", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["parameters"]
    (tmp_path / "mine").write_text((Path(derive.__file__).parent / "spec" / "presets" / "l2.toml").read_text())
    assert derive.load("mine") == preset
