"""Independent truth for tests/posts/conv_blind5/pristressia_layernorm_notebook_th (NumPy and torch, no derive).

The notebook's layer: layer normalization of each token's d = d_model features, h = LN(X) = x_hat (.) gamma (+) beta,
x_hat = (x - mu)/sqrt(sigma^2 + eps) with mu, sigma^2 (biased) over the d features of one token, gamma, beta of d,
X [batch, sequence, d]. L = sum(G * h) for a random G, so dL/dh = G (the notebook's dh). torch layer_norm and autograd
are the reference (B = 2, T = 3, d = 6); the per-token lines (x_i, x_j, indices over the d features) are checked on one
token, the Jacobian dx_hat_i/dx_j from torch.autograd.functional.jacobian. eps = 0.1 here, so that where the notebook
places eps differently (sigma + eps against sqrt(sigma^2 + eps)) the difference is visible; every line that uses
sqrt(sigma^2 + eps) holds for any eps."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(29)
B, T, d, eps = 2, 3, 6, 0.1
X = rng.normal(0.5, 0.8, size=(B, T, d)); gamma = rng.normal(size=d); beta = rng.normal(size=d); G = rng.normal(size=(B, T, d))
Xt = torch.tensor(X, requires_grad=True); gt = torch.tensor(gamma, requires_grad=True); bt = torch.tensor(beta, requires_grad=True)
mu_t = Xt.mean(-1, keepdim=True); var_t = ((Xt - mu_t) ** 2).mean(-1, keepdim=True)
xh_t = (Xt - mu_t) / torch.sqrt(var_t + eps); xh_t.retain_grad()
h_t = xh_t * gt + bt
(h_t * torch.tensor(G)).sum().backward()
ref = F.layer_norm(torch.tensor(X), (d,), torch.tensor(gamma), torch.tensor(beta), eps=eps).numpy()
assert np.allclose(h_t.detach().numpy(), ref)
dX, dgamma, dbeta, dxh = Xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy(), xh_t.grad.numpy()
mu = X.mean(-1, keepdims=True); var = ((X - mu) ** 2).mean(-1, keepdims=True); sig = np.sqrt(var); v_ = np.sqrt(var + eps)
xh = (X - mu) / v_

ln5 = (X - mu) / (sig + eps) * gamma + beta
print(f"   (line 5: (x - mu)/(sigma + eps) gamma + beta against torch layer_norm: max difference "
      f"{np.abs(ln5 - ref).max():.4f} at eps = {eps}; it is {np.abs((X - mu) / (sig + 1e-5) * gamma + beta - F.layer_norm(torch.tensor(X), (d,), torch.tensor(gamma), torch.tensor(beta), eps=1e-5).numpy()).max():.2e} at eps = 1e-5)")
decide(5, np.allclose(ln5, ref), "eps added to sigma, (x - mu)/(sigma + eps), is not the layer the notebook differentiates, "
       "(x - mu)/sqrt(sigma^2 + eps) (lines 16, 33) and torch's layer_norm; they agree only at eps = 0")
decide(12, np.allclose(xh * gamma + beta, ref), "LN(X) = (x_hat (.) gamma) (+) beta against torch layer_norm")
decide(16, np.allclose(xh, F.layer_norm(torch.tensor(X), (d,), eps=eps).numpy()), "x_hat = (X - mu)/sqrt(sigma^2 + eps), "
       "per token")
decide(20, np.allclose(xh * gamma + beta, ref), "h = LM(X) = (x_hat (.) gamma) (+) beta, 'LM' read as the LN of line 12")
decide(24, np.allclose(G.sum((0, 1)), dbeta), "dbeta = sum over batch and sequence of dL/dh against autograd")
decide(26, np.allclose((G * xh).sum((0, 1)), dgamma), "dgamma = sum over batch and sequence of dL/dh (.) x_hat against autograd")
decide(28, np.allclose(G * gamma, dxh), "dx_hat = dL/dh (.) dh/dx_hat = dL/dh (.) gamma (retain_grad at x_hat)")
decide(33, np.allclose(xh, (X - mu) / np.sqrt(var + eps)), "x_hat restated")

# ---- one token
b, t = 1, 2
x, g, Gt = X[b, t], gamma, G[b, t]
m, s2 = x.mean(), ((x - x.mean()) ** 2).mean(); v = np.sqrt(s2 + eps); xhv = (x - m) / v
norm = lambda z: (z - z.mean()) / torch.sqrt(((z - z.mean()) ** 2).mean() + eps)
J = torch.autograd.functional.jacobian(norm, torch.tensor(x)).numpy()            # J[i, j] = dx_hat_i/dx_j
dv = torch.autograd.functional.jacobian(lambda z: torch.sqrt(((z - z.mean()) ** 2).mean() + eps), torch.tensor(x)).numpy()
dvar = torch.autograd.functional.jacobian(lambda z: ((z - z.mean()) ** 2).mean(), torch.tensor(x)).numpy()
dmu = torch.autograd.functional.jacobian(lambda z: z.mean(), torch.tensor(x)).numpy()
I = np.eye(d)
quot = ((I - 1 / d) * v - np.outer(x - m, dv)) / (s2 + eps)
decide(41, np.allclose(quot, J), "the quotient rule, read entry by entry (line 43), against torch's Jacobian")
decide(43, np.allclose(quot, J), "dx_hat_i/dx_j = (d(x_i - mu)/dx_j sqrt(sigma^2+eps) - (x_i - mu) d sqrt(sigma^2+eps)/dx_j)/(sigma^2 + eps)")
wrong48 = np.array([[(x[j] - m) / v for j in range(d)] for i in range(d)])       # (x_j - mu)/sqrt(...) as x_hat_i
print(f"   (line 48: (x_j - mu)/sqrt(sigma^2+eps) is x_hat_j; it equals x_hat_i only for j = i: "
      f"{np.allclose(wrong48, np.broadcast_to(xhv[:, None], (d, d)))})")
decide(48, np.allclose(wrong48, np.broadcast_to(xhv[:, None], (d, d))), "x_hat_i = (x_j - mu)/sqrt(sigma^2 + eps) "
       "holds only for j = i: the numerator is x_i - mu")
decide(52, J.shape == (d, d), "the Jacobian of the d outputs x_hat by the d inputs x is d x d (m = n = d), the sentence's "
       "vectors named x_hat_i and x_j")
decide(60, np.allclose(torch.autograd.functional.jacobian(lambda z: z, torch.tensor(x)).numpy(), I), "dx_i/dx_j = delta_ij")
decide(62, np.allclose(dmu, 1 / d), "dmu/dx_j = d/dx_j (x_1 + ... + x_n)/d = 1/d (n = d)")
decide(64, dmu.shape == (d,) and np.allclose(dmu, 1 / d), "the derivative of mu collected over j = 1..d: a row of d "
       "entries 1/d")
decide(66, np.allclose(I - dmu[None, :], torch.autograd.functional.jacobian(lambda z: z - z.mean(), torch.tensor(x)).numpy()),
       "d(x_i - mu)/dx_j = delta_ij - 1/d")
decide(74, np.allclose(dvar / (2 * v), dv), "d sqrt(sigma^2 + eps)/dx_j = 1/(2 sqrt(sigma^2+eps)) dsigma^2/dx_j")
decide(77, np.isclose(s2, ((x - m) ** 2).sum() / d), "sigma^2 = (1/d) sum_k (x_k - mu)^2, the biased variance")
decide(80, np.allclose([2 / d * sum((x[k] - m) * (I[k, j] - 1 / d) for k in range(d)) for j in range(d)], dvar),
       "dsigma^2/dx_j = (2/d) sum_k (x_k - mu) d(x_k - mu)/dx_j")
decide(83, np.allclose([2 / d * sum((x[k] - m) * ((j == k) - 1 / d) for k in range(d)) for j in range(d)], dvar),
       "(2/d) sum_k (x_k - mu)(delta_jk - 1/d)")
r87 = [2 / d * ((x[j] - m) * (1 - 1 / d) + sum((x[k] - m) * -1 / d for k in range(d) if k != j)) for j in range(d)]
decide(87, np.allclose(r87, dvar), "(2/d)[(x_j - mu)(1 - 1/d) + sum_{k != j} (x_k - mu)(-1/d)]")
r92 = [2 / d * ((x[j] - m) - (x[j] - m) / d + sum(-(x[k] - m) / d for k in range(d) if k != j)) for j in range(d)]
decide(92, np.allclose(r92, dvar), "(2/d)[(x_j - mu) - (x_j - mu)/d + sum_{k != j} -(x_k - mu)/d]")
decide(95, all(np.isclose(-(x[j] - m) / d + sum(-(x[k] - m) / d for k in range(d) if k != j), sum(-(x[k] - m) / d for k in range(d)))
               for j in range(d)), "-(x_j - mu)/d + sum_{k != j} -(x_k - mu)/d = sum_k -(x_k - mu)/d")
decide(98, np.isclose((x - m).sum(), 0), "sum_k (x_k - mu) = 0")
decide(102, np.allclose(2 * (x - m) / d, dvar), "dsigma^2/dx_j = 2(x_j - mu)/d against autograd")
decide(106, np.allclose(dvar / (2 * v), dv), "as line 74")
decide(108, np.allclose((x - m) / (d * v), dv), "d sqrt(sigma^2 + eps)/dx_j = (x_j - mu)/(d sqrt(sigma^2 + eps)) against autograd")
decide(113, np.allclose(quot, J), "as line 41")
r115 = ((I - 1 / d) * v - np.outer(x - m, (x - m) / (d * v))) / (s2 + eps)
decide(115, np.allclose(r115, J), "1/(sigma^2+eps)[(delta_ij - 1/d) sqrt(.) - (x_i - mu)(x_j - mu)/(d sqrt(.))]")
r117 = ((I - 1 / d) * v - v / d * np.outer((x - m) / v, (x - m) / v)) / (s2 + eps)
decide(117, np.allclose(r117, J), "sqrt(.)/d times (x_i - mu)/sqrt(.) times (x_j - mu)/sqrt(.)")
r119 = ((I - 1 / d) - 1 / d * np.outer((x - m) / v, (x - m) / v)) / v
decide(119, np.allclose(r119, J), "1/sqrt(sigma^2+eps)[(delta_ij - 1/d) - (1/d) x_hat_i x_hat_j] (written out)")
decide(127, np.allclose((x - m) / v, xhv), "x_hat_i = (x_i - mu)/sqrt(sigma^2 + eps)")
decide(128, np.allclose((x - m) / v, xhv), "x_hat_j likewise")
r130 = (I - 1 / d - np.outer(xhv, xhv) / d) / v
decide(130, np.allclose(r130, J), "dx_hat_i/dx_j = (delta_ij - 1/d - x_hat_i x_hat_j/d)/sqrt(sigma^2 + eps) against torch's Jacobian")
gx = Gt * g                                                    # dL/dx_hat for the token
dx_tok = dX[b, t]
decide(136, np.allclose(J.T @ gx, dx_tok), "dL/dx_j = sum_i dL/dx_hat_i dx_hat_i/dx_j against autograd")
r140 = np.array([sum(gx[i] * (d * I[i, j] - 1 - xhv[i] * xhv[j]) for i in range(d)) / (d * v) for j in range(d)])
decide(140, np.allclose(r140, dx_tok), "(1/(d sqrt(.))) sum_i dL/dx_hat_i (d delta_ij - 1 - x_hat_i x_hat_j)")
r142 = np.array([sum(d * I[i, j] * gx[i] - gx[i] - gx[i] * xhv[i] * xhv[j] for i in range(d)) / (d * v) for j in range(d)])
decide(142, np.allclose(r142, dx_tok), "the same with dL/dx_hat_i multiplied in")
decide(144, np.allclose([sum(d * I[i, j] * gx[i] for i in range(d)) for j in range(d)], d * gx), "sum_i d delta_ij dL/dx_hat_i = d dL/dx_hat_j")
decide(146, np.allclose([sum(gx[i] * xhv[i] * xhv[j] for i in range(d)) for j in range(d)], xhv * (gx * xhv).sum()),
       "sum_i dL/dx_hat_i x_hat_i x_hat_j = x_hat_j sum_i dL/dx_hat_i x_hat_i")
r150 = (d * gx - gx.sum() - xhv * (gx * xhv).sum()) / (d * v)
decide(150, np.allclose(r150, dx_tok) and np.allclose(
    (d * dxh - dxh.sum(-1, keepdims=True) - xh * (dxh * xh).sum(-1, keepdims=True)) / (d * v_), dX),
    "dL/dx_j = (d dL/dx_hat_j - sum_i dL/dx_hat_i - x_hat_j sum_i dL/dx_hat_i x_hat_i)/(d sqrt(sigma^2+eps)), every token, "
    "against autograd through torch layer_norm")
finish()
