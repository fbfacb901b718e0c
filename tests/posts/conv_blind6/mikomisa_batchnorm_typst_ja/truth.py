"""Independent truth for tests/posts/conv_blind6/mikomisa_batchnorm_typst_ja (NumPy and torch, no derive).

The document's layer (Typst math, Japanese prose): batch normalization in training mode of X (B samples as rows, C
features as columns), per column j: mu_j = (1/B) sum_k x^(k)_j, sigma^2_j = (1/B) sum_k (x^(k)_j - mu_j)^2 (biased),
z^(i)_j = (x^(i)_j - mu_j)/sigma_j with sigma_j = sqrt(sigma^2_j) (no epsilon: the document has none), then
y^(i)_j = gamma_j z^(i)_j + beta_j. u^(k)_j = x^(k)_j - mu_j. L = sum(G * y) for a random G, so dL/dy^(k)_j = G_kj.
The staged quantities are the gradients at the nodes of the document's graph x -> mu -> u -> sigma^2 -> sigma -> z -> y
(retain_grad on each): dL/dz, dL/dsigma^2, dL/du^(k) (through z^(k) and sigma^2) and dL/dmu (through every u^(k));
the local partials (dz/dsigma with u held, dsigma/dsigma^2, dsigma^2/du^(k), the 'direct' dz^(k)/du^(k) with sigma held,
the total dz^(k)/du^(k) through sigma^2) come from torch Jacobians. torch batch_norm (training, eps = 1e-12 standing
for 0: torch refuses 0) and autograd are the reference, B = 5, C = 3."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(47)
B, C = 5, 3
X = rng.normal(0.5, 1.4, size=(B, C)); gamma = rng.normal(1.0, 0.5, size=C); beta = rng.normal(size=C); G = rng.normal(size=(B, C))
T = lambda a: torch.tensor(a, dtype=torch.float64)
xt = T(X).requires_grad_(); gt = T(gamma).requires_grad_(); bt = T(beta).requires_grad_()
mu_t = xt.mean(0); mu_t.retain_grad()
u_t = xt - mu_t; u_t.retain_grad()
var_t = (u_t ** 2).mean(0); var_t.retain_grad()
sig_t = torch.sqrt(var_t); sig_t.retain_grad()
z_t = u_t / sig_t; z_t.retain_grad()
y_t = gt * z_t + bt
(y_t * T(G)).sum().backward()
assert np.allclose(y_t.detach().numpy(), F.batch_norm(T(X), None, None, T(gamma), T(beta), training=True, eps=1e-12).numpy())
dx, dgamma, dbeta = xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()
dmu, du, dvar, dz = mu_t.grad.numpy(), u_t.grad.numpy(), var_t.grad.numpy(), z_t.grad.numpy()
mu = X.mean(0); u = X - mu; var = (u ** 2).mean(0); sig = np.sqrt(var); z = u / sig

# ---- forward, lines 7-10
decide(7, np.allclose(X.sum(0) / B, mu), "mu_j = (1/B) sum_k x^(k)_j")
decide(8, np.allclose(((X - mu) ** 2).sum(0) / B, torch.var(T(X), 0, unbiased=False).numpy()), "sigma^2_j = (1/B) sum_k "
       "(x^(k)_j - mu_j)^2, the biased variance")
decide(9, np.allclose((X - mu) / sig, z_t.detach().numpy()), "z^(i)_j = (x^(i)_j - mu_j)/sigma_j, sigma_j = sqrt(sigma^2_j)")
decide(10, np.allclose(gamma * z + beta, y_t.detach().numpy()), "y^(i)_j = gamma_j z^(i)_j + beta_j against torch batch_norm "
       "(training, eps = 1e-12 standing for 0)")

# ---- Y to Z, lines 24-33
decide(24, np.allclose(G * gamma, dz), "dL/dz^(i)_j = dL/dy^(i)_j dy/dz = dL/dy^(i)_j gamma_j (retain_grad at z)")
decide(25, np.allclose((G * z).sum(0), dgamma), "dL/dgamma_j = sum_k dL/dy^(k)_j dy^(k)_j/dgamma_j (= z^(k)_j) against autograd")
decide(26, np.allclose((G * z).sum(0), dgamma), "= sum_k dL/dy^(k)_j z^(k)_j")
decide(27, np.allclose(G.sum(0), dbeta), "dL/dbeta_j = sum_k dL/dy^(k)_j dy^(k)_j/dbeta_j (= 1) against autograd")
decide(28, np.allclose(G.sum(0), dbeta), "= sum_k dL/dy^(k)_j")
decide(32, np.allclose(sum(G[k] * z[k] for k in range(B)), dgamma), "dL/dgamma = sum_k dL/dy^(k) (.) z^(k) (vector form)")
decide(33, np.allclose(sum(G[k] for k in range(B)), dbeta), "dL/dbeta = sum_k dL/dy^(k) (vector form)")

# ---- Z to X, lines 35-122
decide(35, np.allclose(u, u_t.detach().numpy()), "u^(i)_j := x^(i)_j - mu_j (definition)")
print(f"   (line 37: (1/B) sum_k (u^(k)_j)^2 = {np.round((u ** 2).mean(0), 4)} is sigma^2_j; sigma_j = {np.round(sig, 4)})")
decide(37, np.allclose((u ** 2).sum(0) / B, sig), "sigma_j = (1/B) sum_k (u^(k)_j)^2: the right side is sigma^2_j of line 8, "
       "sigma_j (the divisor of line 9, with dsigma_j/dsigma^2_j = 1/(2 sigma_j) on line 45) is its square root")
J_zs = torch.autograd.functional.jacobian(lambda s: T(u) / s, T(sig)).numpy()            # z(u, sigma), u held: [B, C, C]
dz_dsig = np.stack([J_zs[:, j, j] for j in range(C)], 1)
decide(43, np.allclose(dz_dsig, -u / sig ** 2), "z^(k)_j = u^(k)_j/sigma_j => dz^(k)_j/dsigma_j = -u^(k)_j/sigma_j^2 "
       "(u held; torch Jacobian)")
decide(45, np.allclose(np.diag(torch.autograd.functional.jacobian(torch.sqrt, T(var)).numpy()), 1 / (2 * sig)),
       "dsigma_j/dsigma^2_j = 1/(2 sigma_j)")
decide(46, np.allclose((dz * dz_dsig * 1 / (2 * sig)).sum(0), dvar), "dL/dsigma^2_j = sum_k dL/dz^(k)_j dz^(k)_j/dsigma_j "
       "dsigma_j/dsigma^2_j against the gradient at the sigma^2 node")
decide(47, np.allclose(-1 / (2 * sig ** 3) * (dz * u).sum(0), dvar), "= -1/(2 sigma^3_j) sum_k dL/dz^(k)_j u^(k)_j")
J_vu = torch.autograd.functional.jacobian(lambda a: (a ** 2).mean(0), T(u)).numpy()      # [C, B, C]
dvar_du = np.stack([[J_vu[j, k, j] for j in range(C)] for k in range(B)])
print(f"   (line 51: its conclusion dsigma^2_j/du^(k)_j = 2u^(k)_j/B holds: {np.allclose(dvar_du, 2 * u / B)}; its "
      f"premise restates line 37)")
decide(51, np.allclose((u ** 2).sum(0) / B, sig) and np.allclose(dvar_du, 2 * u / B), "'sigma_j = (1/B) sum_k (u^(k)_j)^2 "
       "=> dsigma^2_j/du^(k)_j = 2/B u^(k)_j': the derivative is right, but the row states again the identity of line 37, "
       "sigma_j for sigma^2_j (carried)")
J_direct = torch.autograd.functional.jacobian(lambda a: a / T(sig), T(u)).numpy()      # z(u, sigma), sigma held
decide(55, np.allclose(np.array([[J_direct[k, j, k, j] for j in range(C)] for k in range(B)]), 1 / sig),
       "the 'direct' dz^(k)_j/du^(k)_j = 1/sigma_j (sigma held)")
J_zu = torch.autograd.functional.jacobian(lambda a: a / torch.sqrt((a ** 2).mean(0)), T(u)).numpy()   # total, [B, C, B, C]
dz_du_total = np.stack([[J_zu[k, j, k, j] for j in range(C)] for k in range(B)])
dz_dvar = -u / (2 * sig ** 3)                                                           # dz^(k)_j/dsigma^2_j, u held
decide(59, np.allclose(1 / sig + dz_dvar * dvar_du, dz_du_total), "dz^(k)_j/du^(k)_j = (direct) + dz^(k)_j/dsigma^2_j "
       "dsigma^2_j/du^(k)_j, the total derivative of z^(k)_j by u^(k)_j through sigma^2 (torch Jacobian)")
decide(60, np.allclose(1 / sig + 2 / B * u * dz_dvar, dz_du_total), "= 1/sigma_j + 2/B u^(k)_j dz^(k)_j/dsigma^2_j")
decide(61, np.allclose(dz / sig + 2 / B * u * dvar, du), "dL/du^(k)_j = dL/dz^(k)_j/sigma_j + 2/B u^(k)_j dL/dsigma^2_j "
       "against the gradient at the u node")
decide(65, np.allclose(np.diag(torch.autograd.functional.jacobian(lambda m_: T(X)[0] - m_, T(mu)).numpy()), -1),
       "u^(k)_j = x^(k)_j - mu_j => du^(k)_j/dmu_j = -1")
decide(66, np.allclose((du * -1).sum(0), dmu), "dL/dmu_j = sum_k dL/du^(k)_j du^(k)_j/dmu_j against the gradient at the mu node")
decide(67, np.allclose(-du.sum(0), dmu), "= -sum_k dL/du^(k)_j")
decide(68, np.allclose(-(dz / sig + 2 / B * u * dvar).sum(0), dmu), "= -sum_k [dL/dz^(k)_j/sigma_j + 2/B u^(k)_j dL/dsigma^2_j]")
decide(69, np.allclose(-1 / sig * dz.sum(0) - 2 / B * dvar * u.sum(0), dmu), "= -1/sigma_j sum_k dL/dz^(k)_j "
       "- 2/B dL/dsigma^2_j sum_k u^(k)_j")
su = u.sum(0)
decide(73, np.allclose(su, (X - mu).sum(0)), "sum_k u^(k)_j = sum_k (x^(k)_j - mu_j)")
decide(74, np.allclose(su, X.sum(0) - B * mu), "= sum_k x^(k)_j - B mu_j")
decide(75, np.allclose(su, X.sum(0) - X.sum(0)), "= sum_k x^(k)_j - sum_k x^(k)_j")
decide(76, np.allclose(su, 0), "= 0")
decide(80, np.allclose(-1 / sig * dz.sum(0), dmu), "dL/dmu_j = -1/sigma_j sum_k dL/dz^(k)_j")
decide(84, np.allclose(torch.autograd.functional.jacobian(lambda a: a.mean(0), T(X)).numpy()[0, 0, 0], 1 / B),
       "mu_j = (1/B) sum_k x^(k)_j => dmu_j/dx^(i)_j = 1/B")
decide(85, np.allclose(du * 1 + dmu / B, dx), "dL/dx^(i)_j = dL/du^(i)_j (du/dx direct = 1) + dL/dmu_j dmu_j/dx^(i)_j "
       "(node gradients) against autograd")
decide(86, np.allclose(du + dmu / B, dx), "= dL/du^(i)_j + 1/B dL/dmu_j")
decide(87, np.allclose(du - 1 / (B * sig) * dz.sum(0), dx), "= dL/du^(i)_j - 1/(B sigma_j) sum_k dL/dz^(k)_j")
decide(91, np.allclose(dz / sig + 2 / B * u * dvar, du), "dL/du^(i)_j = dL/dz^(i)_j/sigma_j + 2/B u^(i)_j dL/dsigma^2_j")
decide(92, np.allclose(dz / sig + 2 / B * u * (-1 / (2 * sig ** 3) * (dz * u).sum(0)), du), "dL/dsigma^2_j of line 47 "
       "substituted")
decide(93, np.allclose(dz / sig - 1 / sig * (1 / B) * u / sig * (dz * u / sig).sum(0), du), "= dL/dz^(i)_j/sigma_j - "
       "1/sigma_j 1/B u^(i)_j/sigma_j sum_k dL/dz^(k)_j u^(k)_j/sigma_j")
decide(94, np.allclose(dz / sig - 1 / sig * z / B * (dz * z).sum(0), du), "= dL/dz^(i)_j/sigma_j - 1/sigma_j z^(i)_j/B "
       "sum_k dL/dz^(k)_j z^(k)_j")
row98 = dz / sig - 1 / sig * z / B * (dz * z).sum(0)
print(f"   (line 98: the row is dL/du^(i)_j (line 94) = {np.round(row98[0], 4)} for sample 1; dL/dx = {np.round(dx[0], 4)}; "
      f"the difference is -1/(B sigma_j) sum_k dL/dz^(k)_j = {np.round(-1 / (B * sig) * dz.sum(0), 4)})")
decide(98, np.allclose(row98, dx), "the first row of the summary gives dL/dx^(i)_j the value of dL/du^(i)_j (line 94); "
       "it drops the term -1/(B sigma_j) sum_k dL/dz^(k)_j of line 87 (through mu), which the next row adds")
decide(99, np.allclose(row98 - 1 / (B * sig) * dz.sum(0), dx), "= dL/dz^(i)_j/sigma_j - 1/sigma_j z^(i)_j/B sum_k "
       "dL/dz^(k)_j z^(k)_j - 1/(B sigma_j) sum_k dL/dz^(k)_j against autograd")
decide(100, np.allclose(1 / sig * (dz - z / B * (dz * z).sum(0) - dz.sum(0) / B), dx), "= 1/sigma_j [dL/dz^(i)_j - "
       "z^(i)_j/B sum_k dL/dz^(k)_j z^(k)_j - 1/B sum_k dL/dz^(k)_j]")
decide(103, np.allclose(gamma / sig * (G - z / B * (G * z).sum(0) - G.sum(0) / B), dx), "= gamma_j/sigma_j [dL/dy^(i)_j - "
       "z^(i)_j/B sum_k dL/dy^(k)_j z^(k)_j - 1/B sum_k dL/dy^(k)_j]")
decide(107, np.allclose(dz, gamma * G), "dL/dz^(i)_j = gamma_j dL/dy^(i)_j")
decide(109, np.allclose(gamma / sig * (G - z / B * dgamma - dbeta / B), dx), "dL/dx^(i)_j = gamma_j/sigma_j [dL/dy^(i)_j - "
       "z^(i)_j/B dL/dgamma_j - 1/B dL/dbeta_j]")
decide(115, all(np.allclose(gamma / sig * (G[i] - 1 / B * (z[i] * dgamma + dbeta)), dx[i]) for i in range(B)),
       "dL/dx^(i) = gamma/sigma (.) [dL/dy^(i) - 1/B {z^(i) (.) dL/dgamma + dL/dbeta}] for every sample i")
ones = np.ones((B, 1))
decide(122, np.allclose((ones @ (gamma / sig)[None]) * (G - 1 / B * (z * (ones @ dgamma[None]) + ones @ dbeta[None])), dx),
       "dL/dX = (1_B . gamma/sigma) (.) [dL/dY - 1/B {Z (.) (1_B . dL/dgamma) + 1_B . dL/dbeta}], 1_B a column of ones "
       "and '.' the matrix product")
finish()
