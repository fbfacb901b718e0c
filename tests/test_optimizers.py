"""The optimizer rows (derive/rules/optimizers.py) against torch.optim in float64: several steps
of each on one network (the core graph's walk gives the gradients), every parameter to 1e-10."""

import numpy as np
import pytest
import torch

from derive.core import walk
from derive.core.graph import Kind, lower
from derive.errors import SpecError
from derive.rules.optimizers import OPTIMIZERS, PARAMETER
from derive.spec.load import from_dict

SPEC = {"input": {"values": [[0.1, -0.4, 0.7], [0.5, 0.2, -0.3]]}, "target": {"values": [[0.2, 0.9], [0.6, 0.1]]},
        "layers": [{"units": 3, "activation": "tanh", "weights": [[0.2, -0.5, 0.1], [0.4, 0.3, -0.2], [-0.1, 0.2, 0.6]],
                    "bias": [0.1, -0.1, 0.05]},
                   {"units": 2, "activation": "sigmoid", "weights": [[0.3, -0.6, 0.2], [0.5, 0.1, -0.4]],
                    "bias": [0.2, -0.3]}],
        "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}}
TORCH = {"sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
         "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
         "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
         "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.99, eps=1e-8),
         "adam": lambda p, lr: torch.optim.Adam(p, lr=lr, betas=(0.9, 0.999), eps=1e-8),
         "adamw": lambda p, lr: torch.optim.AdamW(p, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)}
STEPS, RATE = 5, 0.1


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_optimizer_row_steps_as_torch_optim_does(name):
    spec = from_dict(SPEC)
    graph = lower(spec)
    given = {"X": np.array(spec.inputs), "Y": np.array(spec.targets)}
    for l, layer in enumerate(spec.layers, start=1):
        given[f"W{l}"], given[f"b{l}"] = np.array(layer.weights), np.array(layer.bias)
    params = [node for node in graph.of_kind(Kind.PARAMETER)]
    row = OPTIMIZERS[name]
    hyper = row.hyper()
    state = {node: row.initial(given[node.name]) for node in params}
    tensors = {node: torch.tensor(given[node.name], dtype=torch.float64, requires_grad=True) for node in params}
    optimizer = TORCH[name](list(tensors.values()), RATE)
    for t in range(1, STEPS + 1):
        found = walk.adjoints(graph, walk.forward(graph, given))
        for node in params:
            given[node.name], state[node] = row.step(given[node.name], found[node], state[node], t, RATE, **hyper)
        optimizer.zero_grad()
        a = torch.tensor(np.array(spec.inputs))
        for l in (1, 2):
            z = a @ tensors[params[2 * l - 2]].T + tensors[params[2 * l - 1]]
            a = torch.tanh(z) if l == 1 else torch.sigmoid(z)
        (0.5 * ((torch.tensor(np.array(spec.targets)) - a) ** 2).sum() / 2).backward()
        optimizer.step()
    for node in params:
        assert np.allclose(given[node.name], tensors[node].detach().numpy(), rtol=1e-10, atol=1e-13), (name, node.name)


def test_an_unknown_hyperparameter_is_named():
    with pytest.raises(ValueError, match="adam has no hyperparameter momentum"):
        OPTIMIZERS["adam"].hyper({"momentum": 0.9})


def test_each_row_prints_its_update_as_people_write_it():
    assert OPTIMIZERS["sgd"].update == (r"w_t = w_{t-1} - \eta g_t",)
    assert OPTIMIZERS["momentum"].update == (r"b_t = \mu b_{t-1} + g_t", r"w_t = w_{t-1} - \eta b_t")
    assert OPTIMIZERS["adam"].update == (
        r"m_t = \beta_1 m_{t-1} + \left(1 - \beta_1\right) g_t",
        r"v_t = \beta_2 v_{t-1} + \left(1 - \beta_2\right) g_t^{2}",
        r"\hat{m}_t = \frac{m_t}{1 - \beta_1^{t}}", r"\hat{v}_t = \frac{v_t}{1 - \beta_2^{t}}",
        r"w_t = w_{t-1} - \eta \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}")
    assert OPTIMIZERS["adamw"].update[0] == r"\tilde{w}_t = w_{t-1} \left(1 - \eta \lambda\right)"
    assert OPTIMIZERS["adamw"].update[-1] == r"w_t = \tilde{w}_t - \eta \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}"


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_the_first_step_shown_is_the_kernels_step_from_a_zero_state(name):
    """The documents' numbers (each assignment, substituted) and the training kernel (lambdified
    closed forms) come from the same row; they agree at step 1, for random parameters."""
    row, rng = OPTIMIZERS[name], np.random.default_rng(3)
    for _ in range(20):
        w, g, rate = rng.normal(), rng.normal() * 10.0 ** rng.integers(-6, 2), rng.uniform(0.01, 1)
        hyper = {h.name: (rng.uniform(0, 0.99) if h.high else h.default) for h in row.hyperparameters}
        shown = row.first_step(w, g, rate, hyper)
        stepped, state = row.step(np.array([w]), np.array([g]), row.initial(np.array([w])), 1, rate, **hyper)
        assert shown[PARAMETER] == pytest.approx(stepped[0], rel=1e-14, abs=1e-300)
        for slot, value in zip(row.state, state):
            assert shown[slot.symbol] == pytest.approx(value[0], rel=1e-14, abs=1e-300)


def test_the_spec_names_an_optimizer_and_its_hyperparameters():
    training = from_dict(SPEC | {"training": {"learning_rate": 0.1, "optimizer": "adamw", "beta1": 0.8}}).training
    assert (training.optimizer, training.hyperparameters) == (
        "adamw", (("beta1", 0.8), ("beta2", 0.999), ("epsilon", 1e-8), ("weight_decay", 0.01)))
    assert from_dict(SPEC).training.optimizer == "sgd"


@pytest.mark.parametrize("training, message", [
    ({"optimizer": "adagrad"}, "training.optimizer: unknown value 'adagrad' (expected one of: sgd, momentum, "
                               "nesterov, rmsprop, adam, adamw)"),
    ({"beta1": 0.5}, "training.beta1: optimizer 'sgd' has no beta1 (it has no hyperparameters)"),
    ({"optimizer": "momentum", "alpha": 0.5}, "training.alpha: optimizer 'momentum' has no alpha "
                                              "(its hyperparameters are momentum)"),
    ({"optimizer": "adam", "beta2": 1}, "training.beta2: expected a number in [0, 1), got 1"),
    ({"optimizer": "rmsprop", "epsilon": 0}, "training.epsilon: expected a number above 0, got 0"),
    ({"optimizer": "adamw", "weight_decay": -0.1}, "training.weight_decay: expected a number at least 0, got -0.1"),
    ({"optimizer": "adam", "epsilon": "small"}, "training.epsilon: expected a number"),
])
def test_a_wrong_optimizer_setting_is_named_in_one_line(training, message):
    with pytest.raises(SpecError) as caught:
        from_dict(SPEC | {"training": {"learning_rate": 0.1} | training})
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("update_bias", [True, False])
def test_training_in_its_buffers_takes_the_same_steps_as_step(name, update_bias):
    """train() steps in three buffers it makes once; step() makes new arrays each time: the losses
    and the parameters after each step are the same numbers, for every optimizer row."""
    import derive
    from derive.numeric.evaluator import Evaluator, initial_parameters
    spec = from_dict({"input": {"values": [[0.05, 0.1], [0.3, -0.2]]}, "target": {"values": [[0.01, 0.99], [0.5, 0.2]]},
                      "layers": [{"units": 2, "activation": "tanh", "weights": [[0.15, 0.2], [0.25, 0.3]], "bias": 0.35},
                                 {"units": 2, "activation": "sigmoid", "weights": [[0.4, 0.45], [0.5, 0.55]],
                                  "bias": [0.6, 0.1]}],
                      "loss": {"function": "half_sse", "l2": 0.0 if name == "adamw" else 0.01},   # adamw decays alone
                      "training": {"learning_rate": 0.3, "optimizer": name, "update_bias": update_bias}})
    result = derive.derive(spec)
    evaluator = Evaluator(spec, result.derivation)
    params = initial_parameters(spec)
    trained = evaluator.train(params, 25)
    state, losses = evaluator.initial_state(params), [evaluator.forward(params).cost]
    for _ in range(25):
        fwd = evaluator.forward(params)
        grads = evaluator.gradients(params, fwd)
        params, state = evaluator.step(params, grads, state)
        losses.append(evaluator.forward(params).cost)
    assert trained.history.tolist() == losses
    assert trained.parameters.flat.tolist() == params.flat.tolist()
