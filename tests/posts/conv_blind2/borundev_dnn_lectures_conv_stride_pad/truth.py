"""Independent truth for tests/posts/conv_blind2/borundev_dnn_lectures_conv_stride_pad (NumPy and torch, no derive).

The notes' layer, channels last: l^0 [I, i, j, k] (mini-batch, row, column, channel), filter W [alpha, beta, k, m]
of K x K, zero padding P, stride s, l^1 [I, i, j, m] = sum_{alpha,beta,k} l~^0_{I, s i + alpha, s j + beta, k}
W_{alpha,beta,k,m} with l~^0 the zero-padded input; indices 0-based (alpha, beta in 0..K-1), as the notebook's code
has them. torch conv2d (a cross-correlation) and autograd are the reference; a gradient index that is not an
integer or falls outside l^1 contributes nothing. Here N = 2, 5x5 images of 2 channels, K = 3, 3 filters, P = 1, s = 2."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(8)
N, n, C, K, M, P, s = 2, 5, 2, 3, 3, 1, 2
l0 = rng.normal(size=(N, n, n, C)); W = rng.normal(size=(K, K, C, M))


def conv(l0, W, P, s):
    x = torch.tensor(l0.transpose(0, 3, 1, 2), requires_grad=True)
    w = torch.tensor(W.transpose(3, 2, 0, 1), requires_grad=True)
    return F.conv2d(x, w, stride=s, padding=P).permute(0, 2, 3, 1), x, w


l1, x, w = conv(l0, W, P, s)
G = rng.normal(size=tuple(l1.shape)); nt = l1.shape[1]
(l1 * torch.tensor(G)).sum().backward()
l1 = l1.detach().numpy(); dl0 = x.grad.numpy().transpose(0, 2, 3, 1); dW = w.grad.numpy().transpose(2, 3, 1, 0)
lp = np.pad(l0, ((0, 0), (P, P), (P, P), (0, 0)))             # the zero-padded array l~^0

printed12 = all(np.allclose(lp[:, P, P, :], l0[:, i, j, :]) for i in range(n) for j in range(n))
decide(12, printed12, "l~^0_{I,P,P,k} = l^0_{I,i,j,k} for every i, j would make every pixel equal to l~^0 at (P, P); "
       f"the padded array holds l^0_{{I,i,j,k}} at (i+P, j+P): {np.allclose(lp[:, P:P + n, P:P + n], l0)}")
l1_21 = np.array([[[np.einsum("Iabk,abkm->Im", lp[:, s * i:s * i + K, s * j:s * j + K, :], W) for j in range(nt)]
                   for i in range(nt)]]).squeeze(0).transpose(2, 0, 1, 3)
decide(21, np.allclose(l1_21, l1), "sum_{alpha,beta,k} l~^0_{I,si+alpha,sj+beta,k} W_{alpha,beta,k,m} against torch "
       "conv2d (stride 2, padding 1), l~^0 the zero-padded input")
ok26 = True
for nn_ in range(3, 10):
    for KK in (1, 2, 3):
        for PP in (0, 1, 2):
            for ss in (1, 2, 3):
                if nn_ + 2 * PP < KK:
                    continue
                y = F.conv2d(torch.zeros(1, 1, nn_, nn_), torch.zeros(1, 1, KK, KK), stride=ss, padding=PP)
                ok26 &= y.shape[2] == (nn_ + 2 * PP - KK) // ss + 1
decide(26, ok26 and nt == (n + 2 * P - K) // s + 1, "[(n + 2P - K)/s] + 1 against torch, n 3..9, K 1..3, P 0..2, s 1..3")
dW31 = np.array([[np.einsum("Iijm,Iijk->km", G, lp[:, a:a + s * nt:s, bb:bb + s * nt:s, :][:, :nt, :nt]) for bb in range(K)]
                 for a in range(K)])
decide(31, np.allclose(dW31, dW), "sum_{I,i,j} dL/dl^1_{I,i,j,m} l~^0_{I,si+alpha,sj+beta,k} against autograd")


def from_G(I, r, c, m):
    """(dL/dl^1)_{I,r,c,m} for a possibly fractional or out-of-range index: 0 there."""
    if r != int(r) or c != int(c) or not (0 <= r < nt and 0 <= c < nt):
        return 0.0
    return G[I, int(r), int(c), m]


d37 = np.zeros_like(l0); d38 = np.zeros_like(l0); d38fix = np.zeros_like(l0)
Wt = lambda a, bb, m, l: W[K - a, K - bb, l, m] if K - a < K and K - bb < K else 0.0   # W_K is outside the filter
for I in range(N):
    for p in range(n):
        for q in range(n):
            for l in range(C):
                for a in range(K):
                    for bb in range(K):
                        for m in range(M):
                            d37[I, p, q, l] += from_G(I, (p + P - a) / s, (q + P - bb) / s, m) * W[a, bb, l, m]
                            g38 = from_G(I, (p + P - K + 1 + a) / s, (q + P - K + 1 + bb) / s, m)
                            d38[I, p, q, l] += g38 * Wt(a, bb, m, l)
                            d38fix[I, p, q, l] += g38 * W[K - 1 - a, K - 1 - bb, l, m]
decide(37, np.allclose(d37, dl0), "sum (dL/dl^1)_{I,(p+P-alpha)/s,(q+P-beta)/s,m} W_{alpha,beta,l,m} against autograd")
decide(38, np.allclose(d38, dl0), f"with W~_{{alpha,beta,m,l}} = W_{{K-alpha,K-beta,l,m}} (line 44; W_K outside the "
       f"filter taken as 0) the sum is off by {np.abs(d38 - dl0).max():.3f}; with W_{{K-1-alpha,K-1-beta,l,m}} it "
       f"matches autograd: {np.allclose(d38fix, dl0)}")
Wt_arr = np.array([[[[Wt(a, bb, m, l) for l in range(C)] for m in range(M)] for bb in range(K)] for a in range(K)])
rot180 = W[::-1, ::-1].transpose(0, 1, 3, 2)                   # W_{K-1-alpha, K-1-beta, l, m} laid out [a, b, m, l]
decide(44, np.allclose(Wt_arr, rot180), "the filter flipped over alpha = 0..K-1 is W_{K-1-alpha,K-1-beta}; "
       "W_{K-alpha,K-beta} is one off (at alpha = 0 it is W_K, outside the filter)")
# line 47: with stride 1 the input gradient is the output gradient, padded by K-1-P, correlated with the flipped filter
l1b, xb, wb = conv(l0, W, P, 1); Gb = rng.normal(size=tuple(l1b.shape)); (l1b * torch.tensor(Gb)).sum().backward()
Wflip = torch.tensor(np.ascontiguousarray(W[::-1, ::-1].transpose(2, 3, 0, 1)))           # (l, m, a, b): out l, in m
full = F.conv2d(torch.tensor(np.ascontiguousarray(Gb.transpose(0, 3, 1, 2))), Wflip, padding=K - 1 - P)
decide(47, np.allclose(full.numpy(), xb.grad.numpy()), "stride 1: dL/dl^0 is dL/dl^1 (padded by K-1-P) correlated "
       "with the filter rotated by 180 degrees, i.e. convolved with the filter")
finish()
