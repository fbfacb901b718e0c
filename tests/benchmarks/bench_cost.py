"""The up-front cost estimate (derive/spec/cost.py) against the time a spec really takes, side by side.

    python tests/benchmarks/bench_cost.py

Each row derives, trains and writes the Markdown document of one spec in this process and prints
the estimate beside the measured seconds; the estimate is meant to stay above the measurement.
"""

from __future__ import annotations

import time

import derive
from derive.spec import cost


def spec(widths: list[int], samples: int, iterations: int) -> dict:
    return {"init": {"seed": 1},
            "input": {"values": [[0.1 * (k % 7) for k in range(widths[0])] for _ in range(samples)]},
            "target": {"values": [[0.5] * widths[-1] for _ in range(samples)]},
            "layers": [{"units": w, "activation": "sigmoid"} for w in widths[1:]],
            "loss": {"function": "half_sse"},
            "training": {"learning_rate": 0.1, **({"iterations": iterations} if iterations else {})}}


CASES = [([2, 2, 2], 1, 10000), ([3, 4, 2], 3, 1000), ([10, 20, 5], 4, 200), ([24, 24, 24], 1, 200),
         ([32, 32, 32], 1, 100), ([64, 64, 64], 1, 20), ([2] * 201, 1, 0)]


def main() -> None:
    print(f"{'network':>10} {'m':>2} {'steps':>6} {'params':>7} {'estimate s':>10} {'measured s':>10} {'ratio':>6}")
    for widths, samples, steps in CASES:
        network = derive.from_dict(spec(widths, samples, steps))
        started = time.perf_counter()
        derive.render(derive.derive(network))
        measured = time.perf_counter() - started
        estimate = cost.estimate(network)
        name = "-".join(map(str, widths)) if len(widths) < 6 else f"{len(widths) - 1} x {widths[1]}"
        print(f"{name:>10} {samples:>2} {steps:>6} {cost.parameters(network):>7} "
              f"{estimate:>10.2f} {measured:>10.2f} {estimate / measured:>6.2f}")


if __name__ == "__main__":
    main()
