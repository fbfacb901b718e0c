"""Specs whose layers are typed and whose inputs have a shape (issue 14): convolutions, pooling,
flatten, dense layers and normalizations, read and checked layer by layer.

    [input]
    shape = [1, 4, 4]                  # (channels, height, width), or [features]
    values = [[[[...]]]]               # one array of that shape per sample
    [[layers]]
    type = "conv2d"                    # out_channels, kernel, stride (1), padding (0), bias (true)
    out_channels = 2
    kernel = 2
    activation = "relu"                # optional on conv2d, dense and the normalizations
    [[layers]]
    type = "max_pool"                  # or avg_pool: kernel, stride (the kernel)
    kernel = 2
    [[layers]]
    type = "flatten"
    [[layers]]
    type = "dense"                     # units, bias (true)
    units = 3
    activation = "softmax"

batch_norm (over the batch, per feature or channel), layer_norm and rms_norm (over each sample's
features) take epsilon (1e-5) and gamma, beta (ones and zeros). Each layer's shape follows from the
one before; a kernel, pool or layer that does not fit is named with the shapes and what would fit.

Weights are given (conv2d: (out, in, kernel, kernel); dense: (units, inputs)) or drawn from
`[init] seed` (Glorot uniform over the fan in and out, in layer order; biases 0).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Callable, Mapping

import numpy as np

from ..rules.activations import ACTIVATIONS
from ..rules.losses import LOSSES
from .checks import Checker, _kind, shape_text as _shape, shown
from .model import LossSpec, TensorLayer, TensorSpec, TrainingSpec
from .sequence import SEQUENCE_KEYS, SEQUENCE_KINDS, SequenceLayers

KINDS = ("conv2d", "max_pool", "avg_pool", "flatten", "dense", "batch_norm", "layer_norm", "rms_norm") + SEQUENCE_KINDS
ACTIVATED = {"conv2d", "dense", "batch_norm", "layer_norm", "rms_norm"}
KEYS = {
    "conv2d": {"out_channels": True, "kernel": True, "stride": False, "padding": False, "bias": False, "weights": False},
    "max_pool": {"kernel": True, "stride": False},
    "avg_pool": {"kernel": True, "stride": False},
    "flatten": {},
    "dense": {"units": True, "bias": False, "weights": False},
    "batch_norm": {"epsilon": False, "gamma": False, "beta": False},
    "layer_norm": {"epsilon": False, "gamma": False, "beta": False},
    "rms_norm": {"epsilon": False, "gamma": False},
} | SEQUENCE_KEYS
MAX_SIZE = 4096                  # channels, units or pixels along an axis: a hand-sized network
MAX_ENTRIES = 1_000_000          # of one layer's output, per sample
MAX_WEIGHTS = 10_000_000         # of the whole network (80 MB of float64)
SQUARED = ("half_sse", "sse", "mse")     # the losses a sequence output may take at every position, with values


def is_tensor_spec(data: Mapping[str, Any]) -> bool:
    """A spec of typed layers or a shaped input, which this module reads (not spec/load.py)."""
    layers = data.get("layers")
    typed = isinstance(layers, list) and any(isinstance(layer, Mapping) and "type" in layer for layer in layers)
    return typed or isinstance(data.get("input"), Mapping) and "shape" in data["input"]


def read_tensor_spec(data: Mapping[str, Any], source: str, training: Callable[[Mapping], TrainingSpec]) -> TensorSpec:
    """`training` reads the [training] section, as a dense spec's is read (spec/load.py gives it)."""
    return _TensorReader(source, training).network(data)


class _TensorReader(SequenceLayers, Checker):
    def __init__(self, source: str, training: Callable[[Mapping], TrainingSpec]):
        super().__init__(source)
        self.training = training

    def network(self, data: Mapping[str, Any]) -> TensorSpec:
        data = self.table(data, "", {"title": False, "description": False, "precision": False, "input": "section",
                                     "target": False, "layers": "section", "loss": "section", "training": False,
                                     "init": False})
        title = self.text(data.get("title", "Backpropagation, step by step"), "title")
        description = self.text(data.get("description", ""), "description")
        precision = self.integer(data.get("precision", 4), "precision", 3, 17)
        inp = self.table(data["input"], "input", {"shape": False, "values": False, "tokens": False,
                                                  "vocabulary": False})
        target = self.table(data["target"], "target", {"values": False, "tokens": False, "next_token": False}) \
            if "target" in data else {}
        shape, inputs = self.inputs(inp, bool(target.get("next_token")))
        given = "input.tokens" if "tokens" in inp else "input.values"
        for section in ("target", "training"):
            if inputs is not None and section not in data:
                raise self.fail(section, f"missing; a spec with {given} needs its [{section}] section")
            if inputs is None and section in data:
                raise self.fail(section, f"given without {given}; expected both, or neither for the layer form alone")
        raw = data["layers"]
        if not isinstance(raw, list) or not raw:
            raise self.fail("layers", f"expected at least one [[layers]] table, got {_kind(raw)}")
        seed = None
        if "init" in data:
            seed = self.integer(self.table(data["init"], "init", {"seed": True})["seed"], "init.seed", 0, 2**63 - 1)
        rng = np.random.default_rng(seed) if seed is not None else None
        layers, current, self.weights_so_far = [], shape, 0
        for index, layer in enumerate(raw, start=1):
            self.reading_tokens = index == 1 and self.vocabulary > 0
            found = self.layer(layer, f"layers[{index}]", current, rng, index == len(raw))
            if math.prod(found.shape) > MAX_ENTRIES:
                raise self.fail(f"layers[{index}]", f"its output has shape {_shape(found.shape)}, "
                                f"{math.prod(found.shape):,} entries per sample; expected at most {MAX_ENTRIES:,}")
            layers.append(found)
            current = found.shape
        if len(current) != 1 and not (len(current) == 2 and layers[-1].kind == "dense"):
            raise self.fail(f"layers[{len(raw)}]", f"the last layer's output has shape {_shape(current)}; expected "
                            "a flat output for the loss (end with a dense layer, or a flatten), or a sequence's "
                            "from a dense layer at every position")
        raw_loss = self.table(data["loss"], "loss", {"function": True, "reduction": False, "positions": False})
        function = self.choice(raw_loss["function"], "loss.function", tuple(LOSSES))
        if len(current) == 2:
            self.sequence_loss(function, layers[-1].activation)
        targets = training = None
        if inputs is not None:
            targets = self.targets(target, current, inputs, function)
            if target.get("next_token"):
                inputs = inputs[:, :-1]           # the last token is only a target
            training = self.training(self.table(data["training"], "training",
                                                {"learning_rate": True, "iterations": False}))
        loss = self.loss(raw_loss, layers[-1].activation or "linear", None if len(current) == 2 else targets)
        if "positions" in raw_loss and len(current) != 2:
            raise self.fail("loss.positions", f"given for a flat output, {_shape(current)}; expected it only where the "
                            "output is a sequence, whose positions it sums or averages")
        if len(current) == 2:
            loss = replace(loss, positions=self.choice(raw_loss.get("positions", "mean" if function == "cross_entropy"
                                                                    else "sum"), "loss.positions", ("mean", "sum")))
        return TensorSpec(title, shape, inputs, targets, tuple(layers), loss, training, description, precision,
                          self.vocabulary)

    def inputs(self, inp, next_token: bool) -> tuple[tuple[int, ...], np.ndarray | None]:
        """The input's shape per sample and its values: numbers of `shape`, or token ids."""
        if "tokens" in inp or "vocabulary" in inp:
            for key in ("shape", "values"):
                if key in inp:
                    raise self.fail(f"input.{key}", "given beside input.tokens or vocabulary; expected token ids "
                                    "(tokens, vocabulary) or numbers (shape, values), not both")
            if "vocabulary" not in inp:
                raise self.fail("input.vocabulary", "missing; token ids need the vocabulary they are drawn from")
            self.vocabulary = self.integer(inp["vocabulary"], "input.vocabulary", 1, 1_000_000)
            if "tokens" not in inp:
                raise self.fail("input.tokens", "missing; give the token ids, one list per sample")
            tokens = self.tokens(inp["tokens"], "input.tokens", self.vocabulary, None, None)
            if next_token and tokens.shape[1] < 2:
                raise self.fail("input.tokens", "one token per sample leaves no next token to predict; expected "
                                "at least 2 with target.next_token")
            return (tokens.shape[1] - next_token,), tokens
        if "shape" not in inp:
            raise self.fail("input.shape", "missing key")
        shape = self.shape(inp["shape"], "input.shape")
        if "values" not in inp:
            return shape, None
        return shape, self.samples(inp["values"], "input.values", shape, None, "one array of input.shape per sample")

    def targets(self, target, output: tuple[int, ...], inputs: np.ndarray, function: str) -> np.ndarray:
        """A flat output's values per sample; a sequence output's token ids, or the next input tokens, or
        (a squared error at every position) its values per position."""
        given = [key for key in ("values", "tokens", "next_token") if key in target]
        if len(given) != 1:
            raise self.fail("target", f"expected one of values, tokens or next_token, got "
                            f"{', '.join(given) or 'none'}")
        if len(output) == 1:
            if "values" not in target:
                raise self.fail(f"target.{given[0]}", f"the output is flat, {_shape(output)}; expected "
                                "target.values, one array per sample")
            return self.samples(target["values"], "target.values", output, len(inputs),
                                f"one per output; the last layer has {output[0]}")
        if function in SQUARED:
            if "values" not in target:
                raise self.fail(f"target.{given[0]}", f"a squared error at every position compares the output, "
                                f"{_shape(output)}, with target values; expected target.values, one row per position")
            return self.samples(target["values"], "target.values", output, len(inputs),
                                f"one row of {output[1]} per position, {output[0]} positions")
        if "values" in target:
            raise self.fail("target.values", f"the output is a sequence, {_shape(output)}, scored by the "
                            "cross-entropy; expected target.tokens (one id per position) or target.next_token")
        if target.get("next_token", True) is not True:
            raise self.fail("target.next_token", f"expected true, got {_kind(target['next_token'])}")
        if "next_token" in target:
            if self.vocabulary != output[1]:
                raise self.fail("target.next_token", f"the output scores {output[1]} tokens per position; the next "
                                f"input token needs the input's vocabulary, {self.vocabulary or 'none'}")
            return inputs[:, 1:]
        return self.tokens(target["tokens"], "target.tokens", output[1], len(inputs), output[0])

    # -- one layer ----------------------------------------------------------------------------------
    def layer(self, raw: Any, field: str, shape: tuple[int, ...], rng, last: bool) -> TensorLayer:
        if not isinstance(raw, Mapping):
            raise self.fail(field, f"expected a table, got {_kind(raw)}")
        kind = self.choice(raw.get("type", "dense"), f"{field}.type", KINDS)
        if self.reading_tokens and kind != "embedding":
            raise self.fail(f"{field}.type", f"{kind} reads numbers, and the input is token ids; expected an "
                            "embedding layer first")
        keys = {"type": False} | KEYS[kind] | ({"activation": False} if kind in ACTIVATED else {})
        raw = self.table(raw, field, keys)
        activation = None
        if "activation" in raw:
            activation = self.choice(raw["activation"], f"{field}.activation",
                                     tuple(name for name in ACTIVATIONS if name != "g"))
            if ACTIVATIONS[activation].elementwise is False and (not last or kind != "dense"):
                raise self.fail(f"{field}.activation", f"{activation} normalizes a flat output: expected it on the "
                                "last layer, a dense one")
        return getattr(self, f"_{kind}")(raw, field, shape, rng, activation)

    def _conv2d(self, raw, field, shape, rng, activation):
        channels, height, width = self.image(shape, field, "conv2d")
        out = self.integer(raw["out_channels"], f"{field}.out_channels", 1, MAX_SIZE)
        kernel = self.integer(raw["kernel"], f"{field}.kernel", 1, MAX_SIZE)
        stride = self.integer(raw.get("stride", 1), f"{field}.stride", 1, MAX_SIZE)
        padding = self.integer(raw.get("padding", 0), f"{field}.padding", 0, MAX_SIZE)
        if min(height, width) + 2 * padding < kernel:
            side = min(height, width)
            raise self.fail(f"{field}.kernel", f"a {kernel}×{kernel} kernel does not fit the input of shape "
                            f"{_shape(shape)} with padding {padding}; expected a kernel of at most "
                            f"{side + 2 * padding}, or padding of at least {math.ceil((kernel - side) / 2)}")
        size = (out, channels, kernel, kernel)
        weights = self.parameter(raw, "weights", field, size, rng, (channels * kernel ** 2, out * kernel ** 2))
        parameters = (("W", weights),) + self.bias(raw, field, out)
        output = (out, (height + 2 * padding - kernel) // stride + 1, (width + 2 * padding - kernel) // stride + 1)
        return TensorLayer("conv2d", (("stride", stride), ("padding", padding)), parameters, activation, output,
                           drawn="weights" not in raw)

    def _pool(self, kind, raw, field, shape):
        channels, height, width = self.image(shape, field, kind)
        kernel = self.integer(raw["kernel"], f"{field}.kernel", 1, MAX_SIZE)
        stride = self.integer(raw.get("stride", kernel), f"{field}.stride", 1, MAX_SIZE)
        if min(height, width) < kernel:
            raise self.fail(f"{field}.kernel", f"a {kernel}×{kernel} window does not fit the input of shape "
                            f"{_shape(shape)}; expected a kernel of at most {min(height, width)}")
        output = (channels, (height - kernel) // stride + 1, (width - kernel) // stride + 1)
        return TensorLayer(kind, (("kernel", kernel), ("stride", stride)), (), None, output)

    def _max_pool(self, raw, field, shape, rng, activation):
        return self._pool("max_pool", raw, field, shape)

    def _avg_pool(self, raw, field, shape, rng, activation):
        return self._pool("avg_pool", raw, field, shape)

    def _flatten(self, raw, field, shape, rng, activation):
        if len(shape) != 3:
            raise self.fail(field, f"flatten reads an image (channels, height, width), got shape {_shape(shape)}; "
                            "expected it after a conv2d or pooling layer (a recurrent layer keeps its last state with "
                            "sequence = false)")
        return TensorLayer("flatten", (), (), None, (math.prod(shape),))

    def _dense(self, raw, field, shape, rng, activation):
        if len(shape) not in (1, 2):
            raise self.fail(field, f"a dense layer reads a flat input or a sequence, got shape {_shape(shape)}; "
                            "expected a flatten layer before it")
        units = self.integer(raw["units"], f"{field}.units", 1, MAX_SIZE)
        weights = self.parameter(raw, "weights", field, (units, shape[-1]), rng, (shape[-1], units))
        return TensorLayer("dense", (), (("W", weights),) + self.bias(raw, field, units), activation,
                           shape[:-1] + (units,))

    def _norm(self, kind, raw, field, shape, activation):
        if kind == "batch_norm" and len(shape) not in (1, 3):
            raise self.fail(field, f"batch_norm normalizes features (a flat input) or channels (channels, "
                            f"height, width), got shape {_shape(shape)}"
                            + ("; expected layer_norm or rms_norm on a sequence" if len(shape) == 2 else ""))
        epsilon = self.number(raw.get("epsilon", 1e-5), f"{field}.epsilon")
        if epsilon <= 0:
            raise self.fail(f"{field}.epsilon", f"expected a number above 0, got {shown(epsilon)}")
        size = (shape[0],) if kind == "batch_norm" else shape[-1:] if len(shape) == 2 else shape
        names = ("gamma", "beta") if kind != "rms_norm" else ("gamma",)
        parameters = tuple((name, self.array(raw[name], f"{field}.{name}", size, "one per feature")
                            if name in raw else np.full(size, 1.0 if name == "gamma" else 0.0)) for name in names)
        positions = (("last_axis", True),) if len(shape) == 2 else ()     # each position's features
        return TensorLayer(kind, (("epsilon", epsilon),) + positions, parameters, activation, shape)

    def _batch_norm(self, raw, field, shape, rng, activation):
        return self._norm("batch_norm", raw, field, shape, activation)

    def _layer_norm(self, raw, field, shape, rng, activation):
        return self._norm("layer_norm", raw, field, shape, activation)

    def _rms_norm(self, raw, field, shape, rng, activation):
        return self._norm("rms_norm", raw, field, shape, activation)

    # -- values ----------------------------------------------------------------------------------------
    def image(self, shape: tuple[int, ...], field: str, kind: str) -> tuple[int, int, int]:
        if len(shape) != 3:
            raise self.fail(field, f"{kind} reads (channels, height, width), got shape {_shape(shape)}"
                            + ("; expected it before the flatten" if len(shape) == 1 else ""))
        return shape

    def shape(self, value: Any, field: str) -> tuple[int, ...]:
        if not isinstance(value, list) or len(value) not in (1, 2, 3):
            raise self.fail(field, f"expected [channels, height, width], [time, features] or [features], got "
                            f"{shown(value)}")
        return tuple(self.integer(v, f"{field}[{i}]", 1, MAX_SIZE) for i, v in enumerate(value, start=1))

    def array(self, value: Any, field: str, shape: tuple[int, ...], what: str) -> np.ndarray:
        """Nested lists of numbers of exactly this shape."""
        found = _nested_shape(value)
        if found != shape:
            got = _shape(found) if found is not None else f"{_kind(value)} that is not nested lists of numbers"
            raise self.fail(field, f"expected shape {_shape(shape)} ({what}), got {got}")
        array = np.array(value, dtype=float)
        if not np.isfinite(array).all():
            raise self.fail(field, "expected finite numbers")
        return array

    def samples(self, value: Any, field: str, shape: tuple[int, ...], count: int | None, what: str) -> np.ndarray:
        """One array of `shape` per sample (`count` of them, when the inputs have counted them)."""
        found = _nested_shape(value)
        if found is None or found[1:] != shape or count is not None and found[0] != count:
            wanted = "(" + ", ".join(map(str, (count if count is not None else "samples",) + shape)) + ")"
            got = _shape(found) if found is not None else f"{_kind(value)} that is not nested lists of numbers"
            raise self.fail(field, f"expected shape {wanted} ({what}), got {got}")
        return self.array(value, field, found, what)

    def parameter(self, raw, key: str, field: str, size: tuple[int, ...], rng, fans: tuple[int, int],
                  what: str = "") -> np.ndarray:
        self.weights_so_far += math.prod(size)
        if self.weights_so_far > MAX_WEIGHTS:
            raise self.fail(f"{field}.{key}", f"{math.prod(size):,} weights of shape {_shape(size)} would bring the "
                            f"network to {self.weights_so_far:,} weights; expected at most {MAX_WEIGHTS:,}")
        if key in raw:
            return self.array(raw[key], f"{field}.{key}", size, what or (
                "out channels, in channels, kernel, kernel" if len(size) == 4 else "units, inputs"))
        if rng is None:
            raise self.fail(f"{field}.{key}", "missing; give the weights, or [init] seed to draw them")
        bound = math.sqrt(6 / sum(fans))
        return rng.uniform(-bound, bound, size)

    def bias(self, raw, field: str, size: int) -> tuple[tuple[str, np.ndarray], ...]:
        value = raw.get("bias", True)
        if value is False:
            return ()
        if value is True:
            return (("b", np.zeros(size)),)
        return (("b", self.array(value, f"{field}.bias", (size,), "one per output, or true or false")),)

    def sequence_loss(self, function: str, activation: str | None) -> None:
        """A sequence output: the cross-entropy of a softmax at every position (token targets), or a squared
        error of an elementwise activation (or none) at every position (target values)."""
        if function == "cross_entropy" and activation == "softmax" or function in SQUARED and activation != "softmax":
            return
        raise self.fail("loss.function", "a sequence output takes the cross-entropy of a softmax at every position, "
                        "or a squared error (half_sse, sse, mse) of an elementwise activation at every position; got "
                        f"{function} after {activation or 'no activation'}")

    def loss(self, raw: Mapping[str, Any], output: str, targets: np.ndarray) -> LossSpec:
        function = self.choice(raw["function"], "loss.function", tuple(LOSSES))
        reduction = self.choice(raw.get("reduction", "mean"), "loss.reduction", ("mean", "sum"))
        if output not in LOSSES[function].output_activations:
            raise self.fail("loss.function", f"{function} needs an output activation in "
                            f"({', '.join(LOSSES[function].output_activations)}), got {output!r}")
        if targets is not None and function in ("cross_entropy", "binary_cross_entropy") and \
                ((targets < 0) | (targets > 1)).any():
            raise self.fail("target.values", f"{function} targets must lie in [0, 1]")
        return LossSpec(function, reduction)


def _nested_shape(value: Any) -> tuple[int, ...] | None:
    """The shape of nested lists of numbers, or None if ragged or not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return ()
    if not isinstance(value, list) or not value:
        return None
    inner = {_nested_shape(v) for v in value}
    if len(inner) != 1 or None in inner:
        return None
    return (len(value),) + inner.pop()

