"""Specs of typed layers (issue 14, point 2): conv2d, pooling, flatten, dense and normalization
layers read with their shapes checked layer by layer, lowered onto the graph, and computed by the
one tape: random such specs give PyTorch's loss and gradients; every shape that does not fit is
named in one line, with the shapes and what would fit.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from spec_mutations import mutated, mutations
from torch_typed import torch_loss

import derive
from derive.core.graph import Kind
from derive.core.lower_tensor import lower_tensor
from derive.core.ops import TENSOR_OPS
from derive.errors import SpecError
from derive.numeric.tape import Tape
from derive.spec.load import tensor_spec_from_dict as read_tensor_spec
from derive.spec.tensor import is_tensor_spec

TINY_CNN = {
    "title": "tiny CNN",
    "input": {"shape": [1, 4, 4], "values": [[[[1, 2, 0, 1], [0, 1, 3, 1], [2, 1, 0, 0], [1, 0, 2, 1]]]]},
    "target": {"values": [[0, 1, 0]]},
    "layers": [{"type": "conv2d", "out_channels": 2, "kernel": 2, "activation": "relu",
                "weights": [[[[1, 0], [0, -1]]], [[[0, 1], [1, 0]]]], "bias": [0, 0]},
               {"type": "max_pool", "kernel": 2, "stride": 1},
               {"type": "flatten"},
               {"type": "dense", "units": 3, "activation": "softmax"}],
    "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1}, "init": {"seed": 3},
}


def _random_spec(seed: int) -> dict:
    """A conv layer (random channels, kernel, stride, padding), perhaps a pool and a normalization,
    a flatten, perhaps a normalized dense layer, and a dense output with its loss."""
    rng = random.Random(seed)
    channels, size = rng.randint(1, 3), rng.randint(3, 7)
    samples = rng.randint(2, 4)
    kernel, padding = rng.randint(1, 3), rng.randint(0, 1)
    layers = [{"type": "conv2d", "out_channels": rng.randint(1, 3), "kernel": kernel, "stride": rng.randint(1, 2),
               "padding": padding, "bias": rng.random() < 0.7, "activation": rng.choice(["relu", "tanh", "gelu"])}]
    side = (size + 2 * padding - kernel) // layers[0]["stride"] + 1
    if side >= 2 and rng.random() < 0.6:
        layers.append({"type": rng.choice(["max_pool", "avg_pool"]), "kernel": 2, "stride": rng.randint(1, 2)})
    if rng.random() < 0.5:
        layers.append({"type": "batch_norm", "epsilon": 1e-3})
    layers.append({"type": "flatten"})
    if rng.random() < 0.6:
        layers.append({"type": "dense", "units": rng.randint(2, 5), "activation": "tanh"})
        layers.append({"type": rng.choice(["layer_norm", "rms_norm"])})
    outputs = rng.randint(2, 4)
    kind = rng.choice(["softmax", "sigmoid", "half_sse"])
    layers.append({"type": "dense", "units": outputs, "activation": kind if kind != "half_sse" else "linear"})
    data = np.random.default_rng(seed)
    targets = (np.eye(outputs)[data.integers(0, outputs, samples)] if kind == "softmax"
               else data.uniform(size=(samples, outputs)))
    loss = {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy", "half_sse": "half_sse"}[kind]
    return {"input": {"shape": [channels, size, size], "values": data.normal(size=(samples, channels, size, size)).tolist()},
            "target": {"values": targets.tolist()}, "layers": layers, "loss": {"function": loss},
            "training": {"learning_rate": 0.1}, "init": {"seed": seed}}


def _tape(mapping: dict):
    spec = read_tensor_spec(mapping)
    graph, given = lower_tensor(spec)
    tape = Tape(graph, 1.0 / len(spec.inputs), TENSOR_OPS)
    return spec, graph, given, tape, tape.run(given)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10 ** 6))
def test_random_typed_specs_give_pytorchs_loss_and_gradients(seed):
    mapping = _random_spec(seed)
    assert is_tensor_spec(mapping)
    spec, graph, given, tape, values = _tape(mapping)
    leaves = {node.name: torch.tensor(array, requires_grad=True) for node, array in given.items()
              if node.kind == Kind.PARAMETER}
    expected = torch_loss(spec, leaves)
    expected.backward()
    assert values[tape.slots.value[graph.loss]] == pytest.approx(expected.item(), rel=1e-12)
    for node in graph.of_kind(Kind.PARAMETER):
        np.testing.assert_allclose(values[tape.slots.adjoint[node]], leaves[node.name].grad.numpy(),
                                   rtol=1e-10, atol=1e-12)


def test_the_tiny_cnn_reads_with_the_shapes_of_issue_14s_worked_example():
    spec = read_tensor_spec(TINY_CNN)
    assert [(layer.kind, layer.shape) for layer in spec.layers] == [
        ("conv2d", (2, 3, 3)), ("max_pool", (2, 2, 2)), ("flatten", (8,)), ("dense", (3,))]
    drawn = read_tensor_spec(TINY_CNN | {"layers": TINY_CNN["layers"][:3] + [{"type": "dense", "units": 3,
                                                                                "activation": "softmax"}]})
    again = read_tensor_spec(TINY_CNN)
    assert (dict(drawn.layers[3].parameters)["W"] == dict(again.layers[3].parameters)["W"]).all()   # the seed's


def _with(layers=None, **sections) -> dict:
    mapping = dict(TINY_CNN)
    if layers is not None:
        mapping["layers"] = layers
    mapping.update(sections)
    return mapping


CNN = TINY_CNN["layers"]
BAD = [
    (_with([{**CNN[0], "kernel": 5, "weights": None}] + CNN[1:]),
     "layers[1].kernel: a 5×5 kernel does not fit the input of shape (1, 4, 4) with padding 0; expected a kernel "
     "of at most 4, or padding of at least 1"),
    (_with([CNN[0], {"type": "max_pool", "kernel": 4}] + CNN[2:]),
     "layers[2].kernel: a 4×4 window does not fit the input of shape (2, 3, 3); expected a kernel of at most 3"),
    (_with([CNN[0], {"type": "dense", "units": 3, "activation": "softmax"}]),
     "layers[2]: a dense layer reads a flat input or a sequence, got shape (2, 3, 3); expected a flatten layer before it"),
    (_with([CNN[0], CNN[2], {"type": "max_pool", "kernel": 2}, CNN[3]]),
     "layers[3]: max_pool reads (channels, height, width), got shape (18,); expected it before the flatten"),
    (_with([{**CNN[0], "weights": [[[1, 0], [0, 1]]]}] + CNN[1:]),
     "layers[1].weights: expected shape (2, 1, 2, 2) (out channels, in channels, kernel, kernel), got (1, 2, 2)"),
    (_with([{**CNN[0], "bias": [0, 0, 0]}] + CNN[1:]),
     "layers[1].bias: expected shape (2,) (one per output, or true or false), got (3,)"),
    (_with(input={"shape": [1, 4, 4], "values": [[[1, 2, 0, 1], [0, 1, 3, 1]]]}),
     "input.values: expected shape (samples, 1, 4, 4) (one array of input.shape per sample), got (1, 2, 4)"),
    (_with(target={"values": [[0, 1]]}),
     "target.values: expected shape (1, 3) (one per output; the last layer has 3), got (1, 2)"),
    (_with(CNN[:2]),
     "layers[2]: the last layer's output has shape (2, 2, 2); expected a flat output for the loss"),
    (_with([{**CNN[0], "activation": "softmax"}] + CNN[1:]),
     "layers[1].activation: softmax normalizes a flat output: expected it on the last layer, a dense one"),
    (_with([{"type": "conv3d"}] + CNN[1:]), "layers[1].type: unknown value 'conv3d' (expected one of: conv2d"),
    (_with([CNN[0], {"type": "batch_norm", "epsilon": 0}] + CNN[1:]),
     "layers[2].epsilon: expected a number above 0, got 0"),
    (_with([{**CNN[0], "stride": 0}] + CNN[1:]),
     "layers[1].stride: expected a whole number from 1 to 4096, got 0"),
    (_with([{**CNN[0], "weights": None, "bias": None, "out_channels": 4096, "padding": 4096}] + CNN[1:]),
     "layers[1]: its output has shape (4096, 8195, 8195), 275,079,270,400 entries per sample; expected at most "
     "1,000,000"),
    (_with(CNN[:3] + [{"type": "dense", "units": 4096, "activation": "tanh"}, {"type": "dense", "units": 4096},
                      {"type": "dense", "units": 4096, "activation": "softmax"}]),
     "layers[5].weights: 16,777,216 weights of shape (4096, 4096) would bring the network to 16,809,992 weights; "
     "expected at most 10,000,000"),
]


@pytest.mark.parametrize("mapping, message", BAD, ids=range(len(BAD)))
def test_a_shape_that_does_not_fit_is_named_in_one_line(mapping, message):
    mapping = {key: value for key, value in mapping.items() if value is not None}
    mapping["layers"] = [{k: v for k, v in layer.items() if v is not None} for layer in mapping["layers"]]
    with pytest.raises(SpecError) as caught:
        read_tensor_spec(mapping)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_missing_weights_without_a_seed_are_named():
    mapping = {key: value for key, value in TINY_CNN.items() if key != "init"}
    with pytest.raises(SpecError, match=r"layers\[4\]\.weights: missing; give the weights, or \[init\] seed"):
        read_tensor_spec(mapping)


def test_from_dict_reads_typed_layers_as_a_tensor_spec():
    spec = derive.from_dict(TINY_CNN)
    assert spec.has_values and spec.samples == 1 and spec.input_shape == (1, 4, 4)


def test_a_spec_without_numbers_is_the_layer_form_alone():
    mapping = {key: value for key, value in TINY_CNN.items() if key not in ("target", "training")}
    spec = read_tensor_spec(mapping | {"input": {"shape": [1, 4, 4]}})
    assert not spec.has_values and spec.targets is None and spec.training is None
    with pytest.raises(SpecError, match=r"^<spec>: target: given without input.values"):
        read_tensor_spec(TINY_CNN | {"input": {"shape": [1, 4, 4]}})
    with pytest.raises(SpecError, match=r"^<spec>: training: missing; a spec with input.values needs"):
        read_tensor_spec({key: value for key, value in TINY_CNN.items() if key != "training"})


FIELDS = [("input", "shape"), ("input", "values"), ("target", "values"), ("loss", "function"), ("training",
          "learning_rate"), ("init", "seed")] + [(l, key) for l in range(4) for key in
                                                  ("type", "out_channels", "kernel", "stride", "padding", "bias",
                                                   "weights", "units", "activation", "epsilon", "gamma", "extra")]


@settings(max_examples=300, deadline=None)
@given(mutations(FIELDS, 4))
def test_any_mutation_of_a_typed_spec_is_read_or_named_in_one_line(changes):
    """A field set to anything (or deleted): the spec reads, and the tape computes it, or a SpecError
    names a field in one line; never another exception."""
    try:
        _tape(mutated(TINY_CNN, changes))
    except SpecError as error:
        assert "\n" not in str(error) and str(error).strip()
