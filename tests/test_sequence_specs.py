"""Issue 15, point 2: the spec syntax of sequence networks (spec/sequence.py), lowered and run.

Every spec here is read by derive, and its JSON document (inputs, targets, parameters, loss,
gradients) is held to PyTorch in float64: the same network built from the document's parameters
with torch.nn's own RNN, LSTM, GRU, Embedding, scaled_dot_product_attention, layer_norm, GELU and
cross_entropy (never derive's rows), on fixed and on random specs (hypothesis). Bad specs fail in
one line that names the field.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from derive import api
from derive.errors import SpecError
from derive.spec.load import from_dict
from derive.spec.sequence import GATE_NAMES

RTOL, ATOL = 1e-11, 1e-12


def _document(data: dict) -> dict:
    return json.loads(api.render(api.derive(from_dict(data)), "json"))


# -- PyTorch's network, built from the spec's layers and the document's parameters -----------------
def _cho_gru(x, p, l):
    """A GRU that resets the state before U_n (Cho et al.'s; Keras's reset_after = false), step by step in
    torch: torch.nn.GRU is PyTorch's variant only."""
    def gate(g, x_t, h):
        return F.linear(x_t, p[f"W{g}{l}"], p[f"b{g}{l}"]) + F.linear(h, p[f"U{g}{l}"], p[f"bh{g}{l}"])
    h = torch.zeros(x.shape[0], p[f"Ur{l}"].shape[0], dtype=torch.float64)
    states = []
    for t in range(x.shape[1]):
        r, z = torch.sigmoid(gate("r", x[:, t], h)), torch.sigmoid(gate("z", x[:, t], h))
        n = torch.tanh(gate("n", x[:, t], r * h))
        h = (1 - z) * n + z * h
        states.append(h)
    return torch.stack(states, dim=1)


def _recurrent(kind, layer, x, p, l):
    hidden = layer["hidden"]
    if kind == "gru" and not layer.get("reset_after", True):
        out = _cho_gru(x, p, l)
        return out if layer.get("sequence", True) else out[:, -1]
    if kind == "rnn":
        module = torch.nn.RNN(x.shape[-1], hidden, batch_first=True, nonlinearity=layer.get("nonlinearity", "tanh"),
                              dtype=torch.float64)
    else:
        module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](x.shape[-1], hidden, batch_first=True,
                                                                  dtype=torch.float64)
    def whole(role):            # each gate's own rows, stacked back in PyTorch's order
        return torch.cat([p[f"{role}{gate}{l}"] for gate in GATE_NAMES[kind]])
    b_h = whole("bh") if kind == "gru" else torch.zeros_like(whole("b"))
    weights = {"weight_ih_l0": whole("W"), "weight_hh_l0": whole("U"), "bias_ih_l0": whole("b"), "bias_hh_l0": b_h}
    out = torch.func.functional_call(module, weights, (x,))[0]
    return out if layer.get("sequence", True) else out[:, -1]


def _attend(x, p, l, heads, causal, projected):
    n, steps, d = x.shape

    def project(role):
        return F.linear(x, p[f"W{role}{l}"], p.get(f"b{role}{l}"))
    q, k, v = (project(r).reshape(n, steps, heads, d // heads).transpose(1, 2) for r in "qkv")
    out = F.scaled_dot_product_attention(q, k, v, is_causal=causal).transpose(1, 2).reshape(n, steps, d)
    return F.linear(out, p[f"Wo{l}"], p.get(f"bo{l}")) if projected else out


def _block(layer, x, p, l):
    d = x.shape[-1]
    heads, causal, eps = layer["heads"], layer.get("causal", False), layer.get("epsilon", 1e-5)

    def ln(a, part):
        return F.layer_norm(a, (d,), p[f"gamma{part}{l}"], p[f"beta{part}{l}"], eps=eps)

    def mlp(a):
        return F.linear(F.gelu(F.linear(a, p[f"Wup{l}"], p[f"bup{l}"])), p[f"Wdown{l}"], p[f"bdown{l}"])
    if layer.get("norm", "pre") == "pre":
        first = x + _attend(ln(x, "A"), p, l, heads, causal, True)
        return first + mlp(ln(first, "F"))
    first = ln(x + _attend(x, p, l, heads, causal, True), "A")
    return ln(first + mlp(first), "F")


def _torch_loss(data: dict, doc: dict, p: dict):
    x = torch.tensor(doc["inputs"], dtype=torch.int64 if "tokens" in data["input"] else torch.float64)
    for l, layer in enumerate(data["layers"], start=1):
        kind = layer.get("type", "dense")
        if kind == "embedding":
            x = F.embedding(x, p[f"E{l}"])
        elif kind in ("rnn", "lstm", "gru"):
            x = _recurrent(kind, layer, x, p, l)
        elif kind == "attention":
            heads = layer.get("heads", 1)
            x = _attend(x, p, l, heads, layer.get("causal", False), layer.get("output_projection", heads > 1))
        elif kind == "transformer_block":
            x = _block(layer, x, p, l)
        elif kind == "layer_norm":
            x = F.layer_norm(x, x.shape[-1:], p[f"gamma{l}"], p[f"beta{l}"], eps=layer.get("epsilon", 1e-5))
        elif kind == "dense":
            x = F.linear(x, p[f"W{l}"], p.get(f"b{l}"))
            if layer.get("activation") not in (None, "softmax"):
                x = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[layer["activation"]](x)
    mean = data["loss"].get("reduction", "mean") == "mean"
    targets = torch.tensor(doc["targets"], dtype=torch.float64)
    if x.ndim == 3:                 # a sequence: each sample's mean (or sum) over its positions
        per_position = F.cross_entropy(x.transpose(1, 2), targets.long(), reduction="none")
        per_sample = per_position.sum(dim=1) if data["loss"].get("positions") == "sum" else per_position.mean(dim=1)
    else:
        per_sample = -(targets * F.log_softmax(x, dim=-1)).sum(dim=-1)
    return per_sample.mean() if mean else per_sample.sum()


def _assert_equals_torch(data: dict):
    doc = _document(data)
    p = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True) for name, value in doc["parameters"].items()}
    loss = _torch_loss(data, doc, p)
    loss.backward()
    np.testing.assert_allclose(doc["loss"], loss.item(), rtol=RTOL, atol=ATOL)
    assert set(doc["gradients"]) == set(p)
    for name, leaf in p.items():
        np.testing.assert_allclose(doc["gradients"][name], leaf.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=name)
    return doc


def _spec(layers, *, tokens=None, vocabulary=4, values=None, shape=None, target=None, seed=1, reduction="mean"):
    data = {"title": "a sequence", "layers": layers, "init": {"seed": seed},
            "loss": {"function": "cross_entropy", "reduction": reduction}, "training": {"learning_rate": 0.1}}
    data["input"] = {"tokens": tokens, "vocabulary": vocabulary} if tokens is not None else \
        {"shape": shape, "values": values}
    data["target"] = target or {"next_token": True}
    return data


TOKENS = [[0, 2, 1, 3], [1, 1, 0, 2]]


@pytest.mark.parametrize("kind, extra", [("rnn", {}), ("rnn", {"nonlinearity": "relu"}), ("lstm", {}), ("gru", {}),
                                         ("gru", {"reset_after": False})],
                         ids=["rnn-tanh", "rnn-relu", "lstm", "gru", "gru-reset-before"])
def test_a_character_model_with_next_token_targets_is_pytorchs(kind, extra):
    """embedding → recurrent layer over T steps → dense softmax at every position, next-token CE."""
    data = _spec([{"type": "embedding", "size": 3}, {"type": kind, "hidden": 3, **extra},
                  {"type": "dense", "units": 4, "activation": "softmax"}], tokens=TOKENS)
    doc = _assert_equals_torch(data)
    assert doc["inputs"] == [[0, 2, 1], [1, 1, 0]] and doc["targets"] == [[2, 1, 3], [1, 0, 2]]
    data["loss"]["positions"] = "sum"                  # L = Σ_t L_t, as the textbooks write it
    assert _assert_equals_torch(data)["loss"] == pytest.approx(3 * doc["loss"], rel=1e-12)


@pytest.mark.parametrize("kind, extra", [("rnn", {}), ("lstm", {}), ("gru", {}), ("gru", {"reset_after": False})],
                         ids=["rnn", "lstm", "gru", "gru-reset-before"])
def test_a_many_to_one_classifier_reads_the_last_state(kind, extra):
    """vectors per step → recurrent layer, its last state only → dense softmax, one-hot targets."""
    rng = np.random.default_rng(4)
    data = _spec([{"type": kind, "hidden": 2, "sequence": False, **extra}, {"type": "dense", "units": 3, "activation": "softmax"}],
                 shape=[3, 2], values=rng.normal(size=(2, 3, 2)).round(2).tolist(),
                 target={"values": [[1, 0, 0], [0, 0, 1]]})
    _assert_equals_torch(data)


@pytest.mark.parametrize("heads, causal, bias", [(1, False, False), (1, True, True), (2, False, True), (2, True, False)])
def test_an_attention_layer_is_pytorchs(heads, causal, bias):
    data = _spec([{"type": "embedding", "size": 4}, {"type": "attention", "heads": heads, "causal": causal,
                                                     "bias": bias},
                  {"type": "dense", "units": 4, "activation": "softmax"}], tokens=TOKENS, reduction="sum")
    _assert_equals_torch(data)


@pytest.mark.parametrize("norm", ["pre", "post"])
def test_a_transformer_block_spec_is_pytorchs(norm):
    data = _spec([{"type": "embedding", "size": 4}, {"type": "transformer_block", "heads": 2, "hidden": 6,
                                                     "norm": norm, "causal": True},
                  {"type": "layer_norm"}, {"type": "dense", "units": 4, "activation": "softmax"}], tokens=TOKENS)
    _assert_equals_torch(data)


def test_given_weights_are_used_as_given():
    w, u = [[0.5, -0.25]], [[0.75]]
    data = _spec([{"type": "rnn", "hidden": 1, "sequence": False, "weights": w, "recurrent_weights": u,
                   "bias": [0.125]},
                  {"type": "dense", "units": 2, "activation": "softmax", "weights": [[1.0], [-1.0]]}],
                 shape=[2, 2], values=[[[1.0, 2.0], [0.5, -1.0]]], target={"values": [[0, 1]]})
    doc = _assert_equals_torch(data)
    assert doc["parameters"]["W1"] == w and doc["parameters"]["U1"] == u and doc["parameters"]["b1"] == [0.125]


def test_one_training_step_updates_by_the_gradient():
    doc = _document(_spec([{"type": "embedding", "size": 2}, {"type": "gru", "hidden": 2},
                           {"type": "dense", "units": 4, "activation": "softmax"}], tokens=TOKENS))
    for name, value in doc["parameters"].items():
        np.testing.assert_allclose(doc["updated"][name], np.array(value) - 0.1 * np.array(doc["gradients"][name]),
                                   rtol=1e-14, atol=1e-15)


# -- random sequence networks (hypothesis) --------------------------------------------------------------
@st.composite
def networks(draw):
    steps, vocabulary, n = draw(st.integers(1, 4)), draw(st.integers(2, 5)), draw(st.integers(1, 3))
    heads = draw(st.integers(1, 2))
    width = heads * draw(st.integers(1, 3))
    layers = [{"type": "embedding", "size": width}]
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["rnn", "lstm", "gru", "attention", "transformer_block", "layer_norm", "dense"]))
        if kind in ("rnn", "lstm", "gru"):
            layers.append({"type": kind, "hidden": width} | ({"reset_after": draw(st.booleans())} if kind == "gru"
                                                             else {}))
        elif kind == "attention":
            layers.append({"type": kind, "heads": heads, "causal": draw(st.booleans()), "bias": draw(st.booleans())})
        elif kind == "transformer_block":
            layers.append({"type": kind, "heads": heads, "hidden": draw(st.integers(1, 5)),
                           "norm": draw(st.sampled_from(["pre", "post"])), "causal": draw(st.booleans())})
        elif kind == "dense":
            layers.append({"type": "dense", "units": width, "activation": draw(st.sampled_from(["tanh", "relu"]))})
        else:
            layers.append({"type": kind})
    layers.append({"type": "dense", "units": vocabulary, "activation": "softmax"})
    tokens = draw(st.lists(st.lists(st.integers(0, vocabulary - 1), min_size=steps + 1, max_size=steps + 1),
                           min_size=n, max_size=n))
    data = _spec(layers, tokens=tokens, vocabulary=vocabulary, seed=draw(st.integers(0, 2 ** 31)),
                 reduction=draw(st.sampled_from(["mean", "sum"])))
    data["loss"]["positions"] = draw(st.sampled_from(["mean", "sum"]))
    return data


@settings(max_examples=40, deadline=None)
@given(networks())
def test_any_sequence_network_is_pytorchs(data):
    _assert_equals_torch(data)


# -- bad specs: one line that names the field ------------------------------------------------------------
EMBED, OUT = {"type": "embedding", "size": 2}, {"type": "dense", "units": 4, "activation": "softmax"}


@pytest.mark.parametrize("change, message", [
    (lambda d: d["layers"].insert(0, {"type": "rnn", "hidden": 2}),
     "layers[1].type: rnn reads numbers, and the input is token ids; expected an embedding layer first"),
    (lambda d: d["layers"].insert(1, {"type": "embedding", "size": 2}),
     "layers[2]: an embedding reads token ids (input.tokens and vocabulary) as the first layer"),
    (lambda d: d["input"].update(tokens=[[0, 4, 1]]), "input.tokens[1][2]: expected a token id from 0 to 3"),
    (lambda d: d["input"].update(tokens=[[0, 1], [2]]), "input.tokens: expected a list of token-id lists of one"),
    (lambda d: d["input"].pop("vocabulary"), "input.vocabulary: missing"),
    (lambda d: d["input"].update(shape=[3, 2]), "input.shape: given beside input.tokens"),
    (lambda d: d["layers"].insert(1, {"type": "attention", "heads": 3}),
     "layers[2].heads: 3 heads do not split 2 features evenly; expected one of 1, 2"),
    (lambda d: d["layers"].insert(1, {"type": "batch_norm"}),
     "expected layer_norm or rms_norm on a sequence"),
    (lambda d: d["layers"][-1].update(units=5), "target.next_token: the output scores 5 tokens per position"),
    (lambda d: d.update(target={"values": [[1, 0, 0, 0]]}), "target.values: the output is a sequence"),
    (lambda d: d.update(target={"tokens": [[0, 1]]}), "target.tokens: expected shape (1, 4)"),
    (lambda d: d.update(loss={"function": "mse"}), "got mse after softmax"),
    (lambda d: d["layers"][-1].update(activation="tanh"), "loss.function: a sequence output takes the cross-entropy"),
    (lambda d: d["layers"].insert(1, {"type": "gru", "hidden": 2, "recurrent_bias": [1.0]}),
     "layers[2].recurrent_bias: expected shape (6,)"),
    (lambda d: d["layers"].insert(1, {"type": "attention", "output_weights": [[1, 0], [0, 1]]}),
     "layers[2].output_weights: given without output_projection = true"),
    (lambda d: d["layers"].insert(1, {"type": "lstm", "hidden": 2, "sequence": 1}),
     "layers[2].sequence: expected true or false"),
    (lambda d: d["layers"].insert(1, {"type": "gru", "hidden": 2, "reset_after": "no"}),
     "layers[2].reset_after: expected true or false"),
    (lambda d: d["layers"].insert(1, {"type": "lstm", "hidden": 2, "reset_after": False}),
     "layers[2].reset_after"),
    (lambda d: d["layers"].insert(1, {"type": "rnn", "hidden": 2}) or d["layers"].insert(2, {"type": "flatten"}),
     "layers[3]: flatten reads an image (channels, height, width), got shape (3, 2)"),
    (lambda d: d["loss"].update(positions="total"), "loss.positions: unknown value 'total' (expected one of: mean, sum)"),
    (lambda d: d["layers"].insert(1, {"type": "rnn", "hidden": 2, "sequence": False}) or d.update(
        target={"values": [[1, 0, 0, 0]]}) or d["loss"].update(positions="sum"), "loss.positions: given for a flat output"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_a_bad_sequence_spec_is_named_in_one_line(change, message):
    data = _spec([dict(EMBED), dict(OUT)], tokens=[[0, 1, 2, 3]])
    change(data)
    with pytest.raises(SpecError) as caught:
        from_dict(data)
    assert message in str(caught.value) and "\n" not in str(caught.value), str(caught.value)



def test_a_long_recurrent_document_is_refused_up_front_with_its_estimate():
    """The estimate counts the unrolled steps' parts by their width: an LSTM of 64 units over 32 steps
    is a document of thousands of sections, refused at the door with the figure and the way on."""
    from derive.errors import DeriveError
    from derive.spec import cost
    data = _spec([{"type": "embedding", "size": 4}, {"type": "lstm", "hidden": 64},
                  {"type": "dense", "units": 4, "activation": "softmax"}], tokens=[[k % 4 for k in range(33)]])
    with pytest.raises(DeriveError, match=r"this spec would take about [\d,]+ s .*--time-limit"):
        cost.check(from_dict(data), cost.DEFAULT_LIMIT)
    cost.check(from_dict(data), cost.DEFAULT_LIMIT, document=False)        # its numbers and code are quick
    cost.check(from_dict(_spec([EMBED, {"type": "rnn", "hidden": 2}, OUT], tokens=TOKENS)), cost.DEFAULT_LIMIT)
