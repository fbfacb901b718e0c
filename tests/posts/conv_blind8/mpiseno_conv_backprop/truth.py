"""Independent truth for tests/posts/conv_blind8/mpiseno_conv_backprop (NumPy and torch, no derive).

The post's layer: one channel, input X (N1 x N2), kernel w (k1 x k2), stride 1, output y (N1 x N2) with
y[r, c] = sum_a sum_b X[r + a, c + b] w[a, b] (a cross-correlation). 'Sufficient padding to make the output the same
dimension as the input' with X indexed from r upward is read as k1 - 1 zero rows below and k2 - 1 zero columns to the
right of X (X_padded); entries of X outside N1 x N2 are those zeros. L = sum(G * y) for a random G, so dL/dy = G.
torch conv2d on X_padded, autograd and torch.autograd.functional.jacobian are the reference; N1 = 5, N2 = 6, k1 = 3,
k2 = 2 (all different, so that a swapped index shows). Sums over a, b are read literally; in lines 49 and 74-75 a term
whose y index is negative is discarded, as the post says on line 47; on line 43 the printed max(0, .) is evaluated as
written (it clamps a negative index to 0, it does not discard the term)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(81)
N1, N2, k1, k2 = 5, 6, 3, 2
X = rng.normal(size=(N1, N2)); w = rng.normal(size=(k1, k2)); G = rng.normal(size=(N1, N2))
T = lambda a: torch.tensor(a, dtype=torch.float64)


def forward(x, k):
    return F.conv2d(F.pad(x, (0, k2 - 1, 0, k1 - 1))[None, None], k[None, None])[0, 0]


xt, wt = T(X).requires_grad_(), T(w).requires_grad_()
yt = forward(xt, wt)
(yt * T(G)).sum().backward()
y, dX, dw = yt.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()
assert y.shape == (N1, N2)
Jw = torch.autograd.functional.jacobian(lambda k: forward(T(X), k), T(w)).numpy()      # [r, c, a, b]
JX = torch.autograd.functional.jacobian(lambda x: forward(x, T(w)), T(X)).numpy()      # [r, c, r', c']
Xp = np.pad(X, ((0, k1 - 1), (0, k2 - 1)))                                             # X_padded
A, B = range(k1), range(k2)
R, C = range(N1), range(N2)

# ---- forward, line 5
decide(5, np.allclose([[sum(Xp[r + a, c + b] * w[a, b] for a in A for b in B) for c in C] for r in R], y),
       "y[r, c] = sum_a sum_b X[r + a, c + b] w[a, b] against torch conv2d on X zero-padded below and to the right")

# ---- gradient of w, lines 9-31
chain_w = np.array([[sum(G[r, c] * Jw[r, c, a, b] for r in R for c in C) for b in B] for a in A])
decide(9, np.allclose(chain_w, dw), "dL/dw[a', b'] = sum over all pixels p of y of dL/dp dp/dw[a', b'] (Jacobian) against autograd")
decide(10, np.allclose(chain_w, dw), "= sum_r sum_c dL/dy[r, c] dy[r, c]/dw[a', b'] (the same sum over every pixel of y)")
dy_dw = all(np.isclose(Jw[r, c, a, b], Xp[r + a, c + b]) for r in R for c in C for a in A for b in B)
decide(18, dy_dw, "d/dw[a', b'] y[r, c] = d/dw[a', b'] sum_a sum_b X[r + a, c + b] w[a, b] (the forward pass, its "
       "derivative the torch Jacobian entry)")
decide(19, dy_dw, "= sum_a sum_b d/dw[a', b'] X[r + a, c + b] w[a, b]: only the term a = a', b = b' depends on w[a', b']")
decide(20, dy_dw, "= X[r + a', c + b'] for every r, c, a', b' (torch Jacobian)")
decide(24, dy_dw, "dy[r, c]/dw[a', b'] = X[r + a', c + b'] restated")
decide(26, np.allclose([[sum(G[r, c] * Xp[r + a, c + b] for r in R for c in C) for b in B] for a in A], dw),
       "dL/dw[a', b'] = sum_r sum_c dL/dy[r, c] X[r + a', c + b'] against autograd")
corr = F.conv2d(T(Xp)[None, None], T(G)[None, None])[0, 0].numpy()
decide(31, corr.shape == (k1, k2) and np.allclose(corr, dw), "dL/dw = X_padded * dL/dy, '*' the post's operation (the "
       "cross-correlation of its forward pass), X_padded the (N1 + k1 - 1) x (N2 + k2 - 1) padded input: a k1 x k2 "
       "result equal to autograd's dL/dw")

# ---- gradient of X, lines 36-75
region = all(set(zip(*np.nonzero(np.abs(JX[:, :, rp, cp]) > 0)))
             == {(r, c) for r in range(max(0, rp - k1 + 1), rp + 1) for c in range(max(0, cp - k2 + 1), cp + 1)}
             for rp in R for cp in C)
decide(36, region, "R_{r', c'} = y[max(0, r' - k1 + 1) : r', max(0, c' - k2 + 1) : c'] (ends included) is exactly the "
       "set of pixels of y whose Jacobian entry for X[r', c'] is nonzero")
decide(42, np.allclose([[sum(G[r, c] * JX[r, c, rp, cp] for r in range(max(0, rp - k1 + 1), rp + 1)
                             for c in range(max(0, cp - k2 + 1), cp + 1)) for cp in C] for rp in R], dX),
       "dL/dX[r', c'] = sum over p in R_{r', c'} of dL/dp dp/dX[r', c'] against autograd")
row43 = np.array([[sum(G[max(0, rp - a), max(0, cp - b)] * JX[max(0, rp - a), max(0, cp - b), rp, cp] for a in A for b in B)
                   for cp in C] for rp in R])
bad = [(rp, cp) for rp in R for cp in C if not np.isclose(row43[rp, cp], dX[rp, cp])]
print(f"   (line 43: the clamped sum differs from autograd at {len(bad)} of {N1 * N2} entries, all with r' < k1 - 1 or "
      f"c' < k2 - 1: {bad[:6]} ...)")
decide(43, not bad, "= sum_a sum_b dL/dy[max(0, r'-a), max(0, c'-b)] dy[max(0, r'-a), max(0, c'-b)]/dX[r', c']: where "
       "r' - a < 0 the max sends the term to row 0 of y instead of dropping it, so near the top and left edges the sum "
       "counts pixels y[0, .] (and y[., 0]) again, with nonzero partials; it is not dL/dX[r', c']")


def drop(rp, cp, term):
    return sum(term(rp - a, cp - b, a, b) for a in A for b in B if rp - a >= 0 and cp - b >= 0)


decide(49, np.allclose([[drop(rp, cp, lambda r, c, a, b: G[r, c] * JX[r, c, rp, cp]) for cp in C] for rp in R], dX),
       "= sum_a sum_b dL/dy[r'-a, c'-b] dy[r'-a, c'-b]/dX[r', c'], negative indices discarded (line 47), against autograd")
decide(55, np.allclose([[sum(Xp[r + al, c + be] * w[al, be] for al in A for be in B) for c in C] for r in R], y),
       "y[r', c'] = sum_alpha sum_beta X[r' + alpha, c' + beta] w[alpha, beta]: the forward pass again")
decide(63, all(np.isclose(sum(Xp[rp - a + al, cp - b + be] * w[al, be] for al in A for be in B), y[rp - a, cp - b])
               for rp in R for cp in C for a in A for b in B if rp - a >= 0 and cp - b >= 0),
       "y[r' - a, c' - b] = sum_alpha sum_beta X[r' - a + alpha, c' - b + beta] w[alpha, beta] for every valid pixel")
dy_dx = all(np.isclose(JX[rp - a, cp - b, rp, cp], w[a, b])
            for rp in R for cp in C for a in A for b in B if rp - a >= 0 and cp - b >= 0)
decide(64, dy_dx, "d/dX[r', c'] y[r' - a, c' - b] = d/dX[r', c'] of the sum of line 63 (its value the torch Jacobian entry)")
decide(65, dy_dx, "= sum_alpha sum_beta d/dX[r', c'] X[r' - a + alpha, c' - b + beta] w[alpha, beta]: only alpha = a, "
       "beta = b reads X[r', c']")
decide(66, dy_dx, "= w[a, b] for every valid pixel (torch Jacobian)")
decide(74, np.allclose([[drop(rp, cp, lambda r, c, a, b: G[r, c] * JX[r, c, rp, cp]) for cp in C] for rp in R], dX),
       "dL/dX[r', c'] = sum_a sum_b dL/dy[r'-a, c'-b] dy[r'-a, c'-b]/dX[r', c'] (negative indices discarded)")
decide(75, np.allclose([[drop(rp, cp, lambda r, c, a, b: G[r, c] * w[a, b]) for cp in C] for rp in R], dX),
       "= sum_a sum_b dL/dy[r'-a, c'-b] w[a, b] against autograd (the full correlation with the flipped kernel)")
finish()
