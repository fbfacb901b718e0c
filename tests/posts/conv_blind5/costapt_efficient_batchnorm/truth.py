"""Independent truth for tests/posts/conv_blind5/costapt_efficient_batchnorm (NumPy and torch, no derive).

The post's layer: batch normalization in training mode, x_i the N rows of a mini-batch of D features, per feature
mu_B = (1/N) sum_i x_i and biased sigma^2_B, x_hat_i = (x_i - mu_B)/sqrt(sigma^2_B + eps), y_i = gamma x_hat_i + beta.
l = sum(G * y) for a random G, so dl/dy_i = G_i. Every line is per feature (elementwise in D). sum_i^N reads
sum_{i=1}^N, and sum_i^N x_i - mu_B reads (sum_i x_i) - mu_B, as printed. The staged quantities are read as the post
defines them: dl/dx_hat_i, dl/dsigma^2_B and dl/dmu_B the gradients at those nodes of the graph mu -> sigma^2 -> x_hat
(retain_grad; sigma^2_B a function of x and mu_B, so dl/dmu_B includes the path through sigma^2_B), and
dx_hat_i/dx_i, dsigma^2_B/dx_i, dmu_B/dx_i the local partials with the other inputs of that node held.
torch batch_norm (training, the same eps) and autograd are the reference, N = 5, D = 3."""
import sys
from pathlib import Path

import numpy as np
import torch

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import batch_norm_graph, decide, finish  # noqa: E402

rng = np.random.default_rng(17)
N, D, eps = 5, 3, 1e-3
X = rng.normal(1.5, 1.2, size=(N, D)); gamma = rng.normal(size=D); beta = rng.normal(size=D); G = rng.normal(size=(N, D))
graph = batch_norm_graph(X, gamma, beta, G, eps)       # torch float64, checked against batch_norm
ref, xh_torch = graph["y"], graph["xh"]
dx, dgamma, dbeta = graph["dx"], graph["dgamma"], graph["dbeta"]
dxh, dvar, dmu = graph["dxh"], graph["dvar"], graph["dmu"]
mu = X.mean(0); var = ((X - mu) ** 2).mean(0); xh = (X - mu) / np.sqrt(var + eps); s = np.sqrt(var + eps)
# local partials
dxh_dx = 1 / s                                          # x_hat_i by x_i, mu and sigma^2 held
dvar_dx = 2 * (X - mu) / N                              # sigma^2 by x_i, mu held
dmu_dx = 1 / N
dxh_dvar = (X - mu) * -0.5 * (var + eps) ** -1.5
dxh_dmu = -1 / s
dvar_dmu = (1 / N) * (-2 * (X - mu)).sum(0)             # = 0

decide(7, np.allclose((G * xh).sum(0), dgamma), "dl/dgamma = sum_i dl/dy_i dy_i/dgamma (dy_i/dgamma = x_hat_i) against autograd")
decide(8, np.allclose((G * xh).sum(0), dgamma), "= sum_i dl/dy_i x_hat_i")
decide(11, np.allclose(G.sum(0), dbeta), "dl/dbeta = sum_i dl/dy_i dy_i/dbeta (= 1) against autograd")
decide(12, np.allclose(G.sum(0), dbeta), "= sum_i dl/dy_i")
decide(23, np.allclose(X.sum(0) / N, mu), "mu_B = (1/N) sum_i x_i")
decide(24, np.allclose(((X - mu) ** 2).sum(0) / N, torch.var(torch.tensor(X), 0, unbiased=False).numpy()),
       "sigma^2_B = (1/N) sum_i (x_i - mu_B)^2, torch's biased variance")
decide(34, np.allclose(dxh * dxh_dx + dvar * dvar_dx + dmu * dmu_dx, dx), "dl/dx_i = dl/dx_hat_i dx_hat_i/dx_i + "
       "dl/dsigma^2 dsigma^2/dx_i + dl/dmu dmu/dx_i (node gradients, local partials) against autograd")
decide(48, np.allclose(G * gamma, dxh), "dl/dx_hat_i = dl/dy_i gamma (retain_grad at x_hat)")
decide(49, np.allclose(torch.autograd.functional.jacobian(lambda x: (x - torch.tensor(mu)) / torch.tensor(s), torch.tensor(X))
                       .numpy().reshape(N * D, N * D).diagonal(), np.broadcast_to(dxh_dx, (N, D)).ravel()),
       "dx_hat_i/dx_i = (sigma^2 + eps)^(-1/2) with mu and sigma^2 held")
decide(51, np.allclose(G * gamma / s, dxh * dxh_dx), "the first term, dl/dy_i gamma (sigma^2 + eps)^(-1/2)")
decide(61, np.allclose((dxh * dxh_dvar).sum(0), dvar), "dl/dsigma^2 = sum_i dl/dx_hat_i dx_hat_i/dsigma^2 against the "
       "gradient at the sigma^2 node")
decide(62, np.allclose((G * gamma * (X - mu) * -0.5 * (var + eps) ** -1.5).sum(0), dvar), "= sum_i dl/dy_i gamma "
       "(x_i - mu)(-1/2)(sigma^2 + eps)^(-3/2)")
decide(63, np.allclose(-gamma * (var + eps) ** -1.5 / 2 * (G * (X - mu)).sum(0), dvar), "= -gamma (sigma^2+eps)^(-3/2)/2 "
       "sum_i dl/dy_i (x_i - mu)")
decide(75, np.allclose((dxh * dxh_dmu).sum(0) + dvar * dvar_dmu, dmu), "dl/dmu = [sum_i dl/dx_hat_i dx_hat_i/dmu] + "
       "[dl/dsigma^2 dsigma^2/dmu] against the gradient at the mu node")
row77_first = (G * gamma * (-1 / s)).sum(0)
bracket2 = (1 / N) * (-2 * (X - mu)).sum(0)           # whatever multiplies it, the bracket is zero
print(f"   (line 77: the second bracket's sum (1/N) sum_i -2(x_i - mu_B) = {np.round(bracket2, 12)}, so its prefactor, "
      f"printed dl/sigma^2_B, does not matter)")
decide(77, np.allclose(row77_first + dvar * bracket2, dmu), "[sum_i dl/dy_i gamma (-1/sqrt(sigma^2+eps))] + "
       "[dl/dsigma^2 (1/N) sum_i -2(x_i - mu)], the second bracket zero")
lit = X.sum(0) - mu                                      # (sum_i x_i) - mu_B, as printed
row79 = -gamma * (var + eps) ** -0.5 * G.sum(0) - dvar * (2 / N) * lit
row79_meant = -gamma * (var + eps) ** -0.5 * G.sum(0) - dvar * (2 / N) * (X - mu).sum(0)
print(f"   (line 79: (sum_i x_i) - mu_B = {np.round(lit, 4)} = (N-1) mu_B; the row gives {np.round(row79, 4)}, dl/dmu_B = "
      f"{np.round(dmu, 4)}; with sum_i (x_i - mu_B), as line 93 writes it, it would agree: {np.allclose(row79_meant, dmu)})")
decide(79, np.allclose(row79, dmu), "the second term carries (sum_i^N x_i - mu_B), which as printed is (sum_i x_i) - mu_B "
       "= (N-1) mu_B, not sum_i (x_i - mu_B) = 0: the row differs from dl/dmu_B by -dl/dsigma^2 (2/N)(N-1) mu_B")
decide(81, np.allclose(-gamma * (var + eps) ** -0.5 * G.sum(0), dmu), "dl/dmu = -gamma (sigma^2+eps)^(-1/2) sum_i dl/dy_i "
       "against the gradient at the mu node")
decide(86, np.allclose(lit, 0), f"'sum_i^N x_i - mu_B is equal to 0': as printed, (sum_i x_i) - mu_B = {np.round(lit, 3)} "
       "(carried from line 79)")
decide(93, np.allclose((X - mu).sum(0), 0) and np.allclose(X.sum(0) - N * mu, 0) and np.allclose(X.sum(0) - N * X.sum(0) / N, 0),
       "sum_i (x_i - mu) = sum_i x_i - N mu = sum_i x_i - N (1/N) sum_i x_i = 0")
term2 = dvar * dvar_dx                                   # dl/dsigma^2 dsigma^2/dx_i
Sj = (G * (X - mu)).sum(0)
decide(102, np.allclose(dvar * 2 * (X - mu) / N, term2) and np.allclose(torch.autograd.functional.jacobian(
    lambda x: ((x - torch.tensor(mu)) ** 2).mean(0), torch.tensor(X)).numpy()[np.arange(D)[:, None], np.arange(N)[None, :], np.arange(D)[:, None]].T,
    2 * (X - mu) / N), "dsigma^2/dx_i = 2(x_i - mu)/N with mu held (torch Jacobian)")
decide(103, np.allclose(-gamma * (var + eps) ** -1.5 / 2 * Sj * 2 * (X - mu) / N, term2), "dl/dsigma^2 substituted")
decide(104, np.allclose(-gamma * (var + eps) ** -1.5 / N * Sj * (X - mu), term2), "the 2s cancel")
decide(105, np.allclose(gamma * (var + eps) ** -0.5 / N * Sj * (X - mu) * -(var + eps) ** -1, term2),
       "(sigma^2+eps)^(-3/2) split as (sigma^2+eps)^(-1/2) times -(sigma^2+eps)^(-1) with the sign")
decide(116, np.allclose(X - mu, xh * s), "x_j - mu = x_hat_j sqrt(sigma^2 + eps)")
term113 = Sj * (X - mu) / (var + eps)                    # the term of line 113 ('xi' read x_i, sigma^2 as sigma^2_B)
decide(121, np.allclose((G * xh).sum(0) * (X - mu) / s, term113), "(sum_j dl/dy_j x_hat_j)(x_i - mu)/sqrt(sigma^2+eps), "
       "equal to the term of line 113 ('xi' read as x_i)")
decide(122, np.allclose(dgamma * (X - mu) / s, term113), "= dl/dgamma (x_i - mu)/sqrt(sigma^2+eps)")
decide(123, np.allclose(dgamma * xh, term113), "= dl/dgamma x_hat_i")
term3 = dmu * dmu_dx
decide(132, np.allclose(dmu / N, term3), "dl/dmu dmu/dx_i = dl/dmu (1/N)")
decide(133, np.allclose(-gamma * (var + eps) ** -0.5 / N * G.sum(0), term3), "= -gamma (sigma^2+eps)^(-1/2)/N sum_j dl/dy_j")
decide(134, np.allclose(-gamma * (var + eps) ** -0.5 / N * dbeta, term3), "= -gamma (sigma^2+eps)^(-1/2)/N dl/dbeta")
final = gamma * (var + eps) ** -0.5 / N * (N * G - dgamma * xh - dbeta)
decide(142, np.allclose(final, dx), "dl/dx_i = gamma (sigma^2+eps)^(-1/2)/N [N dl/dy_i - dl/dgamma x_hat_i - dl/dbeta] "
       "against autograd through torch batch_norm")
finish()
