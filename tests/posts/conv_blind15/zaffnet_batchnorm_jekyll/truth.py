"""Independent truth for tests/posts/conv_blind15/zaffnet_batchnorm_jekyll (NumPy and torch, no derive).

The post (a Jekyll blog post of 2017 after the Batch Normalization paper and CS231n): batch normalization of one
feature over a mini-batch B = {x_1..x_m} (mu_B, the biased sigma_B^2, eps inside the root, y_i = gamma x_hat_i + beta),
then dL/dgamma, dL/dbeta, dL/dx_hat_i, dL/dsigma_B^2, dL/dmu_B and dL/dx_i, each an aligned display of chain-rule rows,
with t = 1/sqrt(sigma_B^2 + eps) from line 60 on. Indices 1-based over the batch; the post drops the feature index k,
so here 3 features are handled together, every formula elementwise per feature. m = 5 samples (so that the upper
bound 2 of line 60 is not m), eps = 1e-5, L = sum(G y) with G random: dL/dy = G. Node gradients (dL/dx_hat,
dL/dsigma_B^2 and dL/dmu_B as total derivatives by those nodes) from batch_norm_graph (../../conv/verdicts.py, torch
autograd, checked against torch batch_norm); local partials with the other inputs held from torch.autograd."""
import sys
from pathlib import Path

import numpy as np
import torch

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, finish and the batch-norm graph
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import batch_norm_graph, decide, finish  # noqa: E402

rng = np.random.default_rng(1517)
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
m, eps = 5, 1e-5
X = rng.normal([0.4, -1.2, 2.0], [1.2, 0.8, 1.7], size=(m, 3))
gamma = rng.normal(1.0, 0.5, 3); beta = rng.normal(size=3)
G = rng.normal(size=(m, 3))
g = batch_norm_graph(X, gamma, beta, G, eps)

# ---- forward (lines 7-10)
mu = sum(X[i] for i in range(m)) / m
var = sum((X[i] - mu) ** 2 for i in range(m)) / m
xh = (X - mu) / np.sqrt(var + eps)
decide(7, np.allclose(mu, X.mean(0)), "mu_B = (1/m) sum_i x_i (definition, the batch mean)")
decide(8, np.allclose(var, torch.var(T(X), 0, unbiased=False).numpy()), "sigma_B^2 = (1/m) sum_i (x_i - mu_B)^2 "
       "(definition, the biased batch variance)")
decide(9, np.allclose(xh, g["xh"]), "x_hat_i = (x_i - mu_B)/sqrt(sigma_B^2 + eps) against the graph's x_hat")
decide(10, np.allclose(gamma * xh + beta, g["y"]), "y_i = gamma x_hat_i + beta = BN(x_i) against torch batch_norm "
       "(training mode)")

# local partials of y_i by gamma, beta, x_hat_i (for the parentheticals) from autograd
dy_dgamma = torch.autograd.functional.jacobian(lambda gm: gm * T(xh) + T(beta), T(gamma)).numpy()   # [i,f,f']
dy_dbeta = torch.autograd.functional.jacobian(lambda bt: T(gamma) * T(xh) + bt, T(beta)).numpy()
dy_dxh = torch.autograd.functional.jacobian(lambda v: T(gamma) * v + T(beta), T(xh)).numpy()       # [i,f,j,f']
dyg = np.einsum("iff->if", dy_dgamma); dyb = np.einsum("iff->if", dy_dbeta)
dyx = np.array([[dy_dxh[i, f, i, f] for f in range(3)] for i in range(m)])

# ---- dL/dgamma (lines 26-27), dL/dbeta (36-37), dL/dx_hat (45-46)
decide(26, np.allclose((G * dyg).sum(0), g["dgamma"]), "dL/dgamma = sum_i dL/dy_i dy_i/dgamma against autograd")
decide(27, np.allclose((xh * G).sum(0), g["dgamma"]) and np.allclose(dyg, xh), "= sum_i x_hat_i dL/dy_i, with "
       "dy_i/dgamma = x_hat_i, against autograd")
decide(36, np.allclose((G * dyb).sum(0), g["dbeta"]), "dL/dbeta = sum_i dL/dy_i dy_i/dbeta against autograd")
decide(37, np.allclose(G.sum(0), g["dbeta"]) and np.allclose(dyb, 1), "= sum_i dL/dy_i, with dy_i/dbeta = 1")
decide(45, np.allclose(G * dyx, g["dxh"]), "dL/dx_hat_i = dL/dy_i dy_i/dx_hat_i against autograd")
decide(46, np.allclose(gamma * G, g["dxh"]) and np.allclose(dyx, gamma), "= gamma dL/dy_i, with dy_i/dx_hat_i = gamma")

# ---- dL/dsigma_B^2 (lines 56-60)
# partial of x_hat_i by sigma_B^2 with x_i and mu_B held, from autograd
xh_of = lambda xx, mm, vv: (xx - mm) / torch.sqrt(vv + eps)
dxh_dvar = np.array([torch.autograd.functional.jacobian(lambda vv: xh_of(T(X[i]), T(mu), vv), T(var)).numpy().diagonal()
                     for i in range(m)])
dxh_dmu = np.array([torch.autograd.functional.jacobian(lambda mm: xh_of(T(X[i]), mm, T(var)), T(mu)).numpy().diagonal()
                    for i in range(m)])
decide(56, np.allclose((g["dxh"] * dxh_dvar).sum(0), g["dvar"]), "dL/dsigma_B^2 = sum_i dL/dx_hat_i dx_hat_i/dsigma_B^2 "
       "(sigma_B^2 feeds only the x_hat_i) against autograd")
l57 = sum(gamma * G[i] * (X[i] - mu) * (-1 / 2) * (var + eps) ** (-3 / 2) for i in range(m))
decide(57, np.allclose(l57, g["dvar"]), "= sum_i gamma dL/dy_i (x_i - mu_B)(-1/2)(sigma_B^2 + eps)^(-3/2) against "
       "autograd")
decide(58, np.allclose(dxh_dvar, (X - mu) * (-1 / 2) * (var + eps) ** (-3 / 2)), "dx_hat_i/dsigma_B^2 = (x_i - mu_B)"
       "(-1/2)(sigma_B^2 + eps)^(-3/2), the partial with x_i and mu_B held")
l59 = -gamma * (-1 / 2) * (var + eps) ** (-3 / 2) * sum(G[i] * (X[i] - mu) for i in range(m))
print(f"   (line 59: printed -gamma (-1/2)(sigma^2+eps)^(-3/2) sum = {np.round(l59, 5)}; autograd {np.round(g['dvar'], 5)}: "
      f"the sign is flipped)")
decide(59, np.allclose(l59, g["dvar"]), "= -gamma (-1/2)(sigma_B^2 + eps)^(-3/2) sum_i dL/dy_i (x_i - mu_B): taking the "
       "constants out of the sum gives -(gamma/2)(sigma_B^2 + eps)^(-3/2) sum ..., but the printed -gamma times -1/2 is "
       "+gamma/2: the minus sign is doubled and the value has the wrong sign")
t = 1 / np.sqrt(var + eps)
l60 = (-gamma * t ** 3) / 2 * sum(G[i] * (X[i] - mu) for i in range(2))
l60_m = (-gamma * t ** 3) / 2 * sum(G[i] * (X[i] - mu) for i in range(m))
print(f"   (line 60: the sum to 2 gives {np.round(l60, 5)}; with the bound m it would be {np.round(l60_m, 5)}, autograd "
      f"{np.round(g['dvar'], 5)})")
decide(60, np.allclose(l60, g["dvar"]), "= (-gamma t^3/2) sum_{i=1}^{2} dL/dy_i (x_i - mu_B), t = 1/sqrt(sigma_B^2 + eps): "
       "the sign is right again, but the sum stops at i = 2 where it runs over the whole batch (i = 1..m; right only "
       "for m = 2)")

# ---- dL/dmu_B (lines 70-74)
dvar_dmu = torch.autograd.functional.jacobian(lambda mm: ((T(X) - mm) ** 2).mean(0), T(mu)).numpy().diagonal()
decide(70, np.allclose((g["dxh"] * dxh_dmu).sum(0) + g["dvar"] * dvar_dmu, g["dmu"]), "dL/dmu_B = sum_i dL/dx_hat_i "
       "dx_hat_i/dmu_B + dL/dsigma_B^2 dsigma_B^2/dmu_B (partials with x held) against autograd's total dL/dmu_B")
l71 = sum(gamma * G[i] * (-1 / np.sqrt(var + eps)) for i in range(m)) + g["dvar"] * (1 / m) * sum(-2 * (X[i] - mu)
                                                                                             for i in range(m))
decide(71, np.allclose(l71, g["dmu"]) and np.allclose(dxh_dmu, -1 / np.sqrt(var + eps)), "= sum_i gamma dL/dy_i "
       "(-1/sqrt(sigma_B^2 + eps)) + dL/dsigma_B^2 (1/m) sum_i -2(x_i - mu_B), with dx_hat_i/dmu_B = -1/sqrt(sigma_B^2 + eps)")
decide(72, np.allclose(dvar_dmu, (1 / m) * (-2 * (X - mu)).sum(0)), "dsigma_B^2/dmu_B = (1/m) sum_i -2(x_i - mu_B), the "
       "partial with x held (the parenthetical's second half)")
l73 = -gamma * t * G.sum(0) + g["dvar"] * (1 / m) * (-2 * (X - mu)).sum(0)
decide(73, np.allclose(l73, g["dmu"]), "= -gamma t sum_i dL/dy_i + dL/dsigma_B^2 (1/m) sum_i -2(x_i - mu_B) against "
       "autograd")
decide(74, np.allclose(-gamma * t * G.sum(0), g["dmu"]), "= -gamma t sum_i dL/dy_i (the second term is 0) against "
       "autograd")

# ---- dL/dx_i (lines 84-87)
l84 = g["dxh"] / np.sqrt(var + eps) + g["dvar"] * 2 * (X - mu) / m + g["dmu"] / m
decide(84, np.allclose(l84, g["dx"]), "dL/dx_i = dL/dx_hat_i dx_hat_i/dx_i + dL/dsigma_B^2 dsigma_B^2/dx_i + dL/dmu_B "
       "dmu_B/dx_i with the node gradients against autograd's dL/dx")
dvar_true = -gamma * t ** 3 / 2 * (G * (X - mu)).sum(0)                  # the right dL/dsigma_B^2 the line carries
first = gamma * G / np.sqrt(var + eps)
third = -gamma * t * G.sum(0) / m
# reading A (literal): the sum over i runs over the whole product, so (2/m)(x_i - mu_B) is summed with it
l85_literal = first - gamma * t ** 3 / 2 * sum(G[i] * (X[i] - mu) * (2 / m) * (X[i] - mu) for i in range(m)) + third
# reading B: the sum closes with its parenthesis and (2/m)(x_i - mu_B) takes the free i of dL/dx_i
l85_closed = first - gamma * t ** 3 / 2 * (G * (X - mu)).sum(0) * (2 / m) * (X - mu) + third
print(f"   (line 85, feature 1: autograd dL/dx = {np.round(g['dx'][:, 0], 5)}; the sum over the whole product (literal) "
      f"{np.round(l85_literal[:, 0], 5)}; the sum closed at its parenthesis {np.round(l85_closed[:, 0], 5)})")
decide(85, np.allclose(l85_literal, g["dx"]), "= gamma dL/dy_i/sqrt(sigma_B^2 + eps) - (gamma t^3/2) sum_{i=1}^m "
       "(dL/dy_i (x_i - mu_B)) (2/m)(x_i - mu_B) - gamma t sum_i (dL/dy_i)(1/m): read as printed, the sum over i takes in "
       "the factor (2/m)(x_i - mu_B), whose i is the summation index, so the term is a number per feature, the same for "
       "every sample, not (2/m)(x_i - mu_B) dL/dsigma_B^2; only with the sum closed at its parenthesis and the outer i "
       "(a second index the line does not write) is the row right")
l86 = np.allclose(1 / np.sqrt(var + eps), np.array([torch.autograd.functional.jacobian(
    lambda xx: xh_of(xx, T(mu), T(var)), T(X[i])).numpy().diagonal() for i in range(m)]))
dvar_dx = np.array([torch.autograd.functional.jacobian(lambda xx: ((xx - T(mu)) ** 2 + sum(
    (T(X[j]) - T(mu)) ** 2 for j in range(m) if j != i)) / m, T(X[i])).numpy().diagonal() for i in range(m)])
l86 &= np.allclose(dvar_dx, 2 / m * (X - mu))
dmu_dx = torch.autograd.functional.jacobian(lambda xx: xx.mean(0), T(X)).numpy()               # [f, i, f']
l86 &= np.allclose(np.array([[dmu_dx[f, i, f] for f in range(3)] for i in range(m)]), 1 / m)
decide(86, l86, "the parenthetical: dx_hat_i/dx_i = 1/sqrt(sigma_B^2 + eps), dsigma_B^2/dx_i = (2/m)(x_i - mu_B), "
       "dmu_B/dx_i = 1/m, the partials on the three paths (the other inputs of each node held)")
l87 = gamma * t / m * (m * G - t ** 2 * (X - mu) * (G * (X - mu)).sum(0) - G.sum(0))
decide(87, np.allclose(l87, g["dx"]), "= (gamma t/m)[m dL/dy_i - t^2 (x_i - mu_B) sum_i dL/dy_i (x_i - mu_B) - sum_i "
       "dL/dy_i] (the factor (x_i - mu_B) stands before the sum, so its i is the free one) against autograd")
finish()
