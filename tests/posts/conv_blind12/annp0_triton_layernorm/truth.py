"""Independent truth for tests/posts/conv_blind12/annp0_triton_layernorm (NumPy and torch, no derive).

The notebook's layer (its first Markdown cell): layer normalization of each vector x (N features) with
mu = (1/N) sum_j x_j, sigma = sqrt((1/N) sum_j (x_j - mu)^2 + eps) (eps inside the root, as in its Triton kernel),
x_hat_a = (x_a - mu)/sigma and y_i = w_i x_hat_i + b_i, w and b one per feature. The derivation is written for one
vector ('for each input vector'), 1-based sums over the features a, b, j. Here N = 6 features, eps = 1e-5, a batch
of 3 vectors handled one at a time, L = sum(G * y) with G random, so dL/dy = G. References: torch layer_norm and
autograd in float64; Jacobians (dy/dx_hat, dx_hat/dx, dsigma/dx, dy/dw) from torch.autograd.functional.jacobian."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(1607)
B, N, eps = 3, 6, 1e-5
X = rng.normal(0.3, 1.4, size=(B, N)); w = rng.normal(1.0, 0.5, size=N); b = rng.normal(size=N)
G = rng.normal(size=(B, N))
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
jac = lambda fn, at: torch.autograd.functional.jacobian(fn, T(at)).numpy()

# references: torch layer_norm and autograd, vector by vector
xt = T(X).requires_grad_(); wt = T(w).requires_grad_(); bt = T(b).requires_grad_()
yt = F.layer_norm(xt, (N,), wt, bt, eps)
(yt * T(G)).sum().backward()
Y_ref, dX_ref = yt.detach().numpy(), xt.grad.numpy()

mu = X.mean(1, keepdims=True)
sigma = np.sqrt(((X - mu) ** 2).mean(1, keepdims=True) + eps)       # line 14
xhat = (X - mu) / sigma                                               # line 8
xhat_ref = F.layer_norm(T(X), (N,), eps=eps).numpy()

decide(3, np.allclose(w * xhat + b, Y_ref), "y_i = w_i * x_hat_i + b_i (definition; '*' the product) is torch layer_norm "
       "with weight w and bias b")
decide(8, np.allclose(xhat, xhat_ref), "x_hat_a = (x_a - mu)/sigma (definition) is torch layer_norm without affine, with "
       "sigma of line 14")
decide(14, np.allclose(mu[:, 0], X.mean(1)) and np.allclose(sigma[:, 0], torch.sqrt(torch.var(T(X), 1, unbiased=False)
       + eps).numpy()), "mu = (1/N) sum_j x_j, sigma = sqrt((1/N) sum_j (x_j - mu)^2 + eps): the mean and the biased "
       "standard deviation with eps inside the root (definition; torch layer_norm's)")

sig_fn = lambda v: torch.sqrt(((v - v.mean()) ** 2).mean() + eps)
ok20 = True
for n in range(B):
    x = X[n]; m = x.mean(); s = np.sqrt(((x - m) ** 2).mean() + eps)
    J = jac(sig_fn, x)                                                # dsigma/dx_i
    middle = np.array([1 / (N * s) * sum((x[j] - m) * ((i == j) - 1 / N) for j in range(N)) for i in range(N)])
    ok20 &= np.allclose(J, middle) and np.allclose(J, (x - m) / (N * s))
decide(20, ok20, "dsigma/dx_i = 1/(N sigma) sum_j (x_j - mu)(delta_ij - 1/N) = (x_i - mu)/(N sigma), both sides against "
       "the Jacobian of sigma (eps inside the root)")

ok = {27: True, 28: True, 29: True, 30: True}
for n in range(B):
    x, g = X[n], G[n]
    xh_fn = lambda v: (v - v.mean()) / torch.sqrt(((v - v.mean()) ** 2).mean() + eps)
    Jxh = jac(xh_fn, x)                                               # [b, i] = dx_hat_b/dx_i
    xh = xhat[n]; s = sigma[n, 0]
    Jy = jac(lambda v: T(w) * v + T(b), xh)                           # [a, b] = dy_a/dx_hat_b
    dx = dX_ref[n]
    l27 = np.array([sum(g[a] * Jy[a, bb] * Jxh[bb, i] for a in range(N) for bb in range(N)) for i in range(N)])
    l28 = np.array([sum(g[a] * w[a] * Jxh[a, i] for a in range(N)) for i in range(N)])
    l29 = np.array([sum(g[a] * w[a] * (1 / s) * ((a == i) - 1 / N - xh[a] * xh[i] / N) for a in range(N))
                    for i in range(N)])
    l30 = (1 / s) * (g * w - (w * g).sum() / N - (w * g * xh).sum() * xh / N)
    ok[27] &= np.allclose(l27, dx); ok[28] &= np.allclose(l28, dx)
    ok[29] &= np.allclose(l29, dx) and np.allclose(Jxh, (1 / s) * (np.eye(N) - 1 / N - np.outer(xh, xh) / N))
    ok[30] &= np.allclose(l30, dx)
decide(27, ok[27], "dL/dx_i = sum_{a,b} dL/dy_a dy_a/dx_hat_b dx_hat_b/dx_i (Jacobians from autograd) against autograd's "
       "dL/dx")
decide(28, ok[28], "= sum_a dL/dy_a w_a dx_hat_a/dx_i (dy_a/dx_hat_b = w_a delta_ab) against autograd")
decide(29, ok[29], "= sum_a dL/dy_a w_a (1/sigma)(delta_ai - 1/N - x_hat_a x_hat_i/N): the Jacobian of x_hat is right "
       "(sigma with eps, as line 14) and the sum equals autograd's dL/dx")
decide(30, ok[30], "= (1/sigma)(dL/dy_i w_i - (1/N) sum_a w_a dL/dy_a - (1/N) sum_a w_a dL/dy_a x_hat_a x_hat_i) against "
       "autograd")

# dL/dw_i and dL/db_i for one vector (the derivation is per vector); for the batch they add over the vectors
ok36a, post36, right, rep = True, [], [], {"x_hat for x, sum kept": True, "sum dropped, x kept": True}
ok38 = True
for n in range(B):
    x, g, xh = X[n], G[n], xhat[n]
    wt1 = T(w).requires_grad_(); bt1 = T(b).requires_grad_()
    y1 = F.layer_norm(T(x)[None], (N,), wt1, bt1, eps)
    (y1 * T(g)[None]).sum().backward()
    dw, db = wt1.grad.numpy(), bt1.grad.numpy()
    Jw = jac(lambda v: v * T(xh) + T(b), w)                            # [a, i] = dy_a/dw_i
    Jb = jac(lambda v: T(w) * T(xh) + v, b)
    ok36a &= np.allclose(g @ Jw, dw)
    post36.append(np.full(N, g.sum()) * x)                            # sum_a dL/dy_a x_i
    right.append(dw)
    rep["x_hat for x, sum kept"] &= np.allclose(g.sum() * xh, dw)
    rep["sum dropped, x kept"] &= np.allclose(g * x, dw)
    ok38 &= np.allclose(g @ Jb, db) and np.allclose(g, db)
post36, right = np.array(post36), np.array(right)
print(f"   (line 36, vector 1: autograd dL/dw = {np.round(right[0], 4)}; the printed sum_a dL/dy_a x_i = "
      f"{np.round(post36[0], 4)}; dL/dy_i x_hat_i = {np.round(G[0] * xhat[0], 4)}, which the notebook's later revision "
      f"writes; repairs that do not rescue it: {[k for k, v in rep.items() if not v]})")
print(f"   (line 36 over the batch: sum of the printed values {np.round(post36.sum(0), 4)} against autograd's "
      f"{np.round(np.asarray(wt.grad), 4)})")
decide(36, ok36a and np.allclose(post36, right), "dL/dw_i = sum_a dL/dy_a dy_a/dw_i = sum_a dL/dy_a x_i: the first link "
       "is right, the second is not: dy_a/dw_i = delta_ai x_hat_i, so the sum collapses to dL/dy_i x_hat_i; as printed "
       "it keeps the sum over a and has the input x_i for the normalized x_hat_i")
decide(38, ok38, "dL/db_i = sum_a dL/dy_a dy_a/db_i = dL/dy_i (dy_a/db_i = delta_ai) against autograd, per vector")
finish()
