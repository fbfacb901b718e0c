"""Independent truth for tests/posts/conv_blind25/tnichols89_batchnorm_backward (NumPy and torch, no derive).

The post ('BatchNorm - Part 2: Backward Pass', tnichols89/tnichols89.github.io, _posts/2023-10-12-batchnorm-backward.md,
at the commit pinned in truth.toml): batch normalization of a minibatch of m samples x_i in R^d, every feature
normalized over the batch (mu_B, sigma^2_B the batch mean and biased variance, eps inside the root), y_i = gamma x_hat_i
+ beta with gamma, beta in R^d; f is 'the subsequent layer' and df/dy_i the given upstream gradient. Products of vectors
are Hadamard products (the post's own note), so every formula is read feature by feature.

Checked in float64 with m = 5 samples, d = 3 features, eps = 1e-5, f = sum(G * y) for a random G (df/dy_i = G_i),
against torch's batch_norm in training mode and autograd. The post's partials of the staged graph (lines 98-164) are
partials with the other nodes held fixed, each computed with torch.autograd from fresh leaves (x_hat(x_i, mu_B,
sigma^2_B), sigma^2_B(x, mu_B), mu_B(x), y(x_hat, gamma, beta)); a row that rewrites the bracket it differentiates is
checked by differentiating the bracket as printed; the rows of the Sixth partial are evaluated at mu_B = the batch
mean. A formula with the sample index i free (not summed) is evaluated for every i and is right only if right for all.
A row of an aligned display that continues over several lines ('&+', '&-') is claimed on the line that completes it."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(2501)
m, d, eps = 5, 3, 1e-5
X = rng.normal([0.4, -1.2, 2.0], [1.3, 0.6, 1.7], size=(m, d))
gamma, beta = rng.normal(1.0, 0.5, d), rng.normal(size=d)
G = rng.normal(size=(m, d))                                   # df/dy_i, the upstream gradient
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
num = lambda t: t.detach().numpy()

# ---- reference: torch batch_norm in training mode, f = sum(G * y)
xt, gt, bt = T(X).requires_grad_(), T(gamma).requires_grad_(), T(beta).requires_grad_()
yt = F.batch_norm(xt, None, None, gt, bt, training=True, eps=eps)
(yt * T(G)).sum().backward()
Y_ref, dX, dgamma, dbeta = num(yt), num(xt.grad), num(gt.grad), num(bt.grad)

mu = X.mean(0)
var = ((X - mu) ** 2).mean(0)
s = np.sqrt(var + eps)
xh = (X - mu) / s
ok = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)

# ---- the forward, lines 21-24
decide(21, ok(X.sum(0) / m, num(T(X).mean(0))), "mu_B = (1/m) sum_i x_i, the batch mean of every feature")
decide(22, ok(((X - mu) ** 2).sum(0) / m, num(T(X).var(0, unbiased=False))), "sigma^2_B = (1/m) sum_i (x_i - mu_B)^2, "
       "the biased variance batch norm uses in training")
decide(23, ok((X - mu) / np.sqrt(var + eps), num(F.batch_norm(T(X), None, None, training=True, eps=eps))),
       "x_hat_i = (x_i - mu_B)/sqrt(sigma^2_B + eps) is torch's batch_norm without affine")
decide(24, ok(gamma * xh + beta, Y_ref), "y_i = gamma x_hat_i + beta (Hadamard) is torch's batch_norm in training mode")


# ---- the local partials of the staged graph, each with the other nodes held fixed (autograd from fresh leaves)
def partial(fn, args, which):
    """d fn / d args[which] entry by entry, for fn elementwise in its vector arguments (grad of the sum)"""
    leaves = [T(a).requires_grad_(k == which) for k, a in enumerate(args)]
    (g,) = torch.autograd.grad(fn(*leaves).sum(), leaves[which])
    return num(g)


f_xhat = lambda x, mu_, v: (x - mu_) / torch.sqrt(v + eps)          # x_hat_i(x_i, mu_B, sigma^2_B)
f_y = lambda x_hat, g, b: g * x_hat + b                             # y_i(x_hat_i, gamma, beta)
dy_dxh = np.array([partial(f_y, [xh[i], gamma, beta], 0) for i in range(m)])
dy_dgamma = np.array([partial(f_y, [xh[i], gamma, beta], 1) for i in range(m)])
dy_dbeta = np.array([partial(f_y, [xh[i], gamma, beta], 2) for i in range(m)])
dxh_dx = np.array([partial(f_xhat, [X[i], mu, var], 0) for i in range(m)])
dxh_dmu = np.array([partial(f_xhat, [X[i], mu, var], 1) for i in range(m)])
dxh_dvar = np.array([partial(f_xhat, [X[i], mu, var], 2) for i in range(m)])
Jv = torch.autograd.functional.jacobian(lambda x: ((x - T(mu)) ** 2).mean(0), T(X)).numpy()      # [k, i, k']
dvar_dx = np.array([[Jv[k, i, k] for k in range(d)] for i in range(m)])       # sigma^2_B by x_i, mu_B held fixed
dvar_dmu = partial(lambda mu_: ((T(X) - mu_) ** 2).mean(0), [mu], 0)          # sigma^2_B by mu_B, x held fixed
Jm = torch.autograd.functional.jacobian(lambda x: x.mean(0), T(X)).numpy()
dmu_dx = np.array([[Jm[k, i, k] for k in range(d)] for i in range(m)])
dxh_true = G * gamma                                                          # df/dx_hat_i (x_hat_i feeds y_i alone)

# ---- Step 1 and Step 2, lines 50-62
decide(50, all(ok(G[i] * dy_dgamma[i], dgamma) for i in range(m)), "df/dgamma = df/dy_i dy_i/dgamma: gamma is shared by "
       "all m samples, so df/dgamma = sum_i df/dy_i x_hat_i (autograd); the product for one sample i, with i free, "
       "drops the sum over the batch that the next row and the prose below add")
decide(51, ok((G * xh).sum(0), dgamma), "= sum_i df/dy_i . x_hat_i (Hadamard) against autograd")
decide(61, all(ok(G[i] * dy_dbeta[i], dbeta) for i in range(m)), "df/dbeta = df/dy_i dy_i/dbeta: beta is shared by all "
       "samples, df/dbeta = sum_i df/dy_i (autograd); the one-sample product with i free drops the sum over the batch")
decide(62, ok((G * np.ones(d)).sum(0), dbeta), "= sum_i df/dy_i . 1 against autograd")

# ---- Step 3, the 'naive' chain rule, lines 75-79 (only the path through the sample's own y_i)
t1 = G * dy_dxh * dxh_dx
t2 = G * dy_dxh * dxh_dmu * dmu_dx
t3 = G * dy_dxh * dxh_dvar * dvar_dx
t4 = G * dy_dxh * dxh_dvar * dvar_dmu * dmu_dx
naive = t1 + t2 + t3 + t4
print(f"   (line 75: the four-term chain rule through y_i alone is off autograd's df/dx by up to "
      f"{np.abs(naive - dX).max():.3g}; it leaves out the paths from x_i through mu_B and sigma^2_B into the other "
      f"samples' y_j)")
decide(75, ok(naive, dX), "df/dx_i as four chain-rule terms that all go through df/dy_i: mu_B and sigma^2_B feed every "
       "y_j, so their terms need sum_j df/dy_j dy_j/dx_hat_j dx_hat_j/dmu_B (and /dsigma^2_B); as printed the line "
       "gives only the sample's own share (autograd)")
l77 = G * dy_dxh * (dxh_dx + dxh_dmu * dmu_dx + dxh_dvar * dvar_dx + dxh_dvar * dvar_dmu * dmu_dx)
decide(77, ok(l77, dX), "the same four terms with df/dy_i dy_i/dx_hat_i factored out: equal to line 75, wrong as it is")
l79 = G * dy_dxh * (dxh_dx + dxh_dvar * dvar_dx + (dxh_dmu + dxh_dvar * dvar_dmu) * dmu_dx)
decide(79, ok(l79, dX), "the terms regrouped: equal to line 75, wrong as it is")

# ---- the piecemeal partials, lines 98-164
decide(98, all(ok(partial(lambda x_hat: T(gamma) * x_hat + T(beta), [xh[i]], 0), dy_dxh[i]) for i in range(m)),
       "dy_i/dx_hat_i = d/dx_hat_i [gamma x_hat_i + beta] (the bracket is y_i)")
decide(99, ok(np.tile(gamma, (m, 1)), dy_dxh), "= gamma (autograd)")
decide(107, all(ok(partial(lambda x: (x - T(mu)) / T(np.sqrt(var + eps)), [X[i]], 0), dxh_dx[i]) for i in range(m)),
       "dx_hat_i/dx_i = d/dx_i [(x_i - mu_B)/sqrt(sigma^2_B + eps)], mu_B and sigma^2_B held fixed, the partial the "
       "chain rule of line 75 uses")
decide(108, all(ok(partial(lambda x: x / T(s) - T(mu) / T(s), [X[i]], 0), dxh_dx[i]) for i in range(m)),
       "= d/dx_i [x_i/sqrt(.) - mu_B/sqrt(.)], the bracket split")
decide(109, ok(np.tile(1 / s, (m, 1)), dxh_dx), "= 1/sqrt(sigma^2_B + eps) (autograd, mu_B and sigma^2_B held fixed)")
decide(117, all(ok(partial(lambda v: T(X[i] - mu) / torch.sqrt(v + eps), [var], 0), dxh_dvar[i]) for i in range(m)),
       "dx_hat_i/dsigma^2_B = d/dsigma^2_B [(x_i - mu_B)/sqrt(sigma^2_B + eps)]")
decide(118, all(ok(partial(lambda v: T(X[i] - mu) * (v + eps) ** -0.5, [var], 0), dxh_dvar[i]) for i in range(m)),
       "= d/dsigma^2_B [(x_i - mu_B)(sigma^2_B + eps)^(-1/2)]")
decide(119, ok(-0.5 * (X - mu) * (var + eps) ** -1.5, dxh_dvar), "= -(1/2)(x_i - mu_B)(sigma^2_B + eps)^(-3/2) "
       "(autograd)")
J129 = torch.autograd.functional.jacobian(lambda x: ((x - T(mu)) ** 2).sum(0) / m, T(X)).numpy()   # the bracket
decide(129, ok(((X - mu) ** 2).sum(0) / m, var) and ok(np.array([[J129[k, i, k] for k in range(d)] for i in range(m)]),
                                                       dvar_dx),
       "dsigma^2_B/dx_i = d/dx_i [(1/m) sum_{i=1}^m (x_i - mu_B)^2]: the summation index reuses the name i, read as "
       "a bound index, so the bracket is sigma^2_B itself, differentiated with mu_B held fixed")
Jv_total = torch.autograd.functional.jacobian(lambda x: ((x - x.mean(0)) ** 2).mean(0), T(X)).numpy()
decide(130, ok(2 / m * (X - mu), dvar_dx), "= (2/m)(x_i - mu_B) (autograd, mu_B held fixed; the total derivative, with "
       "mu_B moving, has the same value because sum_j (x_j - mu_B) = 0)")
assert ok(np.array([[Jv_total[k, i, k] for k in range(d)] for i in range(m)]), dvar_dx)
decide(138, all(ok(partial(lambda mu_: T(X[i]) / T(s) - mu_ / T(s), [mu], 0), dxh_dmu[i]) for i in range(m)),
       "dx_hat_i/dmu_B = d/dmu_B [x_i/sqrt(.) - mu_B/sqrt(.)]")
decide(139, ok(np.tile(-1 / s, (m, 1)), dxh_dmu), "= -1/sqrt(sigma^2_B + eps) (autograd)")
decide(147, ok(partial(lambda mu_: (T(X) - mu_).pow(2).sum(0) / m, [mu], 0), dvar_dmu),
       "dsigma^2_B/dmu_B = d/dmu_B [(1/m) sum_i (x_i - mu_B)^2], x held fixed")
decide(148, ok(2 / m * ((X - mu) * -1).sum(0), dvar_dmu), "= (2/m) sum_i (x_i - mu_B)(-1)")
decide(149, ok(-2 / m * (X - mu).sum(0), dvar_dmu), "= -(2/m) sum_i (x_i - mu_B)")
decide(150, ok(-2 * (X.sum(0) / m - np.tile(mu, (m, 1)).sum(0) / m), dvar_dmu), "= -2[(1/m) sum_i x_i - (1/m) sum_i "
       "mu_B]")
decide(151, ok(-2 * (mu - m * mu / m), dvar_dmu), "= -2[mu_B - m mu_B/m], with (1/m) sum_i x_i = mu_B (line 21)")
decide(152, ok(-2 * (mu - mu), dvar_dmu), "= -2[mu_B - mu_B]")
decide(153, ok(np.zeros(d), dvar_dmu), "= 0: at mu_B = the batch mean the partial vanishes (autograd gives 0 to "
       "rounding)")
decide(163, all(ok(partial(lambda x: (T(np.delete(X, i, 0)).sum(0) + x) / m, [X[i]], 0), dmu_dx[i]) for i in range(m)),
       "dmu_B/dx_i = d/dx_i [(1/m) sum_i x_i] (the summation index read as bound, as on line 129)")
decide(164, ok(np.full((m, d), 1 / m), dmu_dx), "= 1/m (autograd)")

# ---- Tie It All Together, lines 174-178
decide(174, ok(naive, dX), "repeats line 75, the chain rule through y_i alone (wrong as there)")
decide(176, ok(t1 + t2 + t3 + 0, dX), "line 75 with its fourth term set to 0 (dsigma^2_B/dmu_B = 0): the value of line "
       "75, still without the other samples' paths")
l178 = (G * dy_dxh * dxh_dx + (G * dy_dxh * dxh_dmu).sum(0) * dmu_dx + (G * dy_dxh * dxh_dvar).sum(0) * dvar_dx)
decide(178, ok(l178, dX), "the mu_B and sigma^2_B terms now summed over every sample j: equals autograd's df/dx_i (the "
       "line is right, though it does not follow from line 176 by an equality)")
decide(187, ok(G * dy_dxh, dxh_true) and ok(G * gamma, dxh_true), "df/dx_hat_i = df/dy_i dy_i/dx_hat_i = df/dy_i gamma: "
       "x_hat_i feeds only y_i")

# ---- the final assembly, lines 194-212, and the Bottom Line, lines 233-235
dxh_ = G * gamma
l194 = dxh_ * dxh_dx + (dxh_ * dxh_dmu).sum(0) * dmu_dx + (dxh_ * dxh_dvar).sum(0) * dvar_dx
decide(194, ok(l194, dX), "df/dx_i with df/dx_hat_j (autograd)")
l198 = np.array([dxh_[i] / s + (dxh_ * (-1 / s)).sum(0) / m
                 + (dxh_ * (-0.5) * (X[i] - mu) * (var + eps) ** -1.5).sum(0) * 2 / m * (X[i] - mu) for i in range(m)])
print(f"   (line 198: with (x_i - mu_B) inside the sum over j the third term is -(x_i - mu_B)^2 (sigma^2_B + eps)^(-3/2) "
      f"(1/m) sum_j df/dx_hat_j; off autograd by up to {np.abs(l198 - dX).max():.3g})")
decide(198, ok(l198, dX), "rows 196-198: the third term puts the partials of line 119 inside the sum over j with "
       "(x_i - mu_B), where dx_hat_j/dsigma^2_B = -(1/2)(x_j - mu_B)(sigma^2_B + eps)^(-3/2) belongs; as printed it is "
       "-(x_i - mu_B)^2 (sigma^2_B + eps)^(-3/2)/m sum_j df/dx_hat_j, not autograd's df/dx_i")
l202 = np.array([dxh_[i] * (var + eps) ** -0.5 - (var + eps) ** -0.5 * dxh_.sum(0) / m
                 - 0.5 * 2 / m * (X[i] - mu) * (dxh_ * (X - mu) * (var + eps) ** -0.5 / s / s).sum(0) for i in range(m)])
decide(202, ok(l202, dX), "rows 200-202: (x_j - mu_B) is back inside the sum and (sigma^2_B + eps)^(-1/2) times two "
       "1/sqrt(.) is the (-3/2) power: equals autograd's df/dx_i")
l206 = np.array([dxh_[i] * (var + eps) ** -0.5 - (var + eps) ** -0.5 * dxh_.sum(0) / m
                 - (var + eps) ** -0.5 * (X[i] - mu) / s * (dxh_ * (X - mu) / s).sum(0) / m for i in range(m)])
decide(206, ok(l206, dX), "rows 204-206 (autograd)")
l210 = np.array([dxh_[i] / s - dxh_.sum(0) / (m * s) - xh[i] * (dxh_ * xh).sum(0) / (m * s) for i in range(m)])
decide(210, ok(l210, dX), "rows 208-210, with x_hat (autograd)")
l212 = np.array([(var + eps) ** -0.5 / m * (m * dxh_[i] - dxh_.sum(0) - xh[i] * (dxh_ * xh).sum(0)) for i in range(m)])
decide(212, ok(l212, dX), "the compact form (autograd)")
decide(233, ok((G * xh).sum(0), dgamma), "Bottom Line: df/dgamma = sum_i df/dy_i . x_hat_i (autograd)")
decide(234, ok((G * np.ones(d)).sum(0), dbeta), "Bottom Line: df/dbeta = sum_i df/dy_i . 1 (autograd)")
decide(235, ok(l212, dX), "Bottom Line: df/dx_i, the compact form of line 212 (autograd)")

finish()
