"""TOML or a mapping -> NetworkSpec (spec_model.py). Every check on the user's spec lives here.

The spec is validated once, at the door; later stages trust it.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import stat
import sys
import tomllib
from pathlib import Path
from typing import Any, Mapping

from ..errors import SpecError
from ..rules.activations import ACTIVATIONS
from ..rules.losses import LOSSES
from ..rules.optimizers import OPTIMIZERS
from .checks import Checker, _kind, quoted_key
from .dropout import check_mask_samples, read_dropout
from .skip import read_skip
from .tensor import TensorSpec, is_tensor_spec, read_tensor_spec
from .init import glorot_uniform
from .model import LayerSpec, LossSpec, NetworkSpec, TrainingSpec

LAYOUTS = ("column", "row")
NOTATIONS = ("neuron", "layer", "index")
REDUCTIONS = ("mean", "sum")
# Default prefixes of hidden layers when there are several (avoid i, o, w, b, e, t, x).
HIDDEN_PREFIXES = "hkpqrsuvyz"

# True: a required key; "section": a required section. Target and training are required with values.
TOP_KEYS = {"title": False, "description": False, "date": False, "tags": False,
            "layout": False, "precision": False, "notation": False,
            "input": "section", "target": False, "layers": "section", "loss": "section", "training": False,
            "init": False, "aliases": False}
SECTION_KEYS = {
    "input": {"names": False, "values": False},
    "target": {"values": True},
    "loss": {"function": True, "reduction": False, "l2": False},
    "training": {"learning_rate": True, "update_bias": False, "iterations": False, "optimizer": False}
    | {h.name: False for row in OPTIMIZERS.values() for h in row.hyperparameters},
    "init": {"seed": True},
}
LAYER_KEYS = {"units": True, "activation": True, "names": False, "weights": False, "bias": False,
              "dropout": False, "mask": False, "skip": False}


# A spec is a few kilobytes; a 784-128-64-10 network with its weights is a few megabytes.
MAX_SPEC_BYTES = 16 * 1024 * 1024
SPECIAL_FILES = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
                 (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def load_file(path: str | Path) -> NetworkSpec | TensorSpec:
    path = Path(path)
    return load_text(_read_spec(path), source=str(path))


def _read_spec(path: Path) -> str:
    """The file's text: a regular file of at most MAX_SPEC_BYTES, read without blocking on a FIFO."""
    def fail(message: str) -> SpecError:
        return SpecError("", message, str(path))
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise fail("no such spec file (expected a TOML file or a preset name)") from None
    except OSError as exc:
        raise fail(f"cannot read spec file ({exc.strerror})") from None
    mode = os.fstat(fd).st_mode
    kind = next((name for test, name in SPECIAL_FILES if test(mode)), None)
    if kind is not None:
        os.close(fd)
        raise fail(f"is {kind}, not a spec file (expected a TOML file or a preset name)")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(MAX_SPEC_BYTES + 1)   # never more than the cap, whatever stat said
        except OSError as exc:
            raise fail(f"cannot read spec file ({exc.strerror})") from None
    if len(data) > MAX_SPEC_BYTES:
        raise fail(f"larger than {MAX_SPEC_BYTES} bytes; expected a TOML spec of at most that size")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text (byte {exc.start + 1}); expected a TOML file") from None


def load_text(text: str, source: str = "<spec>") -> NetworkSpec | TensorSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError("", f"TOML syntax error: {exc}", source) from None
    except ValueError:   # tomllib's only other error: int() refusing a number of too many digits
        raise SpecError("", f"a whole number of more than {sys.get_int_max_str_digits()} digits; expected "
                        "numbers of ordinary size", source) from None
    except RecursionError:
        raise SpecError("", "TOML nested too deeply (arrays or tables inside each other); expected at most "
                        "a list of lists of numbers", source) from None
    return from_dict(data, source=source)


def from_dict(data: Mapping[str, Any], source: str = "<spec>") -> NetworkSpec | TensorSpec:
    """Validate a mapping shaped like the TOML schema: a NetworkSpec of dense layers, or a TensorSpec
    of typed layers (conv2d, pooling, flatten, normalization; spec/tensor.py)."""
    if isinstance(data, Mapping) and is_tensor_spec(data):
        return tensor_spec_from_dict(data, source)
    return _Reader(source).network(data)


def tensor_spec_from_dict(data: Mapping[str, Any], source: str = "<spec>") -> TensorSpec:
    """A spec of typed layers (spec/tensor.py), its [training] read as a dense spec's is."""
    return read_tensor_spec(data, source, _Reader(source).training)


class _Reader(Checker):
    """Walks the raw mapping of the schema; every error names the field's path."""

    # -- the schema -------------------------------------------------------
    def network(self, data: Mapping[str, Any]) -> NetworkSpec:
        data = self.table(data, "", TOP_KEYS)
        title = self.text(data.get("title", "Backpropagation, step by step"), "title")
        description = self.text(data.get("description", ""), "description")
        layout = self.choice(data.get("layout", "column"), "layout", LAYOUTS)
        precision = self.integer(data.get("precision", 9), "precision", 3, 17)
        date, tags = self.front_matter(data)

        inp = self.table(data["input"], "input", SECTION_KEYS["input"])
        raw_layers = data["layers"]
        if not isinstance(raw_layers, list) or not raw_layers:
            raise self.fail("layers", "expected at least one [[layers]] table, got an empty list"
                            if isinstance(raw_layers, list) else f"expected [[layers]] tables, got {_kind(raw_layers)}")
        if "values" not in inp and "names" not in inp:
            raise self.fail("input.values", "missing key (or give input.names alone for a derivation without numbers)")
        numeric = "values" in inp
        notation = self.choice(data.get("notation", "neuron" if numeric else "layer"), "notation", NOTATIONS)
        if not numeric and notation != "layer":
            raise self.fail("notation", f"{notation!r} needs numbers; a spec without input.values is written in "
                            "the layer notation only (expected \"layer\" or no notation)")
        if not numeric:
            for key in ("target", "training", "init"):
                if key in data:
                    raise self.fail(key, "given without input.values; a derivation without numbers takes no "
                                    "targets, training or init")
        else:
            for key in ("target", "training"):
                if key not in data:
                    raise self.fail(key, "missing section")

        width = self._input_width(inp, raw_layers[0], layout)
        taken: set[str] = set()
        input_names = (self.names(inp["names"], "input.names", width, taken) if "names" in inp
                       else self._defaults([f"x{j + 1}" for j in range(width)], "input.names", taken))
        init_seed = None
        if "init" in data:
            init = self.table(data["init"], "init", SECTION_KEYS["init"])
            init_seed = self.integer(init["seed"], "init.seed", 0, 2**63 - 1)
        layers = self.layers(raw_layers, layout, width, taken, init_seed, numeric)
        loss_table = self.table(data["loss"], "loss", SECTION_KEYS["loss"])
        if not numeric:
            loss = self.loss(loss_table, layers, ())
            return NetworkSpec(title, description, layout, precision, input_names, (), (), layers, loss, None,
                               notation, date, tags, self.aliases(data), "notation" in data)

        inputs = self.rows(inp["values"], "input.values", width, f"one per input; the network has {width}")
        target = self.table(data["target"], "target", SECTION_KEYS["target"])
        outputs = layers[-1].units
        targets = self.rows(target["values"], "target.values", outputs,
                            f"one per output unit; the last layer has {outputs}")
        if len(targets) != len(inputs):
            raise self.fail("target.values", f"expected {len(inputs)} samples (as many as input.values), got {len(targets)}")
        check_mask_samples(self, layers, len(inputs))
        loss = self.loss(loss_table, layers, targets)
        training = self.training(self.table(data["training"], "training", SECTION_KEYS["training"]))
        if loss.l2 and training.optimizer == "adamw":     # both write their strength lambda, and both decay w
            raise self.fail("loss.l2", "an L2 penalty with optimizer 'adamw', whose weight_decay already decays "
                            "the weights; expected one of them (adam with loss.l2 is L2, adamw alone is decoupled)")
        return NetworkSpec(title, description, layout, precision, input_names, inputs, targets,
                           layers, loss, training, notation, date, tags, self.aliases(data), "notation" in data)

    def aliases(self, data: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        table = data.get("aliases", {})
        if not isinstance(table, Mapping):
            raise self.fail("aliases", f"expected a table of LaTeX name = symbol, got {_kind(table)}")
        for written, meant in table.items():
            if not isinstance(meant, str) or not meant.strip():
                raise self.fail(f"aliases.{quoted_key(written)}", f"expected the name of a symbol such as \"out_h1\", "
                                f"got {_kind(meant)}")
        return tuple((str(k), v) for k, v in table.items())

    def front_matter(self, data: Mapping[str, Any]) -> tuple[str | None, tuple[str, ...]]:
        date = data.get("date")
        if date is not None:
            date = self.iso_date(date, "date")
        tags = data.get("tags", [])
        if not isinstance(tags, list):
            raise self.fail("tags", f"expected a list of strings, got {_kind(tags)}")
        return date, tuple(self.text(tag, f"tags[{i}]") for i, tag in enumerate(tags, start=1))

    def iso_date(self, value: Any, field: str) -> str:
        """An ISO 8601 date or date-time, re-written by Python: it goes unquoted into front matter."""
        if isinstance(value, datetime.date):      # TOML's own dates (a datetime is a date too)
            return value.isoformat()
        if isinstance(value, str):
            for kind in (datetime.date, datetime.datetime):
                with contextlib.suppress(ValueError):
                    return kind.fromisoformat(value).isoformat()
        raise self.fail(field, f"expected an ISO date such as 2026-11-22 (or a date-time such as "
                        f"2026-11-22T09:30:00), got {_kind(value)}")

    def _input_width(self, inp: Mapping[str, Any], first_layer: Any, layout: str) -> int:
        """The network's input count: from input.names, else the first weights when their units side
        fits the layer (a transposed matrix must not set it), else the values."""
        if isinstance(inp.get("names"), list) and inp["names"]:
            return len(inp["names"])
        layer = first_layer if isinstance(first_layer, Mapping) else {}
        weights, units = layer.get("weights"), layer.get("units")
        if isinstance(weights, list) and weights and all(isinstance(r, list) for r in weights):
            widths = {len(r) for r in weights}
            if layout == "row" and widths == {units}:
                return len(weights)
            if layout == "column" and len(weights) == units and len(widths) == 1:
                return widths.pop()
        values = inp["values"]
        first_row = values[0] if isinstance(values, list) and values and isinstance(values[0], list) else values
        if not isinstance(first_row, list) or not first_row:
            raise self.fail("input.values", "expected a non-empty list of samples of numbers")
        return len(first_row)

    def _defaults(self, names: list[str], field: str, taken: set[str]) -> tuple[str, ...]:
        clash = [n for n in names if n in taken]
        if clash:
            raise self.fail(field, f"default name {clash[0]!r} is already used; give names explicitly")
        taken.update(names)
        return tuple(names)

    def layers(self, raw_layers: list, layout: str, width: int, taken: set[str],
               init_seed: int | None, numeric: bool) -> tuple[LayerSpec, ...]:
        layers = []
        fan_in = width
        widths = [width]                   # each layer's width so far, the inputs' first (for skips)
        hidden = len(raw_layers) - 1
        drawn = self.drawn_weights(raw_layers, width, init_seed)
        for index, raw in enumerate(raw_layers):
            field = f"layers[{index + 1}]"     # positions the user sees count from 1, as the README's layers
            raw = self.table(raw, field, LAYER_KEYS)
            units = self.integer(raw["units"], f"{field}.units", 1, 4096)
            activation = self.choice(raw["activation"], f"{field}.activation", tuple(ACTIVATIONS))
            if activation == "softmax" and index != len(raw_layers) - 1:
                raise self.fail(f"{field}.activation", "softmax may be used in the last layer only")
            if "names" in raw:
                names = self.names(raw["names"], f"{field}.names", units, taken)
            else:
                names = self._defaults(_default_names(index, hidden, units), f"{field}.names", taken)
            has_bias = raw.get("bias") is not False
            dropout, mask = read_dropout(self, raw, field, units, index == len(raw_layers) - 1, numeric)
            skip = read_skip(self, raw, field, index + 1, widths + [units], index == len(raw_layers) - 1)
            widths.append(units)
            if not numeric:
                for key in ("weights", "bias"):
                    if key in raw and not (key == "bias" and not has_bias):
                        raise self.fail(f"{field}.{key}", "given without input.values; a derivation without "
                                        "numbers takes no weights or biases (but bias = false, for none)")
                layers.append(LayerSpec(units, activation, names, None, None, has_bias, dropout, None, skip))
                fan_in = units
                continue
            if activation == "g":
                raise self.fail(f"{field}.activation", "g is an unspecified function with no numbers; a spec "
                                "with input.values needs a concrete activation (or drop the values)")
            shape = (units, fan_in) if layout == "column" else (fan_in, units)
            if init_seed is None:
                if "weights" not in raw:
                    raise self.fail(f"{field}.weights", "missing key (give the weights, or [init] seed = N to draw them)")
                weights = self.matrix(raw["weights"], f"{field}.weights", shape, layout)
            elif "weights" in raw:
                raise self.fail(f"{field}.weights", "given together with [init]; expected either explicit "
                                "weights in every layer or [init] and no weights")
            else:
                matrix = drawn[index] if layout == "column" else drawn[index].T
                weights = tuple(tuple(float(v) for v in row) for row in matrix)
            if "bias" not in raw and init_seed is None:
                raise self.fail(f"{field}.bias", "missing key (a number, a list with one number per unit, "
                                "or false for none)")
            bias_value = raw.get("bias", [0.0] * units) if has_bias else [0.0] * units
            if bias_value is True:
                raise self.fail(f"{field}.bias", "expected a number, a list with one number per unit, or false "
                                "for none, got true")
            if isinstance(bias_value, list):
                bias: float | tuple[float, ...] = self.vector(bias_value, f"{field}.bias", units, "one per unit")
            else:
                bias = self.number(bias_value, f"{field}.bias")
            layers.append(LayerSpec(units, activation, names, weights, bias, has_bias, dropout, mask, skip))
            fan_in = units
        return tuple(layers)

    def drawn_weights(self, raw_layers: list, width: int, init_seed: int | None) -> list:
        """The [init] weights of every layer, drawn before any is validated, so that they do not
        depend on which layers fail; only shapes are needed."""
        if init_seed is None:
            return []
        shapes, fan_in = [], width
        for index, raw in enumerate(raw_layers):
            units = raw.get("units") if isinstance(raw, Mapping) else None
            units = self.integer(units, f"layers[{index + 1}].units", 1, 4096)
            shapes.append((units, fan_in))
            fan_in = units
        return glorot_uniform(init_seed, shapes)

    def matrix(self, value: Any, field: str, shape: tuple[int, int], layout: str) -> tuple[tuple[float, ...], ...]:
        rows, cols = shape
        meaning = "(units, inputs)" if layout == "column" else "(inputs, units)"
        expected = f"expected shape {rows}x{cols} {meaning} in {layout} layout"
        if not isinstance(value, list) or any(not isinstance(r, list) for r in value):
            raise self.fail(field, f"{expected}, got {_kind(value)}")
        if rows != cols and len(value) == cols and all(len(r) == rows for r in value):
            across = "one row per unit" if layout == "column" else "one row per input"
            raise self.fail(field, f"{expected}, got {cols}x{rows}: transposed? the {layout} layout has {across}")
        if len(value) != rows:
            raise self.fail(field, f"{expected}, got {len(value)} rows")
        for i, row in enumerate(value, start=1):
            if len(row) != cols:
                raise self.fail(field, f"{expected}, got {len(row)} numbers in row {i}")
        return tuple(tuple(self.number(v, f"{field}[{i}][{j}]") for j, v in enumerate(row, start=1))
                     for i, row in enumerate(value, start=1))

    def loss(self, raw: Mapping[str, Any], layers: tuple[LayerSpec, ...], targets) -> LossSpec:
        function = self.choice(raw["function"], "loss.function", tuple(LOSSES))
        reduction = self.choice(raw.get("reduction", "mean"), "loss.reduction", REDUCTIONS)
        output = layers[-1].activation
        rule = LOSSES[function]
        if output not in rule.output_activations:
            raise self.fail("loss.function", f"{function} needs an output activation in "
                            f"({', '.join(rule.output_activations)}), got {output!r}")
        for s, row in enumerate(targets, start=1):
            if function in ("cross_entropy", "binary_cross_entropy") and any(not 0 <= t <= 1 for t in row):
                raise self.fail(f"target.values[{s}]", f"{function} targets must lie in [0, 1], got {list(row)}")
            if function == "cross_entropy" and abs(sum(row) - 1) > 1e-9:
                raise self.fail(f"target.values[{s}]",
                                f"cross_entropy targets must be a distribution summing to 1, got sum {sum(row):g}")
        l2 = self.number(raw.get("l2", 0.0), "loss.l2")
        if l2 < 0:
            raise self.fail("loss.l2", f"expected a strength of 0 or more (lambda in + lambda/2 * sum of squared weights), got {l2:g}")
        return LossSpec(function, reduction, l2)

    def training(self, raw: Mapping[str, Any]) -> TrainingSpec:
        rate = self.number(raw["learning_rate"], "training.learning_rate")
        if rate <= 0:
            raise self.fail("training.learning_rate", f"expected a positive number, got {rate:g}")
        update_bias = raw.get("update_bias", True)
        if not isinstance(update_bias, bool):
            raise self.fail("training.update_bias", f"expected true or false, got {_kind(update_bias)}")
        iterations = raw.get("iterations")
        if iterations is not None:
            iterations = self.integer(iterations, "training.iterations", 1, 10_000_000)
        optimizer = self.choice(raw.get("optimizer", "sgd"), "training.optimizer", tuple(OPTIMIZERS))
        return TrainingSpec(rate, update_bias, iterations, optimizer, self.hyperparameters(raw, optimizer))

    def hyperparameters(self, raw: Mapping[str, Any], optimizer: str) -> tuple[tuple[str, float], ...]:
        """The optimizer's hyperparameters, each as given or its default, in the row's order."""
        row = OPTIMIZERS[optimizer]
        own = {h.name for h in row.hyperparameters}
        for name in raw:
            if name in SECTION_KEYS["training"] and name not in own and any(
                    name in {h.name for h in other.hyperparameters} for other in OPTIMIZERS.values()):
                takes = f"its hyperparameters are {', '.join(sorted(own))}" if own else "it has no hyperparameters"
                raise self.fail(f"training.{name}", f"optimizer {optimizer!r} has no {name} ({takes})")
        found = []
        for h in row.hyperparameters:
            value = self.number(raw.get(h.name, h.default), f"training.{h.name}")
            if not h.allows(value):
                raise self.fail(f"training.{h.name}", f"expected a number {h.allowed}, got {value:g}")
            found.append((h.name, value))
        return tuple(found)


def _default_names(index: int, hidden: int, units: int) -> list[str]:
    if index == hidden:
        prefix = "o"
    elif hidden == 1:
        prefix = "h"
    elif index < len(HIDDEN_PREFIXES):
        prefix = HIDDEN_PREFIXES[index]
    else:
        prefix = f"h{index + 1}n"
    return [f"{prefix}{j + 1}" for j in range(units)]
