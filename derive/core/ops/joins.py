"""The sum of two tensors: a skip connection (A = g(Z) + A^{[k]}) or the cost's terms (J = E + P).
Both inputs get the output's gradient whole. At the unit level the skip's source unit gets it as
a path, through the unit it joins; at the index level, over its own unit axis."""

from __future__ import annotations

from sympy import MatAdd

from ..chain import Path

PROSE = ("The error reaches this layer's outputs through the next layer's weights and, whole, along "
         "each skip connection that adds them to a later layer's outputs:")


def forward(**_):
    return lambda inputs: inputs[0] + inputs[1]


def vjp(**_):
    return lambda inputs, output, upstream: (upstream, upstream)


def unit_vjp(level, application, upstream):
    if not application.output.shape:       # the cost's sum: E and each penalty get dJ whole
        return upstream, upstream
    joined = level.units[application.output]
    return upstream, tuple((Path(unit, None, d_out),) for unit, d_out in zip(joined, upstream))


def matrix_forward(level, application):
    return MatAdd(*(level.symbols[node] for node in application.inputs), evaluate=False)


def matrix_vjp(level, application, upstream):
    return upstream, upstream


def index_forward(level, application):
    first, second = application.inputs
    if not application.output.shape:
        return level.entry(first) + level.entry(second)
    return level.entry(first) + level.reindexed(level.entry(second), second, application.output)


def index_vjp(level, application, upstream):
    if not application.output.shape:
        return upstream, upstream
    return upstream, level.reindexed(upstream, application.output, application.inputs[1])


def code(printers, application, operands):
    """The sum written as it is summed, in NumPy source and in LaTeX alike."""
    return f"{operands[0]} + {operands[1]}"
