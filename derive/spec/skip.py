"""A layer's skip (residual) connection: `skip = k` adds the output of layer k (0: the inputs) to
this layer's output, a^l = g(z^l) + a^k, as a residual block does. Layer k must be as wide."""

from __future__ import annotations

from typing import Any, Mapping

from .checks import Checker


def read_skip(check: Checker, raw: Mapping[str, Any], field: str, index: int, widths: list[int], last: bool) -> int | None:
    """The layer whose output this one adds (0 for the inputs), or None. `index` counts from 1;
    widths[k] is layer k's width (widths[0] the inputs')."""
    if "skip" not in raw:
        return None
    k = check.integer(raw["skip"], f"{field}.skip", 0, index - 1)
    if last:
        raise check.fail(f"{field}.skip", "a skip connection into the output layer; expected it on hidden "
                         "layers only (the loss reads the output layer's activations)")
    if "dropout" in raw:
        raise check.fail(f"{field}.skip", "given with dropout on the same layer; expected one of them "
                         "(put the dropout on another layer)")
    if widths[k] != widths[index]:
        source = "the inputs" if k == 0 else f"layer {k}"
        raise check.fail(f"{field}.skip", f"adds {source} ({widths[k]} wide) to a layer of {widths[index]} units; "
                         f"expected a layer as wide as this one")
    return k
