"""Independent truth for tests/posts/conv_blind10/facundoq_edunn_pooling_es (NumPy and torch, no derive).

The notebook's pooling layers (in Spanish), indices from 1, on one 4x4 map x: max pooling with F = S = 2 (lines 1-8,
a 2x2 output) and average pooling with F = 2, S = 1 (lines 24-40, a 3x3 output), F_H = F_W = F; in line 62 average
pooling with S = 2. E is the loss after the layer; here E = sum(G * y), G random, so dE/dy = G. dy_ij/dx_mn are the
entries of the Jacobian of the layer (torch.autograd.functional.jacobian of max_pool2d / avg_pool2d), dE/dx_mn is
autograd's gradient. 'dy/dx_12' (line 44) is read as the sum over all outputs sum_ij dy_ij/dx_12 (the notebook's
commented-out cell says so; the rendered text lists four of its terms). For the max-pooling lines 18 and 20 x is built so
that x_12 is the maximum of y_11's region, as the text supposes. Every entry is checked."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(2030)
T = lambda v: torch.tensor(v, dtype=torch.float64)
x = rng.normal(size=(4, 4))
x[0, 1] = abs(x[:2, :2]).max() + 1.0          # x_12 the maximum of y_11's region (the text's supposition)
X = lambda i, j: x[i - 1, j - 1]


def pool_max(v):
    return F.max_pool2d(v[None, None], 2, stride=2)[0, 0]


def pool_avg(v, s=1):
    return F.avg_pool2d(v[None, None], 2, stride=s)[0, 0]


# ---- max pooling, F = S = 2
ym = pool_max(T(x)).numpy()
Ym = lambda i, j: ym[i - 1, j - 1]
decide(5, np.isclose(Ym(1, 1), max(X(1, 1), X(1, 2), X(2, 1), X(2, 2))) and np.isclose(Ym(1, 2), max(X(1, 3), X(1, 4), X(2, 3), X(2, 4))),
       "y_11 = max(x_11, x_12, x_21, x_22) and y_12 = max(x_13, x_14, x_23, x_24) against torch max_pool2d (F = S = 2)")
decide(6, np.isclose(Ym(2, 1), max(X(3, 1), X(3, 2), X(4, 1), X(4, 2))) and np.isclose(Ym(2, 2), max(X(3, 3), X(3, 4), X(4, 3), X(4, 4))),
       "y_21 = max(x_31, x_32, x_41, x_42) and y_22 = max(x_33, x_34, x_43, x_44) against torch max_pool2d")
Jm = torch.autograd.functional.jacobian(pool_max, T(x)).numpy()     # [i, j, m, n], indices from 0
G = rng.normal(size=(2, 2))
xt = T(x).requires_grad_(); (pool_max(xt) * T(G)).sum().backward(); dEdx = xt.grad.numpy()
decide(13, np.allclose(np.einsum("ij,ijmn->mn", G, Jm), dEdx),
       "dE/dx_mn = sum_ij dE/dy_ij dy_ij/dx_mn (Jacobian of max_pool2d) against autograd's dE/dx")
decide(18, np.isclose(Jm[0, 0, 0, 1], 1.0), "dy_11/dx_12 = dx_12/dx_12 = 1 when x_12 is the maximum of y_11's region "
       "(Jacobian of max_pool2d)")
rest = [Jm[0, 0, m, n] for m in range(2) for n in range(2) if (m, n) != (0, 1)]
decide(20, np.allclose(rest, 0) and np.isclose(dEdx[0, 1], G[0, 0]) and G[0, 0] != 0,
       "the other dy_11/dx_mn of the region are zero, and dE/dx_12 = dE/dy_11 * 1 (non-zero) for y_11's region, against the "
       "Jacobian and autograd's dE/dx")

# ---- average pooling, F = 2, S = 1
ya = pool_avg(T(x)).numpy()
Ya = lambda i, j: ya[i - 1, j - 1]
avg = lambda *v: sum(v) / len(v)
defs = {28: (1, 1), 29: (1, 2), 30: (1, 3), 32: (2, 1), 33: (2, 2), 34: (2, 3), 36: (3, 1), 37: (3, 2), 38: (3, 3)}
for line, (i, j) in defs.items():
    decide(line, np.isclose(Ya(i, j), avg(X(i, j), X(i, j + 1), X(i + 1, j), X(i + 1, j + 1))),
           f"y_{i}{j} = avg(x_{i}{j}, x_{i}{j + 1}, x_{i + 1}{j}, x_{i + 1}{j + 1}) against torch avg_pool2d (F = 2, S = 1)")
Ja = torch.autograd.functional.jacobian(pool_avg, T(x)).numpy()     # [i, j, m, n]
dy = lambda i, j, m, n: Ja[i - 1, j - 1, m - 1, n - 1]
listed = dy(1, 1, 1, 2) + dy(1, 2, 1, 2) + dy(2, 1, 1, 2) + dy(2, 2, 1, 2)
decide(44, np.isclose(listed, Ja[:, :, 0, 1].sum()) and np.isclose(listed, 1 / 4 + 1 / 4 + 0 + 0)
       and np.isclose(dy(1, 1, 1, 2), 0.25) and np.isclose(dy(1, 2, 1, 2), 0.25) and dy(2, 1, 1, 2) == 0 and dy(2, 2, 1, 2) == 0,
       "dy/dx_12 = sum of the four listed dy_ij/dx_12 = 1/4 + 1/4 + 0 + 0 term by term, and = sum over all nine outputs "
       "(the unlisted ones, y_13 and row 3, are 0) (Jacobian of avg_pool2d)")
decide(49, np.isclose(Ya(1, 1), (X(1, 1) + X(1, 2) + X(2, 1) + X(2, 2)) / (2 * 2)), "y_11 = (x_11 + x_12 + x_21 + x_22)/(F_H F_W)")
decide(50, np.isclose(dy(1, 1, 1, 2), 0.25), "dy_11/dx_12 = 1/4 dx_12/dx_12 = 1/4 (Jacobian)")
decide(51, np.isclose(Ya(1, 2), (X(1, 2) + X(1, 3) + X(2, 2) + X(2, 3)) / (2 * 2)), "y_12 = (x_12 + x_13 + x_22 + x_23)/(F_H F_W)")
decide(52, np.isclose(dy(1, 2, 1, 2), 0.25), "dy_12/dx_12 = 1/4 dx_12/dx_12 = 1/4 (Jacobian)")
decide(53, np.isclose(Ya(2, 1), (X(2, 1) + X(2, 2) + X(3, 1) + X(3, 2)) / (2 * 2)), "y_21 = (x_21 + x_22 + x_31 + x_32)/(F_H F_W)")
decide(54, dy(2, 1, 1, 2) == 0, "dy_21/dx_12 = 0 (Jacobian)")
decide(55, np.isclose(Ya(2, 2), (X(2, 2) + X(2, 3) + X(3, 2) + X(3, 3)) / (2 * 2)), "y_22 = (x_22 + x_23 + x_32 + x_33)/(F_H F_W)")
decide(56, dy(2, 2, 1, 2) == 0, "dy_22/dx_12 = 0 (Jacobian)")

# ---- average pooling with S = 2: dy_11/dx_mn, 'the partial result for the first region'
J2 = torch.autograd.functional.jacobian(lambda v: pool_avg(v, 2), T(x)).numpy()
printed = np.array([[1 / 4, 1 / 4, 0, 0], [1 / 4, 1 / 4, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
for r, line in enumerate((66, 67, 68, 69)):
    decide(line, np.allclose(printed[r], J2[0, 0, r]), f"row {r + 1} of dy_11/dx_mn for F = S = 2 (Jacobian of avg_pool2d)")
finish()
