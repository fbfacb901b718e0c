"""Independent truth for tests/posts/conv_blind2/vishalvatsalya7_batchnorm_backward (NumPy and torch, no derive).

Batch normalization of one feature over a mini-batch of m samples: mu_B = mean(x), sigma_B^2 = mean((x - mu_B)^2),
x_hat_i = (x_i - mu_B)/sqrt(sigma_B^2 + eps), y_i = gamma x_hat_i + beta; C is the loss, dC/dy_i = dout_i given.
The reference is torch's batch_norm and autograd over the post's own graph (x -> mu_B -> sigma_B^2 -> x_hat ->
gamma x_hat -> y), with retain_grad on mu_B, sigma_B^2, x_hat and gamma x_hat for the node gradients; a local partial
('d x_hat_i / d mu_B' with sigma_B^2 held) is checked by central differences of its node with its other inputs held."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(17)
m, eps = 5, 1e-5
x = rng.normal(1.0, 2.0, size=m); gamma, beta = 1.3, -0.4; dout = rng.normal(size=m)

xt = torch.tensor(x, requires_grad=True)
gt = torch.tensor(gamma, dtype=torch.float64, requires_grad=True); bt = torch.tensor(beta, dtype=torch.float64, requires_grad=True)
mu_t = xt.mean(); mu_t.retain_grad()
var_t = ((xt - mu_t) ** 2).mean(); var_t.retain_grad()
xhat_t = (xt - mu_t) / torch.sqrt(var_t + eps); xhat_t.retain_grad()
u_t = gt * xhat_t; u_t.retain_grad()                                   # the post's node 'gamma x_hat_i'
y_t = u_t + bt
(y_t * torch.tensor(dout)).sum().backward()
ref = F.batch_norm(torch.tensor(x)[:, None], None, None, torch.tensor([gamma], dtype=torch.float64),
                   torch.tensor([beta], dtype=torch.float64), training=True, eps=eps)[:, 0].numpy()
dgamma, dbeta, dx = gt.grad.item(), bt.grad.item(), xt.grad.numpy()
dC_dmu, dC_dvar, dC_dxhat, dC_du = mu_t.grad.item(), var_t.grad.item(), xhat_t.grad.numpy(), u_t.grad.numpy()
mu, var = x.mean(), x.var(); sq = np.sqrt(var + eps); xhat = (x - mu) / sq

decide(7, np.isclose(np.sum(x) / m, mu), "mu_B = (1/m) sum x_i")
decide(8, np.isclose(np.sum((x - mu) ** 2) / m, torch.tensor(x).var(unbiased=False).item()), "biased batch variance")
decide(9, np.allclose(xhat, F.batch_norm(torch.tensor(x)[:, None], None, None, training=True, eps=eps)[:, 0].numpy()),
       "x_hat against torch batch_norm without scale and shift")
decide(10, np.allclose(gamma * xhat + beta, ref), "gamma x_hat + beta against torch batch_norm")

d = 1e-6
fd = lambda fun, v: (fun(v + d) - fun(v - d)) / (2 * d)
i = 2
decide(24, np.allclose(dout * 1.0, dC_du), "dC/dy_i dy_i/d(gamma x_hat_i) = dout_i against autograd at the gamma x_hat node")
held_x = 0.0                                           # d(gamma x_i + beta)/d(gamma x_hat_i) with x_i an input upstream
via_inverse = fd(lambda u: gamma * (mu + (u / gamma) * sq) + beta, gamma * xhat[i])   # x_i written back through x_hat_i
decide(25, np.isclose(dout[i] * held_x, dC_du[i]) or np.isclose(dout[i] * via_inverse, dC_du[i]),
       f"y_i printed as gamma x_i + beta: d(gamma x_i + beta)/d(gamma x_hat_i) is 0 with x_i held, or "
       f"sqrt(sigma^2+eps) = {via_inverse:.4f} with x_i = mu + x_hat_i sqrt(sigma^2+eps); dC/d(gamma x_hat_i) = dout_i = {dC_du[i]:.4f}")
decide(26, np.allclose(dout, dC_du), "dC/dy_i")
decide(33, np.isclose(dout[i] * 1.0, dbeta), f"one sample's dC/dy_i dy_i/dbeta = {dout[i]:.4f}; autograd dC/dbeta = {dbeta:.4f}, the batch sum")
decide(34, np.isclose(dout[i] * fd(lambda bb: gamma * x[i] + bb, beta), dbeta), "the same one-sample term (d(gamma x_i + beta)/dbeta = 1)")
decide(35, np.isclose(dout.sum(), dbeta), "sum_i dC/dy_i against autograd")
decide(42, np.isclose(dC_du[i] * xhat[i], dgamma), f"one sample's dC/d(gamma x_hat_i) x_hat_i = {dC_du[i] * xhat[i]:.4f}; "
       f"autograd dC/dgamma = {dgamma:.4f}")
decide(43, np.isclose(np.sum(dout * xhat), dgamma), "sum_i dC/dy_i x_hat_i against autograd")
decide(52, np.allclose(dout * gamma, dC_dxhat), "dC/dy_i dy_i/dx_hat_i against autograd at the x_hat node")
decide(53, np.allclose(dout * gamma, dC_dxhat), "dC/dy_i gamma")
xhat_of = lambda xi, mu_, var_: (xi - mu_) / np.sqrt(var_ + eps)
dxhat_dx = fd(lambda v: xhat_of(v, mu, var), x[i]); dmu_dx = 1 / m; dvar_dx = 2 * (x[i] - mu) / m
decide(62, np.isclose(dC_dxhat[i] * dxhat_dx + dC_dmu * dmu_dx + dC_dvar * dvar_dx, dx[i]),
       "dC/dx_hat_i dx_hat_i/dx_i + dC/dmu_B dmu_B/dx_i + dC/dsigma^2 dsigma^2/dx_i, node gradients from autograd")
decide(70, np.isclose(dxhat_dx, 1 / sq), "dx_hat_i/dx_i with mu_B and sigma^2 held")
decide(71, np.isclose(fd(lambda v: np.mean(np.where(np.arange(m) == i, v, x)), x[i]), 1 / m), "dmu_B/dx_i")
decide(72, np.isclose(fd(lambda v: np.mean((np.where(np.arange(m) == i, v, x) - mu) ** 2), x[i]), 2 * (x[i] - mu) / m),
       "dsigma^2/dx_i with mu_B held")
dxhat_dmu = fd(lambda v: xhat_of(x[i], v, var), mu)
dvar_dmu = fd(lambda v: np.mean((x - v) ** 2), mu)
printed80 = dC_dxhat[i] * dxhat_dmu + dC_dvar * dvar_dmu
decide(80, np.isclose(printed80, dC_dmu), f"one sample's dC/dx_hat_i dx_hat_i/dmu_B + dC/dsigma^2 dsigma^2/dmu_B = "
       f"{printed80:.4f}; autograd at the mu_B node {dC_dmu:.4f} (the sum over i of the first term)")
decide(81, np.isclose(dxhat_dmu, -1 / sq), "dx_hat_i/dmu_B with sigma^2 held")
decide(82, np.isclose(np.sum(-2 * (x - mu)) / m, dvar_dmu, atol=1e-8), "(1/m) sum -2(x_i - mu_B) against central differences (both 0)")
dxhat_dvar = np.array([fd(lambda v: xhat_of(x[j], mu, v), var) for j in range(m)])
decide(83, np.isclose(dC_dxhat[i] * dxhat_dvar[i], dC_dvar), f"one sample's dC/dx_hat_i dx_hat_i/dsigma^2 = "
       f"{dC_dxhat[i] * dxhat_dvar[i]:.4f}; autograd at the sigma^2 node {dC_dvar:.4f} (the sum over i)")
decide(90, np.allclose(xhat_of(x, mu, var), xhat), "x_hat_i restated")
printed91 = -0.5 * (xhat - mu) * (var + eps) ** -1.5
decide(91, np.allclose(printed91, dxhat_dvar), f"(-0.5)(x_hat_i - mu_B)(sigma^2+eps)^-1.5 = {np.round(printed91, 4).tolist()}; "
       f"dx_hat_i/dsigma^2 = {np.round(dxhat_dvar, 4).tolist()} = -0.5 (x_i - mu_B)(sigma^2+eps)^-1.5")
finish()
