"""Independent truth for tests/posts/conv_blind6/codeandfire_cnn_backprop_tex (NumPy and torch, no derive).

The note's operations (LaTeX, 1-based names a_ij, k_ij, h_ij as the note writes them):
- 2x2 max pooling at stride 2 of a 4x4 map whose maxima are a_21, a_14, a_31, a_43 (the bold entries; the values here
  are drawn so that these are the maxima), its gradient ('max unpooling') and the unpooling of the values;
- a 3x3 kernel on a 4x4 map at stride 1, '*' the operation whose 2x2 result the note writes out (lines 113-116):
  h_i'j' = sum_ij k_ij a_(i+i'-1),(j+j'-1), a cross-correlation (torch conv2d); the same with stride 2 on a 5x5 map;
- W the 4x16 matrix with h = W a on the row-major flattenings (h11, h12, h21, h22 and a11, a12, ..., a44).
F = sum(Gh * h) (or sum(Gp * pooled)) for random Gh, Gp, so dF/dh = Gh. A displayed matrix row is compared entry by
entry where it shows entries; entries hidden behind \\dots or \\vdots are not compared. torch conv2d, max_pool2d,
max_unpool2d and autograd are the reference; W is the Jacobian of h by a (torch.autograd.functional.jacobian)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(13)
T = lambda a: torch.tensor(a, dtype=torch.float64)

# ---- max pooling and max unpooling, lines 13-89
P = rng.uniform(-1, 0, size=(4, 4))
for (i, j) in [(2, 1), (1, 4), (3, 1), (4, 3)]:          # the bold maxima a_21, a_14, a_31, a_43
    P[i - 1, j - 1] = rng.uniform(0.5, 1.5)
p = lambda i, j: P[i - 1, j - 1]
Gp = rng.normal(size=(2, 2))                              # dF/d(pooled): [[dF/da21, dF/da14], [dF/da31, dF/da43]]
Pt = T(P).requires_grad_()
pooled_t, idx = F.max_pool2d(Pt[None, None], 2, 2, return_indices=True)
(pooled_t[0, 0] * T(Gp)).sum().backward()
pooled, dP = pooled_t[0, 0].detach().numpy(), Pt.grad.numpy()
decide(29, np.allclose(pooled[0], [p(2, 1), p(1, 4)]), "the pooled first row is (a_21, a_14), the maxima of the two upper "
       "2x2 blocks (torch max_pool2d)")
decide(30, np.allclose(pooled[1], [p(3, 1), p(4, 3)]), "the pooled second row is (a_31, a_43)")
nonmax = np.ones((4, 4), bool)
for (i, j) in [(2, 1), (1, 4), (3, 1), (4, 3)]:
    nonmax[i - 1, j - 1] = False
decide(45, np.allclose(dP[nonmax], 0), "the gradient of F with respect to the non-maximal elements is zero (autograd)")
g21, g14, g31, g43 = Gp[0, 0], Gp[0, 1], Gp[1, 0], Gp[1, 1]
shown = {67: [0, 0, 0, g14], 68: [g21, 0, 0, 0], 69: [g31, 0, 0, 0], 70: [0, 0, g43, 0]}
for r, (line, row) in enumerate(shown.items()):
    decide(line, np.allclose(row, dP[r]), f"row {r + 1} of the 4x4 gradient (max unpooling of dF/d(pooled)) against autograd")
unpooled = F.max_unpool2d(pooled_t.detach(), idx, 2, 2)[0, 0].numpy()
shown_v = {82: [0, 0, 0, p(4, 1)], 83: [p(2, 1), 0, 0, 0], 84: [p(3, 1), 0, 0, 0], 85: [0, 0, p(4, 3), 0]}
print(f"   (line 82: the maximum a_14 = {p(1, 4):.4f} belongs at row 1, column 4; the row shows a_41 = {p(4, 1):.4f}, "
      f"a non-maximal entry of the bottom-left block)")
for r, (line, row) in enumerate(shown_v.items()):
    decide(line, np.allclose(row, unpooled[r]), f"row {r + 1} of the unpooled values against torch max_unpool2d"
           + (": a_41 where the maximum a_14 was (row 1, column 4)" if line == 82 else ""))

# ---- the convolution and its weight matrix, lines 91-142
A = rng.normal(size=(4, 4)); K = rng.normal(size=(3, 3)); Gh = rng.normal(size=(2, 2))
a = lambda i, j: A[i - 1, j - 1]
k = lambda i, j: K[i - 1, j - 1]
conv = lambda x, w, s=1, d=1: F.conv2d(x[None, None], w[None, None], stride=s, dilation=d)[0, 0]
At = T(A).requires_grad_(); Kt = T(K).requires_grad_()
ht = conv(At, Kt)
(ht * T(Gh)).sum().backward()
h, dA, dK = ht.detach().numpy(), At.grad.numpy(), Kt.grad.numpy()
S = lambda f: sum(f(i, j) for i in (1, 2, 3) for j in (1, 2, 3))
decide(114, np.allclose([S(lambda i, j: k(i, j) * a(i, j)), S(lambda i, j: k(i, j) * a(i, j + 1))], h[0]),
       "first row of the result: sum k_ij a_ij, sum k_ij a_i,j+1 (h_11, h_12 of torch conv2d, a cross-correlation)")
decide(115, np.allclose([S(lambda i, j: k(i, j) * a(i + 1, j)), S(lambda i, j: k(i, j) * a(i + 1, j + 1))], h[1]),
       "second row: sum k_ij a_i+1,j, sum k_ij a_i+1,j+1 (h_21, h_22)")
Wm = torch.autograd.functional.jacobian(lambda v: conv(v.reshape(4, 4), T(K)).reshape(4), T(A).reshape(16)).numpy()
k11, k12, k13, k33 = k(1, 1), k(1, 2), k(1, 3), k(3, 3)
rows = {124: [k11, k12, k13, 0, k11, k12, k13, 0], 125: [0, k11, k12, k13, 0, k11, k12, k13],
        126: [0, 0, 0, 0, k11, k12, k13, 0], 127: [0, 0, 0, 0, 0, 0, 0, 0]}
last = {124: 0, 125: 0, 126: 0, 127: k33}
for r, line in enumerate(rows):
    ok = np.allclose(rows[line], Wm[r, :8]) and np.isclose(last[line], Wm[r, 15])
    why = {124: "entries 5-7 (a_21, a_22, a_23) must be k_21, k_22, k_23, not k_11, k_12, k_13",
           125: "entries 6-8 (a_22, a_23, a_24) must be k_21, k_22, k_23, not k_11, k_12, k_13",
           126: "h_21 = k_11 a_21 + k_12 a_22 + k_13 a_23 + ...: entries 1-8 and the last as shown",
           127: "entries 6-8 (a_22, a_23, a_24) must be k_11, k_12, k_13 (h_22 starts at a_22), not 0"}[line]
    decide(line, ok, f"row {r + 1} of W (h = W a, the Jacobian) on the shown entries: {why}")

# ---- the backward pass, lines 144-204
decide(147, np.allclose(Wm @ A.reshape(16), h.reshape(4)), "h = W a on the flattenings")
decide(153, np.allclose(Wm.T @ Gh.reshape(4), dA.reshape(16)), "dF/da = W^T dF/dh against autograd")
WT = Wm.T                                                  # rows a_11 .. a_44, columns h_11, h_12, h_21, h_22
shown_t = {163: [k11, 0, 0, 0], 164: [k12, k11, 0, 0], 165: [k13, k12, 0, 0], 166: [0, k13, 0, 0],
           167: [k11, 0, k11, 0], 168: [k12, k11, k12, 0], 169: [k13, k12, k13, 0], 170: [0, k13, 0, 0]}
for r, line in enumerate(shown_t):
    decide(line, np.allclose(shown_t[line], WT[r]), f"row a_{r // 4 + 1}{r % 4 + 1} of W^T against the Jacobian"
           + (" (the transpose of the printed rows 1-2 of W, carried)" if r >= 4 else ""))
decide(172, np.allclose([0, 0, 0, k33], WT[15]), "row a_44 of W^T: only h_22 reads a_44, with k_33")
pad2 = np.pad(Gh, 2)
shown_pad = np.zeros((6, 6)); shown_pad[2:4, 2:4] = Gh
Kflip = np.array([[k(3, 3), k(3, 2), k(3, 1)], [k(2, 3), k(2, 2), k(2, 1)], [k(1, 3), k(1, 2), k(1, 1)]])
decide(202, np.allclose(shown_pad, pad2) and np.allclose(Kflip, np.flip(K, (0, 1))), "the left matrix is dF/dh with a "
       "padding of 2, the right one the kernel flipped about both axes")
decide(204, np.allclose(conv(T(pad2), T(Kflip)).numpy(), dA), "pad2(dF/dh) * flip(k) at stride 1, '*' the note's "
       "operation, is dF/da (autograd): the backward pass is a convolution with padding and the flipped kernel")

# ---- stride 2, lines 206-251
A5 = rng.normal(size=(5, 5)); G5 = rng.normal(size=(2, 2))
a5 = lambda i, j: A5[i - 1, j - 1]
A5t = T(A5).requires_grad_(); K5t = T(K).requires_grad_()
h5t = conv(A5t, K5t, s=2)
(h5t * T(G5)).sum().backward()
h5, dA5, dK5 = h5t.detach().numpy(), A5t.grad.numpy(), K5t.grad.numpy()
decide(228, np.allclose([S(lambda i, j: k(i, j) * a5(i, j)), S(lambda i, j: k(i, j) * a5(i, j + 2))], h5[0]),
       "stride 2, first row: sum k_ij a_ij, sum k_ij a_i,j+2 (torch conv2d, stride 2)")
decide(229, np.allclose([S(lambda i, j: k(i, j) * a5(i + 2, j)), S(lambda i, j: k(i, j) * a5(i + 2, j + 2))], h5[1]),
       "stride 2, second row: sum k_ij a_i+2,j, sum k_ij a_i+2,j+2")
inter = np.zeros((7, 7)); inter[2, 2], inter[2, 4], inter[4, 2], inter[4, 4] = G5[0, 0], G5[0, 1], G5[1, 0], G5[1, 1]
decide(232, np.allclose(conv(T(inter), T(Kflip)).numpy(), dA5), "the 7x7 map (dF/dh with a zero row and column between "
       "its entries, padded by 2) * flip(k) at stride 1 is dF/da of the stride-2 convolution (autograd)")

# ---- the weight gradients, lines 253-332
decide(267, np.isclose(S(lambda i, j: k(i, j) * a(i, j + 1)), h[0, 1]), "h_12 = sum_ij k_ij a_i,j+1")
Jk = torch.autograd.functional.jacobian(lambda w: conv(T(A), w), T(K)).numpy()      # [i', j', i, j]
decide(272, all(np.isclose(Jk[0, 1, i - 1, j - 1], a(i, j + 1)) for i in (1, 2, 3) for j in (1, 2, 3)),
       "dh_12/dk_ij = a_i,j+1 (torch Jacobian)")
decide(277, all(np.isclose(Jk[i2 - 1, j2 - 1, i - 1, j - 1], a(i + i2 - 1, j + j2 - 1))
                for i in (1, 2, 3) for j in (1, 2, 3) for i2 in (1, 2) for j2 in (1, 2)),
       "dh_i'j'/dk_ij = a_(i+i'-1),(j+j'-1) for every i', j' in {1, 2}")
chain = np.array([[sum(Gh[i2 - 1, j2 - 1] * Jk[i2 - 1, j2 - 1, i - 1, j - 1] for i2 in (1, 2) for j2 in (1, 2))
                   for j in (1, 2, 3)] for i in (1, 2, 3)])
decide(282, np.allclose(chain, dK), "dF/dk_ij = sum_i'j' dF/dh_i'j' dh_i'j'/dk_ij against autograd")
decide(287, np.allclose([[sum(Gh[i2 - 1, j2 - 1] * a(i + i2 - 1, j + j2 - 1) for i2 in (1, 2) for j2 in (1, 2))
                          for j in (1, 2, 3)] for i in (1, 2, 3)], dK), "dF/dk_ij = sum_i'j' dF/dh_i'j' a_(i+i'-1),(j+j'-1)")
decide(292, np.isclose(sum(Gh[i2 - 1, j2 - 1] * a(i2, j2) for i2 in (1, 2) for j2 in (1, 2)), dK[0, 0]),
       "dF/dk_11 = sum_i'j' dF/dh_i'j' a_i'j'")
decide(297, np.isclose(sum(Gh[i2 - 1, j2 - 1] * a(i2, j2 + 1) for i2 in (1, 2) for j2 in (1, 2)), dK[0, 1]),
       "dF/dk_12 = sum_i'j' dF/dh_i'j' a_i',j'+1")
decide(299, np.allclose(conv(T(A), T(Gh)).numpy(), dK), "a * dF/dh ('*' the note's operation, stride 1) is dF/dk "
       "(autograd)")
decide(316, np.allclose(conv(T(A5), T(G5), s=1, d=2).numpy(), dK5), "for the stride-2 convolution, a (5x5) * dF/dh at "
       "stride 1 with dilation 2 (line 332) is dF/dk (autograd)")
finish()
