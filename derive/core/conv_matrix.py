"""A conv layer's backward in the matrix forms the posts write, each computed as written and proven
equal to the kernels' numbers (ops/conv.py) entry by entry, in this one place:

    ∂L/∂W[o,c] = X̃[c] ⋆ dil_s(G[o])                  the padded input cross-correlated with the
                                                      upstream gradient, its stride dilated
    ∂L/∂X[c]   = crop_P( Σ_o pad_{K-1}(dil_s(G[o])) ⋆ rot180(W[o,c]) )
                                                      the full convolution of the dilated upstream
                                                      gradient with the 180°-rotated kernel
    im2col     Z = W_col X_col + b;  ∂L/∂W_col = G_mat X_colᵀ;  ∂L/∂X_col = W_colᵀ G_mat, then col2im

⋆ is the valid cross-correlation; dil_s puts s − 1 zeros between a map's entries. Rows and columns
of the padded input that no window reaches (when the stride does not divide the size) get zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def correlate(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The valid cross-correlation of one 2-D map with one 2-D kernel."""
    return np.einsum("ijpq,pq->ij", sliding_window_view(image, kernel.shape), kernel)


def rot180(kernel: np.ndarray) -> np.ndarray:
    return kernel[..., ::-1, ::-1]


def dilated(grad: np.ndarray, stride: int) -> np.ndarray:
    """s − 1 zeros between the entries of each map (the last two axes)."""
    if stride == 1:
        return grad
    h, w = grad.shape[-2:]
    found = np.zeros(grad.shape[:-2] + (stride * (h - 1) + 1, stride * (w - 1) + 1))
    found[..., ::stride, ::stride] = grad
    return found


def _padded(x: np.ndarray, padding: int) -> np.ndarray:
    return np.pad(x, [(0, 0)] * (x.ndim - 2) + [(padding, padding)] * 2)


def weight_gradient(x: np.ndarray, grad: np.ndarray, kernel: int, stride: int, padding: int) -> np.ndarray:
    """∂L/∂W for one sample: x (C, H, W), grad (O, H', W') -> (O, C, K, K)."""
    padded, spread = _padded(x, padding), dilated(grad, stride)
    reach_h, reach_w = spread.shape[-2] + kernel - 1, spread.shape[-1] + kernel - 1    # what windows reach
    return np.array([[correlate(padded[c, :reach_h, :reach_w], spread[o]) for c in range(len(x))]
                     for o in range(len(grad))])


def input_gradient(weights: np.ndarray, grad: np.ndarray, shape: tuple[int, int, int], stride: int,
                   padding: int) -> np.ndarray:
    """∂L/∂X for one sample: weights (O, C, K, K), grad (O, H', W') -> (C, H, W)."""
    kernel = weights.shape[-1]
    spread = _padded(dilated(grad, stride), kernel - 1)
    full = np.array([sum(correlate(spread[o], rot180(weights[o, c])) for o in range(len(grad)))
                     for c in range(shape[0])])
    height, width = shape[1] + 2 * padding, shape[2] + 2 * padding
    whole = np.zeros((shape[0], height, width))
    whole[:, :full.shape[1], :full.shape[2]] = full          # rows no window reaches stay 0
    return whole[:, padding:height - padding, padding:width - padding]


def im2col(x: np.ndarray, kernel: int, stride: int, padding: int) -> np.ndarray:
    """X_col: one column per output position (row-major), one row per (channel, p, q)."""
    windows = sliding_window_view(_padded(x, padding), (kernel, kernel), axis=(1, 2))[:, ::stride, ::stride]
    channels, out_h, out_w = windows.shape[:3]
    return windows.transpose(0, 3, 4, 1, 2).reshape(channels * kernel * kernel, out_h * out_w)


def col2im(columns: np.ndarray, shape: tuple[int, int, int], kernel: int, stride: int, padding: int) -> np.ndarray:
    """The adjoint of im2col: each column's entries added back where they were read."""
    channels, height, width = shape[0], shape[1] + 2 * padding, shape[2] + 2 * padding
    out_h, out_w = (height - kernel) // stride + 1, (width - kernel) // stride + 1
    pieces = columns.reshape(channels, kernel, kernel, out_h, out_w)
    whole = np.zeros((channels, height, width))
    for p in range(kernel):
        for q in range(kernel):
            whole[:, p:p + stride * out_h:stride, q:q + stride * out_w:stride] += pieces[:, p, q]
    return whole[:, padding:height - padding, padding:width - padding]


@dataclass(frozen=True)
class ConvMatrixForms:
    """One sample's matrix forms of one conv layer, and whether each equals the kernels' numbers."""
    rotated: np.ndarray            # rot180(W), (O, C, K, K)
    spread: np.ndarray             # dil_s(G), (O, ·, ·)
    weight_gradient: np.ndarray    # by the correlation
    input_gradient: np.ndarray     # by the full convolution with the rotated kernel
    columns: np.ndarray            # X_col
    im2col_weight_gradient: np.ndarray
    im2col_input_gradient: np.ndarray
    proven: tuple[tuple[str, bool], ...]


def matrix_forms(x, weights, grad, stride: int, padding: int, kernel_weight_gradient, kernel_input_gradient,
                 rtol: float = 1e-12) -> ConvMatrixForms:
    """x (C, H, W), weights (O, C, K, K), grad (O, H', W'); the kernels' ∂L/∂W of this one sample
    (the summed error's) and ∂L/∂X, to hold the forms to."""
    kernel = weights.shape[-1]
    by_correlation = weight_gradient(x, grad, kernel, stride, padding)
    by_rotation = input_gradient(weights, grad, x.shape, stride, padding)
    columns = im2col(x, kernel, stride, padding)
    flat_grad = grad.reshape(len(grad), -1)
    im2col_w = (flat_grad @ columns.T).reshape(weights.shape)
    im2col_x = col2im(weights.reshape(len(weights), -1).T @ flat_grad, x.shape, kernel, stride, padding)

    def equal(a, b):
        return bool(np.allclose(a, b, rtol=rtol, atol=rtol * max(1.0, float(np.abs(b).max(initial=0)))))
    proven = (("the weight gradient as the correlation of the input with the upstream gradient",
               equal(by_correlation, kernel_weight_gradient)),
              ("the input gradient as the full convolution with the rotated kernel",
               equal(by_rotation, kernel_input_gradient)),
              ("the weight gradient by im2col", equal(im2col_w, kernel_weight_gradient)),
              ("the input gradient by im2col and col2im", equal(im2col_x, kernel_input_gradient)))
    return ConvMatrixForms(rot180(weights), dilated(grad, stride), by_correlation, by_rotation, columns, im2col_w,
                           im2col_x, proven)
