"""L2 regularisation ([loss] l2 = lambda): the cost J = error + lambda/2 * (every squared weight),
biases not penalised. Its numbers against SymPy's diff of the expanded cost, central finite
differences of the generated module's loss, and figures worked by hand here; its documents in
every notation; and verify, which reads the penalty and catches a step that forgets it.
(PyTorch's autograd checks a third of test_oracle_torch's 493 networks with a penalty.)"""

from __future__ import annotations

import copy
import json
import random
import re
import subprocess
import sys
import types

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import derive
from derive.errors import DeriveError
from derive.core.chain import closed_form, delta_closed_forms
from derive.core.units import expanded_loss
from derive.numeric.evaluator import initial_parameters, parameter_values
from derive.verify import Checker, verify_text
from helpers import MAZUR, ROOT, one_line

LAMBDA = 0.01
MAZUR_L2 = copy.deepcopy(MAZUR) | {"loss": MAZUR["loss"] | {"l2": LAMBDA}}
WEIGHTS = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]     # Mazur's w1..w8
ERROR = 0.298371109                                             # his E_total (derive's, to 9 digits)
ERROR_GRADIENT_W5 = 0.0821670406                                # dE_total/dw5, as the unit documents print it


def _spec(mapping: dict) -> derive.NetworkSpec:
    return derive.from_dict(copy.deepcopy(mapping))


# -- the spec --------------------------------------------------------------------------------


def test_the_spec_reads_l2_and_defaults_to_none():
    assert _spec(MAZUR_L2).loss.l2 == LAMBDA
    assert _spec(MAZUR).loss.l2 == 0.0


@pytest.mark.parametrize("value, message", [
    (-0.1, "loss.l2: expected a strength of 0 or more"),
    ("0.1", "loss.l2: expected a number, got a string"),
    (float("inf"), "loss.l2: expected a finite number"),
])
def test_a_wrong_l2_is_named_in_one_line(value, message):
    with pytest.raises(DeriveError) as caught:
        _spec(MAZUR | {"loss": MAZUR["loss"] | {"l2": value}})
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_an_l2_penalty_with_adamws_own_decay_is_refused_in_one_line():
    with pytest.raises(DeriveError) as caught:
        _spec(MAZUR_L2 | {"training": MAZUR["training"] | {"optimizer": "adamw"}})
    assert "loss.l2" in str(caught.value) and "adamw" in str(caught.value) and "\n" not in str(caught.value)
    assert _spec(MAZUR_L2 | {"training": MAZUR["training"] | {"optimizer": "adam"}}).loss.l2 == LAMBDA


def test_the_cli_refuses_a_negative_l2_with_exit_code_2(tmp_path):
    source = tmp_path / "bad.toml"
    source.write_text((ROOT / "derive" / "spec" / "presets" / "mazur.toml").read_text()
                      .replace('reduction = "mean"', 'reduction = "mean"\nl2 = -1'))
    done = subprocess.run([sys.executable, "-m", "derive", "report", str(source)], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "loss.l2" in done.stderr and "Traceback" not in done.stderr


# -- the numbers -----------------------------------------------------------------------------


def random_l2_network(seed: int) -> dict:
    """A small random network with a penalty: depth 1-3, widths 1-3, a batch of 1-3."""
    rng = random.Random(seed)
    depth = rng.randint(1, 3)
    widths = [rng.randint(1, 3) for _ in range(depth + 1)]
    activations = [rng.choice(["sigmoid", "tanh", "linear"]) for _ in range(depth - 1)] + ["sigmoid"]
    m = rng.randint(1, 3)
    layout = rng.choice(["column", "row"])
    layers = []
    for k, n, a in zip(widths, widths[1:], activations):
        w = [[rng.uniform(-1, 1) for _ in range(k)] for _ in range(n)]
        layers.append({"units": n, "activation": a, "weights": w if layout == "column" else [list(c) for c in zip(*w)],
                       "bias": rng.choice([rng.uniform(-0.5, 0.5), [rng.uniform(-0.5, 0.5) for _ in range(n)], False])})
    return {"layout": layout,
            "input": {"values": [[rng.uniform(-1, 1) for _ in range(widths[0])] for _ in range(m)]},
            "target": {"values": [[rng.uniform(0.1, 0.9) for _ in range(widths[-1])] for _ in range(m)]},
            "layers": layers,
            "loss": {"function": rng.choice(["half_sse", "mse", "binary_cross_entropy"]),
                     "reduction": rng.choice(["mean", "sum"]), "l2": rng.choice([0.001, 0.05, 0.5])},
            "training": {"learning_rate": 0.1}}


def _module(spec: derive.NetworkSpec) -> types.ModuleType:
    module = types.ModuleType("generated")
    exec(compile(derive.code(spec), "<derive code>", "exec"), module.__dict__)
    return module


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6))
def test_every_form_of_the_gradient_agrees(seed):
    """On random shapes, with and without biases: the kernels' gradients (the JSON) equal SymPy's diff
    of the expanded cost, the index form (the chain's closed form of each parameter at each sample's
    node values, plus lambda w) and the generated module's, all to 1e-12; and central differences of the
    generated loss. (The matrix form is proven equal to the index form by test_the_matrix_form_...)"""
    mapping = random_l2_network(seed)
    spec = _spec(mapping)
    result = derive.derive(spec)
    ours = json.loads(result.render("json"))
    graph = result.derivation.graph
    scale = sp.Rational(1, spec.samples) if spec.loss.reduction == "mean" else 1
    l2 = sp.nsimplify(spec.loss.l2)
    # SymPy: the cost over parameters, samples substituted, differentiated by each weight and bias
    per_sample = expanded_loss(graph)
    inputs, targets = [u.out for u in graph.inputs], [u.target for u in graph.outputs]
    cost = scale * sp.Add(*[per_sample.xreplace(dict(zip(inputs, x)) | dict(zip(targets, t)))
                           for x, t in zip(spec.inputs, spec.targets)])
    cost += l2 / 2 * sp.Add(*[w ** 2 for w in graph.weights])
    at = parameter_values(graph, initial_parameters(spec))
    assert float(cost.xreplace(at)) == pytest.approx(ours["loss"], rel=1e-12)
    # the index form: each parameter's closed form over node values, at each sample's values
    forms = delta_closed_forms(result.derivation)
    nodes = [_node_values(graph, ours, spec, s) for s in range(spec.samples)]
    for l, layer in enumerate(graph.layers, start=1):
        found = np.asarray(ours["gradients"][f"W{l}"])
        found = found if spec.layout == "column" else found.T           # (units, inputs) as the graph's rows
        for j, row in enumerate(layer.connections):
            for i, c in enumerate(row):
                expected = float(sp.diff(cost, c.weight).xreplace(at))
                index_form = closed_form(result.derivation, c.weight, forms)
                by_index = float(scale * sp.Add(*[index_form.xreplace(n) for n in nodes]) + l2 * at[c.weight])
                assert found[j][i] == pytest.approx(expected, rel=1e-12, abs=1e-15)
                assert by_index == pytest.approx(expected, rel=1e-12, abs=1e-15)
        for k, b in enumerate(layer.biases):
            expected = float(sp.diff(cost, b.symbol).xreplace(at))   # no penalty: the error's alone
            found_b = ours["gradients"][f"b{l}"]
            assert (found_b if isinstance(found_b, float) else found_b[k]) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    # the generated module: its loss and gradients are the JSON's; central differences of its loss agree
    module = _module(spec)
    params = {name: np.asarray(value, dtype=float) for name, value in ours["parameters"].items()}
    X, Y = ours["inputs"], ours["targets"]
    assert module.loss(params, X, Y) == pytest.approx(ours["loss"], rel=1e-12)
    grads = module.gradients(params, X, Y)
    h = 1e-6
    for name, value in params.items():
        for index in np.ndindex(value.shape):
            up, down = copy.deepcopy(params), copy.deepcopy(params)
            up[name][index] += h
            down[name][index] -= h
            central = (module.loss(up, X, Y) - module.loss(down, X, Y)) / (2 * h)
            assert np.asarray(grads[name])[index] == pytest.approx(central, rel=1e-6, abs=1e-8)
            assert np.asarray(ours["gradients"][name])[index] == pytest.approx(np.asarray(grads[name])[index],
                                                                               rel=1e-12, abs=1e-15)


def _node_values(graph, ours: dict, spec, s: int) -> dict:
    """Sample s's value of every node symbol (from the JSON's forward pass), every target and parameter."""
    values = parameter_values(graph, initial_parameters(spec))
    values |= {u.out: spec.inputs[s][j] for j, u in enumerate(graph.inputs)}
    values |= {u.target: spec.targets[s][j] for j, u in enumerate(graph.outputs)}
    for l, layer in enumerate(graph.layers, start=1):
        for j, u in enumerate(layer.units):
            values[u.net] = ours["forward"][f"net{l}"][s][j]
            values[u.out] = ours["forward"][f"out{l}"][s][j]
    return values


@pytest.mark.parametrize("seed", range(6))
def test_the_matrix_form_is_proven_equal_to_the_unit_form_with_the_penalty(seed):
    result = derive.derive(_spec(random_l2_network(seed)))
    gradients = [c for c in result.checks if c.what.startswith("dJ/dW")]
    assert gradients and all(c.ok for c in result.checks), [c for c in result.checks if not c.ok]


def test_the_json_gives_the_cost_and_the_error_apart():
    ours = json.loads(derive.derive(_spec(MAZUR_L2)).render("json"))
    penalty = LAMBDA / 2 * sum(w * w for w in WEIGHTS)
    assert ours["l2"]["lambda"] == LAMBDA
    assert ours["l2"]["penalty"] == pytest.approx(penalty, rel=1e-12)
    assert ours["loss"] == pytest.approx(ours["l2"]["error"] + penalty, rel=1e-12)
    # the penalty adds lambda w to each weight's gradient, nothing to a bias's
    assert ours["gradients"]["W2"][0][0] == pytest.approx(ours["l2"]["error_gradients"]["W2"][0][0] + LAMBDA * 0.40)
    assert ours["gradients"]["b2"] == ours["l2"]["error_gradients"]["b2"]
    assert "l2" not in json.loads(derive.derive(_spec(MAZUR)).render("json"))


def test_training_minimises_the_cost():
    values = derive.derive(_spec(MAZUR_L2)).values
    history = values.training.history
    assert history[0] == pytest.approx(values.forward.cost) and history[0] > values.forward.loss
    assert np.all(np.diff(history) <= 1e-15) and history[-1] < history[0]
    # the penalty keeps the trained weights smaller than the same training without it
    plain = derive.derive(_spec(MAZUR)).values.training.parameters
    assert sum((w ** 2).sum() for w in values.training.parameters.weights) < sum((w ** 2).sum() for w in plain.weights)


# -- the documents ---------------------------------------------------------------------------


def _figures(text: str, lhs: str) -> list[str]:
    """The sides of the one-line display about lhs."""
    for display in re.findall(r"\$\$(.*?)\$\$", one_line(text), re.S):
        if display.startswith(lhs + " ") or display.startswith(lhs + "="):
            return [side.strip() for side in display.split(" = ")]
    raise AssertionError(f"no display about {lhs}")


def test_the_unit_documents_show_the_cost_and_each_penalised_gradient_with_numbers():
    """Against Mazur's figures and the penalty worked by hand: lambda/2 * sum w^2 = 0.005 * 1.13."""
    result = derive.derive(_spec(MAZUR_L2))
    text = derive.render(result, "markdown", "neuron")
    cost = _figures(text, "J")
    assert cost[1] == r"E_{total} + \frac{\lambda}{2} \cdot \left(" + " + ".join(
        f"w_{{{k}}}^{{2}}" for k in range(1, 9)) + r"\right)"
    assert float(cost[-1]) == pytest.approx(ERROR + LAMBDA / 2 * sum(w * w for w in WEIGHTS), abs=5e-10)
    gradient = _figures(text, r"\frac{\partial J}{\partial w_{5}}")
    assert gradient[1] == r"\frac{\partial E_{total}}{\partial w_{5}} + \lambda \cdot w_{5}"
    assert gradient[2] == f"{ERROR_GRADIENT_W5} + 0.01 \\cdot 0.4"
    assert float(gradient[3]) == pytest.approx(ERROR_GRADIENT_W5 + LAMBDA * 0.40, abs=1e-10)
    step = _figures(text, r"{w_{5}}^{+}")
    assert step[1] == r"w_{5} - \eta \cdot \frac{\partial J}{\partial w_{5}}"
    assert float(step[-1]) == pytest.approx(0.40 - 0.5 * (ERROR_GRADIENT_W5 + LAMBDA * 0.40), abs=1e-9)
    # biases are not penalised: no penalised gradient line for them (Mazur's are not updated either)
    assert r"\frac{\partial J}{\partial b" not in text
    index = derive.render(result, "markdown", "index")
    assert r"\frac{\partial J}{\partial w^{2}_{11}} = \frac{\partial C}{\partial w^{2}_{11}} + \lambda \cdot w^{2}_{11}" \
        in one_line(index)


def test_the_layer_documents_show_the_penalised_cost_and_lambda_w():
    result = derive.derive(_spec(MAZUR_L2))
    for fmt in ("markdown", "latex", "beamer"):
        text = derive.render(result, fmt, "layer")
        assert r"\frac{\lambda}{2} \left(\lVert W^{[1]} \rVert_{F}^{2} + \lVert W^{[2]} \rVert_{F}^{2}\right)" in text
        assert r"\frac{1}{m} \delta^{[2]} A^{[1]T} + \lambda W^{[2]}" in text
    text = derive.render(result, "markdown", "layer")
    assert f"J = {ERROR + LAMBDA / 2 * sum(w * w for w in WEIGHTS):.9g}" in text


def test_without_a_penalty_the_documents_say_nothing_of_it():
    result = derive.derive(_spec(MAZUR))
    for notation in ("neuron", "index", "layer"):
        text = derive.render(result, "markdown", notation)
        assert r"\lambda" not in text and "penalty" not in text


def test_the_generated_module_names_its_penalty():
    code = derive.code(_spec(MAZUR_L2))
    assert "\nL2 = 0.01  #" in code and "+ L2 * W1" in code and "+ L2 * W2" in code
    assert "L2" not in derive.code(_spec(MAZUR))


# -- verify ----------------------------------------------------------------------------------


def _verdicts(text: str, notation: str = "neuron") -> list[tuple[str, str]]:
    report = verify_text(Checker(derive.derive(_spec(MAZUR_L2))), text, "post.md", notation)
    return [(c.verdict, c.text) for c in report.claims]


def test_verify_reads_the_penalty_the_cost_and_its_gradients():
    penalised = ERROR_GRADIENT_W5 + LAMBDA * 0.40
    text = "\n\n".join([
        r"$$\lambda = 0.01$$",
        f"$$J = E_{{total}} + \\frac{{\\lambda}}{{2}} \\left(w_1^2 + w_2^2 + w_3^2 + w_4^2 + w_5^2 + w_6^2 + w_7^2 + w_8^2\\right) = {ERROR + 0.00565:.9f}$$",
        f"$$\\frac{{\\partial J}}{{\\partial w_{{5}}}} = \\frac{{\\partial E_{{total}}}}{{\\partial w_{{5}}}} + \\lambda w_5 = {penalised:.9f}$$",
        f"$$w_5^+ = w_5 - \\eta \\frac{{\\partial J}}{{\\partial w_5}} = {0.40 - 0.5 * penalised:.9f}$$",
    ])
    assert [v for v, _ in _verdicts(text)] == ["ok"] * 4


def test_verify_catches_a_step_that_forgets_the_penalty():
    forgot = 0.40 - 0.5 * ERROR_GRADIENT_W5            # the error's gradient alone, as if lambda were 0
    text = "\n\n".join([
        f"$$w_5^+ = {forgot:.9f}$$",
        f"$$J = {ERROR:.9f}$$",                            # the error, called the cost
        f"$$\\frac{{\\partial J}}{{\\partial w_{{5}}}} = {ERROR_GRADIENT_W5}$$",
        r"$$J = E_{total} + \lambda \left(w_1^2 + w_2^2 + w_3^2 + w_4^2 + w_5^2 + w_6^2 + w_7^2 + w_8^2\right)$$",
    ])
    assert [v for v, _ in _verdicts(text)] == ["wrong"] * 4


def test_verify_reads_nielsens_sum_over_every_weight():
    cost = ERROR + LAMBDA / 2 * sum(w * w for w in WEIGHTS)
    text = "\n\n".join([f"$$J = E_{{total}} + \\frac{{\\lambda}}{{2}} \\sum_{{w}} w^{{2}} = {cost:.9f}$$",
                         f"$$J = E_{{total}} + \\frac{{\\lambda}}{{2}} \\sum w^2 = {cost + 0.001:.9f}$$"])
    assert [v for v, _ in _verdicts(text)] == ["ok", "wrong"]


def test_verify_reads_the_frobenius_norm_of_a_layer():
    squares = 0.15 ** 2 + 0.20 ** 2 + 0.25 ** 2 + 0.30 ** 2
    text = f"$$\\lVert W^{{[1]}} \\rVert_{{F}}^{{2}} = {squares:.4f}$$\n\n$$\\lVert W^{{[1]}} \\rVert_{{F}}^{{2}} = 0.3$$"
    assert [v for v, _ in _verdicts(text, "layer")] == ["ok", "wrong"]


@pytest.mark.parametrize("seed", range(4))
def test_every_claim_of_a_random_penalised_networks_documents_verifies(seed):
    result = derive.derive(_spec(random_l2_network(seed) | {"precision": 9}))
    check = Checker(result)
    for fmt, name in (("markdown", "post.md"), ("latex", "article.tex")):
        for notation in ("neuron", "index", "layer"):
            report = verify_text(check, derive.render(result, fmt, notation), name, notation)
            problems = [f"{c.line}: {c.text[:80]} ({c.reason})" for c in report.claims if c.verdict != "ok"]
            assert problems == [], (fmt, notation)
            assert sum(c.verdict == "ok" for c in report.claims) > 10
