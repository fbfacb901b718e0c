"""bench_code.py's CNN written by hand in NumPy, as a skilled person writes it for this one network:
1x28x28 input, 8 filters 3x3 (stride 1, no padding), ReLU, 2x2 max-pool (stride 2), flatten,
dense 10, softmax with cross-entropy (mean over the batch), float64.

The convolution is im2col (sliding_window_view, one copy into columns) and one batched matrix
product; the pool is the largest of the four interleaved quarters; its backward routes each
window's gradient to the entries equal to the window's maximum. That mask gives a tied window's
gradient to every tied entry where PyTorch picks the first; here ties only happen between ReLU's
zeros, whose gradient the ReLU then zeroes, so the gradients are the same.

params and X, Y as derive names and shapes them: W1 (8, 1, 3, 3), b1 (8,), W4 (10, 1352), b4 (10,);
X (samples, 1, 28, 28), Y (samples, 10).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def gradients(params: dict, X: np.ndarray, Y: np.ndarray) -> dict:
    W1, b1, W4, b4 = params["W1"], params["b1"], params["W4"], params["b4"]
    n = len(X)

    # forward: conv 3x3 as im2col, (n, 9, 26*26), and one product per sample
    cols = sliding_window_view(X, (3, 3), axis=(2, 3)).transpose(0, 1, 4, 5, 2, 3).reshape(n, 9, 26 * 26)
    Z1 = (W1.reshape(8, 9) @ cols + b1[:, None]).reshape(n, 8, 26, 26)
    A1 = np.maximum(Z1, 0.0)
    P = np.maximum(np.maximum(A1[:, :, 0::2, 0::2], A1[:, :, 0::2, 1::2]),
                   np.maximum(A1[:, :, 1::2, 0::2], A1[:, :, 1::2, 1::2]))       # (n, 8, 13, 13)
    F = P.reshape(n, -1)
    Z4 = F @ W4.T + b4
    E = np.exp(Z4 - Z4.max(axis=1, keepdims=True))
    A4 = E / E.sum(axis=1, keepdims=True)

    # backward, the batch's mean taken once at the output
    D4 = (A4 - Y) / n
    dW4, db4 = D4.T @ F, D4.sum(axis=0)
    dP = (D4 @ W4).reshape(P.shape)
    windows = A1.reshape(n, 8, 13, 2, 13, 2)
    dA1 = ((windows == P[:, :, :, None, :, None]) * dP[:, :, :, None, :, None]).reshape(A1.shape)
    dZ1 = (dA1 * (Z1 > 0)).reshape(n, 8, 26 * 26)
    dW1 = (dZ1 @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(W1.shape)
    db1 = dZ1.sum(axis=(0, 2))
    return {"W1": dW1, "b1": db1, "W4": dW4, "b4": db4}
