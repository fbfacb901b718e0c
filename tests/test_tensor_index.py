"""The index form of typed layers (issue 14, point 3): the one reverse walk over entries with several
axes gives each adjoint's formula (sums over channels, kernel offsets, positions; a max-pool's
routing; a normalization's three terms), and at every concrete entry, its sums written out and its
structural zeros dropped, it equals the kernels' numbers (which tests/test_conv_norm_ops.py holds to
PyTorch). A conv layer's matrix forms (correlation, full convolution with the rotated kernel,
im2col) equal the kernels on random shapes, strides and paddings, and the classic slips do not.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_tensor_specs import TINY_CNN, _random_spec

from derive.core.conv_matrix import dilated, input_gradient, matrix_forms, weight_gradient
from derive.core.graph import Kind
from derive.core.ops.conv import conv2d_vjp, output_size
from derive.core.tensor_index import at, tensor_index_form
from derive.numeric.tensor_proof import conv_forms, prove_index_form
from derive.numeric.tensor_values import evaluate_tensor, numbers_by_base
from derive.present.tensor_printer import tensor_latex
from derive.spec.load import tensor_spec_from_dict


def _form(mapping):
    spec = tensor_spec_from_dict(mapping)
    graph, values = evaluate_tensor(spec)
    return spec, graph, values, tensor_index_form(graph, len(spec.inputs), spec.loss.reduction == "mean")


def _latex(form, expr, numbers=None):
    level = form.level
    adjoints = {base: level.bases[node] for node, base in level.adjoint_bases.items()}
    sampled = frozenset(base for node in level.bases if node.kind != Kind.PARAMETER
                        for base in (level.bases[node], level.adjoint_bases[node]))
    return tensor_latex(expr, adjoints, sampled, level.sample, numbers)


def test_the_tiny_cnns_index_form_holds_at_every_entry():
    spec, graph, values, form = _form(TINY_CNN)
    checks = prove_index_form(graph, form, values, limit=10 ** 6)
    assert checks and all(check.holds for check in checks), [c.node.name for c in checks if not c.holds]
    assert {c.node.name for c in checks} >= {"W1", "b1", "Z1", "A1", "W4"}


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10 ** 6))
def test_random_typed_networks_index_forms_hold_at_their_entries(seed):
    spec, graph, values, form = _form(_random_spec(seed))
    checks = prove_index_form(graph, form, values, limit=12)
    assert all(check.holds for check in checks), [c.node.name for c in checks if not c.holds]


def test_the_conv_layers_formulas_read_as_the_posts_write_them():
    spec, graph, values, form = _form(TINY_CNN)
    conv = graph.applications[0]
    assert _latex(form, form.forward(conv)) == (r"b^{[1]}_{o} + \sum_{c} \sum_{p} \sum_{q} w^{[1]}_{o,\,c,\,p,\,q} "
                                                r"\, x_{c,\,i+p,\,j+q}")
    weight = next(n for n in graph.nodes if n.name == "W1")
    assert _latex(form, form.formula(weight)) == (r"\sum_{i} \sum_{j} \frac{\partial L}{\partial z^{[1]}_{o,\,i,\,j}}"
                                                  r" \, x_{c,\,i+p,\,j+q}")
    pooled = next(n for n in graph.nodes if n.name == "A1")
    assert r"\text{ is the max of window }" in _latex(form, form.formula(pooled))


def test_the_unit_form_drops_the_structural_zeros_and_keeps_the_paths():
    """A 2×2 kernel's weight w_{0,0,1,1} is read by each of the 9 outputs once: 9 paths; the max-pool
    routes each window's gradient to its largest entry alone."""
    spec, graph, values, form = _form(TINY_CNN)
    numbers = numbers_by_base(form.level, values, graph)
    weight = next(n for n in graph.nodes if n.name == "W1")
    paths = at(form.level, form.formula(weight), weight, (0, 0, 1, 1), numbers)
    assert len(paths.args) == 9
    activated = next(n for n in graph.nodes if n.name == "A1")
    a = values.value[activated][0]
    routed = [(c, h, w) for c in range(2) for h in range(3) for w in range(3)
              if at(form.level, form.formula(activated), activated, (0, c, h, w), numbers) != 0]
    for c in range(2):
        for i in range(2):
            for j in range(2):
                window = a[c, i:i + 2, j:j + 2]
                p, q = divmod(int(np.argmax(window)), 2)
                assert (c, i + p, j + q) in routed


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2),
       st.integers(1, 9), st.integers(1, 9), st.integers(0, 2 ** 32 - 1))
def test_conv_matrix_forms_equal_the_kernels(channels, outs, kernel, stride, padding, height, width, seed):
    if output_size(height, kernel, stride, padding) < 1 or output_size(width, kernel, stride, padding) < 1:
        return
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(1, channels, height, width))
    w = rng.normal(size=(outs, channels, kernel, kernel))
    g = rng.normal(size=(1, outs, output_size(height, kernel, stride, padding), output_size(width, kernel, stride,
                                                                                           padding)))
    dx, dw = conv2d_vjp(stride=stride, padding=padding)((x, w), None, g)
    forms = matrix_forms(x[0], w, g[0], stride, padding, dw, dx[0])
    assert all(holds for _, holds in forms.proven), forms.proven


def test_the_classic_slips_are_not_equal():
    """Without the 180° rotation, or without the stride's dilation, the input gradient is wrong."""
    rng = np.random.default_rng(7)
    x, w = rng.normal(size=(1, 2, 7, 7)), rng.normal(size=(3, 2, 3, 3))
    g = rng.normal(size=(1, 3, 3, 3))
    dx, dw = conv2d_vjp(stride=2, padding=0)((x, w), None, g)
    assert np.allclose(input_gradient(w, g[0], x.shape[1:], 2, 0), dx[0])
    unrotated = input_gradient(w[..., ::-1, ::-1], g[0], x.shape[1:], 2, 0)      # rot180 twice: none
    assert not np.allclose(unrotated, dx[0])
    assert not np.allclose(weight_gradient(x[0][:, :5, :5], g[0], 3, 1, 0), dw)   # no dilation
    assert dilated(np.ones((1, 2, 2)), 2).tolist() == [[[1, 0, 1], [0, 0, 0], [1, 0, 1]]]


def test_every_conv_layer_of_a_network_has_its_matrix_forms_proven():
    spec, graph, values, form = _form(_random_spec(5) | {"layers": [
        {"type": "conv2d", "out_channels": 2, "kernel": 3, "stride": 2, "padding": 1, "activation": "relu"},
        {"type": "conv2d", "out_channels": 2, "kernel": 2, "activation": "tanh"},
        {"type": "flatten"}, {"type": "dense", "units": 2, "activation": "softmax"}],
        "target": {"values": [[1, 0]] * len(_random_spec(5)["input"]["values"])}, "loss": {"function": "cross_entropy"}})
    found = conv_forms(graph, values)
    assert len(found) == 2 and all(holds for forms in found.values() for _, holds in forms.proven)


@pytest.mark.parametrize("kind", ["batch_norm", "layer_norm", "rms_norm"])
def test_a_normalizations_index_form_names_its_statistics(kind):
    mapping = dict(TINY_CNN, input={"shape": [3], "values": [[1, 2, 0], [0, 1, 3], [2, 2, 1]]},
                   target={"values": [[1, 0], [0, 1], [1, 0]]},
                   layers=[{"type": "dense", "units": 3, "activation": "tanh"}, {"type": kind},
                           {"type": "dense", "units": 2, "activation": "softmax"}])
    spec, graph, values, form = _form(mapping)
    assert all(check.holds for check in prove_index_form(graph, form, values, limit=100))
    normalized = next(a for a in graph.applications if a.op == kind)
    text = _latex(form, form.formula(normalized.inputs[0]))
    assert r"\hat{x}^{[2]}" in text and r"\epsilon" in text
    assert (r"\sigma^{2\,[2]}" if kind != "rms_norm" else r"r^{2\,[2]}") in text
