"""Independent truth for tests/posts/conv_blind9/passemiers_bgd_conv2d_rst (NumPy and torch, no derive).

The documented layer: a 2D convolution (cross-correlation, no padding) with strides sigma = (sigma_1, sigma_2), 'the
step taken between two pixels of the output image', and dilations delta = (delta_1, delta_2), channels last: input
X^{(k-1)} (l, H, W, n_C), filters omega (n_F, F_H, F_W, n_C), bias b (n_F), output X^{(k)} (l, H', W', n_F), i.e. torch
conv2d(stride=sigma, dilation=delta) after moving the channel axis. epsilon^{(k)}_beta = dL/dX^{(k)}_beta (the
document's error term; its definition is outside the excerpt), L = sum(G * X^{(k)}) for a random G. The Kronecker
deltas delta^a_b (indices up and down) and the dilations delta_1, delta_2 share the letter; the index position tells
them apart. pi_{tau_{0,3}} exchanges axes 0 and 3. Indices in the backward lines are 0-based offsets (X_{sigma beta +
delta gamma}, gamma = 0..F - 1). Lambda(Y; s, d) in line 48 is read as the documented layer with strides s and
dilations d (the prose meaning of sigma and delta, and the one every backward line uses), not the index formula of
line 25, which is the slip. l = 2, H = 9, W = 8, n_C = 2, n_F = 3, F_H = 3, F_W = 2, sigma = (2, 1), delta = (1, 2)
(H' = 4, W' = 6; with these sizes the windows end exactly on the last input row and column)."""
import itertools
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish  # noqa: E402

rng = np.random.default_rng(93)
T = lambda a: torch.tensor(a, dtype=torch.float64)
l, H, W, nC, nF, FH, FW = 2, 9, 8, 2, 3, 3, 2
sig, dil = (2, 1), (1, 2)
X = rng.normal(size=(l, H, W, nC)); w = rng.normal(size=(nF, FH, FW, nC)); b = rng.normal(size=nF)


def layer(x, om, bb, s=sig, d=dil):
    """channels-last convolution: x (l, H, W, C), om (F, FH, FW, C) -> (l, H', W', F)"""
    return F.conv2d(x.permute(0, 3, 1, 2), om.permute(0, 3, 1, 2), bb, stride=s, dilation=d).permute(0, 2, 3, 1)


xt, wt, bt = (T(a).requires_grad_() for a in (X, w, b))
Z = layer(xt, wt, bt)
G = rng.normal(size=tuple(Z.shape))
(Z * T(G)).sum().backward()
Z, dX, dw, db = Z.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()
Ho, Wo = Z.shape[1:3]
eps_ = G

# ---- shapes, lines 10-19
ok10 = True
for m_, n_, d1, d2 in [(3, 2, 1, 2), (2, 4, 3, 1), (4, 3, 2, 3)]:
    k = T(np.ones((1, 1, m_, n_)))
    for Hin, Win in [(d1 * (m_ - 1) + 1, d2 * (n_ - 1) + 1)]:       # an input the size of the dilated filter
        out = F.conv2d(T(np.ones((1, 1, Hin, Win))), k, dilation=(d1, d2))
        ok10 &= out.shape[-2:] == (1, 1)
        J = torch.autograd.functional.jacobian(lambda xx: F.conv2d(xx, k, dilation=(d1, d2))[0, 0, 0, 0],
                                               T(np.ones((1, 1, Hin + 2, Win + 2)))).numpy()[0, 0]
        rows, cols = np.nonzero(J)
        ok10 &= (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == (d1 * (m_ - 1) + 1, d2 * (n_ - 1) + 1)
decide(10, ok10, "an (m, n) filter dilated by (delta_1, delta_2) spans delta_1 (m - 1) + 1 rows and delta_2 (n - 1) + 1 "
       "columns of the input (support of torch's dilated-conv Jacobian)")
ok17 = True
for Hin, Win, fh, fw, s1, s2, d1, d2 in [(9, 8, 3, 2, 2, 1, 1, 2), (10, 7, 2, 3, 3, 2, 2, 1), (11, 11, 3, 3, 2, 3, 3, 2)]:
    out = F.conv2d(T(np.zeros((2, 1, Hin, Win))), T(np.zeros((4, 1, fh, fw))), stride=(s1, s2), dilation=(d1, d2))
    Fh, Fw = 1 + d1 * (fh - 1), 1 + d2 * (fw - 1)
    ok17 &= tuple(out.shape) == (2, 4, (Hin - Fh) // s1 + 1, (Win - Fw) // s2 + 1)
decide(17, ok17, "(l, floor((H - hatF_H)/sigma_1) + 1, floor((W - hatF_W)/sigma_2) + 1, n_F) against torch conv2d output "
       "shapes (three settings, floors included)")
decide(19, ok17 and ok10, "hatF_H = 1 + delta_1 (F_H - 1), hatF_W = 1 + delta_2 (F_W - 1): the dilated sizes of line 10 that "
       "make line 17's shapes right")

# ---- forward, line 25
Xs = Strict(X)
def printed25(shift1, shift2):
    """the printed index formula, gamma = 1..F as its sums say, X read with a constant offset (any index base)"""
    out = np.zeros_like(Z)
    for be in itertools.product(range(l), range(Ho), range(Wo), range(nF)):
        out[be] = sum(w[be[3], g1 - 1, g2 - 1, g3] * Xs(be[0], be[1] + sig[0] * g1 + shift1, be[2] + sig[1] * g2 + shift2, g3)
                      for g1 in range(1, FH + 1) for g2 in range(1, FW + 1) for g3 in range(nC)) + b[be[3]]
    return out
matches = []
for s1, s2 in itertools.product(range(-3, 2), range(-3, 2)):
    try:
        matches.append(np.allclose(printed25(s1, s2), Z))
    except IndexError:
        matches.append(False)
print(f"   (line 25: with any index offset from -3 to 1 the printed formula matches torch: {any(matches)})")
decide(25, any(matches), "Lambda_beta = sum_{gamma_1=1}^{F_H} sum_{gamma_2} sum_{gamma_3} omega_{beta_3,gamma} "
       "X_{beta_0, beta_1 + sigma_1 gamma_1, beta_2 + sigma_2 gamma_2, gamma_3} + b: the stride multiplies the filter offset "
       "(which is what a dilation does), the output index steps by 1 and delta is missing; for sigma = (2, 1), delta = "
       "(1, 2) it is not the documented layer under any index base (the backward lines use X_{sigma beta + delta gamma})")

# ---- weight gradient, lines 38-48
Jw = torch.autograd.functional.jacobian(lambda om: layer(T(X), om, T(b)), T(w)).numpy()      # [beta, alpha]
kd = lambda a, c: 1.0 if a == c else 0.0
A = list(itertools.product(range(nF), range(FH), range(FW), range(nC)))
B = list(itertools.product(range(l), range(Ho), range(Wo), range(nF)))
ok38 = ok39 = True
for be in B[::5]:
    for al in A:
        r38 = sum(kd(be[3], al[0]) * kd(g1, al[1]) * kd(g2, al[2]) * kd(g3, al[3])
                  * X[be[0], sig[0] * be[1] + dil[0] * g1, sig[1] * be[2] + dil[1] * g2, g3]
                  for g1 in range(FH) for g2 in range(FW) for g3 in range(nC))
        r39 = kd(be[3], al[0]) * X[be[0], sig[0] * be[1] + dil[0] * al[1], sig[1] * be[2] + dil[1] * al[2], al[3]]
        ok38 &= np.isclose(r38, Jw[be + al]); ok39 &= np.isclose(r39, Jw[be + al])
decide(38, ok38, "d_{omega_alpha} X^{(k)}_beta = sum_gamma Kronecker(beta_3, alpha_0) Kronecker(gamma, alpha) "
       "X^{(k-1)}_{beta_0, sigma_1 beta_1 + delta_1 gamma_1, sigma_2 beta_2 + delta_2 gamma_2, gamma_3} against the "
       "Jacobian (omega^{(k)_alpha} read as omega^{(k)}_alpha)")
decide(39, ok39, "= Kronecker(beta_3, alpha_0) X^{(k-1)}_{beta_0, sigma_1 beta_1 + delta_1 alpha_1, sigma_2 beta_2 + delta_2 alpha_2, alpha_3}")
decide(45, np.allclose(np.einsum("abcd,abcdefgh->efgh", eps_, Jw), dw),
       "d_{omega_alpha} L = sum_beta epsilon_beta d_{omega_alpha} X^{(k)}_beta against autograd")
Zs = Strict(Z)
try:
    row46 = np.array([sum(eps_[b0, b1, b2, al[0]] * Zs(b0, sig[0] * b1 + dil[0] * al[1], sig[1] * b2 + dil[1] * al[2], al[3])
                          for b0 in range(l) for b1 in range(Ho) for b2 in range(Wo)) for al in A]).reshape(dw.shape)
    ok46, why46 = np.allclose(row46, dw), "evaluated with the output X^{(k)}"
except IndexError as e:
    ok46, why46 = False, f"X^{{(k)}} (shape {Z.shape}) has no entry {e.args[0]}"
decide(46, ok46, "= sum_{beta_0,beta_1,beta_2} epsilon_{beta_0,beta_1,beta_2,alpha_0} X^{(k)}_{beta_0, sigma_1 beta_1 + "
       f"delta_1 alpha_1, ...}}: X^{{(k)}}, the layer's output, where the input X^{{(k-1)}} belongs ({why46}); line 39 "
       "and line 47 have X^{(k-1)}")
pe, pX = eps_.transpose(3, 1, 2, 0), X.transpose(3, 1, 2, 0)           # pi_{tau_{0,3}}
row47 = np.array([sum(pe[al[0], b1, b2, b0] * pX[al[3], sig[0] * b1 + dil[0] * al[1], sig[1] * b2 + dil[1] * al[2], b0]
                      for b0 in range(l) for b1 in range(Ho) for b2 in range(Wo)) for al in A]).reshape(dw.shape)
decide(47, np.allclose(row47, dw), "= sum pi(epsilon)_{alpha_0,beta_1,beta_2,beta_0} pi(X^{(k-1)})_{alpha_3, sigma_1 beta_1 + "
       "delta_1 alpha_1, sigma_2 beta_2 + delta_2 alpha_2, beta_0}, pi exchanging axes 0 and 3, against autograd")
lam = layer(T(pX), T(pe), None, s=dil, d=sig).numpy()                   # Lambda_{(pi eps, 0)}(pi X; delta, sigma)
decide(48, lam.shape == (nC, FH, FW, nF) and np.allclose(lam.transpose(3, 1, 2, 0), dw),
       "= pi Lambda_{(pi epsilon, 0)}(pi X^{(k-1)}; delta, sigma)_alpha: torch conv2d of pi X (batch n_C, channels l) "
       "with pi epsilon as filters (n_F filters of H' x W' x l), stride delta and dilation sigma (swapped), no bias, "
       "axes 0 and 3 exchanged back, against autograd")

# ---- bias, lines 56-57
Jb = torch.autograd.functional.jacobian(lambda bb: layer(T(X), T(w), bb), T(b)).numpy()
decide(56, np.allclose(np.einsum("abcd,abcde->e", eps_, Jb), db), "d_{b_i} L = sum_beta epsilon_beta d_{b_i} X^{(k)}_beta against autograd")
decide(57, np.allclose([sum(eps_[be] * kd(i, be[3]) for be in B) for i in range(nF)], db)
       and np.allclose(eps_.sum((0, 1, 2)), db), "= sum_beta epsilon_beta Kronecker(i, beta_3) = sum_{beta_0,beta_1,beta_2} epsilon_{beta_0,beta_1,beta_2,i}")

# ---- input gradient, lines 63-64
JX = torch.autograd.functional.jacobian(lambda xx: layer(xx, T(w), T(b)), T(X)).numpy()
decide(63, np.allclose(np.einsum("abcd,abcdefgh->efgh", eps_, JX), dX), "d_{X_alpha} L = sum_beta epsilon_beta d_{X_alpha} X^{(k)}_beta against autograd")
row64 = np.zeros_like(X)
for al in itertools.product(range(l), range(H), range(W), range(nC)):
    row64[al] = sum(eps_[al[0], b1, b2, b3] * w[b3, g1, g2, al[3]] * kd(al[1], sig[0] * b1 + dil[0] * g1) * kd(al[2], sig[1] * b2 + dil[1] * g2)
                    for b1 in range(Ho) for b2 in range(Wo) for b3 in range(nF) for g1 in range(FH) for g2 in range(FW))
decide(64, np.allclose(row64, dX), "= sum_{beta_1,beta_2,beta_3,gamma_1,gamma_2} epsilon_{alpha_0,beta_1,beta_2,beta_3} "
       "omega_{beta_3,gamma_1,gamma_2,alpha_3} Kronecker(alpha_1, sigma_1 beta_1 + delta_1 gamma_1) Kronecker(alpha_2, "
       "sigma_2 beta_2 + delta_2 gamma_2) against autograd")
finish()
