"""The attention ops' numeric rows (issue 15), over arrays of shape (samples, time, features):

    linear       Y[n,t] = W X[n,t] + b at every position (a dense layer applied along the sequence);
                 dW = Σ over samples and positions of G Xᵀ, db = Σ G, dX = G W
    scores       per head: S = Q Kᵀ/√d_k; dQ = dS K/√d_k, dK = dSᵀ Q/√d_k. The heads are the features'
                 consecutive blocks of d_k, as PyTorch's multi-head attention splits them
    softmax      A = softmax of each row (the last axis), a query's later keys masked if causal;
                 dS = A ⊙ (dA - rowsum(dA ⊙ A))
    attend       O = A V per head, the heads side by side; dA = dO Vᵀ, dV = Aᵀ dO
    sequence_ce  the cross-entropy of the softmax of each position's logits against its target id:
                 per sample the mean over its positions; dZ = (softmax(Z) - onehot(y))/T

The bound kernels follow ops/__init__.py; a parameter's term takes `per_sample` as conv2d's does.
"""

from __future__ import annotations

import numpy as np

MASKED = -np.inf          # a causal mask's score: softmax gives it weight 0 exactly


def _factor(per_sample) -> float:
    return 1.0 if per_sample is None else per_sample


# -- linear at every position: inputs (X (n, T, d), W (u, d)) or with b (u,) ------------------------
def linear_forward(**_):
    def linear(inputs):
        found = inputs[0].dot(inputs[1].T)
        return found + inputs[2] if len(inputs) > 2 else found
    return linear


def linear_vjp(needs=None, per_sample=None, **_):
    into = needs is None or needs[0]
    factor = _factor(per_sample)

    def linear_vjp(inputs, output, upstream):
        x, w = inputs[0], inputs[1]
        axes = tuple(range(x.ndim - 1))
        grads = (upstream.dot(w) if into else None, factor * np.tensordot(upstream, x, axes=(axes, axes)))
        return grads + ((factor * upstream.sum(axis=axes),) if len(inputs) > 2 else ())
    return linear_vjp


# -- softmax by rows, each query's later keys masked if causal -------------------------------------------
def softmax_rows(scores: np.ndarray, causal: bool = False) -> np.ndarray:
    if causal:
        steps = scores.shape[-1]
        scores = np.where(np.triu(np.ones((steps, steps), dtype=bool), 1), MASKED, scores)
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def softmax_vjp_rows(a: np.ndarray, upstream: np.ndarray) -> np.ndarray:
    """dS from dA through A = softmax(S) by rows: the whole Jacobian, not its diagonal (a masked
    entry's weight is 0, so its term is 0)."""
    return a * (upstream - (upstream * a).sum(axis=-1, keepdims=True))


def softmax_forward(causal: bool = False, **_):
    return lambda inputs: softmax_rows(inputs[0], causal)


def softmax_vjp(**_):
    return lambda inputs, output, upstream: (softmax_vjp_rows(output, upstream),)


# -- attention's scores and its weighted sum, per head: Q, K, V (n, T, heads · d_k) ---------------------
def _heads(x: np.ndarray, heads: int) -> np.ndarray:
    """(n, T, heads·d) -> (n, heads, T, d)."""
    n, steps, width = x.shape
    return x.reshape(n, steps, heads, width // heads).transpose(0, 2, 1, 3)


def _merged(x: np.ndarray) -> np.ndarray:
    """(n, heads, T, d) -> (n, T, heads·d)."""
    n, heads, steps, width = x.shape
    return x.transpose(0, 2, 1, 3).reshape(n, steps, heads * width)


def _per_head(x: np.ndarray, heads: int) -> np.ndarray:
    """Scores or weights as the graph holds them, (n, T, T) for one head, as (n, heads, T, T)."""
    return x[:, None] if heads == 1 else x


def _as_held(x: np.ndarray, heads: int) -> np.ndarray:
    return x[:, 0] if heads == 1 else x


def scores_forward(heads: int = 1, **_):
    """S = Q Kᵀ/√d_k per head: (n, T, T) for one head, (n, heads, T, T) for several."""
    def scores(inputs):
        q, k = (_heads(x, heads) for x in inputs)
        return _as_held(np.matmul(q, k.transpose(0, 1, 3, 2)) / np.sqrt(q.shape[-1]), heads)
    return scores


def scores_vjp(heads: int = 1, needs=None, **_):
    def scores_vjp(inputs, output, upstream):
        q, k = (_heads(x, heads) for x in inputs)
        d_s = _per_head(upstream, heads) / np.sqrt(q.shape[-1])
        wanted = needs or (True, True)
        found = (np.matmul(d_s, k), np.matmul(d_s.transpose(0, 1, 3, 2), q))
        return tuple(_merged(d) if want else None for d, want in zip(found, wanted))
    return scores_vjp


def attend_forward(heads: int = 1, **_):
    """O = A V per head, the heads' outputs side by side: (n, T, heads · d_k)."""
    def attend(inputs):
        return _merged(np.matmul(_per_head(inputs[0], heads), _heads(inputs[1], heads)))
    return attend


def attend_vjp(heads: int = 1, needs=None, **_):
    def attend_vjp(inputs, output, upstream):
        a, v, d_out = _per_head(inputs[0], heads), _heads(inputs[1], heads), _heads(upstream, heads)
        wanted = needs or (True, True)
        d_a = _as_held(np.matmul(d_out, v.transpose(0, 1, 3, 2)), heads) if wanted[0] else None
        return d_a, _merged(np.matmul(a.transpose(0, 1, 3, 2), d_out)) if wanted[1] else None
    return attend_vjp


# -- the sequence loss: inputs (Z (n, T, vocabulary) logits, Y (n, T) target ids) -------------------
def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _picked(z: np.ndarray, ids: np.ndarray) -> np.ndarray:
    return np.take_along_axis(_log_softmax(z), ids.astype(np.intp)[..., None], axis=-1)[..., 0]


def sequence_ce_forward(reduction: str = "mean", positions: str = "mean", **_):
    """Per sample, the mean (or sum) over its positions of -log softmax(z_t)[y_t]; over the samples, their
    mean (reduction mean) or sum."""
    def sequence_ce(inputs):
        z, ids = inputs
        errors = -_picked(z, ids).mean(axis=1) if positions == "mean" else -_picked(z, ids).sum(axis=1)
        return errors.mean() if reduction == "mean" else errors.sum()
    return sequence_ce


def sequence_ce_vjp(reduction: str = "mean", per_sample=None, positions: str = "mean", **_):
    def sequence_ce_vjp(inputs, output, upstream):
        z, ids = inputs
        slope = np.exp(_log_softmax(z))
        np.put_along_axis(slope, ids.astype(np.intp)[..., None],
                          np.take_along_axis(slope, ids.astype(np.intp)[..., None], axis=-1) - 1.0, axis=-1)
        if positions == "mean":
            slope /= z.shape[1]
        scale = upstream if per_sample is not None else upstream / (len(z) if reduction == "mean" else 1.0)
        return scale * slope, None
    return sequence_ce_vjp
