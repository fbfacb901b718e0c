"""The normalization ops at the index level (core/tensor_index.py), with their statistics named:
μ and σ² over the entries one statistic is taken over (batchnorm: the samples, and an image's
positions; layernorm and RMSNorm: a sample's features), x̂ the normalized entry.

    forward   y = γ x̂ + β,  x̂ = (x − μ)/√(σ² + ε)           (RMSNorm: x̂ = x/√(r² + ε), r² = mean(x²), no β)
    VJP       ∂L/∂x = (1/√(σ² + ε)) (g − (1/N) Σ' g − x̂ (1/N) Σ' g x̂),   g = γ ∂L/∂y   (the collapsed form)
              ∂L/∂γ = ∂L/∂y x̂ (summed over the statistic's positions),   ∂L/∂β = ∂L/∂y

core/norm_steps.py derives the collapsed form from the step-by-step graph (mean, variance,
normalize, scale, shift) and proves the two equal.
"""

from __future__ import annotations

import sympy as sp
from sympy import Sum


def _over(level, application):
    """The axes of x's entry the statistic runs over, and those it is kept per."""
    x = application.inputs[0]
    axes = level.axes[x]
    if application.op == "batch_norm":
        return (axes[0],) + axes[2:], axes[1:2]
    if dict(application.attributes).get("last_axis"):       # each position's features: per (n, t)
        return axes[-1:], axes[:-1]
    return axes[1:], axes[:1]


def _statistics(level, application):
    """(x̂ entry, 1/√(σ² + ε), N, the primed copies of the statistic's axes)."""
    over, per = _over(level, application)
    x = application.inputs[0]
    names = level.statistics(application)
    hat, spread = names.hat[level.axes[x]], names.spread[per]
    count = 1
    for axis in over:
        count *= int(axis.upper) + 1
    return hat, 1 / sp.sqrt(spread + names.epsilon), count, {a: level.summed_over(a) for a in over}


def forward(level, application):
    x, gamma, *beta = application.inputs
    hat, _, _, _ = _statistics(level, application)
    found = _scaled(level, application, gamma, hat)
    return found + _parameter(level, application, beta[0]) if beta else found


def _parameter(level, application, parameter):
    return level.entry(parameter, *level.axes[parameter])


def _scaled(level, application, gamma, expr):
    return sp.Mul(_parameter(level, application, gamma), expr, evaluate=False)


def vjp(level, application, upstream):
    x, gamma, *beta = application.inputs
    hat, scale, count, primed = _statistics(level, application)
    g = _scaled(level, application, gamma, upstream)
    limits = level.limits(*primed.values())
    projection = hat * Sum((g * hat).xreplace(primed), *limits) / count
    centred = g - Sum(g.xreplace(primed), *limits) / count if application.op != "rms_norm" else g
    into_x = sp.Mul(scale, centred - projection, evaluate=False)
    over, per = _over(level, application)
    positions = over[1:] if application.op == "batch_norm" else per[1:]      # a sequence's positions t
    into_gamma = Sum(upstream * hat, *level.limits(*positions)) if positions else upstream * hat
    found = (None if level.is_input(x) else into_x, into_gamma)
    if beta:
        found += (Sum(upstream, *level.limits(*positions)) if positions else upstream,)
    return found
