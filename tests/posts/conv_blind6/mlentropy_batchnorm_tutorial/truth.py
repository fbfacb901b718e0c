"""Independent truth for tests/posts/conv_blind6/mlentropy_batchnorm_tutorial (NumPy and torch, no derive).

The post's layer: batch normalization in training mode at one neuron (here D = 3 neurons side by side, every line
elementwise in D), x_i the m samples of the mini-batch, mu_B = (1/m) sum_i x_i, biased sigma_B^2,
x_hat_i = (x_i - mu_B)/sqrt(sigma_B^2 + eps), y_i = gamma x_hat_i + beta. From line 34 on the post writes mu for mu_B
and sigma for sqrt(sigma^2 + eps) (it says so on line 34), sigma^2 staying the batch variance inside (sigma^2 + eps).
L = sum(G * y) for a random G, so dL/dy_i = G_i. dL/dx_hat_i, dL/dsigma^2 and dL/dmu are the gradients at those nodes
of the graph mu -> sigma^2 -> x_hat (retain_grad; sigma^2 a function of x and mu, so dL/dmu includes the path through
sigma^2, as line 55 writes it); dsigma^2/dx_i = 2(x_i - mu)/m and dmu/dx_i = 1/m are the local partials.
torch batch_norm (training, the same eps) and autograd are the reference, m = 5, D = 3, eps = 0.1 (large, so that
sigma = sqrt(sigma^2 + eps) and the plain standard deviation differ visibly)."""
import sys
from pathlib import Path

import numpy as np
import torch

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import batch_norm_graph, decide, finish  # noqa: E402

rng = np.random.default_rng(29)
m, D, eps = 5, 3, 0.1
X = rng.normal(0.7, 1.3, size=(m, D)); gamma = rng.normal(size=D); beta = rng.normal(size=D); G = rng.normal(size=(m, D))
graph = batch_norm_graph(X, gamma, beta, G, eps)       # torch float64, checked against batch_norm
ref, xh_torch = graph["y"], graph["xh"]
dx, dgamma, dbeta = graph["dx"], graph["dgamma"], graph["dbeta"]
dxh, dvar, dmu = graph["dxh"], graph["dvar"], graph["dmu"]
mu = X.mean(0); var = ((X - mu) ** 2).mean(0); sigma = np.sqrt(var + eps); xh = (X - mu) / sigma

# ---- forward, lines 6-15
decide(6, np.allclose(X.sum(0) / m, mu), "mu_B = (1/m) sum_i x_i")
decide(7, np.allclose(((X - mu) ** 2).sum(0) / m, torch.var(torch.tensor(X), 0, unbiased=False).numpy()),
       "sigma_B^2 = (1/m) sum_i (x_i - mu_B)^2, torch's biased variance")
decide(10, np.allclose((X - mu) / np.sqrt(var + eps), xh_torch), "x_hat_i = (x_i - mu_B)/sqrt(sigma_B^2 + eps)")
decide(15, np.allclose(gamma * xh + beta, ref), "y_i = gamma x_hat_i + beta against torch batch_norm (training)")

# ---- definitions restated, lines 34-35
decide(34, np.allclose((X - mu) / sigma, xh), "x_hat_i = (x_i - mu)/sigma with sigma = sqrt(sigma^2 + eps): the x_hat of line 10")
decide(35, np.allclose(gamma * xh + beta, ref), "y_i = gamma x_hat_i + beta")

# ---- steps 1-5, lines 39-62
decide(39, np.allclose((G * xh).sum(0), dgamma), "dL/dgamma = sum_i dL/dy_i x_hat_i against autograd")
decide(41, np.allclose(G.sum(0), dbeta), "dL/dbeta = sum_i dL/dy_i against autograd")
decide(45, np.allclose(G * gamma, dxh), "dL/dx_hat_i = dL/dy_i gamma (retain_grad at x_hat)")
row49 = (dxh * (X - mu) * -0.5 * (var + eps) ** -1.5).sum(0)
decide(49, np.allclose(row49, dvar), "dL/dsigma^2 = sum_i dL/dx_hat_i (x_i - mu)(-1/2)(sigma^2 + eps)^(-3/2) against the "
       "gradient at the sigma^2 node")
decide(51, np.allclose(-1 / (2 * sigma ** 3) * (dxh * (X - mu)).sum(0), dvar),
       "= -1/(2 sigma^3) sum_i dL/dx_hat_i (x_i - mu), sigma^3 = (sigma^2 + eps)^(3/2)")
row55 = (dxh * (-1 / sigma)).sum(0) + dvar * (-2 / m) * (X - mu).sum(0)
decide(55, np.allclose(row55, dmu), "dL/dmu = sum_i dL/dx_hat_i (-1/sigma) + dL/dsigma^2 (-2/m) sum_i (x_i - mu) against "
       "the gradient at the mu node (it includes the path through sigma^2)")
decide(57, np.allclose(dvar * (-2 / m) * (X - mu).sum(0), 0), "'The second term is 0': sum_i (x_i - mu) = 0")
decide(58, np.allclose(-1 / sigma * dxh.sum(0), dmu), "dL/dmu = -(1/sigma) sum_i dL/dx_hat_i")
row62 = dxh / sigma + dvar * 2 * (X - mu) / m + dmu / m
decide(62, np.allclose(row62, dx), "dL/dx_i = dL/dx_hat_i/sigma + dL/dsigma^2 2(x_i - mu)/m + dL/dmu/m (node gradients, "
       "local partials) against autograd")

# ---- the boxed simplified formula, line 67
boxed = gamma / (sigma * np.sqrt(m)) * (np.sqrt(m) * G - dbeta - xh * dgamma)
right = gamma / (sigma * m) * (m * G - dbeta - xh * dgamma)
print(f"   (line 67: the boxed formula gives {np.round(boxed[0], 4)} for sample 1, autograd {np.round(dx[0], 4)}; with m in "
      f"place of both sqrt(m) it would agree: {np.allclose(right, dx)})")
decide(67, np.allclose(boxed, dx), "gamma/(sigma sqrt(m)) (sqrt(m) dL/dy_i - dL/dbeta - x_hat_i dL/dgamma) = gamma/sigma dL/dy_i "
       "- gamma/(sigma sqrt(m)) (dL/dbeta + x_hat_i dL/dgamma): the batch terms are sqrt(m) times too large; the right "
       "form is gamma/(sigma m) (m dL/dy_i - dL/dbeta - x_hat_i dL/dgamma)")
finish()
