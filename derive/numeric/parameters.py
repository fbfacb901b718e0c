"""A network's parameters as one vector with views per layer (an optimizer steps them all at once),
and an optimizer's state between steps."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Parameters:
    weights: tuple[np.ndarray, ...]   # (units, inputs) per layer
    biases: tuple[np.ndarray, ...]    # (1,) when shared, else (units,)

    vector: np.ndarray | None = field(default=None, compare=False, repr=False)   # what like() made these from
    # (start, stop, shape) of each array in `flat`, worked out once and handed on (training asks every step)
    layout: tuple | None = field(default=None, compare=False, repr=False)

    @property
    def flat(self) -> np.ndarray:
        """Every weight, then every bias, in one vector: an optimizer steps them all at once."""
        return self.vector if self.vector is not None else np.concatenate([a.ravel() for a in self.weights + self.biases])

    @property
    def size(self) -> int:
        return self._layout()[-1][1]

    def _layout(self) -> tuple:
        if self.layout is None:
            found, start = [], 0
            for a in self.weights + self.biases:
                found.append((start, start + a.size, a.shape))
                start += a.size
            object.__setattr__(self, "layout", tuple(found))
        return self.layout

    def like(self, flat: np.ndarray) -> Parameters:
        """A vector laid out as `flat` lays these out, as Parameters shaped as these (views of it)."""
        layout = self._layout()
        arrays = [flat[start:stop].reshape(shape) for start, stop, shape in layout]
        n = len(self.weights)
        return Parameters(tuple(arrays[:n]), tuple(arrays[n:]), flat, layout)


@dataclass(frozen=True)
class OptimizerState:
    """What the optimizer keeps between steps: each state slot as Parameters.flat lays them out."""
    steps: int                        # steps taken
    slots: tuple[np.ndarray, ...]     # in the order of the optimizer row's state slots
