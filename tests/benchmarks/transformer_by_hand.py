"""bench_code.py's transformer block written by hand in NumPy, as a skilled person writes it for
this one network: vectors (samples, T, d) -> a pre-norm block (layernorm, multi-head attention with
its output projection, residual, layernorm, a GELU MLP, residual) -> a dense layer at every position
-> softmax with cross-entropy against a target id per position (each sample's mean over its
positions, the mean over the samples), float64. The exact GELU, erf from SciPy.

params as derive names them (layer 1 the block, layer 2 the dense one): gammaA1, betaA1, Wq1, bq1, Wk1,
bk1, Wv1, bv1, Wo1, bo1, gammaF1, betaF1, Wup1, bup1, Wdown1, bdown1, W2, b2; X (samples, T, d),
Y (samples, T) ids; `heads` the attention's heads.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf

EPSILON = 1e-5


def _norm(x, gamma, beta):
    centred = x - x.mean(axis=-1, keepdims=True)
    inv = 1.0 / np.sqrt((centred ** 2).mean(axis=-1, keepdims=True) + EPSILON)
    xhat = centred * inv
    return gamma * xhat + beta, (xhat, inv)


def _norm_back(dy, gamma, cache):
    xhat, inv = cache
    g = dy * gamma
    dx = inv * (g - g.mean(axis=-1, keepdims=True) - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    return dx, (dy * xhat).sum(axis=(0, 1)), dy.sum(axis=(0, 1))


def _split(x, heads):
    n, t, width = x.shape
    return x.reshape(n, t, heads, width // heads).transpose(0, 2, 1, 3)


def _merge(x):
    n, heads, t, width = x.shape
    return x.transpose(0, 2, 1, 3).reshape(n, t, heads * width)


def _dense_back(dy, x, w):
    """dx, dW, db of y = x Wᵀ + b at every position."""
    return dy @ w, np.tensordot(dy, x, axes=((0, 1), (0, 1))), dy.sum(axis=(0, 1))


def gradients(params: dict, X: np.ndarray, Y: np.ndarray, heads: int) -> dict:
    p = params
    n, T, d = X.shape
    root = np.sqrt(d // heads)

    # forward
    u1, norm1 = _norm(X, p["gammaA1"], p["betaA1"])
    q, k, v = (_split(u1 @ p[f"W{r}1"].T + p[f"b{r}1"], heads) for r in "qkv")
    s = q @ k.swapaxes(-1, -2) / root
    a = np.exp(s - s.max(axis=-1, keepdims=True))
    a /= a.sum(axis=-1, keepdims=True)
    o = _merge(a @ v)
    r1 = X + o @ p["Wo1"].T + p["bo1"]
    u2, norm2 = _norm(r1, p["gammaF1"], p["betaF1"])
    z = u2 @ p["Wup1"].T + p["bup1"]
    gelu = 0.5 * z * (1 + erf(z / np.sqrt(2)))
    r2 = r1 + gelu @ p["Wdown1"].T + p["bdown1"]
    logits = r2 @ p["W2"].T + p["b2"]
    prob = np.exp(logits - logits.max(axis=-1, keepdims=True))
    prob /= prob.sum(axis=-1, keepdims=True)

    # backward
    g = {}
    d_logits = prob
    np.put_along_axis(d_logits, Y[..., None], np.take_along_axis(d_logits, Y[..., None], axis=2) - 1.0, axis=2)
    d_logits /= T * n
    d_r2, g["W2"], g["b2"] = _dense_back(d_logits, r2, p["W2"])
    d_gelu, g["Wdown1"], g["bdown1"] = _dense_back(d_r2, gelu, p["Wdown1"])
    d_z = d_gelu * (0.5 * (1 + erf(z / np.sqrt(2))) + z * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi))
    d_u2, g["Wup1"], g["bup1"] = _dense_back(d_z, u2, p["Wup1"])
    d_r1, g["gammaF1"], g["betaF1"] = _norm_back(d_u2, p["gammaF1"], norm2)
    d_r1 = d_r1 + d_r2
    d_o, g["Wo1"], g["bo1"] = _dense_back(d_r1, o, p["Wo1"])
    d_o = _split(d_o, heads)
    d_a = d_o @ v.swapaxes(-1, -2)
    d_v = a.swapaxes(-1, -2) @ d_o
    d_s = a * (d_a - (d_a * a).sum(axis=-1, keepdims=True)) / root
    d_q, d_k = d_s @ k, d_s.swapaxes(-1, -2) @ q
    d_u1 = 0.0
    for r, dr in zip("qkv", (d_q, d_k, d_v)):
        du, g[f"W{r}1"], g[f"b{r}1"] = _dense_back(_merge(dr), u1, p[f"W{r}1"])
        d_u1 = d_u1 + du
    _, g["gammaA1"], g["betaA1"] = _norm_back(d_u1, p["gammaA1"], norm1)
    return g
