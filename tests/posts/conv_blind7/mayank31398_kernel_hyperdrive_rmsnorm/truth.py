"""Independent truth for tests/posts/conv_blind7/mayank31398_kernel_hyperdrive_rmsnorm (NumPy and torch, no derive).

The README's layer: RMSNorm of each row b of X (B x H), y_ij = w_j x_ij/r_i with r_i = sqrt((1/H) sum_h x_ih^2 + eps)
and one weight w_j per feature. L = sum(G * y) for a random G, so dL/dy_bh = G_bh; dL/dw_j and dL/dx_ij are the
autograd gradients. Sums over b and h are read literally, with dx_bh/dx_ij = [b = i][h = j], dx_bj/dx_ij = [b = i] and
dw_h/dw_j = [h = j] (Kronecker deltas). Where a line leaves an index free outside every sum (the w_h of the first term
on lines 17-19 and 25, with h bound by no sum), the line is evaluated for each value of that index: it states a value
only if it is the same for all of them, and it is checked for each. torch rms_norm (with weight w and the same eps) and
autograd are the reference, B = 3, H = 5, eps = 0.1 (large, so that it visibly matters)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(53)
B, H, eps = 3, 5, 0.1
X = rng.normal(0.2, 1.1, size=(B, H)); w = rng.normal(1.0, 0.5, size=H); G = rng.normal(size=(B, H))
T = lambda a: torch.tensor(a, dtype=torch.float64)
xt = T(X).requires_grad_(); wt = T(w).requires_grad_()
y_t = F.rms_norm(xt, (H,), weight=wt, eps=eps)
(T(G) * y_t).sum().backward()
dx, dw = xt.grad.numpy(), wt.grad.numpy()
r = np.sqrt((X ** 2).sum(1) / H + eps)
Jyx = torch.autograd.functional.jacobian(lambda x: F.rms_norm(x, (H,), weight=T(w), eps=eps), T(X)).numpy()  # [b,h,i,j]
Jyw = torch.autograd.functional.jacobian(lambda v: F.rms_norm(T(X), (H,), weight=v, eps=eps), T(w)).numpy()  # [b,h,j]
d = lambda a, b: 1.0 if a == b else 0.0
grid = [(i, j) for i in range(B) for j in range(H)]
all_x = lambda fn: all(np.isclose(fn(i, j), dx[i, j]) for i, j in grid)

# ---- forward, lines 4 and 6
decide(4, np.allclose(w * X / r[:, None], y_t.detach().numpy()), "y_ij = w_j x_ij/r_i against torch rms_norm (weight w)")
decide(6, np.allclose(r, 1 / torch.rsqrt(torch.mean(T(X) ** 2, 1) + eps).numpy()), "r_i = sqrt((1/H) sum_h x_ih^2 + eps)")

# ---- weight, lines 10-12 and 23
decide(10, all(np.isclose(sum(G[b, h] * Jyw[b, h, j] for b in range(B) for h in range(H)), dw[j]) for j in range(H)),
       "dL/dw_j = sum_b sum_h dL/dy_bh dy_bh/dw_j (Jacobian) against autograd")
decide(11, all(np.isclose(sum(G[b, h] * X[b, h] / r[b] * d(h, j) for b in range(B) for h in range(H)), dw[j]) for j in range(H)),
       "= sum_b sum_h dL/dy_bh x_bh/r_b dw_h/dw_j")
decide(12, np.allclose((G * X / r[:, None]).sum(0), dw), "= sum_b dL/dy_bj x_bj/r_b")
decide(23, np.allclose((G * X / r[:, None]).sum(0), dw), "the final dL/dw_j = sum_b dL/dy_bj x_bj/r_b")

# ---- input, lines 15-19 and 25
decide(15, all_x(lambda i, j: (G * Jyx[:, :, i, j]).sum()), "dL/dx_ij = sum_b sum_h dL/dy_bh dy_bh/dx_ij (Jacobian)")
row16 = lambda i, j: sum(G[b, h] * w[h] / r[i] ** 2 * (r[b] * d(b, i) * d(h, j) - X[b, h] / (2 * H * r[b]) * 2 * X[b, j] * d(b, i))
                         for b in range(B) for h in range(H))
decide(16, all_x(row16), "= sum_b sum_h dL/dy_bh w_h/r_i^2 [r_b dx_bh/dx_ij - x_bh (1/(2H r_b)) 2 x_bj dx_bj/dx_ij] "
       "(r_i^2 for r_b^2 is harmless: every term has b = i)")
second17 = lambda i, j: sum(G[b, h] * w[h] / r[i] ** 2 * X[b, h] / (H * r[b]) * X[b, j] * d(b, i) for b in range(B) for h in range(H))
row17 = lambda i, j, h: G[i, j] * w[h] / r[i] - second17(i, j)
print(f"   (line 17: the first term dL/dy_ij w_h/r_i leaves h free; with w_j it agrees with autograd: "
      f"{all_x(lambda i, j: G[i, j] * w[j] / r[i] - second17(i, j))}; for each h the line agrees on "
      f"{[int(sum(np.isclose(row17(i, j, h), dx[i, j]) for i, j in grid)) for h in range(H)]} of {len(grid)} entries, "
      f"the rows' entries j = h)")
decide(17, all(all_x(lambda i, j, h=h: row17(i, j, h)) for h in range(H)),
       "= dL/dy_ij w_h/r_i - sum_b sum_h dL/dy_bh w_h/r_i^2 x_bh (1/(H r_b)) x_bj dx_bj/dx_ij: the delta dx_bh/dx_ij = "
       "[b = i][h = j] sets h = j in the first term, which needs w_j; w_h with h outside every sum is right only for h = j")
second18 = lambda i, j: sum(G[i, h] * w[h] / r[i] ** 2 * X[i, h] / H * X[i, j] for h in range(H))
print(f"   (line 18: even with w_j in the first term it disagrees: max |.| = "
      f"{max(abs(G[i, j] * w[j] / r[i] - second18(i, j) - dx[i, j]) for i, j in grid):.3f}; the sum over b left 1/H where "
      f"1/(H r_i) belongs; with it: {all_x(lambda i, j: G[i, j] * w[j] / r[i] - second18(i, j) / r[i])})")
decide(18, all(all_x(lambda i, j, h=h: G[i, j] * w[h] / r[i] - second18(i, j)) for h in range(H)),
       "= dL/dy_ij w_h/r_i - sum_h dL/dy_ih w_h/r_i^2 x_ih (1/H) x_ij: summing out b (b = i) turns 1/(H r_b) into "
       "1/(H r_i), and the line drops that 1/r_i (the second term is r_i times too large); w_h as on line 17")
second19 = lambda i, j: X[i, j] / (H * r[i] ** 3) * sum(G[i, h] * w[h] * X[i, h] for h in range(H))
print(f"   (line 19: its second term is right again (with w_j first it agrees: "
      f"{all_x(lambda i, j: G[i, j] * w[j] / r[i] - second19(i, j))}); only the w_h of the first term is wrong)")
decide(19, all(all_x(lambda i, j, h=h: G[i, j] * w[h] / r[i] - second19(i, j)) for h in range(H)),
       "= dL/dy_ij w_h/r_i - 1/(H r_i^3) x_ij sum_h dL/dy_ih w_h x_ih: the first term keeps w_h for w_j (line 17)")
decide(25, all(all_x(lambda i, j, h=h: G[i, j] * w[h] / r[i] - second19(i, j)) for h in range(H)),
       "the final dL/dx_ij = dL/dy_ij w_h/r_i - 1/(H r_i^3) x_ij sum_h dL/dy_ih w_h x_ih: w_h for w_j (line 17)")
finish()
