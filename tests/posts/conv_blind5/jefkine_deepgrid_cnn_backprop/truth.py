"""Independent truth for tests/posts/conv_blind5/jefkine_deepgrid_cnn_backprop (NumPy, SciPy and torch, no derive).

The post's definitions: (I (x) K)_ij = sum_{m,n} I(i+m, j+n) K(m,n), the cross-correlation (Eq. 1), and
(I * K)_ij = sum_{m,n} I(i-m, j-n) K(m,n), the convolution (Eq. 2), m = 0..k1-1, n = 0..k2-1, 0-based, I zero outside
its extent (a 'full' convolution). A convolutional layer x^{l+1}_{ij} = sum_{m,n} w_{mn} o^l_{i+m,j+n} + b (Eq. 7,
torch conv2d), o^l = f(x^l) with f = tanh here (the post's f is any activation; ReLU in its introduction), and a loss
E = sum(G * x^{l+1}) for a random G, so delta^{l+1} = G. torch conv2d, max_pool2d, avg_pool2d and autograd are the
reference, the Jacobian dx^{l+1}/dx^l from torch.autograd.functional.jacobian. Where an equation applies '*' to two
operands of different sizes (Eqs. 6 and 14) its output is indexed from the first full overlap (the 'valid' part of the
full convolution, scipy's mode='valid'); delta^{l+1} outside the output map is 0 (the region Q of Eq. 16)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy.signal import convolve2d, correlate2d

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish, unchecked  # noqa: E402

rng = np.random.default_rng(11)
H, W_, k1, k2 = 5, 6, 3, 2
I = rng.normal(size=(H, W_)); K = rng.normal(size=(k1, k2))


def zero_out(a):
    return lambda i, j: a[i, j] if 0 <= i < a.shape[0] and 0 <= j < a.shape[1] else 0.0


# ---- Eqs. 1-3 and line 20
xcorr = np.array([[sum(I[i + m, j + n] * K[m, n] for m in range(k1) for n in range(k2)) for j in range(W_ - k2 + 1)]
                  for i in range(H - k1 + 1)])
ref_x = F.conv2d(torch.tensor(I)[None, None], torch.tensor(K)[None, None])[0, 0].numpy()
decide(6, np.allclose(xcorr, ref_x), "(I (x) K)_ij = sum I(i+m, j+n) K(m,n) is torch conv2d (the cross-correlation)")
Iz = zero_out(I)
conv = np.array([[sum(Iz(i - m, j - n) * K[m, n] for m in range(k1) for n in range(k2)) for j in range(W_ + k2 - 1)]
                 for i in range(H + k1 - 1)])
decide(15, np.allclose(conv, convolve2d(I, K, mode="full")), "(I * K)_ij = sum I(i-m, j-n) K(m,n) is the full convolution "
       "(scipy convolve2d)")
Ks = Strict(K)
try:
    eq3 = np.array([[sum(Iz(i + m, j + n) * Ks(-m, -n) for m in range(k1) for n in range(k2)) for j in range(W_ + k2 - 1)]
                    for i in range(H + k1 - 1)])
except IndexError as e:
    eq3 = None
    print(f"   (line 16: K{e.args[0]} is outside the k1 x k2 kernel (indices 0..k1-1, 0..k2-1))")
wrapped = np.array([[sum(Iz(i + m, j + n) * K[-m, -n] for m in range(k1) for n in range(k2)) for j in range(W_ + k2 - 1)]
                    for i in range(H + k1 - 1)])
print(f"   (line 16: reading K(-m,-n) as numpy's wrap-around it still differs: {not np.allclose(wrapped, conv)})")
decide(16, eq3 is not None and np.allclose(eq3, conv), "substituting m -> -m in Eq. 2 moves the range to m = -(k1-1)..0; "
       "with m = 0..k1-1 kept, K(-m,-n) names entries outside the kernel for every (m, n) but (0, 0)")
Kf = K[::-1, ::-1]
flip_ok = np.allclose(conv[k1 - 1:H, k2 - 1:W_], correlate2d(I, Kf, mode="valid"))
Ksym = K + K[::-1, ::-1]
sym_ok = np.allclose(convolve2d(I, Ksym, mode="valid"), correlate2d(I, Ksym, mode="valid"))
decide(20, flip_ok and sym_ok, "convolution = cross-correlation with the kernel flipped (indices shifted by k-1), and the "
       "two coincide for a kernel with K(-m,-n) = K(m,n) (a flip-symmetric kernel)")

# ---- Eqs. 4 and 5: '(I * K)_ij' with * as Eq. 2 defines it, against the sum written on the right
C = 3
I3 = rng.normal(size=(H, W_, C)); K3 = rng.normal(size=(k1, k2, C)); b = 0.7
rhs4 = np.array([[sum(K3[m, n, c] * I3[i + m, j + n, c] for m in range(k1) for n in range(k2) for c in range(C)) + b
                  for j in range(W_ - k2 + 1)] for i in range(H - k1 + 1)])
lhs4 = sum(convolve2d(I3[:, :, c], K3[:, :, c], mode="valid") for c in range(C))      # Eq. 2 per channel, summed, valid part
lhs4_full = sum(convolve2d(I3[:, :, c], K3[:, :, c], mode="full") for c in range(C))
shifts = [np.allclose(lhs4_full[s:s + rhs4.shape[0], t:t + rhs4.shape[1]] + b, rhs4)
          for s in range(k1) for t in range(k2)]
print(f"   (line 30: the right side equals (I * K) + b at no alignment of the output: {not any(shifts)}; it is the "
      f"cross-correlation of Eq. 1 plus b: {np.allclose(rhs4, sum(correlate2d(I3[:, :, c], K3[:, :, c], mode='valid') for c in range(C)) + b)})")
decide(30, any(shifts), "Eq. 4 writes (I * K)_ij, '*' the convolution of Eq. 2, for "
       "sum K_{m,n,c} I_{i+m,j+n,c} + b, the cross-correlation of Eq. 1 with no flip (and a bias that no convolution has)")
rhs5 = np.array([[sum(K[m, n] * I[i + m, j + n] for m in range(k1) for n in range(k2)) + b for j in range(W_ - k2 + 1)]
                 for i in range(H - k1 + 1)])
decide(40, np.allclose(convolve2d(I, K, mode="valid") + b, rhs5), "Eq. 5 is Eq. 4 with C = 1: the same cross-correlation "
       "labelled (I * K) (carried from line 30)")

# ---- the layer l -> l+1 (Eqs. 6-8, 10-22): x^l [H, W] -> o^l = tanh(x^l) -> x^{l+1} = o^l (x) w + b
xl = rng.normal(size=(H, W_)); w = rng.normal(size=(k1, k2)); bb = 0.3
G = rng.normal(size=(H - k1 + 1, W_ - k2 + 1))                                      # delta^{l+1} = dE/dx^{l+1}
f, fp = np.tanh, lambda x: 1 - np.tanh(x) ** 2


def layer(x, wt):
    return F.conv2d(torch.tanh(x)[None, None], wt[None, None])[0, 0] + bb


xt = torch.tensor(xl, requires_grad=True); wt = torch.tensor(w, requires_grad=True)
xn = layer(xt, wt); (xn * torch.tensor(G)).sum().backward()
x_next, dxl, dw = xn.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()
o = f(xl)
Jx = torch.autograd.functional.jacobian(lambda x: layer(x, torch.tensor(w)), torch.tensor(xl)).numpy()   # [i, j, i', j']
Jw = torch.autograd.functional.jacobian(lambda k: layer(torch.tensor(xl), k), torch.tensor(w)).numpy()
Ho, Wo = G.shape

eq7 = np.array([[sum(w[m, n] * o[i + m, j + n] for m in range(k1) for n in range(k2)) + bb for j in range(Wo)] for i in range(Ho)])
decide(52, np.allclose(eq7, x_next), "x_ij = sum_{m,n} w_mn o_{i+m,j+n} + b against torch conv2d + b")
decide(58, np.allclose(f(xl), torch.tanh(torch.tensor(xl)).numpy()), "o = f(x), the activation (definition)")
eq6 = convolve2d(o, w[::-1, ::-1], mode="valid") + bb        # rot180{w} * o, '*' of Eq. 2, valid part
decide(66, np.allclose(eq6, x_next), "rot180{w} * o + b, '*' the convolution of Eq. 2 (valid part), is the layer of Eq. 7")
decide(67, np.allclose(eq7, x_next), "Eq. 7 as line 52")
decide(68, True, "o = f(x), definition (as line 58)")
sizes = all(F.conv2d(torch.zeros(1, 1, h, ww), torch.zeros(1, 1, a, c)).shape[2:] == (h - a + 1, ww - c + 1)
            for h in range(3, 7) for ww in range(3, 7) for a in range(1, 4) for c in range(1, 4) if a <= h and c <= ww)
decide(72, sizes, "an H x W map and a k1 x k2 kernel give (H-k1+1) x (W-k2+1) (torch conv2d shapes)")

chain10 = np.array([[sum(G[i, j] * Jw[i, j, mp, np_] for i in range(H - k1 + 1) for j in range(W_ - k2 + 1))
                     for np_ in range(k2)] for mp in range(k1)])
decide(76, np.allclose(chain10, dw), "dE/dw_{m'n'} = sum_{i=0}^{H-k1} sum_{j=0}^{W-k2} dE/dx_ij dx_ij/dw_{m'n'}, torch Jacobian, "
       "against autograd (H-k1+1 output rows)")
decide(77, np.allclose(chain10, dw), "the same with delta_ij = dE/dx_ij")
local12 = np.array([[[[o[i + mp, j + np_] for np_ in range(k2)] for mp in range(k1)] for j in range(Wo)] for i in range(Ho)])
decide(83, np.allclose(local12, Jw), "dx_ij/dw_{m'n'} of the expanded sum (only w_{m'n'} o_{i+m',j+n'} depends on w_{m'n'}) "
       "= o_{i+m',j+n'}, the torch Jacobian")
decide(84, np.allclose(local12, Jw), "the one term left, differentiated")
decide(85, np.allclose(local12, Jw), "dx_ij/dw_{m'n'} = o_{i+m',j+n'}")
eq13 = np.array([[sum(G[i, j] * o[i + mp, j + np_] for i in range(Ho) for j in range(Wo)) for np_ in range(k2)] for mp in range(k1)])
decide(93, np.allclose(eq13, dw), "Eq. 13 against autograd dE/dw")
eq14 = convolve2d(o, G[::-1, ::-1], mode="valid")            # rot180{delta} * o, valid part
decide(94, np.allclose(eq14, dw), "rot180{delta} * o, '*' the convolution of Eq. 2 (valid part), against autograd dE/dw")
decide(102, True, "delta^l_ij = dE/dx^l_ij, a definition")

# region Q (line 106, 126) from the Jacobian's nonzero pattern
ok106 = True
for ip in range(H):
    for jp in range(W_):
        rows = {i for i in range(Ho) for j in range(Wo) if abs(Jx[i, j, ip, jp]) > 0}
        cols = {j for i in range(Ho) for j in range(Wo) if abs(Jx[i, j, ip, jp]) > 0}
        ok106 &= rows == set(range(max(ip - k1 + 1, 0), min(ip, Ho - 1) + 1)) and cols == set(range(max(jp - k2 + 1, 0), min(jp, Wo - 1) + 1))
decide(106, ok106, "the outputs x_ij that depend on x_{i'j'} run from (i'-k1+1, j'-k2+1) to (i', j') (clipped to the "
       "output map), the Jacobian's nonzero pattern")
Gz = zero_out(G)
chain16 = np.array([[sum(G[i, j] * Jx[i, j, ip, jp] for i in range(Ho) for j in range(Wo)
                         if ip - k1 + 1 <= i <= ip and jp - k2 + 1 <= j <= jp) for jp in range(W_)] for ip in range(H)])
decide(112, np.allclose(chain16, dxl), "dE/dx_{i'j'} = sum over Q of dE/dx_Q dx_Q/dx_{i'j'} against autograd")
decide(113, np.allclose(chain16, dxl), "the same with delta_Q")
Jz = lambda i, j, ip, jp: Jx[i, j, ip, jp] if 0 <= i < Ho and 0 <= j < Wo else 0.0
chain17 = np.array([[sum(Gz(ip - m, jp - n) * Jz(ip - m, jp - n, ip, jp) for m in range(k1) for n in range(k2))
                     for jp in range(W_)] for ip in range(H)])
decide(121, np.allclose(chain17, dxl), "Eq. 17: the sum over m = 0..k1-1, n = 0..k2-1 of dE/dx_{i'-m,j'-n} dx_{i'-m,j'-n}/dx_{i'j'} "
       "(terms outside the output map are 0) against autograd")
decide(122, np.allclose(chain17, dxl), "the same with delta^{l+1}_{i'-m,j'-n}")
decide(126, set(range(k1)) == {ip - (ip - m) for ip in range(H) for m in range(k1)},
       "the rows of Q, i'-0 .. i'-(k1-1), are i'-m for 0 <= m <= k1-1 (and likewise the columns)")
unchecked(133, "the first written term, w_{m',n'} f(x_{0-m+m', 0-n+n'}), mixes the bound m', n' with 0 for i', j' and the "
          "rest is '...': the expansion states no definite sum")
local19 = all(np.isclose(Jx[ip - m, jp - n, ip, jp], w[m, n] * fp(xl[ip, jp]))
              for ip in range(H) for jp in range(W_) for m in range(k1) for n in range(k2)
              if 0 <= ip - m < Ho and 0 <= jp - n < Wo)
decide(134, local19, "dx^{l+1}_{i'-m,j'-n}/dx^l_{i'j'} = d/dx (w_mn f(x_{i'j'})), the torch Jacobian")
decide(135, local19, "= w_mn d f(x_{i'j'})/dx_{i'j'}")
decide(136, local19, "= w_mn f'(x_{i'j'}), against the torch Jacobian wherever (i'-m, j'-n) is in the output map")
eq20 = np.array([[sum(Gz(ip - m, jp - n) * w[m, n] for m in range(k1) for n in range(k2)) * fp(xl[ip, jp])
                  for jp in range(W_)] for ip in range(H)])
decide(144, np.allclose(eq20, dxl), "Eq. 20, delta outside the output map 0, against autograd dE/dx^l")
decide(152, np.allclose(eq20, dxl), "the first row of Eq. 21 restates Eq. 20")
Cmap = np.array([[sum(Gz(ip + m, jp + n) * w[m, n] for m in range(k1) for n in range(k2)) for jp in range(W_)] for ip in range(H)])
eq21 = Cmap[::-1, ::-1] * fp(xl)
Cout = correlate2d(G, w, mode="valid") if Ho >= k1 else None     # the same sum on the output grid only
print(f"   (line 153: rot180 of the map sum delta_{{i'+m,j'+n}} w_mn, over the input grid: {np.round(eq21[0], 3)}; "
      f"autograd dE/dx row 0: {np.round(dxl[0], 3)})")
Gbig = lambda i, j: Gz(i, j)
any_grid = any(np.allclose(np.array([[sum(Gbig(ci - ip + m, cj - jp + n) * w[m, n] for m in range(k1) for n in range(k2))
                                     for jp in range(W_)] for ip in range(H)]) * fp(xl), dxl)
               for ci in range(-H - k1, 2 * (H + k1)) for cj in range(-W_ - k2, 2 * (W_ + k2)))
print(f"   (line 153: no 180-degree rotation of that map, about any centre, gives dE/dx: {not any_grid})")
decide(153, np.allclose(eq21, dxl) or any_grid, "rotating the map of sum_{m,n} delta_{i'+m,j'+n} w_mn (a cross-correlation of delta "
         "with w) by 180 degrees does not give sum delta_{i'-m,j'-n} w_mn: the rotation belongs on w (or on delta and the "
         "result), not on the correlation map")
eq22 = convolve2d(G, w[::-1, ::-1], mode="full") * fp(xl)   # delta * rot180{w}, '*' of Eq. 2, full
good = correlate2d(np.pad(G, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1))), w[::-1, ::-1], mode="valid") * fp(xl)
print(f"   (line 154: delta (x) rot180{{w}}, the cross-correlation, would be right: {np.allclose(good, dxl)}; "
      f"delta * w, the convolution without the rotation, too: {np.allclose(convolve2d(G, w, mode='full') * fp(xl), dxl)})")
decide(154, np.allclose(eq22, dxl), "delta * rot180{w} with '*' the convolution of Eq. 2 flips w twice: it is the "
       "cross-correlation of delta with w, not sum delta_{i'-m,j'-n} w_mn")

# ---- pooling (lines 163-164): N x N blocks, stride N
N = 2
P = rng.normal(size=(4, 6)); Gp = rng.normal(size=(2, 3))
Pt = torch.tensor(P, requires_grad=True)
(F.max_pool2d(Pt[None, None], N)[0, 0] * torch.tensor(Gp)).sum().backward()
route = np.zeros_like(P)
for bi in range(2):
    for bj in range(3):
        blk = P[N * bi:N * bi + N, N * bj:N * bj + N]
        a, c = np.unravel_index(np.argmax(blk), blk.shape)
        route[N * bi + a, N * bj + c] = Gp[bi, bj]
decide(163, np.allclose(route, Pt.grad.numpy()), "max pooling: each block's error goes to its winning unit, zero elsewhere "
       "(torch max_pool2d, N x N blocks at stride N, no ties)")
Pt2 = torch.tensor(P, requires_grad=True)
(F.avg_pool2d(Pt2[None, None], N)[0, 0] * torch.tensor(Gp)).sum().backward()
decide(164, np.allclose(np.kron(Gp, np.ones((N, N))) / (N * N), Pt2.grad.numpy()), "average pooling: each unit of a block "
       "gets the block's error times 1/(N x N) (torch avg_pool2d)")
finish()
