"""Non-finite numbers, one behaviour in every format (issue 10, point 6).

The first step (forward, gradients, update, loss after it) is always finite, else a one-line
error; training stops at the first step whose loss or parameters are not finite, keeps the last
finite state, says at which step and warns; chain factors that floating point cannot multiply
to the fused delta (an output rounded to 0 or 1) are flagged. Oracles: a plain NumPy loop for
the stopping step; PyTorch float64 with its fused logit losses and mpmath central differences
at 50 digits for the gradients of saturated outputs.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import derive
from derive.core.unit_level import derive as derive_chain
from derive.errors import DeriveError
from derive.core.units import build as build_graph
from derive.numeric.evaluator import Evaluator, initial_parameters
from helpers import ROOT, run

ITERATIONS = 1000
# One linear unit, half squared error: with the bias, each step multiplies the error by
# 1 - rate * (|x|^2 + 1) = -5, so the loss overflows after a few hundred steps.
DIVERGING = {"input": {"values": [[1.0, 2.0]]}, "target": {"values": [[1.0]]},
             "layers": [{"units": 1, "activation": "linear", "weights": [[0.5, 0.5]], "bias": 0.0}],
             "loss": {"function": "half_sse"},
             "training": {"learning_rate": 1.0, "update_bias": True, "iterations": ITERATIONS}}


def _strict_json(text: str) -> dict:
    def refuse(constant):
        raise AssertionError(f"not strict JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


def _toml(spec: dict) -> str:
    """The spec mapping as TOML (flat tables and arrays of numbers only)."""
    def value(v):
        return json.dumps(v) if not isinstance(v, bool) else str(v).lower()
    lines = []
    for key in ("input", "target", "loss", "training"):
        lines.append(f"[{key}]")
        lines += [f"{k} = {value(v)}" for k, v in spec[key].items()]
    for layer in spec["layers"]:
        lines.append("[[layers]]")
        lines += [f"{k} = {value(v)}" for k, v in layer.items()]
    return "\n".join(lines) + "\n"


def _oracle_stop(spec: dict) -> tuple[int, float, np.ndarray, float]:
    """Plain gradient descent on one linear unit: the first step whose loss is not finite, and the
    loss, weights and bias after the step before it."""
    x = np.array(spec["input"]["values"][0], dtype=float)
    t = spec["target"]["values"][0][0]
    w, b = np.array(spec["layers"][0]["weights"][0], dtype=float), float(spec["layers"][0]["bias"])
    rate = spec["training"]["learning_rate"]
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, spec["training"]["iterations"] + 1):
            error = x @ w + b - t
            new_w, new_b = w - rate * error * x, b - rate * error
            loss = 0.5 * (x @ new_w + new_b - t) ** 2
            if not np.isfinite(loss):
                return k, 0.5 * (x @ w + b - t) ** 2, w, b
            w, b = new_w, new_b
    raise AssertionError("the oracle's run did not diverge")


@pytest.fixture(scope="module")
def diverged():
    return run(DIVERGING)


def test_training_stops_at_the_first_step_whose_loss_is_not_finite(diverged):
    stop, loss, w, b = _oracle_stop(DIVERGING)
    t = diverged.values.training
    assert 2 < stop < ITERATIONS
    assert t.stopped_at == stop and t.iterations == stop - 1
    assert t.stop_reason == "the loss is not finite"
    assert len(t.history) == stop and np.isfinite(t.history).all()
    assert t.loss == t.history[-1] == pytest.approx(loss, rel=1e-12)
    assert np.allclose(t.parameters.weights[0], [w], rtol=1e-12, atol=0)
    assert t.parameters.biases[0][0] == pytest.approx(b, rel=1e-12)
    assert diverged.values.warnings == (
        f"training stopped at iteration {stop} of {ITERATIONS}: the loss is not finite (try a smaller "
        f"training.learning_rate); the last finite state is shown, after {stop - 1} iterations",)


def test_json_holds_the_last_finite_state_and_stays_strict(diverged):
    doc = _strict_json(derive.render(diverged, "json"))
    t = diverged.values.training
    assert doc["training"]["stopped_at"] == t.stopped_at
    assert doc["training"]["iterations"] == t.stopped_at - 1
    assert doc["training"]["loss"] == t.loss
    assert doc["training"]["parameters"]["W1"] == t.parameters.weights[0].tolist()


def test_markdown_shows_the_last_finite_state(diverged):
    text = derive.render(diverged, "markdown")
    done = diverged.values.training.iterations
    assert f"E_{{total}}^{{({done})}} = " in text
    assert not re.search(r"infty|NaN", text)


def test_markdown_says_where_training_stopped(diverged):
    # Needs the lead's context/template change (the `training.stopped_at` sentence, see the report).
    text = derive.render(diverged, "markdown")
    assert re.search(rf"stopped at iteration {diverged.values.training.stopped_at}\b", text, re.I)


def test_a_run_that_does_not_diverge_has_no_stop_and_no_warning():
    values = derive.derive(derive.load("mazur")).values
    assert values.training.stopped_at is None and values.training.stop_reason is None
    assert values.training.iterations == 10000 and len(values.training.history) == 10001
    assert values.warnings == ()
    assert "stopped_at" not in _strict_json(derive.render(derive.derive(derive.load("mazur")), "json"))["training"]


def _cli(tmp_path, spec: dict, *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "net.toml"
    path.write_text(_toml(spec))
    return subprocess.run([sys.executable, "-m", "derive", "report", str(path), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_cli_exits_zero_for_a_diverging_run(tmp_path, fmt):
    done = _cli(tmp_path, DIVERGING, "--format", fmt)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    if fmt == "json":
        assert _strict_json(done.stdout)["training"]["stopped_at"] == _oracle_stop(DIVERGING)[0]


def test_cli_warns_on_stderr_where_training_stopped(tmp_path):
    # Needs the lead's 2-line change in derive/cli.py (`derive: warning: ...` per Values.warnings).
    done = _cli(tmp_path, DIVERGING, "--format", "json")
    stop = _oracle_stop(DIVERGING)[0]
    assert done.stderr.splitlines() == [
        f"derive: warning: training stopped at iteration {stop} of {ITERATIONS}: the loss is not finite "
        f"(try a smaller training.learning_rate); the last finite state is shown, after {stop - 1} iterations"]


class _PoisonedStep(Evaluator):
    """An evaluator whose `poison`-th update makes a weight infinite (the loss may stay finite)."""
    poison = 3

    def __init__(self, *args):
        super().__init__(*args)
        step, self.calls = self._step, 0        # the optimizer's step, which training and step() take

        def poisoned(param, grad, state, t):
            self.calls += 1
            after, state = step(param, grad, state, t)
            if self.calls == self.poison:
                after = after.copy()
                after[0] = np.inf                  # the first weight
            return after, state
        self._step = poisoned


def test_training_stops_when_the_parameters_are_not_finite():
    spec = derive.load("mazur")
    evaluator = _PoisonedStep(spec, derive_chain(build_graph(spec)))
    with np.errstate(all="ignore"):
        t = evaluator.train(initial_parameters(spec), 10)
    assert (t.stopped_at, t.iterations, t.stop_reason) == (3, 2, "the parameters are not finite")
    assert len(t.history) == 3 and np.isfinite(t.history).all()
    assert all(np.isfinite(w).all() for w in t.parameters.weights)


def _absurd_weights():
    spec = copy.deepcopy(DIVERGING)
    spec["input"]["values"] = [[1e200, 2.0]]
    spec["layers"] = [{"units": 2, "activation": "sigmoid", "weights": [[1e200, 0.5], [0.1, 0.1]], "bias": 0.0},
                      {"units": 1, "activation": "sigmoid", "weights": [[0.5, 0.5]], "bias": 0.0}]
    return spec


def _absurd_rate():
    spec = copy.deepcopy(DIVERGING)
    spec["training"]["learning_rate"] = 1e200
    return spec


def _overflowing_gradient():
    spec = copy.deepcopy(DIVERGING)   # out = 1.3e154: the loss 8.5e307 is finite, the gradient out * x = 3.4e308 is not
    spec["input"]["values"], spec["target"]["values"] = [[2.6e154]], [[0.0]]
    spec["layers"][0]["weights"] = [[0.5]]
    return spec


def _overflowing_update():
    spec = copy.deepcopy(DIVERGING)   # the gradient 1e10 times the rate 1e300
    spec["input"]["values"], spec["target"]["values"] = [[1e5]], [[0.0]]
    spec["layers"][0]["weights"] = [[1.0]]
    spec["training"]["learning_rate"] = 1e300
    return spec


FIRST_STEP_ERRORS = [
    (_overflowing_gradient, r"^layer 1's gradients at the spec's values are not finite; "
                            r"expected weights and inputs whose products stay below 1\.8e\+308$"),
    (_overflowing_update, r"^layer 1's parameters after the first update are not finite; "
                          r"expected a training\.learning_rate \(got 1e\+300\) whose product with the gradients "
                          r"stays below 1\.8e\+308$"),
    (_absurd_weights, r"^layer 1's net input of \w+ is not finite at the spec's values \(sample 1: inf\); "
                      r"expected weights, biases and inputs whose weighted sums stay below 1\.8e\+308"),
    (_absurd_rate, r"^the loss is not finite after the first update \(inf\); "
                   r"expected a smaller training\.learning_rate \(got 1e\+200\)$"),
]


@pytest.mark.parametrize("make,message", FIRST_STEP_ERRORS)
def test_a_first_step_that_is_not_finite_is_a_one_line_error(make, message, tmp_path):
    with pytest.raises(DeriveError, match=message):
        run(make())
    done = _cli(tmp_path, make(), "--format", "json")
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and re.match(message, lines[0].removeprefix("derive: error: "))


# Outputs that round to exactly 0 or 1 in float64 (nets of +-50 up to 1500): the factors
# dE/dout and dout/dnet become 0/0, infinite or 0 while the fused delta out - target is finite.
SATURATED = {
    "sigmoid_bce": {
        "input": {"values": [[1.0, 1.0], [1.0, -1.0]]}, "target": {"values": [[1.0, 0.0], [0.0, 1.0]]},
        "layers": [{"units": 2, "activation": "tanh", "weights": [[50.0, 50.0], [-50.0, 50.0]], "bias": 0.0},
                   {"units": 2, "activation": "sigmoid", "weights": [[50.0, -50.0], [50.0, 50.0]], "bias": 0.0}],
        "loss": {"function": "binary_cross_entropy"}, "training": {"learning_rate": 0.1, "iterations": 5}},
    "softmax_ce": {
        "input": {"values": [[1.0, 1.0], [1.0, -1.0]]}, "target": {"values": [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]},
        "layers": [{"units": 2, "activation": "sigmoid", "weights": [[50.0, 50.0], [-50.0, 50.0]], "bias": 0.0},
                   {"units": 3, "activation": "softmax",
                    "weights": [[50.0, -50.0], [-50.0, 50.0], [1000.0, 1000.0]], "bias": 0.0}],
        "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1, "iterations": 5}},
    "sigmoid_bce_wrong_side": {
        "input": {"values": [[1.0]]}, "target": {"values": [[0.0]]},
        "layers": [{"units": 1, "activation": "sigmoid", "weights": [[50.0]], "bias": 0.0}],
        "loss": {"function": "binary_cross_entropy"}, "training": {"learning_rate": 0.1, "iterations": 5}},
}


def _torch_gradients(spec: dict):
    """PyTorch float64 autograd through its fused logit losses (independent of derive)."""
    acts = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}
    weights = [torch.tensor(l["weights"], dtype=torch.float64, requires_grad=True) for l in spec["layers"]]
    biases = [torch.tensor(float(l["bias"]), dtype=torch.float64, requires_grad=True) for l in spec["layers"]]
    a = torch.tensor(spec["input"]["values"], dtype=torch.float64)
    t = torch.tensor(spec["target"]["values"], dtype=torch.float64)
    for layer, w, b in zip(spec["layers"][:-1], weights, biases):
        a = acts[layer["activation"]](a @ w.T + b)
    z = a @ weights[-1].T + biases[-1]
    if spec["loss"]["function"] == "binary_cross_entropy":
        per_sample = F.binary_cross_entropy_with_logits(z, t, reduction="none").sum(dim=1)
    else:
        per_sample = -(t * torch.log_softmax(z, dim=1)).sum(dim=1)
    grads = torch.autograd.grad(per_sample.mean(), weights + biases)
    return [g.numpy() for g in grads[:len(weights)]], [float(g) for g in grads[len(weights):]]


def _mp_loss(spec: dict, weights, biases):
    """The mean loss in mpmath, its logarithms taken from the output layer's nets (1 - out is
    below the working precision for a net of 100)."""
    acts = {"sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)), "tanh": mpmath.tanh}
    total = mpmath.mpf(0)
    for x, t in zip(spec["input"]["values"], spec["target"]["values"]):
        a = [mpmath.mpf(v) for v in x]
        for layer, w, b in zip(spec["layers"], weights, biases):
            z = [sum(wi * ai for wi, ai in zip(row, a)) + b for row in w]
            a = [acts[layer["activation"]](zi) for zi in z] if layer["activation"] in acts else None
        if spec["loss"]["function"] == "binary_cross_entropy":   # log sigma(z) = -log(1 + e^-z)
            total += sum(ti * mpmath.log1p(mpmath.exp(-zi)) + (1 - ti) * mpmath.log1p(mpmath.exp(zi))
                         for ti, zi in zip(t, z))
        else:                                                    # log softmax(z)_k = z_k - log sum e^z
            log_sum = mpmath.log(sum(mpmath.exp(zi) for zi in z))
            total -= sum(ti * (zi - log_sum) for ti, zi in zip(t, z))
    return total / len(spec["input"]["values"])


def _mp_gradients(spec: dict):
    """Central differences of `_mp_loss` with step 1e-15 at 50 digits: error far below 1e-20."""
    with mpmath.workdps(50):
        weights = [[[mpmath.mpf(v) for v in row] for row in l["weights"]] for l in spec["layers"]]
        biases = [mpmath.mpf(l["bias"]) for l in spec["layers"]]
        h = mpmath.mpf("1e-15")

        def diff(bump):
            plus, minus = bump(h), bump(-h)
            return float((_mp_loss(spec, *plus) - _mp_loss(spec, *minus)) / (2 * h))

        def with_weight(l, j, i):
            def bump(d):
                ws = copy.deepcopy(weights)
                ws[l][j][i] += d
                return ws, biases
            return bump

        def with_bias(l):
            def bump(d):
                bs = list(biases)
                bs[l] += d
                return weights, bs
            return bump

        gw = [np.array([[diff(with_weight(l, j, i)) for i in range(len(row))] for j, row in enumerate(w)])
              for l, w in enumerate(weights)]
        gb = [diff(with_bias(l)) for l in range(len(biases))]
    return gw, gb


@pytest.mark.parametrize("name", SATURATED)
def test_saturated_outputs_have_finite_factors_or_the_fused_flag(name):
    values = run(SATURATED[name]).values
    output = values.factors[-1]
    assert output.fused.any(), "the example should round an output to 0 or 1"
    for f in values.factors:
        assert f.fused.shape == f.delta.shape and f.fused.dtype == bool
        assert np.isfinite(f.delta).all()
        if f.jacobian is None:
            finite = np.isfinite(f.d_out) & np.isfinite(f.d_act)
        else:   # softmax: unit j's chain reads every dE/dout_k of its sample and the column dout_k/dnet_j
            finite = np.isfinite(f.d_out).all(axis=1, keepdims=True) & np.isfinite(f.jacobian).all(axis=1)
        assert (finite | f.fused).all()
        # where not flagged, the factors multiply to the delta the document and the JSON print
        with np.errstate(invalid="ignore"):
            product = f.d_out * f.d_act if f.jacobian is None else np.einsum("sk,skj->sj", f.d_out, f.jacobian)
        assert np.allclose(product[~f.fused], f.delta[~f.fused], rtol=1e-9, atol=1e-12)
    assert not any(f.fused.any() for f in values.factors[:-1])   # hidden units have no fused form


@pytest.mark.parametrize("name", SATURATED)
@pytest.mark.parametrize("oracle", [_torch_gradients, _mp_gradients], ids=["torch", "mpmath"])
def test_saturated_gradients_match_higher_precision(name, oracle):
    values = run(SATURATED[name]).values
    gw, gb = oracle(SATURATED[name])
    for ours, theirs in zip(values.gradients.weights, gw):
        assert np.allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    for ours, theirs in zip(values.gradients.biases, gb):
        assert ours[0] == pytest.approx(theirs, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", SATURATED)
def test_saturated_outputs_give_strict_json(name):
    result = run(SATURATED[name])
    doc = _strict_json(derive.render(result, "json"))
    assert doc["deltas"][f"delta{len(result.values.factors)}"] == result.values.factors[-1].delta.tolist()
