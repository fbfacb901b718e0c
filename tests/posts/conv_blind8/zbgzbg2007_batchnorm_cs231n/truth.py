"""Independent truth for tests/posts/conv_blind8/zbgzbg2007_batchnorm_cs231n (NumPy and torch, no derive).

The note's layer: batch normalization in training mode over a batch x of shape (N, D), per feature j: mu_j the batch
mean, var_j the biased batch variance (np.var), norm = (x - mu)/sqrt(var + eps), out = norm * gamma + beta. The note
writes dout for the upstream gradient dL/dout and 'dout/dX' for dL/dX (line 15: dout/dnorm_ij = dout_ij * gamma_j);
dnorm on line 13 is dL/dnorm = dout * gamma (so defined in the note's first version, outside the excerpt), dnorm/dx the
local partial 1/sqrt(var + eps) with mu and var held. dx1, dx2, dx3 are the three paths x -> norm, x -> var -> norm,
x -> mu -> norm. L = sum(G * out) for a random G, so dout = G; the node gradients dL/dnorm, dL/dvar, dL/dmu come from
retain_grad on the graph mu -> var -> norm (batch_norm_graph in ../../conv/verdicts.py, checked there against torch
batch_norm), local partials from torch Jacobians. N = 5, D = 3, eps = 0.1 (large, so that it visibly matters). Every
line is checked elementwise for every i, j."""
import sys
from pathlib import Path

import numpy as np
import torch

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import batch_norm_graph, decide, finish  # noqa: E402

rng = np.random.default_rng(82)
N, D, eps = 5, 3, 0.1
x = rng.normal(0.4, 1.2, size=(N, D)); gamma = rng.normal(1.0, 0.5, size=D); beta = rng.normal(size=D)
dout = rng.normal(size=(N, D))
g = batch_norm_graph(x, gamma, beta, dout, eps)
dx, dnorm, dvar, dmu, ref = g["dx"], g["dxh"], g["dvar"], g["dmu"], g["y"]
mu = x.mean(0); xmu = x - mu; var = (xmu ** 2).mean(0); s = np.sqrt(var + eps); norm = xmu / s
T = lambda a: torch.tensor(a, dtype=torch.float64)

# local partials from torch: norm as a function of (x, mu, var) with the other two held
norm_f = lambda xx, m, v: (xx - m) / torch.sqrt(v + eps)
Jn_var = torch.autograd.functional.jacobian(lambda v: norm_f(T(x), T(mu), v), T(var)).numpy()   # [i, j, k]
Jn_mu = torch.autograd.functional.jacobian(lambda m: norm_f(T(x), m, T(var)), T(mu)).numpy()
Jn_x = torch.autograd.functional.jacobian(lambda xx: norm_f(xx, T(mu), T(var)), T(x)).numpy()   # [i, j, k, l]
Jmu_x = torch.autograd.functional.jacobian(lambda xx: xx.mean(0), T(x)).numpy()                 # [j, i, l]
Jvar_x = torch.autograd.functional.jacobian(lambda xx: ((xx - xx.mean(0)) ** 2).mean(0), T(x)).numpy()
dnorm_dvar = np.array([[Jn_var[i, j, j] for j in range(D)] for i in range(N)])
dnorm_dmu = np.array([[Jn_mu[i, j, j] for j in range(D)] for i in range(N)])
dnorm_dx = np.array([[Jn_x[i, j, i, j] for j in range(D)] for i in range(N)])
dmu_dx = np.array([[Jmu_x[j, i, j] for j in range(D)] for i in range(N)])
dvar_dx = np.array([[Jvar_x[j, i, j] for j in range(D)] for i in range(N)])

# ---- forward, lines 4-8
decide(4, np.allclose(np.mean(x, axis=0), torch.mean(T(x), 0).numpy()), "mu = np.mean(x, axis = 0), the batch mean per feature")
decide(5, np.allclose(x - mu, xmu), "xmu = x - mu")
decide(6, np.allclose(np.var(x, axis=0), torch.var(T(x), 0, unbiased=False).numpy()), "var = np.var(x, axis = 0), the biased batch variance")
decide(7, np.allclose((x - mu) / np.sqrt(var + eps), g["xh"]), "norm = (x - mu)/sqrt(var + eps)")
decide(8, np.allclose(norm * gamma + beta, ref), "out = norm * gamma + beta against torch batch_norm (training)")

# ---- the path through norm, line 13
dx1 = dnorm * dnorm_dx
decide(13, np.allclose(dnorm, dout * gamma) and np.allclose(dx1, dnorm * (var + eps) ** -0.5),
       "dx1 = dnorm/dx * dnorm = dnorm (var + eps)^(-1/2): dnorm = dL/dnorm = dout * gamma (retain_grad), dnorm/dx the "
       "local partial (Jacobian)")

# ---- the path through var, lines 14-17
decide(14, np.allclose(dnorm_dvar, -0.5 * xmu * (var + eps) ** -1.5), "dnorm_ij/dvar_j = (-1/2)(x_ij - mu_j)(var_j + eps)^(-3/2) (Jacobian)")
row16 = gamma * (var + eps) ** -1.5 * (-0.5) * (dout * xmu).sum(0)
decide(16, np.allclose((dout * gamma * dnorm_dvar).sum(0), dvar) and np.allclose(row16, dvar),
       "dL/dvar_j = sum_i dL/dnorm_ij dnorm_ij/dvar_j = sum_i dout_ij gamma_j xmu_ij (-1/2)(var_j + eps)^(-3/2) = "
       "gamma_j (var_j + eps)^(-3/2)(-1/2) sum_i dout_ij xmu_ij against the gradient at the var node (display lines 15-16)")
true_dx2 = dvar * dvar_dx
row17 = 1. / N * gamma * (var + eps) ** (-1.5) * np.sum(dout * xmu, axis=0) * xmu
print(f"   (line 17: dL/dvar_j dvar_j/dx_ij is {np.round(true_dx2[0], 4)} for sample 1, the printed right side "
      f"{np.round(row17[0], 4)}: the sign is lost; with -1/N it agrees: {np.allclose(-row17, true_dx2)})")
decide(17, np.allclose(row17, true_dx2), "dx2 = dL/dvar_j dvar_j/dx_ij = [-(1/2) gamma_j (var_j + eps)^(-3/2) sum_i dout_ij "
       "xmu_ij] (2/N) xmu_ij = -(1/N) gamma (var + eps)^(-3/2) sum(dout xmu) xmu; the line writes +1/N")

# ---- the path through mu, lines 18-22
decide(18, np.allclose(dnorm_dmu, -1 / (var + eps) ** 0.5), "dnorm_ij/dmu_j = -1/sqrt(var_j + eps) (Jacobian, var held)")
row20 = -gamma * (var + eps) ** (-0.5) * dout.sum(0)
decide(20, np.allclose((dout * gamma * dnorm_dmu).sum(0), dmu) and np.allclose(row20, dmu),
       "dL/dmu_j = sum_i dL/dnorm_ij dnorm_ij/dmu_j = -gamma_j (var_j + eps)^(-1/2) sum_i dout_ij against the gradient at "
       "the mu node (its path through var is zero: sum_i xmu_ij = 0) (display lines 19-20)")
decide(21, np.allclose(dmu_dx, 1. / N), "dmu_j/dx_ij = 1/N (Jacobian)")
dx3 = -1. / N * gamma * (var + eps) ** (-0.5) * np.sum(dout, axis=0)
decide(22, np.allclose(dmu * dmu_dx, dx3), "dx3 = dL/dmu_j dmu_j/dx_ij = -(1/N) gamma (var + eps)^(-1/2) sum_i dout")

# ---- the sum, line 23
final = 1. / N * gamma * (var + eps) ** (-0.5) * (N * dout - xmu * np.sum(dout * xmu, axis=0) / (var + eps) - np.sum(dout, axis=0))
decide(23, np.allclose(dx1 + true_dx2 + dx3, dx) and np.allclose(final, dx),
       "dx = dx1 + dx2 + dx3 (the three paths, dx2 = dL/dvar dvar/dx) = (1/N) gamma (var + eps)^(-1/2) (N dout - xmu "
       "sum(dout xmu)/(var + eps) - sum(dout)) against autograd: the final formula has the right sign")
finish()
