"""The training curve: loss against iteration, for pgfplots and for SVG, with checkpoints.

The y axis is logarithmic when the loss spans more than a decade. At most MAX_POINTS points
are drawn; checkpoints are the powers of ten up to the last iteration, and the last one.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

MAX_POINTS = 200
WIDTH, HEIGHT, MARGIN = 420.0, 220.0, 50.0   # SVG pixels


def layout(history: np.ndarray, format_value: Callable[[float], str]) -> dict[str, Any] | None:
    finite = np.isfinite(history)
    if len(history) < 2 or not finite.all() or (history <= 0).any():
        return None
    spaced = np.linspace(0, len(history) - 1, min(MAX_POINTS, len(history))).round().astype(int)
    steps = spaced[np.r_[True, spaced[1:] != spaced[:-1]]]     # sorted already: np.unique would load numpy.ma
    losses = history[steps]
    log = bool(losses.max() / losses.min() > 10)
    scale = np.log10 if log else (lambda v: v)
    low, high = float(scale(losses.min())), float(scale(losses.max()))
    span = high - low or 1.0
    last = len(history) - 1

    def x(step):
        return MARGIN + (WIDTH - 2 * MARGIN) * step / last

    def y(value):
        return HEIGHT - MARGIN + -(HEIGHT - 2 * MARGIN) * (float(scale(value)) - low) / span

    checkpoints = sorted({0, last} | {10 ** k for k in range(int(math.log10(last)) + 1) if 10 ** k <= last})
    ticks = _ticks(low, high, log)
    return {
        "log": log,
        "iterations": last,
        # 9 digits: a plot needs no more, and the last ones move with the BLAS build
        "points": [{"step": int(s), "loss": f"{float(v):.9g}"} for s, v in zip(steps, losses)],
        "polyline": " ".join(f"{x(s):.1f},{y(v):.1f}" for s, v in zip(steps, losses)),
        "checkpoints": [{"step": c, "loss": format_value(float(history[c]))} for c in checkpoints],
        "svg": {"width": WIDTH, "height": HEIGHT, "left": MARGIN, "right": WIDTH - MARGIN,
                "top": MARGIN, "bottom": HEIGHT - MARGIN,
                "yticks": [{"y": round(y(t), 1), "label": f"{t:.3g}"} for t in ticks],  # plain text for SVG
                "xticks": [{"x": round(x(s), 1), "label": str(s)} for s in (0, last // 2, last)]},
    }


def _ticks(low: float, high: float, log: bool) -> list[float]:
    if log:
        return [10.0 ** k for k in range(math.ceil(low), math.floor(high) + 1)] or [10 ** low, 10 ** high]
    return [low, (low + high) / 2, high]
