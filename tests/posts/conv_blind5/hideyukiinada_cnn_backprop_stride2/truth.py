"""Independent truth for tests/posts/conv_blind5/hideyukiinada_cnn_backprop_stride2 (NumPy and torch, no derive).

The post's layer: one 4x4 input a_prev (a_11 .. a_44, 1-based as the post writes them), zero-padded by one to 6x6,
one 3x3 kernel W (w_11 .. w_33), stride 2, no bias, Z (z_11 .. z_22) of 2x2; each Z entry is the sum of products of the
kernel with a 3x3 window of the padded input (a cross-correlation, torch's conv2d with padding=1, stride=2).
L = sum(G * Z) for a random G, so dL/dz_kl = G[k-1, l-1]. torch conv2d and autograd are the reference; the Jacobian
dZ/da and dZ/dW come from torch.autograd.functional.jacobian. Step 4's '*' is read as the post's own operator, the
sliding-window sum of products of its forward pass (stride 1 here): the post's equations (6)-(9) are that operation."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(5)
A = rng.normal(size=(4, 4)); W = rng.normal(size=(3, 3)); G = rng.normal(size=(2, 2))
a = lambda i, j: A[i - 1, j - 1]          # the post's 1-based names
w = lambda i, j: W[i - 1, j - 1]
g = lambda i, j: G[i - 1, j - 1]           # dL/dz_ij

conv = lambda x, k: F.conv2d(x[None, None], k[None, None], padding=1, stride=2)[0, 0]
At = torch.tensor(A, requires_grad=True); Wt = torch.tensor(W, requires_grad=True)
Zt = conv(At, Wt)
(Zt * torch.tensor(G)).sum().backward()
Z, dA, dW = Zt.detach().numpy(), At.grad.numpy(), Wt.grad.numpy()
Ja = torch.autograd.functional.jacobian(lambda x: conv(x, torch.tensor(W)), torch.tensor(A)).numpy()   # [k, l, i, j]
Jw = torch.autograd.functional.jacobian(lambda k: conv(torch.tensor(A), k), torch.tensor(W)).numpy()
chain_a = lambda i, j: sum(g(k, l) * Ja[k - 1, l - 1, i - 1, j - 1] for k in (1, 2) for l in (1, 2))   # sum_kl dL/dz_kl dz_kl/da_ij
chain_w = lambda i, j: sum(g(k, l) * Jw[k - 1, l - 1, i - 1, j - 1] for k in (1, 2) for l in (1, 2))
da = lambda i, j: dA[i - 1, j - 1]
dw = lambda i, j: dW[i - 1, j - 1]

# ---- forward, lines 12-38 (each Z_kl display as printed)
z11 = (0 * w(1, 1) + 0 * w(1, 2) + 0 * w(1, 3) + 0 * w(2, 1) + a(1, 1) * w(2, 2) + a(1, 2) * w(2, 3)
       + 0 * w(3, 1) + a(2, 1) * w(3, 2) + a(2, 2) * w(3, 3))
z12 = (0 * w(1, 1) + 0 * w(1, 2) + 0 * w(1, 3) + a(1, 2) * w(2, 1) + a(1, 3) * w(2, 2) + a(1, 4) * w(2, 3)
       + a(2, 2) * w(3, 1) + a(2, 3) * w(3, 2) + a(2, 4) * w(3, 3))
z21 = (0 * w(1, 1) + a(2, 1) * w(1, 2) + a(2, 2) * w(1, 3) + 0 * w(2, 1) + a(3, 1) * w(2, 2) + a(3, 2) * w(2, 3)
       + 0 * w(3, 1) + a(4, 1) * w(3, 2) + a(4, 2) * w(3, 3))
z22 = (a(2, 2) * w(1, 1) + a(2, 3) * w(1, 2) + a(2, 4) * w(1, 3) + a(3, 2) * w(2, 1) + a(3, 3) * w(2, 2)
       + a(3, 4) * w(2, 3) + a(4, 2) * w(3, 1) + a(4, 3) * w(3, 2) + a(4, 4) * w(3, 3))
decide(13, np.isclose(z11, Z[0, 0]), "Z_11 as printed against torch conv2d(padding=1, stride=2)[0, 0]")
decide(20, np.isclose(z12, Z[0, 1]), "Z_12 as printed against torch conv2d[0, 1]")
decide(27, np.isclose(z21, Z[1, 0]), "Z_21 as printed against torch conv2d[1, 0]")
decide(34, np.isclose(z22, Z[1, 1]), "Z_22 as printed against torch conv2d[1, 1]")

# ---- dL/da_44, lines 40-61
print(f"   (line 43: the left side dL/da_43 = {da(4, 3):.4f}; the chain written after it, through dz/da_44, = "
      f"{chain_a(4, 4):.4f} = dL/da_44 = {da(4, 4):.4f})")
decide(43, np.isclose(da(4, 3), chain_a(4, 4)), "under the heading dL/da_44 the left side is dL/da_43 (= dL/dz_22 w_32) "
       "while the right side is the chain rule through dz_kl/da_44 (= dL/dz_22 w_33)")
row51 = g(1, 1) * 0 + g(1, 2) * 0 + g(2, 1) * 0 + g(2, 2) * w(3, 3)
decide(51, np.isclose(row51, chain_a(4, 4)) and np.isclose(row51, da(4, 4)),
       "'= dL/dz_11 0 + ... + dL/dz_22 w_33', the chain of the previous row (through a_44), against the Jacobian and autograd")
decide(59, np.isclose(g(2, 2) * w(3, 3), da(4, 4)), "dL/da_44 = dL/dz_22 w_33 against autograd")

# ---- 2.1.2, lines 63-118
inter = np.zeros((4, 4)); inter[0::2, 0::2] = G                       # a row and a column of zeros after every element
shown77 = np.array([[g(1, 1), 0, g(1, 2), 0], [0, 0, 0, 0], [g(2, 1), 0, g(2, 2), 0], [0, 0, 0, 0]])
decide(77, np.allclose(inter, shown77), "zero_interweave(dL/dz) as displayed is dL/dz with a zero row and column after "
       "every element (line 67)")
padded = np.pad(inter, 1)
shown90 = np.zeros((6, 6)); shown90[1, 1], shown90[1, 3], shown90[3, 1], shown90[3, 3] = g(1, 1), g(1, 2), g(2, 1), g(2, 2)
decide(90, np.allclose(padded, shown90), "zero_pad of the 4x4 interweave by one zero on every edge, as displayed (6x6)")
W2 = np.array([[w(3, 3), w(3, 2), w(3, 1)], [w(2, 3), w(2, 2), w(2, 1)], [w(1, 3), w(1, 2), w(1, 1)]])
decide(103, np.allclose(W2, np.flip(W, (0, 1))), "W_2 as displayed is W flipped vertically and horizontally")
step4 = F.conv2d(torch.tensor(padded)[None, None], torch.tensor(W2)[None, None])[0, 0].numpy()   # the forward's sum of products
print(f"   (line 115: with '*' a true convolution, flipping W_2 back, it would give dL/da: "
      f"{np.allclose(F.conv2d(torch.tensor(padded)[None, None], torch.tensor(W)[None, None])[0, 0].numpy(), dA)})")
decide(115, np.allclose(step4, dA), "pad(interweave(dL/dz)) * W_2, '*' the post's sliding sum of products at stride 1, "
       "is the 4x4 dL/da_prev of autograd")
# the post's matrix (62), outside the excerpt: its sixteen entries as the post prints them
m62 = np.array([
    [g(1, 1) * w(2, 2), g(1, 1) * w(2, 3) + g(1, 2) * w(2, 1), g(1, 2) * w(2, 2), g(1, 2) * w(2, 3)],
    [g(1, 1) * w(3, 2) + g(2, 1) * w(1, 2), g(1, 1) * w(3, 3) + g(1, 2) * w(3, 1) + g(2, 1) * w(1, 3) + g(2, 2) * w(1, 1),
     g(1, 2) * w(3, 2) + g(2, 2) * w(1, 2), g(1, 2) * w(3, 3) + g(2, 2) * w(1, 3)],
    [g(2, 1) * w(2, 2), g(2, 1) * w(2, 3) + g(2, 2) * w(2, 1), g(2, 2) * w(2, 2), g(2, 2) * w(2, 3)],
    [g(2, 1) * w(3, 2), g(2, 1) * w(3, 3) + g(2, 2) * w(3, 1), g(2, 2) * w(3, 2), g(2, 2) * w(3, 3)]])
decide(118, np.allclose(step4, m62) and np.allclose(m62, dA), "Step 4's matrix equals the post's (62), the sixteen "
       "dL/da_ij it derived one by one (which agree with autograd)")

# ---- dL/dw_31, lines 120-142; dL/dw_33, lines 144-160
print(f"   (line 123: the left side dL/dw_21 = {dw(2, 1):.4f}; the chain through dz/dw_31 = {chain_w(3, 1):.4f} = "
      f"dL/dw_31 = {dw(3, 1):.4f})")
decide(123, np.isclose(dw(2, 1), chain_w(3, 1)), "under the heading dL/dw_31 the left side is dL/dw_21 while the right "
       "side is the chain rule through dz_kl/dw_31")
row131 = g(1, 1) * 0 + g(1, 2) * a(2, 2) + g(2, 1) * 0 + g(2, 2) * a(4, 2)
decide(131, np.isclose(row131, dw(3, 1)) and np.isclose(row131, chain_w(3, 1)), "dL/dw_31 = dL/dz_12 a_22 + dL/dz_22 a_42 "
       "(with the zero terms) against autograd")
decide(139, np.isclose(g(1, 2) * a(2, 2) + g(2, 2) * a(4, 2), dw(3, 1)), "dL/dw_31 without the zero terms")
print(f"   (line 147: the left side dL/dw_23 = {dw(2, 3):.4f}; the chain through dz/dw_33 = {chain_w(3, 3):.4f})")
decide(147, np.isclose(dw(2, 3), chain_w(3, 3)), "under the heading dL/dw_33 the left side is dL/dw_23 while the right "
       "side is the chain rule through dz_kl/dw_33")
row155 = g(1, 1) * a(2, 2) + g(1, 2) * a(2, 4) + g(2, 1) * a(4, 2) + g(2, 2) * a(4, 4)
decide(155, np.isclose(row155, dw(3, 3)), "dL/dw_33 = dL/dz_11 a_22 + dL/dz_12 a_24 + dL/dz_21 a_42 + dL/dz_22 a_44 "
       "against autograd")
finish()
