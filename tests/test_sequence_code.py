"""Issue 15, point 4 (the RNN's generated code): `derive code` of a sequence network writes the
embedding, a dense layer at every position, the sequence cross-entropy and a recurrent layer as one
loop each way (backpropagation through time), whatever T. Its forward, loss and gradients equal
the JSON document's (the tape) and central differences of its own loss, on fixed and random RNN
specs; it passes pyflakes; a wrong X or Y is named; the layers not written yet are refused.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive import api
from derive.spec.load import from_dict
from test_tensor_code import _load

def _spec(layers, tokens=None, vectors=None, target=None, vocabulary=4, reduction="mean", seed=2):
    data = {"title": "a sequence", "init": {"seed": seed}, "layers": layers,
            "loss": {"function": "cross_entropy", "reduction": reduction}, "training": {"learning_rate": 0.1}}
    data["input"] = {"tokens": tokens, "vocabulary": vocabulary} if tokens is not None else \
        {"shape": list(np.shape(vectors)[1:]), "values": vectors}
    data["target"] = target or {"next_token": True}
    return data


def _check(data, folder):
    spec = from_dict(data)
    doc = json.loads(api.render(api.derive(spec), "json"))
    module = _load(api.code(spec), folder)
    params = {name: np.array(value) for name, value in doc["parameters"].items()}
    x, y = np.array(doc["inputs"]), np.array(doc["targets"])
    if spec.vocabulary == 0 and y.ndim == 2 and len(spec.layers[-1].shape) == 1:
        y = y.astype(float)
    np.testing.assert_allclose(module.loss(params, x, y), doc["loss"], rtol=1e-12)
    grads = module.gradients(params, x, y)
    assert set(grads) == set(params)
    for name in params:
        np.testing.assert_allclose(grads[name], doc["gradients"][name], rtol=1e-10, atol=1e-13, err_msg=name)
    name = max(params, key=lambda n: params[n].size)           # central differences of the module's own loss
    for at in list(np.ndindex(params[name].shape))[:4]:
        step = 1e-6
        plus, minus = {k: v.copy() for k, v in params.items()}, {k: v.copy() for k, v in params.items()}
        plus[name][at] += step
        minus[name][at] -= step
        slope = (module.loss(plus, x, y) - module.loss(minus, x, y)) / (2 * step)
        np.testing.assert_allclose(grads[name][at], slope, rtol=1e-5, atol=1e-8)
    return module


TOKENS = [[0, 2, 1, 3, 1], [1, 1, 0, 2, 3]]
EMBED, OUT = {"type": "embedding", "size": 3}, {"type": "dense", "units": 4, "activation": "softmax"}


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_a_character_rnn_module_is_the_tape(nonlinearity, reduction, tmp_path):
    _check(_spec([EMBED, {"type": "rnn", "hidden": 3, "nonlinearity": nonlinearity}, OUT], tokens=TOKENS,
                 reduction=reduction), tmp_path)


def test_a_character_rnn_module_summing_its_positions_is_the_tape(tmp_path):
    data = _spec([EMBED, {"type": "lstm", "hidden": 3}, OUT], tokens=TOKENS)
    data["loss"]["positions"] = "sum"
    source = _check(data, tmp_path).__doc__
    assert "each sample's sum over its positions" in source


def test_a_many_to_one_module_reads_the_last_state(tmp_path):
    rng = np.random.default_rng(0)
    _check(_spec([{"type": "rnn", "hidden": 3, "sequence": False}, {"type": "dense", "units": 2, "activation": "tanh"},
                  {"type": "dense", "units": 3, "activation": "softmax"}],
                 vectors=rng.normal(size=(3, 4, 2)).round(3).tolist(),
                 target={"values": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}), tmp_path)


@settings(max_examples=12, deadline=None)
@given(samples=st.integers(1, 3), steps=st.integers(1, 5), hidden=st.integers(1, 3), depth=st.integers(1, 2),
       nonlinearity=st.sampled_from(["tanh", "relu"]), seed=st.integers(0, 2 ** 31))
def test_any_stacked_rnn_module_is_the_tape(samples, steps, hidden, depth, nonlinearity, seed, tmp_path_factory):
    rng = np.random.default_rng(seed)
    layers = [EMBED] + [{"type": "rnn", "hidden": hidden, "nonlinearity": nonlinearity}] * depth + [OUT]
    _check(_spec(layers, tokens=rng.integers(0, 4, size=(samples, steps + 1)).tolist(), seed=seed),
           tmp_path_factory.mktemp("module"))


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_the_module_is_one_loop_for_any_t_and_passes_pyflakes(kind, tmp_path):
    source = api.code(from_dict(_spec([EMBED, {"type": kind, "hidden": 3}, OUT], tokens=[list(range(4)) * 16 + [0]])))
    assert source.count("for t in") == 2
    path = tmp_path / "module.py"
    path.write_text(source)
    found = subprocess.run([sys.executable, "-m", "pyflakes", str(path)], capture_output=True, text=True)
    assert found.returncode == 0, found.stdout


def test_a_wrong_x_or_y_is_named(tmp_path):
    module = _check(_spec([EMBED, {"type": "rnn", "hidden": 2}, OUT], tokens=TOKENS), tmp_path)
    params = json.loads(api.render(api.derive(from_dict(_spec([EMBED, {"type": "rnn", "hidden": 2}, OUT],
                                                              tokens=TOKENS))), "json"))["parameters"]
    with pytest.raises(ValueError, match="X: expected token ids below 4 of shape"):
        module.forward(params, np.array([[0, 1, 9, 2]]))
    with pytest.raises(ValueError, match=r"Y: expected ids below 4 of shape \(1, 4\)"):
        module.loss(params, np.array([[0, 1, 2, 2]]), np.array([[0, 1, 2]]))


CELLS = {"lstm": {"type": "lstm"}, "gru": {"type": "gru"}, "gru-reset-before": {"type": "gru", "reset_after": False}}


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_an_lstm_or_gru_module_is_the_tape(kind, reduction, tmp_path):
    _check(_spec([EMBED, {**CELLS[kind], "hidden": 3}, OUT], tokens=TOKENS, reduction=reduction), tmp_path)


def test_a_reset_before_gru_module_says_which_gru_it_is():
    data = _spec([EMBED, {**CELLS["gru-reset-before"], "hidden": 3}, OUT], tokens=TOKENS)
    source = api.code(from_dict(data))
    assert "GRU, 3 hidden, the state reset before the recurrent weights (Cho et al.)" in source
    assert "M2[:, t] = Rg2[:, t] * S2[:, t - 1]" in source          # r h', then U_n


@pytest.mark.parametrize("kind", list(CELLS))
def test_an_lstm_or_gru_module_reads_the_last_state_of_vectors(kind, tmp_path):
    rng = np.random.default_rng(1)
    _check(_spec([{**CELLS[kind], "hidden": 2, "sequence": False}, {"type": "dense", "units": 3, "activation": "softmax"}],
                 vectors=rng.normal(size=(2, 3, 2)).round(3).tolist(), target={"values": [[1, 0, 0], [0, 0, 1]]}),
           tmp_path)


@settings(max_examples=12, deadline=None)
@given(kinds=st.lists(st.sampled_from(["rnn", "lstm", "gru", "gru-reset-before"]), min_size=1, max_size=2),
       samples=st.integers(1, 3), steps=st.integers(1, 4), hidden=st.integers(1, 3), seed=st.integers(0, 2 ** 31))
def test_any_stack_of_recurrent_layers_module_is_the_tape(kinds, samples, steps, hidden, seed, tmp_path_factory):
    rng = np.random.default_rng(seed)
    layers = [EMBED] + [{**CELLS.get(kind, {"type": kind}), "hidden": hidden} for kind in kinds] + [OUT]
    _check(_spec(layers, tokens=rng.integers(0, 4, size=(samples, steps + 1)).tolist(), seed=seed),
           tmp_path_factory.mktemp("module"))


@pytest.mark.parametrize("heads, causal, bias, projected", [(1, False, False, False), (1, True, True, False),
                                                          (2, False, True, True), (2, True, False, True)])
def test_an_attention_module_is_the_tape(heads, causal, bias, projected, tmp_path):
    _check(_spec([{"type": "embedding", "size": 4}, {"type": "attention", "heads": heads, "causal": causal,
                                                     "bias": bias, "output_projection": projected}, OUT],
                 tokens=TOKENS), tmp_path)


@settings(max_examples=12, deadline=None)
@given(heads=st.integers(1, 2), width=st.integers(1, 2), samples=st.integers(1, 3), steps=st.integers(1, 4),
       causal=st.booleans(), recurrent=st.sampled_from([None, "rnn", "lstm", "gru"]), seed=st.integers(0, 2 ** 31))
def test_any_attention_network_module_is_the_tape(heads, width, samples, steps, causal, recurrent, seed,
                                                  tmp_path_factory):
    rng = np.random.default_rng(seed)
    layers = [{"type": "embedding", "size": heads * width}, {"type": "attention", "heads": heads, "causal": causal}]
    layers += [{"type": recurrent, "hidden": 2}] if recurrent else []
    _check(_spec(layers + [OUT], tokens=rng.integers(0, 4, size=(samples, steps + 1)).tolist(), seed=seed),
           tmp_path_factory.mktemp("module"))


@pytest.mark.parametrize("norm", ["pre", "post"])
@pytest.mark.parametrize("heads, causal", [(1, False), (2, True)])
def test_a_transformer_block_module_is_the_tape(norm, heads, causal, tmp_path):
    _check(_spec([{"type": "embedding", "size": 4}, {"type": "transformer_block", "heads": heads, "hidden": 6,
                                                     "norm": norm, "causal": causal},
                  {"type": "layer_norm"}, OUT], tokens=TOKENS), tmp_path)


def test_the_benchmarks_hand_written_lstm_computes_the_same_gradients(tmp_path):
    """tests/benchmarks/lstm_by_hand.py, the benchmark's yardstick, is the same network."""
    sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))
    import lstm_by_hand
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(3, 4, 2)), rng.integers(0, 3, size=(3, 4))
    spec = from_dict(_spec([{"type": "lstm", "hidden": 2}, {"type": "dense", "units": 3, "activation": "softmax"}],
                           vectors=X.tolist(), target={"tokens": Y.tolist()}))
    module = _load(api.code(spec), tmp_path)
    params = {f"{role}{l}": value for l, layer in enumerate(spec.layers, start=1) for role, value in layer.parameters}
    ours = module.gradients(params, X, Y)
    renumbered = {name[:-1] + {"1": "2", "2": "3"}[name[-1]]: value for name, value in params.items()}
    theirs = lstm_by_hand.gradients(renumbered, X, Y)
    for name, value in ours.items():
        np.testing.assert_allclose(value, theirs[name[:-1] + {"1": "2", "2": "3"}[name[-1]]], rtol=1e-10, atol=1e-14)
