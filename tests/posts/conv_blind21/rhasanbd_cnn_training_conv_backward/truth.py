"""Independent truth for tests/posts/conv_blind21/rhasanbd_cnn_training_conv_backward (NumPy and torch, no derive).

The notebook (rhasanbd/Convolutional-Neural-Networks, 'CNN - Training - II') derives the backward pass of a
multi-channel convolutional layer in the index notation Y(i, j, k_in) (input map of layer l-1, n_k channels),
W(i', j', k_in, k) (f_k filters of f_h x f_w x n_k), Z(i, j, k) (output maps) and Y = f(Z): dL/dZ = dL/dY f'(Z), the
input gradient (Task 1, stride 1) in three 'influence' steps and as sum_k sum_i' sum_j' dL/dZ(i',j',k)
W(i - i', j - j', k_in, k), its flipped-filter form on the zero-padded dL/dZ, the forward with strides s_h, s_w, and
the filter gradient (Task 2) as sum_{i=0}^{f_h-1} sum_{j=0}^{f_w-1} dL/dZ(i,j,k) Y(i s_h + i', j s_w + j', k_in) and
as a convolution.
Everything is evaluated as printed in float64 on random values against torch conv2d and autograd (L = sum(G * Z)
for a random G = dL/dZ; the local derivatives dZ/dY and dZ/dW are torch Jacobians). Indices from 0, i the row, j
the column. An index free on both sides of a line (i', j', k in the 'influence equations') is evaluated for every
value, and the line is right only if right for all of them; a sum over an index that is also free on the left-hand
side is read literally (the left side names one entry). Arrays are Strict (an index outside the shape is undefined),
except the terms W(i - i', j - j', ...) outside the filter, which the notebook leaves out (the 9 output locations
'influenced by a single location', the flipped filter kept 'as long as [it] has at least one element in the unpadded
derivative Z map')."""
import sys
from itertools import product
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, Strict and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2101)


def conv(y, w, b, s=(1, 1)):
    """the layer in torch: y (H, W, n_k), w (f_h, f_w, n_k, f_k), b (f_k) -> Z (n_h, n_w, f_k)"""
    return F.conv2d(y.permute(2, 0, 1)[None], w.permute(3, 2, 0, 1), b, stride=s)[0].permute(1, 2, 0)


def setup(H, Wd, nk, fh, fw, fk, s=(1, 1)):
    Y = rng.normal(size=(H, Wd, nk))
    Wt = rng.normal(size=(fh, fw, nk, fk))
    B = rng.normal(size=fk)
    yt, wt = torch.tensor(Y, requires_grad=True), torch.tensor(Wt, requires_grad=True)
    Z = conv(yt, wt, torch.tensor(B), s)
    G = rng.normal(size=Z.shape)
    (Z * torch.tensor(G)).sum().backward()
    return Y, Wt, B, Z.detach().numpy(), G, yt.grad.numpy(), wt.grad.numpy()


# ---- stride 1 (Task 1): Y 6 x 7 x n_k = 2, f_k = 3 filters of 3 x 2 -> Z 4 x 6 x 3
H, Wd, nk, fh, fw, fk = 6, 7, 2, 3, 2, 3
Y, Wt, B, Z, G, dY, dW = setup(H, Wd, nk, fh, fw, fk)
nh, nw = Z.shape[:2]
Jzy = torch.autograd.functional.jacobian(lambda y: conv(y, torch.tensor(Wt), torch.tensor(B)),
                                         torch.tensor(Y)).numpy()        # [i', j', k, i, j, k_in]
Ws, Gs = Strict(Wt), Strict(G)


def w_in(a, b, kin, k):
    """W(a, b, k_in, k) for a term the notebook keeps; None for a position outside the filter"""
    return Ws(a, b, kin, k) if 0 <= a < fh and 0 <= b < fw else None


# line 16: the activation layer, f = tanh
zt = torch.tensor(rng.normal(size=(4, 5, 3)), requires_grad=True)
Gy = rng.normal(size=(4, 5, 3))
(torch.tanh(zt) * torch.tensor(Gy)).sum().backward()
decide(16, np.allclose(Gy * (1 - np.tanh(zt.detach().numpy()) ** 2), zt.grad.numpy()),
       "dL/dZ(i,j,k) = dL/dY(i,j,k) f'(Z(i,j,k)), f = tanh, against autograd")

# line 30: the influence equation, i', j', k free
ok30 = all(np.isclose(dY[i, j, kin], G[a, b, k] * Jzy[a, b, k, i, j, kin])
           for i, j, kin, a, b, k in product(range(H), range(Wd), range(nk), range(nh), range(nw), range(fk)))
decide(30, ok30, "dL/dY(i,j,k_in) = dL/dZ(i',j',k) dZ(i',j',k)/dY(i,j,k_in) with i', j', k free: one path's term, "
       "not the sum over the outputs the total dL/dY is (autograd)")

# line 39: Z(i',j',k) = Y(i,j,k_in) W(i-i', j-j', k_in, k)
ok39 = all(np.isclose(Z[a, b, k], Y[i, j, kin] * Wt[i - a, j - b, kin, k])
           for a, b, k, i, j, kin in product(range(nh), range(nw), range(fk), range(H), range(Wd), range(nk))
           if 0 <= i - a < fh and 0 <= j - b < fw)
decide(39, ok39, "Z(i',j',k) = Y(i,j,k_in) W(i-i', j-j', k_in, k): one of the f_h f_w n_k terms of Z (and no bias), "
       "not Z (torch conv2d)")

# line 44: dZ(i',j',k)/dY(i,j,k_in) = W(i-i', j-j', k_in, k), 0 outside the filter
ok44 = all(np.isclose(Jzy[a, b, k, i, j, kin], w_in(i - a, j - b, kin, k) or 0.0)
           for a, b, k, i, j, kin in product(range(nh), range(nw), range(fk), range(H), range(Wd), range(nk)))
decide(44, ok44, "dZ(i',j',k)/dY(i,j,k_in) = W(i-i', j-j', k_in, k) (no term outside the filter), torch Jacobian")


def wsum(i, j, kin, ks):
    return sum(w_in(i - a, j - b, kin, k) or 0.0 for k in ks for a in range(nh) for b in range(nw))


# line 53: left side one entry, right side the sum over i', j'
ok53 = all(np.isclose(Jzy[a, b, k, i, j, kin], wsum(i, j, kin, [k]))
           for a, b, k, i, j, kin in product(range(nh), range(nw), range(fk), range(H), range(Wd), range(nk)))
summed = all(np.isclose(Jzy[:, :, k, i, j, kin].sum(), wsum(i, j, kin, [k]))
             for k, i, j, kin in product(range(fk), range(H), range(Wd), range(nk)))
print(f"   (line 53: sum_i' sum_j' dZ(i',j',k)/dY(i,j,k_in) equals the right side: {summed})")
decide(53, ok53, "dZ(i',j',k)/dY(i,j,k_in) = sum_i' sum_j' W(i-i', j-j', k_in, k): the left side is one entry "
       "(= W(i-i', j-j')), the right side the sum over all i', j'")
ok63 = all(np.isclose(Jzy[a, b, k, i, j, kin], wsum(i, j, kin, range(fk)))
           for a, b, k, i, j, kin in product(range(nh), range(nw), range(fk), range(H), range(Wd), range(nk)))
decide(63, ok63, "dZ(i',j',k)/dY(i,j,k_in) = sum_k sum_i' sum_j' W(...): the same one entry set equal to a sum, "
       "now also over k (carried from line 53)")

# line 72: line 30 again ('Z/Y' read as dZ/dY)
decide(72, ok30, "dL/dY(i,j,k_in) = dL/dZ(i',j',k) x Z(i',j',k)/Y(i,j,k_in) ('Z/Y' read as dZ/dY): line 30's "
       "single-path term again, no sums (carried)")

# line 74: the Task 1 formula
t74 = np.zeros_like(Y)
for i, j, kin in product(range(H), range(Wd), range(nk)):
    t74[i, j, kin] = sum(Gs(a, b, k) * w for k in range(fk) for a in range(nh) for b in range(nw)
                         if (w := w_in(i - a, j - b, kin, k)) is not None)
decide(74, np.allclose(t74, dY), "dL/dY(i,j,k_in) = sum_k sum_i' sum_j' dL/dZ(i',j',k) W(i-i', j-j', k_in, k) "
       "against autograd (stride 1)")

# line 82: flip the filter, pad dL/dZ(k) with f_h - 1 rows and f_w - 1 columns on each side, correlate at stride 1,
# add the maps k (lines 80-93)
flip = Wt[::-1, ::-1]
pad = np.pad(G, ((fh - 1, fh - 1), (fw - 1, fw - 1), (0, 0)))
t82 = np.zeros_like(Y)
for i, j, kin in product(range(pad.shape[0] - fh + 1), range(pad.shape[1] - fw + 1), range(nk)):
    t82[i, j, kin] = sum((pad[i:i + fh, j:j + fw, k] * flip[:, :, kin, k]).sum() for k in range(fk))
decide(82, t82.shape == dY.shape and np.allclose(t82, dY), "flipped filter over dL/dZ(k) zero-padded by f_h - 1 "
       "rows and f_w - 1 columns on each side, stride 1, summed over the maps k, against autograd")

# line 106: size of the Y derivative map
decide(106, (nh + fh - 1, nw + fw - 1) == dY.shape[:2], f"(n_h + f_h - 1) x (n_w + f_w - 1) = "
       f"{(nh + fh - 1, nw + fw - 1)}, the shape of dL/dY {dY.shape[:2]} (stride 1)")

# line 113: Task 2's influence equation, i, j free
Jzw = torch.autograd.functional.jacobian(lambda w: conv(torch.tensor(Y), w, torch.tensor(B)),
                                         torch.tensor(Wt)).numpy()       # [i, j, k, i', j', k_in, k']
ok113 = all(np.isclose(dW[a, b, kin, k], G[i, j, k] * Jzw[i, j, k, a, b, kin, k])
            for a, b, kin, k, i, j in product(range(fh), range(fw), range(nk), range(fk), range(nh), range(nw)))
decide(113, ok113, "dL/dW(i',j',k_in,k) = dL/dZ(i,j,k) dZ(i,j,k)/dW(i',j',k_in,k) with i, j free: one output's term, "
       "not the sum over the outputs (autograd)")
decide(153, ok113, "line 113 repeated ('Previously we have shown'): the single output's term, no sum (carried)")

# ---- strides (the forward and Task 2): Y 9 x 8 x 2, 3 x 2 filters, s_h = s_w = 2 -> Z 4 x 4 x 3
sh, sw = 2, 2
H2, W2d = 9, 8
Y2, Wt2, B2, Z2, G2, dY2, dW2 = setup(H2, W2d, nk, fh, fw, fk, (sh, sw))
nh2, nw2 = Z2.shape[:2]
Y2s, W2s, G2s = Strict(Y2), Strict(Wt2), Strict(G2)


def forward(kmax):
    out = np.zeros_like(Z2)
    for i, j, k in product(range(nh2), range(nw2), range(fk)):
        out[i, j, k] = B2[k] + sum(Y2s(i * sh + a, j * sw + b, kin) * W2s(a, b, kin, k)
                                   for a in range(fh) for b in range(fw) for kin in range(kmax + 1))
    return out


try:
    t119, e119 = forward(nk), None
except IndexError as e:
    t119, e119 = None, e.args[0]
print(f"   (line 119: k_in = 0 .. n_k reads channel n_k = {nk} of an input with n_k channels: {e119}; with "
      f"k_in = 0 .. n_k - 1 it equals torch conv2d: {np.allclose(forward(nk - 1), Z2)})")
decide(119, t119 is not None and np.allclose(t119, Z2), "Z(i,j,k) = b_k + sum_{i'<f_h} sum_{j'<f_w} "
       "sum_{k_in=0}^{n_k} Y(i s_h + i', j s_w + j', k_in) W(i',j',k_in,k): one channel past the n_k channels")

ok124 = all(np.isclose(Z2[i, j, k], B2[k] + Y2[i * sh + a, j * sw + b, kin] * Wt2[a, b, kin, k])
            for i, j, k, a, b, kin in product(range(nh2), range(nw2), range(fk), range(fh), range(fw), range(nk)))
decide(124, ok124, "Z(i,j,k) = b_k + Y(i s_h + i', j s_w + j', k_in) W(i',j',k_in,k): one term of the sum, not Z")

Jzw2 = torch.autograd.functional.jacobian(lambda w: conv(torch.tensor(Y2), w, torch.tensor(B2), (sh, sw)),
                                          torch.tensor(Wt2)).numpy()
ok128 = all(np.isclose(Jzw2[i, j, k, a, b, kin, k], Y2[i * sh + a, j * sw + b, kin])
            for i, j, k, a, b, kin in product(range(nh2), range(nw2), range(fk), range(fh), range(fw), range(nk)))
decide(128, ok128, "dZ(i,j,k)/dW(i',j',k_in,k) = Y(i s_h + i', j s_w + j', k_in), torch Jacobian, stride 2")


def ysum(a, b, kin, ih, jh):
    return sum(Y2s(i * sh + a, j * sw + b, kin) for i in range(ih) for j in range(jh))


ok144 = all(np.isclose(Jzw2[i, j, k, a, b, kin, k], ysum(a, b, kin, fh, fw))
            for i, j, k, a, b, kin in product(range(nh2), range(nw2), range(fk), range(fh), range(fw), range(nk)))
sum_read = all(np.isclose(Jzw2[:, :, k, a, b, kin, k].sum(), ysum(a, b, kin, fh, fw))
               for k, a, b, kin in product(range(fk), range(fh), range(fw), range(nk)))
print(f"   (line 144: even as sum_i sum_j dZ(i,j,k)/dW the bounds i < f_h = {fh}, j < f_w = {fw} miss outputs of a "
      f"{nh2} x {nw2} map: {sum_read}; with i < n_h, j < n_w: "
      f"{all(np.isclose(Jzw2[:, :, k, a, b, kin, k].sum(), ysum(a, b, kin, nh2, nw2)) for k, a, b, kin in product(range(fk), range(fh), range(fw), range(nk)))})")
decide(144, ok144, "dZ(i,j,k)/dW(i',j',k_in,k) = sum_{i=0}^{f_h-1} sum_{j=0}^{f_w-1} Y(i s_h + i', j s_w + j', k_in): "
       "one entry set equal to a sum, and the sum runs over the filter's extent, not the n_h x n_w outputs")


def dw_formula(ih, jh, Yv, Gv, s, wshape):
    """the notebook's sum over i < ih, j < jh of dL/dZ(i,j,k) Y(i s_h + i', j s_w + j', k_in)"""
    Yv, Gv = Strict(Yv), Strict(Gv)
    out = np.zeros(wshape)
    fh_, fw_ = out.shape[:2]
    for a, b, kin, k in product(range(fh_), range(fw_), range(nk), range(out.shape[3])):
        out[a, b, kin, k] = sum(Gv(i, j, k) * Yv(i * s[0] + a, j * s[1] + b, kin) for i in range(ih) for j in range(jh))
    return out


t156 = dw_formula(fh, fw, Y2, G2, (sh, sw), Wt2.shape)
# the notebook's own example: 5 x 5 input, 3 x 3 filter, stride 1 (3 x 3 output = the filter's size)
Y5, Wt5, B5, Z5, G5, dY5, dW5 = setup(5, 5, nk, 3, 3, fk)
print(f"   (line 156: with i < n_h, j < n_w it equals autograd: {np.allclose(dw_formula(nh2, nw2, Y2, G2, (sh, sw), Wt2.shape), dW2)}; "
      f"on the notebook's 5 x 5 / 3 x 3 example, where n_h = f_h, as printed: "
      f"{np.allclose(dw_formula(3, 3, Y5, G5, (1, 1), Wt5.shape), dW5)})")
decide(156, np.allclose(t156, dW2), "dL/dW(i',j',k_in,k) = sum_{i=0}^{f_h-1} sum_{j=0}^{f_w-1} dL/dZ(i,j,k) "
       "Y(i s_h + i', j s_w + j', k_in): the bounds of line 144 (carried), against autograd on a 4 x 4 output")

# line 162: dL/dW(., ., k_in, k) = dL/dZ(k) * Y(k_in): dL/dZ(k) slid over Y(k_in) (stride 1, line 177)
t162 = np.zeros_like(Wt)
for kin, k in product(range(nk), range(fk)):
    t162[:, :, kin, k] = F.conv2d(torch.tensor(Y[:, :, kin])[None, None], torch.tensor(G[:, :, k])[None, None])[0, 0].numpy()
decide(162, np.allclose(t162, dW), "dL/dW(i',j',k_in,k) = (dL/dZ(k) * Y(k_in))(i',j'), dL/dZ(k) slid over Y(k_in) "
       "as the notebook's forward slides W (valid, stride 1), against autograd")

# lines 171, 177: the 5 x 5 / 3 x 3 example
decide(171, Z5.shape[:2] == (3, 3), f"a 3 x 3 filter over a 5 x 5 map at stride 1 gives {Z5.shape[:2]} (torch conv2d)")
t177 = np.stack([np.stack([F.conv2d(torch.tensor(Y5[:, :, kin])[None, None],
                                    torch.tensor(G5[:, :, k])[None, None])[0, 0].numpy() for k in range(fk)], -1)
                 for kin in range(nk)], 2)
decide(177, t177.shape[:2] == (3, 3) and np.allclose(t177, dW5), "the 3 x 3 dL/dZ slid over the 5 x 5 Y gives the "
       "3 x 3 dL/dW, against autograd")

finish()
