"""Independent truth for tests/posts/conv/usmanr149_cs231n_batchnorm_layernorm (NumPy and torch, no derive).

CS231n batch normalization of an N x D batch (N = 3 samples, D = 5 features, as in the post), the biased batch
variance, gamma per feature, epsilon = 1e-5; L = sum(G * y) for a random upstream G = dL/dy. The post's
computational-graph names: b = x - mu, c = sigma^2 + eps, d = sqrt(c), e = 1/d, v = sigma^2 + eps. Layer norm:
the same over each sample's D features (torch layer_norm). References: torch autograd; the post's expressions
are evaluated as printed."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping (../verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(9)
N, D, eps = 3, 5, 1e-5
x = rng.normal(1.0, 2.0, size=(N, D)); gam = rng.normal(1.0, 0.3, size=D); bet = rng.normal(size=D)
G = rng.normal(size=(N, D))
xt = torch.tensor(x, requires_grad=True)
F.batch_norm(xt, None, None, torch.tensor(gam), torch.tensor(bet), training=True, eps=eps).mul(torch.tensor(G)).sum().backward()
dx = xt.grad.numpy()
mu, var = x.mean(0), x.var(0)
b = x - mu; c = var + eps; d = np.sqrt(c); e = 1 / d; v = var + eps
g = G * gam                                    # (dL/dy) gamma

line7 = -2 / N * (x - mu) * (np.sum(G * gam * b, 0) / d ** 2 * 0.5 / np.sqrt(c)) - 1 / N * np.sum(G * gam * e, 0) + G * gam * e
decide(7, np.allclose(line7, dx), "the three streams summed, against autograd dL/dx")

# dx_hat_{i,0}/dx_{0,0} (column 0) by autograd
J = torch.autograd.functional.jacobian(lambda a: (a - a.mean()) / torch.sqrt(a.var(unbiased=False) + eps),
                                       torch.tensor(x[:, 0])).numpy()       # J[i, k] = dx_hat_{i,0}/dx_{k,0}
m0, v0, s0 = mu[0], v[0], np.sqrt(v[0])
h = 1e-6
def xhat00(t):
    col = x[:, 0].copy(); col[0] = t
    return (col[0] - col.mean()) / np.sqrt(col.var() + eps)
dsqrt = (np.sqrt(np.var(np.r_[x[0, 0] + h, x[1:, 0]]) + eps) - np.sqrt(np.var(np.r_[x[0, 0] - h, x[1:, 0]]) + eps)) / (2 * h)
line17 = (s0 * (1 - 1 / N) - (x[0, 0] - m0) * dsqrt) / s0 ** 2
decide(17, np.isclose(line17, J[0, 0], atol=1e-7), "quotient rule with d(x00 - mu0)/dx00 = 1 - 1/N and the derivative of sqrt")
line20 = (s0 * (1 - 1 / N) - (x[0, 0] - m0) * 0.5 / s0 * 2 / N * (x[0, 0] - m0)) / v0
decide(20, np.isclose(line20, J[0, 0]), "d sqrt(sigma0^2 + eps)/dx00 = (1/2)(1/sqrt)(2/N)(x00 - mu0)")
line22 = (s0 * (1 - 1 / N) - 1 / N / s0 * (x[0, 0] - m0) ** 2) / v0
decide(22, np.isclose(line22, J[0, 0]), "simplified")
for line, i in ((31, 1), (33, 2)):
    val = (s0 * (-1 / N) - 1 / N / s0 * (x[i, 0] - m0) * (x[0, 0] - m0)) / v0
    decide(line, np.isclose(val, J[i, 0]), f"dx_hat_{i}0/dx00 against autograd")
decide(50, np.isclose(sum(g[i, 0] * J[i, 0] for i in range(N)), dx[0, 0]), "sum_i (dL/dy gamma)_i0 (dx_hat/dx00)_i0")
# lines 52-57: the three terms with the denominator v read as v_0 (the only v defined so far)
t = [g[i, 0] * (s0 * ((i == 0) - 1 / N) - 1 / N / s0 * (x[i, 0] - m0) * (x[0, 0] - m0)) / v0 for i in range(N)]
for line, i in ((52, 0), (54, 1), (56, 2)):
    decide(line, np.isclose(t[i], g[i, 0] * J[i, 0]), f"term {i} (v read as v_0)")
line58 = g[0, 0] / s0 - 1 / (N * s0) * g[:, 0].sum()
line59 = -1 / (N * v0 ** 1.5) * (x[0, 0] - m0) * np.sum(g[:, 0] * (x[:, 0] - m0))
decide(58, np.isclose(line58 + line59, dx[0, 0]), "lines 58-60 summed against autograd dL/dx00")
decide(59, np.isclose(line58 + line59, dx[0, 0]), "the third term (line 59-60)")
line62 = g[0, 0] / s0 + 1 / v0 ** 1.5 * (-v0 / N * g[:, 0].sum() - 1 / N * (x[0, 0] - m0) * np.sum(g[:, 0] * (x[:, 0] - m0)))
decide(62, np.isclose(line62, dx[0, 0]), "factored form (lines 61-63)")
# line 72 (with 71, 73) as printed, for every k, j
def line72(k, j):
    return (g[k, j] / np.sqrt(v[j]) + 1 / (N * v[j] ** 1.5) *
            (-v[j] * sum(g[k, jj] for jj in range(N)) - 1 * (x[k, j] - mu[0]) * sum(g[i, 0] * (x[k, j] - mu[j]) for i in range(N))))
post72 = np.array([[line72(k, j) for j in range(D)] for k in range(N)])
decide(72, np.allclose(post72, dx), f"as printed it is off by up to {np.abs(post72 - dx).max():.3f} (sum over j of row k "
       "instead of over the batch column, mu_0 for mu_j, column 0 and x_kj inside the last sum)")
line81 = g / np.sqrt(v) + 1 / (N * v ** 1.5) * (-v * g.sum(0) - (x - mu) * np.sum(g * (x - mu), 0))
decide(81, np.allclose(line81, dx), "matrix form (lines 81-83) against autograd")

# layer norm: statistics over each sample's D features (axis=1); the printed formula keeps 1/N
xt2 = torch.tensor(x, requires_grad=True)
F.layer_norm(xt2, (D,), torch.tensor(gam), torch.tensor(bet), eps=eps).mul(torch.tensor(G)).sum().backward()
mu1, v1 = x.mean(1, keepdims=True), x.var(1, keepdims=True) + eps
with_N = g / np.sqrt(v1) + 1 / (N * v1 ** 1.5) * (-v1 * g.sum(1, keepdims=True) - (x - mu1) * np.sum(g * (x - mu1), 1, keepdims=True))
with_D = g / np.sqrt(v1) + 1 / (D * v1 ** 1.5) * (-v1 * g.sum(1, keepdims=True) - (x - mu1) * np.sum(g * (x - mu1), 1, keepdims=True))
decide(98, np.allclose(with_N, xt2.grad.numpy()), f"with 1/N: off by {np.abs(with_N - xt2.grad.numpy()).max():.3f}; with 1/D "
       f"(the number of features normalized over): {np.abs(with_D - xt2.grad.numpy()).max():.1e}")

finish()
