"""Independent truth for tests/posts/conv_blind4/saikrishnaponnam_batch_norm (NumPy and torch, no derive).

The notes' batch normalization in training mode: x [m, d], per feature j the batch mean mu_j and biased variance
sigma_j^2, x_hat = (x - mu)/sqrt(sigma^2 + eps), y = gamma_j x_hat + beta_j. L = sum(G * y) for random G, so
delta_i = dL/dy_i. torch batch_norm (training, the same eps) and autograd are the reference, with m = 5, d = 3; the
backward lines are per feature (i, j index the samples of one column), with the notes' 'Let sigma = sqrt(sigma^2 + eps)'
from line 24 on, and N (never defined) read as the batch size m. The Jacobian dx_hat_j/dx_i of one column comes from
torch.autograd.functional.jacobian."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(23)
m, d, eps = 5, 3, 1e-5
x = rng.normal(1.0, 2.0, size=(m, d)); gamma = rng.normal(size=d); beta = rng.normal(size=d); G = rng.normal(size=(m, d))
xt = torch.tensor(x, requires_grad=True); gt = torch.tensor(gamma, requires_grad=True); bt = torch.tensor(beta, requires_grad=True)
yt = F.batch_norm(xt, None, None, gt, bt, training=True, eps=eps)
(yt * torch.tensor(G)).sum().backward()
y, dx, dgamma, dbeta = yt.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()
mu = x.mean(0); var = ((x - mu) ** 2).mean(0); xhat = (x - mu) / np.sqrt(var + eps)

# forward (every feature j)
decide(6, np.allclose(mu, x.sum(0) / m), "mu_j = (1/m) sum_i x_ij")
decide(7, np.allclose(var, torch.var(torch.tensor(x), 0, unbiased=False).numpy()), "sigma_j^2 = (1/m) sum_i (x_ij - mu_j)^2, "
       "torch's biased batch variance")
decide(8, np.allclose(xhat, F.batch_norm(torch.tensor(x), None, None, training=True, eps=eps).numpy()),
       "x_hat_j = (x_j - mu_j)/sqrt(sigma_j^2 + eps) against torch batch_norm without affine")
decide(10, np.allclose(gamma * xhat + beta, y), "y_ij = gamma_j x_hat_ij + beta_j against torch batch_norm")
decide(19, np.allclose((G * xhat).sum(0), dgamma), "dL/dgamma = sum_i delta_i x_hat_i against autograd")
decide(20, np.allclose(G.sum(0), dbeta), "dL/dbeta = sum_i delta_i against autograd")

# backward through one column (feature c): i, j index its m samples
c = 1
xc, g, dl = x[:, c], gamma[c], G[:, c]
muc, s2 = xc.mean(), ((xc - xc.mean()) ** 2).mean()
sig = np.sqrt(s2 + eps)                                      # the notes' 'Let sigma = sqrt(sigma^2 + eps)'
norm = lambda t: (t - t.mean()) / torch.sqrt(((t - t.mean()) ** 2).mean() + eps)
Jt = torch.autograd.functional.jacobian(norm, torch.tensor(xc)).numpy()     # Jt[j, i] = dx_hat_j/dx_i
dvar = torch.autograd.functional.jacobian(lambda t: ((t - t.mean()) ** 2).mean(), torch.tensor(xc)).numpy()
dinv = torch.autograd.functional.jacobian(lambda t: 1 / torch.sqrt(((t - t.mean()) ** 2).mean() + eps), torch.tensor(xc)).numpy()
xh = torch.tensor(xc, requires_grad=True)
xhat_t = norm(xh); xhat_t.retain_grad()
(torch.tensor(dl) * (g * xhat_t + beta[c])).sum().backward()
dxhat, dxc = xhat_t.grad.numpy(), xh.grad.numpy()
I = np.eye(m)
decide(22, np.allclose([sum(dxhat[j] * Jt[j, i] for j in range(m)) for i in range(m)], dxc),
       "dL/dx_i = sum_j dL/dx_hat_j dx_hat_j/dx_i with torch's Jacobian, against autograd")
decide(23, np.allclose(dl * g, dxhat), "dL/dx_hat_j = delta_j gamma against autograd (retain_grad at x_hat)")
d24 = np.array([[(I[j, i] - 1 / m) / sig + (xc[j] - muc) * dinv[i] for i in range(m)] for j in range(m)])
decide(24, np.allclose(d24, Jt), "product rule (1/sigma) d(x_j - mu)/dx_i + (x_j - mu) d(1/sigma)/dx_i, sigma = sqrt(sigma^2 + eps)")
d25 = np.array([[(I[j, i] - 1 / m) / sig - (xc[j] - muc) / (2 * sig ** 3) * dvar[i] for i in range(m)] for j in range(m)])
decide(25, np.allclose(d25, Jt), "d(1/sigma)/dx_i = -1/(2 sigma^3) dsigma^2/dx_i")
# line 26: dsigma^2/dx_i = sum_j d(x_j^2 + mu^2 - 2 x_j mu)/dx_i = 2/N (x_i - mu)
summ = torch.autograd.functional.jacobian(lambda t: (t ** 2 + t.mean() ** 2 - 2 * t * t.mean()).sum(), torch.tensor(xc)).numpy()
right = 2 / m * (xc - muc)
print(f"   (line 26: the sum's derivative {np.round(summ, 4)}; 2/N (x_i - mu) {np.round(right, 4)}; autograd dsigma^2/dx "
      f"{np.round(dvar, 4)})")
decide(26, np.allclose(summ, dvar) and np.allclose(right, dvar), "the middle member, the derivative of sum_j (x_j^2 + mu^2 - "
       f"2 x_j mu) = m sigma^2, is 2(x_i - mu), m = {m} times dsigma^2/dx_i = 2(x_i - mu)/m (the 1/m of sigma^2 is missing); "
       "the outer members agree")
d27 = np.array([[(I[j, i] - 1 / m) / sig - (xc[j] - muc) * (xc[i] - muc) / (m * sig ** 3) for i in range(m)] for j in range(m)])
decide(27, np.allclose(d27, Jt), "dx_hat_j/dx_i = (1/sigma)(delta_ij - 1/m) - (x_j - mu)(x_i - mu)/(m sigma^3), N read as m")
diag32 = (m - 1) / (m * sig) - (xc - muc) ** 2 / (m * sig ** 3)
decide(32, np.allclose(diag32, np.diag(Jt)), "dx_hat_i/dx_i = (m-1)/(m sigma) - (x_i - mu)^2/(N sigma^3), the Jacobian's diagonal")
decide(33, np.allclose(dl * g * diag32, [dxhat[i] * Jt[i, i] for i in range(m)]),
       "the j = i term of line 22's sum, delta_i gamma dx_hat_i/dx_i (the heading 'For j = i' and line 40's 'Combining both "
       "cases' make it that term)")
off37 = np.array([[-1 / (m * sig) - (xc[j] - muc) * (xc[i] - muc) / (m * sig ** 3) for i in range(m)] for j in range(m)])
offmask = ~np.eye(m, dtype=bool)
print(f"   (line 37's right side is dx_hat_j/dx_i for j != i: {np.allclose(off37[offmask], Jt[offmask])})")
decide(37, all(np.isclose(off37[j, i], Jt[i, i]) for i in range(m) for j in range(m) if j != i),
       "the left side dx_hat_i/dx_i is the diagonal, (m-1)/(m sigma) - ... (line 32), not -1/(m sigma) - (x_j - mu)(x_i - mu)"
       "/(N sigma^3); that right side is dx_hat_j/dx_i for j != i (an index slip on the left)")
part38 = [sum(dl[j] * g * off37[j, i] for j in range(m) if j != i) for i in range(m)]
decide(38, np.allclose(part38, [sum(dxhat[j] * Jt[j, i] for j in range(m) if j != i) for i in range(m)]),
       "the j != i terms of line 22's sum, sum_{j != i} delta_j gamma dx_hat_j/dx_i")
comb = g / (m * sig) * (m * dl - dl.sum() - ((xc - muc) / sig) * (dl * (xc - muc) / sig).sum())
decide(42, np.allclose(comb, dx[:, c]) and np.allclose(comb, dxc), "dL/dx_i = gamma/(m sigma)(m delta_i - sum delta_j - x_hat_i "
       "sum delta_j x_hat_j) against autograd through torch batch_norm")
finish()
