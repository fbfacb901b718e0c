"""Runs the corpora's truth.py scripts as `python truth.py` would, without paying torch's import
(3 s on a slow machine) for each of them.

One server process per test worker imports NumPy and torch once and then, for every folder it is
given, forks: the child changes into the folder, runs its truth.py as __main__ with its output
caught, and exits with the script's code, so no script sees another's modules, paths or
settings. The server itself never runs a tensor op, so each fork starts from a clean torch.

    TruthRunner().run(folder) -> (returncode, stdout, stderr)
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

TIMEOUT = 600    # seconds a script may run


class TruthRunner:
    def __init__(self) -> None:
        self.server = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       text=True)

    def run(self, folder: Path) -> tuple[int, str, str]:
        self.server.stdin.write(str(folder.resolve()) + "\n")
        self.server.stdin.flush()
        answer = self.server.stdout.readline()
        if not answer:
            raise RuntimeError(f"the truth server stopped (exit code {self.server.poll()})")
        found = json.loads(answer)
        return found["returncode"], found["stdout"], found["stderr"]

    def close(self) -> None:
        self.server.stdin.close()
        self.server.wait(timeout=60)


def _child(folder: Path, out: int, err: int) -> None:
    """In the forked child: run folder/truth.py as a script, its output into the files `out`, `err`."""
    os.dup2(out, 1)
    os.dup2(err, 2)
    sys.stdout = open(1, "w", closefd=False)
    sys.stderr = open(2, "w", closefd=False)
    signal.alarm(TIMEOUT)                       # a script that hangs is killed, and fails its test
    os.chdir(folder)
    sys.argv = ["truth.py"]
    sys.path[0] = str(folder)                   # as for `python truth.py`: the script's folder first
    code = 0
    try:
        runpy.run_path(str(folder / "truth.py"), run_name="__main__")
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if not isinstance(stop.code, (int, type(None))):
            print(stop.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _serve() -> None:
    for module in ("numpy", "torch"):           # imported once, before any fork
        importlib.import_module(module)
    for line in sys.stdin:
        folder = Path(line.strip())
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            pid = os.fork()
            if pid == 0:
                _child(folder, out.fileno(), err.fileno())
            _, status = os.waitpid(pid, 0)
            texts = []
            for stream in (out, err):
                stream.seek(0)
                texts.append(stream.read().decode("utf-8", errors="replace"))
        returncode = os.waitstatus_to_exitcode(status)
        sys.stdout.write(json.dumps({"returncode": returncode, "stdout": texts[0], "stderr": texts[1]}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve()
