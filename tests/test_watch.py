"""`derive watch`: a real process, a real spec file edited under it, Ctrl-C to stop it."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from derive.cli import main
from helpers import ROOT

# Mazur's network without its 10,000 training steps: each build takes a fraction of a second
SPEC = "\n".join(line for line in (ROOT / "derive" / "spec" / "presets" / "mazur.toml").read_text().splitlines()
                 if not line.startswith("iterations"))
NET_H1, NET_H1_AFTER = "0.3775", "0.3825"          # 0.15 * 0.05 + 0.2 * 0.1 + 0.35, then with w_1 = 0.25
WAIT = 60


class Watcher:
    """`derive watch` as a subprocess, its stdout and stderr read line by line as they come."""

    def __init__(self, *args: str, cwd):
        # Ctrl-C at a terminal reaches a process whose SIGINT is at its default; a test runner started in
        # the background (a shell's `&`) ignores SIGINT, and its children would inherit that
        self.process = subprocess.Popen([sys.executable, "-m", "derive", "watch", *args], cwd=cwd, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[tuple[str, str]] = []
        self.readers = [threading.Thread(target=self._read, args=(name,), daemon=True) for name in ("stdout", "stderr")]
        for reader in self.readers:
            reader.start()

    def _read(self, name: str) -> None:
        for line in getattr(self.process, name):
            self.lines.put((name, line.rstrip("\n")))

    def wait_for(self, stream: str, text: str) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                found = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.process.poll() is None, f"derive watch stopped: {self.seen}"
                continue
            self.seen.append(found)
            if found[0] == stream and text in found[1]:
                return found[1]
        pytest.fail(f"no {text!r} on {stream} within {WAIT} s: {self.seen}")

    def interrupt(self) -> tuple[int, list[str]]:
        """Ctrl-C: the exit code, and every line the process wrote on stderr."""
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=WAIT)
        for reader in self.readers:
            reader.join(timeout=WAIT)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code, [text for stream, text in self.seen if stream == "stderr"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def rewrite(path, text: str) -> None:
    """Write the spec so that its modification time moves on even on a coarse clock."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def test_watch_rebuilds_on_each_save_keeps_the_last_good_output_and_stops_on_ctrl_c(tmp_path):
    spec, out = tmp_path / "net.toml", tmp_path / "net.html"
    spec.write_text(SPEC)
    watcher = Watcher(str(spec), "-o", str(out), cwd=tmp_path)
    try:
        assert "watching" in watcher.wait_for("stderr", str(spec))
        line = watcher.wait_for("stdout", "wrote")
        assert re.fullmatch(rf"\d\d:\d\d:\d\d wrote {re.escape(str(out))} \(build 1, \d+\.\d s\)", line), line
        first = out.read_text()
        assert first.startswith("<!DOCTYPE html>") and NET_H1 in first and NET_H1_AFTER not in first

        rewrite(spec, SPEC.replace("weights = [[0.15, 0.20]", "weights = [[0.25, 0.20]"))
        watcher.wait_for("stdout", "(build 2, ")
        second = out.read_text()
        assert NET_H1_AFTER in second and NET_H1 not in second

        rewrite(spec, SPEC.replace("units = 2", "units = 0", 1))          # invalid: the old document stays
        error = watcher.wait_for("stderr", "derive: error: ")
        assert "layers[1].units" in error and str(spec) in error
        time.sleep(1)
        assert out.read_text() == second
        assert sorted(p.name for p in tmp_path.iterdir()) == ["net.html", "net.toml"]   # no temporary file left

        rewrite(spec, SPEC)                                                 # fixed: built again
        watcher.wait_for("stdout", "(build 4, ")
        assert out.read_text() == first

        code, errors = watcher.interrupt()
        assert code == 130
        assert errors[-1] == "derive: interrupted" and not any("Traceback" in text for text in errors)
    finally:
        watcher.stop()


def test_the_format_follows_the_suffix_and_an_explicit_one_wins(tmp_path):
    spec = tmp_path / "net.toml"
    spec.write_text(SPEC)
    watcher = Watcher(str(spec), "-o", "net.out.md", "--flavor", "hugo", cwd=tmp_path)
    try:
        watcher.wait_for("stdout", "wrote net.out.md")
        assert (tmp_path / "net.out.md").read_text().startswith("---\n")        # Hugo's front matter
    finally:
        watcher.stop()
    watcher = Watcher(str(spec), "-o", "net.txt", "--format", "latex", cwd=tmp_path)
    try:
        watcher.wait_for("stdout", "wrote net.txt")
        assert "\\documentclass" in (tmp_path / "net.txt").read_text()
    finally:
        watcher.stop()


@pytest.mark.parametrize("args, message", [
    (["watch", "net.toml"], "the following arguments are required: -o/--output"),
    (["watch", "net.toml", "-o", "net.txt"], "-o net.txt: no format for the suffix .txt; expected --format"),
    (["watch", "mazur", "-o", "net.md"], "mazur is a built-in preset, which never changes"),
    (["watch", "missing.toml", "-o", "net.md"], "missing.toml: no such spec file"),
    (["watch", "net.toml", "-o", "no/such/folder/net.md"], "does not exist"),
    (["watch", "net.toml", "-o", "net.md", "--template-dir", "nowhere"], "--template-dir: no such folder"),
])
def test_a_bad_command_line_is_one_line_and_exit_two(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "net.toml").write_text(SPEC)
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1 and message in captured.err
    assert not (tmp_path / "net.md").exists()


def test_an_invalid_spec_at_the_start_is_reported_and_watched(tmp_path):
    spec, out = tmp_path / "net.toml", tmp_path / "net.md"
    spec.write_text("[input\n")
    watcher = Watcher(str(spec), "-o", str(out), cwd=tmp_path)
    try:
        assert "TOML syntax error" in watcher.wait_for("stderr", "derive: error: ")
        assert not out.exists()
        rewrite(spec, SPEC)
        watcher.wait_for("stdout", "(build 2, ")
        assert NET_H1 in out.read_text()
    finally:
        watcher.stop()


def test_help_ends_with_examples(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["watch", "--help"])
    assert exit.value.code == 0
    examples = capsys.readouterr().out.split("\nexamples:\n")[1].splitlines()
    assert 2 <= len(examples) <= 3 and all(line.startswith("  derive watch ") for line in examples)
