"""Independent truth for tests/posts/conv_blind6/niehen6174_layernorm_cookbook_zh (NumPy and torch, no derive).

The page's layer: layer normalization of each row x in R^N (here 4 rows of N = 6), mu and biased sigma^2 over the row,
y_i = gamma_i (x_i - mu)/sqrt(sigma^2 + eps) + beta_i with gamma, beta per feature (weight and bias), eps = 1e-5 as the
page says. L = sum(G * y) for a random G, so dL/dy_i = G_i. The backward formula's sigma is not defined on the page; it
is read as the standard deviation the forward divides by, sigma = sqrt(sigma^2 + eps) (the 'std' / 'rstd' of the
following sentences), and its N sigma^2 as N sigma sigma; the page's alternative reading (sigma the plain standard
deviation, eps dropped) is printed too and changes nothing. torch layer_norm and autograd are the reference."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(61)
B, N, eps = 4, 6, 1e-5
X = rng.normal(0.4, 1.1, size=(B, N)); gamma = rng.normal(1.0, 0.6, size=N); beta = rng.normal(size=N)
G = rng.normal(size=(B, N))
xt = torch.tensor(X, requires_grad=True)
yt = F.layer_norm(xt, (N,), torch.tensor(gamma), torch.tensor(beta), eps=eps)
(yt * torch.tensor(G)).sum().backward()
Y, dX = yt.detach().numpy(), xt.grad.numpy()
mu = X.mean(1, keepdims=True); var = ((X - mu) ** 2).mean(1, keepdims=True)

decide(5, np.allclose(X.sum(1, keepdims=True) / N, mu), "mu = (1/N) sum_i x_i over the row")
decide(7, np.allclose(((X - mu) ** 2).sum(1, keepdims=True) / N, torch.var(torch.tensor(X), 1, unbiased=False,
                                                                            keepdim=True).numpy()),
       "sigma^2 = (1/N) sum_i (x_i - mu)^2, the biased variance")
decide(9, np.allclose(gamma * (X - mu) / np.sqrt(var + eps) + beta, Y),
       "y_i = gamma_i (x_i - mu)/sqrt(sigma^2 + eps) + beta_i against torch layer_norm")


def page_formula(g, sigma, s2):
    """dL/dx_i = gamma_i/sigma (dL/dy_i - (1/N) sum_j dL/dy_j - (x_i - mu)/(N sigma^2) sum_j dL/dy_j (x_j - mu)), as printed"""
    return g / sigma * (G - G.sum(1, keepdims=True) / N - (X - mu) / (N * s2) * (G * (X - mu)).sum(1, keepdims=True))


s = np.sqrt(var + eps)
printed = page_formula(gamma, s, s * s)
printed_b = page_formula(gamma, np.sqrt(var), var)
gw = G * gamma            # dL/dx_hat_j = gamma_j dL/dy_j: gamma belongs inside both sums
right = 1 / s * (gw - gw.mean(1, keepdims=True) - (X - mu) / (N * s * s) * (gw * (X - mu)).sum(1, keepdims=True))
xs = torch.tensor(X, requires_grad=True); g0 = 0.8
(F.layer_norm(xs, (N,), torch.full((N,), g0, dtype=torch.float64), torch.tensor(beta), eps=eps) * torch.tensor(G)).sum().backward()
print(f"   (line 17: max |printed - autograd| = {np.abs(printed - dX).max():.3f} (sigma = sqrt(sigma^2 + eps)), "
      f"{np.abs(printed_b - dX).max():.3f} (sigma the plain std); with gamma_j inside the sums it agrees: "
      f"{np.allclose(right, dX)}; with one gamma for every feature the printed form agrees: "
      f"{np.allclose(page_formula(g0, s, s * s), xs.grad.numpy())})")
decide(17, np.allclose(printed, dX), "dL/dx_i = gamma_i/sigma (dL/dy_i - (1/N) sum_j dL/dy_j - (x_i - mu)/(N sigma^2) "
       "sum_j dL/dy_j (x_j - mu)) takes gamma_i out of the sums, but the sums run over the features j, each with its "
       "own gamma_j (dL/dx_hat_j = gamma_j dL/dy_j): right only when every gamma_j is equal")
finish()
