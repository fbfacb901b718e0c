"""Independent truth for tests/posts/conv_blind31/zhaoyin214_batchnorm_paper_reading_zh (NumPy and torch, no derive).

The post (Chinese reading notes on Ioffe and Szegedy's Batch Normalization paper, zhaoyin214/paper_reading, at the
commit pinned in truth.toml), section 3: the per-feature whitening x_hat^(k) = (x^(k) - E[x^(k)])/sqrt(Var[x^(k)]) and
y^(k) = gamma^(k) x_hat^(k) + beta^(k); Algorithm 1 over a mini-batch B = {x_1..x_m} (mu_B, the biased sigma_B^2, eps
inside the root); the backward derivation (1)-(6) with l_Sigma = sum_i l(x_i, Theta) the mini-batch loss and l the
loss of one sample; the PS; and section 3.1's inference with E[x] = E_B[mu_B], Var[x] = m/(m-1) E_B[sigma_B^2].

Checked in float64 with 3 features handled together (every formula elementwise per feature, sums over the batch
axis): training with m = 5, eps = 1e-5, the loss of sample i l(x_i, Theta) = sum_k G_ik y_ik for a random G (so
dl/dy_i = G_i and l_Sigma = sum(G y)), node gradients from batch_norm_graph (../../conv/verdicts.py, torch autograd,
checked against torch batch_norm); the whitening on a data set of 40 samples; the expectations over mini-batches by
enumerating every batch of m = 3 drawn from 5 samples; inference against torch batch_norm with training=False.
Readings: dl/dx_hat_i and dl/dy_i are the derivatives of the sample's own loss l(x_i, Theta), which equal
dl_Sigma/dx_hat_i and dl_Sigma/dy_i (the PS); dl_Sigma/dsigma_B^2 and dl_Sigma/dmu_B are the total derivatives by those
nodes; dx_hat_i/dsigma_B^2, dx_hat_i/dmu_B, dsigma_B^2/dmu_B and the three partials of (4) are local partials with the
node's other inputs held, as in the paper. A row that runs over several lines is claimed on its first line."""
import itertools
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, finish and the batch-norm graph
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import batch_norm_graph, decide, finish  # noqa: E402

rng = np.random.default_rng(3101)
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
ok = lambda p, q: np.shape(p) == np.shape(q) and np.allclose(p, q, rtol=1e-10, atol=1e-12)

# ---- section 3 (1): whitening with the training set's statistics, lines 9, 15, 17 (40 samples, 3 features)
D = rng.normal([0.5, -1.0, 2.0], [1.3, 0.6, 2.2], size=(40, 3))
E, Var = D.mean(0), D.var(0)
xh_w = (D - E) / np.sqrt(Var)
decide(9, ok(xh_w.mean(0), np.zeros(3)) and ok(xh_w.var(0), np.ones(3)),
       "x_hat^(k) = (x^(k) - E[x^(k)])/sqrt(Var[x^(k)]) over the training set: per feature mean 0 and variance 1")
gam_w, bet_w = rng.normal(size=3), rng.normal(size=3)
decide(15, ok(gam_w * xh_w + bet_w, gam_w * (D - E) / np.sqrt(Var) + bet_w),
       "y^(k) = gamma^(k) x_hat^(k) + beta^(k) (definition, one scale and shift per feature)")
decide(17, ok(np.sqrt(Var) * xh_w + E, D), "gamma^(k) = sqrt(Var[x^(k)]), beta^(k) = E[x^(k)] map x_hat^(k) back to "
       "x^(k): y^(k) = x^(k), the original activation restored")

# ---- Algorithm 1 and the training layer: one mini-batch of m = 5, eps = 1e-5
m, eps = 5, 1e-5
X = rng.normal([0.3, 1.0, -0.5], [1.1, 0.7, 1.6], size=(m, 3))
gamma, beta = rng.normal(1.0, 0.4, 3), rng.normal(size=3)
G = rng.normal(size=(m, 3))                                   # dl/dy_i: the loss of sample i is sum_k G_ik y_ik
g = batch_norm_graph(X, gamma, beta, G, eps)
muB = sum(X[i] for i in range(m)) / m
varB = sum((X[i] - muB) ** 2 for i in range(m)) / m
xh = (X - muB) / np.sqrt(varB + eps)
y = gamma * xh + beta
decide(39, ok(muB, X.mean(0)), "mu_B <- (1/m) sum_i x_i, the batch mean per feature")
decide(41, ok(varB, torch.var(T(X), 0, unbiased=False).numpy()), "sigma_B^2 <- (1/m) sum_i (x_i - mu_B)^2, the "
       "biased batch variance")
decide(43, ok(xh, g["xh"]), "x_hat_i <- (x_i - mu_B)/sqrt(sigma_B^2 + eps) against the graph's x_hat")
decide(45, ok(y, g["y"]), "y_i <- gamma x_hat_i + beta = BN(x_i) against torch batch_norm (training mode)")
decide(53, ok(g["y"], gamma * g["xh"] + beta), "x^(k) -> x_hat^(k) (mini-batch normalization) -> y^(k) = gamma^(k) "
       "x_hat^(k) + beta^(k): torch batch_norm is the normalization followed by the affine map")

# the premises restated above each arrow of (1)-(6): the rows of Algorithm 1 again
for line in (62, 114, 124):
    decide(line, ok(gamma * xh + beta, g["y"]), "premise y_i = gamma x_hat_i + beta (Algorithm 1's last row, restated)")
for line in (72, 82, 96):
    decide(line, ok((X - muB) / np.sqrt(varB + eps), g["xh"]), "premise x_hat_i = (x_i - mu_B)/sqrt(sigma_B^2 + eps) "
           "(restated)")
for line in (84, 98):
    decide(line, ok(((X - muB) ** 2).sum(0) / m, varB), "premise sigma_B^2 = (1/m) sum_i (x_i - mu_B)^2 (restated)")
decide(100, ok(X.sum(0) / m, X.mean(0)), "premise mu_B = (1/m) sum_i x_i (restated)")

# ---- the backward derivation (1)-(6); l_i = sum_k G_ik y_ik, l_Sigma = sum_i l_i
dly = G                                                       # dl/dy_i of the sample's own loss = dl_Sigma/dy_i
dlxh = dly * gamma                                            # dl/dx_hat_i = dl_Sigma/dx_hat_i (x_hat_i only feeds y_i)
decide(65, ok(dlxh, g["dxh"]), "dl_Sigma/dx_hat_i (left side on line 64) = dl/dx_hat_i: x_hat_i reaches only y_i, "
       "so the sample's own loss carries the whole derivative (autograd)")
decide(66, ok(dly * gamma, g["dxh"]), "= dl/dy_i dy_i/dx_hat_i = dl/dy_i gamma (autograd)")
dxh_dvar = (X - muB) * (-0.5) * (varB + eps) ** -1.5          # local partial, x_i and mu_B held
dxh_dvar_jac = np.array([[torch.autograd.functional.jacobian(lambda v: (T(X[i, k]) - T(muB[k])) / torch.sqrt(v + eps),
                                                              T(varB[k])).item() for k in range(3)] for i in range(m)])
assert ok(dxh_dvar, dxh_dvar_jac)
decide(75, ok((dlxh * dxh_dvar_jac).sum(0), g["dvar"]), "dl_Sigma/dsigma_B^2 (left side on line 74) = sum_i "
       "dl/dx_hat_i dx_hat_i/dsigma_B^2 (local partial by torch's jacobian) against autograd")
decide(76, ok((dlxh * (X - muB) * (-1 / 2) * (varB + eps) ** (-3 / 2)).sum(0), g["dvar"]),
       "= sum_i dl/dx_hat_i (x_i - mu_B) (-1/2)(sigma_B^2 + eps)^(-3/2) against autograd")
dxh_dmu = -1 / np.sqrt(varB + eps) * np.ones_like(X)          # local partial, x_i and sigma_B^2 held
dvar_dmu = (-2 * (X - muB)).sum(0) / m                        # local partial, the x_i held (its value is 0)
decide(87, ok((dlxh * dxh_dmu).sum(0) + g["dvar"] * dvar_dmu, g["dmu"]), "dl_Sigma/dmu_B (left side on line 86) = "
       "sum_i (dl/dx_hat_i dx_hat_i/dmu_B) + dl_Sigma/dsigma_B^2 dsigma_B^2/dmu_B (the row continues on line 88) "
       "against autograd's dmu, which includes the path through sigma_B^2")
decide(89, ok((dlxh * (-1 / np.sqrt(varB + eps))).sum(0) + g["dvar"] * (-2 * (X - muB) / m).sum(0), g["dmu"]),
       "= (sum_i dl/dx_hat_i (-1/sqrt(sigma_B^2 + eps))) + dl_Sigma/dsigma_B^2 sum_i -2(x_i - mu_B)/m (the row "
       "continues on line 90; the second factor is 0) against autograd")
path_xh = dlxh * (1 / np.sqrt(varB + eps))                    # dl/dx_hat_i dx_hat_i/dx_i, mu_B and sigma_B^2 held
path_var = g["dvar"] * 2 * (X - muB) / m                      # dl_Sigma/dsigma_B^2 dsigma_B^2/dx_i, mu_B held
path_mu = g["dmu"] * (1 / m)                                  # dl_Sigma/dmu_B dmu_B/dx_i
decide(103, ok(path_xh + path_var + path_mu, g["dx"]), "dl_Sigma/dx_i (left side on line 102) = dl/dx_hat_i "
       "dx_hat_i/dx_i + dl_Sigma/dsigma_B^2 dsigma_B^2/dx_i + dl_Sigma/dmu_B dmu_B/dx_i (the row runs to line 105), "
       "with the local partials 1/sqrt(sigma_B^2 + eps), 2(x_i - mu_B)/m, 1/m, against autograd's dl_Sigma/dx_i")
# line 106-108 as printed: the middle factor 2(x_i - mu_B)/d mu_B has a differential for its denominator (read as m,
# the most favourable reading) and the last term is dl_Sigma/dsigma_B^2 . 1/m
row106 = dlxh / np.sqrt(varB + eps) + g["dvar"] * 2 * (X - muB) / m + g["dvar"] * (1 / m)
decide(106, ok(row106, g["dx"]), "= dl/dx_hat_i/sqrt(sigma_B^2 + eps) + dl_Sigma/dsigma_B^2 2(x_i - mu_B)/d mu_B + "
       "dl_Sigma/dsigma_B^2 (1/m) (lines 106-108): the factor dsigma_B^2/dx_i is printed with the differential d mu_B "
       "as its denominator where m belongs (not a number as printed; read as m here), and the last term has "
       "dl_Sigma/dsigma_B^2 where line 105 has dl_Sigma/dmu_B; even with m read for d mu_B the row is not dl_Sigma/dx_i")
print(f"   (line 106, feature 1: the row with m for d mu_B gives {np.round(row106[:, 0], 6)}; autograd "
      f"{np.round(g['dx'][:, 0], 6)}; with dl_Sigma/dmu_B in the last term it would give "
      f"{np.round((path_xh + path_var + path_mu)[:, 0], 6)})")
decide(117, ok((dly * xh).sum(0), g["dgamma"]), "dl_Sigma/dgamma (left side on line 116) = sum_i dl/dy_i dy_i/dgamma "
       "(dy_i/dgamma = x_hat_i) against autograd")
decide(118, ok((dly * xh).sum(0), g["dgamma"]), "= sum_i dl/dy_i x_hat_i against autograd")
decide(127, ok((dly * 1.0).sum(0), g["dbeta"]), "dl_Sigma/dbeta (left side on line 126) = sum_i dl/dy_i dy_i/dbeta "
       "(dy_i/dbeta = 1) against autograd")
decide(128, ok(dly.sum(0), g["dbeta"]), "= sum_i dl/dy_i against autograd")

# the PS: the sample's own loss against the mini-batch loss, by autograd on l_Sigma and on each l_i alone
yt = T(y).requires_grad_()
(yt * T(G)).sum().backward()
own = np.array([torch.autograd.grad((T(G[i]) * (y_ := T(y).requires_grad_())[i]).sum(), y_)[0].numpy()[i]
                for i in range(m)])
decide(133, ok(yt.grad.numpy(), own), "dl_Sigma/dy_i = dl/dy_i: l_Sigma = sum_j l(x_j, Theta) and y_i enters only "
       "the sample's own loss")
decide(134, ok(g["dxh"], own * gamma), "dl_Sigma/dx_hat_i = dl/dx_hat_i: x_hat_i enters only y_i and so only l(x_i, "
       "Theta) (autograd)")

# ---- section 3.1: inference statistics (lines 147, 149), every mini-batch of m = 3 drawn from 5 samples
Ds = rng.normal([0.2, -0.8, 1.5], [1.0, 0.5, 2.0], size=(5, 3))
mb = 3
tuples = np.array(list(itertools.product(range(5), repeat=mb)))         # i.i.d. draws, all equally likely
subsets = np.array(list(itertools.combinations(range(5), mb)))          # without replacement
mus = np.array([Ds[t].mean(0) for t in tuples]); vrs = np.array([Ds[t].var(0) for t in tuples])
mus_w = np.array([Ds[s].mean(0) for s in subsets]); vrs_w = np.array([Ds[s].var(0) for s in subsets])
decide(147, ok(mus.mean(0), Ds.mean(0)) and ok(mus_w.mean(0), Ds.mean(0)),
       "E[x] = E_B[mu_B]: the average of the mini-batch means over every batch is the data mean")
decide(149, ok(mb / (mb - 1) * vrs.mean(0), Ds.var(0)) and ok(mb / (mb - 1) * vrs_w.mean(0), Ds.var(0, ddof=1)),
       "Var[x] = m/(m-1) E_B[sigma_B^2]: Bessel's correction of the biased batch variance (i.i.d. batches: the "
       "distribution's variance; batches without replacement: the unbiased sample variance)")
# line 143: inference with the population statistics, against torch batch_norm in eval mode
Einf, Vinf = Ds.mean(0), Ds.var(0)
Xt = rng.normal(size=(4, 3))
ref = F.batch_norm(T(Xt), T(Einf), T(Vinf), T(gamma), T(beta), training=False, eps=eps).numpy()
decide(143, ok(gamma * (Xt - Einf) / np.sqrt(Vinf + eps) + beta, ref), "inference x_hat = (x - E[x])/sqrt(Var[x] + "
       "eps): gamma x_hat + beta is torch batch_norm with training=False and running statistics E[x], Var[x]")
finish()
