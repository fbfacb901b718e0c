"""Independent truth for tests/posts/conv_blind12/taro137_zenn_layernorm_ja (NumPy and torch, no derive).

The note's layer (Zenn, in Japanese): layer normalization of one hidden vector of H features without eps, scale or
shift: mu = (1/H) sum_i x_i, sigma = sqrt((1/H) sum_i (x_i - mu)^2), y_i = (x_i - mu)/sigma; 1-based sums, the
Jacobian dy_i/dx_j and the gradient dL/dx_j = sum_i dy_i/dx_j dL/dy_i, then a NumPy implementation over a batch of N
rows. Here H = 7, N = 4 rows, L = sum(G * y) with G random (dL/dy = G). References: torch layer_norm with eps = 0
(torch's own normalization, no affine), autograd and torch.autograd.functional.jacobian in float64."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(230901)
N, H = 4, 7
X = rng.normal(0.5, 1.3, size=(N, H)); G = rng.normal(size=(N, H))
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
jac = lambda fn, at: torch.autograd.functional.jacobian(fn, T(at)).numpy()

xt = T(X).requires_grad_()
yt = F.layer_norm(xt, (H,), eps=0.0)
(yt * T(G)).sum().backward()
Y_ref, dX_ref = yt.detach().numpy(), xt.grad.numpy()

mu = X.mean(1, keepdims=True)
sigma = np.sqrt(((X - mu) ** 2).mean(1, keepdims=True))
Y = (X - mu) / sigma
decide(3, np.allclose(mu[:, 0], [sum(X[n, i] for i in range(H)) / H for n in range(N)]),
       "mu = (1/H) sum_{i=1}^H x_i (definition)")
decide(4, np.allclose(sigma[:, 0], torch.std(T(X), 1, unbiased=False).numpy()),
       "sigma = sqrt((1/H) sum (x_i - mu)^2), the biased standard deviation (definition; no eps)")
decide(5, np.allclose(Y, Y_ref), "y_i = (x_i - mu)/sigma is torch layer_norm without affine and with eps = 0 (definition)")

y_fn = lambda v: (v - v.mean()) / torch.sqrt(((v - v.mean()) ** 2).mean())
s_fn = lambda v: torch.sqrt(((v - v.mean()) ** 2).mean())
v_fn = lambda v: ((v - v.mean()) ** 2).mean()                       # (1/H) sum_h (x_h - mu)^2, mu a function of x
ok = {k: True for k in (9, 10, 11, 12, 17, 18)}
for n in range(N):
    x, g, y = X[n], G[n], Y[n]
    m, s = mu[n, 0], sigma[n, 0]
    Jy = jac(y_fn, x)                                                 # [i, j] = dy_i/dx_j
    ds = jac(s_fn, x)                                                 # dsigma/dx_j
    dv = jac(v_fn, x)                                                 # d/dx_j (1/H) sum (x_h - mu)^2 (total)
    I = np.eye(H)
    r9 = (I - 1 / H) / s - np.outer(x - m, ds) / s ** 2
    r10 = (I - 1 / H) / s - np.outer(x - m, dv) / (2 * s ** 3)
    r11 = (1 / s) * (I - 1 / H - np.outer(x - m, x - m) / (H * s ** 2))
    r12 = (1 / s) * (I - (1 + np.outer(y, y)) / H)
    for k, r in ((9, r9), (10, r10), (11, r11), (12, r12)):
        ok[k] &= np.allclose(r, Jy)
    dx = dX_ref[n]
    ok[17] &= np.allclose(np.array([sum(Jy[i, j] * g[i] for i in range(H)) for j in range(H)]), dx)
    ok[18] &= np.allclose((1 / s) * (g - (g.sum() + (y @ g) * y) / H), dx)
decide(9, ok[9], "dy_i/dx_j = (delta_ij - 1/H)/sigma - (x_i - mu)/sigma^2 dsigma/dx_j (quotient rule, dmu/dx_j = 1/H; "
       "dsigma/dx_j the Jacobian of sigma) against the Jacobian of y")
decide(10, ok[10], "= (delta_ij - 1/H)/sigma - (x_i - mu)/(2 sigma^3) d/dx_j (1/H) sum_h (x_h - mu)^2 (dsigma = "
       "d(sigma^2)/(2 sigma), the derivative total, mu depending on x_j) against the Jacobian")
decide(11, ok[11], "= (1/sigma)(delta_ij - 1/H - (x_i - mu)(x_j - mu)/(H sigma^2)) against the Jacobian")
decide(12, ok[12], "= (1/sigma)(delta_ij - (1 + y_i y_j)/H) against the Jacobian")
decide(17, ok[17], "dL/dx_j = sum_i dy_i/dx_j dL/dy_i (lines 16-17, the chain rule over every output) against autograd")
decide(18, ok[18], "= (1/sigma)(dL/dy_j - (1/H)(sum_i dL/dy_i + (y . dL/dy) y_j)) against autograd")

# the note's NumPy code, run as printed on the same rows
mu_c = X.mean(axis=-1, keepdims=True)
sigma_c = X.std(axis=-1, keepdims=True)
y_c = (X - mu_c) / sigma_c
a = G.sum(axis=-1, keepdims=True)
b = np.einsum('...i,...i->...', y_c, G)[..., None]
dx_c = (G - (a + b * y_c) / H) / sigma_c
decide(25, np.allclose(mu_c, mu), "mu = x.mean(axis=-1, keepdims=True), the mean of line 3 row by row")
decide(26, np.allclose(sigma_c, sigma), "sigma = x.std(axis=-1, keepdims=True): NumPy's std has ddof = 0, the biased "
       "sigma of line 4")
decide(27, np.allclose(y_c, Y_ref), "y = (x - mu) / sigma, line 5 row by row, against torch layer_norm")
decide(31, np.allclose(dx_c, dX_ref), "dx = (dy - (a + b*y)/H)/sigma with a = sum dy and b = y . dy (lines 29-30): "
       "line 18 row by row, against autograd")
finish()
