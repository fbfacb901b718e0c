"""bench_code.py's LSTM written by hand in NumPy, as a skilled person writes it for this one network:
vectors (samples, T, d) -> an LSTM (hidden H, PyTorch's gate order i, f, g, o, one bias) at every
step -> a dense layer at every position -> softmax with cross-entropy against a target id per
position (each sample's mean over its positions, the mean over the samples), float64.

The gates are stacked: every step's input part is one product before the loop, a step's recurrent
part one product, and the weights' gradients products after the backward loop.

params as derive names them: Wi2, Wf2, Wg2, Wo2 (H, d), Ui2 ... (H, H), bi2 ... (H,), W3 (k, H), b3 (k,);
X (samples, T, d), Y (samples, T) ids.
"""

from __future__ import annotations

import numpy as np

GATES = "ifgo"


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def gradients(params: dict, X: np.ndarray, Y: np.ndarray) -> dict:
    W = np.concatenate([params[f"W{g}2"] for g in GATES])
    U = np.concatenate([params[f"U{g}2"] for g in GATES])
    b = np.concatenate([params[f"b{g}2"] for g in GATES])
    V, c = params["W3"], params["b3"]
    n, T, _ = X.shape
    H = U.shape[1]

    # forward
    A = X @ W.T + b
    gates = np.empty((n, T, 4 * H))
    C = np.empty((n, T, H))
    S = np.empty((n, T, H))
    h, cell = np.zeros((n, H)), np.zeros((n, H))
    for t in range(T):
        a = A[:, t] + h @ U.T
        gates[:, t, :2 * H] = _sigmoid(a[:, :2 * H])
        gates[:, t, 2 * H:3 * H] = np.tanh(a[:, 2 * H:3 * H])
        gates[:, t, 3 * H:] = _sigmoid(a[:, 3 * H:])
        i, f, g, o = (gates[:, t, k * H:(k + 1) * H] for k in range(4))
        cell = f * cell + i * g
        h = o * np.tanh(cell)
        C[:, t], S[:, t] = cell, h
    Z = S @ V.T + c
    P = np.exp(Z - Z.max(axis=2, keepdims=True))
    P /= P.sum(axis=2, keepdims=True)

    # backward
    dZ = P
    np.put_along_axis(dZ, Y[..., None], np.take_along_axis(dZ, Y[..., None], axis=2) - 1.0, axis=2)
    dZ /= T * n
    grads = {"W3": np.tensordot(dZ, S, axes=((0, 1), (0, 1))), "b3": dZ.sum(axis=(0, 1))}
    dS_out = dZ @ V
    dA = np.empty_like(gates)
    dh, dc = np.zeros((n, H)), np.zeros((n, H))
    for t in reversed(range(T)):
        i, f, g, o = (gates[:, t, k * H:(k + 1) * H] for k in range(4))
        tc = np.tanh(C[:, t])
        dh = dh + dS_out[:, t]
        dc = dc + dh * o * (1.0 - tc ** 2)
        previous = C[:, t - 1] if t else np.zeros((n, H))
        dA[:, t, :H] = dc * g * i * (1.0 - i)
        dA[:, t, H:2 * H] = dc * previous * f * (1.0 - f)
        dA[:, t, 2 * H:3 * H] = dc * i * (1.0 - g ** 2)
        dA[:, t, 3 * H:] = dh * tc * o * (1.0 - o)
        dh = dA[:, t] @ U
        dc = dc * f
    dW = np.tensordot(dA, X, axes=((0, 1), (0, 1)))
    dU = np.tensordot(dA[:, 1:], S[:, :-1], axes=((0, 1), (0, 1)))
    db = dA.sum(axis=(0, 1))
    for k, gate in enumerate(GATES):
        rows = slice(k * H, (k + 1) * H)
        grads[f"W{gate}2"], grads[f"U{gate}2"], grads[f"b{gate}2"] = dW[rows], dU[rows], db[rows]
    return grads
