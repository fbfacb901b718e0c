"""One interface for every network (issue 13, point 6): the generated module's forward, loss and
gradients take the JSON document's inputs, targets and parameters as they are, and central
differences of `loss` equal `gradients`, which equal the JSON's, for every preset and random spec."""

import importlib.util
import json

import numpy as np
import pytest

import derive
from oracles import random_spec

STEP = 1e-6


def _module(spec, tmp_path):
    path = tmp_path / "generated.py"
    path.write_text(derive.code(spec))
    found = importlib.util.spec_from_file_location("generated", path)
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module


def _central(module, params, X, Y, name):
    value = np.asarray(params[name], dtype=float)
    estimate = np.zeros_like(value)
    for k in np.ndindex(value.shape):
        up, down = value.copy(), value.copy()
        up[k] += STEP
        down[k] -= STEP
        estimate[k] = (module.loss(params | {name: up.tolist() if up.ndim else float(up)}, X, Y)
                       - module.loss(params | {name: down.tolist() if down.ndim else float(down)}, X, Y)) / (2 * STEP)
    return estimate


def _check(spec, tmp_path):
    document = json.loads(derive.render(derive.derive(spec), "json"))
    module = _module(spec, tmp_path)
    params, X, Y = document["parameters"], document["inputs"], document["targets"]
    assert set(document) >= {"inputs", "targets", "parameters", "loss", "gradients"}
    assert module.loss(params, X, Y) == pytest.approx(document["loss"], rel=1e-12)
    assert np.allclose(module.forward(params, X), document["forward"][f"out{len(spec.layers)}"], rtol=1e-12, atol=0)
    grads = module.gradients(params, X, Y)
    assert set(grads) == set(document["gradients"]) == set(params)
    for name, value in grads.items():
        assert np.shape(value) == np.shape(params[name]), name
        assert np.allclose(value, document["gradients"][name], rtol=1e-10, atol=1e-14), name
        assert np.allclose(value, _central(module, params, X, Y, name), rtol=1e-6, atol=1e-8), name


@pytest.mark.parametrize("preset", [name for name in derive.dense_preset_names() if derive.load(name).has_values])
def test_every_preset_has_one_interface(preset, tmp_path):
    _check(derive.load(preset), tmp_path)


@pytest.mark.parametrize("seed", range(30))
def test_random_specs_have_one_interface(seed, tmp_path):
    _check(derive.from_dict(random_spec(seed)), tmp_path)


@pytest.mark.parametrize("loss_name", ["sse", "mse"])
@pytest.mark.parametrize("seed", range(5))
def test_the_squared_losses_without_the_half_have_one_interface(loss_name, seed, tmp_path):
    spec = random_spec(seed, loss_name=loss_name)
    spec["layers"][0]["bias"] = False if seed % 2 else spec["layers"][0]["bias"]
    _check(derive.from_dict(spec), tmp_path)
