"""Independent truth for tests/posts/conv_holdout/hicann_opsnn_conv_backward_zh (NumPy and torch, no derive).

The operator is torch's convolution (cross-correlation) with stride, padding and dilation, input x (N, C_in, H_in,
W_in), weight w (C_out, C_in, k_H, k_W), output y; the README states the output sizes with all three parameters,
then gives the gradients. The output-size formulas are checked against torch's conv3d/conv2d; each gradient formula is
evaluated as printed on random values and compared with autograd, under the index readings it could have: 1-based
throughout as its sums are written (i from 1, p from 1), and 0-based with the kernel sums moved to 0..k-1 (the most
lenient reading), at the README's own parameters (stride, padding, dilation) and at stride 1 without padding."""
import itertools
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

floor = np.floor
ok = True
for D, pad, dil, k, s in itertools.product((7, 8, 11), (0, 1, 2), (1, 2), (1, 2, 3), (1, 2, 3)):
    if D + 2 * pad < dil * (k - 1) + 1:
        continue
    y = F.conv3d(torch.zeros(1, 1, D, D + 1, D + 2), torch.zeros(1, 1, k, k, k), stride=s, padding=pad, dilation=dil)
    printed = [floor((Din + 2 * pad - dil * (k - 1) - 1) / s + 1) for Din in (D, D + 1, D + 2)]
    ok &= list(y.shape[2:]) == printed
for line, axis in ((10, "D"), (14, "H"), (18, "W")):
    decide(line, ok, f"{axis}_out = floor((in + 2 pad - dil (k-1) - 1)/stride + 1) equals torch conv3d's output size "
           "over inputs 7..13, padding 0..2, dilation 1..2, kernel 1..3, stride 1..3")

rng = np.random.default_rng(3)
N, Cin, Cout, H, k = 2, 2, 3, 7, 3


def autograd(stride, pad, dil):
    x = torch.tensor(rng.normal(size=(N, Cin, H, H)), requires_grad=True)
    w = torch.tensor(rng.normal(size=(Cout, Cin, k, k)), requires_grad=True)
    b = torch.zeros(Cout, dtype=torch.float64, requires_grad=True)
    y = F.conv2d(x, w, b, stride=stride, padding=pad, dilation=dil)
    dy = torch.tensor(rng.normal(size=y.shape))
    (y * dy).sum().backward()
    return x.detach().numpy(), w.detach().numpy(), dy.numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()


def dx_printed(w, dy, base, prange):
    """sum_{c_out} sum_{p,q in prange} dL/dy[n, c_out, i-p, j-q] w[c_out, c_in, p, q]; indices start at `base`;
    a term whose y index falls outside y is 0 (the README's convolution reading), a w index outside w too."""
    Ho, Wo = dy.shape[2:]
    g = np.zeros((N, Cin, H, H))
    for n, c, i, j in itertools.product(range(N), range(Cin), range(H), range(H)):
        I, J = i + base, j + base
        for co, p, q in itertools.product(range(Cout), prange, prange):
            yi, yj, wp, wq = I - p - base, J - q - base, p - base, q - base
            if 0 <= yi < Ho and 0 <= yj < Wo and 0 <= wp < k and 0 <= wq < k:
                g[n, c, i, j] += dy[n, co, yi, yj] * w[co, c, wp, wq]
    return g


def dw_printed(x, dy, s, base, irange_of):
    """sum_n sum_{i,j} x[n, c_in, i s + p, j s + q] dL/dy[n, c_out, i, j]; indices start at `base`."""
    Ho, Wo = dy.shape[2:]
    g = np.zeros((Cout, Cin, k, k))
    for co, c, p, q in itertools.product(range(Cout), range(Cin), range(k), range(k)):
        P, Q = p + base, q + base
        for n in range(N):
            for I, J in itertools.product(irange_of(Ho), irange_of(Wo)):
                xi, xj, yi, yj = I * s + P - base, J * s + Q - base, I - base, J - base
                if 0 <= xi < H and 0 <= xj < H:
                    g[co, c, p, q] += x[n, c, xi, xj] * dy[n, co, yi, yj]
    return g


one_based = range(1, k + 1)      # p = 1..k_H, as printed
zero_based = range(0, k)         # p = 0..k_H - 1, the lenient reading
results_dx, results_dw = [], []
for stride, pad, dil in ((1, 0, 1), (2, 0, 1), (1, 1, 1), (1, 0, 2), (2, 1, 2)):
    x, w, dy, dx, dw, db = autograd(stride, pad, dil)
    lit = np.allclose(dx_printed(w, dy, 1, one_based), dx)
    len_ = np.allclose(dx_printed(w, dy, 0, zero_based), dx)
    results_dx.append(((stride, pad, dil), lit, len_))
    lit_w = np.allclose(dw_printed(x, dy, stride, 1, lambda n: range(1, n + 1)), dw)
    len_w = np.allclose(dw_printed(x, dy, stride, 0, lambda n: range(0, n)), dw)
    results_dw.append(((stride, pad, dil), lit_w, len_w))
    if (stride, pad, dil) == (2, 1, 2):
        db_ok = np.allclose(dy.sum(axis=(0, 2, 3)), db)
fmt = lambda rs: "; ".join(f"stride {s} pad {p} dil {d}: 1-based {'holds' if a else 'fails'}, 0-based "
                           f"{'holds' if b else 'fails'}" for (s, p, d), a, b in rs)
decide(26, all(a for _, a, _ in results_dx), "dL/dx as printed against autograd: " + fmt(results_dx)
       + " (no stride, padding or dilation in it; its y index i-p is off by one for p from 1)")
decide(34, all(a for _, a, _ in results_dw), "dL/dw as printed against autograd: " + fmt(results_dw)
       + " (no padding or dilation in it; with i and p from 1, x_(i s + p) is one stride past the window)")
decide(40, db_ok, "sum over n, i, j of dL/dy against autograd dL/db (stride 2, padding 1, dilation 2)")

finish()
