"""The sequence ops at the index level (core/tensor_index.py), per sample n, time counted from 0 as
the entries are: the recurrent layer unrolled, one cell per step, as the BPTT posts write it.

    embedding    e_{n,t,k} = E_{x_{n,t},k};  ∂L/∂E_{v,k} = Σ_n Σ_t [x_{n,t} = v] δ_{n,t,k}
    time_step    x^{⟨τ⟩}_{n,k} = e_{n,τ,k};  its term for e: [t = τ] δ^{⟨τ⟩}_{n,k}
    stack        h_{n,t,j} = h^{⟨t⟩}_{n,j};  its term for h^{⟨τ⟩}: δ_{n,τ,j}
    linear       z_{n,t,j} = Σ_k W_{j,k} a_{n,t,k} + b_j, a dense layer at every position
    sequence_ce  E_n = -(1/T) Σ_t log p_{n,t,y_{n,t}},  p = softmax(z_{n,t});
                 ∂E_n/∂z_{n,t,j} = (p_{n,t,j} - [y_{n,t} = j])/T

The cells' parts are ops/gates.py's. A shared weight's gradient is the sum of every step's term: the
walk gathers them as it gathers any node's consumers' terms. [x = v] is decided by the token ids at concrete entries (`Picks`).
"""

from __future__ import annotations

import sympy as sp
from sympy import Idx, Sum

from ...rules.algebra import _add, _mul, _neg


class Picks(sp.Function):
    """[id = v]: 1 where the token id (an entry of the token input or target) is v, else 0."""
    nargs = 2


def _limits(*indices: Idx) -> tuple:
    return tuple((i, i.lower, i.upper) for i in indices)


# -- embedding: (X token ids (n, T), E (V, d)) -------------------------------------------------------
def embedding_forward(level, application):
    x, table = application.inputs
    _, t, k = level.axes[application.output]
    return level.entry(table, level.entry(x), k)


def embedding_vjp(level, application, upstream):
    x, table = application.inputs
    _, t, k = level.axes[application.output]
    v = level.axes[table][0]
    return None, Sum(_mul(Picks(level.entry(x), v), upstream), *_limits(t))


# -- time_step: x^{⟨τ⟩} = source[:, τ] ------------------------------------------------------------------
def time_step_forward(level, application):
    source, = application.inputs
    return level.entry(source).xreplace({level.axes[source][1]: application.attribute("t")})


def time_step_vjp(level, application, upstream):
    source, = application.inputs
    t = level.axes[source][1]
    return (_mul(sp.KroneckerDelta(t, application.attribute("t")), upstream),)


# -- stack: h_{n,t,j} = h^{⟨t⟩}_{n,j} ---------------------------------------------------------------------
def stack_forward(level, application):
    out = application.output
    _, t, j = level.axes[out]
    step = sp.IndexedBase(str(level.bases[application.inputs[0]].label).replace(r"\langle 0\rangle", r"\langle t\rangle"))
    return sp.Eq(level.entry(out), step[level.sample, j] if level.samples > 1 else step[j], evaluate=False)


def stack_vjp(level, application, upstream):
    t = level.axes[application.output][1]
    return tuple(upstream.xreplace({t: step}) for step in range(len(application.inputs)))


# -- linear at every position: (a (n, T, d), W, [b]) ------------------------------------------------------
def linear_forward(level, application):
    a, w, *bias = application.inputs
    _, t, j = level.axes[application.output]
    k = level.axes[a][2]
    total = Sum(_mul(level.entry(w, j, k), level.entry(a)), *_limits(k))
    return _add(total, level.entry(bias[0], j)) if bias else total


def linear_vjp(level, application, upstream):
    a, w, *bias = application.inputs
    _, t, j = level.axes[application.output]
    k = level.axes[a][2]
    into = None if level.is_input(a) else Sum(_mul(level.entry(w, j, k), upstream), *_limits(j))
    found = (into, Sum(_mul(upstream, level.entry(a)), *_limits(t)))
    return found + ((Sum(upstream, *_limits(t)),) if bias else ())


# -- the sequence cross-entropy: (z (n, T, V), y (n, T)) ------------------------------------------------
def _probability(level, z, j: Idx):
    j2 = level.summed_over(j)
    entry = level.entry(z)
    return _mul(sp.exp(entry), sp.Pow(Sum(sp.exp(entry.xreplace({j: j2})), *_limits(j2)), -1, evaluate=False))


def sequence_ce_forward(level, application):
    z, y = application.inputs
    _, t, j = level.axes[z]
    steps = z.shape[0]
    picked = level.entry(z).xreplace({j: level.entry(y)})
    j2 = level.summed_over(j)
    log_sum = sp.log(Sum(sp.exp(level.entry(z).xreplace({j: j2})), *_limits(j2)), evaluate=False)
    return _mul(sp.Rational(-1, steps) if _averaged(application) else sp.S.NegativeOne,
                Sum(_add(picked, _neg(log_sum)), *_limits(t)))


def _averaged(application) -> bool:
    """A sample's error the mean over its positions (or their sum)."""
    return application.attribute("positions") == "mean"


def sequence_ce_vjp(level, application, upstream):
    z, y = application.inputs
    _, t, j = level.axes[z]
    difference = _add(_probability(level, z, j), _neg(Picks(level.entry(y), j)))
    return (_mul(sp.Rational(1, z.shape[0]), difference) if _averaged(application) else difference), None
