"""Independent truth for tests/posts/conv_holdout/parasdahal_deepnotes_batchnorm (NumPy and torch, no derive).

Batch normalization of one feature over a mini-batch of m samples: mu_B = mean(x), sigma_B^2 = mean((x - mu_B)^2),
x_hat_i = (x_i - mu_B)/sqrt(sigma_B^2 + eps), y_i = gamma x_hat_i + beta; C is the cost, dC/dy_i given. The reference
is torch's batch_norm and autograd over the graph x -> mu_B -> sigma_B^2 -> x_hat -> gamma x_hat -> y, with retain_grad
on the nodes for dC/dmu_B, dC/dsigma_B^2, dC/dx_hat and dC/d(gamma x_hat). Each printed right-hand side is evaluated
with the layer's own gamma and beta (beta = -0.3, so a beta written where epsilon belongs shows)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(13)
m, eps = 6, 1e-8                                   # the post's code uses 1e-8
x = rng.normal(0.5, 1.5, size=m); gamma, beta = 1.3, -0.3; dy = rng.normal(size=m)

xt = torch.tensor(x, requires_grad=True)
gt = torch.tensor(gamma, dtype=torch.float64, requires_grad=True); bt = torch.tensor(beta, dtype=torch.float64, requires_grad=True)
mu_t = xt.mean(); mu_t.retain_grad()
var_t = ((xt - mu_t) ** 2).mean(); var_t.retain_grad()
xhat_t = (xt - mu_t) / torch.sqrt(var_t + eps); xhat_t.retain_grad()
gx_t = gt * xhat_t; gx_t.retain_grad()
y_t = gx_t + bt
(y_t * torch.tensor(dy)).sum().backward()
ref = F.batch_norm(torch.tensor(x)[:, None], None, None, torch.tensor([gamma], dtype=torch.float64),
                   torch.tensor([beta], dtype=torch.float64), training=True, eps=eps)[:, 0].numpy()
assert np.allclose(y_t.detach().numpy(), ref)
dgamma, dbeta, dx = gt.grad.item(), bt.grad.item(), xt.grad.numpy()
dmu, dvar, dxhat, dgx = mu_t.grad.item(), var_t.grad.item(), xhat_t.grad.numpy(), gx_t.grad.numpy()
mu, var = x.mean(), x.var(); xhat = (x - mu) / np.sqrt(var + eps)
i = 2

decide(8, np.isclose(x.mean(), mu_t.item()), "the batch mean")
decide(9, np.isclose(np.mean((x - mu) ** 2), torch.tensor(x).var(unbiased=False).item()), "the biased batch variance")
decide(10, np.allclose(xhat, F.batch_norm(torch.tensor(x)[:, None], None, None, training=True, eps=eps)[:, 0].numpy()),
       "x_hat is torch's batch_norm without scale and shift")
decide(11, np.allclose(gamma * x + beta, ref), f"gamma x_i + beta = {np.round(gamma * x + beta, 3).tolist()}; the "
       f"layer's output is gamma x_hat_i + beta = {np.round(ref, 3).tolist()}")
decide(38, np.allclose(dy * 1.0, dgx), "dC/dy_i times d y_i/d(gamma x_i) = 1 (gamma x_i read as the gamma x_hat_i node) "
       "against autograd at that node")
decide(39, np.allclose(dy * 1.0, dgx), "d(gamma x_i + beta)/d(gamma x_i) = 1: dC/dy_i, the node's gradient")
decide(40, np.allclose(dy, dgx), "dC/dy_i against autograd at the gamma x_hat node")
decide(47, np.isclose(dy[i] * 1.0, dbeta), f"dC/dy_i dy_i/dbeta for one i = {dy[i]:.4f}; autograd dC/dbeta = {dbeta:.4f}")
decide(48, np.isclose(dy[i] * 1.0, dbeta), "the same single term, d(gamma x_i + beta)/dbeta = 1")
decide(49, np.isclose(dy.sum(), dbeta), "sum_i dC/dy_i against autograd")
decide(56, np.isclose(dgx[i] * xhat[i], dgamma), f"dC/d(gamma x_hat_i) d(gamma x_hat_i)/dgamma for one i = "
       f"{dgx[i] * xhat[i]:.4f}; autograd dC/dgamma = {dgamma:.4f}")
decide(57, np.isclose((dy * xhat).sum(), dgamma), "sum_i dC/dy_i x_hat_i against autograd")
decide(66, np.allclose(dgx * gamma, dxhat), "dC/d(gamma x_i) d(gamma x_i)/dx_i = dC/dy_i gamma (x_i read as x_hat_i, "
       "as on the left) against autograd at the x_hat node")
decide(67, np.allclose(dy * gamma, dxhat), "dC/dy_i gamma against autograd at the x_hat node")

d = 1e-6
fd = lambda fun, v: (fun(v + d) - fun(v - d)) / (2 * d)
xhat_of = lambda xi, mu_, var_: (xi - mu_) / np.sqrt(var_ + eps)
dxhat_dvar = np.array([fd(lambda v: xhat_of(x[j], mu, v), var) for j in range(m)])
decide(74, np.isclose(dxhat[i] * dxhat_dvar[i], dvar), f"one sample's dC/dx_hat_i dx_hat_i/dsigma^2 = "
       f"{dxhat[i] * dxhat_dvar[i]:.4f}; autograd at the sigma^2 node = {dvar:.4f}, a sum over the batch")
decide(75, np.isclose(dxhat[i] * fd(lambda v: xhat_of(x[i], mu, v), var), dvar), "the same single term")
decide(76, np.isclose(sum(dxhat[j] * (x[j] - mu) * fd(lambda v: (v + eps) ** -0.5, var) for j in range(m)), dvar),
       "sum_i dC/dx_hat_i (x_i - mu) d(sigma^2+eps)^(-1/2)/dsigma^2 against autograd")
decide(77, np.isclose(np.sum(dxhat * (x - mu) * -0.5 * (var + eps) ** -1.5), dvar), "the closed form against autograd")

dxhat_dmu = fd(lambda v: xhat_of(x[i], v, var), mu)
dvar_dmu = fd(lambda v: np.mean((x - v) ** 2), mu)
decide(85, np.isclose(dxhat[i] * dxhat_dmu + dvar * dvar_dmu, dmu), f"one sample's dC/dx_hat_i dx_hat_i/dmu plus "
       f"dC/dsigma^2 dsigma^2/dmu = {dxhat[i] * dxhat_dmu + dvar * dvar_dmu:.4f}; autograd at the mu node = {dmu:.4f}")
sq_mean_dev = lambda v: (np.sum(x - v) / m) ** 2          # (1/m sum (x_i - mu))^2, the sum read from i = 1
decide(86, np.isclose(dxhat[i] * dxhat_dmu + dvar * fd(sq_mean_dev, mu), dmu),
       f"the same single term; the second factor, the derivative of (1/m sum (x_i - mu))^2, is {fd(sq_mean_dev, mu):.1e} "
       f"at the batch mean like dsigma^2/dmu ({dvar_dmu:.1e}), though that square is not sigma^2")
printed87 = np.sum(dxhat * -1 / (np.sqrt(var) + beta)) + dvar * np.sum(2 * (x - mu)) / m
decide(87, np.isclose(printed87, dmu), f"sum dC/dx_hat_i (-1/(sqrt(sigma^2) + beta)) + ... = {printed87:.4f}; "
       f"autograd at the mu node = {dmu:.4f} = sum dC/dx_hat_i (-1/sqrt(sigma^2 + eps))")
decide(95, np.allclose(dxhat / np.sqrt(var + eps) + dmu / m + dvar * 2 * (x - mu) / m, dx),
       "the three paths, with the node gradients, against autograd dC/dx_i")
dmu_dmu = fd(lambda v: v, mu)                               # d(1/m sum x_i)/d mu_B = d mu_B/d mu_B
printed96 = dxhat / np.sqrt(var + beta) + dmu * dmu_dmu + dvar * 2 / m * (x - mu)
printed97 = dxhat / np.sqrt(var + beta) + dmu / m + dvar * 2 / m * (x - mu)
decide(96, np.allclose(printed96, dx), f"1/sqrt(sigma^2 + beta) and d(1/m sum x_i)/d mu_B = {dmu_dmu:.0f}: "
       f"{np.round(printed96, 3).tolist()} against autograd {np.round(dx, 3).tolist()}")
decide(97, np.allclose(printed97, dx), f"with 1/m but still 1/sqrt(sigma^2 + beta): {np.round(printed97, 3).tolist()}")

finish()
