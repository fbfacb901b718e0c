"""Attention's parts at the index level (core/tensor_index.py), per sample n: queries at positions t,
keys at s, a head's features i (0 ≤ i < d_k), the heads side by side in a feature index c = h d_k + i
(with one head, c = i and the head's index is left out).

    scores   S_{h,t,s} = (1/√d_k) Σ_i Q_{t,h d_k+i} K_{s,h d_k+i}
             ∂L/∂Q_{t,c} = (1/√d_k) Σ_s δS_{⌊c/d_k⌋,t,s} K_{s,c};  ∂L/∂K_{s,c} = (1/√d_k) Σ_t δS_{⌊c/d_k⌋,t,s} Q_{t,c}
    softmax  A_{h,t,s} = e^{S_{h,t,s}} / Σ_{s'} e^{S_{h,t,s'}}, causal: [s ≤ t] e^{S} / Σ_{s' ≤ t} e^{S}
             ∂L/∂S_{h,t,s} = A_{h,t,s} (δA_{h,t,s} - Σ_{s'} δA_{h,t,s'} A_{h,t,s'})   (the whole Jacobian)
    attend   O_{t,c} = Σ_s A_{⌊c/d_k⌋,t,s} V_{s,c}
             ∂L/∂A_{h,t,s} = Σ_i δO_{t,h d_k+i} V_{s,h d_k+i};  ∂L/∂V_{s,c} = Σ_t A_{⌊c/d_k⌋,t,s} δO_{t,c}
"""

from __future__ import annotations

import sympy as sp
from sympy import Idx, Sum

from ...rules.algebra import _add, _mul, _neg


def _limits(*indices) -> tuple:
    return tuple((i, i.lower, i.upper) for i in indices)


def _split(level, node, heads: int):
    """d_k, and the head index h and within-head index i of `node`'s features (h None for one head)."""
    width = node.shape[-1]
    size = width // heads
    return size, (Idx("h", heads) if heads > 1 else None), Idx("i", size)


def _weights(level, node, head, t, s):
    """An entry of the scores or the weights (their head's index first, when there are several)."""
    return level.entry(node, *((head,) if head is not None else ()), t, s)


def _head_of(c, size: int, heads: int):
    return sp.floor(c / size) if heads > 1 else None


def _scale(size: int) -> sp.Expr:
    return sp.Pow(sp.sqrt(size), -1, evaluate=False) if size != 1 else sp.S.One


def _axes(level, node):
    """The (time, feature) axes of a sequence node, or the (head, t, s) axes of scores or weights."""
    return level.axes[node][1:]


# -- scores ---------------------------------------------------------------------------------------------
def scores_forward(level, application):
    q, k = application.inputs
    heads = application.attribute("heads")
    size, _, i = _split(level, q, heads)
    *head, t, s = _axes(level, application.output)
    feature = head[0] * size + i if head else i
    total = Sum(_mul(level.entry(q, t, feature), level.entry(k, s, feature)), *_limits(i))
    return _mul(_scale(size), total)


def scores_vjp(level, application, upstream):
    q, k = application.inputs
    heads = application.attribute("heads")
    size = q.shape[-1] // heads
    *head, t, s = _axes(level, application.output)
    into = []
    for node, other, position in ((q, k, "query"), (k, q, "key")):
        own_t, c = _axes(level, node)
        head_index = _head_of(c, size, heads)
        moved = {head[0]: head_index} if head else {}
        if position == "query":
            summed = s
            term = _mul(upstream.xreplace({**moved, t: own_t}), level.entry(other, s, c))
        else:
            summed = level.summed_over(own_t)
            term = _mul(upstream.xreplace({**moved, t: summed, s: own_t}), level.entry(other, summed, c))
        into.append(None if level.is_input(node) else _mul(_scale(size), Sum(term, *_limits(summed))))
    return tuple(into)


# -- softmax by rows, a query's later keys masked if causal --------------------------------------------
def softmax_forward(level, application):
    scores, = application.inputs
    *head, t, s = _axes(level, application.output)
    s2 = level.summed_over(s)
    upper = t if application.attribute("causal") else s.upper
    entry = level.entry(scores)
    total = Sum(sp.exp(entry.xreplace({s: s2})), (s2, s.lower, upper))
    weight = _mul(sp.exp(entry), sp.Pow(total, -1, evaluate=False))
    return _mul(sp.Heaviside(t - s, 1), weight) if application.attribute("causal") else weight


def softmax_vjp(level, application, upstream):
    *head, t, s = _axes(level, application.output)
    s2 = level.summed_over(s)
    a = level.entry(application.output)
    inner = Sum(_mul(upstream.xreplace({s: s2}), a.xreplace({s: s2})), *_limits(s2))
    return (_mul(a, _add(upstream, _neg(inner))),)


# -- the weighted sum of the values ---------------------------------------------------------------------------
def attend_forward(level, application):
    weights, v = application.inputs
    heads = application.attribute("heads")
    size = v.shape[-1] // heads
    t, c = _axes(level, application.output)
    s = _axes(level, weights)[-1]
    return Sum(_mul(_weights(level, weights, _head_of(c, size, heads), t, s), level.entry(v, s, c)), *_limits(s))


def attend_vjp(level, application, upstream):
    weights, v = application.inputs
    heads = application.attribute("heads")
    size, _, i = _split(level, v, heads)
    t, c = _axes(level, application.output)
    *head, wt, ws = _axes(level, weights)
    feature = head[0] * size + i if head else i
    into_weights = Sum(_mul(upstream.xreplace({t: wt, c: feature}), level.entry(v, ws, feature)), *_limits(i))
    vt, vc = _axes(level, v)
    t2 = level.summed_over(vt)
    into_v = Sum(_mul(_weights(level, weights, _head_of(vc, size, heads), t2, vt), upstream.xreplace({t: t2, c: vc})),
                 *_limits(t2))
    return into_weights, None if level.is_input(v) else into_v
