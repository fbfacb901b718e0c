"""Independent truth for tests/posts/conv/catalpaxtra_prephd_batchnorm_zh (NumPy and torch, no derive).

One neuron's pre-activations z_1..z_B over a batch (B = 6), u_i = (z_i - mu_B)/sqrt(sigma_B^2 + eps),
z_hat_i = gamma u_i + beta, y_i = f(z_hat_i) with f = tanh, Loss = sum_i c_i y_i for random c. Every gradient
and the Jacobian du_j/dz_i come from torch's autograd; the post's expressions are evaluated as printed."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping (../verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verdicts import decide, finish, unchecked  # noqa: E402

rng = np.random.default_rng(6)
B, eps = 6, 1e-5
z = rng.normal(1.0, 2.0, size=B); gamma, beta = 1.3, 0.2; c = rng.normal(size=B)
zt = torch.tensor(z, requires_grad=True); gt = torch.tensor(gamma, dtype=torch.float64, requires_grad=True)
bt = torch.tensor(beta, dtype=torch.float64, requires_grad=True)
mu_t = zt.mean(); var_t = ((zt - mu_t) ** 2).mean()
ut = (zt - mu_t) / torch.sqrt(var_t + eps); ut.retain_grad()
zh = gt * ut + bt; zh.retain_grad()
yt = torch.tanh(zh); yt.retain_grad()
(torch.tensor(c) * yt).sum().backward()
u, g_zh, g_y, g_u, g_z = ut.detach().numpy(), zh.grad.numpy(), yt.grad.numpy(), ut.grad.numpy(), zt.grad.numpy()
zhat = zh.detach().numpy()
mu, var = z.mean(), z.var(); s = np.sqrt(var + eps)
J = torch.autograd.functional.jacobian(lambda a: (a - a.mean()) / torch.sqrt(((a - a.mean()) ** 2).mean() + eps),
                                       torch.tensor(z)).numpy()          # J[j, i] = du_j/dz_i

# forward definitions (lines 5, 8) against torch's batch_norm
ref = F.batch_norm(torch.tensor(z[:, None]), None, None, torch.tensor([gamma], dtype=torch.float64),
                   torch.tensor([beta], dtype=torch.float64), training=True, eps=eps).numpy()[:, 0]
decide(5, np.allclose((z - mu) / np.sqrt(var + eps), (ref - beta) / gamma), "a_hat: batch mean and biased batch variance")
decide(8, np.allclose(gamma * (z - mu) / np.sqrt(var + eps) + beta, ref), "a_bar = gamma a_hat + beta")

# line 18: without BN the mini-batch loss is the mean of per-sample losses, so its gradient is the mean gradient
X = rng.normal(size=(B, 3)); w = torch.tensor(rng.normal(size=3), requires_grad=True); T = rng.normal(size=B)
per = [(torch.tensor(X[t]) @ w - T[t]) ** 2 for t in range(B)]
grads = [torch.autograd.grad(p, w, retain_graph=True)[0].numpy() for p in per]
total = torch.autograd.grad(sum(per) / B, w)[0].numpy()
decide(18, np.allclose(total, np.mean(grads, 0)), "d(1/B sum_t Div_t)/dw = 1/B sum_t dDiv_t/dw")
unchecked(21, "states which samples the loss depends on; no value to compute")

decide(24, np.allclose(g_zh, (1 - np.tanh(zhat) ** 2) * g_y), "dLoss/dz_hat = f'(z_hat) dLoss/dy, per sample")
decide(25, np.allclose(u * g_zh, gt.grad.item()), f"u dLoss/dz_hat is per sample {np.round(u * g_zh, 3)}; dLoss/dgamma "
       f"= {gt.grad.item():.4f} = its sum over the batch")
decide(26, np.allclose(g_zh, bt.grad.item()), f"dLoss/dbeta = {bt.grad.item():.4f} = sum of dLoss/dz_hat over the batch")
decide(27, np.allclose(g_u, gamma * g_zh), "dLoss/du_i = gamma dLoss/dz_hat_i")
decide(29, np.allclose(J.T @ g_u, g_z), "sum_j dLoss/du_j du_j/dz_i against autograd dLoss/dz")

i = 2
direct, via_mu = 1 / s, -1 / (B * s)
via_var_correct = -(z[i] - mu) / (2 * s ** 3) * 2 * (z[i] - mu) / B
# line 34 writes the variance path with d mu_i / d sigma_B^2: the mean does not depend on the variance, so it is 0
decide(34, np.isclose(direct + via_mu + 0.0, J[i, i]), f"with d mu/d sigma^2 = 0 the sum is {direct + via_mu:.4f}, "
       f"du_i/dz_i = {J[i, i]:.4f} needs the du_i/d sigma^2 term ({via_var_correct:.4f})")
decide(35, np.isclose(direct + via_mu + via_var_correct, J[i, i]), "the three terms against the autograd Jacobian")
sB = np.sqrt(var)
line36 = 1 / s - 1 / (B * s) - (z[i] - mu) ** 2 / (B * (sB + eps) ** 1.5)
decide(36, np.isclose(line36, J[i, i]), f"with (sigma_B + eps)^(3/2): {line36:.4f} against {J[i, i]:.4f}")
j = 4
line43 = -1 / (B * s) + (-(z[j] - mu) / (2 * s ** 3)) * (2 * (z[i] - mu) / B)
decide(43, np.isclose(line43, J[j, i]), "du_j/dz_i through mu_B and sigma_B^2 (j != i)")
line44 = -1 / (B * s) - (z[i] - mu) * (z[j] - mu) / (B * (sB + eps) ** 1.5)
decide(44, np.isclose(line44, J[j, i]), f"with (sigma_B + eps)^(3/2): {line44:.4f} against {J[j, i]:.4f}")
decide(51, np.allclose(J.T @ g_u, g_z), "the chain rule sum")
line52 = g_u / s - g_u.sum() / (B * s) - (z - mu) / (B * s ** 3) * np.sum(g_u * (z - mu))
decide(52, np.allclose(line52, g_z), "the closed form against autograd dLoss/dz")

# lines 60, 63: an exponential moving average must keep a constant statistic constant; torch's running mean with
# momentum 1 - alpha is alpha r + (1 - alpha) mu
alpha = 0.9; r = 0.0
for _ in range(200):
    r = alpha * r + (alpha - 1) * 5.0
bn = torch.nn.BatchNorm1d(1, momentum=1 - alpha)
for _ in range(200):
    bn(torch.full((4, 1), 5.0) + torch.tensor([[0.0], [0.1], [-0.1], [0.0]]))
decide(60, np.isclose(r, bn.running_mean.item(), atol=1e-3), f"a constant batch mean 5 drives the printed average to {r:.3f}; "
       f"torch's running mean goes to {bn.running_mean.item():.3f}")
decide(63, np.isclose(r, 5.0, atol=1e-3), "the same weights (alpha, alpha - 1) for sigma: the average of a constant 5 goes to -5")

finish()
