"""Independent truth for tests/posts/conv_holdout/wangcsshuai_kevinzakka_batchnorm (NumPy and torch, no derive).

Batch normalization of one feature over a mini-batch of m samples: mu = mean(x), sigma^2 = mean((x - mu)^2),
x_hat_i = (x_i - mu)/sqrt(sigma^2 + eps), y_i = gamma x_hat_i + beta; f is the layer above, df/dy_i = dout_i given.
The reference is torch's batch_norm and autograd over the post's own graph (x -> mu -> sigma^2 -> x_hat -> y), with
retain_grad on mu and sigma^2 for the node gradients df/dmu and df/dsigma^2; a local partial ('d x_hat_i / d mu') is
checked by central differences of its node with the node's other inputs held fixed."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(9)
m, eps = 5, 1e-5
x = rng.normal(1.0, 2.0, size=m); gamma, beta = 1.4, -0.3; dout = rng.normal(size=m)

# torch's layer, and the post's graph with its nodes kept
xt = torch.tensor(x, requires_grad=True)
gt = torch.tensor(gamma, dtype=torch.float64, requires_grad=True); bt = torch.tensor(beta, dtype=torch.float64, requires_grad=True)
mu_t = xt.mean(); mu_t.retain_grad()
var_t = ((xt - mu_t) ** 2).mean(); var_t.retain_grad()
xhat_t = (xt - mu_t) / torch.sqrt(var_t + eps); xhat_t.retain_grad()
y_t = gt * xhat_t + bt
(y_t * torch.tensor(dout)).sum().backward()
ref = F.batch_norm(torch.tensor(x)[:, None], None, None, torch.tensor([gamma], dtype=torch.float64),
                   torch.tensor([beta], dtype=torch.float64), training=True, eps=eps)[:, 0].numpy()
assert np.allclose(y_t.detach().numpy(), ref)
dgamma, dbeta, dx = gt.grad.item(), bt.grad.item(), xt.grad.numpy()
df_dmu, df_dvar, df_dxhat = mu_t.grad.item(), var_t.grad.item(), xhat_t.grad.numpy()
mu, var = x.mean(), x.var(); xhat = (x - mu) / np.sqrt(var + eps); sq = np.sqrt(var + eps)

i = 1
decide(5, np.isclose(dout[i] * xhat[i], dgamma), f"df/dy_i dy_i/dgamma for one i = {dout[i] * xhat[i]:.4f}; autograd "
       f"df/dgamma = {dgamma:.4f}, the sum over the batch")
decide(6, np.isclose((dout * xhat).sum(), dgamma), "sum_i df/dy_i x_hat_i against autograd")
decide(18, np.isclose(dout[i], dbeta), f"df/dy_i dy_i/dbeta for one i = {dout[i]:.4f}; autograd df/dbeta = {dbeta:.4f}")
decide(19, np.isclose(dout.sum(), dbeta), "sum_i df/dy_i against autograd")
decide(28, np.allclose(dout * gamma, df_dxhat), "df/dy_i dy_i/dx_hat_i = dout_i gamma against autograd at the x_hat node")
decide(29, np.allclose(dout * gamma, df_dxhat), "df/dy_i gamma against autograd at the x_hat node")
decide(55, np.allclose(xhat, F.batch_norm(torch.tensor(x)[:, None], None, None, training=True, eps=eps)[:, 0].numpy()),
       "(x_i - mu)/sqrt(sigma^2 + eps) is torch's batch_norm without scale and shift")

d = 1e-6
fd = lambda fun, v: (fun(v + d) - fun(v - d)) / (2 * d)
xhat_of = lambda xi, mu_, var_: (xi - mu_) / np.sqrt(var_ + eps)
local = fd(lambda v: xhat_of(x[i], v, var), mu)
printed59 = sum(1 / sq * (-1) for _ in range(m))
decide(59, np.isclose(printed59, local), f"sum_i (-1/sqrt(sigma^2+eps)) = {printed59:.4f}; dx_hat_i/dmu (sigma^2 held) "
       f"= {local:.4f} = -1/sqrt(sigma^2+eps)")
decide(63, np.isclose(np.mean((x - mu) ** 2), torch.tensor(x).var(unbiased=False).item()), "the biased batch variance")
var_of_mu = lambda mu_: np.mean((x - mu_) ** 2)
decide(67, np.isclose(np.mean(2 * (x - mu) * -1), fd(var_of_mu, mu), atol=1e-8),
       "(1/m) sum 2 (x_i - mu)(-1) against d sigma^2/d mu by central differences (both 0 at the batch mean)")
dvar_local = np.array([fd(lambda v: xhat_of(x[j], mu, v), var) for j in range(m)])     # d x_hat_j / d sigma^2
decide(77, np.isclose(np.dot(df_dxhat, dvar_local), df_dvar), "df/dx_hat . dx_hat/dsigma^2 (a dot product over the "
       "batch) against autograd at the sigma^2 node")
decide(83, np.allclose((x - mu) * np.sqrt(var + eps) ** -0.5, xhat), f"(x_i - mu)(sqrt(sigma^2+eps))^-0.5 = "
       f"{np.round((x - mu) * np.sqrt(var + eps) ** -0.5, 3).tolist()}, x_hat = {np.round(xhat, 3).tolist()}: "
       "the power of the square root is -1")
printed89 = sum((x[j] - mu) * -0.5 * np.sqrt(var + eps) ** (-0.5 - 1) for j in range(m))
printed90 = -0.5 * sum((x[j] - mu) * np.sqrt(var + eps) ** -1.5 for j in range(m))
decide(89, np.allclose(printed89, dvar_local), f"the printed sum is one number, {printed89:.2e} (the (x_i - mu) cancel); "
       f"dx_hat_i/dsigma^2 = -0.5 (x_i - mu)(sigma^2+eps)^-1.5 = {np.round(dvar_local, 4).tolist()}; even term by term "
       f"the printed power, (sqrt(sigma^2+eps))^-1.5 = (sigma^2+eps)^-0.75, gives "
       f"{np.round(-0.5 * (x - mu) * np.sqrt(var + eps) ** -1.5, 4).tolist()}")
decide(90, np.allclose(printed90, dvar_local), "the same sum, rearranged")
printed97 = np.sum(df_dxhat * -1 / sq) + df_dvar * np.sum(-2 * (x - mu))
decide(97, np.isclose(printed97, df_dmu, atol=1e-9), f"(sum df/dx_hat_i (-1/sqrt)) + df/dsigma^2 sum -2(x_i - mu) = "
       f"{printed97:.6f} against autograd at the mu node {df_dmu:.6f} (the second term is 0 with or without the 1/m)")
decide(110, np.isclose(fd(lambda v: xhat_of(v, mu, var), x[i]), 1 / sq), "dx_hat_i/dx_i with mu, sigma^2 held")
decide(112, np.isclose(fd(lambda v: np.mean(np.where(np.arange(m) == i, v, x)), x[i]), 1 / m), "dmu/dx_i")
decide(114, np.isclose(fd(lambda v: np.mean((np.where(np.arange(m) == i, v, x) - mu) ** 2), x[i]), 2 * (x[i] - mu) / m),
       "dsigma^2/dx_i with mu held")
printed119 = df_dxhat / sq + df_dmu / m + df_dvar * 2 * (x - mu) / m
decide(119, np.allclose(printed119, dx), "df/dx_hat_i/sqrt + df/dmu/m + df/dsigma^2 2(x_i - mu)/m, with the node "
       "gradients, against autograd df/dx_i")

finish()
