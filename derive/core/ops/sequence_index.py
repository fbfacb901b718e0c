"""The sequence ops at the index level (core/tensor_index.py), per sample n, time counted from 0 as
the entries are: the recurrent layer unrolled, one cell per step, as the BPTT posts write it.

    embedding    e_{n,t,k} = E_{x_{n,t},k};  ∂L/∂E_{v,k} = Σ_n Σ_t [x_{n,t} = v] δ_{n,t,k}
    time_step    x^{⟨τ⟩}_{n,k} = e_{n,τ,k};  its term for e: [t = τ] δ^{⟨τ⟩}_{n,k}
    rnn_cell     h^{⟨τ⟩}_{n,j} = tanh(Σ_k W_{j,k} x^{⟨τ⟩}_{n,k} + Σ_{j'} U_{j,j'} h^{⟨τ-1⟩}_{n,j'} + b_j)
                 g_{n,j} = δ_{n,j} (1 - (h^{⟨τ⟩}_{n,j})²) (ReLU: [h > 0]);  ∂/∂x_k: Σ_j W_{j,k} g_j;
                 ∂/∂h^{⟨τ-1⟩}_{j}: Σ_{j'} U_{j',j} g_{j'};  ∂/∂W_{j,k}: g_j x_k;  ∂/∂U_{j,j'}: g_j h_{j'}
    stack        h_{n,t,j} = h^{⟨t⟩}_{n,j};  its term for h^{⟨τ⟩}: δ_{n,τ,j}
    linear       z_{n,t,j} = Σ_k W_{j,k} a_{n,t,k} + b_j, a dense layer at every position
    sequence_ce  E_n = -(1/T) Σ_t log p_{n,t,y_{n,t}},  p = softmax(z_{n,t});
                 ∂E_n/∂z_{n,t,j} = (p_{n,t,j} - [y_{n,t} = j])/T

A shared weight's gradient is the sum of every step's term: the walk gathers them as it gathers any
node's consumers' terms. [x = v] is decided by the token ids at concrete entries (`Picks`).
"""

from __future__ import annotations

import sympy as sp
from sympy import Idx, Sum

from ...rules.activations import ACTIVATIONS
from ...rules.algebra import _add, _mul, _neg


class Picks(sp.Function):
    """[id = v]: 1 where the token id (an entry of the token input or target) is v, else 0."""
    nargs = 2


class Positive(sp.Function):
    """[x > 0]: ReLU's slope as a function SymPy's Sum keeps as it is (it folds a Piecewise factor
    out of the sum into cases); 1 or 0 at a number."""
    nargs = 1

    @classmethod
    def eval(cls, x):
        if x.is_Number:
            return sp.S.One if x > 0 else sp.S.Zero


def _unfolded(slope: sp.Expr) -> sp.Expr:
    """The rule row's step slope, Piecewise((1, x > 0), (0, True)), as Positive(x)."""
    def positive(found):
        (one, condition), (zero, _) = found.args
        return Positive(condition.lhs)
    return slope.replace(lambda e: isinstance(e, sp.Piecewise) and len(e.args) == 2
                         and isinstance(e.args[0][1], sp.StrictGreaterThan) and e.args[0][1].rhs == 0, positive)


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


# -- rnn_cell: (x_t, [h_{t-1}], W, [U], b) --------------------------------------------------------------
def _cell_inputs(application):
    x, *rest = application.inputs
    first = application.attribute("first")
    previous = None if first else rest.pop(0)
    w = rest.pop(0)
    u = None if first else rest.pop(0)
    return x, previous, w, u, rest


def _net(level, application, j: Idx):
    x, previous, w, u, (b,) = _cell_inputs(application)
    k = level.axes[x][1]
    total = [Sum(_mul(level.entry(w, j, k), level.entry(x)), *_limits(k))]
    if previous is not None:
        j2 = level.summed_over(j)
        total.append(Sum(_mul(level.entry(u, j, j2), level.entry(previous, j2)), *_limits(j2)))
    return _add(*total, level.entry(b, j))


def rnn_cell_forward(level, application):
    j = level.axes[application.output][1]
    row = ACTIVATIONS[application.attribute("nonlinearity")]
    return row.forward([_net(level, application, j)], 0)


def rnn_cell_vjp(level, application, upstream):
    x, previous, w, u, _ = _cell_inputs(application)
    out = application.output
    j, k = level.axes[out][1], level.axes[x][1]
    h = level.entry(out)
    # both nonlinearities' slopes are functions of the output: tanh' = 1 - h², ReLU' = [h > 0]
    slope = _unfolded(ACTIVATIONS[application.attribute("nonlinearity")].derivative([h], [h], 0, 0))
    local = _mul(upstream, slope)
    j2 = level.summed_over(j)
    at_j2 = local.xreplace({j: j2})
    terms = [None if level.is_input(x) else Sum(_mul(level.entry(w, j2, k), at_j2), *_limits(j2))]
    if previous is not None:
        terms.append(Sum(_mul(level.entry(u, j2, j), at_j2), *_limits(j2)))
    terms.append(_mul(local, level.entry(x)))
    if u is not None:
        terms.append(_mul(local, level.entry(previous, j2)))
    terms.append(local)
    return tuple(terms)


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
    return _mul(sp.Rational(-1, steps), Sum(_add(picked, _neg(log_sum)), *_limits(t)))


def sequence_ce_vjp(level, application, upstream):
    z, y = application.inputs
    _, t, j = level.axes[z]
    difference = _add(_probability(level, z, j), _neg(Picks(level.entry(y), j)))
    return _mul(sp.Rational(1, z.shape[0]), difference), None
