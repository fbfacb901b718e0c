"""mazur's 10,000 training steps written by hand in NumPy, after the bare imports: the floor of
any NumPy evaluator for `derive report mazur`, which bench_startup.py times beside it.

    python tests/benchmarks/mazur_by_hand.py

The network is read from the preset (2-2-2 sigmoid, half squared error, one sample, the weights
updated and the biases kept). Each step does what any NumPy training must: the forward pass, the
loss for the history, the backward pass, the update and a test that the parameters are finite.
It prints the loss after the last step, which `derive report mazur` prints too.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import numpy as np

for bare in ("sympy", "jinja2"):       # the bare imports every derive command pays, as bench_startup's
    importlib.import_module(bare)

PRESET = Path(__file__).resolve().parents[2] / "derive" / "spec" / "presets" / "mazur.toml"


def train(spec: dict) -> float:
    x = np.array(spec["input"]["values"], dtype=float)
    y = np.array(spec["target"]["values"], dtype=float)
    first, second = spec["layers"]
    w1, w2 = np.array(first["weights"], dtype=float), np.array(second["weights"], dtype=float)
    b1, b2 = np.array([first["bias"]], dtype=float), np.array([second["bias"]], dtype=float)
    rate, steps = spec["training"]["learning_rate"], spec["training"]["iterations"]
    history = np.empty(steps + 1)
    for k in range(steps + 1):
        h = np.exp(-np.logaddexp(0.0, -(x.dot(w1.T) + b1)))
        out = np.exp(-np.logaddexp(0.0, -(h.dot(w2.T) + b2)))
        history[k] = (0.5 * (y - out) ** 2).sum()
        if k == steps:
            break
        delta2 = (out - y) * out * (1 - out)
        delta1 = delta2.dot(w2) * (h * (1 - h))
        w1, w2 = w1 - rate * delta1.T.dot(x), w2 - rate * delta2.T.dot(h)
        if not (np.isfinite(w1).all() and np.isfinite(w2).all()):
            break
    return float(history[-1])


if __name__ == "__main__":
    print(f"loss after {tomllib.loads(PRESET.read_text())['training']['iterations']} steps: "
          f"{train(tomllib.loads(PRESET.read_text())):.9f}")
