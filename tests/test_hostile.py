"""The hostile-input corpus (tests/hostile/): user strings in every output format, template bombs,
spec paths that are not spec files, -o targets that are not files, Ctrl-C and closed pipes.

Every case ends in one line on stderr and the documented exit code (2 bad input, 130 Ctrl-C, 141 a
closed pipe), and no user string turns into markup, script, template syntax or TeX.
"""

import ast
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

import derive
from derive.output import documents, sandbox
from derive.cli import main, write_atomically
from derive.output.html import _converter
from renderers import need

HOSTILE = Path(__file__).parent / "hostile"
STRINGS = json.loads((HOSTILE / "strings.json").read_text(encoding="utf-8"))
TEMPLATES = sorted((HOSTILE / "templates").glob("*.j2"))
ALL = " ".join(STRINGS.values())
PAYLOAD_MARK = "PWNED"
MARKDOWN_FLAVORS = ("mathjax", "katex", "github", "hugo", "jekyll")

SPEC = """title = {title}
description = {description}
tags = {tags}
date = 2026-11-22

[input]
names = [{name}]
values = [[0.5]]

[target]
values = [[1.0]]

[[layers]]
units = 1
activation = "sigmoid"
names = ["o1"]
weights = [[0.3]]
bias = 0.1

[loss]
function = "half_sse"

[training]
learning_rate = 0.5
"""


def _toml(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's (non-ASCII stays raw: TOML has no surrogates)."""
    return json.dumps(text, ensure_ascii=False)


def _spec_file(folder: Path, text: str, name: str = "x1") -> Path:
    path = folder / "hostile.toml"
    path.write_text(SPEC.format(title=_toml(text), description=_toml(text), tags=_toml([text, "ok"]),
                                name=_toml(name)), encoding="utf-8")
    return path


def _result(text: str):
    return derive.derive(derive.from_dict({
        "title": text, "description": text, "tags": [text], "date": "2026-11-22",
        "input": {"names": ["x1"], "values": [[0.5]]}, "target": {"values": [[1.0]]},
        "layers": [{"units": 1, "activation": "sigmoid", "names": ["o1"], "weights": [[0.3]], "bias": 0.1}],
        "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.5}}))


BENIGN = _result("Plain words")


class _Tags(HTMLParser):
    """Every element and attribute an HTML text makes."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: Counter = Counter()
        self.attributes: list[tuple[str, str | None]] = []
        self.title = ""
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.attributes += attrs
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _assert_same_markup(hostile: str, benign: str):
    a, b = _Tags(hostile), _Tags(benign)
    assert a.tags == b.tags
    assert not [name for name, _ in a.attributes if name.startswith("on")]
    assert not [v for _, v in a.attributes if v and "javascript:" in v]


# -- user strings in every format --------------------------------------------------------------

@pytest.mark.parametrize("key", sorted(STRINGS))
def test_a_user_string_stays_text_in_markdown_and_its_html(key):
    text = STRINGS[key]
    result = _result(text)
    for flavor in MARKDOWN_FLAVORS:
        doc = derive.render(result, "markdown", flavor=flavor)
        benign = derive.render(BENIGN, "markdown", flavor=flavor)
        if flavor in ("hugo", "jekyll"):   # the front matter holds the strings as YAML data, exactly
            _, front, doc = doc.split("---\n", 2)
            lines = front.splitlines()
            assert [line.split(":")[0] for line in lines] == ["title", "date", "tags", "math"]
            assert json.loads(lines[0][len("title: "):]) == text
            assert json.loads(lines[2][len("tags: "):]) == [text]
            assert lines[1] == "date: 2026-11-22"
            benign = benign.split("---\n", 2)[2]
        for token in ("<script", "<img", "<div", "</svg", "-->", "{{", "{%", "](", "\n# not", "\n- not"):
            assert doc.count(token) == benign.count(token), (flavor, token)
        _assert_same_markup(_converter().render(doc), _converter().render(benign))


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_a_user_string_stays_text_in_the_html_page(key):
    text = STRINGS[key]
    page = derive.render(_result(text), "html")
    benign = derive.render(BENIGN, "html")
    _assert_same_markup(page, benign)
    assert _Tags(page).title == text
    heading = page.split("<h1>")[1].split("</h1>")[0]
    assert "<" not in heading


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_a_user_string_stays_text_in_latex_and_beamer(key):
    text = STRINGS[key]
    escaped = documents.latex_escape(text)
    for format in ("latex", "beamer"):
        doc = derive.render(_result(text), format)
        assert f"\\title{{{escaped}}}" in doc
        for raw in ("\\input{/etc", "\\write18{", "\\end{document} ", "{{", "^^41", "\\par "):
            assert doc.count(raw) == derive.render(BENIGN, format).count(raw), (format, raw)
        assert "\n\n" not in escaped and all(c.isascii() or c.isprintable() for c in escaped)


def _statements(module: str) -> list[str]:
    return [type(node).__name__ for node in ast.parse(module).body]


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_a_user_string_cannot_add_code_to_the_generated_module(key):
    text = STRINGS[key]
    module = derive.code(_result(text).spec)
    assert _statements(module) == _statements(derive.code(BENIGN.spec))    # no statement added
    docstring = ast.get_docstring(ast.parse(module), clean=False)
    assert docstring.startswith(f'Backpropagation for "{documents._one_line(text)}", generated by derive')


def test_the_whole_corpus_in_one_spec_through_the_command_line(tmp_path, capsys):
    spec = _spec_file(tmp_path, ALL)
    for argv in (["--format", "json"], ["--format", "latex"], ["--format", "beamer"], ["--flavor", "jekyll"]):
        assert main(["report", str(spec), *argv]) == 0, argv
        assert capsys.readouterr().err == ""
    assert main(["code", str(spec)]) == 0


def test_the_corpus_compiles_as_a_pdf_and_the_pdf_is_reproducible(tmp_path, monkeypatch):
    need("latexmk", "pdflatex")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    spec = _spec_file(tmp_path, ALL)
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    assert main(["report", str(spec), "--format", "pdf", "-o", str(first)]) == 0
    time.sleep(1.1)                                   # a clock-based CreationDate would now differ
    assert main(["report", str(spec), "--format", "pdf", "-o", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert not Path("/tmp/derive-pwned").exists()


def test_the_corpus_compiles_as_beamer_slides(tmp_path):
    need("latexmk", "pdflatex")
    tex = tmp_path / "slides.tex"
    tex.write_text(derive.render(_result(ALL), "beamer"), encoding="utf-8")
    from derive.output.pdf import tex_environment
    run = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, env=tex_environment())
    assert run.returncode == 0, run.stdout[-2000:]


def test_no_payload_runs_in_chromium(tmp_path):
    need("chromium")
    page = tmp_path / "page.html"
    page.write_text(derive.render(_result(ALL), "html"), encoding="utf-8")
    profile = tmp_path / "profile"
    run = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--no-first-run",
                          f"--user-data-dir={profile}", "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    dom, static = _Tags(run.stdout), _Tags(page.read_text(encoding="utf-8"))
    assert dom.tags["h1"] == 1 and 'class="katex' in run.stdout     # the page ran its own script
    assert dom.title.strip() != PAYLOAD_MARK                          # every payload sets the title so
    assert PAYLOAD_MARK in dom.title                                  # the hostile text is still the title
    for tag in ("script", "img", "div", "iframe", "a"):
        assert dom.tags[tag] == static.tags[tag], tag
    assert not [name for name, _ in dom.attributes if name.startswith("on")]


# -- user templates -----------------------------------------------------------------------------

def _expected(path: Path) -> str:
    first = path.read_bytes().split(b"\n")[0].decode("ascii")
    assert first.startswith("{# expect: ") and first.endswith(" #}")
    return first[len("{# expect: "):-len(" #}")]


def test_the_template_corpus_is_large_enough():
    assert len(TEMPLATES) >= 12


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.stem.split(".")[0] for p in TEMPLATES])
def test_a_template_bomb_is_a_one_line_template_error(path, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_SECONDS", 3)
    # a smaller ceiling, so the memory bomb meets it before the clock: some machines fault pages
    # in at 150 MB/s, where the product's 1 GiB takes longer than this test's 3 s
    monkeypatch.setattr(sandbox, "MAX_EXTRA_MEMORY", 256 << 20)
    user = tmp_path / "templates" / "markdown" / "report.md.j2"
    user.parent.mkdir(parents=True)
    user.write_bytes(path.read_bytes())
    started = time.monotonic()
    assert main(["report", "mazur", "--template-dir", str(tmp_path / "templates"), "-o", str(tmp_path / "o.md")]) == 2
    assert time.monotonic() - started < 30
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"derive: error: template {user}")
    assert _expected(path) in err
    assert not (tmp_path / "o.md").exists()


def test_the_time_limit_and_memory_ceiling_are_lifted_after_a_render(tmp_path):
    import resource
    before = (signal.getsignal(signal.SIGALRM), resource.getrlimit(resource.RLIMIT_AS))
    user = tmp_path / "markdown" / "report.md.j2"
    user.parent.mkdir()
    user.write_text("# {{ title }}\n")
    assert derive.render(BENIGN, "markdown", template_dir=str(tmp_path)) == "# Plain words\n"
    assert (signal.getsignal(signal.SIGALRM), resource.getrlimit(resource.RLIMIT_AS)) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


# -- spec paths that are not spec files ---------------------------------------------------------

def _one_line_error(argv, capsys) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1, captured.err
    return captured.err


def test_a_folder_as_spec(tmp_path, capsys):
    assert _one_line_error(["report", str(tmp_path)], capsys) == \
        f"derive: error: {tmp_path}: is a folder, not a spec file (expected a TOML file or a preset name)\n"


def test_a_device_as_spec_is_refused_unread(capsys):
    assert "/dev/zero: is a device, not a spec file" in _one_line_error(["report", "/dev/zero"], capsys)


def test_a_fifo_as_spec_does_not_block(tmp_path):
    fifo = tmp_path / "spec.toml"
    os.mkfifo(fifo)
    out = subprocess.run([sys.executable, "-m", "derive", "report", str(fifo)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 2
    assert out.stderr == f"derive: error: {fifo}: is a FIFO, not a spec file (expected a TOML file or a preset name)\n"


def test_a_spec_larger_than_the_cap_is_refused_unread(tmp_path, capsys, monkeypatch):
    from derive.spec import load as spec_module
    monkeypatch.setattr(spec_module, "MAX_SPEC_BYTES", 1000)
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * 2000 + "\n")
    assert "larger than 1000 bytes" in _one_line_error(["report", str(big)], capsys)


def test_a_spec_that_is_not_utf8(tmp_path, capsys):
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = "Café"\n'.encode("latin-1"))
    assert "not UTF-8 text (byte 13)" in _one_line_error(["report", str(path)], capsys)


def test_a_300_character_preset_name(capsys):
    err = _one_line_error(["report", "p" * 300], capsys)
    assert "Traceback" not in err and len(err) < 500


def test_ctrl_c_while_loading_is_one_line_and_exit_130():
    """SIGINT lands while SymPy and NumPy import (the first second); the entry point catches it."""
    # Ctrl-C at a terminal reaches a process whose SIGINT is at its default; a test runner started in
    # the background (a shell's `&`) ignores SIGINT, and its children would inherit that
    process = subprocess.Popen([sys.executable, "-m", "derive", "report", "mazur"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err == "derive: interrupted\n"


def test_a_closed_pipe_is_quiet_with_exit_141():
    for argv in (["presets"], ["report", "mazur"], ["code", "mazur"]):
        process = subprocess.Popen([sys.executable, "-m", "derive", *argv], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        process.stdout.close()                        # the reader is gone before derive writes
        err = process.stderr.read().decode()
        assert process.wait(timeout=120) == 141, err
        assert err == "", argv


# -- -o targets ---------------------------------------------------------------------------------

def test_an_empty_output_name_is_refused(capsys):
    err = _one_line_error(["report", "mazur", "-o", ""], capsys)
    assert err == "derive: error: -o: expected a file name, got an empty one (leave -o out for stdout)\n"


def test_a_symlink_target_is_written_through_and_kept(tmp_path, capsys):
    real = tmp_path / "real" / "doc.md"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    assert main(["code", "mazur", "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith('"""')
    assert sorted(p.name for p in real.parent.iterdir()) == ["doc.md"]


def test_a_fifo_or_device_target_is_refused(tmp_path, capsys):
    fifo = tmp_path / "out.md"
    os.mkfifo(fifo)
    assert f"{fifo}: is a FIFO; expected a regular file" in _one_line_error(["code", "mazur", "-o", str(fifo)], capsys)
    assert "/dev/null: is a device" in _one_line_error(["code", "mazur", "-o", "/dev/null"], capsys)
    assert "is a folder" in _one_line_error(["code", "mazur", "-o", str(tmp_path)], capsys)


def test_ctrl_c_while_writing_leaves_no_temporary_file(tmp_path, monkeypatch, capsys):
    target = tmp_path / "doc.md"
    target.write_text("old")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, "new")
    assert [p.name for p in tmp_path.iterdir()] == ["doc.md"] and target.read_text() == "old"
    assert main(["code", "mazur", "-o", str(target)]) == 130
    assert capsys.readouterr().err == "derive: interrupted\n"
    assert [p.name for p in tmp_path.iterdir()] == ["doc.md"]


def test_a_replaced_file_keeps_its_mode(tmp_path, capsys):
    target = tmp_path / "grads.py"
    target.write_text("old")
    target.chmod(0o750)
    assert main(["code", "mazur", "-o", str(target)]) == 0
    assert target.stat().st_mode & 0o777 == 0o750
