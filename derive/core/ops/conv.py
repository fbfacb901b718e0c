"""The convolutional ops' numeric rows: conv2d, max-pool, average-pool and flatten, over arrays of
shape (samples, channels, height, width), as PyTorch lays them out.

    conv2d    Z[n,o,i,j] = Σ_c Σ_p Σ_q W[o,c,p,q] Xpad[n,c,s·i+p,s·j+q] + b[o], a cross-correlation
              dW = the input's windows correlated with G; db = G summed over samples and positions;
              dX = G's terms scattered back through each kernel offset (the full convolution with
              the 180°-rotated kernel, its stride dilated), the padding cropped
    max-pool  each window's largest entry (the first, on a tie, as PyTorch takes); dX routes G to it
    avg-pool  each window's mean; dX spreads G evenly over the window
    flatten   (n, c, h, w) -> (n, c·h·w) in C order; dX the same numbers in the input's shape

Windows are strided views of the input (im2col without a copy until the product); the loops run
over the kernel's offsets, never over pixels. The bound kernels follow ops/__init__.py:
forward(**attributes)(inputs) and vjp(needs=, per_sample=, **attributes)(inputs, output, upstream).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Positions of a window of `kernel` along an axis of `size`, padded `padding` on each side."""
    return (size + 2 * padding - kernel) // stride + 1


def _padded(x: np.ndarray, padding: int) -> np.ndarray:
    return x if not padding else np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def _windows(x: np.ndarray, kernel: tuple[int, int], stride: int) -> np.ndarray:
    """(n, c, out_h, out_w, kh, kw): each output position's window, a view of x."""
    return sliding_window_view(x, kernel, axis=(2, 3))[:, :, ::stride, ::stride]


def _scattered(pieces, shape: tuple[int, ...], kernel: tuple[int, int], stride: int, out: tuple[int, int]) -> np.ndarray:
    """The sum, over the kernel's offsets (p, q), of pieces(p, q), (n, c, out_h, out_w), laid back
    where the window's entry (p, q) came from: the adjoint of _windows."""
    found = np.zeros(shape)
    for p in range(kernel[0]):
        for q in range(kernel[1]):
            found[:, :, p:p + stride * out[0]:stride, q:q + stride * out[1]:stride] += pieces(p, q)
    return found


def _cropped(x: np.ndarray, padding: int) -> np.ndarray:
    return x if not padding else x[:, :, padding:-padding, padding:-padding]


# -- conv2d: inputs (X, W) or (X, W, b); W of shape (out channels, in channels, kh, kw) --------------
def conv2d_forward(stride: int = 1, padding: int = 0, **_):
    def conv2d(inputs):
        x, w = inputs[0], inputs[1]
        windows = _windows(_padded(x, padding), w.shape[2:], stride)
        z = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
        return z + inputs[2][:, None, None] if len(inputs) > 2 else z
    return conv2d


def conv2d_vjp(stride: int = 1, padding: int = 0, needs=None, per_sample=None, **_):
    """`needs` and `per_sample` as dense's: which inputs want a term, and the parameters' factor."""
    into, weight, *rest = needs or (True, True, True)
    bias = not rest or rest[0]
    factor = 1.0 if per_sample is None else per_sample

    def conv2d_vjp(inputs, output, upstream):
        x, w = inputs[0], inputs[1]
        padded = _padded(x, padding)
        windows = _windows(padded, w.shape[2:], stride)
        out = upstream.shape[2:]
        into_x = None
        if into:
            # each window entry's term, (n, out_h, out_w, c, kh, kw), laid back on the padded input
            terms = np.tensordot(upstream, w, axes=([1], [0]))
            into_x = _cropped(_scattered(lambda p, q: terms[:, :, :, :, p, q].transpose(0, 3, 1, 2),
                                         padded.shape, w.shape[2:], stride, out), padding)
        into_w = factor * np.tensordot(upstream, windows, axes=([0, 2, 3], [0, 2, 3])) if weight else None
        grads = (into_x, into_w)
        if len(inputs) < 3:
            return grads
        return grads + (factor * upstream.sum(axis=(0, 2, 3)) if bias else None,)
    return conv2d_vjp


# -- pooling: one input, (n, c, h, w); kernel and stride (the kernel, unless given) -----------------
def _pooled_windows(x: np.ndarray, kernel: int, stride: int | None) -> tuple[np.ndarray, int]:
    stride = stride or kernel
    windows = _windows(x, (kernel, kernel), stride)
    return windows.reshape(windows.shape[:4] + (kernel * kernel,)), stride


def max_pool_forward(kernel: int, stride: int | None = None, **_):
    return lambda inputs: _pooled_windows(inputs[0], kernel, stride)[0].max(axis=-1)


def max_pool_vjp(kernel: int, stride: int | None = None, **_):
    def max_pool_vjp(inputs, output, upstream):
        windows, step = _pooled_windows(inputs[0], kernel, stride)
        chosen = windows.argmax(axis=-1)           # the first largest entry of each window
        return (_scattered(lambda p, q: upstream * (chosen == p * kernel + q), inputs[0].shape,
                           (kernel, kernel), step, upstream.shape[2:]),)
    return max_pool_vjp


def avg_pool_forward(kernel: int, stride: int | None = None, **_):
    return lambda inputs: _pooled_windows(inputs[0], kernel, stride)[0].mean(axis=-1)


def avg_pool_vjp(kernel: int, stride: int | None = None, **_):
    def avg_pool_vjp(inputs, output, upstream):
        share = upstream / (kernel * kernel)
        return (_scattered(lambda p, q: share, inputs[0].shape, (kernel, kernel), stride or kernel,
                           upstream.shape[2:]),)
    return avg_pool_vjp


# -- flatten --------------------------------------------------------------------------------------
def flatten_forward(**_):
    return lambda inputs: inputs[0].reshape(len(inputs[0]), -1)


def flatten_vjp(**_):
    return lambda inputs, output, upstream: (upstream.reshape(inputs[0].shape),)
