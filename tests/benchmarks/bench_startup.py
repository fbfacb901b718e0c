"""Whole commands against the bare imports they cannot avoid, measured side by side in one run.

    python tests/benchmarks/bench_startup.py [ROUNDS]

Each round runs, in turn: `python -c "import sympy, numpy, jinja2"`, the same imports then
mazur's 10,000 training steps written by hand in NumPy (mazur_by_hand.py: what no NumPy
evaluator can go below), `derive report mazur` (those steps, the derivation and the document),
the same through main() alone, without the command's collector settings (run(): a larger
threshold, and a frozen exit), and a 16-16-16 sigmoid network derived and evaluated to JSON. The table
prints the median and the fastest seconds of each and their ratios to the bare imports' (issue 13's
targets: at most 2x for mazur, 1.5x for 16-16-16). On a shared machine the fastest round is the
one least disturbed by other work; the median shows how much the rounds were. Then, in one process, three renders of batch4's layer document.

The commands run as an installed derive runs: with its modules' bytecode, as sympy's, numpy's and
jinja2's have theirs (pip compiles a package when it installs it). So derive's own modules are
compiled first, even where PYTHONDONTWRITEBYTECODE is set (as in some sandboxes, where every run
would otherwise compile its 90 modules from source again: 0.3 s that no installed copy spends).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import derive

PYTHON = sys.executable
WIDE = """
title = "16-16-16 sigmoid"
[input]
values = [[{inputs}]]
[target]
values = [[{targets}]]
[[layers]]
units = 16
activation = "sigmoid"
[[layers]]
units = 16
activation = "sigmoid"
[loss]
function = "half_sse"
[training]
learning_rate = 0.5
[init]
seed = 1
"""


def _seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(rounds: int = 5) -> None:
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(Path(derive.__file__).parent)], check=True)
    folder = Path(tempfile.mkdtemp())
    wide = folder / "wide.toml"
    wide.write_text(WIDE.format(inputs=", ".join(f"{0.05 * k:.2f}" for k in range(16)),
                                targets=", ".join("0.5" for _ in range(16))))
    commands = {
        "bare imports (sympy, numpy, jinja2)": [PYTHON, "-c", "import sympy, numpy, jinja2"],
        "mazur's training by hand (the floor)": [PYTHON, str(Path(__file__).with_name("mazur_by_hand.py"))],
        "derive report mazur": [PYTHON, "-m", "derive", "report", "mazur", "-o", str(folder / "mazur.md")],
        # main() alone, without run()'s collector settings: what the larger threshold and the frozen exit save
        "  the same, the collector as default": [PYTHON, "-c", "import sys; from derive.cli import main; "
                                                 f"sys.exit(main(['report', 'mazur', '-o', {str(folder / 'm2.md')!r}]))"],
        "16-16-16 to JSON": [PYTHON, "-m", "derive", "report", str(wide), "--format", "json",
                             "-o", str(folder / "wide.json")],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            times[name].append(_seconds(command))
    bare = times["bare imports (sympy, numpy, jinja2)"]
    middle, fastest = statistics.median(bare), min(bare)
    print(f"{'command':<38} {'median s':>9} {'x bare':>7} {'fastest s':>10} {'x bare':>7}")
    for name, found in times.items():
        print(f"{name:<38} {statistics.median(found):>9.2f} {statistics.median(found) / middle:>7.2f} "
              f"{min(found):>10.2f} {min(found) / fastest:>7.2f}")
    result = derive.derive(derive.load("batch4"))
    started = time.perf_counter()
    for format in ("markdown", "latex", "beamer"):
        result.render(format, "layer")
    print(f"{'three renders of batch4 (layer), 1 Result':<38} {time.perf_counter() - started:>9.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
