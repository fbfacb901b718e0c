"""The matrix closed forms, expanded at the spec's sizes, equal the unit-level derivation."""

import copy

import pytest
import sympy as sp

import derive
from derive.layers import BATCH, derive_layers
from derive.proof import prove
from helpers import run
from oracles import random_spec
from test_report import DEEP_SINGLE, DEEP_SOFTMAX_BATCH


def _assert_proven(spec_dict):
    result = run(spec_dict)
    checks = prove(result.derivation, derive_layers(result.spec), result.spec.samples)
    failed = [c for c in checks if not c.ok]
    assert not failed, failed
    assert len(checks) >= 3 * len(result.spec.layers)
    return checks


@pytest.mark.parametrize("name", derive.preset_names())
def test_presets_are_proven(name):
    result = derive.derive(derive.load(name))
    checks = prove(result.derivation, derive_layers(result.spec), max(result.spec.samples, 1))
    assert checks and all(c.ok for c in checks)


@pytest.mark.parametrize("spec", [DEEP_SOFTMAX_BATCH, DEEP_SINGLE], ids=["softmax-batch-row", "deep-single"])
def test_deep_networks_are_proven(spec):
    _assert_proven(spec)


@pytest.mark.parametrize("seed", range(16))
def test_random_networks_are_proven(seed):
    _assert_proven(random_spec(2000 + seed))


def test_large_network_is_proven_at_random_points():
    spec = {"input": {"values": [[0.1] * 10, [0.2] * 10, [0.3] * 10]}, "target": {"values": [[0.2] * 8, [0.4] * 8, [0.5] * 8]},
            "init": {"seed": 1},
            "layers": [{"units": 16, "activation": "tanh"}, {"units": 8, "activation": "sigmoid"}],
            "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}}
    checks = _assert_proven(spec)
    assert {c.method for c in checks} == {"symbolic", "numeric"}


def test_a_missing_transpose_is_caught():
    result = run(DEEP_SINGLE)
    layered = derive_layers(result.spec)
    hidden = layered.layers[1]
    W_next, delta_next = layered.layers[2].W, layered.layers[2].delta
    wrong = sp.HadamardProduct(sp.MatMul(sp.MatrixSymbol("W3", 2, 1), delta_next), hidden.d_act)  # W instead of Wᵀ
    broken = copy.copy(layered)
    records = list(layered.layers)
    records[1] = type(hidden)(**{**hidden.__dict__, "steps": (type(hidden.steps[0])(hidden.delta, wrong, "recursion"),)})
    object.__setattr__(broken, "layers", tuple(records))
    checks = prove(result.derivation, broken, result.spec.samples)
    failed = [c for c in checks if not c.ok]
    assert [(c.what, c.method) for c in failed] == [("delta2 (recursion)", "shape")]
    assert W_next.shape == (1, 2)


def test_shapes_of_the_seed_conventions():
    column = derive_layers(derive.load("mazur"))
    first = column.layers[0]
    assert first.W.shape == (2, 2) and first.A_prev.shape == (2, BATCH)
    assert first.grad_W.shape == (2, 2) and first.delta_expr.shape == (2, BATCH)
    row_spec = derive.from_dict({**DEEP_SOFTMAX_BATCH})
    row = derive_layers(row_spec)
    assert row.layers[0].W.shape == (2, 3) and row.layers[0].delta.shape == (BATCH, 3)
    assert row.layers[0].grad_b.shape == (1, 3)


def test_a_missing_one_over_m_is_caught():
    result = run(DEEP_SOFTMAX_BATCH)  # mean over 3 samples
    layered = derive_layers(result.spec)
    first = layered.layers[0]
    no_mean = sp.MatMul(sp.Transpose(first.A_prev), first.delta)  # row layout, scale dropped
    records = list(layered.layers)
    records[0] = type(first)(**{**first.__dict__, "grad_W": no_mean})
    broken = type(layered)(**{**layered.__dict__, "layers": tuple(records)})
    failed = [c for c in prove(result.derivation, broken, 3) if not c.ok]
    assert [(c.what, c.method) for c in failed] == [("dJ/dW1", "symbolic")]


@pytest.mark.parametrize("units", [2, 3, 4])
def test_softmax_cross_entropy_steps_hold_for_one_sample(units):
    spec = derive.from_dict({"input": {"values": [0.1]}, "target": {"values": [[1 / units] * units]},
                             "layers": [{"units": units, "activation": "softmax", "weights": [[0.1]] * units,
                                         "bias": 0.0}],
                             "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1}})
    steps = derive_layers(spec).softmax_steps
    assert [s.reason for s in steps] == ["softmax-jacobian", "expand", "targets-sum-to-one"]
    a = sp.Matrix(sp.symbols(f"a0:{units}", positive=True))
    y = list(sp.symbols(f"y0:{units}", positive=True))
    y[-1] = 1 - sum(y[:-1])
    values = {sp.MatrixSymbol("a", units, 1): sp.ImmutableMatrix(a), sp.MatrixSymbol("y", units, 1): sp.ImmutableMatrix(y)}
    explicit = [sp.Matrix(s.rhs.xreplace(values).doit().as_explicit()) for s in steps]
    for later in explicit[1:]:
        assert (explicit[0] - later).applyfunc(sp.simplify) == sp.zeros(units, 1)
