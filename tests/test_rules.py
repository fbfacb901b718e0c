"""Each rule's person-written derivative equals SymPy's own diff of its forward form."""

import numpy as np
import pytest
import sympy as sp

from derive.rules.activations import ACTIVATIONS

from derive.rules.fusions import CANCELLATIONS

from derive.rules.losses import LOSSES

x = sp.Symbol("x", real=True)
o, t = sp.symbols("o t", real=True)
SMOOTH = ["sigmoid", "tanh", "linear", "g", "softplus", "gelu", "gelu_tanh"]
KINKED = ["relu", "leaky_relu"]


@pytest.mark.parametrize("name", SMOOTH)
def test_smooth_activation_rewrite_equals_raw_derivative(name):
    rule = ACTIVATIONS[name]
    forward = rule.forward([x], 0)
    rewritten = rule.derivative([forward], [x], 0, 0)
    assert sp.simplify(sp.diff(forward, x) - rewritten) == 0


@pytest.mark.parametrize("name", KINKED)
@pytest.mark.parametrize("point", [-2.5, -0.3, 0.4, 3.0])
def test_kinked_activation_rewrite_equals_raw_derivative_off_the_kink(name, point):
    rule = ACTIVATIONS[name]
    forward = rule.forward([x], 0)
    raw = sp.diff(forward, x).subs(x, point)
    rewritten = rule.derivative([forward.subs(x, point)], [sp.Float(point)], 0, 0)
    assert float(raw) == pytest.approx(float(rewritten), abs=0)


def test_sigmoid_and_tanh_rewrites_are_in_terms_of_the_output():
    assert ACTIVATIONS["sigmoid"].derivative([o], [x], 0, 0).free_symbols == {o}
    assert ACTIVATIONS["tanh"].derivative([o], [x], 0, 0).free_symbols == {o}


@pytest.mark.parametrize("size", [2, 3])
def test_softmax_jacobian_rewrite_equals_raw_derivative(size):
    rule = ACTIVATIONS["softmax"]
    nets = sp.symbols(f"z0:{size}", real=True)
    outs = [rule.forward(nets, k) for k in range(size)]
    for k in range(size):
        for j in range(size):
            raw = sp.diff(outs[k], nets[j])
            assert sp.simplify(raw - rule.derivative(outs, nets, k, j)) == 0


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_rewrite_equals_raw_derivative(name):
    rule = LOSSES[name]
    assert sp.simplify(sp.diff(rule.unit(t, o), o) - rule.derivative(t, o)) == 0


@pytest.mark.parametrize("name", [name for name, rule in ACTIVATIONS.items() if rule.numpy is not None])
def test_numpy_forward_matches_sympy_forward(name):
    rule = ACTIVATIONS[name]
    nets = sp.symbols("z0:3", real=True)
    points = np.array([[-1.7, 0.2, 2.4], [0.9, -0.4, -3.1]])
    expected = np.array([[float(rule.forward(nets, j).subs(dict(zip(nets, row)))) for j in range(3)]
                         for row in points])
    assert np.allclose(rule.numpy(points), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["sigmoid", "softmax"])
def test_stable_logarithms_match_log_of_output(name):
    rule = ACTIVATIONS[name]
    z = np.array([[-3.0, 0.5, 2.0]])
    assert np.allclose(rule.log_out(z), np.log(rule.numpy(z)), rtol=1e-12)
    if rule.log_one_minus_out:
        assert np.allclose(rule.log_one_minus_out(z), np.log(1 - rule.numpy(z)), rtol=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "softmax"])
def test_the_generated_codes_logarithms_are_the_kernels_and_stay_finite_where_the_output_rounds(name):
    """The NumPy source the generated module's loss uses (log_code) gives the stable kernels' numbers,
    on net inputs far enough out that the output is exactly 0 or 1."""
    rule = ACTIVATIONS[name]
    z = np.array([[-800.0, 0.5, 40.0]])
    scope = {"numpy": np, "log_softmax": lambda v, axis: rule.log_out(v)}
    for source, kernel in zip(rule.log_code, (rule.log_out, rule.log_one_minus_out)):
        if source is None:
            continue
        found = eval(source.format(z="z", axis=1), scope, {"z": z})    # derive's own source, not user text
        assert np.isfinite(found).all() and np.allclose(found, kernel(z), rtol=1e-12)


def test_softmax_cross_entropy_cancels_to_output_minus_target_when_targets_sum_to_one():
    size = 3
    outs = sp.symbols(f"o0:{size}", positive=True)
    targets = list(sp.symbols(f"t0:{size}", real=True))
    act, loss = ACTIVATIONS["softmax"], LOSSES["cross_entropy"]
    rule = CANCELLATIONS[("softmax", "cross_entropy")]
    for j in range(size):
        chain = sum(loss.derivative(targets[k], outs[k]) * act.derivative(outs, outs, k, j) for k in range(size))
        difference = sp.expand(chain - rule.delta(targets[j], outs[j]))
        assert sp.simplify(difference.subs(targets[-1], 1 - sum(targets[:-1]))) == 0
        assert sp.simplify(difference) != 0  # it does need the condition


def test_sigmoid_binary_cross_entropy_cancels_to_output_minus_target():
    act, loss = ACTIVATIONS["sigmoid"], LOSSES["binary_cross_entropy"]
    chain = loss.derivative(t, o) * act.derivative([o], [x], 0, 0)
    assert sp.simplify(chain - CANCELLATIONS[("sigmoid", "binary_cross_entropy")].delta(t, o)) == 0
