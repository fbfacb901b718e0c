"""Reproducible initial weights for specs that omit them: `[init] seed = N`.

Scheme (Glorot/Xavier uniform): layer by layer, in order, W of shape (units, inputs) is drawn
from U(-r, r) with r = sqrt(6 / (inputs + units)) by NumPy's `default_rng(seed)`; a row-layout
spec gets its transpose. Biases that are omitted are zero, one per unit.
"""

from __future__ import annotations

import math

import numpy as np


def glorot_uniform(seed: int, shapes: list[tuple[int, int]]) -> list[np.ndarray]:
    """One (units, inputs) matrix per shape, drawn in order from one generator."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(-math.sqrt(6 / (units + inputs)), math.sqrt(6 / (units + inputs)), (units, inputs))
            for units, inputs in shapes]
