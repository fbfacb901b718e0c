"""Independent truth for tests/posts/conv_blind15/vivilearns2code_batchnorm_quotient (NumPy and torch, no derive).

The post (a 2018 Jekyll post, 'Backpropagation Pt II', at the commit pinned in truth.toml): batch normalization of an
N x D input, every feature column k normalized over the N samples, x^norm_ik = gamma_k (x_ik - xbar_k)/sqrt(sigma^2_k
+ eps) + beta_k (the output is named x^norm; sigma^2_k the biased column variance, as its line 17 has /N); the
derivatives dxbar_k/dx_lk and dsigma^2_k/dx_lk, the Jacobian dx^norm_ik/dx_lk 'with the quotient rule', the chain
rule to the upstream gradient dout/dx^norm_jk, dout/dgamma_k and dout/dbeta_k; then a draft NumPy forward pass.
Indices 1-based (i, j, l over the samples, k over the features); delta(i=l) the Kronecker delta. Math checks with
N = 5, D = 3, eps = 1e-5, out = sum(G x^norm) with G random (dout/dx^norm = G), against torch batch_norm, autograd and
torch.autograd.functional.jacobian; the code lines are run as printed on a square input (N = D = 4, the only shape on
which they run) and against the same references."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(1518)
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
N, D, eps = 5, 3, 1e-5
X = rng.normal([0.5, -1.0, 1.8], [1.1, 0.7, 1.5], size=(N, D))
gamma = rng.normal(1.0, 0.6, D); beta = rng.normal(size=D)
G = rng.normal(size=(N, D))

xt = T(X).requires_grad_(); gt = T(gamma).requires_grad_(); bt = T(beta).requires_grad_()
yt = F.batch_norm(xt, None, None, gt, bt, training=True, eps=eps)
(yt * T(G)).sum().backward()
Y_ref, dX_ref, dg_ref, db_ref = yt.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()

xbar = X.mean(0); var = X.var(0); s = np.sqrt(var + eps)
bn = lambda v: T(gamma) * (v - v.mean(0)) / torch.sqrt(((v - v.mean(0)) ** 2).mean(0) + eps) + T(beta)
J = torch.autograd.functional.jacobian(bn, T(X)).numpy()            # [i, k, l, k'] = dx^norm_ik / dx_lk'

decide(3, np.allclose(gamma * (X - xbar) / s + beta, Y_ref), "x^norm_ik = gamma_k (x_ik - xbar_k)/sqrt(sigma^2_k + eps) "
       "+ beta_k (definition) is torch batch_norm in training mode, per column k")

Jmean = torch.autograd.functional.jacobian(lambda v: v.mean(0), T(X)).numpy()          # [k, l, k']
decide(13, all(np.isclose(Jmean[k, l, k], 1 / N) for k in range(D) for l in range(N)), "dxbar_k/dx_lk = 1/N against "
       "autograd")
Jvar = torch.autograd.functional.jacobian(lambda v: ((v - v.mean(0)) ** 2).mean(0), T(X)).numpy()
dvar = np.array([[Jvar[k, l, k] for k in range(D)] for l in range(N)])               # [l, k]
Jvar17 = torch.autograd.functional.jacobian(lambda v: sum((v[i] - v.mean(0)) ** 2 for i in range(N)) / N, T(X)).numpy()
decide(17, np.allclose(np.array([[Jvar17[k, l, k] for k in range(D)] for l in range(N)]), dvar), "dsigma^2_k/dx_lk = "
       "d/dx_lk sum_i (x_ik - xbar_k)^2/N (the definition differentiated; total derivative, xbar moves with x_lk)")
l18 = np.array([[2 * sum((X[i, k] - xbar[k]) * ((i == l) - 1 / N) for i in range(N)) / N for k in range(D)]
                for l in range(N)])
decide(18, np.allclose(l18, dvar), "= 2 sum_i (x_ik - xbar_k)(delta(i=l) - 1/N)/N against autograd")
l19 = np.array([[2 * ((X[l, k] - xbar[k]) - sum(X[i, k] - xbar[k] for i in range(N)) / N) / N for k in range(D)]
                for l in range(N)])
decide(19, np.allclose(l19, dvar), "= 2((x_lk - xbar_k) - (1/N) sum_i (x_ik - xbar_k))/N against autograd")
decide(20, np.allclose(2 * (X - xbar) / N, dvar), "= 2(x_lk - xbar_k)/N against autograd")

# line 26: the Jacobian 'with the quotient rule'; gamma_k multiplies only the first term as printed
post26 = np.zeros((N, N, D)); full26 = np.zeros((N, N, D)); ref26 = np.zeros((N, N, D))
for i in range(N):
    for l in range(N):
        for k in range(D):
            a = ((i == l) - 1 / N) / s[k]
            b = (X[i, k] - xbar[k]) * (X[l, k] - xbar[k]) / (N * s[k] ** 3)
            post26[i, l, k] = gamma[k] * a - b
            full26[i, l, k] = gamma[k] * (a - b)
            ref26[i, l, k] = J[i, k, l, k]
print(f"   (line 26: largest gap of the printed Jacobian to autograd's {np.abs(post26 - ref26).max():.4g}; with gamma_k "
      f"over both terms {np.abs(full26 - ref26).max():.2g}; with gamma = 1 the printed form would hold)")
decide(26, np.allclose(post26, ref26), "dx^norm_ik/dx_lk = gamma_k (delta(i=l) - 1/N)/sqrt(sigma^2_k + eps) - (x_ik - "
       "xbar_k)(x_lk - xbar_k)/(N sqrt(sigma^2_k + eps)^3): the two terms are right for the normalized value, but "
       "x^norm carries gamma_k on both; as printed the second term misses gamma_k (right only for gamma_k = 1)")

l32 = np.array([[sum(G[j, k] * J[j, k, l, k] for j in range(N)) for k in range(D)] for l in range(N)])
decide(32, np.allclose(l32, dX_ref) and np.allclose(np.einsum("jk,jkla->la", G, J), dX_ref), "dout/dx_lk = sum_j "
       "dout/dx^norm_jk dx^norm_jk/dx_lk (autograd's Jacobian; the other columns do not depend on x_lk) against "
       "autograd's dout/dx")
Jg = torch.autograd.functional.jacobian(lambda gm: gm * T((X - xbar) / s) + T(beta), T(gamma)).numpy()   # [j, k, k']
decide(38, np.allclose(np.array([sum(G[j, k] * Jg[j, k, k] for j in range(N)) for k in range(D)]), dg_ref),
       "dout/dgamma_k = sum_j dout/dx^norm_jk dx^norm_jk/dgamma_k against autograd")
decide(39, np.allclose((G * (X - xbar) / s).sum(0), dg_ref), "= sum_j dout/dx^norm_jk (x_jk - xbar_k)/sqrt(sigma_k^2 + "
       "eps) against autograd")
decide(45, np.allclose(G.sum(0), db_ref), "dout/dbeta_k = sum_j dout/dx^norm_jk against autograd")

# ---- the draft NumPy forward (lines 58-63), run as printed
try:
    Xr = X
    mu_r = Xr - Xr.mean(axis=1)
    print("   (the code ran on N = 5, D = 3)")
except ValueError as e:
    print(f"   (code on the N = 5, D = 3 input: 'mu = X-X.mean(axis=1)' raises ValueError: {e})")
n = 4
Xs = rng.normal(0.3, 1.2, size=(n, n)); gs = rng.normal(1.0, 0.5, n); bs = rng.normal(size=n)
ref_norm = F.batch_norm(T(Xs), None, None, training=True, eps=eps).numpy()
ref_y = F.batch_norm(T(Xs), None, None, T(gs), T(bs), training=True, eps=eps).numpy()
mu_code = Xs - Xs.mean(axis=1)                                                          # line 59
decide(59, mu_code.shape == Xs.mean(0).shape and np.allclose(mu_code, Xs.mean(0)), "mu = X-X.mean(axis=1) should be "
       "the column mean xbar_k (a D-vector, mean over the samples, axis 0): it subtracts the row means (mean over the "
       "features, axis 1, broadcast along the wrong axis; it runs only when N = D) from X, an N x D array")
sig_code = 1 / n * (Xs - mu_code).dot(Xs - mu_code)                                     # line 60, as printed
mu_right = Xs.mean(0)
sig_right_mu = 1 / n * (Xs - mu_right).dot(Xs - mu_right)                               # line 60 with the right mu
decide(60, (sig_code.shape == (n,) and np.allclose(sig_code, Xs.var(0))) or
       (sig_right_mu.shape == (n,) and np.allclose(sig_right_mu, Xs.var(0))), "sigma2 = 1/N (X-mu).dot(X-mu) should be "
       "the column variance sigma^2_k = (1/N) sum_i (x_ik - xbar_k)^2: .dot is a matrix product (N x D by N x D, "
       "defined only for N = D) giving a D x D matrix, not the per-column sum of squares, even with the right mu")
norm_code = (Xs - mu_code) / np.sqrt(sig_code + eps)                                    # line 61 with lines 59-60
norm_sub = (Xs - mu_right) / np.sqrt(Xs.var(0) + eps)                                   # line 61 with the right mu, sigma2
print(f"   (line 61: with the right mu and sigma2 put in, (X-mu)/np.sqrt(sigma2+eps) matches torch: "
      f"{np.allclose(norm_sub, ref_norm)}; with the code's own mu and sigma2: {np.allclose(norm_code, ref_norm)})")
decide(61, np.allclose(norm_code, ref_norm), "norm = (X-mu)/np.sqrt(sigma2+eps) is the post's normalization, right with "
       "the column mean and variance put in, but with the mu and sigma2 of lines 59-60 it is not x_hat (X - mu is the "
       "row means, sigma2 a matrix): carried")
out_code = norm_sub.dot(gs) + bs                                                        # line 63, with the right norm
decide(63, out_code.shape == ref_y.shape and np.allclose(out_code, ref_y), "return norm.dot(gamma)+beta should be "
       "gamma_k x_hat_ik + beta_k, elementwise per column (the post's line 3): .dot(gamma) is a matrix product that sums "
       "the features of each sample into one number (an N-vector, or N x 1 for the 'Dx1' gamma of the docstring), even "
       "with the right norm")
finish()
