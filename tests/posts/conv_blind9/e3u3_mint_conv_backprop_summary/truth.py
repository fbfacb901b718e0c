"""Independent truth for tests/posts/conv_blind9/e3u3_mint_conv_backprop_summary (NumPy and torch, no derive).

The note's layer: a batched multi-channel 2D convolution (a cross-correlation, no padding) z^l = x^l * k^l, input
x (N, C^{l-1}, H^{l-1}, W^{l-1}), kernel k (C^l, C^{l-1}, F, F), output z (N, C^l, H^l, W^l), all indices 0-based as
the note's sums are; first with unit stride (lines 3-39), then with stride S (lines 43-58). The bias b^l of the note's
Z = X * K + b is left out of its index formulas and does not change the kernel or input gradients; it is left out here
too. delta = dL/dz for L = sum(G * z), G random. torch conv2d, autograd and torch Jacobians are the reference.
Unit stride: N = 2, C^{l-1} = 2, C^l = 3, F = 3, 6 x 5 input (4 x 3 output). Stride S = 2: 7 x 9 input (3 x 4 output,
H^{l-1} - F divisible by S, so no input row is left out of the last window). Readings: in line 24 a term whose z index
falls outside the output map is dropped (the note 'temporarily ignore[s] the board problem' and then pads with zeros);
ddot-delta is delta padded with F - 1 zeros on each side, hat-k the kernel rotated by 180 degrees with its two channel
axes exchanged, tilde the exchange of the batch and channel axes, check-delta delta with S - 1 zeros inserted between
rows and columns ((H^l - 1) S + 1 rows). Sum ranges are read literally: in lines 56-58 h runs over 0..H^l - 1 as
printed, not over the (H^l - 1) S + 1 rows of the dilated map."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(91)
T = lambda a: torch.tensor(a, dtype=torch.float64)
N, Ci, Co, Fk = 2, 2, 3, 3
k = rng.normal(size=(Co, Ci, Fk, Fk))


def layer(x, kern, S):
    xt, kt = T(x).requires_grad_(), T(kern).requires_grad_()
    z = F.conv2d(xt, kt, stride=S)
    G = rng.normal(size=tuple(z.shape))
    (z * T(G)).sum().backward()
    return z.detach().numpy(), G, xt.grad.numpy(), kt.grad.numpy()


# ================= unit stride, lines 3-39
x = rng.normal(size=(N, Ci, 6, 5))
z, delta, dx, dk = layer(x, k, 1)
Hl, Wl = z.shape[2:]
Jk = torch.autograd.functional.jacobian(lambda kk: F.conv2d(T(x), kk), T(k)).numpy()   # [n,c,h,w, c,c',i,j]
Jx = torch.autograd.functional.jacobian(lambda xx: F.conv2d(xx, T(k)), T(x)).numpy()   # [n,c',h',w', n,c,h,w]
I, J = range(Fk), range(Fk)

row3 = np.array([[[[sum(x[n, cp, h + i, w + j] * k[c, cp, i, j] for cp in range(Ci) for i in I for j in J)
                    for w in range(Wl)] for h in range(Hl)] for c in range(Co)] for n in range(N)])
decide(3, np.allclose(row3, z), "z_{n,c,h,w} = sum_{c'} sum_i sum_j x_{n,c',h+i,w+j} k_{c,c',i,j} against torch conv2d (stride 1)")

row9 = np.einsum("nchw,nchwCDij->CDij", delta, Jk)
decide(9, np.allclose(row9, dk), "dL/dk_{c,c',i,j} = sum_n sum_h sum_w dL/dz_{n,c,h,w} dz_{n,c,h,w}/dk_{c,c',i,j} "
       "(Jacobian; entries with another output channel are zero, so the sum over c drops) against autograd")
row10 = np.array([[[[sum(delta[n, c, h, w] * x[n, cp, h + i, w + j] for n in range(N) for h in range(Hl) for w in range(Wl))
                     for j in J] for i in I] for cp in range(Ci)] for c in range(Co)])
decide(10, np.allclose(row10, dk), "= sum_n sum_h sum_w dL/dz_{n,c,h,w} x_{n,c',h+i,w+j} against autograd")
decide(11, np.allclose(row10, dk), "= sum_n sum_h sum_w delta_{n,c,h,w} x_{n,c',h+i,w+j}, delta = dL/dz (the same sum)")
xt_ = x.transpose(1, 0, 2, 3); dt_ = delta.transpose(1, 0, 2, 3)                      # tilde: batch <-> channel
row17 = np.array([[[[sum(xt_[cp, n, i + h, j + w] * dt_[c, n, h, w] for n in range(N) for h in range(Hl) for w in range(Wl))
                     for j in J] for i in I] for cp in range(Ci)] for c in range(Co)])
decide(17, np.allclose(row17, dk), "dL/dk_{c,c',i,j} = sum_n sum_h sum_w xtilde_{c',n,i+h,j+w} deltatilde_{c,n,h,w}, "
       "tilde the exchange of the batch and channel axes")
conv19 = F.conv2d(T(xt_), T(dt_)).numpy()                                                # [c', c, i, j]
decide(19, conv19.shape == (Ci, Co, Fk, Fk) and np.allclose(conv19.transpose(1, 0, 2, 3), dk),
       "conv2d of xtilde (batch c', channels n, H^{l-1} x W^{l-1}) with deltatilde as kernel (out channel c, input "
       "channel n, H^l x W^l) gives an F x F map per (c', c) equal to dL/dk_{c,c',i,j}")


def zget(a, n, c, h, w):
    """an entry of a (N, C, H, W) map; outside the map 0 (the term is dropped)"""
    return a[n, c, h, w] if 0 <= h < a.shape[2] and 0 <= w < a.shape[3] else 0.0


def Jxget(n, cp, hp, wp, c, h, w):
    return Jx[n, cp, hp, wp, n, c, h, w] if 0 <= hp < Hl and 0 <= wp < Wl else 0.0


Hi, Wi = x.shape[2:]
S1 = lambda f: np.array([[[[f(n, c, h, w) for w in range(Wi)] for h in range(Hi)] for c in range(Ci)] for n in range(N)])
row24 = S1(lambda n, c, h, w: sum(zget(delta, n, cp, h - Fk + 1 + i, w - Fk + 1 + j)
                                  * Jxget(n, cp, h - Fk + 1 + i, w - Fk + 1 + j, c, h, w)
                                  for cp in range(Co) for i in I for j in J))
decide(24, np.allclose(row24, dx), "dL/dx_{n,c,h,w} = sum_{c'} sum_i sum_j dL/dz_{n,c',h-F+1+i,w-F+1+j} dz/dx_{n,c,h,w} "
       "(Jacobian; terms whose z index falls outside the map dropped) against autograd")
row25 = S1(lambda n, c, h, w: sum(zget(delta, n, cp, h - Fk + 1 + i, w - Fk + 1 + j) * k[cp, c, Fk - 1 - i, Fk - 1 - j]
                                  for cp in range(Co) for i in I for j in J))
decide(25, np.allclose(row25, dx), "= sum_{c'} sum_i sum_j dL/dz_{n,c',h-F+1+i,w-F+1+j} k_{c',c,F-1-i,F-1-j} against autograd")
dd = np.pad(delta, ((0, 0), (0, 0), (Fk - 1, Fk - 1), (Fk - 1, Fk - 1)))                   # ddot-delta
row34 = S1(lambda n, c, h, w: sum(dd[n, cp, h + i, w + j] * k[cp, c, Fk - 1 - i, Fk - 1 - j]
                                  for cp in range(Co) for i in I for j in J))
decide(34, np.allclose(row34, dx), "= sum_{c'} sum_i sum_j ddotdelta_{n,c',h+i,w+j} k_{c',c,F-1-i,F-1-j}, ddotdelta = "
       "dL/dz padded with F - 1 zeros on each side (display lines 33-34)")
khat = np.flip(k, axis=(2, 3)).transpose(1, 0, 2, 3)                                     # [c, c', i, j]
row36 = S1(lambda n, c, h, w: sum(dd[n, cp, h + i, w + j] * khat[c, cp, i, j] for cp in range(Co) for i in I for j in J))
decide(36, np.allclose(row36, dx) and np.allclose(F.conv2d(T(dd), T(khat.copy())).numpy(), dx),
       "= sum_{c'} sum_i sum_j ddotdelta_{n,c',h+i,w+j} khat_{c,c',i,j}, khat the kernel rotated by 180 degrees with the "
       "channels exchanged: the valid correlation of the padded delta with khat (display lines 35-36)")

# ================= stride S, lines 43-58
S = 2
x = rng.normal(size=(N, Ci, 7, 9))
z, delta, dx, dk = layer(x, k, S)
Hl, Wl = z.shape[2:]
Jk = torch.autograd.functional.jacobian(lambda kk: F.conv2d(T(x), kk, stride=S), T(k)).numpy()
row43 = np.array([[[[sum(x[n, cp, h * S + i, w * S + j] * k[c, cp, i, j] for cp in range(Ci) for i in I for j in J)
                     for w in range(Wl)] for h in range(Hl)] for c in range(Co)] for n in range(N)])
decide(43, np.allclose(row43, z), "z_{n,c,h,w} = sum_{c'} sum_i sum_j x_{n,c',hS+i,wS+j} k_{c,c',i,j} against torch conv2d, stride 2")
decide(48, np.allclose(np.einsum("nchw,nchwCDij->CDij", delta, Jk), dk),
       "dL/dk_{c,c',i,j} = sum_n sum_h sum_w dL/dz_{n,c,h,w} dz_{n,c,h,w}/dk_{c,c',i,j} (Jacobian) against autograd")
Kd = lambda f: np.array([[[[f(c, cp, i, j) for j in J] for i in I] for cp in range(Ci)] for c in range(Co)])
row49 = Kd(lambda c, cp, i, j: sum(delta[n, c, h, w] * x[n, cp, h * S + i, h * S + j]
                                   for n in range(N) for h in range(Hl) for w in range(Wl)))
right49 = Kd(lambda c, cp, i, j: sum(delta[n, c, h, w] * x[n, cp, h * S + i, w * S + j]
                                     for n in range(N) for h in range(Hl) for w in range(Wl)))
assert np.allclose(right49, dk)
decide(49, np.allclose(row49, dk), "= sum_n sum_h sum_w dL/dz_{n,c,h,w} x_{n,c',hS+i,hS+j}: the column index hS + j "
       "should be wS + j (with it the sum equals autograd); as printed every term reads column hS + j of row hS + i")
dck = np.zeros((N, Co, (Hl - 1) * S + 1, (Wl - 1) * S + 1)); dck[:, :, ::S, ::S] = delta   # check-delta
full = Kd(lambda c, cp, i, j: sum(dck[n, c, h, w] * x[n, cp, h + i, w + j]
                                  for n in range(N) for h in range(dck.shape[2]) for w in range(dck.shape[3])))
assert np.allclose(full, dk)      # over the whole dilated map the sum is the kernel gradient
row56 = Kd(lambda c, cp, i, j: sum(dck[n, c, h, w] * x[n, cp, h + i, w + j]
                                   for n in range(N) for h in range(Hl) for w in range(Wl)))
print(f"   (lines 56-58: the dilated delta has {dck.shape[2]} x {dck.shape[3]} entries, the printed sums run over "
      f"{Hl} x {Wl}; over the whole dilated map they give autograd's dL/dk)")
decide(56, np.allclose(row56, dk), "= sum_n sum_{h=0}^{H^l-1} sum_{w=0}^{W^l-1} dL/dzcheck_{n,c,h,w} x_{n,c',h+i,w+j}: "
       "the zero-inserted map has (H^l - 1) S + 1 rows and (W^l - 1) S + 1 columns, the printed ranges stop at H^l - 1 "
       "and W^l - 1, so the entries of delta beyond rows/columns (H^l - 1)/S are left out")
decide(57, np.allclose(row56, dk), "= the same sum with checkdelta for dL/dzcheck: the ranges of line 56 again")
xt_ = x.transpose(1, 0, 2, 3); dct = dck.transpose(1, 0, 2, 3)
row58 = Kd(lambda c, cp, i, j: sum(xt_[cp, n, h + i, w + j] * dct[c, n, h, w]
                                   for n in range(N) for h in range(Hl) for w in range(Wl)))
decide(58, np.allclose(row58, dk), "= sum xtilde_{c',n,h+i,w+j} checkdeltatilde_{c,n,h,w} over the same ranges as line 56")
finish()
