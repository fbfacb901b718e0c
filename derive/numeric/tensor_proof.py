"""The proofs a typed-layer document states, done once on the spec's numbers:

    the index form at concrete entries (core/tensor_index.py `at`) equals the kernels' numbers at
    every entry of every adjoint (up to `limit` entries a node, for a large network);
    each conv layer's matrix forms (core/conv_matrix.py: the correlation, the full convolution with
    the rotated kernel, im2col) equal the kernels', for the first sample.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..core.conv_matrix import ConvMatrixForms, matrix_forms
from ..core.graph import Kind, Node, TensorGraph
from ..core.ops import TENSOR_OPS
from ..core.tensor_index import TensorIndexForm, at, terms
from .tensor_values import TensorValues, numbers_by_base

RTOL = 1e-10
BUDGET = 20_000              # terms written out per node: a wide layer is held to the kernels at fewer entries


@dataclass(frozen=True)
class TensorCheck:
    node: Node                 # whose adjoint's index form was held to the kernels
    holds: bool
    entries: int


def entries(node: Node, samples: int) -> list[tuple[int, ...]]:
    shape = node.shape if node.kind == Kind.PARAMETER else (samples,) + node.shape
    return list(itertools.product(*map(range, shape)))


def evaluated(expr: sp.Expr, numbers: dict) -> float:
    """An expression of concrete entries and named numbers, at their values."""
    found = expr.xreplace({e: sp.Float(float(numbers[e.base][tuple(int(i) for i in e.indices)]))
                           for e in expr.atoms(sp.Indexed)})
    return float(found.xreplace({s: sp.Float(float(numbers[s])) for s in found.free_symbols if s in numbers}))


def prove_index_form(graph: TensorGraph, form: TensorIndexForm, values: TensorValues, limit: int) -> list[TensorCheck]:
    numbers = numbers_by_base(form.level, values, graph)
    checks = []
    for node in graph.nodes:
        if node not in form.walk.terms or node.kind == Kind.LOSS or form.level.is_input(node):
            continue              # the input (a residual's term reaches it) and its slices get no gradient
        formula = form.formula(node)
        where = entries(node, form.level.samples)[:max(1, min(limit, BUDGET // terms(formula)))]
        holds = all(np.isclose(evaluated(at(form.level, formula, node, w, numbers), numbers), values.adjoint[node][w],
                               rtol=RTOL, atol=RTOL * max(1.0, float(np.abs(values.adjoint[node]).max())))
                    for w in where)
        checks.append(TensorCheck(node, holds, len(where)))
    return checks


def conv_forms(graph: TensorGraph, values: TensorValues) -> dict[Node, ConvMatrixForms]:
    """Each conv layer's matrix forms for the first sample, by its output node."""
    found = {}
    for application in graph.applications:
        if application.op != "conv2d" or application.output not in values.adjoint:
            continue
        x, w = application.inputs[0], application.inputs[1]
        stride, padding = application.attribute("stride"), application.attribute("padding")
        first, weights = values.value[x][:1], values.value[w]
        grad = values.adjoint[application.output][:1]
        kernel = TENSOR_OPS["conv2d"].numeric.vjp(stride=stride, padding=padding, needs=(True, True))
        into_x, into_w = kernel((first, weights), None, grad)
        found[application.output] = matrix_forms(first[0], weights, grad[0], stride, padding, into_w, into_x[0])
    return found
