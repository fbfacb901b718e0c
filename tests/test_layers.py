"""The matrix closed forms, expanded at the spec's sizes, equal the unit-level derivation."""

import copy

import numpy as np
import pytest
import sympy as sp

import derive
from derive.present.notation import format_number
from derive.core.layers import derive_layers
from derive.core.matrix_forms import BATCH
from derive.core.proof import prove
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


@pytest.mark.parametrize("name", derive.dense_preset_names())
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


def test_the_forward_map_is_proven_and_a_missing_bias_is_caught():
    result = run(DEEP_SOFTMAX_BATCH)
    layered = derive_layers(result.spec)
    checks = prove(result.derivation, layered, 3)
    assert [c.what for c in checks if c.what.endswith("(forward)")] == [f"Z{l} (forward)" for l in (1, 2, 3, 4)]
    first = layered.layers[0]
    records = list(layered.layers)
    records[0] = type(first)(**{**first.__dict__, "forward": sp.MatMul(first.A_prev, first.W)})   # no bias
    broken = type(layered)(**{**layered.__dict__, "layers": tuple(records)})
    failed = [c.what for c in prove(result.derivation, broken, 3) if not c.ok]
    assert failed == ["Z1 (forward)"]


def test_the_output_layer_starts_from_the_loss_derivative():
    layered = derive_layers(derive.load("niuguy"))
    output = layered.layers[-1]
    assert [s.reason for s in output.steps] == ["loss", "softmax-vjp", "softmax-cross-entropy"]
    assert output.steps[0].lhs.name == "dA2" and output.delta_expr == output.steps[-1].rhs
    assert not output.delta_expr.has(output.steps[0].lhs)        # the code's form has the loss substituted


@pytest.mark.parametrize("shared, zero", [(0.0, {(0, 0)}), ([0.0, 0.1, 0.2], set())])
def test_a_softmax_bias_gradient_is_identically_zero_only_when_shared(shared, zero):
    spec = {"input": {"values": [[0.1, 0.5], [0.9, -0.3]]}, "target": {"values": [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]},
            "layers": [{"units": 3, "activation": "softmax", "weights": [[0.5, -0.5], [0.1, 0.4], [0.3, 0.3]],
                        "bias": shared}],
            "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.5}}
    result = run(spec)
    checks = {c.what: c for c in prove(result.derivation, derive_layers(result.spec), 2)}
    assert all(c.ok for c in checks.values())
    assert set(checks["dJ/db1"].zeros) == zero
    assert checks["dJ/dW1"].zeros == frozenset()


def test_a_wide_matrix_is_shown_by_its_corners_and_kept_whole_for_its_table():
    from derive.present.layer_notation import Axis, Tables
    array = np.arange(200, dtype=float).reshape(20, 10) / 7
    tables = Tables(6)
    rows, cols = Axis("unit", [f"h{i}" for i in range(1, 21)]), Axis("input", [f"x{j}" for j in range(1, 11)])
    shown = tables.matrix("W", array, (rows, cols))
    assert shown["table"] == 1 and shown["shape"] == r"20 \times 10"
    assert shown["tex"].count(r"\\") == 4 and r"\ddots" in shown["tex"]           # 5 rows: 3, ⋮, the last
    table, = tables.all
    assert [c for chunk in table["chunks"] for c in chunk["columns"]] == cols.labels
    assert [row["cells"] for row in table["body"]] == [[format_number(v, 6) for v in row] for row in array]
    assert tables.matrix("w", array[:2, :3], (rows, cols))["table"] is None


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "linear", "relu", "leaky_relu", "g"])
def test_the_matrix_derivative_is_the_rule_rows_unit_derivative_entry_by_entry(activation):
    # one fact: g'(Z) at matrix level is made from the row, so at every entry it is the row's derivative
    from sympy import MatrixSymbol, OneMatrix
    from derive.core.matrix_forms import activation_derivative
    from derive.rules.activations import ACTIVATIONS
    Z, A = MatrixSymbol("Z", 2, 3), MatrixSymbol("A", 2, 3)
    matrix = activation_derivative(activation, Z, A, OneMatrix(2, 3)).as_explicit()
    row = ACTIVATIONS[activation]
    for i in range(2):
        for j in range(3):
            expected = row.derivative([A[i, j]], [Z[i, j]], 0, 0)
            assert sp.simplify(matrix[i, j] - expected) == 0 or matrix[i, j] == expected, (activation, i, j)


def test_every_reason_of_a_matrix_step_has_its_sentence():
    from derive.present.layer_context import _step_text
    from derive.core.matrix_forms import Reason
    assert set(_step_text(derive.load("batch4"))) == set(Reason)


def test_every_fusion_row_names_a_step_of_the_matrix_derivation():
    # the matrix form takes its fused output step's reason from the row's name (Reason(name))
    from derive.core.matrix_forms import Reason
    from derive.rules.fusions import CANCELLATIONS
    assert all(row.name in {r.value for r in Reason} for row in CANCELLATIONS.values())
