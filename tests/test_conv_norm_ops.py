"""The numeric rows of conv2d, max- and average-pooling, flatten, batchnorm (training mode),
layernorm and RMSNorm (issue 14, point 7): each forward and VJP kernel against PyTorch in float64
on random shapes, strides, paddings and channel counts (hypothesis), and against central finite
differences; then the one tape running a small CNN and a batchnorm MLP built of these rows, equal
to PyTorch's autograd for every parameter.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from derive.core.graph import Application, Kind, Node, TensorGraph
from derive.core.ops import TENSOR_OPS
from derive.numeric.tape import Tape

RTOL, ATOL = 1e-12, 1e-12           # relative, and absolute for entries that are 0 up to rounding


def _close(found, expected):
    np.testing.assert_allclose(found, expected.detach().numpy() if torch.is_tensor(expected) else expected,
                               rtol=RTOL, atol=ATOL)


def _torch_vjp(function, arrays, upstream):
    """PyTorch's forward and its VJP of `upstream`, for every input."""
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = function(*leaves)
    grads = torch.autograd.grad(out, leaves, torch.tensor(upstream, dtype=torch.float64))
    return out, grads


ROWS = TENSOR_OPS


def _ours(op, arrays, upstream, **attributes):
    row = ROWS[op].numeric
    out = row.forward(**attributes)(tuple(arrays))
    return out, row.vjp(**attributes)(tuple(arrays), out, upstream)


@st.composite
def convolutions(draw):
    kernel, stride, padding = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(0, 2))
    height, width = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    assume(height + 2 * padding >= kernel and width + 2 * padding >= kernel)
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), height, width)
    return shape, draw(st.integers(1, 3)), kernel, stride, padding, draw(st.booleans()), draw(st.integers(0, 2 ** 31))


@settings(max_examples=120, deadline=None)
@given(convolutions())
def test_conv2d_is_pytorchs_for_any_shape_stride_and_padding(case):
    shape, out_channels, kernel, stride, padding, bias, seed = case
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=shape), rng.normal(size=(out_channels, shape[1], kernel, kernel))]
    if bias:
        arrays.append(rng.normal(size=out_channels))
    expected, grads = _torch_vjp(lambda *t: F.conv2d(*t, stride=stride, padding=padding), arrays,
                                 upstream := rng.normal(size=tuple(F.conv2d(
                                     *[torch.tensor(a) for a in arrays], stride=stride, padding=padding).shape)))
    found, terms = _ours("conv2d", arrays, upstream, stride=stride, padding=padding)
    _close(found, expected)
    for term, grad in zip(terms, grads):
        _close(term, grad)


@st.composite
def poolings(draw):
    kernel = draw(st.integers(1, 3))
    stride = draw(st.one_of(st.none(), st.integers(1, 3)))
    height, width = draw(st.integers(kernel, 8)), draw(st.integers(kernel, 8))
    return (draw(st.integers(1, 3)), draw(st.integers(1, 3)), height, width), kernel, stride, draw(st.integers(0, 2 ** 31))


@pytest.mark.parametrize("op, function", [("max_pool", F.max_pool2d), ("avg_pool", F.avg_pool2d)])
@settings(max_examples=60, deadline=None)
@given(case=poolings())
def test_pooling_is_pytorchs(op, function, case):
    shape, kernel, stride, seed = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    out = function(torch.tensor(x), kernel, stride)
    upstream = rng.normal(size=tuple(out.shape))
    expected, (grad,) = _torch_vjp(lambda t: function(t, kernel, stride), [x], upstream)
    found, (term,) = _ours(op, [x], upstream, kernel=kernel, stride=stride)
    _close(found, expected)
    _close(term, grad)


def test_max_pool_routes_a_tie_to_the_first_largest_entry_as_pytorch_does():
    x = np.array([[[[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 1.0, 3.0], [0.0, 0.0, 5.0, 5.0], [0.0, 0.0, 5.0, 5.0]]]])
    upstream = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    _, (grad,) = _torch_vjp(lambda t: F.max_pool2d(t, 2), [x], upstream)
    _, (term,) = _ours("max_pool", [x], upstream, kernel=2)
    _close(term, grad)
    assert term[0, 0, 0, 1] == 1.0 and term[0, 0, 2, 2] == 4.0 and term.sum() == 10.0


def test_flatten_keeps_the_numbers_in_c_order():
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    out, (back,) = _ours("flatten", [x], np.arange(24.0).reshape(2, 12) * 2)
    assert out.shape == (2, 12) and (out == x.reshape(2, 12)).all() and (back == 2 * x).all()


NORMS = {
    "batch_norm": lambda x, g, b, eps: F.batch_norm(x, None, None, g, b, training=True, eps=eps),
    "layer_norm": lambda x, g, b, eps: F.layer_norm(x, x.shape[1:], g, b, eps),
    "rms_norm": lambda x, g, eps: F.rms_norm(x, x.shape[1:], g, eps),
}


@pytest.mark.parametrize("op", sorted(NORMS))
@settings(max_examples=60, deadline=None)
@given(samples=st.integers(2, 6), features=st.integers(1, 5), image=st.booleans(),
       epsilon=st.sampled_from([1e-5, 1e-3, 0.1]), seed=st.integers(0, 2 ** 31))
def test_each_normalization_is_pytorchs(op, samples, features, image, epsilon, seed):
    rng = np.random.default_rng(seed)
    shape = (samples, features, 3, 2) if image else (samples, features)
    x = rng.normal(size=shape) * 3 + 1
    parameter = (features,) if op == "batch_norm" else shape[1:]
    arrays = [x, rng.normal(size=parameter)] + ([rng.normal(size=parameter)] if op != "rms_norm" else [])
    upstream = rng.normal(size=shape)
    expected, grads = _torch_vjp(lambda *t: NORMS[op](*t, epsilon), arrays, upstream)
    found, terms = _ours(op, arrays, upstream, epsilon=epsilon)
    _close(found, expected)
    for term, grad in zip(terms, grads):
        _close(term, grad)


def _central_differences(function, x: np.ndarray, upstream: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """d(Σ upstream ⊙ f(x))/dx, entry by entry."""
    found = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += step
        down[index] -= step
        found[index] = ((upstream * function(up)).sum() - (upstream * function(down)).sum()) / (2 * step)
    return found


def _batch_norm_step_by_step(x, gamma, beta, epsilon):
    """The graph people draw: the mean, the variance, the normalized input, scale and shift."""
    mu = x.sum(axis=0) / len(x)
    variance = ((x - mu) ** 2).sum(axis=0) / len(x)
    return gamma * ((x - mu) / np.sqrt(variance + epsilon)) + beta


@pytest.mark.parametrize("op", ["conv2d", "max_pool", "avg_pool", "batch_norm", "layer_norm", "rms_norm"])
def test_each_input_term_is_the_central_difference(op):
    rng = np.random.default_rng(7)
    attributes = {"conv2d": {"stride": 2, "padding": 1}, "max_pool": {"kernel": 2, "stride": 1},
                  "avg_pool": {"kernel": 2}}.get(op, {"epsilon": 1e-3})
    x = rng.normal(size=(3, 2, 5, 5) if op in ("conv2d", "max_pool", "avg_pool") else (4, 3))
    rest = {"conv2d": [rng.normal(size=(2, 2, 3, 3)), rng.normal(size=2)],
            "rms_norm": [rng.normal(size=3)]}.get(op, [rng.normal(size=3), rng.normal(size=3)] if "norm" in op else [])
    forward = ROWS[op].numeric.forward(**attributes)
    upstream = rng.normal(size=forward((x, *rest)).shape)
    (term, *_), = [ROWS[op].numeric.vjp(**attributes)((x, *rest), forward((x, *rest)), upstream)]
    np.testing.assert_allclose(term, _central_differences(lambda v: forward((v, *rest)), x, upstream),
                               rtol=1e-6, atol=1e-8)
    if op == "batch_norm":         # the collapsed three-term backward is the step-by-step graph's
        step_by_step = _central_differences(lambda v: _batch_norm_step_by_step(v, *rest, 1e-3), x, upstream)
        np.testing.assert_allclose(term, step_by_step, rtol=1e-6, atol=1e-8)


def test_a_parameters_term_takes_the_per_sample_factor():
    rng = np.random.default_rng(3)
    arrays = (rng.normal(size=(4, 2, 5, 5)), rng.normal(size=(3, 2, 2, 2)), rng.normal(size=3))
    out = ROWS["conv2d"].numeric.forward()(arrays)
    upstream = rng.normal(size=out.shape)
    whole = ROWS["conv2d"].numeric.vjp()(arrays, out, upstream)
    mean = ROWS["conv2d"].numeric.vjp(per_sample=0.25)(arrays, out, upstream)
    assert (mean[0] == whole[0]).all()
    np.testing.assert_allclose(mean[1], whole[1] / 4, rtol=1e-15)
    np.testing.assert_allclose(mean[2], whole[2] / 4, rtol=1e-15)


# -- the one tape on graphs of these rows -----------------------------------------------------------
def _node(name, kind, *shape):
    return Node(name, kind, tuple(shape))


def _tiny_cnn() -> tuple[TensorGraph, dict]:
    """1x4x4 input, two 2x2 filters, ReLU, a 2x2 max-pool (of the 3x3 maps, stride 1), flatten,
    a dense softmax layer of 3, cross-entropy: issue 14's worked example, as a graph."""
    x, y = _node("X", Kind.INPUT, 1, 4, 4), _node("Y", Kind.TARGET, 3)
    w1, b1 = _node("W1", Kind.PARAMETER, 2, 1, 2, 2), _node("b1", Kind.PARAMETER, 2)
    z1, a1 = _node("Z1", Kind.INTERMEDIATE, 2, 3, 3), _node("A1", Kind.INTERMEDIATE, 2, 3, 3)
    p1, f1 = _node("P1", Kind.INTERMEDIATE, 2, 2, 2), _node("F1", Kind.INTERMEDIATE, 8)
    w2, b2 = _node("W2", Kind.PARAMETER, 3, 8), _node("b2", Kind.PARAMETER, 3)
    z2, a2, loss = _node("Z2", Kind.INTERMEDIATE, 3), _node("A2", Kind.INTERMEDIATE, 3), _node("J", Kind.LOSS)
    applications = (Application("conv2d", (x, w1, b1), z1, (("stride", 1), ("padding", 0))),
                    Application("activation", (z1,), a1, (("function", "relu"),)),
                    Application("max_pool", (a1,), p1, (("kernel", 2), ("stride", 1))),
                    Application("flatten", (p1,), f1),
                    Application("dense", (f1, w2, b2), z2),
                    Application("activation", (z2,), a2, (("function", "softmax"),)),
                    Application("loss", (a2, y), loss, (("function", "cross_entropy"), ("reduction", "mean"))))
    graph = TensorGraph((x, y, w1, b1, z1, a1, p1, f1, w2, b2, z2, a2, loss), applications, loss)

    def torch_loss(t):
        hidden = F.max_pool2d(torch.relu(F.conv2d(t["X"], t["W1"], t["b1"])), 2, 1).flatten(1)
        return -(t["Y"] * torch.log_softmax(hidden @ t["W2"].T + t["b2"], dim=1)).sum(dim=1).mean()
    return graph, torch_loss


def _batch_norm_mlp() -> tuple[TensorGraph, dict]:
    """dense 3 -> batchnorm -> tanh -> dense 2 -> layernorm -> sigmoid, binary cross-entropy."""
    x, y = _node("X", Kind.INPUT, 4), _node("Y", Kind.TARGET, 2)
    w1, b1, z1 = _node("W1", Kind.PARAMETER, 3, 4), _node("b1", Kind.PARAMETER, 3), _node("Z1", Kind.INTERMEDIATE, 3)
    g1, be1, n1 = _node("gamma1", Kind.PARAMETER, 3), _node("beta1", Kind.PARAMETER, 3), _node("N1", Kind.INTERMEDIATE, 3)
    a1, w2, z2 = _node("A1", Kind.INTERMEDIATE, 3), _node("W2", Kind.PARAMETER, 2, 3), _node("Z2", Kind.INTERMEDIATE, 2)
    g2, be2, n2 = _node("gamma2", Kind.PARAMETER, 2), _node("beta2", Kind.PARAMETER, 2), _node("N2", Kind.INTERMEDIATE, 2)
    a2, loss = _node("A2", Kind.INTERMEDIATE, 2), _node("J", Kind.LOSS)
    applications = (Application("dense", (x, w1, b1), z1),
                    Application("batch_norm", (z1, g1, be1), n1, (("epsilon", 1e-5),)),
                    Application("activation", (n1,), a1, (("function", "tanh"),)),
                    Application("dense", (a1, w2), z2),
                    Application("layer_norm", (z2, g2, be2), n2, (("epsilon", 1e-5),)),
                    Application("activation", (n2,), a2, (("function", "sigmoid"),)),
                    Application("loss", (a2, y), loss, (("function", "binary_cross_entropy"), ("reduction", "mean"))))
    graph = TensorGraph((x, y, w1, b1, z1, g1, be1, n1, a1, w2, z2, g2, be2, n2, a2, loss), applications, loss)

    def torch_loss(t):
        hidden = torch.tanh(F.batch_norm(t["X"] @ t["W1"].T + t["b1"], None, None, t["gamma1"], t["beta1"],
                                         training=True, eps=1e-5))
        net = F.layer_norm(hidden @ t["W2"].T, (2,), t["gamma2"], t["beta2"], 1e-5)
        return F.binary_cross_entropy_with_logits(net, t["Y"], reduction="none").sum(dim=1).mean()
    return graph, torch_loss


@pytest.mark.parametrize("build", [_tiny_cnn, _batch_norm_mlp], ids=["tiny_cnn", "batchnorm_mlp"])
@pytest.mark.parametrize("samples", [1, 5])
def test_the_tape_runs_a_network_of_these_rows_as_pytorch_does(build, samples):
    graph, torch_loss = build()
    if samples == 1 and build is _batch_norm_mlp:
        samples = 2                          # batch statistics of one sample normalize it to 0
    rng = np.random.default_rng(samples)
    given = {node: rng.normal(size=(samples,) + node.shape if node.kind != Kind.PARAMETER else node.shape)
             for node in graph.nodes if node.kind in (Kind.INPUT, Kind.PARAMETER)}
    target = graph.of_kind(Kind.TARGET)[0]
    labels = rng.integers(0, target.shape[0], size=samples)
    given[target] = np.eye(target.shape[0])[labels] if build is _tiny_cnn else rng.uniform(size=(samples,) + target.shape)
    tape = Tape(graph, 1.0 / samples, ROWS)
    values = tape.run(given)
    leaves = {node.name: torch.tensor(array, dtype=torch.float64, requires_grad=node.kind == Kind.PARAMETER)
              for node, array in given.items()}
    expected = torch_loss(leaves)
    expected.backward()
    assert values[tape.slots.value[graph.loss]] == pytest.approx(expected.item(), rel=1e-12)
    for node in graph.of_kind(Kind.PARAMETER):
        _close(values[tape.slots.adjoint[node]], leaves[node.name].grad)
