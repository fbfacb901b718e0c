"""The sequence ops' numeric rows (issue 15) around the recurrent cells (whose parts are
ops/gates.py): a step's slice of a sequence, the steps' states stacked back into one, and the
embedding. Arrays are (samples, features) per step and (samples, time, features) per sequence.

    time_step  x_t = X[:, t]; stack: H[:, t] = h_t
    embedding  H[n,t] = E[ids[n,t]]; dE = the upstream scatter-added into the rows the ids pick

The bound kernels follow ops/__init__.py: forward(**attributes)(inputs) and vjp(needs=,
per_sample=, **attributes)(inputs, output, upstream); a parameter's term takes `per_sample` (the
mean's 1/m) as conv2d's does.
"""

from __future__ import annotations

import numpy as np



def _factor(per_sample) -> float:
    return 1.0 if per_sample is None else per_sample


# -- time steps: X (n, T, d) -> x_t (n, d), and back ------------------------------------------------
def time_step_forward(t: int, **_):
    return lambda inputs: inputs[0][:, t]


def time_step_vjp(t: int, **_):
    def time_step_vjp(inputs, output, upstream):
        found = np.zeros_like(inputs[0])
        found[:, t] = upstream
        return (found,)
    return time_step_vjp


def stack_forward(**_):
    return lambda inputs: np.stack(inputs, axis=1)


def stack_vjp(**_):
    return lambda inputs, output, upstream: tuple(upstream[:, t] for t in range(len(inputs)))


# -- embedding: inputs (ids (n, T), E (vocabulary, d)) ----------------------------------------------
def embedding_forward(**_):
    return lambda inputs: inputs[1][inputs[0].astype(np.intp)]


def embedding_vjp(per_sample=None, **_):
    factor = _factor(per_sample)

    def embedding_vjp(inputs, output, upstream):
        table = np.zeros_like(inputs[1])
        np.add.at(table, inputs[0].astype(np.intp), upstream)     # a repeated id collects every term
        return None, factor * table
    return embedding_vjp
