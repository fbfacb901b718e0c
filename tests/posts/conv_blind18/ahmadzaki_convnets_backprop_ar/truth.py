"""Independent truth for tests/posts/conv_blind18/ahmadzaki_convnets_backprop_ar (NumPy and torch, no derive).

The post (an Arabic Hugo blog post, Ahmad-Zaki/Ahmad-Zaki.github.io, 'How is backpropagation done in ConvNets?')
works a single-channel convolution O = X (x) F of a 3x3 input X and a 2x2 filter F, stride 1, no padding, no bias,
where (x) is the cross-correlation its own rows O_11 .. O_22 write out (checked against torch conv2d). It writes the
local gradients dO/dF_ij and dO/dX_ij as 2x2 matrices, the chain rule as a Frobenius inner product, dL/dF entry by
entry and as X (x) dL/dO, dL/dX entry by entry, the 180-degree rotation of F and dL/dX as the padded dL/dO (x) the
rotated F; then 2x2 max and average pooling (stride 2) on a 4x4 A, and a two-line summary. Indices count from 1.
Every line is evaluated as printed in float64 on random values (X, F, an upstream dL/dO = G), against torch conv2d,
max_pool2d, avg_pool2d and autograd (L = sum(G * O)); a displayed matrix is read with its entries in the printed
positions, so a label or entry written in the wrong cell is read there."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F_

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1801)
T = lambda a: torch.tensor(np.ascontiguousarray(a, dtype=np.float64))


def xcorr(a, k):
    """the post's (x): the valid cross-correlation, k sliding over a (torch conv2d)"""
    return F_.conv2d(T(a)[None, None], T(k)[None, None])[0, 0].numpy()


X, Fk, G = rng.normal(size=(3, 3)), rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
x = lambda i, j: X[i - 1, j - 1]
f = lambda i, j: Fk[i - 1, j - 1]
g = lambda i, j: G[i - 1, j - 1]                  # dL/dO_ij
Xt, Ft = T(X).requires_grad_(), T(Fk).requires_grad_()
O_t = F_.conv2d(Xt[None, None], Ft[None, None])[0, 0]
(O_t * T(G)).sum().backward()
dX, dF, O = Xt.grad.numpy(), Ft.grad.numpy(), O_t.detach().numpy()
o = lambda i, j: O[i - 1, j - 1]

# the local Jacobians from autograd: dO_kl/dF_ij and dO_kl/dX_ij, indexed [k, l, i, j] (0-based)
JF = torch.autograd.functional.jacobian(lambda w: F_.conv2d(T(X)[None, None], w[None, None])[0, 0], T(Fk)).numpy()
JX = torch.autograd.functional.jacobian(lambda v: F_.conv2d(v[None, None], T(Fk)[None, None])[0, 0], T(X)).numpy()
dOdF = lambda i, j: JF[:, :, i - 1, j - 1]       # the 2x2 matrix dO/dF_ij
dOdX = lambda i, j: JX[:, :, i - 1, j - 1]       # the 2x2 matrix dO/dX_ij

# ---- the forward (lines 7-28)
decide(19, np.allclose(xcorr(X, Fk), O), "O = X (x) F, (x) the valid cross-correlation of the rows below (torch "
       "conv2d, 2x2 output)")
rows = {25: (1, 1), 26: (1, 2), 27: (2, 1), 28: (2, 2)}
for line, (k, l) in rows.items():
    v = sum(x(k + a, l + b) * f(1 + a, 1 + b) for a in range(2) for b in range(2))
    decide(line, np.isclose(v, o(k, l)), f"O_{k}{l} = X_{k}{l}F_11 + X_{k}{l + 1}F_12 + X_{k + 1}{l}F_21 + "
           f"X_{k + 1}{l + 1}F_22 against torch conv2d")

# ---- dO/dF (lines 29-61)
for line, (k, l) in {29: (1, 1), 30: (1, 2), 31: (2, 1), 32: (2, 2)}.items():
    decide(line, np.isclose(JF[k - 1, l - 1, 0, 0], x(k, l)), f"dO_{k}{l}/dF_11 = X_{k}{l} (autograd Jacobian)")
decide(41, np.allclose(dOdF(1, 1), [[x(1, 1), x(1, 2)], [x(2, 1), x(2, 2)]]),
       "dO/dF_11 = [[X11, X12], [X21, X22]], laid out as O (entry kl = dO_kl/dF_11)")
decide(51, np.allclose(dOdF(1, 2), [[x(1, 2), x(1, 3)], [x(2, 2), x(2, 3)]]), "dO/dF_12 = [[X12, X13], [X22, X23]]")
decide(56, np.allclose(dOdF(2, 1), [[x(2, 1), x(2, 2)], [x(3, 1), x(3, 2)]]), "dO/dF_21 = [[X21, X22], [X31, X32]]")
decide(61, np.allclose(dOdF(2, 2), [[x(2, 2), x(2, 3)], [x(3, 2), x(3, 3)]]), "dO/dF_22 = [[X22, X23], [X32, X33]]")
frob = lambda A, B: float(np.sum(A * B))
lhs67 = np.array([[frob(G, dOdF(i, j)) for j in (1, 2)] for i in (1, 2)])
decide(67, np.allclose(lhs67, dF), "dL/dF = dO/dF 'x' dL/dO, the product read as line 78 spells it out (each entry "
       "the Frobenius product of dL/dO with dO/dF_ij), against autograd")
decide(78, np.allclose(lhs67, dF), "dL/dF_ij = <dL/dO, dO/dF_ij>_F against autograd")
A2, B2 = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
decide(94, np.isclose(np.trace(A2.T @ B2), A2[0, 0] * B2[0, 0] + A2[0, 1] * B2[0, 1] + A2[1, 0] * B2[1, 0]
                      + A2[1, 1] * B2[1, 1]), "<A, B>_F = A11B11 + A12B12 + A21B21 + A22B22 = tr(A^T B)")

# ---- dL/dF entry by entry (lines 110-148)
for line, (i, j) in {110: (1, 1), 112: (1, 2), 114: (2, 1), 116: (2, 2)}.items():
    v = sum(g(k, l) * JF[k - 1, l - 1, i - 1, j - 1] for k in (1, 2) for l in (1, 2))
    decide(line, np.isclose(v, dF[i - 1, j - 1]), f"dL/dF_{i}{j} = sum_kl dL/dO_kl dO_kl/dF_{i}{j} against autograd")
for line, (i, j) in {123: (1, 1), 125: (1, 2), 127: (2, 1), 129: (2, 2)}.items():
    v = g(1, 1) * x(i, j) + g(1, 2) * x(i, j + 1) + g(2, 1) * x(i + 1, j) + g(2, 2) * x(i + 1, j + 1)
    decide(line, np.isclose(v, dF[i - 1, j - 1]), f"dL/dF_{i}{j} = dL/dO_11 X_{i}{j} + dL/dO_12 X_{i}{j + 1} + "
           f"dL/dO_21 X_{i + 1}{j} + dL/dO_22 X_{i + 1}{j + 1} against autograd")
decide(148, np.allclose(xcorr(X, G), dF), "dL/dF = X (x) dL/dO, the same valid cross-correlation as the forward, "
       "dL/dO sliding over X")

# ---- the forward again and dO/dX (lines 158-218)
for line, (k, l) in {176: (1, 1), 177: (1, 2), 178: (2, 1), 179: (2, 2)}.items():
    v = sum(x(k + a, l + b) * f(1 + a, 1 + b) for a in range(2) for b in range(2))
    decide(line, np.isclose(v, o(k, l)), f"O_{k}{l} (repeated) against torch conv2d")
decide(180, np.isclose(JX[0, 0, 0, 0], f(1, 1)), "dO_11/dX_11 = F_11")
decide(181, np.isclose(JX[0, 1, 0, 0], 0.0), "dO_12/dX_11 = 0 (X_11 is not in O_12's window)")
decide(182, np.isclose(JX[1, 0, 0, 0], 0.0), "dO_21/dX_11 = 0")
decide(183, np.isclose(JX[1, 1, 0, 0], 0.0), "dO_22/dX_11 = 0")
decide(192, np.allclose(dOdX(1, 1), [[f(1, 1), 0], [0, 0]]), "dO/dX_11 = [[F11, 0], [0, 0]]")
decide(202, np.allclose(dOdX(1, 2), [[f(1, 2), f(1, 1)], [0, 0]]), "dO/dX_12 = [[F12, F11], [0, 0]]")
decide(207, np.allclose(dOdX(1, 3), [[0, f(1, 2)], [0, 0]]), "dO/dX_13 = [[0, F12], [0, 0]]")
decide(212, np.allclose(dOdX(2, 1), [[f(2, 1), 0], [f(1, 1), 0]]), "dO/dX_21 = [[F21, 0], [F11, 0]]")
lhs218 = np.array([[frob(G, dOdX(i, j)) for j in (1, 2, 3)] for i in (1, 2, 3)])
decide(218, np.allclose(lhs218, dX), "dL/dX_ij = <dL/dO, dO/dX_ij>_F against autograd")

# ---- dL/dX entry by entry (lines 224-240)
rows_x = {224: ((1, 1), g(1, 1) * f(1, 1)),
          226: ((1, 2), g(1, 1) * f(1, 2) + g(1, 2) * f(1, 1)),
          228: ((1, 3), g(1, 2) * f(1, 2)),
          230: ((2, 1), g(1, 1) * f(2, 1) + g(2, 1) * f(1, 1)),
          232: ((2, 2), g(1, 1) * f(2, 2) + g(1, 2) * f(2, 1) + g(2, 1) * f(1, 2) + g(2, 2) * f(1, 1)),
          234: ((2, 3), g(1, 2) * f(2, 2) + g(2, 2) * f(1, 2)),
          236: ((3, 1), g(2, 1) * f(2, 1)),
          238: ((3, 2), g(2, 1) * f(2, 2) + g(2, 2) * f(2, 1)),
          240: ((3, 3), g(2, 2) * f(2, 2))}
for line, ((i, j), v) in rows_x.items():
    decide(line, np.isclose(v, dX[i - 1, j - 1]), f"dL/dX_{i}{j} as printed against autograd")

# ---- the rotation and the full convolution (lines 258-286)
rot = np.array([[f(2, 2), f(2, 1)], [f(1, 2), f(1, 1)]])
decide(266, np.allclose(rot, np.rot90(Fk, 2)), "rot180(F) = [[F22, F21], [F12, F11]] (np.rot90 twice)")
right_pad = np.pad(G, 1)
print(f"   (with dL/dO padded correctly, pad(dL/dO) (x) rot180(F) = dL/dX: "
      f"{np.allclose(xcorr(right_pad, rot), dX)})")
# the left-hand matrix as printed: its third row reads dL/dX31, dL/dX23, dL/dX33
lhs_labels = [[(1, 1), (1, 2), (1, 3)], [(2, 1), (2, 2), (2, 3)], [(3, 1), (2, 3), (3, 3)]]
lhs_printed = np.array([[dX[i - 1, j - 1] for (i, j) in row] for row in lhs_labels])
decide(275, np.allclose(lhs_printed[2], dX[2]),
       "the third row of the left-hand matrix is dL/dX31, dL/dX23, dL/dX33: the middle entry is dL/dX32 "
       f"({dX[2, 1]:.4f}), dL/dX23 ({dX[1, 2]:.4f}) is a different entry (it is already in row 2)")
printed_pad = np.zeros((4, 4))
printed_pad[1, 1], printed_pad[1, 2], printed_pad[2, 1], printed_pad[2, 2] = g(1, 1), g(1, 2), g(2, 1), g(2, 1)
decide(280, np.allclose(printed_pad[2], right_pad[2]), "the third row of the padded dL/dO is 0, dL/dO21, dL/dO21, 0: "
       "the last dL/dO entry is dL/dO22 (the padding of the 2x2 dL/dO of line 101)")
rhs286 = xcorr(printed_pad, rot)
decide(286, np.allclose(lhs_printed, rhs286), "the whole equation as printed: the right side with dL/dO21 twice gives "
       f"{np.round(rhs286[2], 4).tolist()} in the third row, the left side reads "
       f"{np.round(lhs_printed[2], 4).tolist()}; carried from lines 275 and 280 (with both entries corrected the "
       "equation holds, printed above)")

# ---- pooling, 2x2 windows with stride 2 on a 4x4 A (lines 304-365)
A = rng.normal(size=(4, 4))
a = lambda i, j: A[i - 1, j - 1]
mp = F_.max_pool2d(T(A)[None, None], 2)[0, 0].numpy()
for line, (k, l) in {317: (1, 1), 321: (1, 2), 326: (2, 1), 330: (2, 2)}.items():
    win = [[a(2 * k - 1, 2 * l - 1), a(2 * k - 1, 2 * l)], [a(2 * k, 2 * l - 1), a(2 * k, 2 * l)]]
    decide(line, np.isclose(np.max(win), mp[k - 1, l - 1]), f"B_{k}{l} = pool of A rows {2 * k - 1}-{2 * k}, columns "
           f"{2 * l - 1}-{2 * l} (the window torch max_pool2d(2) uses)")
# max pooling with A11, A13, A31, A33 the maxima of their windows
Am = A.copy()
for (r, c) in [(0, 0), (0, 2), (2, 0), (2, 2)]:
    Am[r, c] = np.abs(A[r:r + 2, c:c + 2]).max() + 1.0
GB = rng.normal(size=(2, 2))
At = T(Am).requires_grad_()
(F_.max_pool2d(At[None, None], 2)[0, 0] * T(GB)).sum().backward()
printed353 = np.array([[GB[0, 0], 0, GB[0, 1], 0], [0, 0, 0, 0], [GB[1, 0], 0, GB[1, 1], 0], [0, 0, 0, 0]])
decide(353, np.allclose(printed353, At.grad.numpy()), "max pooling with A11, A13, A31, A33 the maxima: dL/dA has "
       "dL/dB_kl at the maximum of each window and 0 elsewhere, against autograd of max_pool2d")
At2 = T(A).requires_grad_()
(F_.avg_pool2d(At2[None, None], 2)[0, 0] * T(GB)).sum().backward()
printed365 = 0.25 * np.kron(GB, np.ones((2, 2)))
decide(365, np.allclose(printed365, At2.grad.numpy()), "average pooling: dL/dA = 1/4 dL/dB_kl spread over window kl, "
       "against autograd of avg_pool2d")

# ---- the summary (lines 373-375)
decide(373, np.allclose(xcorr(X, G), dF), "dL/dF = Convolution(X, dL/dO), the post's (x) with X the input and dL/dO "
       "sliding, as line 148")
full_a = xcorr(np.pad(G, 1), rot)               # the reading of line 286 and Fig 5: dL/dO padded, rot180(F) sliding
full_b = xcorr(np.pad(rot, 1), G)               # the other operand order: rot180(F) padded, dL/dO sliding
print(f"   (line 375: padded dL/dO with rot180(F) sliding gives dL/dX: {np.allclose(full_a, dX)}; the operands in "
      f"the order written, rot180(F) padded with dL/dO sliding, gives rot180(dL/dX): "
      f"{np.allclose(full_b, np.rot90(dX, 2))})")
decide(375, np.allclose(full_a, dX), "dL/dx = Full Convolution(rot180(F), dL/dO), read as the display of line 286 "
       "and Fig 5 compute it (dL/dO fully padded, the rotated filter sliding); x is the X of the rest of the post")
finish()
