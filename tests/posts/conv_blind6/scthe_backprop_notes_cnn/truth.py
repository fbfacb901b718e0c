"""Independent truth for tests/posts/conv_blind6/scthe_backprop_notes_cnn (NumPy and torch, no derive).

The notes' layer: a multi-channel 'valid' convolution between layer l (n^l maps of w^(l) x h^(l), values
y^(l) = f_a(x^(l))) and layer l+1 (n^(l+1) maps of w^(l+1) x h^(l+1)):
x^(l+1)_{i,j,n} = sum_a sum_b sum_k W^(l)_{abnk} y^(l)_{(i+a),(j+b),k} + b_n, a, b in [0, f), k in [0, n^l) (the
ranges the notes give), a cross-correlation (torch conv2d with weight[n, k, a, b] = W_abnk), then
y^(l+1) = f_a(x^(l+1)). delta^(l) = dJ/dx^(l), the notes' error term (dJ/dx, before the activation). Arrays are held
as [k, i, j]: i the first spatial index (range w_img), j the second (range h_img). Here n^l = 2, n^(l+1) = 3,
w^(l) = 6, h^(l) = 5, f = 3, f_a = tanh and J = sum(H * tanh(x^(l+1))) for a random H, so delta^(l+1) is not constant.
Sums over a, b read with the ranges [0, f); in the delta formula a term whose index (i+a, j+b) falls outside layer
l+1 is left out (the 'bounds check' the notes ask for). torch conv2d and autograd are the reference; Jacobians from
torch.autograd.functional.jacobian."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402

rng = np.random.default_rng(83)
nl, nl1, w, h, f = 2, 3, 6, 5, 3
w1, h1 = w - f + 1, h - f + 1
T = lambda a: torch.tensor(a, dtype=torch.float64)
Xl = rng.normal(size=(nl, w, h))                       # x^(l), before the activation
W = rng.normal(size=(f, f, nl1, nl))                   # W_abnk
bias = rng.normal(size=nl1)
H = rng.normal(size=(nl1, w1, h1))
weight = lambda Wt: Wt.permute(2, 3, 0, 1)             # (a, b, n, k) -> torch's (n, k, a, b)
conv = lambda y, Wt, bt: F.conv2d(y[None], weight(Wt), bt)[0]

xl = T(Xl).requires_grad_(); Wt = T(W).requires_grad_(); bt = T(bias).requires_grad_()
yl = torch.tanh(xl)
xl1 = conv(yl, Wt, bt); xl1.retain_grad()
(T(H) * torch.tanh(xl1)).sum().backward()
Yl, Xl1 = yl.detach().numpy(), xl1.detach().numpy()
d_l, d_l1, dW, db = xl.grad.numpy(), xl1.grad.numpy(), Wt.grad.numpy(), bt.grad.numpy()
fprime = 1 - np.tanh(Xl) ** 2

# ---- sizes, lines 33 and 38
shapes_ok = all(F.conv2d(torch.zeros(1, 1, ww, hh), torch.zeros(1, 1, ff, ff)).shape[2:] == (ww - ff + 1, hh - ff + 1)
                for ww, hh, ff in [(6, 5, 3), (9, 4, 2), (7, 7, 5), (4, 8, 1)])
decide(33, shapes_ok, "w^(l+1) = w^(l) - f + 1 and h^(l+1) = h^(l) - f + 1 for a 'valid' convolution (torch output shapes)")
x3 = torch.zeros(1, 1, 12, 10)
for ff in (3, 2, 4):
    x3 = F.conv2d(x3, torch.zeros(1, 1, ff, ff))
decide(38, tuple(x3.shape[2:]) == (12 - 3 - 2 - 4 + 3, 10 - 3 - 2 - 4 + 3),
       "after three layers with kernels f1, f2, f3: w^(L) = w^(1) - f1 - f2 - f3 + 3 (torch shapes, 12 x 10 through 3, 2, 4)")

# ---- forward, lines 51 and 55
fwd = np.zeros((nl1, w1, h1))
for n in range(nl1):
    for i in range(w1):
        for j in range(h1):
            fwd[n, i, j] = sum(W[a, b, n, k] * Yl[k, i + a, j + b] for a in range(f) for b in range(f) for k in range(nl)) + bias[n]
decide(51, np.allclose(fwd, Xl1), "x^(l+1)_{i,j,n} = sum_a sum_b sum_k W_abnk y^(l)_{(i+a),(j+b),k} + b_n, a, b in [0, f), "
       "against torch conv2d")
decide(55, np.allclose(np.tanh(Xl1), torch.tanh(xl1).detach().numpy()), "y^(l+1) = f_a(x^(l+1)) (definition)")

# ---- deltas, lines 74, 87, 90
printed = np.zeros_like(Xl)
for k in range(nl):
    for i in range(w):
        for j in range(h):
            printed[k, i, j] = fprime[k, i, j] * sum(W[a, b, n, k] * d_l1[n, i + a, j + b]
                                                     for a in range(f) for b in range(f) for n in range(nl1)
                                                     if i + a < w1 and j + b < h1)
minus = np.zeros_like(Xl)
for k in range(nl):
    for i in range(w):
        for j in range(h):
            minus[k, i, j] = fprime[k, i, j] * sum(W[a, b, n, k] * d_l1[n, i - a, j - b]
                                                   for a in range(f) for b in range(f) for n in range(nl1)
                                                   if 0 <= i - a < w1 and 0 <= j - b < h1)
print(f"   (line 74: max |printed - autograd| = {np.abs(printed - d_l).max():.3f}; with (i-a), (j-b) it agrees: "
      f"{np.allclose(minus, d_l)})")
decide(74, np.allclose(printed, d_l), "delta^(l)_{i,j,k} = f_a'(x^(l)_{i,j,k}) sum_{a,b,n} W_abnk delta^(l+1)_{(i+a),(j+b),n} "
       "(out-of-range terms left out): y^(l)_{i,j,k} feeds x^(l+1)_{(i-a),(j-b),n} through W_abnk, so the indices must be "
       "(i-a), (j-b); with (i+a), (j+b) the weights meet the wrong output entries")
Jy = torch.autograd.functional.jacobian(lambda y: conv(y, T(W), T(bias)), T(Yl)).numpy()      # [n, i', j', k, i, j]
pairs = [(Jy[n, i + a, j + b, k, i, j], W[a, b, n, k]) for n in range(nl1) for k in range(nl) for a in range(f) for b in range(f)
         for i in range(w) for j in range(h) if i + a < w1 and j + b < h1]
print(f"   (line 87: dx^(l+1)_(i+a),(j+b),n / dy^(l)_i,j,k equals W_abnk in {sum(np.isclose(p, q) for p, q in pairs)} of "
      f"{len(pairs)} index combinations (those with a = b = 0, or equal weights by chance)")
decide(87, all(np.isclose(p, q) for p, q in pairs), "'W_abnk - propagation weight between y^(l)_{i,j,k} and "
       "x^(l+1)_{(i+a),(j+b),n}': x^(l+1)_{(i+a),(j+b),n} reads y^(l)_{(i+a+a'),(j+b+b'),k}, so y^(l)_{i,j,k} enters it only "
       "for a = b = 0; W_abnk links y^(l)_{i,j,k} with x^(l+1)_{(i-a),(j-b),n} (carried from line 74)")
unchecked(90, "'Sometimes it is written as delta^(l+1)_{(i-a),(j-b),n}. I'm not sure, but this may be a matter of indices': "
          "hedged, no definite claim (the form it mentions is the right one, line 74)")

# ---- parameters, lines 106, 108, 114
ones_y = torch.ones(nl, w, h, dtype=torch.float64)
JW = torch.autograd.functional.jacobian(lambda Wv: conv(ones_y, Wv, T(bias)), T(W)).numpy()   # [n', i, j, a, b, n, k]
uses = np.array([[JW[n, :, :, a, b, n, k].sum() for a in range(f) for b in range(f)] for n in range(nl1) for k in range(nl)])
decide(106, np.allclose(uses, w1 * h1), f"each weight W_abnk is used once per output position of its map: "
       f"w^(l+1) h^(l+1) = {w1 * h1} times")
dW_post = np.zeros_like(W)
for a in range(f):
    for b in range(f):
        for n in range(nl1):
            for k in range(nl):
                dW_post[a, b, n, k] = sum(Yl[k, i + a, j + b] * d_l1[n, i, j] for i in range(w1) for j in range(h1))
decide(108, np.allclose(dW_post, dW), "dJ/dW_abnk = sum_{i < w^(l+1)} sum_{j < h^(l+1)} y^(l)_{(i+a),(j+b),k} "
       "delta^(l+1)_{i,j,n} against autograd")
decide(114, np.allclose(d_l1.sum((1, 2)), db), "dJ/db_n = sum_i sum_j delta^(l+1)_{i,j,n} against autograd")
finish()
