"""Independent truth for tests/posts/conv_blind4/yueyiming2009_layernorm_gradient (NumPy and torch, no derive).

The page's layer normalization of each token's D features: mu, biased sigma^2, x_hat = (x - mu)/sqrt(sigma^2 + eps),
y_i = gamma_i x_hat_i + beta_i, gamma and beta per feature, over a batch of N sequences of L tokens. L_loss = sum(G * y)
for random G, so dy = G. torch layer_norm (the same eps) and autograd are the reference (N = 2, L = 3, D = 6). The staged
gradients of Steps B and C are those of the page's graph: d sigma^2 is dL/d(sigma^2) with x and mu held; Path 1 is
dL/dmu with sigma^2 held; Path 2 multiplies d sigma^2 by dsigma^2/dmu of sigma^2 = (1/D) sum (x_j - mu)^2 with x held;
d mu is dL/dmu with sigma^2 computed from mu (both paths). Each is computed by autograd with mu or sigma^2 as a leaf set
to the token's own statistic."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(31)
N, L, D, eps = 2, 3, 6, 1e-5
x = rng.normal(0.5, 1.5, size=(N, L, D)); gamma = rng.normal(size=D); beta = rng.normal(size=D); G = rng.normal(size=(N, L, D))
xt = torch.tensor(x, requires_grad=True); gt = torch.tensor(gamma, requires_grad=True); bt = torch.tensor(beta, requires_grad=True)
yt = F.layer_norm(xt, (D,), gt, bt, eps)
(yt * torch.tensor(G)).sum().backward()
y, dx, dgamma, dbeta = yt.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()
mu = x.mean(-1, keepdims=True); var = ((x - mu) ** 2).mean(-1, keepdims=True); xhat = (x - mu) / np.sqrt(var + eps)

decide(5, np.allclose(mu[..., 0], torch.tensor(x).mean(-1).numpy()), "mu = (1/D) sum_i x_i, per token")
decide(9, np.allclose(var[..., 0], torch.var(torch.tensor(x), -1, unbiased=False).numpy()), "sigma^2 = (1/D) sum (x_i - mu)^2, "
       "torch's biased variance over the features")
decide(13, np.allclose(xhat, F.layer_norm(torch.tensor(x), (D,), eps=eps).numpy()), "x_hat against torch layer_norm without affine")
decide(17, np.allclose(gamma * xhat + beta, y), "y_i = gamma_i x_hat_i + beta_i against torch layer_norm")

# one token on its own: dL/dbeta_i, dL/dgamma_i
x1 = torch.tensor(x[0, 0]); g1 = torch.tensor(G[0, 0])
b1 = torch.tensor(beta, requires_grad=True); ga1 = torch.tensor(gamma, requires_grad=True)
(g1 * F.layer_norm(x1, (D,), ga1, b1, eps)).sum().backward()
decide(27, np.allclose(b1.grad.numpy(), G[0, 0] * 1.0), "dL/dbeta_i = dL/dy_i * dy_i/dbeta_i with dy_i/dbeta_i = 1, one token")
decide(28, np.allclose(b1.grad.numpy(), G[0, 0]), "dL/dbeta_i = dy_i, one token")
decide(32, np.allclose(ga1.grad.numpy(), G[0, 0] * xhat[0, 0]), "dL/dgamma_i = dL/dy_i * x_hat_i, one token")
decide(33, np.allclose(ga1.grad.numpy(), G[0, 0] * xhat[0, 0]), "= dy_i x_hat_i, one token")
decide(38, np.allclose(G.sum((0, 1)), dbeta), "dbeta_i = sum_b sum_s dy_{b,s,i} against autograd (N = 2, L = 3)")
decide(40, np.allclose((G * xhat).sum((0, 1)), dgamma), "dgamma_i = sum_b sum_s dy_{b,s,i} x_hat_{b,s,i} against autograd")

# the staged gradients of one token (b, s) = (1, 2)
xb, Gb = x[1, 2], G[1, 2]
mub, varb = xb.mean(), ((xb - xb.mean()) ** 2).mean()
xt1 = torch.tensor(xb, requires_grad=True)
xh1 = (xt1 - xt1.mean()) / torch.sqrt(((xt1 - xt1.mean()) ** 2).mean() + eps); xh1.retain_grad()
(torch.tensor(Gb) * (torch.tensor(gamma) * xh1 + torch.tensor(beta))).sum().backward()
dxhat, dx1 = xh1.grad.numpy(), xt1.grad.numpy()
decide(48, np.allclose(dxhat, Gb * gamma), "dx_hat_i = dy_i gamma_i against autograd (retain_grad at x_hat)")
X = torch.tensor(xb)


def loss_of(mu_, s_):
    return (torch.tensor(Gb) * (torch.tensor(gamma) * (X - mu_) / torch.sqrt(s_ + eps) + torch.tensor(beta))).sum()


s_leaf = torch.tensor(varb, requires_grad=True)
loss_of(torch.tensor(mub), s_leaf).backward()
dvar = s_leaf.grad.item()
dxh_ds = torch.autograd.functional.jacobian(lambda s_: (X - mub) / torch.sqrt(s_ + eps),
                                            torch.tensor(varb)).numpy()   # dx_hat_j/dsigma^2, x and mu held
decide(56, np.isclose((dxhat * dxh_ds).sum(), dvar), "sum_j dx_hat_j dx_hat_j/dsigma^2 = dL/dsigma^2 with x, mu held (autograd)")
decide(57, np.isclose((dxhat * (xb - mub) * (-0.5 * (varb + eps) ** -1.5)).sum(), dvar),
       "sum_j dx_hat_j (x_j - mu)(-1/2)(sigma^2 + eps)^(-3/2) = dL/dsigma^2")
m_leaf = torch.tensor(mub, requires_grad=True)
loss_of(m_leaf, torch.tensor(varb)).backward()
path1 = m_leaf.grad.item()
decide(66, np.isclose((dxhat * -1 / np.sqrt(varb + eps)).sum(), path1), "Path 1: sum_j dx_hat_j (-1/sqrt(sigma^2 + eps)) = dL/dmu "
       "with sigma^2 held (autograd)")
m2 = torch.tensor(mub, requires_grad=True)
((X - m2) ** 2).mean().backward()
dvar_dmu = m2.grad.item()
decide(71, np.isclose(dvar * (-2 / D) * (xb - mub).sum(), dvar * dvar_dmu), "dsigma^2/dmu = -(2/D) sum (x_j - mu) (autograd of "
       "(1/D) sum (x_j - mu)^2 in mu, x held)")
decide(72, np.isclose(dvar * dvar_dmu, 0.0, atol=1e-12), f"Path 2 is 0 at mu = mean(x) ({dvar * dvar_dmu:.2e})")
m3 = torch.tensor(mub, requires_grad=True)
loss_of(m3, ((X - m3) ** 2).mean()).backward()
decide(77, np.isclose(-1 / np.sqrt(varb + eps) * dxhat.sum(), m3.grad.item()), "d mu = -1/sqrt(sigma^2 + eps) sum_j dx_hat_j = "
       "dL/dmu through both paths (autograd)")
xhb = (xb - mub) / np.sqrt(varb + eps)
res = 1 / np.sqrt(varb + eps) * (dxhat - dxhat.sum() / D - xhb / D * (dxhat * xhb).sum())
decide(89, np.allclose(res, dx1) and np.allclose(res, dx[1, 2]), "dx_i = (1/sqrt(sigma^2+eps))[dx_hat_i - (1/D) sum dx_hat_j - "
       "(x_hat_i/D) sum dx_hat_j x_hat_j] against autograd through torch layer_norm")
res2 = 1 / np.sqrt(varb + eps) * (Gb * gamma - (Gb * gamma).sum() / D - xhb / D * (Gb * gamma * xhb).sum())
decide(98, np.allclose(res2, dx[1, 2]), "the same with dx_hat_j = dy_j gamma_j (gamma inside the sums) against autograd")
decide(113, np.allclose(dxhat, Gb * gamma), "dx_hat_i = dy_i gamma_i")
decide(122, np.allclose(G.sum((0, 1)), dbeta), "dbeta = sum_{b,s} dy_{b,s,i}")
decide(126, np.allclose((G * xhat).sum((0, 1)), dgamma), "dgamma = sum_{b,s} dy_{b,s,i} x_hat_{b,s,i}")
decide(130, np.allclose(res, dx[1, 2]), "dx_i, the result restated")
finish()
