"""Independent truth for tests/posts/conv_blind26/callmebigking_cnn_conv_pool_backprop (NumPy and torch, no derive).

The source (callMeBigKing/markdownnote, 'CNN卷积层和pooling层的前向传播和反向传播.md', a Chinese note written with the
小书匠 editor) sets up a convolutional layer in Andrew Ng's bracket notation (f, p, s, n_c, W^{[l]} of
f x f x n_c^{[l-1]} x n_c^{[l]}), defines the cross-correlation (I (x) K)_{ij} = sum I(i+m, j+n) K(m, n) and the
convolution (I * K)_{ij} = sum I(i-m, j-n) K(m, n) with their index ranges, writes the forward pass of a convolution
layer (one channel, several channels, padding and stride) and of max / average pooling, and derives dE/dw and
dE/dz^{l-1} for the convolution layer and the backward of max / average pooling.

Notation as the note's: indices from 0, z^l = a^{l-1} (x) w + b, a^l = g(z^l), delta^l = dE/dz^l; arrays are
row x column (x channel); a kernel of k_1 x k_2 (here 3 x 2, so that k_1 and k_2 differ). Every formula is written
out as printed and evaluated in float64 on random values against torch (conv2d, max_pool2d, avg_pool2d), torch
Jacobians and autograd, with E = sum(G * output) for a random G. Reading rules: an array is Strict (an index outside
its shape is undefined, never wrapped) except where the note says out-of-range indices are padding (the convolution,
lines 56-63, the padded forward, line 132, and the backward sums, line 172), where they read 0; g = tanh."""
import sys
from itertools import product
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked, finish, Strict
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish, unchecked  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2601)
T = torch.tensor


def padded(a):
    """The array read with 0 outside its shape (the note's padding)."""
    def get(*idx):
        if any(i < 0 or i >= n for i, n in zip(idx, a.shape)):
            return 0.0
        return a[idx]
    return get


def xcorr_valid(I, K):
    """The valid cross-correlation (torch conv2d, one channel)."""
    return F.conv2d(T(np.ascontiguousarray(I))[None, None], T(np.ascontiguousarray(K))[None, None])[0, 0].numpy()


def conv_full_ref(I, K):
    """The full 2-D convolution by its scatter definition: out[i + m, j + n] += I[i, j] K[m, n]."""
    out = np.zeros((I.shape[0] + K.shape[0] - 1, I.shape[1] + K.shape[1] - 1))
    for i, j, m, n in product(range(I.shape[0]), range(I.shape[1]), range(K.shape[0]), range(K.shape[1])):
        out[i + m, j + n] += I[i, j] * K[m, n]
    return out


# ---- the notation's sizes (lines 13-16), against torch's Conv2d: weight (C_out, C_in, k_1, k_2), bias (C_out,)
C_in, C_out, k1, k2 = 2, 3, 3, 2
conv = torch.nn.Conv2d(C_in, C_out, (k1, k2))
x_in = torch.randn(1, C_in, 6, 7)
out = conv(x_in)
filt = tuple(conv.weight[0].permute(1, 2, 0).shape)
decide(13, filt == (k1, k2, C_in), f"one filter of torch Conv2d, as H x W x C: {filt} = k_1 x k_2 x n_c^[l-1]")
Wsz = tuple(conv.weight.permute(2, 3, 1, 0).shape)
decide(14, Wsz == (k1, k2, C_in, C_out), f"all the weights, H x W x C_in x C_out: {Wsz} (f x f for a square kernel)")
decide(15, tuple(conv.bias.shape) == (C_out,), f"one bias per filter: {tuple(conv.bias.shape)} = n_c^[l]")
zsz = tuple(out[0].permute(1, 2, 0).shape)
decide(16, zsz[2] == C_out, f"z^[l] is n_h x n_w x n_c^[l] with n_c^[l] the number of filters: {zsz}")

# ---- the output size (lines 24-25), over a grid of n, f, s, p, against torch conv2d
ok24, ok25, bad24 = True, True, []
for n, f, s, p in product(range(3, 12), (1, 2, 3, 5), (1, 2, 3, 4), (0, 1, 2)):
    if n + 2 * p < f:
        continue
    nh = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, f, f), stride=s, padding=p).shape[2]
    ok25 &= nh == (n + 2 * p - f) // s + 1
    if not nh * (s - 1) + f <= n + 2 * p:
        bad24.append((n, f, s, p, nh))
        ok24 = False
print(f"   (line 24: n_h^[l](s - 1) + f <= n_h^[l-1] + 2p fails for (n, f, s, p, n_h) = {bad24[:3]} ...; "
      f"(n_h^[l] - 1)s + f <= n_h^[l-1] + 2p holds for every size torch returns)")
decide(24, ok24, "the relation printed, n_h^[l](s - 1) + f <= n_h^[l-1] + 2p, fails for real layers (n = 5, f = 3, "
       "s = 4, p = 0: torch gives n_h = 1 and 1*3 + 3 = 6 > 5): the last window starts at (n_h^[l] - 1)s, so the "
       "relation is (n_h^[l] - 1)s + f <= n_h^[l-1] + 2p (at s = 1 the printed one reduces to f <= n + 2p, with no "
       "n_h in it)")
decide(25, ok25, "n_h = floor((n_h^[l-1] + 2p - f)/s + 1) against torch conv2d's output size over a grid")

# ---- the cross-correlation (lines 38-43): an h x w image, a k_1 x k_2 kernel
h, w = 6, 7
I, K = rng.normal(size=(h, w)), rng.normal(size=(k1, k2))
ref = xcorr_valid(I, K)                                      # (h - k1 + 1) x (w - k2 + 1)
Is, Ks = Strict(I), Strict(K)


def xc38(i, j, nmax):
    return sum(Is(i + m, j + n) * Ks(m, n) for m in range(k1) for n in range(nmax + 1))


try:
    lit = np.array([[xc38(i, j, k2) for j in range(ref.shape[1])] for i in range(ref.shape[0])])
    ok38 = np.allclose(lit, ref)
except IndexError as e:
    ok38 = False
    print(f"   (line 38: the sum over n = 0 .. k_2 reads K{e.args[0]}, outside the k_1 x k_2 kernel)")
fixed = np.array([[xc38(i, j, k2 - 1) for j in range(ref.shape[1])] for i in range(ref.shape[0])])
print(f"   (line 38 with n = 0 .. k_2 - 1 matches torch conv2d: {np.allclose(fixed, ref)})")
decide(38, ok38, "the inner sum runs n = 0 .. k_2, one past the kernel: K(m, k_2) does not exist (k_2 - 1 is the last "
       "column); with the bound k_2 - 1 the line is torch's cross-correlation")
print(f"   (torch's valid cross-correlation of {h} x {w} by {k1} x {k2} is {ref.shape}: i = 0 .. {ref.shape[0] - 1}, "
      f"j = 0 .. {ref.shape[1] - 1}; i = h - k_1 + 1 = {h - k1 + 1} reads the row I({h}, .), outside the image)")
decide(42, h - k1 + 1 == ref.shape[0] - 1, "0 <= i <= h - k_1 + 1 gives h - k_1 + 2 rows; the cross-correlation "
       "without padding has h - k_1 + 1 (i <= h - k_1): at i = h - k_1 + 1 the window I(i + m, .) leaves the image")
decide(43, w - k2 + 1 == ref.shape[1] - 1, "the same bound for the columns: j <= w - k_2 + 1 is one past the last "
       "column w - k_2 of the cross-correlation")

# ---- the continuous convolution (line 51): two normal densities, whose convolution is the N(0, 2) density
tau = np.linspace(-12, 12, 24001)
phi = lambda u, v=1.0: np.exp(-u ** 2 / (2 * v)) / np.sqrt(2 * np.pi * v)
ts = np.array([-1.3, 0.0, 0.4, 2.2])
hh = np.array([np.trapezoid(phi(tau) * phi(t - tau), tau) for t in ts])
decide(51, np.allclose(hh, phi(ts, 2.0), atol=1e-8), "int f(tau) g(t - tau) dtau of two N(0, 1) densities is the "
       "N(0, 2) density (quadrature)")

# ---- the 1-D convolution (line 53): c(i) = sum_{i} a(i) b(n - i) di
a1, b1 = rng.normal(size=4), rng.normal(size=3)
c1 = np.convolve(a1, b1)                                    # c(n) = sum_i a(i) b(n - i)
rhs = {n: sum(a1[i] * b1[n - i] for i in range(4) if 0 <= n - i < 3) for n in range(len(c1))}
ok53 = all(np.isclose(c1[i0], rhs[n]) for i0 in range(len(c1)) for n in range(len(c1)))
print(f"   (line 53: sum_i a(i) b(n - i) equals c(n) for every n: "
      f"{all(np.isclose(c1[n], rhs[n]) for n in range(len(c1)))})")
decide(53, ok53, "the left side is c(i) but i is the summation index of the right side, whose free index is n: "
       "sum_i a(i) b(n - i) is c(n) (np.convolve), not c(i) for the i of the left side, and 'di' is not part of a sum")

# ---- the convolution (lines 56-59), out-of-range indices of I read as 0 (line 63)
full = conv_full_ref(I, K)                                  # (h + k1 - 1) x (w + k2 - 1)
Ip, Kp = padded(I), padded(K)
rows, cols = h + k1 - 1, w + k2 - 1
conv56 = np.array([[sum(Ip(i - m, j - n) * K[m, n] for m in range(k1) for n in range(k2)) for j in range(cols)]
                   for i in range(rows)])
conv56_KI = np.array([[sum(Kp(i - m, j - n) * I[m, n] for m in range(h) for n in range(w)) for j in range(cols)]
                      for i in range(rows)])
decide(56, np.allclose(conv56, full) and np.allclose(conv56_KI, full),
       "(I * K)_ij = sum_{m < k_1} sum_{n < k_2} I(i - m, j - n) K(m, n) (the lower-case k read as K, I read 0 "
       "outside) is the full convolution, and K * I gives the same (scatter definition)")
print(f"   (the full convolution of {h} x {w} by {k1} x {k2} is {full.shape}: i = 0 .. {rows - 1}; at i = h + k_1 - 1 "
      f"= {h + k1 - 1} every I(i - m, .) is outside the image)")
decide(58, h + k1 - 1 == rows - 1, "0 <= i <= h + k_1 - 1 gives h + k_1 rows; the full convolution has h + k_1 - 1 "
       "(i <= h + k_1 - 2): the last index reads only padding")
decide(59, w + k2 - 1 == cols - 1, "the same bound for the columns: j <= w + k_2 - 1 is one past w + k_2 - 2")

# ---- line 69: without the padded part, convolution and cross-correlation differ by the 180-degree turn
valid_part = full[k1 - 1:h, k2 - 1:w]
decide(69, np.allclose(valid_part, xcorr_valid(I, np.rot90(K, 2))),
       "the convolution's part without padding equals the cross-correlation with the kernel turned by 180 degrees")
unchecked(73, "'the two are equal when there is padding': which two (convolution and cross-correlation, or the two "
          "sides of line 69's 180-degree relation) the sentence does not say; convolution and cross-correlation with "
          "the same kernel differ also with padding, the flipped relation holds with padding too; not decided")

# ---- lines 81, 83: two ways to turn a kernel by 180 degrees (square and non-square)
ok81 = ok83 = True
for A in (rng.normal(size=(3, 3)), rng.normal(size=(3, 2)), rng.normal(size=(2, 2))):
    anti = lambda B: B[::-1, ::-1].T                        # the flip about the anti-diagonal
    ok81 &= np.allclose(anti(A.T), np.rot90(A, 2))
    ok83 &= np.allclose(A[::-1, :][:, ::-1], np.rot90(A, 2))
decide(81, ok81, "flipping about the main diagonal and then the anti-diagonal is the 180-degree turn")
decide(83, ok83, "reversing the rows and the columns is the 180-degree turn")

# ---- the forward of one channel (line 103) against torch conv2d with a bias
A0, bb = rng.normal(size=(h, w)), rng.normal()
As = Strict(A0)
z103 = np.array([[sum(As(i + m, j + n) * K[m, n] for m in range(k1) for n in range(k2)) + bb
                  for j in range(w - k2 + 1)] for i in range(h - k1 + 1)])
decide(103, np.allclose(z103, xcorr_valid(A0, K) + bb), "z(i, j) = sum a_{i+m, j+n} w_{m,n} + b is torch conv2d")

# ---- several channels (lines 113-114), and padding and stride (line 128); W(m, n, c_in, c_out), f x f
f_ = 3
Am = rng.normal(size=(C_in, h, w))
Wm, bm = rng.normal(size=(f_, f_, C_in, C_out)), rng.normal(size=C_out)
tw = T(Wm).permute(3, 2, 0, 1)
ref113 = F.conv2d(T(Am)[None], tw, T(bm))[0].numpy()
z113 = np.stack([sum(xcorr_valid(Am[c0], Wm[:, :, c0, c]) for c0 in range(C_in)) + bm[c] for c in range(C_out)])
decide(113, np.allclose(z113, ref113), "sum over the input channels of a_c' (x) W_{c',c} plus b_c is torch conv2d "
       "((x) read as the valid cross-correlation the note names, the one line 114 writes out)")
Ams = Strict(Am)
z114 = np.array([[[sum(Ams(c0, i + m, j + n) * Wm[m, n, c0, c] for c0 in range(C_in) for m in range(f_)
                       for n in range(f_)) + bm[c] for j in range(w - f_ + 1)] for i in range(h - f_ + 1)]
                 for c in range(C_out)])
decide(114, np.allclose(z114, ref113), "sum_c' sum_m sum_n a_c'(i + m, j + n) W_{c',c}(m, n) + b_c is torch conv2d")
s_, p_ = 2, 1
ref128 = F.conv2d(T(Am)[None], tw, T(bm), stride=s_, padding=p_)[0].numpy()
Amp = padded(Am)


def z128(get):
    return np.array([[[sum(get(c0, i * s_ + m - p_, j * s_ + n - p_) * Wm[m, n, c0, c] for c0 in range(C_in)
                           for m in range(f_) for n in range(f_)) + bm[c] for j in range(ref128.shape[2])]
                      for i in range(ref128.shape[1])] for c in range(C_out)])


decide(128, np.allclose(z128(Amp), ref128), "a^[l-1](i s + m - p, j s + n - p, c') W(m, n, c', c) summed, plus b, "
       "with a^[l-1] read 0 outside (the padding), is torch conv2d at stride 2, padding 1")
try:
    ok132 = np.allclose(z128(Ams), ref128)                  # a^[l-1] not padded, as line 132 would have it
except IndexError as e:
    ok132 = False
    print(f"   (line 132: with only a^[l] padded, line 128 reads a^[l-1]{e.args[0]}, outside the input)")
decide(132, ok132, "the indices that leave the array in line 128 are those of the input a^[l-1] (i s + m - p < 0 for "
       "p > 0), so a^[l-1] is the array read as 0 outside; the line names a^[l], the output, which line 128 never "
       "indexes out of range")

# ---- pooling forward (lines 139, 142): k_1 x k_2 windows at stride (k_1, k_2)
pk1, pk2 = 2, 3
P = rng.normal(size=(4, 6))
Ps = Strict(P)
mx = np.array([[max(Ps(i * pk1 + m, j * pk2 + n) for m in range(pk1) for n in range(pk2)) for j in range(2)]
               for i in range(2)])
av = np.array([[sum(Ps(i * pk1 + m, j * pk2 + n) for m in range(pk1) for n in range(pk2)) / (pk1 * pk2)
                for j in range(2)] for i in range(2)])
decide(139, np.allclose(mx, F.max_pool2d(T(P)[None, None], (pk1, pk2))[0, 0].numpy()),
       "max over the k_1 x k_2 window at (i k_1, j k_2) is torch max_pool2d")
decide(142, np.allclose(av, F.avg_pool2d(T(P)[None, None], (pk1, pk2))[0, 0].numpy()),
       "the mean over the window is torch avg_pool2d")

# ---- backward of one convolution layer: z^{l-1} -> a^{l-1} = tanh(z^{l-1}) -> z^l = a^{l-1} (x) w + b -> E
Z0 = rng.normal(size=(h, w))
nh, nw = h - k1 + 1, w - k2 + 1
G = rng.normal(size=(nh, nw))                               # delta^l = dE/dz^l
z0t = T(Z0).requires_grad_()
a0t = torch.tanh(z0t)
a0t.retain_grad()
wt, bt = T(K).requires_grad_(), T(0.3).requires_grad_()
z1t = F.conv2d(a0t[None, None], wt[None, None])[0, 0] + bt
(z1t * T(G)).sum().backward()
dW, dz0, da0 = wt.grad.numpy(), z0t.grad.numpy(), a0t.grad.numpy()
A1 = a0t.detach().numpy()                                   # a^{l-1}
al = np.tanh(z1t.detach().numpy())                          # a^l = g(z^l)
Jw = torch.autograd.functional.jacobian(lambda ww: F.conv2d(T(A1)[None, None], ww[None, None])[0, 0], T(K)).numpy()
Jz = torch.autograd.functional.jacobian(
    lambda zz: F.conv2d(torch.tanh(zz)[None, None], T(K)[None, None])[0, 0], T(Z0)).numpy()  # [p, q, i', j']
decide(157, np.allclose(np.einsum("ij,ijmn->mn", G, Jw), dW),
       "sum_i sum_j dE/dz_ij dz_ij/dw_m'n' (torch Jacobian) = dE/dw (autograd)")
decide(159, all(np.isclose(Jw[i, j, m, n], A1[i + m, j + n]) for i, j, m, n in product(range(nh), range(nw),
                                                                                      range(k1), range(k2))),
       "dz_ij/dw_m'n' = a^{l-1}_{i+m', j+n'} (torch Jacobian)")
A1s = Strict(A1)
dW164 = np.array([[sum(A1s(i + m, j + n) * G[i, j] for i in range(nh) for j in range(nw)) for n in range(k2)]
                  for m in range(k1)])
decide(164, np.allclose(dW164, dW), "sum_i sum_j a^{l-1}_{i+m', j+n'} delta_ij = dE/dw (autograd)")
x165 = xcorr_valid(al, G)
print(f"   (line 165: a^l (x) delta^l has shape {x165.shape}, w has {K.shape}; a^(l-1) (x) delta^l = dE/dw: "
      f"{np.allclose(xcorr_valid(A1, G), dW)})")
decide(165, x165.shape == K.shape and np.allclose(x165, dW),
       "a^l is the layer's own output (n_h x n_w, the size of delta^l), so a^l (x) delta^l is 1 x 1, not the "
       "k_1 x k_2 dE/dw; the line above sums a^{l-1}_{i+m', j+n'} delta_ij, which is a^{l-1} (x) delta^l")
unchecked(172, "the sentence calls the quantities related to z^{l-1}_{i',j'} 'a^{l-1}_{i,j}', which literally are "
          "only a^{l-1}_{i',j'} itself; the index range it gives, (i' - k_1 + 1, j' - k_2 + 1) to (i', j'), is that of "
          "the outputs z^l_{i'-m, j'-n} the next line sums over, which is right; the label is not decided")
Gp = padded(G)
Jp = lambda p, q, i, j: Jz[p, q, i, j] if 0 <= p < nh and 0 <= q < nw else 0.0
d173 = np.array([[sum(Gp(i - m, j - n) * Jp(i - m, j - n, i, j) for m in range(k1) for n in range(k2 + 2))
                  for j in range(w)] for i in range(h)])
decide(173, np.allclose(d173, dz0), "sum_{m < k_1} sum_{n <= k_2 + 1} dE/dz^l_{i'-m, j'-n} dz^l_{i'-m, j'-n}/dz^{l-1}"
       "_{i',j'} (torch Jacobian, outputs outside the map read 0) = dE/dz^{l-1} (autograd): the terms n = k_2, k_2 + 1 "
       "are outputs that do not see z^{l-1}_{i',j'} (partial 0), so the bound is harmless here")
ok176 = True
for i, j, m, n in product(range(h), range(w), range(k1), range(k2 + 2)):
    if 0 <= i - m < nh and 0 <= j - n < nw:
        wmn = K[m, n] if n < k2 else None                   # w_{m, n} outside the kernel for n >= k_2
        ok176 &= wmn is not None and np.isclose(Jz[i - m, j - n, i, j], wmn)
g1 = 1 - A1 ** 2
print(f"   (line 176: dz^l_(i'-m, j'-n)/dz^(l-1)_(i',j') is w_mn g'(z^(l-1)_(i',j')) (torch Jacobian): "
      f"{all(np.isclose(Jz[i - m, j - n, i, j], K[m, n] * g1[i, j]) for i, j, m, n in product(range(h), range(w), range(k1), range(k2)) if 0 <= i - m < nh and 0 <= j - n < nw)})")
decide(176, ok176, "z^l is written as sum z^{l-1} w, but the forward (lines 103-104) convolves a^{l-1} = g(z^{l-1}), "
       "so dz^l_{i'-m, j'-n}/dz^{l-1}_{i',j'} = w_{m,n} g'(z^{l-1}_{i',j'}), not w_{m,n}; and the expansion's t runs "
       "to k_2 + 1, so it uses w_{s,k_2}, w_{s,k_2+1}, outside the kernel (for n = k_2 the true partial is 0)")
Kst = Strict(K)


def d180(nmax, weight):
    return np.array([[sum(Gp(i - m, j - n) * weight(m, n) for m in range(k1) for n in range(nmax + 1))
                      for j in range(w)] for i in range(h)])


try:
    ok180 = np.allclose(d180(k2 + 1, Kst), dz0)
except IndexError as e:
    ok180 = False
    print(f"   (lines 180-181: the sum over n = 0 .. k_2 + 1 reads w{e.args[0]}, outside the kernel)")
d_fixed = d180(k2 - 1, Kst)
print(f"   (lines 180-182 with n < k_2: dE/da^(l-1) (autograd): {np.allclose(d_fixed, da0)}, dE/dz^(l-1): "
      f"{np.allclose(d_fixed, dz0)}; times g'(z^(l-1)) it is dE/dz^(l-1): {np.allclose(d_fixed * g1, dz0)})")
decide(180, ok180, "carried from line 176: sum dE/dz^l_{i'-m, j'-n} w_{m,n} without g'(z^{l-1}_{i',j'}) is dE/da^{l-1},"
       " not dE/dz^{l-1}, and the bound n <= k_2 + 1 reads weights outside the kernel")
decide(181, ok180, "the same sum with delta^l: carried (no g'(z^{l-1}), n up to k_2 + 1)")
conv182 = conv_full_ref(G, K)                               # delta^l * W^l, the note's convolution (line 56)
print(f"   (line 182: delta^l * W^l has shape {conv182.shape} = z^(l-1)'s {Z0.shape}; it equals dE/da^(l-1): "
      f"{np.allclose(conv182, da0)})")
decide(182, conv182.shape == dz0.shape and np.allclose(conv182, dz0),
       "delta^l * W^l (the note's full convolution, line 56) is dE/da^{l-1}; dE/dz^{l-1}, the heading's quantity, "
       "is (delta^l * W^l) g'(z^{l-1}) elementwise: carried from line 176")

# ---- pooling backward: E = sum(Gq * pool(P)), k_1 x k_2 = 2 x 3 windows
Gq = rng.normal(size=(2, 2))
pt = T(P).requires_grad_()
(F.max_pool2d(pt[None, None], (pk1, pk2))[0, 0] * T(Gq)).sum().backward()
dmax = pt.grad.numpy()
pa = T(P).requires_grad_()
(F.avg_pool2d(pa[None, None], (pk1, pk2))[0, 0] * T(Gq)).sum().backward()
davg = pa.grad.numpy()
Jmax = torch.autograd.functional.jacobian(lambda q: F.max_pool2d(q[None, None], (pk1, pk2))[0, 0], T(P)).numpy()
is_max = np.zeros_like(P, dtype=bool)
for i, j in product(range(2), range(2)):
    win = P[i * pk1:(i + 1) * pk1, j * pk2:(j + 1) * pk2]
    u, v = np.unravel_index(win.argmax(), win.shape)
    is_max[i * pk1 + u, j * pk2 + v] = True
own = lambda i, j: [(i * pk1 + u, j * pk2 + v) for u in range(pk1) for v in range(pk2)]
decide(192, all(Jmax[i, j, u, v] == (1.0 if is_max[u, v] else 0.0) for i, j in product(range(2), range(2))
                for u, v in own(i, j)), "the local derivative of max pooling is 1 at the window's max, 0 elsewhere "
       "(torch Jacobian)")
empty = [i for i in range(P.shape[0]) if (i // pk1) * pk1 <= i <= i // pk1 - 1]
print(f"   (line 195: rows i with floor(i/k_1) k_1 <= i <= floor(i/k_1) - 1: {empty}, the window is empty; the max "
      f"entries' dE/da^(l-1) (autograd) = {np.round(dmax[is_max], 3)}, the G of their windows)")
decide(195, np.allclose(dmax[is_max], 1.0) and len(empty) > 0,
       "dE/da^{l-1} at a window's max is dE/da^l of that window (autograd gives the random G there), not 1: 1 is the "
       "local derivative da^l/da^{l-1} of line 192; and the window floor(i/k_1) k_1 <= i <= floor(i/k_1) - 1 is empty "
       "(its upper end is floor(i/k_1) k_1 + k_1 - 1)")
decide(196, np.allclose(dmax[~is_max], 0.0), "the entries that are not a window's max get dE/da^{l-1} = 0 (autograd)")
Javg = torch.autograd.functional.jacobian(lambda q: F.avg_pool2d(q[None, None], (pk1, pk2))[0, 0], T(P)).numpy()
print(f"   (line 202: the local derivative of average pooling is 1/(k_1 k_2) in the window: "
      f"{all(np.isclose(Javg[i, j, u, v], 1 / (pk1 * pk2)) for i, j in product(range(2), range(2)) for u, v in own(i, j))}; "
      f"dE/da^(l-1) = G/(k_1 k_2): {np.allclose(davg, np.kron(Gq, np.ones((pk1, pk2))) / (pk1 * pk2))})")
decide(202, np.allclose(davg, 1 / (pk1 * pk2)), "dE/da^{l-1} of average pooling is dE/da^l of the window divided by "
       "k_1 k_2 (autograd), not 1/(k_1 k_2) for every loss: 1/(k_1 k_2) is the local derivative da^l/da^{l-1}")

finish()
