"""Independent truth for tests/posts/conv_blind5/chrisyeh96_batchnorm_backprop (NumPy and torch, no derive).

The post's layer: batch normalization in training mode, X [N, D], per column mu and biased sigma^2, X_hat =
(X - mu)/sqrt(sigma^2 + eps), Y = gamma (.) X_hat + beta (gamma, beta rows of D). J = sum(G * Y) for a random G, so
dJ/dY = G. torch batch_norm (training, the same eps) and autograd are the reference, N = 5, D = 3. The column-wise
lines (from 'Column-wise Gradient' on) are checked on one column: X a vector of N numbers, gamma a scalar, 1 the N x N
matrix of ones, I the identity. The lemma is checked with a nonlinear a(B) and c(D) by autograd. Where the post writes
dJ/dR (line 62) R is taken as a free variable with X_hat = c(R) R, as the lemma has it."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(7)
N, D, eps = 5, 3, 1e-3
X = rng.normal(1.0, 1.5, size=(N, D)); gamma = rng.normal(size=D); beta = rng.normal(size=D); G = rng.normal(size=(N, D))
Xt = torch.tensor(X, requires_grad=True); gt = torch.tensor(gamma, requires_grad=True); bt = torch.tensor(beta, requires_grad=True)
mu_t = Xt.mean(0); var_t = ((Xt - mu_t) ** 2).mean(0)
Xh_t = (Xt - mu_t) / torch.sqrt(var_t + eps); Xh_t.retain_grad()
Yt = gt * Xh_t + bt
(Yt * torch.tensor(G)).sum().backward()
dX, dgamma, dbeta, dXh = Xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy(), Xh_t.grad.numpy()
ref = F.batch_norm(torch.tensor(X), None, None, torch.tensor(gamma), torch.tensor(beta), training=True, eps=eps).numpy()
mu = X.mean(0); var = ((X - mu) ** 2).mean(0); Xh = (X - mu) / np.sqrt(var + eps)
assert np.allclose(Yt.detach().numpy(), ref)

decide(4, np.allclose((G * Xh).sum(0), dgamma), "dJ/dgamma = sum_i dJ/dy_i (.) x_hat_i against autograd")
decide(8, np.allclose(G.sum(0), dbeta), "dJ/dbeta = sum_i dJ/dy_i against autograd")
decide(15, np.allclose(G * gamma, dXh), "dJ/dx_hat_ij = dJ/dy_ij gamma_j against autograd (retain_grad at X_hat)")
decide(16, np.allclose(gamma * G, dXh), "dJ/dX_hat = gamma (.) dJ/dY, rows times gamma")
decide(20, np.allclose(Xh, (var + eps) ** -0.5 * (X - mu)) and np.allclose(
    Xh, F.batch_norm(torch.tensor(X), None, None, training=True, eps=eps).numpy()),
    "X_hat = (X - mu)/sqrt(sigma^2 + eps) = (sigma^2 + eps)^(-1/2) (X - mu), torch batch_norm without affine")

# ---- the lemma (lines 30, 36-37), a(B) and c(D) nonlinear
n = 4
Dv = torch.tensor(rng.normal(size=n), requires_grad=True); Wa = torch.tensor(rng.normal(size=n))
cfun = lambda d: torch.sin(d.sum()) + 0.5 * (d ** 2).sum()
afun = lambda b: (torch.tanh(b) * Wa).sum()
Bv = cfun(Dv) * Dv
afun(Bv).backward(); da_dD = Dv.grad.numpy()
dv = Dv.detach()
dc_dD = torch.autograd.functional.jacobian(cfun, dv).numpy()
da_dB = torch.autograd.functional.jacobian(afun, cfun(dv) * dv).numpy()
c0 = cfun(dv).item(); Dn = dv.numpy()
lemma = (np.outer(dc_dD, Dn) + c0 * np.eye(n)) @ da_dB
decide(30, np.allclose(lemma, da_dD), "da/dD = (dc/dD D^T + c(D) I) da/dB against autograd (a, c nonlinear)")
decide(36, np.allclose(dc_dD * (Dn @ da_dB) + c0 * da_dB, da_dD), "dc/dD (D^T da/dB) + c(D) da/dB")
decide(37, np.allclose(lemma, da_dD), "(dc/dD D^T + c(D) I) da/dB")

# ---- one column (lines 45 on)
k = 1
x, g, Gc = X[:, k], gamma[k], G[:, k]
m, s2 = x.mean(), ((x - x.mean()) ** 2).mean()
R = x - m; xh = R / np.sqrt(s2 + eps); one = np.ones((N, N)); I = np.eye(N); oneN = np.ones(N)
dXh_c = g * Gc                                        # dJ/dX_hat for the column
decide(49, np.isclose(s2, var[k]), "sigma^2 = (1/N) sum_i (x_i - mu)^2, the biased batch variance")
decide(50, np.isclose(s2, (x - m) @ (x - m) / N), "= (1/N)(X - mu)^T (X - mu)")
decide(51, np.isclose(s2, R @ R / N), "= (1/N) R^T R")
decide(52, np.allclose(xh, Xh[:, k]), "X_hat = (X - mu)/sqrt(sigma^2 + eps)")
decide(53, np.allclose((R @ R / N + eps) ** -0.5 * R, Xh[:, k]), "= ((1/N) R^T R + eps)^(-1/2) R")
cR = (R @ R / N + eps) ** -0.5
decide(54, np.allclose(cR * R, Xh[:, k]), "= c(R) R")
decide(58, np.isclose(cR, (s2 + eps) ** -0.5), "c(R) = (sigma^2 + eps)^(-1/2) = ((1/N) R^T R + eps)^(-1/2)")
Rt = torch.tensor(R, requires_grad=True)
cR_t = lambda r: ((r @ r) / N + eps) ** -0.5
(torch.tensor(Gc) * (g * (cR_t(Rt) * Rt))).sum().backward()
dJ_dR = Rt.grad.numpy()
dc_dR = torch.autograd.functional.jacobian(cR_t, torch.tensor(R)).numpy()
decide(62, np.allclose((np.outer(dc_dR, R) + cR * I) @ dXh_c, dJ_dR), "dJ/dR = (dc/dR R^T + c(R) I) dJ/dX_hat, R free, "
       "against autograd")
decide(68, np.allclose(R, x - m), "R = X - mu (the choice of line 45)")
decide(69, np.allclose(x - one @ x / N, R), "X - (1/N) 1 X = X - mu (1 the N x N ones)")
decide(70, np.allclose((I - one / N) @ x, R), "= (I - (1/N) 1) X")
decide(77, np.allclose((I - one / N).T @ dJ_dR, dX[:, k]), "dJ/dX = (I - (1/N) 1)^T dJ/dR against autograd through "
       "batch norm")
decide(78, np.allclose((I - one / N) @ (np.outer(dc_dR, R) + cR * I) @ dXh_c, dX[:, k]), "(I - (1/N) 1)[dc/dR R^T + "
       "c(R) I] dJ/dX_hat against autograd")
inner_grad = torch.autograd.functional.jacobian(lambda r: (r @ r) / N + eps, torch.tensor(R)).numpy()
decide(88, np.allclose(dc_dR, torch.autograd.functional.jacobian(cR_t, torch.tensor(R)).numpy()),
       "dc/dR = d/dR ((1/N) R^T R + eps)^(-1/2) (autograd)")
decide(89, np.allclose(-0.5 * (R @ R / N + eps) ** -1.5 * inner_grad, dc_dR), "-1/2 (...)^(-3/2) d/dR(...), the inner "
       "derivative by autograd")
decide(90, np.allclose(-0.5 * (R @ R / N + eps) ** -1.5 * (2 / N) * R, dc_dR), "d/dR ((1/N) R^T R + eps) = (2/N) R")
decide(91, np.allclose(-(1 / N) * (R @ R / N + eps) ** -1.5 * R, dc_dR), "-(1/N)(...)^(-3/2) R")
decide(92, np.allclose(-(1 / N) * (s2 + eps) ** -1.5 * (x - m), dc_dR), "-(1/N)(sigma^2 + eps)^(-3/2)(X - mu)")
rows = {
    101: (I - one / N) @ (np.outer(dc_dR, R) + cR * I) @ dXh_c,
    102: (I - one / N) @ (-(1 / N) * (s2 + eps) ** -1.5 * np.outer(x - m, x - m) + (s2 + eps) ** -0.5 * I) @ dXh_c,
    103: (s2 + eps) ** -0.5 * (I - one / N) @ (-(1 / N) * np.outer((x - m) / np.sqrt(s2 + eps), (x - m) / np.sqrt(s2 + eps)) + I) @ dXh_c,
    104: (s2 + eps) ** -0.5 * (I - one / N) @ (-(1 / N) * np.outer(xh, xh) + I) @ dXh_c,
    105: (s2 + eps) ** -0.5 * (-(1 / N) * np.outer(xh, xh) + I + (1 / N ** 2) * one @ np.outer(xh, xh) - (1 / N) * one) @ dXh_c,
    106: (s2 + eps) ** -0.5 * (-(1 / N) * np.outer(xh, xh) + I - (1 / N) * one) @ dXh_c,
}
for ln, v in rows.items():
    decide(ln, np.allclose(v, dX[:, k]), "this member of the dJ/dX chain times dJ/dX_hat, against autograd")
decide(110, np.allclose(one @ xh, 0), "1 X_hat = 0: every entry is sum_i (x_i - mu)/sqrt(sigma^2 + eps) = 0")
decide(112, np.allclose(dXh[:, k], g * Gc), "for one column dJ/dX_hat = gamma dJ/dY (gamma a scalar)")
dgam_c, dbet_c = xh @ Gc, oneN @ Gc
r117 = (s2 + eps) ** -0.5 * (-(1 / N) * np.outer(xh, xh) + I - (1 / N) * one) @ dXh_c
r118 = g * (s2 + eps) ** -0.5 * (-(1 / N) * np.outer(xh, xh) @ Gc + Gc - (1 / N) * one @ Gc)
r119 = (1 / N) * g * (s2 + eps) ** -0.5 * (-dgam_c * xh + N * Gc - oneN * dbet_c)
decide(117, np.allclose(r117, dX[:, k]), "as line 106")
decide(118, np.allclose(r118, dX[:, k]), "gamma pulled out, dJ/dX_hat = gamma dJ/dY")
decide(119, np.allclose(r119, dX[:, k]), "(1/N) gamma (sigma^2+eps)^(-1/2)[-dJ/dgamma X_hat + N dJ/dY - 1_N dJ/dbeta], "
       "dJ/dgamma = X_hat^T dJ/dY, dJ/dbeta = 1^T dJ/dY (the column's), against autograd")
full = (1 / N) * gamma * (var + eps) ** -0.5 * (-dgamma * Xh + N * G - np.outer(np.ones(N), dbeta))
decide(127, np.allclose(full, dX), "the D-column form, gamma, dJ/dgamma, dJ/dbeta rows broadcast over the rows, against "
       "autograd through torch batch_norm")
finish()
