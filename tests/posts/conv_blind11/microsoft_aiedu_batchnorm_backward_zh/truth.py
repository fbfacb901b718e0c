"""Independent truth for tests/posts/conv_blind11/microsoft_aiedu_batchnorm_backward_zh (NumPy and torch, no derive).

The tutorial's batch normalization (section 15.5, formulas 6-9, quoted in the notes): per feature over a batch of m
samples, mu_B = (1/m) sum_i x_i (6), sigma^2_B = (1/m) sum_i (x_i - mu_B)^2 (7), n_i = (x_i - mu_B)/sqrt(sigma^2_B +
eps) (8), z_i = gamma n_i + beta (9); delta_i = dJ/dz_i (10). Here m = 6 samples of 3 features, eps = 1e-5 (the
tutorial's value), J = sum(G * z) with G random, so delta = G. The node gradients dJ/dn, dJ/dsigma^2, dJ/dmu (through
n and through sigma^2) and dJ/dx come from batch_norm_graph in ../../conv/verdicts.py (torch autograd, retain_grad,
checked against torch's batch_norm); the local partials dn_i/dx_i, dn_i/dsigma^2, dsigma^2/dx_i (mu held),
dn_i/dmu, dsigma^2/dmu, dmu/dx_i from torch.autograd.functional.jacobian of formulas 6-8 with the other inputs held.
A symbol dJ/d(node) means the derivative the tutorial names; a line is checked for every sample i and feature."""
import sys
from pathlib import Path

import numpy as np
import torch

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, finish and the batch-norm graph
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import batch_norm_graph, decide, finish  # noqa: E402

rng = np.random.default_rng(156)
m, nf, eps = 6, 3, 1e-5
X = rng.normal(0.4, 1.2, size=(m, nf)); gamma = rng.normal(1.0, 0.4, size=nf); beta = rng.normal(size=nf)
G = rng.normal(size=(m, nf))
g = batch_norm_graph(X, gamma, beta, G, eps)
T = lambda a: torch.tensor(a, dtype=torch.float64)
J = torch.autograd.functional.jacobian

mu = X.mean(0); var = ((X - mu) ** 2).mean(0); s = np.sqrt(var + eps)
delta = G                                   # dJ/dz_i for J = sum(G z)
n_ = (X - mu) / s
assert np.allclose(n_, g["xh"])

decide(7, True, "delta = dJ/dZ, delta_i = dJ/dz_i (definition of the error passed back)")
decide(13, np.allclose((delta * n_).sum(0), g["dgamma"]), "dJ/dgamma = sum_i delta_i n_i against autograd")
decide(15, np.allclose(delta.sum(0), g["dbeta"]), "dJ/dbeta = sum_i delta_i against autograd")
dn = g["dxh"]
# the local partials, feature by feature
dn_dx = np.stack([np.diag(J(lambda xx: (xx - T(mu[k])) / torch.sqrt(T(var[k]) + eps), T(X[:, k])).numpy()) for k in range(nf)], 1)
dn_dvar = np.stack([J(lambda vv: (T(X[:, k]) - T(mu[k])) / torch.sqrt(vv + eps), T(var[k])).numpy() for k in range(nf)], 1)
dvar_dx = np.stack([J(lambda xx: ((xx - T(mu[k])) ** 2).mean(), T(X[:, k])).numpy() for k in range(nf)], 1)     # mu held
dn_dmu = np.stack([J(lambda mm: (T(X[:, k]) - mm) / torch.sqrt(T(var[k]) + eps), T(mu[k])).numpy() for k in range(nf)], 1)
dvar_dmu = np.array([J(lambda mm: ((T(X[:, k]) - mm) ** 2).mean(), T(mu[k])).numpy() for k in range(nf)])
dmu_dx = np.stack([J(lambda xx: xx.mean(), T(X[:, k])).numpy() for k in range(nf)], 1)
decide(33, np.allclose(dn * dn_dx + g["dvar"] * dvar_dx + g["dmu"] * dmu_dx, g["dx"]),
       "dJ/dx_i = dJ/dn_i dn_i/dx_i + dJ/dsigma^2 dsigma^2/dx_i + dJ/dmu dmu/dx_i (local partials, mu and sigma^2 "
       "held where they are the other paths) against autograd's dJ/dx")
decide(39, np.allclose(delta * gamma, dn), "dJ/dn_i = delta_i gamma against autograd's dJ/dn")
decide(45, np.allclose(delta * gamma, dn), "dJ/dN = delta gamma (the same, all samples at once)")
decide(50, (np.zeros((64, 10)) * np.zeros((1, 10))).shape == (64, 10),
       "delta (64 x 10) elementwise gamma (1 x 10), gamma broadcast over the rows, is 64 x 10")
decide(54, np.allclose(dn_dx, 1 / s), "dn_i/dx_i = 1/sqrt(sigma^2 + eps), the partial with mu and sigma^2 held")
decide(61, np.allclose((dn * dn_dvar).sum(0), g["dvar"]), "dJ/dsigma^2 = sum_i dJ/dn_i dn_i/dsigma^2 against autograd")
decide(63, np.allclose(-0.5 * (var + eps) ** -1.5 * (dn * (X - mu)).sum(0), g["dvar"]),
       "= -1/2 (sigma^2 + eps)^(-3/2) sum_i dJ/dn_i (x_i - mu) against autograd")
decide(70, np.allclose(dvar_dx, 2 * (X - mu) / m), "dsigma^2/dx_i = 2 (x_i - mu)/m, the partial with mu held")
post76 = dn * dn_dmu + g["dvar"] * dvar_dmu            # one value per sample i, as printed (no sum over i)
print(f"   (line 76: dJ/dmu from autograd (feature 1) {g['dmu'][0]:.4f}; the printed right side, sample by sample, "
      f"{np.round(post76[:, 0], 4)}; with the first term summed over i it is "
      f"{((dn * dn_dmu).sum(0) + g['dvar'] * dvar_dmu)[0]:.4f})")
decide(76, np.allclose(post76, g["dmu"]), "dJ/dmu = dJ/dn_i dn_i/dmu + dJ/dsigma^2 dsigma^2/dmu: mu_B is shared by all m "
       "samples, so the first term needs sum_i (dJ/dmu = sum_i dJ/dn_i dn_i/dmu + dJ/dsigma^2 dsigma^2/dmu); as printed "
       "it is one sample's share")
decide(82, np.allclose(dn_dmu, -1 / s), "dn_i/dmu = -1/sqrt(sigma^2 + eps), sigma^2 held")
decide(88, np.allclose(dvar_dmu, -2 / m * (X - mu).sum(0)), "dsigma^2/dmu = -(2/m) sum_i (x_i - mu) (which is 0)")
post94 = -(delta * gamma) / s - 2 / m * g["dvar"] * (X - mu).sum(0)
print(f"   (line 94: the printed value, sample by sample (feature 1) {np.round(post94[:, 0], 4)}; dJ/dmu = "
      f"{g['dmu'][0]:.4f} = -sum_i delta_i gamma / sqrt(sigma^2 + eps))")
decide(94, np.allclose(post94, g["dmu"]), "dJ/dmu = -delta gamma/sqrt(sigma^2 + eps) - (2/m) dJ/dsigma^2 sum_i (x_i - mu): "
       "delta gamma is the m x n matrix (elementwise, as the section says), where dJ/dmu needs sum_i delta_i gamma; the "
       "sum left out of (18) above")
decide(100, np.allclose(dmu_dx, 1 / m), "dmu/dx_i = 1/m")
decide(106, np.allclose(delta * gamma / s + g["dvar"] * 2 * (X - mu) / m + g["dmu"] / m, g["dx"]),
       "dJ/dx_i = delta_i gamma/sqrt(sigma^2 + eps) + dJ/dsigma^2 2(x_i - mu)/m + dJ/dmu (1/m), with dJ/dsigma^2 and "
       "dJ/dmu the derivatives they name, against autograd's dJ/dx")
post_with_94 = delta * gamma / s + g["dvar"] * 2 * (X - mu) / m + post94 / m
print(f"   (line 106 with line 94's value put in for dJ/dmu the result would be off by up to "
      f"{np.abs(post_with_94 - g['dx']).max():.3g}; the line names dJ/dmu and is right)")
finish()
