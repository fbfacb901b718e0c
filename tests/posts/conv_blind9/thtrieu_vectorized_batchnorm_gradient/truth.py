"""Independent truth for tests/posts/conv_blind9/thtrieu_vectorized_batchnorm_gradient (NumPy and torch, no derive).

The post's layer: batch normalization over a batch x (n samples x f features), per feature j. Lines 1-7 are the
paper's forward pass (with epsilon and beta), checked against torch batch_norm in training mode. Lines 9-17 are the
post's computational graph, without epsilon and without beta (the post leaves beta out as a separate bias-adding
operation): m = mean_i x_i, xbar = x - m, the node xbar^2 (the post's 'x^2'), v = mean_i xbar_i^2, x* = xbar/sqrt(v),
x^BN = gamma x* (gamma per feature). delta y is dL/dy; dx^BN = G for L = sum(G * x^BN), G random. The node gradients
(delta x*, delta v, delta xbar^2, delta xbar, delta m, delta x) come from retain_grad on that graph in torch float64;
the two parts of delta xbar (delta_{x^2} xbar through xbar^2, delta_{x*} xbar through x*) and of delta x (delta_m x
through m, delta_xbar x through xbar) from the same graph with the other path detached. n = 5, f = 3, eps = 0.1 in the
forward of lines 1-7. Every entry i, j is checked."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import batch_norm_graph, decide, finish  # noqa: E402

rng = np.random.default_rng(92)
n, f, eps = 5, 3, 0.1
x = rng.normal(0.5, 1.3, size=(n, f)); gamma = rng.normal(1.0, 0.4, size=f); beta = rng.normal(size=f)
G = rng.normal(size=(n, f))
T = lambda a: torch.tensor(a, dtype=torch.float64)

# ---- lines 1-7, the forward pass with epsilon and beta
g = batch_norm_graph(x, gamma, beta, G, eps)
mu = x.mean(0); var = ((x - mu) ** 2).mean(0)
decide(1, np.allclose(mu, torch.mean(T(x), 0).numpy()), "mu_B = (1/m) sum_i x_i, the batch mean per feature")
sigma_printed = (1 / n) * ((x - mu) ** 2).sum(0)              # what line 3 assigns to sigma_B
xhat_with_printed = (x - mu) / np.sqrt(sigma_printed ** 2 + eps)
decide(3, np.allclose(sigma_printed, np.sqrt(var)) or np.allclose(xhat_with_printed, g["xh"]),
       "sigma_B <- (1/m) sum_i (x_i - mu_B)^2 assigns the variance to sigma_B, which line 5 squares (sigma_B^2 + eps "
       "under the root): with it x_hat divides by sqrt(var^2 + eps), not by torch's sqrt(var + eps); sigma_B should be "
       "the square root of the sum (or the line should define sigma_B^2)")
decide(5, np.allclose((x - mu) / np.sqrt(var + eps), g["xh"]),
       "x_hat_i = (x_i - mu_B)/sqrt(sigma_B^2 + eps), sigma_B^2 the batch variance, against torch batch_norm (training)")
decide(7, np.allclose(gamma * g["xh"] + beta, g["y"]), "y_i = gamma x_hat_i + beta against torch batch_norm")

# ---- the post's graph without epsilon and beta, lines 9-17
def keep(t):
    if t.requires_grad:
        t.retain_grad()
    return t


def graph(detach_sq=False, detach_star=False, detach_m_in_xbar=False, detach_x_in_xbar=False):
    xt = T(x).requires_grad_()
    m = xt.mean(0); keep(m)
    xbar = (xt.detach() if detach_x_in_xbar else xt) - (m.detach() if detach_m_in_xbar else m); keep(xbar)
    sq = (xbar.detach() if detach_sq else xbar) ** 2; keep(sq)
    v = sq.mean(0); keep(v)
    xstar = (xbar.detach() if detach_star else xbar) / torch.sqrt(v); keep(xstar)
    xbn = T(gamma) * xstar
    (xbn * T(G)).sum().backward()
    return dict(x=xt, m=m, xbar=xbar, sq=sq, v=v, xstar=xstar, xbn=xbn)


full = graph()
num = lambda t: t.detach().numpy()
m_, xbar_, v_, xstar_, xbn_ = num(full["m"]), num(full["xbar"]), num(full["v"]), num(full["xstar"]), num(full["xbn"])
d = {k: full[k].grad.numpy() for k in ("x", "m", "xbar", "sq", "v", "xstar")}
dbn = G
ref0 = F.batch_norm(T(x), None, None, T(gamma), None, training=True, eps=1e-300).numpy()   # eps = 0 (torch needs eps > 0)
decide(9, np.allclose(m_, x.mean(0)), "m = (1/n) sum_i x_i")
decide(11, np.allclose(xbar_, x - x.mean(0)), "xbar_i = x_i - m")
decide(13, np.allclose(v_, x.var(0)), "v = (1/n) sum_i xbar_i^2, the biased batch variance")
decide(15, np.allclose(xstar_, (x - x.mean(0)) / np.sqrt(x.var(0))), "x*_ij = xbar_ij / sqrt(v_j) (the graph has no epsilon)")
decide(17, np.allclose(xbn_, ref0), "x^BN = gamma x* against torch batch_norm with eps = 0 and no beta")

# ---- backward
decide(21, np.allclose(gamma * dbn, d["xstar"]), "delta x*_ij = delta x^BN_ij dx^BN_ij/dx*_ij = gamma delta x^BN_ij against retain_grad at x*")
print(f"   (line 23: gamma x^BN is {np.round((gamma * xbn_)[0], 4)} in row 1, delta x* is {np.round(d['xstar'][0], 4)})")
decide(23, np.allclose(gamma * xbn_, d["xstar"]), "delta x* = gamma x^BN: the output x^BN where its gradient delta x^BN belongs "
       "(line 21 has gamma delta x^BN)")
Jv = torch.autograd.functional.jacobian(lambda vv: T(xbar_) / torch.sqrt(vv), T(v_)).numpy()       # [i, j, k]
dxs_dv = np.array([[Jv[i, j, j] for j in range(f)] for i in range(n)])
row25 = -0.5 * v_ ** -1.5 * (d["xstar"] * xbar_).sum(0)
decide(25, np.allclose((d["xstar"] * dxs_dv).sum(0), d["v"]) and np.allclose(dxs_dv, -0.5 * xbar_ * v_ ** -1.5)
       and np.allclose(row25, d["v"]),
       "delta v_j = sum_i delta x*_ij dx*_ij/dv_j (x^*{ij} read as x*_ij; partial with xbar held, Jacobian) = "
       "-1/2 v_j^{-3/2} sum_i delta x*_ij xbar_ij against retain_grad at v")
row27 = -0.5 * v_ ** -1.5 * (xstar_ * xbar_).sum(0)
decide(27, np.allclose(row27, d["v"]), "delta v_j = -1/2 v_j^{-3/2} (sum_i x*_i (.) xbar_i)_j: x* where delta x* belongs "
       "(line 25 sums delta x*_ij xbar_ij); sum_i x*_ij xbar_ij = n sqrt(v_j), so the line gives -n/(2 v_j)")
decide(31, np.allclose(np.broadcast_to(d["v"] / n, (n, f)), d["sq"]), "delta xbar^2_i = (1/n) delta v against retain_grad at the node xbar^2")
via_sq = graph(detach_star=True)["xbar"].grad.numpy()        # the part of delta xbar through xbar^2
via_star = graph(detach_sq=True)["xbar"].grad.numpy()        # the part through x*
assert np.allclose(via_sq + via_star, d["xbar"])
decide(35, np.allclose(2 * d["sq"] * xbar_, via_sq), "delta_{x^2} xbar_ij = delta xbar^2_ij d xbar^2_ij/d xbar_ij = "
       "2 delta xbar^2_ij xbar_ij against the part of delta xbar that flows through xbar^2 (autograd, the x* path detached)")
decide(37, np.allclose(2 * d["sq"] * xbar_, via_sq), "delta_{x^2} xbar = 2 delta x^2 (.) xbar, delta x^2 read as delta xbar^2 "
       "(the post calls the node xbar^2 'x^2')")
row39 = d["xstar"] / v_ ** -0.5
print(f"   (line 39: delta x*/v^(-1/2) = delta x* sqrt(v) is {np.round(row39[0], 4)} in row 1, the x* part of delta xbar "
      f"is {np.round(via_star[0], 4)})")
decide(39, np.allclose(row39, via_star), "delta_{x*} xbar_ij = delta x*_ij / v_j^{-1/2}: dividing by v^{-1/2} multiplies by "
       "sqrt(v_j); dx*_ij/dxbar_ij = v_j^{-1/2}, so the x* part is delta x*_ij v_j^{-1/2} (as line 43 has it)")
decide(43, np.allclose(v_ ** -0.5 * d["xstar"], via_star), "delta_{x*} xbar = v^{-1/2} delta x* (broadcast) against the part of "
       "delta xbar through x* (autograd, the xbar^2 path detached)")
decide(45, np.allclose(2 * d["sq"] * xbar_ + v_ ** -0.5 * d["xstar"], d["xbar"]),
       "delta xbar = 2 delta x^2 (.) xbar + v^{-1/2} delta x* against retain_grad at xbar")
decide(47, np.allclose(-d["xbar"].sum(0), d["m"]), "delta m_j = sum_i delta xbar_ij d(x_ij - m_j)/dm_j = -sum_i delta xbar_ij "
       "against retain_grad at m")
decide(49, np.allclose(-d["xbar"].sum(0), d["m"]), "delta m = -sum_i delta xbar_i (the column sums)")
via_m = graph(detach_x_in_xbar=True)["x"].grad.numpy()       # the part of delta x through m
via_xbar = graph(detach_m_in_xbar=True)["x"].grad.numpy()    # the part through xbar directly
assert np.allclose(via_m + via_xbar, d["x"])
decide(51, np.allclose(np.broadcast_to(d["m"] / n, (n, f)), via_m), "delta_m x = (1/n) delta m against the part of delta x "
       "through m (autograd, the direct path detached)")
decide(53, np.allclose(d["xbar"], via_xbar) and np.allclose(d["xbar"] + d["m"] / n, d["x"]),
       "delta_xbar x = delta xbar (the direct part) and delta x = delta xbar + (1/n) delta m against autograd's dL/dx")
decide(55, np.allclose(d["xbar"] + d["m"] / n, d["x"]), "delta x = delta xbar + (1/n) delta m against autograd")
decide(57, np.allclose(d["xbar"] - d["xbar"].sum(0) / n, d["x"]), "= delta xbar - 1/n sum_i delta xbar (sum_i delta xbar_i, "
       "the column sums) against autograd")
decide(59, np.allclose(d["xstar"] * v_ ** -0.5 + 2 * d["sq"] * xbar_, d["xbar"]), "delta xbar = delta x* v^{-1/2} + 2 delta x^2 (.) xbar")
decide(61, np.allclose(gamma * v_ ** -0.5 * dbn + 2 / n * d["v"] * xbar_, d["xbar"]),
       "= gamma v^{-1/2} delta x^BN + (2/n) delta v (.) xbar against retain_grad at xbar")
decide(63, np.allclose(gamma * v_ ** -0.5 * dbn - 1 / n * v_ ** -1.5 * (d["xstar"] * xbar_).sum(0) * xbar_, d["xbar"]),
       "= gamma v^{-1/2} delta x^BN - (1/n) v^{-3/2} (.) sum_i (delta x* (.) xbar)_i (.) xbar")
decide(65, np.allclose(gamma * v_ ** -0.5 * dbn - gamma / n * v_ ** -1.5 * (dbn * xbar_).sum(0) * xbar_, d["xbar"]),
       "= gamma v^{-1/2} delta x^BN - (gamma/n) v^{-3/2} (.) sum_i (delta x^BN (.) xbar)_i (.) xbar")
s = v_ ** -0.5
decide(67, np.allclose(gamma * s * (dbn - 1 / n * (dbn * xbar_ * s).sum(0) * xbar_ * s), d["xbar"]),
       "= gamma v^{-1/2} (delta x^BN - (1/n) sum_i (delta x^BN (.) xbar v^{-1/2})_i (.) xbar v^{-1/2})")
decide(69, np.allclose(gamma * s * (dbn - 1 / n * (dbn * xstar_).sum(0) * xstar_), d["xbar"]),
       "= gamma v^{-1/2} (delta x^BN - (1/n) sum_i (delta x^BN (.) x*)_i (.) x*): delta xbar, as the chain says (delta x "
       "is this minus its column mean, line 57)")
finish()
