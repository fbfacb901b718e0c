"""Independent truth for tests/posts/conv_blind12/hcnoh_batchnorm_ko (NumPy and torch, no derive).

The post (Korean, after Ioffe and Szegedy's paper): per-feature whitening x_hat^(k) = (x^(k) - E[x^(k)])/sqrt(Var[x^(k)])
and the affine y^(k) = gamma^(k) x_hat^(k) + beta^(k); batch normalization in training over a mini-batch
B = {x_1..x_m} (mu_B, the biased sigma_B^2, eps inside the root), the paper's backward formulas, and inference with
the population statistics E[x] = E_B[mu_B], Var[x] = m/(m-1) E_B[sigma_B^2]. Indices 1-based over the batch, one
feature at a time (here 3 features handled together, every formula elementwise per feature). Training checks: m = 5
samples, eps = 1e-5, l = sum(G y) with G random, node gradients from batch_norm_graph (../../conv/verdicts.py, torch
autograd, checked against torch batch_norm). Inference checks: torch batch_norm with training=False and the running
statistics set to E[x] and Var[x]; the expectations over batches by enumerating every batch of a small data set."""
import itertools
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, finish and the batch-norm graph
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import batch_norm_graph, decide, finish  # noqa: E402

rng = np.random.default_rng(1502)
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))

# ---- the whitening with the data's own statistics (lines 4, 8, 12): a data set of 40 samples, 3 features
D = rng.normal([0.5, -1.0, 2.0], [1.3, 0.6, 2.2], size=(40, 3))
E, Var = D.mean(0), D.var(0)
xh = (D - E) / np.sqrt(Var)
decide(4, np.allclose(xh.mean(0), 0) and np.allclose(xh.var(0), 1), "x_hat^(k) = (x^(k) - E[x^(k)])/sqrt(Var[x^(k)]) "
       "(definition): per feature it has mean 0 and variance 1 over the data, as the section says")
gam, bet = rng.normal(size=3), rng.normal(size=3)
decide(8, np.allclose(gam * xh + bet, gam * (D - E) / np.sqrt(Var) + bet), "y^(k) = gamma^(k) x_hat^(k) + beta^(k) "
       "(definition, one scale and shift per feature)")
decide(12, np.allclose(np.sqrt(Var) * xh + E, D), "gamma^(k) = sqrt(Var[x^(k)]), beta^(k) = E[x^(k)] give y^(k) = "
       "x^(k): the original activation is restored, as the sentence before the display says")
decide(26, True, "BN_{gamma,beta}: x_1..x_m -> y_1..y_m (definition of the layer as a map of the mini-batch)")

# ---- training: one mini-batch of m = 5, eps = 1e-5
m, eps = 5, 1e-5
X = rng.normal([0.3, 1.0, -0.5], [1.1, 0.7, 1.6], size=(m, 3)); gamma = rng.normal(1.0, 0.4, 3); beta = rng.normal(size=3)
Gup = rng.normal(size=(m, 3))
g = batch_norm_graph(X, gamma, beta, Gup, eps)
muB = sum(X[i] for i in range(m)) / m
varB = sum((X[i] - muB) ** 2 for i in range(m)) / m
xhB = (X - muB) / np.sqrt(varB + eps)
decide(35, np.allclose(muB, X.mean(0)), "mu_B <- (1/m) sum_i x_i (definition, the batch mean)")
decide(36, np.allclose(varB, torch.var(T(X), 0, unbiased=False).numpy()), "sigma_B^2 <- (1/m) sum_i (x_i - mu_B)^2 "
       "(definition, the biased batch variance)")
decide(37, np.allclose(xhB, g["xh"]), "x_hat_i <- (x_i - mu_B)/sqrt(sigma_B^2 + eps) against the graph's x_hat")
decide(38, np.allclose(gamma * xhB + beta, g["y"]), "y_i <- gamma x_hat_i + beta = BN(x_i) against torch batch_norm "
       "(training mode)")
dxh = Gup * gamma
decide(46, np.allclose(dxh, g["dxh"]), "dl/dx_hat_i = dl/dy_i gamma against autograd")
dvar = (dxh * (X - muB)).sum(0) * (-0.5) * (varB + eps) ** -1.5
decide(47, np.allclose(dvar, g["dvar"]), "dl/dsigma_B^2 = sum_i dl/dx_hat_i (x_i - mu_B) (-1/2)(sigma_B^2 + eps)^(-3/2) "
       "against autograd")
dmu = (dxh * (-1 / np.sqrt(varB + eps))).sum(0) + g["dvar"] * (-2 * (X - muB)).sum(0) / m
decide(48, np.allclose(dmu, g["dmu"]), "dl/dmu_B = (sum_i dl/dx_hat_i (-1/sqrt(sigma_B^2 + eps))) + dl/dsigma_B^2 "
       "sum_i -2(x_i - mu_B)/m against autograd (the path through sigma_B^2 included; its factor is 0)")
dx = g["dxh"] / np.sqrt(varB + eps) + g["dvar"] * 2 * (X - muB) / m + g["dmu"] / m
decide(49, np.allclose(dx, g["dx"]), "dl/dx_i = dl/dx_hat_i/sqrt(sigma_B^2 + eps) + dl/dsigma_B^2 2(x_i - mu_B)/m + "
       "dl/dmu_B/m, with the node gradients the post names, against autograd's dl/dx")
decide(50, np.allclose((Gup * xhB).sum(0), g["dgamma"]), "dl/dgamma = sum_i dl/dy_i x_hat_i against autograd")
decide(51, np.allclose(Gup.sum(0), g["dbeta"]), "dl/dbeta = sum_i dl/dy_i against autograd")

# ---- inference statistics (lines 64-65): every mini-batch of m = 3 drawn from a small data set of 5 samples
Dsmall = rng.normal([0.2, -0.8, 1.5], [1.0, 0.5, 2.0], size=(5, 3))
mb = 3
tuples = np.array(list(itertools.product(range(5), repeat=mb)))       # with replacement: i.i.d. draws, all equally likely
mus = np.array([Dsmall[t].mean(0) for t in tuples]); vars_ = np.array([Dsmall[t].var(0) for t in tuples])
subsets = np.array(list(itertools.combinations(range(5), mb)))        # without replacement
vars_w = np.array([Dsmall[s].var(0) for s in subsets]); mus_w = np.array([Dsmall[s].mean(0) for s in subsets])
decide(64, np.allclose(mus.mean(0), Dsmall.mean(0)) and np.allclose(mus_w.mean(0), Dsmall.mean(0)),
       "E[x] <- E_B[mu_B]: the average of the mini-batch means over every batch is the data mean (with or without "
       "replacement)")
decide(65, np.allclose(mb / (mb - 1) * vars_.mean(0), Dsmall.var(0)) and
       np.allclose(mb / (mb - 1) * vars_w.mean(0), Dsmall.var(0, ddof=1)),
       "Var[x] <- m/(m-1) E_B[sigma_B^2]: the biased batch variance averages to (m-1)/m of the variance (i.i.d. "
       "batches: exactly the variance of the data's distribution; batches without replacement: the unbiased sample "
       "variance); the factor m/(m-1) is Bessel's correction, as the paper has it")
print(f"   (line 65, feature 1: m/(m-1) E_B[sigma_B^2] = {mb / (mb - 1) * vars_[:, 0].mean():.6f} (i.i.d.), "
      f"{mb / (mb - 1) * vars_w[:, 0].mean():.6f} (without replacement); the data's variance {Dsmall[:, 0].var():.6f}, "
      f"its unbiased sample variance {Dsmall[:, 0].var(ddof=1):.6f})")

# ---- inference (lines 73-74): the layer with fixed statistics E[x], Var[x]; two test batches share a sample
Einf, Vinf = Dsmall.mean(0), Dsmall.var(0)
x0 = rng.normal(size=3)
batch1 = np.vstack([x0, rng.normal(size=(3, 3))]); batch2 = np.vstack([x0, rng.normal(2.0, 3.0, size=(3, 3))])
ref = lambda Bt: F.batch_norm(T(Bt), T(Einf), T(Vinf), T(gamma), T(beta), training=False, eps=eps).numpy()
post73 = lambda Bt: (Bt - Bt.mean(0)) / np.sqrt(Bt.var(0) + eps)
xinf = lambda Bt: (Bt - Einf) / np.sqrt(Vinf + eps)
print(f"   (line 73: x_hat of the same sample x_0 in two test batches as printed: {np.round(post73(batch1)[0], 4)} and "
      f"{np.round(post73(batch2)[0], 4)}; with E[x], Var[x]: {np.round(xinf(batch1)[0], 4)} in both)")
decide(73, np.allclose(gamma * post73(batch1) + beta, ref(batch1)) and np.allclose(post73(batch1)[0], post73(batch2)[0]),
       "inference x_hat_i <- (x_i - mu_B)/sqrt(sigma_B^2 + eps) normalizes with the mini-batch's statistics, the "
       "training formula again: the inference layer (torch batch_norm, training=False) uses the fixed E[x] and Var[x] "
       "of lines 64-65, and as printed the output of a sample depends on the batch it comes in")
decide(74, np.allclose(gamma * xinf(batch1) + beta, ref(batch1)) and np.allclose(gamma * xinf(batch2) + beta, ref(batch2)),
       "y_i <- gamma x_hat_i + beta = BN(x_i): with x_hat_i the inference-normalized input it names, the output of "
       "the inference layer (torch batch_norm, training=False)")
print(f"   (line 74 with line 73's value put in for x_hat_i the output would be off by up to "
      f"{np.abs(gamma * post73(batch1) + beta - ref(batch1)).max():.3g}; the line names x_hat_i and is right)")
finish()
