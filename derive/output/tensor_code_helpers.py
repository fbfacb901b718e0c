"""The functions a generated typed-layer module defines (output/tensor_code_rows.py), as source:
each one once, when an op that calls it is used. Each reads arrays of shape (samples, channels,
height, width); their loops run over a kernel's offsets, never over pixels."""

_OFFSET = '''
def _offset(p, q, stride, out_h, out_w):
    """The entries a window's offset (p, q) reads at every output position: a strided slice."""
    return (slice(None), slice(None), slice(p, p + stride * (out_h - 1) + 1, stride),
            slice(q, q + stride * (out_w - 1) + 1, stride))
'''
_IM2COL = '''
def _im2col(x, kernel, stride, padding):
    """Every kernel x kernel window of x, zero-padded by `padding`, at stride `stride`, as a column:
    (samples, channels * kernel * kernel, out_h * out_w), each column in a filter's order
    (channel, row, column). The windows are a strided view; the reshape is the one copy."""
    if padding:
        x = numpy.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = sliding_window_view(x, (kernel, kernel), axis=(2, 3))[:, :, ::stride, ::stride]
    samples, channels, out_h, out_w = windows.shape[:4]
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(samples, channels * kernel * kernel, out_h * out_w)
'''
_COL2IM = '''
def _col2im(columns, shape, kernel, stride, padding):
    """The adjoint of _im2col: each column's entries added back where its window read them, in an
    input of `shape` (the padding cropped off)."""
    samples, channels, height, width = shape
    out_h = (height + 2 * padding - kernel) // stride + 1
    out_w = (width + 2 * padding - kernel) // stride + 1
    windows = columns.reshape(samples, channels, kernel, kernel, out_h, out_w)
    found = numpy.zeros((samples, channels, height + 2 * padding, width + 2 * padding))
    for p in range(kernel):
        for q in range(kernel):
            found[_offset(p, q, stride, out_h, out_w)] += windows[:, :, p, q]
    return found[:, :, padding:padding + height, padding:padding + width]
'''
_MAX_POOL = '''
def _max_pool(x, kernel, stride):
    """The largest entry of each kernel x kernel window of x at stride `stride`."""
    out_h, out_w = (x.shape[2] - kernel) // stride + 1, (x.shape[3] - kernel) // stride + 1
    found = x[_offset(0, 0, stride, out_h, out_w)]
    for p in range(kernel):
        for q in range(kernel):
            if p or q:
                found = numpy.maximum(found, x[_offset(p, q, stride, out_h, out_w)])
    return found
'''
_MAX_POOL_BACKWARD = '''
def _max_pool_backward(x, pooled, upstream, kernel, stride):
    """dJ/dx: each window's upstream routed to its largest entry, the first one on a tie (as PyTorch)."""
    out_h, out_w = pooled.shape[2:]
    tiled = stride == kernel and (out_h * stride, out_w * stride) == x.shape[2:]
    found = numpy.empty_like(x) if tiled else numpy.zeros_like(x)      # tiled: each entry is written once
    free = numpy.ones(pooled.shape, dtype=bool)      # the windows whose largest entry is still to come
    for p in range(kernel):
        for q in range(kernel):
            at = _offset(p, q, stride, out_h, out_w)
            hit = x[at] == pooled
            hit &= free
            free ^= hit
            if stride >= kernel:                     # windows apart: each entry is in one at most
                numpy.multiply(upstream, hit, out=found[at])
            else:
                found[at] += upstream * hit
    return found
'''
_AVG_POOL = '''
def _avg_pool(x, kernel, stride):
    """The mean of each kernel x kernel window of x at stride `stride`."""
    out_h, out_w = (x.shape[2] - kernel) // stride + 1, (x.shape[3] - kernel) // stride + 1
    found = numpy.zeros(x.shape[:2] + (out_h, out_w))
    for p in range(kernel):
        for q in range(kernel):
            found += x[_offset(p, q, stride, out_h, out_w)]
    return found / (kernel * kernel)
'''
_AVG_POOL_BACKWARD = '''
def _avg_pool_backward(upstream, shape, kernel, stride):
    """dJ/dx: each window's upstream shared evenly over its entries."""
    out_h, out_w = upstream.shape[2:]
    share = upstream / (kernel * kernel)
    found = numpy.zeros(shape)
    for p in range(kernel):
        for q in range(kernel):
            found[_offset(p, q, stride, out_h, out_w)] += share
    return found
'''
_SLIDING = "from numpy.lib.stride_tricks import sliding_window_view"
