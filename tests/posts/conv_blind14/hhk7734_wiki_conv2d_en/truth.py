"""Independent truth for tests/posts/conv_blind14/hhk7734_wiki_conv2d_en (NumPy and torch, no derive).

The page (a Docusaurus wiki page in English, hhk7734/wiki, 'Convolution 2D') writes the layer
z^l_ij = sum_m sum_n a^{l-1}_{i+m,j+n} (omega')^l_mn + b^l_ij (a bias per output position, as its bias gradient
dLoss/db_ij = delta_ij needs), A^l = sigma(A^{l-1} * W^l + B^l), defines '*' as the convolution with the flipped kernel
K(m, n) = K'(M-1-m, N-1-n), so that I * K = I (x) K' (the cross-correlation with K'), and derives delta^l, the kernel
and the bias gradients by index sums. Every formula is evaluated as printed in float64 on random values against
torch conv2d and autograd (Jacobians from torch.autograd.functional.jacobian); sigma is the sigmoid. Indices count
from 0 (the page's K'(M-1-m, N-1-n)); omega'_{i-x, j-y} outside the kernel is the zero entry of a derivative that
vanishes there (line 112 comes from dz^{l+1}_xy/dz^l_ij, which is 0 when z^l_ij is outside the window)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(7734)
T = lambda a: torch.tensor(np.ascontiguousarray(a, dtype=np.float64))
sig = torch.sigmoid
rot = lambda a: torch.flip(a, [-2, -1])
jac = torch.autograd.functional.jacobian
xcorr = lambda a, k: F.conv2d(a[None, None], k[None, None])[0, 0]
M = N = 3


def z_printed(a, wp, b):
    """line 2 as printed: z_ij = sum_m sum_n a_{i+m,j+n} omega'_mn + b_ij, valid range"""
    H, W = a.shape[0] - M + 1, a.shape[1] - N + 1
    return torch.stack([torch.stack([sum(a[i + m, j + n] * wp[m, n] for m in range(M) for n in range(N)) + b[i, j]
                                     for j in range(W)]) for i in range(H)])


def conv_star(I, K):
    """lines 21-22 as printed: (I * K)_ij = sum_m sum_n I(i+m, j+n) K(M-1-m, N-1-n)"""
    H, W = I.shape[0] - M + 1, I.shape[1] - N + 1
    return torch.stack([torch.stack([sum(I[i + m, j + n] * K[M - 1 - m, N - 1 - n] for m in range(M) for n in range(N))
                                     for j in range(W)]) for i in range(H)])


a0 = T(rng.normal(size=(7, 7)))
wp = T(rng.normal(size=(3, 3)))
b = T(rng.normal(size=(5, 5)))
z = z_printed(a0, wp, b)
decide(2, torch.allclose(z, xcorr(a0, wp) + b), "z_ij = sum_m sum_n a_{i+m,j+n} omega'_mn + b_ij (definition; the "
       "braces are LaTeX grouping, the bias is added once) against torch conv2d")
Wl = rot(wp)                                                   # W^l, the K of line 16 whose K' is omega'
decide(6, torch.allclose(sig(conv_star(a0, Wl) + b), sig(z)), "A^l = sigma(Z^l) = sigma(A^{l-1} * W^l + B^l) with the "
       "page's '*' and W^l(m, n) = omega'(M-1-m, N-1-n) (line 16)")
Kp = T(rng.normal(size=(3, 3)))
K = torch.stack([torch.stack([Kp[M - 1 - m, N - 1 - n] for n in range(N)]) for m in range(M)])
decide(16, torch.allclose(K, rot(Kp)), "K(m, n) = K'(M-1-m, N-1-n): K is K' turned by 180 degrees (definition)")
I = T(rng.normal(size=(6, 6)))
decide(22, torch.allclose(conv_star(I, K), F.conv2d(I[None, None], rot(K)[None, None])[0, 0]), "(I * K)_ij = "
       "sum_m sum_n I(i+m, j+n) K(M-1-m, N-1-n): the valid true convolution (definition)")
decide(23, torch.allclose(conv_star(I, K), xcorr(I, Kp)), "= sum_m sum_n I(i+m, j+n) K'(m, n) = (I (x) K')_ij, the "
       "cross-correlation with K'")
Kp35 = T([[9, 8, 7], [6, 5, 4], [3, 2, 1]])
K35 = T([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
decide(35, torch.allclose(K35, rot(Kp35)), "K' = [[9,8,7],[6,5,4],[3,2,1]] and K = [[1,2,3],[4,5,6],[7,8,9]] satisfy "
       "K(m, n) = K'(2-m, 2-n)")

# back-propagation: z^l (5x5) -> a^l = sigma(z^l) -> z^{l+1} = a^l (x) omega'^{l+1} + b^{l+1} (3x3) -> Loss
zl = T(rng.normal(size=(5, 5))).requires_grad_()
wp2 = T(rng.normal(size=(3, 3)))
b2 = T(rng.normal(size=(3, 3)))
zl1 = xcorr(sig(zl), wp2) + b2
zl1.retain_grad()
(T(rng.normal(size=(3, 3))) * torch.tanh(zl1)).sum().backward()
dl, dl1 = zl.grad, zl1.grad
decide(101, True, "delta^l_ij = dLoss/dz^l_ij (definition)")
J = jac(lambda v: xcorr(sig(v), wp2) + b2, zl.detach())       # dz^{l+1}_xy / dz^l_ij
decide(109, torch.allclose(torch.einsum("xy,xyij->ij", dl1, J), dl), "delta^l_ij = sum_x sum_y dLoss/dz^{l+1}_xy "
       "dz^{l+1}_xy/dz^l_ij against autograd")
W = lambda m, n: wp2[m, n] if 0 <= m < M and 0 <= n < N else torch.tensor(0.0)
ds = sig(zl.detach()) * (1 - sig(zl.detach()))
ok112 = all(torch.isclose(J[x, y, i, j], W(i - x, j - y) * ds[i, j]) for x in range(3) for y in range(3)
            for i in range(5) for j in range(5))
s112 = torch.stack([torch.stack([sum(dl1[x, y] * W(i - x, j - y) for x in range(3) for y in range(3)) * ds[i, j]
                                 for j in range(5)]) for i in range(5)])
decide(112, ok112 and torch.allclose(s112, dl), "= sum_x sum_y delta^{l+1}_xy omega'_{i-x,j-y} sigma'(z^l_ij): each "
       "dz^{l+1}_xy/dz^l_ij is omega'_{i-x,j-y} sigma'(z^l_ij), zero outside the kernel")
D = lambda x, y: dl1[x, y] if 0 <= x < 3 and 0 <= y < 3 else torch.tensor(0.0)
s115 = torch.stack([torch.stack([sum(D(i - m, j - n) * wp2[m, n] for m in range(M) for n in range(N)) * ds[i, j]
                                 for j in range(5)]) for i in range(5)])
decide(115, torch.allclose(s115, dl), "= sum_m sum_n delta^{l+1}_{i-m,j-n} omega'_mn sigma'(z^l_ij) (m = i - x, "
       "delta outside its map zero)")
a1 = T(rng.normal(size=(6, 6)))
wq = T(rng.normal(size=(3, 3))).requires_grad_()
bq = T(rng.normal(size=(4, 4))).requires_grad_()
zq = xcorr(a1, wq) + bq
zq.retain_grad()
(T(rng.normal(size=(4, 4))) * sig(zq)).sum().backward()
dq = zq.grad
Jw = jac(lambda v: xcorr(a1, v) + bq.detach(), wq.detach())
decide(125, torch.allclose(torch.einsum("ij,ijmn->mn", dq, Jw), wq.grad), "dLoss/domega'_mn = sum_ij dLoss/dz_ij "
       "dz_ij/domega'_mn against autograd")
s128 = torch.stack([torch.stack([sum(dq[i, j] * a1[i + m, j + n] for i in range(4) for j in range(4))
                                 for n in range(3)]) for m in range(3)])
decide(128, torch.allclose(s128, wq.grad), "= sum_i sum_j delta_ij a_{i+m,j+n}")
Jb = jac(lambda v: xcorr(a1, wq.detach()) + v, bq.detach())
decide(138, torch.allclose(torch.einsum("xy,xyij->ij", dq, Jb), bq.grad), "dLoss/db_ij = sum_x sum_y dLoss/dz_xy "
       "dz_xy/db_ij")
decide(140, torch.allclose(bq.grad, dq), "= delta_ij (a bias per output position)")
finish()
