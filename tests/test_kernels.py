"""The NumPy kernels (derive/rules/kernels.py, made from the rule rows) against independent oracles:
central differences of each row's own NumPy forward and loss, and the derivation's closed
forms lambdified per unit; and the Evaluator built on them against both."""

import numpy as np
import pytest
import sympy as sp

import derive
from derive.rules import kernels
from derive.numeric.evaluator import Evaluator, initial_parameters
from derive.rules.activations import ACTIVATIONS
from derive.rules.losses import LOSSES
from oracles import random_spec

NUMERIC = [name for name, row in ACTIVATIONS.items() if row.numpy is not None]
STEP = 1e-6


def _central(f, x: np.ndarray, k: tuple) -> np.ndarray:
    up, down = x.copy(), x.copy()
    up[k] += STEP
    down[k] -= STEP
    return (f(up) - f(down)) / (2 * STEP)


@pytest.mark.parametrize("activation", NUMERIC)
def test_each_activations_slope_is_the_derivative_of_its_forward(activation):
    rng = np.random.default_rng(len(activation))
    z = rng.uniform(-2, 2, size=(3, 4))
    z[np.abs(z) < 1e-3] = 0.5                      # away from ReLU's kink
    row = ACTIVATIONS[activation]
    slope = kernels.slope(activation)(z, row.numpy(z))
    for s in range(3):
        for j in range(4):
            numeric = _central(row.numpy, z, (s, j))[s]      # d out_k / d net_j for every k
            expected = slope[s, :, j] if not row.elementwise else np.where(np.arange(4) == j, slope[s, j], 0.0)
            assert np.allclose(expected, numeric, rtol=1e-7, atol=1e-9), (activation, s, j)


@pytest.mark.parametrize("loss", list(LOSSES))
def test_each_losss_slope_is_the_derivative_of_its_unit_errors(loss):
    rng = np.random.default_rng(len(loss))
    t, out = rng.uniform(0.1, 0.9, size=(2, 3)), rng.uniform(0.1, 0.9, size=(2, 3))
    row = LOSSES[loss].over(3)
    errors = lambda o: row.numpy(t, o, np.log(o), np.log1p(-o))       # noqa: E731
    slope = kernels.loss_slope(loss, 3)(t, out)
    for s in range(2):
        for j in range(3):
            assert slope[s, j] == pytest.approx(_central(errors, out, (s, j))[s, j], rel=1e-7)


def test_a_saturated_sigmoid_under_cross_entropy_keeps_a_finite_delta():
    # -t/o times o(1 - o): the product of the rows is -t(1 - o), finite where o rounds to 0
    delta = kernels.output_delta("sigmoid", "cross_entropy", 2)(
        np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), np.array([[-800.0, 800.0]]))
    assert np.array_equal(delta, [[-1.0, -0.0]])


def _closed_form(evaluator, l: int, pick, params, fwd, deltas: dict) -> np.ndarray:
    """One of layer l's record expressions (pick(record)), lambdified and evaluated: (m, units).
    `deltas` gives the kernels' deltas of the layers after l, by index, that the expression reads
    (the next layer's; a skip connection's reach further)."""
    spec, per_sample = evaluator.spec, {}        # each symbol's value in every sample
    for k, layer in enumerate(evaluator.graph.layers):
        for j, u in enumerate(layer.units):
            per_sample |= {u.out: fwd.outs[k][:, j], u.net: fwd.nets[k][:, j]}
            if k in deltas:
                per_sample[u.delta] = deltas[k][:, j]
            if u.target is not None:
                per_sample[u.target] = evaluator.targets[:, j]
            if u.mask is not None:
                per_sample[u.mask] = np.array([spec.layers[k].kept(s)[j] for s in range(spec.samples)], float)
        for row in layer.connections:
            per_sample |= {c.weight: params.weights[k][c.dest.index, c.source.index] for c in row}
    exprs = [pick(r) for r in evaluator.derivation.layers[l]]
    args = sorted(set().union(*(e.free_symbols for e in exprs)), key=str)
    columns = sp.lambdify(args, exprs, modules=kernels.NUMPY, cse=True)(*[per_sample[x] for x in args])
    stacked = np.empty((spec.samples, len(columns)))
    for j, column in enumerate(columns):
        stacked[:, j] = column        # a constant column broadcasts over the samples
    return stacked


def _deltas_against_closed_forms(spec) -> float:
    result = derive.derive(spec)
    evaluator = Evaluator(spec, result.derivation)
    params = initial_parameters(spec)
    fwd = evaluator.forward(params)
    deltas = evaluator.deltas(params, fwd)
    worst, after = 0.0, {}
    for l in reversed(range(len(deltas))):
        closed = _closed_form(evaluator, l, lambda r: r.delta, params, fwd, after)
        worst = max(worst, float(np.max(np.abs(closed - deltas[l]) / np.maximum(np.abs(closed), 1e-300))))
        after[l] = deltas[l]
    return worst


@pytest.mark.parametrize("preset", [name for name in derive.dense_preset_names() if derive.load(name).has_values])
def test_the_kernel_deltas_of_every_preset_equal_the_closed_forms(preset):
    assert _deltas_against_closed_forms(derive.load(preset)) <= 1e-12


@pytest.mark.parametrize("seed", range(40))
def test_the_kernel_deltas_of_random_networks_equal_the_closed_forms(seed):
    assert _deltas_against_closed_forms(derive.from_dict(random_spec(seed))) <= 1e-12
