"""The generated NumPy module of a typed-layer spec (output/tensor_code.py): its loss and gradients
are the tape's (to 1e-12), PyTorch's (float64) and the central differences of its own loss, for
the tiny CNN, test_tensor_specs' random specs and hypothesis-drawn ones that reach every op,
activation, loss and reduction; its source passes pyflakes, imports only NumPy (and SciPy's erf for
a GELU), and loops only over kernel offsets.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import itertools
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_tensor_specs import TINY_CNN, _random_spec
from torch_typed import torch_loss

from derive.core.graph import Kind
from derive.core.lower_tensor import lower_tensor
from derive.core.ops import TENSOR_OPS
from derive.numeric.tape import Tape
from derive.output.tensor_code import tensor_module
from derive.spec.load import tensor_spec_from_dict

try:
    import pyflakes.api as PYFLAKES
    from pyflakes.reporter import Reporter
except ImportError:                       # test_the_generated_modules_pass_pyflakes says so
    PYFLAKES = None

_loaded = itertools.count()


def _load(source: str, folder):
    """The generated source, written to a file in `folder` and imported from it."""
    name = f"generated_tensor_module_{next(_loaded)}"
    path = folder / f"{name}.py"
    path.write_text(source)
    found = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module


def _parameters(graph, given) -> dict[str, np.ndarray]:
    return {node.name: array for node, array in given.items() if node.kind == Kind.PARAMETER}


# -- PyTorch: the spec's network with torch.nn.functional --------------------------------------------
def _torch(spec, params: dict) -> tuple[float, dict[str, np.ndarray]]:
    leaves = {name: torch.tensor(array, requires_grad=True) for name, array in params.items()}
    found = torch_loss(spec, leaves)
    if leaves:
        found.backward()
    return found.item(), {name: leaf.grad.numpy() for name, leaf in leaves.items()}


# -- the three checks ------------------------------------------------------------------------------------
def _close(found: dict, expected: dict, rtol: float) -> None:
    """Every gradient to `rtol` of itself, or of the largest gradient entry where a sum cancels (a bias
    before a batchnorm has gradient 0, found as rounding noise)."""
    assert set(found) == set(expected)
    scale = max((float(np.max(np.abs(e))) for e in expected.values()), default=0.0)
    for name, array in expected.items():
        assert np.shape(found[name]) == np.shape(array), name
        np.testing.assert_allclose(found[name], array, rtol=rtol, atol=rtol * scale, err_msg=name)


def _central_differences(module, params: dict, X, Y, grads: dict, rng, per_parameter: int = 12) -> None:
    """dJ/dθ by (J(θ + h) - J(θ - h)) / 2h at up to `per_parameter` entries of each parameter. Where
    an entry disagrees, h/100 decides: a kink (ReLU's 0, a max-pool's runner-up) a step of h crossed
    is seldom inside h/100."""
    J = module.loss(params, X, Y)

    def difference(name, index, h):
        shifted = {k: v.copy() for k, v in params.items()}
        shifted[name][index] += h
        up = module.loss(shifted, X, Y)
        shifted[name][index] -= 2 * h
        return (up - module.loss(shifted, X, Y)) / (2 * h)

    for name, value in params.items():
        entries = list(np.ndindex(value.shape))
        for i in rng.choice(len(entries), min(per_parameter, len(entries)), replace=False):
            index, g = entries[i], grads[name][entries[i]]
            if abs(difference(name, index, 1e-6) - g) <= 1e-6 * abs(g) + 1e-7 * (1 + abs(J)):
                continue
            assert abs(difference(name, index, 1e-8) - g) <= 1e-5 * abs(g) + 1e-6 * (1 + abs(J)), (name, index)


def _check(mapping: dict, folder, torch_at_the_spec: bool = True):
    """The generated module against the tape (1e-12), PyTorch (1e-10) and its own loss's central
    differences.

    A spec's own point may sit on a kink: zero biases and padding give a border of Z = 0 exactly
    (ReLU's kink); integer weights tie a pool's maxima; a batchnorm of a feature the batch holds
    constant gives β = 0 exactly. The tape and the module agree there (ReLU'(0) = 0, a tie to its
    first entry), and so does PyTorch where its arithmetic is exact; but no central difference is a
    derivative there, and PyTorch's fused batchnorm rounds β to either side of 0. So the module is
    checked at the spec's parameters and at the parameters moved a little, to a point where the loss
    is smooth: the tape at both, PyTorch at the moved one (and at the spec's, with torch_at_the_spec),
    the differences at the moved one."""
    spec = tensor_spec_from_dict(mapping)
    graph, given = lower_tensor(spec)
    tape = Tape(graph, 1.0 / len(spec.inputs) if spec.loss.reduction == "mean" else 1.0, TENSOR_OPS)
    module = _load(tensor_module(spec), folder)
    X, Y = spec.inputs, spec.targets
    rng = np.random.default_rng(len(given))
    at_the_spec = _parameters(graph, given)
    moved = {name: array + 0.01 * rng.normal(size=array.shape) for name, array in at_the_spec.items()}
    output = graph.applications[-1].inputs[0]

    for params in (at_the_spec, moved):
        values = tape.run(given | {n: params[n.name] for n in graph.of_kind(Kind.PARAMETER)})
        J, grads = module.loss(params, X, Y), module.gradients(params, X, Y)
        assert J == pytest.approx(values[tape.slots.value[graph.loss]], rel=1e-12)
        _close(grads, {n.name: values[tape.slots.adjoint[n]] for n in graph.of_kind(Kind.PARAMETER)}, 1e-12)
        np.testing.assert_allclose(module.forward(params, X), values[tape.slots.value[output]],
                                   rtol=1e-12, atol=1e-12)
        if params is moved or torch_at_the_spec:
            expected_J, expected = _torch(spec, params)
            assert J == pytest.approx(expected_J, rel=1e-10)
            _close(grads, expected, 1e-10)
    _central_differences(module, moved, X, Y, module.gradients(moved, X, Y), rng)
    return module


def test_the_tiny_cnn(tmp_path):
    # its integer inputs and weights put a Z on ReLU's kink and tie two maxima in a pool's window:
    # the tape and PyTorch route a tie to its first entry, as the module does
    _check(TINY_CNN, tmp_path)


@pytest.mark.parametrize("seed", range(30))
def test_random_specs_of_test_tensor_specs(seed, tmp_path):
    _check(_random_spec(seed), tmp_path)


# -- hypothesis: any op, activation, loss and reduction ----------------------------------------------------
ELEMENTWISE = ["relu", "leaky_relu", "tanh", "sigmoid", "softplus", "gelu", "gelu_tanh", "linear"]
OUTPUTS = [("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy"), ("sigmoid", "cross_entropy"),
           ("softmax", "half_sse"), ("softmax", "mse"), (None, "half_sse"), (None, "sse"), ("tanh", "mse"),
           ("linear", "half_sse"), ("relu", "sse"), ("gelu_tanh", "half_sse"), ("softplus", "mse")]


@st.composite
def _activated(draw, layer: dict) -> dict:
    activation = draw(st.sampled_from([None] + ELEMENTWISE))
    return layer | ({"activation": activation} if activation else {})


@st.composite
def _norm(draw, shape: tuple[int, ...], rng) -> dict:
    kind = draw(st.sampled_from(["batch_norm", "layer_norm", "rms_norm"]))
    layer = {"type": kind, "epsilon": draw(st.sampled_from([1e-5, 1e-3, 0.1]))}
    if draw(st.booleans()):       # γ and β other than ones and zeros, so that their broadcast is tested
        size = (shape[0],) if kind == "batch_norm" else shape
        layer["gamma"] = rng.uniform(0.5, 1.5, size).tolist()
        if kind != "rms_norm":
            layer["beta"] = rng.normal(size=size).tolist()
    return draw(_activated(layer))


@st.composite
def typed_specs(draw) -> dict:
    """An image (or a flat input), a few conv, pool and normalization layers on it, a flatten, a few
    dense and normalization layers, and an output layer with its loss; every shape fits."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    samples, layers = draw(st.integers(2, 3)), []
    if draw(st.integers(0, 4)):                    # mostly images, of any height and width
        shape = input_shape = (draw(st.integers(1, 3)), draw(st.integers(3, 7)), draw(st.integers(3, 7)))
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["conv2d", "conv2d", "max_pool", "avg_pool", "norm"]))
            c, h, w = shape
            if kind == "conv2d":
                padding = draw(st.integers(0, 2))
                kernel = draw(st.integers(1, min(3, h + 2 * padding, w + 2 * padding)))
                stride, out = draw(st.integers(1, 2)), draw(st.integers(1, 3))
                layers.append(draw(_activated({"type": "conv2d", "out_channels": out, "kernel": kernel,
                                               "stride": stride, "padding": padding, "bias": draw(st.booleans())})))
                shape = (out, (h + 2 * padding - kernel) // stride + 1, (w + 2 * padding - kernel) // stride + 1)
            elif kind in ("max_pool", "avg_pool"):
                kernel, stride = draw(st.integers(1, min(3, h, w))), draw(st.integers(1, 3))
                layers.append({"type": kind, "kernel": kernel, "stride": stride})
                shape = (c, (h - kernel) // stride + 1, (w - kernel) // stride + 1)
            else:
                layers.append(draw(_norm(shape, rng)))
        layers.append({"type": "flatten"})
        shape = (int(np.prod(shape)),)
    else:
        shape = input_shape = (draw(st.integers(2, 5)),)
    for _ in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            units = draw(st.integers(1, 4))
            layers.append(draw(_activated({"type": "dense", "units": units, "bias": draw(st.booleans())})))
            shape = (units,)
        else:
            layers.append(draw(_norm(shape, rng)))
    activation, loss = draw(st.sampled_from(OUTPUTS))
    outputs = draw(st.integers(2, 4))
    reads_as_it_is = activation != "softmax" and loss not in ("cross_entropy", "binary_cross_entropy")
    if reads_as_it_is and draw(st.booleans()):
        outputs = shape[0]        # the loss reads the last layer (a flatten, dense or norm), or a norm of it
        if not layers or draw(st.booleans()):
            layers.append({"type": draw(st.sampled_from(["layer_norm", "rms_norm", "batch_norm"]))})
        if layers[-1]["type"] != "flatten":
            layers[-1] = {k: v for k, v in layers[-1].items() if k != "activation"} | (
                {"activation": activation} if activation else {})
    else:
        layers.append({"type": "dense", "units": outputs, "bias": draw(st.booleans())}
                      | ({"activation": activation} if activation else {}))
    if activation == "softmax" and loss == "cross_entropy":
        targets = rng.dirichlet(np.ones(outputs), samples)          # each row sums to 1
    else:
        targets = rng.uniform(size=(samples, outputs))
    return {"input": {"shape": list(input_shape), "values": rng.normal(size=(samples, *input_shape)).tolist()},
            "target": {"values": targets.tolist()}, "layers": layers,
            "loss": {"function": loss, "reduction": draw(st.sampled_from(["mean", "sum"]))},
            "training": {"learning_rate": 0.1}, "init": {"seed": int(rng.integers(2 ** 31))}}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_specs())
def test_hypothesis_drawn_specs(tmp_path_factory, mapping):
    folder = tmp_path_factory.mktemp("generated")
    _check(mapping, folder, torch_at_the_spec=False)
    if PYFLAKES is not None:          # and its source is clean (every file: test_the_generated_modules_pass_pyflakes)
        source = next(folder.glob("*.py")).read_text()
        out = io.StringIO()
        assert PYFLAKES.check(source, "generated.py", Reporter(out, out)) == 0, out.getvalue()


# -- the source ---------------------------------------------------------------------------------------
EVERY_OP = {
    "title": 'every op, "quoted"', "input": {"shape": [2, 6, 5]},
    "layers": [{"type": "conv2d", "out_channels": 3, "kernel": 3, "padding": 1, "activation": "gelu"},
               {"type": "avg_pool", "kernel": 2, "stride": 1},
               {"type": "batch_norm", "activation": "leaky_relu"},
               {"type": "conv2d", "out_channels": 2, "kernel": 2, "stride": 2, "bias": False},
               {"type": "max_pool", "kernel": 2, "stride": 1},
               {"type": "layer_norm", "activation": "softplus"},
               {"type": "flatten"},
               {"type": "dense", "units": 4, "activation": "tanh"},
               {"type": "rms_norm"},
               {"type": "dense", "units": 3, "activation": "softmax"}],
    "loss": {"function": "half_sse", "reduction": "sum"}, "training": {"learning_rate": 0.1}, "init": {"seed": 5},
}
FLAT = {"input": {"shape": [4]}, "layers": [{"type": "dense", "units": 3, "activation": "relu"}, {"type": "layer_norm"},
                                              {"type": "dense", "units": 2, "activation": "sigmoid"}],
        "loss": {"function": "binary_cross_entropy"}, "training": {"learning_rate": 0.1}, "init": {"seed": 2}}
NO_PARAMETERS = {"input": {"shape": [1, 4, 4]}, "layers": [{"type": "max_pool", "kernel": 2}, {"type": "flatten"}],
                 "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}}
BENCHMARK_CNN = {"input": {"shape": [1, 28, 28]},
                 "layers": [{"type": "conv2d", "out_channels": 8, "kernel": 3, "activation": "relu"},
                            {"type": "max_pool", "kernel": 2, "stride": 2}, {"type": "flatten"},
                            {"type": "dense", "units": 10, "activation": "softmax"}],
                 "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1}, "init": {"seed": 1}}


def _with_numbers(mapping: dict, outputs: int, samples: int = 3, seed: int = 0) -> dict:
    """The mapping with random inputs, and targets for its `outputs` (one-hot under a softmax)."""
    rng = np.random.default_rng(seed)
    shape = mapping["input"]["shape"]
    targets = (np.eye(outputs)[rng.integers(0, outputs, samples)] if mapping["layers"][-1].get("activation") == "softmax"
               else rng.uniform(size=(samples, outputs)))
    return mapping | {"input": {"shape": shape, "values": rng.normal(size=(samples, *shape)).tolist()},
                      "target": {"values": targets.tolist()}}


SPECS = {"tiny_cnn": TINY_CNN, "every_op": _with_numbers(EVERY_OP, 3), "flat": _with_numbers(FLAT, 2),
         "no_parameters": _with_numbers(NO_PARAMETERS, 4), "benchmark_cnn": _with_numbers(BENCHMARK_CNN, 10, 2),
         **{f"random_{seed}": _random_spec(seed) for seed in range(30)}}


@pytest.mark.parametrize("name", ["every_op", "flat", "no_parameters", "benchmark_cnn"])
def test_specs_of_every_op_activation_and_loss(name, tmp_path):
    _check(SPECS[name], tmp_path)


def _sources(folder) -> dict[str, str]:
    found = {}
    for name, mapping in SPECS.items():
        found[name] = tensor_module(tensor_spec_from_dict(mapping))
        (folder / f"{name}.py").write_text(found[name])
    return found


def test_the_generated_modules_pass_pyflakes(tmp_path):
    if PYFLAKES is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pyflakes is not installed (the test extras install it)")
        pytest.skip("pyflakes is not installed (the test extras install it)")
    sources = _sources(tmp_path)
    done = subprocess.run([sys.executable, "-m", "pyflakes", *sorted(str(tmp_path / f"{name}.py") for name in sources)],
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == done.stderr == "", done.stdout + done.stderr


def test_the_modules_import_numpy_alone_and_erf_for_a_gelu(tmp_path):
    for name, source in _sources(tmp_path).items():
        imports = {(node.module, alias.name) if isinstance(node, ast.ImportFrom) else (None, alias.name)
                   for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))
                   for alias in node.names}
        gelu = any(layer.get("activation") == "gelu" for layer in SPECS[name]["layers"])
        convolved = any(layer.get("type") == "conv2d" for layer in SPECS[name]["layers"])
        assert imports == {(None, "numpy")} | ({("scipy.special", "erf")} if gelu else set()) | (
            {("numpy.lib.stride_tricks", "sliding_window_view")} if convolved else set()), name


def test_the_only_loops_run_over_a_kernels_offsets(tmp_path):
    """Convolutions and pools read strided views: no loop over samples, channels or pixels."""
    for name, source in _sources(tmp_path).items():
        tree = ast.parse(source)
        assert not any(isinstance(node, (ast.While, ast.comprehension, ast.AsyncFor)) for node in ast.walk(tree)), name
        for loop in (node for node in ast.walk(tree) if isinstance(node, ast.For)):
            assert ast.unparse(loop.iter) == "range(kernel)", (name, ast.unparse(loop))


def test_a_wrong_shape_of_x_or_y_is_named(tmp_path):
    spec = tensor_spec_from_dict(TINY_CNN)
    graph, given = lower_tensor(spec)
    module, params = _load(tensor_module(spec), tmp_path), _parameters(graph, given)
    with pytest.raises(ValueError, match=r"X: expected shape \(samples, 1, 4, 4\).*got shape \(1, 4, 4\)"):
        module.forward(params, spec.inputs[0])
    with pytest.raises(ValueError, match=r"Y: expected shape \(1, 3\).*got shape \(3,\)"):
        module.gradients(params, spec.inputs, spec.targets[0])
    with pytest.raises(ValueError, match=r"Y: expected shape \(1, 3\)"):
        module.loss(params, spec.inputs, np.zeros((2, 3)))


def test_the_benchmarks_hand_written_cnn_computes_the_same_gradients(tmp_path):
    """bench_code.py times the generated module beside tests/benchmarks/cnn_by_hand.py: the same numbers."""
    path = os.path.join(os.path.dirname(__file__), "benchmarks", "cnn_by_hand.py")
    found = importlib.util.spec_from_file_location("cnn_by_hand", path)
    by_hand = importlib.util.module_from_spec(found)
    found.loader.exec_module(by_hand)
    spec = tensor_spec_from_dict(SPECS["benchmark_cnn"])
    graph, given = lower_tensor(spec)
    params = _parameters(graph, given)
    generated = _load(tensor_module(spec), tmp_path).gradients(params, spec.inputs, spec.targets)
    _close(by_hand.gradients(params, spec.inputs, spec.targets), generated, 1e-12)
