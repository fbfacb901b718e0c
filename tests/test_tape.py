"""Issue 13, point 5: the documents' numbers (forward values, δ, gradients, training) are the op
rows' NumPy kernels, replayed from one recording of the reverse walk (derive.numeric.tape)."""

import dataclasses

import numpy as np
import pytest

import derive
from derive.api import build_graph, derive_units
from derive.core import ops
from derive.core.graph import Kind, lower
from derive.core.walk import forward as walk_forward, adjoints
from derive.numeric.evaluator import Evaluator, initial_parameters
from derive.numeric.tape import Tape
from new_ops import random_network
from oracles import random_spec


def _evaluator(spec) -> Evaluator:
    return Evaluator(spec, derive_units(build_graph(spec)))


def _given(spec, graph):
    params = initial_parameters(spec)
    given = {"X": spec.inputs, "Y": spec.targets}
    for l, (w, b) in enumerate(zip(params.weights, params.biases), start=1):
        given[f"W{l}"], given[f"b{l}"] = w, b
    return params, given


def _specs():
    yield from (derive.load(name) for name in derive.dense_preset_names() if derive.load(name).has_values)
    yield from (derive.from_dict(random_spec(seed)) for seed in range(20))
    for seed in range(30):
        try:
            yield derive.from_dict(random_network(seed, skips=seed % 2 == 1))
        except derive.DeriveError:
            continue


@pytest.mark.parametrize("spec", list(_specs()), ids=lambda s: s.title or "spec")
def test_the_tapes_numbers_are_the_walks_numeric_level(spec):
    """The replayed tape and the walk's numeric level (the op rows' kernels, called one by one) agree:
    forward values, δ per sample times the mean's 1/m, and every parameter's gradient. (BLAS may round
    a product of the same arrays differently where they sit at other addresses: not bit for bit.)"""
    graph = lower(spec)
    params, given = _given(spec, graph)
    values = walk_forward(graph, given)
    found = adjoints(graph, values)
    evaluator = _evaluator(spec)
    fwd = evaluator.forward(params)
    deltas = evaluator.deltas(params, fwd)
    by_name = {node.name: node for node in graph.nodes}
    for l, (net, out, delta) in enumerate(zip(fwd.nets, fwd.outs, deltas), start=1):
        np.testing.assert_allclose(net, values[by_name[f"Z{l}"]], rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(out, values[by_name[f"A{l}"]], rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(evaluator.scale * delta, found[by_name[f"Z{l}"]], rtol=1e-12, atol=1e-15)
    grads = evaluator.gradients(params, fwd)
    for l, (w, b) in enumerate(zip(grads.weights, grads.biases), start=1):
        np.testing.assert_allclose(w, found[by_name[f"W{l}"]], rtol=1e-12, atol=1e-15)
        if f"b{l}" in by_name and by_name[f"b{l}"] in found and not _softmax_shared_bias(spec, l):
            np.testing.assert_allclose(b, found[by_name[f"b{l}"]].reshape(b.shape), rtol=1e-12, atol=1e-15)
    assert fwd.loss == pytest.approx(float(values[_error(graph)]), rel=1e-15)


def _softmax_shared_bias(spec, l):
    layer = spec.layers[l - 1]
    return layer.shared_bias and layer.activation == "softmax"


def _error(graph):
    return next(a.output for a in graph.applications if a.op == "loss")


def test_the_documents_numbers_change_when_an_op_rows_kernel_does(monkeypatch):
    """The evaluator has no forward of its own: doubling the activation row's kernel doubles the
    outputs it computes (and a training step's loss moves with it)."""
    spec = derive.load("mazur")
    before = _evaluator(spec).forward(initial_parameters(spec))
    row = ops.OPS["activation"]
    doubled = lambda function, **_: (lambda inputs, kernel=row.numeric.forward(function): 2 * kernel(inputs))
    monkeypatch.setitem(ops.OPS, "activation", dataclasses.replace(
        row, numeric=dataclasses.replace(row.numeric, forward=doubled)))
    after = _evaluator(spec).forward(initial_parameters(spec))
    np.testing.assert_array_equal(after.activations[0], 2 * before.activations[0])
    assert after.loss != before.loss


def test_a_shared_bias_before_softmax_has_gradient_zero_exactly_and_a_missing_bias_keeps_zeros():
    spec = derive.from_dict({
        "input": {"values": [[0.3, -0.7], [1.1, 0.2]]}, "target": {"values": [[1, 0, 0], [0, 0, 1]]},
        "layers": [{"units": 2, "activation": "tanh", "weights": [[0.1, 0.2], [-0.3, 0.4]], "bias": False},
                   {"units": 3, "activation": "softmax", "weights": [[0.5, -0.2], [0.3, 0.1], [-0.4, 0.6]],
                    "bias": 0.25}],
        "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1}})
    evaluator = _evaluator(spec)
    params = initial_parameters(spec)
    grads = evaluator.gradients(params, evaluator.forward(params))
    assert grads.biases[1].tolist() == [0.0]            # softmax ignores a shift of all its inputs
    assert grads.biases[0].tolist() == [0.0, 0.0]       # the layer has no bias: its zeros stay
    assert np.abs(grads.weights[0]).sum() > 0


def test_the_tape_asks_no_term_for_the_inputs_nor_the_targets():
    spec = derive.load("batch4")
    graph = lower(spec)
    tape = Tape(graph, 1.0)
    assert not set(tape.slots.adjoint) & set(graph.of_kind(Kind.INPUT) + graph.of_kind(Kind.TARGET))
    assert set(graph.of_kind(Kind.PARAMETER)) <= set(tape.slots.adjoint)
    # one step per application forward; backward: the fused loss and each other application's VJP
    assert len(tape.forward_program) == len(graph.applications)
    assert len(tape.backward_program) == len(graph.applications) - 1


def _kept_biases(seed: int) -> dict:
    spec = random_spec(seed)
    spec.setdefault("training", {})["update_bias"] = False
    return spec


@pytest.mark.parametrize("seed", [*range(12), "kept biases 0", "kept biases 1", "kept biases 2"])
def test_training_on_the_tape_equals_steps_taken_one_by_one(seed):
    """train() reuses one buffer of slots; each of its steps is the documented single step. Where the
    biases are kept, training replays a tape that asks for the weights' gradients alone."""
    spec = derive.from_dict(random_spec(seed) if isinstance(seed, int) else _kept_biases(int(seed[-1])))
    evaluator = _evaluator(spec)
    params = initial_parameters(spec)
    trained = evaluator.train(params, 15)
    state, losses = evaluator.initial_state(params), [evaluator.forward(params).cost]
    for _ in range(trained.iterations):
        params, state = evaluator.step(params, evaluator.gradients(params, evaluator.forward(params)), state)
        losses.append(evaluator.forward(params).cost)
    assert trained.history.tolist() == losses
    assert trained.parameters.flat.tolist() == params.flat.tolist()


def test_training_where_the_biases_are_kept_asks_no_bias_term():
    spec = derive.load("mazur")              # training.update_bias = false
    evaluator = _evaluator(spec)
    training, document = evaluator._training_tape, evaluator.tape
    biases = set(lower(spec).of_kind(Kind.PARAMETER)) - {node for node in lower(spec).of_kind(Kind.PARAMETER)
                                                         if node.name.startswith("W")}
    assert biases and biases <= set(document.slots.adjoint)
    assert not biases & set(training.slots.adjoint)
    assert len(training.backward_program) == len(document.backward_program)   # the same VJPs, fewer terms
