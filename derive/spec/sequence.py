"""The sequence layers of a typed spec (issue 15), read as spec/tensor.py reads the others: a layer's
input and output are a sequence (time, features), or token ids (time,) at the input.

    [input]
    tokens = [[0, 2, 1]]               # token ids per sample, (samples, time), each below vocabulary
    vocabulary = 4                     # or shape = [time, features] with values, one per sample
    [target]
    tokens = [[2, 1, 3]]               # one id per position, for a sequence output; or
    next_token = true                  # each position predicts the next input token: input.tokens
                                       # hold T + 1 ids, the model reads the first T
    [[layers]]
    type = "embedding"                 # size; weights (vocabulary, size)
    [[layers]]
    type = "rnn"                       # lstm, gru: hidden; rnn: nonlinearity (tanh, relu);
    hidden = 3                         # sequence (true: every step's state goes on; false: the last)
                                       # weights (gates·hidden, inputs), recurrent_weights (gates·hidden,
                                       # hidden), bias (gates·hidden), the GRU's recurrent_bias; gates in
                                       # PyTorch's order (LSTM i, f, g, o; GRU r, z, n)
                                       # reset_after (GRU): true, n = tanh(W_n x + b_n + r ⊙ (U_n h' + b'_n))
                                       # as PyTorch's; false, n = tanh(W_n x + b_n + U_n (r ⊙ h') + b'_n) as
                                       # Cho et al.'s (Keras's reset_after = false)
    [[layers]]
    type = "attention"                 # heads (1), causal (false), bias (false), output_projection
                                       # (heads > 1); query_, key_, value_, output_weights (d, d)
    [[layers]]
    type = "transformer_block"         # heads, hidden (4 d), norm ("pre" or "post"), causal, epsilon;
                                       # query_, key_, value_, output_, up_ (hidden, d), down_weights (d, hidden)

A dense layer on a sequence is applied at every position; layer_norm and rms_norm normalize each
position's features. A sequence output ends in a dense softmax layer and the cross-entropy against
token ids (the mean over positions of each position's error), or in a dense layer with an elementwise
activation (or none) and a squared error against `[target] values` of shape (time, outputs) per
sample (the sum over positions: E = Σ_t ½‖ŷ_t − y_t‖², a regression at every step). `[loss] positions`
("mean" or "sum") overrides how a sample's error gathers its positions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import _kind, shape_text as _shape
from .model import TensorLayer

SEQUENCE_KINDS = ("embedding", "rnn", "lstm", "gru", "attention", "transformer_block")
RECURRENT = {"rnn": 1, "lstm": 4, "gru": 3}          # the gates stacked in W, U and b
GATE_NAMES = {"rnn": ("",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
SEQUENCE_KEYS = {
    "embedding": {"size": True, "weights": False},
    **{kind: {"hidden": True, "sequence": False, "weights": False, "recurrent_weights": False, "bias": False}
       | ({"nonlinearity": False} if kind == "rnn" else {}) | ({"recurrent_bias": False, "reset_after": False} if kind == "gru" else {})
       for kind in RECURRENT},
    "attention": {"heads": False, "causal": False, "bias": False, "output_projection": False,
                  "query_weights": False, "key_weights": False, "value_weights": False, "output_weights": False},
    "transformer_block": {"heads": True, "hidden": False, "norm": False, "causal": False, "epsilon": False,
                          "query_weights": False, "key_weights": False, "value_weights": False,
                          "output_weights": False, "up_weights": False, "down_weights": False},
}
MAX_STEPS = 512
PROJECTIONS = ("query", "key", "value")


class SequenceLayers:
    """The readers of the sequence kinds, mixed into spec/tensor.py's reader (its fail, integer,
    choice, array and parameter); `vocabulary` is the token input's, 0 for vectors."""
    vocabulary = 0
    reading_tokens = False           # the layer being read is the first, and the input is token ids

    def flag(self, raw, key: str, field: str, default: bool) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{field}.{key}", f"expected true or false, got {_kind(value)}")
        return value

    def sequence(self, shape: tuple[int, ...], field: str, kind: str) -> tuple[int, int]:
        """(time, features) of a sequence input; a token input only an embedding reads."""
        if len(shape) != 2:
            raise self.fail(field, f"{kind} reads a sequence (time, features), got shape {_shape(shape)}")
        return shape

    def _embedding(self, raw, field, shape, rng, activation):
        if not self.reading_tokens:
            raise self.fail(field, "an embedding reads token ids (input.tokens and vocabulary) as the first layer, "
                            f"got {'numbers of shape ' + _shape(shape) if not self.vocabulary else 'a later layer'}")
        size = self.integer(raw["size"], f"{field}.size", 1, 4096)
        table = self.parameter(raw, "weights", field, (self.vocabulary, size), rng, (self.vocabulary, size),
                               "vocabulary, size")
        return TensorLayer("embedding", (), (("E", table),), None, (shape[0], size))

    def _recurrent(self, kind, raw, field, shape, rng):
        steps, features = self.sequence(shape, field, kind)
        hidden = self.integer(raw["hidden"], f"{field}.hidden", 1, 4096)
        rows = RECURRENT[kind] * hidden
        attributes = (("hidden", hidden), ("sequence", self.flag(raw, "sequence", field, True)))
        if kind == "gru":               # false: the state reset before U_n (Cho et al.'s, Keras's reset_after = false)
            attributes += (("reset_after", self.flag(raw, "reset_after", field, True)),)
        if kind == "rnn":
            attributes += (("nonlinearity", self.choice(raw.get("nonlinearity", "tanh"), f"{field}.nonlinearity",
                                                        ("tanh", "relu"))),)
        what = f"{RECURRENT[kind]} × hidden rows" if kind != "rnn" else "hidden rows"
        w = self.parameter(raw, "weights", field, (rows, features), rng, (features, rows), f"{what}, inputs")
        u = self.parameter(raw, "recurrent_weights", field, (rows, hidden), rng, (hidden, rows), f"{what}, hidden")
        stacked = {"W": w, "U": u}
        for role, key in (("b", "bias"), ("bh", "recurrent_bias")):
            if key in SEQUENCE_KEYS[kind]:
                stacked[role] = self.array(raw[key], f"{field}.{key}", (rows,), what) if key in raw else np.zeros(rows)
        # each gate its own rows, in PyTorch's order, named as the posts name them (W_f, U_f, b_f)
        parameters = tuple((f"{role}{gate}", array[k * hidden:(k + 1) * hidden].copy())
                           for role, array in stacked.items() for k, gate in enumerate(GATE_NAMES[kind]))
        output = (steps, hidden) if dict(attributes)["sequence"] else (hidden,)
        return TensorLayer(kind, attributes, parameters, None, output)

    def _rnn(self, raw, field, shape, rng, activation):
        return self._recurrent("rnn", raw, field, shape, rng)

    def _lstm(self, raw, field, shape, rng, activation):
        return self._recurrent("lstm", raw, field, shape, rng)

    def _gru(self, raw, field, shape, rng, activation):
        return self._recurrent("gru", raw, field, shape, rng)

    def _heads(self, raw, field, width: int, default: int | None) -> int:
        heads = self.integer(raw["heads"] if default is None else raw.get("heads", default), f"{field}.heads", 1, 4096)
        if width % heads:
            fitting = [h for h in range(1, width + 1) if width % h == 0]
            raise self.fail(f"{field}.heads", f"{heads} heads do not split {width} features evenly; expected one of "
                            f"{', '.join(map(str, fitting))}")
        return heads

    def _projections(self, raw, field, width, rng, names, bias: bool) -> tuple:
        found = ()
        for role, key in names:
            found += ((f"W{role}", self.parameter(raw, f"{key}_weights", field, (width, width), rng, (width, width),
                                                   "features, features")),)
            if bias:
                found += ((f"b{role}", np.zeros(width)),)
        return found

    def _attention(self, raw, field, shape, rng, activation):
        steps, width = self.sequence(shape, field, "attention")
        heads = self._heads(raw, field, width, 1)
        bias = self.flag(raw, "bias", field, False)
        projected = self.flag(raw, "output_projection", field, heads > 1)
        if "output_weights" in raw and not projected:
            raise self.fail(f"{field}.output_weights", "given without output_projection = true; expected both, "
                            "or neither")
        roles = tuple(zip("qkv", PROJECTIONS)) + ((("o", "output"),) if projected else ())
        attributes = (("heads", heads), ("causal", self.flag(raw, "causal", field, False)),
                      ("output_projection", projected))
        return TensorLayer("attention", attributes, self._projections(raw, field, width, rng, roles, bias), None,
                           shape)

    def _transformer_block(self, raw, field, shape, rng, activation):
        steps, width = self.sequence(shape, field, "transformer_block")
        heads = self._heads(raw, field, width, None)
        hidden = self.integer(raw.get("hidden", 4 * width), f"{field}.hidden", 1, 4096)
        norm = self.choice(raw.get("norm", "pre"), f"{field}.norm", ("pre", "post"))
        epsilon = self.number(raw.get("epsilon", 1e-5), f"{field}.epsilon")
        if epsilon <= 0:
            raise self.fail(f"{field}.epsilon", f"expected a number above 0, got {epsilon!r}")
        ones, zeros = np.ones(width), np.zeros(width)
        parameters = (("gammaA", ones), ("betaA", zeros))
        parameters += self._projections(raw, field, width, rng, tuple(zip("qkvo", PROJECTIONS + ("output",))), True)
        parameters += (("gammaF", ones), ("betaF", zeros),
                       ("Wup", self.parameter(raw, "up_weights", field, (hidden, width), rng, (width, hidden),
                                              "hidden, features")), ("bup", np.zeros(hidden)),
                       ("Wdown", self.parameter(raw, "down_weights", field, (width, hidden), rng, (hidden, width),
                                                "features, hidden")), ("bdown", zeros))
        attributes = (("heads", heads), ("causal", self.flag(raw, "causal", field, False)), ("norm", norm),
                      ("epsilon", epsilon))
        return TensorLayer("transformer_block", attributes, parameters, None, shape)

    # -- token inputs and targets ----------------------------------------------------------------------
    def tokens(self, value: Any, field: str, vocabulary: int, count: int | None, steps: int | None) -> np.ndarray:
        """Token ids, (samples, time): whole numbers below the vocabulary, the same count per sample."""
        rows = value if isinstance(value, list) and value and all(isinstance(r, list) for r in value) else None
        if rows is None or len({len(r) for r in rows}) != 1 or not rows[0]:
            raise self.fail(field, "expected a list of token-id lists of one length, one per sample")
        if count is not None and len(rows) != count or steps is not None and len(rows[0]) != steps:
            raise self.fail(field, f"expected shape ({count}, {steps}) (one id per position and sample), got "
                            f"({len(rows)}, {len(rows[0])})")
        if len(rows[0]) > MAX_STEPS + 1:
            raise self.fail(field, f"{len(rows[0])} time steps; expected at most {MAX_STEPS}")
        for i, row in enumerate(rows, start=1):
            for t, token in enumerate(row, start=1):
                if isinstance(token, bool) or not isinstance(token, int) or not 0 <= token < vocabulary:
                    raise self.fail(f"{field}[{i}][{t}]", f"expected a token id from 0 to {vocabulary - 1}, got "
                                    f"{_kind(token)}")
        return np.array(rows, dtype=np.int64)


def applications(layers) -> int:
    """How many applications the lowered graph has: a recurrent layer's parts, one set per time step
    (an RNN's slice and state; an LSTM's slice, four gates, cell and state; a GRU's slice, two gates,
    two halves, new state and mix); attention's five; a transformer block's fourteen."""
    count = 0
    for layer in layers:
        steps = layer.shape[0] if len(layer.shape) == 2 else 0
        if layer.kind in RECURRENT:
            count += (steps or dict(layer.attributes)["hidden"]) * {"rnn": 2, "lstm": 7, "gru": 7}[layer.kind] + 1
        else:
            count += {"transformer_block": 16, "attention": 6}.get(layer.kind, 2)
    return count


def document_units(layers) -> int:
    """The unrolled applications each weighted by its width (at least 4): a document's index forms,
    worked entries and proofs grow with both."""
    return sum(applications([layer]) * max(4, dict(layer.attributes).get("hidden", layer.shape[-1]))
               for layer in layers if layer.kind in SEQUENCE_KINDS)


def flops(layers) -> int:
    """Per sample, the multiply-adds of one forward and backward pass through the layers that read a
    sequence: each weight once per position, three times over (forward, and the two backward
    products), and attention's scores and weighted sums, T × T × d each."""
    count = 0
    for layer in layers:
        if len(layer.shape) != 2 and layer.kind not in RECURRENT:
            continue
        steps = layer.shape[0] if len(layer.shape) == 2 else 1
        count += 3 * steps * sum(array.size for _, array in layer.parameters if array.ndim == 2)
        if layer.kind in ("attention", "transformer_block"):
            count += 3 * 2 * steps * steps * layer.shape[1]
    return count
