"""What a spec says, once it has been read and checked (spec.py reads and checks it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LayerSpec:
    units: int
    activation: str
    names: tuple[str, ...]
    weights: tuple[tuple[float, ...], ...] | None  # in the spec's layout orientation; None without values
    bias: float | tuple[float, ...] | None          # a float is one bias shared by the layer
    has_bias: bool = True                           # bias = false: the layer has none (its bias reads as zeros)
    dropout: float = 0.0                            # p, the probability of dropping a unit (0: no dropout)
    mask: tuple[tuple[int, ...], ...] | None = None  # kept (1) or dropped (0): one row, or one per sample
    skip: int | None = None                         # adds layer k's output to its own (0: the inputs)

    def kept(self, sample: int) -> tuple[int, ...]:
        """The mask of one sample (a single row is every sample's)."""
        return self.mask[0] if len(self.mask) == 1 else self.mask[sample]

    @property
    def shared_bias(self) -> bool:
        return self.has_bias and isinstance(self.bias, float)


@dataclass(frozen=True)
class LossSpec:
    function: str
    reduction: str = "mean"
    l2: float = 0.0        # lambda of the L2 penalty lambda/2 * (sum of every squared weight) added to the loss
    positions: str = ""    # a sequence output's: a sample's error the "mean" or the "sum" over its positions


@dataclass(frozen=True)
class TrainingSpec:
    learning_rate: float
    update_bias: bool = True
    iterations: int | None = None
    optimizer: str = "sgd"                 # a row of optimizers.OPTIMIZERS
    hyperparameters: tuple[tuple[str, float], ...] = ()   # the row's, each as given or its default


@dataclass(frozen=True)
class NetworkSpec:
    title: str
    description: str
    layout: str
    precision: int
    input_names: tuple[str, ...]
    inputs: tuple[tuple[float, ...], ...]   # one row per sample
    targets: tuple[tuple[float, ...], ...]  # one row per sample
    layers: tuple[LayerSpec, ...]
    loss: LossSpec
    training: TrainingSpec | None          # None for a derivation without numbers
    notation: str = "neuron"
    date: str | None = None                # for a blog's front matter
    tags: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()   # a post's own LaTeX names -> derive's symbols, for verify
    notation_stated: bool = False          # the spec names its notation: verify reads posts in it

    @property
    def samples(self) -> int:
        return len(self.inputs)

    @property
    def has_values(self) -> bool:
        """False for a derivation without numbers (no input values, weights or targets)."""
        return bool(self.inputs)

    def fan_in(self, layer_index: int) -> int:
        """Inputs of layer `layer_index` (0-based)."""
        return len(self.input_names) if layer_index == 0 else self.layers[layer_index - 1].units


@dataclass(frozen=True)
class TensorLayer:
    kind: str
    attributes: tuple[tuple[str, Any], ...]        # kernel, stride, padding, epsilon ...
    parameters: tuple[tuple[str, np.ndarray], ...]  # ("W", ...), ("b", ...), ("gamma", ...): in the op's order
    activation: str | None
    shape: tuple[int, ...]                          # the output's shape, per sample
    drawn: bool = False                             # its weights drawn from [init] seed: no numbers of a post's

    def attribute(self, name: str) -> Any:
        return dict(self.attributes)[name]


@dataclass(frozen=True)
class TensorSpec:
    title: str
    input_shape: tuple[int, ...]
    inputs: np.ndarray | None              # (samples, *input_shape); None: the layer form alone, no numbers
                                           # (token ids, (samples, time), where vocabulary > 0)
    targets: np.ndarray | None             # (samples, outputs)
    layers: tuple[TensorLayer, ...]
    loss: LossSpec
    training: TrainingSpec | None
    description: str = ""
    precision: int = 4                     # significant digits of the documents' numbers
    vocabulary: int = 0                    # token inputs' ids lie below it; 0: the inputs are numbers

    @property
    def has_values(self) -> bool:
        return self.inputs is not None

    @property
    def samples(self) -> int:
        return 0 if self.inputs is None else len(self.inputs)
