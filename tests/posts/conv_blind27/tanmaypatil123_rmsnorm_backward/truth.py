"""Independent truth for tests/posts/conv_blind27/tanmaypatil123_rmsnorm_backward (NumPy and torch, no derive).

The post ('RMSNorm Backward: From Derivation to a Triton Kernel', Tanmaypatil123/Tanmaypatil123.github.io,
src/data/blog/2025/rmsnorm-math-to-triton-kernel.md, at the commit pinned in truth.toml): RMS normalization of one row
x in R^N, a = (1/N) sum_i x_i^2, rms = sqrt(a + eps), inv = 1/rms, x_hat_i = x_i/rms, y_i = gamma_i x_hat_i + beta_i
(gamma, beta per feature). The backward goes through the staged graph a -> rms -> inv -> x_hat: da/dx_j, drms/dx_j,
dinv/dx_j, the Jacobian dx_hat_i/dx_j (entry form and matrix form), then dL/dx_j = sum_i h_i dx_hat_i/dx_j with h the
'upstream grad (dy) scaled by the weight (gamma)', i.e. h_i = dL/dy_i gamma_i = dL/dx_hat_i, and two vector forms of dX.

Checked in float64 on a batch of M = 3 rows of N = 5 features (the post works per row: every row is checked), eps =
1e-5 (the post leaves eps open), L = sum(G * y) for a random G = dL/dy, against torch's rms_norm (plus beta) and
autograd. The derivatives of a, rms, inv and x_hat are total derivatives with respect to the row x (each is a function
of x alone), taken from torch.autograd.functional.jacobian. A formula with a free index (j; or i and j) is evaluated for
every value of it and is right only if right for all. A row of a display continued over several lines is claimed on
the line that completes it; each row of a chain of equalities is checked as 'the left-hand side equals this row'."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(2701)
M, N, eps = 3, 5, 1e-5
X = rng.normal(0.3, 1.2, size=(M, N))
gamma, beta = rng.normal(1.0, 0.5, N), rng.normal(size=N)
G = rng.normal(size=(M, N))                                   # dL/dy, the upstream gradient
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
num = lambda t: t.detach().numpy()
ok = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
I = np.eye(N)

# ---- reference: torch rms_norm with the post's shift beta, L = sum(G * y)
xt, gt, bt = T(X).requires_grad_(), T(gamma).requires_grad_(), T(beta).requires_grad_()
yt = F.rms_norm(xt, (N,), weight=gt, eps=eps) + bt
(yt * T(G)).sum().backward()
Y_ref, dX = num(yt), num(xt.grad)

# ---- the staged graph of one row, as functions of the row x alone
f_a = lambda x: (x ** 2).mean()
f_rms = lambda x: torch.sqrt(f_a(x) + eps)
f_inv = lambda x: 1 / f_rms(x)
f_xhat = lambda x: x * f_inv(x)
jac = lambda f, x: torch.autograd.functional.jacobian(f, T(x)).numpy()
da = np.array([jac(f_a, X[r]) for r in range(M)])            # [r, j]     da/dx_j
drms = np.array([jac(f_rms, X[r]) for r in range(M)])        # [r, j]     drms/dx_j
dinv = np.array([jac(f_inv, X[r]) for r in range(M)])        # [r, j]     dinv/dx_j
J = np.array([jac(f_xhat, X[r]) for r in range(M)])          # [r, i, j]  dx_hat_i/dx_j

a = (X ** 2).mean(1)                                          # per row
rms = np.sqrt(a + eps)
inv = 1 / rms
xh = X / rms[:, None]
h = G * gamma                                                 # h = dy scaled by gamma (line 211) = dL/dx_hat
col = lambda v: np.asarray(v)[:, None]                        # a per-row scalar broadcast over the row

# ---- the forward, lines 47-59
decide(47, ok((X ** 2).sum(1) / N, num((T(X) ** 2).mean(1))), "(1) a = (1/N) sum_i x_i^2, the mean "
       "of squares of every row")
decide(51, ok(np.sqrt(a + eps), num(torch.sqrt((T(X) ** 2).mean(1) + eps))), "(2) rms = sqrt(a + eps), eps inside the "
       "root as torch's rms_norm has it")
decide(55, ok(X / col(rms), num(F.rms_norm(T(X), (N,), eps=eps))), "(3) x_hat_i = x_i/rms is torch's rms_norm without "
       "weight")
decide(59, ok(gamma * xh + beta, Y_ref), "(4) y_i = gamma_i x_hat_i + beta_i is torch's rms_norm with weight gamma, "
       "plus the shift beta")

# ---- the three local steps, lines 125-140 (every j of every row)
decide(127, ok(2 / N * X, da), "a = (1/N) sum_i x_i^2 => da/dx_j = (2/N) x_j (autograd)")
decide(132, ok(col(1 / (2 * np.sqrt(a + eps))) * da, drms), "drms/dx_j = 1/(2 sqrt(a + eps)) . da/dx_j, the chain rule "
       "through the root (autograd)")
decide(133, ok(col(1 / (2 * np.sqrt(a + eps))) * 2 / N * X, drms), "= 1/(2 sqrt(a + eps)) . (2/N) x_j (autograd)")
decide(134, ok(X / (N * col(rms)), drms), "= x_j/(N rms) (autograd)")
decide(139, ok(-1 / col(rms) ** 2 * drms, dinv), "inv = 1/rms => dinv/dx_j = -(1/rms^2) drms/dx_j (autograd)")
decide(140, ok(-X / (N * col(rms) ** 3), dinv), "= -x_j/(N rms^3) (autograd)")

# ---- the definitions restated, lines 147-150
decide(147, ok((X ** 2).sum(1) / N, a), "a = (1/N) sum_k x_k^2, line 47 with k as the index")
decide(148, ok(np.sqrt(a + eps), num(torch.sqrt((T(X) ** 2).mean(1) + eps))), "rms = sqrt(a + varepsilon), line 51 "
       "(varepsilon the same eps)")
decide(150, ok(X * col(inv), num(F.rms_norm(T(X), (N,), eps=eps))), "x_hat = x . inv with inv = 1/rms (line 149) is "
       "the x_hat of line 55")

# ---- the Jacobian of x_hat, lines 156-177 (every i, j of every row)
Jprod = np.array([jac(lambda x: x * f_inv(x), X[r]) for r in range(M)])
decide(157, ok(Jprod, J), "dx_hat_i/dx_j = d(x_i inv)/dx_j: the product x_i inv, differentiated with inv a function "
       "of the row")
l159 = np.array([I * inv[r] + np.outer(X[r], dinv[r]) for r in range(M)])
decide(159, ok(l159, J), "rows 158-159: = (dx_i/dx_j) inv + x_i (dinv/dx_j), the product rule, with dinv/dx_j from "
       "autograd")
l160 = np.array([I * inv[r] + np.outer(X[r], -X[r] / (N * rms[r] ** 3)) for r in range(M)])
decide(160, ok(l160, J), "= delta_ij inv + x_i (-x_j/(N rms^3)) (autograd)")
l167 = np.array([I / rms[r] - np.outer(X[r], X[r]) / (N * rms[r] ** 3) for r in range(M)])
decide(167, ok(l167, J), "the boxed entry form, rows 164-168: dx_hat_i/dx_j = delta_ij/rms - x_i x_j/(N rms^3) "
       "(autograd)")
l177 = np.array([I / rms[r] - np.outer(X[r], X[r]) / (N * rms[r] ** 3) for r in range(M)])
decide(177, ok(l177, J), "the boxed matrix form, rows 174-178: dx_hat/dx = (1/rms) I - x x^T/(N rms^3), entry (i, j) "
       "= dx_hat_i/dx_j as line 185 lays it out (the matrix is symmetric, so the layout does not change the value)")

# ---- the chain rule, lines 193-207, with h_i = dy_i gamma_i (line 211)
assert ok(h, np.array([np.linalg.solve(J[r].T, dX[r]) for r in range(M)]))   # h is dL/dx_hat: J^T h = dL/dx
l194 = np.array([(h[r][:, None] * (I / rms[r] - np.outer(X[r], X[r]) / (N * rms[r] ** 3))).sum(0) for r in range(M)])
decide(194, ok(l194, dX), "dL/dx_j = sum_i h_i (delta_ij/rms - x_i x_j/(N rms^3)) with h = dy . gamma (line 211): "
       "the chain rule through x_hat, against autograd's dL/dx")
l195 = h / col(rms) - X / (N * col(rms) ** 3) * col((h * X).sum(1))
decide(195, ok(l195, dX), "= h_j/rms - x_j/(N rms^3) sum_i h_i x_i (autograd)")
l200 = h / col(rms) - X * col((h * X).sum(1)) / (N * col(rms) ** 3)
decide(200, ok(l200, dX), "the boxed vector form dX = h/rms - x <h, x>/(N rms^3), <h, x> = sum_i h_i x_i (lines "
       "201-202), row by row (autograd)")
decide(205, ok(X * col(inv), xh) and ok((h * xh).sum(1), (h * X).sum(1) * inv), "x_hat = x . inv and sum_i h_i "
       "x_hat_i = <h, x> . inv, row by row")
l207 = col(inv) / N * (N * h - xh * col((h * xh).sum(1)))
decide(207, ok(l207, dX), "dX = (inv/N)(N h - x_hat sum_i h_i x_hat_i) (autograd)")

finish()
