"""The convolutional ops at the index level (core/tensor_index.py): forward and VJP over Indexed
entries with sums over channels and kernel offsets, as the posts write them, per sample.

    conv2d    z_{o,i,j} = Σ_c Σ_p Σ_q w_{o,c,p,q} x̃_{c,si+p,sj+q} + b_o     (x̃: x padded by P zeros)
              ∂L/∂w_{o,c,p,q} = Σ_i Σ_j δ_{o,i,j} x̃_{c,si+p,sj+q};  ∂L/∂b_o = Σ_i Σ_j δ_{o,i,j}
              ∂L/∂x_{c,h,w} = Σ_o Σ_p Σ_q w_{o,c,p,q} δ_{o,(h+P-p)/s,(w+P-q)/s}
    max-pool  p_{c,i,j} = max_{p,q} a_{c,si+p,sj+q};  ∂L/∂a_{c,h,w} = Σ_i Σ_j δ_{c,i,j} [a_{c,h,w} wins window i,j]
    avg-pool  p_{c,i,j} = (1/K²) Σ_p Σ_q a_{c,si+p,sj+q};  ∂L/∂a_{c,h,w} = Σ_p Σ_q δ_{c,(h-p)/s,(w-q)/s} / K²
    flatten   f_{(c,i,j)} = a_{c,i,j}, (c,i,j) the C-order position c·HW + i·W + j

An entry whose index falls outside its axis, or between the stride's steps, is a structural zero:
the unit form (the index form at concrete entries) drops it.
"""

from __future__ import annotations

import sympy as sp
from sympy import Idx, Sum

from ...rules.algebra import _mul


class Wins(sp.Function):
    """1 where the entry at (h, w) of channel c is the largest of pool window (i, j) (the first, on a
    tie), else 0: the max-pool's routing, decided by the numbers at concrete entries. Args: the
    pooled input's entry, the window's (i, j) and the pool's kernel and stride."""
    nargs = 5


class WindowMax(sp.Function):
    """The largest entry of the window: args (the window's entry at offsets p, q; p; q)."""
    nargs = 3


def _offsets(level, application, kernel: int) -> tuple[Idx, Idx]:
    return level.offset("p", kernel), level.offset("q", kernel)


def _attribute(application, name, default):
    return dict(application.attributes).get(name, default)


# -- conv2d ---------------------------------------------------------------------------------------
def conv2d_forward(level, application):
    x, w, *bias = application.inputs
    _, o, i, j = level.axes[application.output]
    s, pad = _attribute(application, "stride", 1), _attribute(application, "padding", 0)
    c = level.axes[x][1]
    p, q = _offsets(level, application, w.shape[2])
    read = level.padded(x, pad)[level.sample, c, s * i + p, s * j + q]
    total = Sum(_mul(level.entry(w, o, c, p, q), read), *level.limits(c, p, q))
    return total + level.entry(bias[0], o) if bias else total


def conv2d_vjp(level, application, upstream):
    x, w, *bias = application.inputs
    _, o, i, j = level.axes[application.output]
    s, pad = _attribute(application, "stride", 1), _attribute(application, "padding", 0)
    _, c, h, v = level.axes[x]
    p, q = _offsets(level, application, w.shape[2])
    into_x = Sum(_mul(level.entry(w, o, c, p, q), upstream.xreplace({i: (h + pad - p) / s, j: (v + pad - q) / s})),
                 *level.limits(o, p, q))
    read = level.padded(x, pad)[level.sample, c, s * i + p, s * j + q]
    into_w = Sum(_mul(upstream, read), *level.limits(i, j))
    found = (None if level.is_input(x) else into_x, into_w)
    return found + ((Sum(upstream, *level.limits(i, j)),) if bias else ())


# -- pooling --------------------------------------------------------------------------------------
def max_pool_forward(level, application):
    a, = application.inputs
    _, c, i, j = level.axes[application.output]
    kernel, s = application.attribute("kernel"), application.attribute("stride")
    p, q = _offsets(level, application, kernel)
    return WindowMax(level.entry(a).xreplace(_window(level, a, i, j, p, q, s)), p, q)


def max_pool_vjp(level, application, upstream):
    a, = application.inputs
    _, c, i, j = level.axes[application.output]
    kernel, s = application.attribute("kernel"), application.attribute("stride")
    return (Sum(_mul(upstream, Wins(level.entry(a), i, j, kernel, s)), *level.limits(i, j)),)


def avg_pool_forward(level, application):
    a, = application.inputs
    _, c, i, j = level.axes[application.output]
    kernel, s = application.attribute("kernel"), application.attribute("stride")
    p, q = _offsets(level, application, kernel)
    return Sum(level.entry(a).xreplace(_window(level, a, i, j, p, q, s)), *level.limits(p, q)) / kernel ** 2


def avg_pool_vjp(level, application, upstream):
    a, = application.inputs
    _, c, i, j = level.axes[application.output]
    kernel, s = application.attribute("kernel"), application.attribute("stride")
    _, _, h, v = level.axes[a]
    p, q = _offsets(level, application, kernel)
    return (Sum(upstream.xreplace({i: (h - p) / s, j: (v - q) / s}), *level.limits(p, q)) / kernel ** 2,)


def _window(level, a, i, j, p, q, s) -> dict:
    """The pooled input's (h, w) axes at window (i, j)'s offset (p, q)."""
    _, _, h, v = level.axes[a]
    return {h: s * i + p, v: s * j + q}


# -- flatten --------------------------------------------------------------------------------------
def flatten_forward(level, application):
    """An equation over the input's axes: the output's entry at the input entry's C-order position."""
    a, = application.inputs
    _, c, h, v = level.axes[a]
    _, height, width = a.shape
    position = {level.axes[application.output][1]: c * height * width + h * width + v}
    return sp.Eq(level.entry(application.output).xreplace(position), level.entry(a), evaluate=False)


def flatten_vjp(level, application, upstream):
    a, = application.inputs
    _, c, h, v = level.axes[a]
    _, height, width = a.shape
    return (upstream.xreplace({level.axes[application.output][1]: c * height * width + h * width + v}),)
