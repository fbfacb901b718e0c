"""Independent truth for tests/posts/conv_blind33/godweiyang_layernorm_gradient_zh (NumPy and torch, no derive).

The post ('手推公式之“层归一化”梯度', Wei Yang's blog, stored as the generated page
2022/05/22/layernorm-gradient/index.html of godweiyang/godweiyang.github.io, at the commit pinned in truth.toml):
LayerNorm of one m-vector x, y = w . (x - mu)/sqrt(sigma^2 + eps) + b with mu the mean and sigma the standard deviation
of x's entries and w, b per feature; then eps is dropped, y = w . (x - mu)/sigma + b, x_hat = (x - mu)/sigma. The
backward: dL/dw_i, dL/db_i, the result for dL/dx_i, and its derivation through dx_hat_j/dx_i (the quotient split,
dmu/dx_i = 1/m, dsigma/dx_i = (1/m) sigma^-1 (x_i - mu), both proved at the end with sigma = [mu(x^2) - mu^2(x)]^(1/2)).

Checked in float64 on R = 3 vectors of m = 5 features, each on its own (the post works on one vector), w and b random
per feature, L = sum(G * y) for a random G = dL/dy, against torch's layer_norm and autograd. eps = 1e-5 for the first
forward line (the post leaves the 'small quantity' open) and eps = 0 from the line that drops it on, as the post says.
Derivatives of mu, sigma, x - mu and x_hat are total derivatives with respect to the vector x (each a function of x
alone), entries of torch.autograd.functional.jacobian, d x_hat_j / d x_i at [j, i]. A formula with free indices (i; or
i and j) is evaluated for every value of them; a display with several rows and chains of equalities sits on one line
of the page and is one claim, right only if every row equals its left-hand side."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(3301)
R, m, eps = 3, 5, 1e-5
X = rng.normal(0.4, 1.3, size=(R, m))
w, b = rng.normal(1.0, 0.5, m), rng.normal(size=m)
G = rng.normal(size=(R, m))                                   # dL/dy, the upstream gradient of each vector
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
num = lambda t: t.detach().numpy()
ok = lambda p, q: np.shape(p) == np.shape(q) and np.allclose(p, q, atol=1e-12)
I = np.eye(m)
jac = lambda f, x: torch.autograd.functional.jacobian(f, T(x)).numpy()

# ---- functions of one vector x (torch), eps = 0 from line 3 on
f_mu = lambda x: x.mean()
f_sigma = lambda x: torch.sqrt(((x - x.mean()) ** 2).mean())
f_xhat = lambda x: (x - f_mu(x)) / f_sigma(x)

# ---- reference per vector: torch layer_norm (eps = 0) with weight w and bias b, L = sum(G * y), autograd
Y0, dX, dW, dB = [], [], [], []
for r in range(R):
    xt, wt, bt = T(X[r]).requires_grad_(), T(w).requires_grad_(), T(b).requires_grad_()
    yt = F.layer_norm(xt, (m,), weight=wt, bias=bt, eps=0.0)
    (yt * T(G[r])).sum().backward()
    Y0.append(num(yt)); dX.append(num(xt.grad)); dW.append(num(wt.grad)); dB.append(num(bt.grad))
Y0, dX, dW, dB = map(np.array, (Y0, dX, dW, dB))
Y_eps = num(F.layer_norm(T(X), (m,), weight=T(w), bias=T(b), eps=eps))

mu = X.mean(1)
sigma = np.sqrt(((X - mu[:, None]) ** 2).mean(1))
xh = (X - mu[:, None]) / sigma[:, None]
dmu = np.array([jac(f_mu, X[r]) for r in range(R)])                       # [r, i]     dmu/dx_i
dsigma = np.array([jac(f_sigma, X[r]) for r in range(R)])                 # [r, i]     dsigma/dx_i
J = np.array([jac(f_xhat, X[r]) for r in range(R)])                       # [r, j, i]  dx_hat_j/dx_i
Jc = np.array([jac(lambda x: x - x.mean(), X[r]) for r in range(R)])      # [r, j, i]  d(x_j - mu)/dx_i
c = lambda v: np.asarray(v)[:, None]                                      # per-vector scalar over its entries
cc = lambda v: np.asarray(v)[:, None, None]                               # per-vector scalar over a [j, i] table

# ---- the forward, lines 2-5
decide(2, ok(w * (X - c(mu)) / np.sqrt(c(sigma) ** 2 + eps) + b, Y_eps), "y = w . (x - mu)/sqrt(sigma^2 + eps) + b, "
       "sigma the standard deviation, is torch's layer_norm with weight w and bias b (eps = 1e-5)")
decide(3, ok(w * (X - c(mu)) / c(sigma) + b, Y0), "without eps: y = w . (x - mu)/sigma + b is torch's layer_norm with "
       "eps = 0")
decide(5, ok(w * xh + b, Y0), "with x_hat = (x - mu)/sigma (a definition): y = w . x_hat + b")

# ---- the parameter gradients, line 6 (each vector on its own)
dy_dw = np.array([np.diag(jac(lambda v: v * T(xh[r]) + T(b), w)) for r in range(R)])   # dy_i/dw_i
dy_db = np.array([np.diag(jac(lambda v: T(w) * T(xh[r]) + v, b)) for r in range(R)])  # dy_i/db_i
decide(6, ok(G * dy_dw, dW) and ok(G * xh, dW) and ok(G * dy_db, dB) and ok(G, dB), "dL/dw_i = dL/dy_i . dy_i/dw_i = "
       "dL/dy_i . x_hat_i and dL/db_i = dL/dy_i . dy_i/db_i = dL/dy_i, for one vector (autograd)")

# ---- the result for dL/dx, line 7
S1 = c((G * w).sum(1))                                       # sum_j dL/dy_j w_j
S2 = c((G * w * xh).sum(1))                                  # sum_j dL/dy_j w_j x_hat_j
l7 = 1 / c(sigma) * (G * w - 1 / m * (S1 + xh * S2))
decide(7, ok(l7, dX), "dL/dx_i = (1/sigma)[dL/dy_i w_i - (1/m)(sum_j dL/dy_j w_j + x_hat_i sum_j dL/dy_j w_j "
       "x_hat_j)] (autograd)")

# ---- the chain rule, line 8
dy_dxh = np.array([np.diag(jac(lambda v: T(w) * v + T(b), xh[r])) for r in range(R)])   # dy_j/dx_hat_j
l8a = np.einsum("rj,rj,rji->ri", G, dy_dxh, J)
l8b = np.einsum("rj,j,rji->ri", G, w, J)
decide(8, ok(l8a, dX) and ok(l8b, dX), "dL/dx_i = sum_j dL/dy_j . dy_j/dx_hat_j . dx_hat_j/dx_i = sum_j dL/dy_j w_j "
       "dx_hat_j/dx_i (the sum over the whole product), against autograd")

# ---- dx_hat_j/dx_i, line 9 (every i, j of every vector)
dev = X - c(mu)                                              # x - mu
l9b = Jc / cc(sigma) + dev[:, :, None] * dsigma[:, None, :] * (-1 / cc(sigma) ** 2)
l9c = (I[None] - dmu[:, None, :]) / cc(sigma) - dev[:, :, None] * dsigma[:, None, :] / cc(sigma) ** 2
Jq = np.array([jac(lambda x: (x - x.mean()) / torch.sqrt(((x - x.mean()) ** 2).mean()), X[r]) for r in range(R)])
decide(9, ok(Jq, J) and ok(l9b, J) and ok(l9c, J), "dx_hat_j/dx_i = d/dx_i((x_j - mu)/sigma) = d(x_j - mu)/dx_i "
       "sigma^-1 + (x_j - mu) dsigma/dx_i (-sigma^-2) = (delta_ij - dmu/dx_i) sigma^-1 - sigma^-2 (x_j - mu) "
       "dsigma/dx_i, with dmu/dx_i, dsigma/dx_i and d(x_j - mu)/dx_i from autograd")

# ---- dmu/dx_i and dsigma/dx_i, line 10
decide(10, ok(np.full((R, m), 1 / m), dmu) and ok(1 / m / c(sigma) * dev, dsigma), "dmu/dx_i = 1/m and dsigma/dx_i = "
       "(1/m) sigma^-1 (x_i - mu) (autograd)")

# ---- substituted, line 11
l11b = (I[None] - 1 / m) / cc(sigma) - dev[:, :, None] / cc(sigma) ** 2 * (1 / m) / cc(sigma) * dev[:, None, :]
l11c = I[None] / cc(sigma) - 1 / m / cc(sigma) - 1 / m / cc(sigma) ** 3 * dev[:, None, :] * dev[:, :, None]
l11d = I[None] / cc(sigma) - 1 / m / cc(sigma) - 1 / m / cc(sigma) * xh[:, None, :] * xh[:, :, None]
decide(11, ok(l9c, J) and ok(l11b, J) and ok(l11c, J) and ok(l11d, J), "dx_hat_j/dx_i = (delta_ij - dmu/dx_i) "
       "sigma^-1 - ... = (delta_ij - 1/m) sigma^-1 - sigma^-2 (x_j - mu)(1/m) sigma^-1 (x_i - mu) = sigma^-1 delta_ij - "
       "(1/m) sigma^-1 - (1/m) sigma^-3 (x_i - mu)(x_j - mu) = sigma^-1 delta_ij - (1/m) sigma^-1 - (1/m) sigma^-1 "
       "x_hat_i x_hat_j, every row against autograd's Jacobian")

# ---- into dL/dx_i, line 12
l12b = np.einsum("rj,j,rji->ri", G, w, l11d)
l12c = 1 / c(sigma) * G * w - 1 / (m * c(sigma)) * S1 - xh / (m * c(sigma)) * S2
decide(12, ok(l8b, dX) and ok(l12b, dX) and ok(l12c, dX) and ok(l7, dX), "dL/dx_i = sum_j dL/dy_j w_j dx_hat_j/dx_i "
       "= sum_j dL/dy_j w_j (sigma^-1 delta_ij - (1/m) sigma^-1 - (1/m) sigma^-1 x_hat_i x_hat_j) = (1/sigma) dL/dy_i "
       "w_i - (1/(m sigma)) sum_j dL/dy_j w_j - (x_hat_i/(m sigma)) sum_j dL/dy_j w_j x_hat_j = the bracketed form of "
       "line 7, every row against autograd")

# ---- the proofs at the end, lines 13-14
dmu_sum = np.array([jac(lambda x: 1 / m * x.sum(), X[r]) for r in range(R)])
decide(13, ok(dmu_sum, dmu) and ok(np.full((R, m), 1 / m), dmu), "dmu/dx_i = d/dx_i((1/m) sum_j x_j) = 1/m (autograd)")
ms = lambda x: (x ** 2).mean() - x.mean() ** 2               # mu(x^2) - mu^2(x)
dsig_ms = np.array([jac(lambda x: ms(x) ** 0.5, X[r]) for r in range(R)])
Msq = (X ** 2).mean(1) - mu ** 2
l14c = 0.5 * c(Msq) ** -0.5 * (2 / m * X - 2 / m * c(mu))
decide(14, ok(np.sqrt(Msq), sigma) and ok(dsig_ms, dsigma) and ok(l14c, dsigma) and ok(1 / m / c(sigma) * dev, dsigma),
       "sigma = [mu(x^2) - mu^2(x)]^(1/2); dsigma/dx_i = d/dx_i [mu(x^2) - mu^2(x)]^(1/2) = (1/2)[...]^(-1/2) ((2/m) x_i "
       "- (2/m) mu) = (1/m) sigma^-1 (x_i - mu) (autograd)")

finish()
