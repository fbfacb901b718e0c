"""The normalization ops' numeric rows: batchnorm in training mode, layernorm and RMSNorm. Each reads
(X, γ, β) (RMSNorm (X, γ)) and has an ε.

    batchnorm  over the batch (and, for (n, c, h, w), the positions), per feature or channel:
               μ_B, σ_B² (biased, as training normalizes), x̂ = (x − μ_B)/√(σ_B² + ε), y = γ x̂ + β
    layernorm  the same statistics over each sample's features (every axis but the batch's), or, with
               last_axis (a transformer's, over (samples, time, features)), over the last axis at every position
    rmsnorm    x̂ = x / √(mean(x²) + ε) over each sample's features (or the last axis), y = γ x̂

Their backward is the collapsed form of the step-by-step graph (mean, variance, normalize, scale,
shift), with g = γ ⊙ G and N the entries one statistic is taken over:

    dX = (1/√(σ² + ε)) (g − mean(g) − x̂ mean(g ⊙ x̂))      batchnorm, layernorm: three terms
    dX = (1/rms) (g − x̂ mean(g ⊙ x̂))                      rmsnorm: no mean to subtract
    dγ = Σ G ⊙ x̂,  dβ = Σ G                                 over the batch (and positions)

The bound kernels follow ops/__init__.py; the parameters' terms take `per_sample` (1/m for a mean).
"""

from __future__ import annotations

import numpy as np


def _statistic_axes(x: np.ndarray, over_batch: bool, last: bool = False) -> tuple[int, ...]:
    """batchnorm: the batch axis and any positions (2, 3) of a (n, c, h, w) array; the others: each
    sample's own axes, or the last alone."""
    if last:
        return (x.ndim - 1,)
    if over_batch:
        return (0,) + tuple(range(2, x.ndim))
    return tuple(range(1, x.ndim))


def _parameter_shape(x: np.ndarray, over_batch: bool, last: bool = False) -> tuple[int, ...]:
    """How γ and β broadcast against x: per channel for batchnorm, per feature entry otherwise."""
    if last:
        return (1,) * (x.ndim - 1) + x.shape[-1:]
    return (1, x.shape[1]) + (1,) * (x.ndim - 2) if over_batch else (1,) + x.shape[1:]


def _parameter_axes(x: np.ndarray, over_batch: bool, last: bool = False) -> tuple[int, ...]:
    """The axes a parameter's term sums over: all but the channel (batchnorm), or the batch's (or
    every axis but the last)."""
    if last:
        return tuple(range(x.ndim - 1))
    return _statistic_axes(x, True) if over_batch else (0,)


def _normalized(x: np.ndarray, axes: tuple[int, ...], epsilon: float, centred: bool):
    """(x̂, 1/√(σ² + ε)) with the statistics over `axes`; not centred: RMSNorm's x / rms."""
    if centred:
        shifted = x - x.mean(axis=axes, keepdims=True)
        scale = 1.0 / np.sqrt((shifted * shifted).mean(axis=axes, keepdims=True) + epsilon)
    else:
        shifted = x
        scale = 1.0 / np.sqrt((x * x).mean(axis=axes, keepdims=True) + epsilon)
    return shifted * scale, scale


def _forward(over_batch: bool, centred: bool):
    def make(epsilon: float = 1e-5, last_axis: bool = False, **_):
        def normalize(inputs):
            x, gamma = inputs[0], inputs[1]
            shape = _parameter_shape(x, over_batch, last_axis)
            xhat, _ = _normalized(x, _statistic_axes(x, over_batch, last_axis), epsilon, centred)
            y = gamma.reshape(shape) * xhat
            return y + inputs[2].reshape(shape) if len(inputs) > 2 else y
        return normalize
    return make


def _vjp(over_batch: bool, centred: bool):
    def make(epsilon: float = 1e-5, last_axis: bool = False, needs=None, per_sample=None, **_):
        wants = needs or (True, True, True)
        factor = 1.0 if per_sample is None else per_sample

        def normalize_vjp(inputs, output, upstream):
            x, gamma = inputs[0], inputs[1]
            axes, shape = _statistic_axes(x, over_batch, last_axis), _parameter_shape(x, over_batch, last_axis)
            xhat, scale = _normalized(x, axes, epsilon, centred)
            into_x = None
            if wants[0]:
                g = upstream * gamma.reshape(shape)
                projected = xhat * (g * xhat).mean(axis=axes, keepdims=True)
                into_x = scale * ((g - g.mean(axis=axes, keepdims=True) if centred else g) - projected)
            summed = _parameter_axes(x, over_batch, last_axis)
            into_gamma = factor * (upstream * xhat).sum(axis=summed).reshape(gamma.shape) if wants[1] else None
            terms = (into_x, into_gamma)
            if len(inputs) < 3:
                return terms
            into_beta = factor * upstream.sum(axis=summed).reshape(inputs[2].shape) if wants[2] else None
            return terms + (into_beta,)
        return normalize_vjp
    return make


batch_norm_forward, batch_norm_vjp = _forward(True, True), _vjp(True, True)
layer_norm_forward, layer_norm_vjp = _forward(False, True), _vjp(False, True)
rms_norm_forward, rms_norm_vjp = _forward(False, False), _vjp(False, False)


def statistics(kind: str, x: np.ndarray, epsilon: float, last_axis: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(x̂, σ²) as the documents name them: σ² (RMSNorm: mean(x²)) per feature or channel for
    batchnorm, per sample otherwise (per sample and position, over the last axis)."""
    over_batch, centred = kind == "batch_norm", kind != "rms_norm"
    axes = _statistic_axes(x, over_batch, last_axis)
    xhat, _ = _normalized(x, axes, epsilon, centred)
    shifted = x - x.mean(axis=axes, keepdims=True) if centred else x
    spread = (shifted * shifted).mean(axis=axes)                      # directly: 1/scale² − ε cancels
    return xhat, spread if last_axis else spread.reshape(-1)
