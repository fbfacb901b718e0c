"""Independent truth for tests/posts/conv_blind20/mananshah99_learning_convnets (NumPy and torch, no derive).

The post (Manan Shah's Jekyll blog, 'Learning Convolutional Networks') writes a multi-channel convolutional layer in
index sums, 0-based: z^l_{i,j,m} = sum_{a,b=0}^{d-1} sum_{c=0}^{t-1} w^{l,m}_{a,b,c} a^{l-1}_{i+a,j+b,c} + b^{l,m}
(a cross-correlation, torch conv2d), a^l = sigma(z^l), then dL/dw, dL/db, dL/dz = dL/da sigma'(z) and the
backpropagated dL/da^l_{i,j,m} = sum_{a,b=0}^{d'-1} sum_{k=0}^{K} dL/dz^{l+1}_{i-a,j-b,k} w^{l+1,k}_{a,b,m}, with
layer l+1 using K feature maps, and max pooling's backward in words.
Everything is evaluated as printed in float64 on random values: a^{l-1} of r x s x t = 6 x 7 x 2, M = 3 maps of
d = 3, sigma = tanh, a second convolution with K = 2 maps of d' = 2 on a^l, and L = sum(G * z^{l+1}) for a random G
(so dL/dz^{l+1} = G); torch conv2d and autograd are the reference. The feature-map index k is read literally (Strict:
the K maps are k = 0 .. K-1, as the post's own c = 0 .. t-1 counts t channels); the spatial terms z^{l+1}_{i-a,j-b}
outside the output map are the nodes 'that have connections' the post's sentence excludes, read as 0."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, Strict and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2001)
r, s, t, M, d = 6, 7, 2, 3, 3
K, d2 = 2, 2
A0 = rng.normal(size=(r, s, t))                     # a^{l-1}_{i,j,c}
W1 = rng.normal(size=(M, d, d, t))                  # w^{l,m}_{a,b,c}
B1 = rng.normal(size=M)                             # b^{l,m}
W2 = rng.normal(size=(K, d2, d2, M))                # w^{l+1,k}_{a,b,m}
B2 = rng.normal(size=K)
ro, so = r - d + 1, s - d + 1
G = rng.normal(size=(ro - d2 + 1, so - d2 + 1, K))  # dL/dz^{l+1}


def conv(a, w, b):
    """the layer in torch: a (H, W, C), w (Mout, d, d, C) -> z (H-d+1, W-d+1, Mout)"""
    return F.conv2d(a.permute(2, 0, 1)[None], w.permute(0, 3, 1, 2), b)[0].permute(1, 2, 0)


a0 = torch.tensor(A0)
w1, b1 = torch.tensor(W1, requires_grad=True), torch.tensor(B1, requires_grad=True)
w2, b2 = torch.tensor(W2), torch.tensor(B2)
z1 = conv(a0, w1, b1)
z1.retain_grad()
a1 = torch.tanh(z1)
a1.retain_grad()
z2 = conv(a1, w2, b2)
(z2 * torch.tensor(G)).sum().backward()
Z1, A1 = z1.detach().numpy(), a1.detach().numpy()
dW1, dB1, dZ1, dA1 = w1.grad.numpy(), b1.grad.numpy(), z1.grad.numpy(), a1.grad.numpy()

# ---- the forward (lines 18, 22)
decide(18, Z1.shape == (r - d + 1, s - d + 1, M), f"z^l has shape (r-d+1) x (s-d+1) x M = {Z1.shape} (torch conv2d)")
zpost = np.zeros((ro, so, M))
for i in range(ro):
    for j in range(so):
        for m in range(M):
            zpost[i, j, m] = sum(W1[m, a, b, c] * A0[i + a, j + b, c] for a in range(d) for b in range(d)
                                 for c in range(t)) + B1[m]
decide(22, np.allclose(zpost, Z1), "z_{i,j,m} = sum_{a,b<d} sum_{c<t} w^{l,m}_{a,b,c} a^{l-1}_{i+a,j+b,c} + b^{l,m} "
       "against torch conv2d")

# ---- weights and bias (lines 56, 59, 74, 81)
Jw = torch.autograd.functional.jacobian(lambda w: conv(a0, w, torch.tensor(B1)), torch.tensor(W1)).numpy()
Jb = torch.autograd.functional.jacobian(lambda b: conv(a0, torch.tensor(W1), b), torch.tensor(B1)).numpy()
# Jw[i, j, m', m, a, b, c] = dz_{i,j,m'}/dw^{m}_{a,b,c}: the post's sum keeps the map m' = m
chain_w = np.zeros_like(W1)
for m in range(M):
    for a in range(d):
        for b in range(d):
            for c in range(t):
                chain_w[m, a, b, c] = sum(dZ1[i, j, m] * Jw[i, j, m, m, a, b, c] for i in range(r - d + 1)
                                          for j in range(s - d + 1))
decide(56, np.allclose(chain_w, dW1), "dL/dw^{l,m}_{a,b,c} = sum_{i<=r-d} sum_{j<=s-d} dL/dz_{i,j,m} dz_{i,j,m}/dw "
       "(the post's 'dL/w' read as dL/dw) against autograd")
chain_b = np.array([sum(dZ1[i, j, m] * Jb[i, j, m, m] for i in range(ro) for j in range(so)) for m in range(M)])
decide(59, np.allclose(chain_b, dB1), "dL/db^{l,m} = sum_{i,j} dL/dz_{i,j,m} dz_{i,j,m}/db^{l,m} against autograd")
box_w = np.zeros_like(W1)
for m in range(M):
    for a in range(d):
        for b in range(d):
            for c in range(t):
                box_w[m, a, b, c] = sum(dZ1[i, j, m] * A0[i + a, j + b, c] for i in range(r - d + 1)
                                        for j in range(s - d + 1))
decide(74, np.allclose(box_w, dW1), "dL/dw^{l,m}_{a,b,c} = sum_{i,j} dL/dz_{i,j,m} a^{l-1}_{i+a,j+b,c} against "
       "autograd")
decide(81, np.allclose(dZ1.sum(axis=(0, 1)), dB1), "dL/db^{l,m} = sum_{i,j} dL/dz_{i,j,m} against autograd")

# ---- dL/dz (lines 90, 99)
Jaz = torch.autograd.functional.jacobian(torch.tanh, torch.tensor(Z1)).numpy()
daz = np.einsum("ijmijm->ijm", Jaz)                 # da_{i,j,m}/dz_{i,j,m}
decide(90, np.allclose(dA1 * daz, dZ1), "dL/dz_{i,j,m} = dL/da_{i,j,m} da_{i,j,m}/dz_{i,j,m} (autograd)")
decide(99, np.allclose(dA1 * (1 - np.tanh(Z1) ** 2), dZ1), "dL/dz = dL/da sigma'(z), sigma = tanh (autograd)")

# ---- dL/da^l (lines 112, 115, 122)
Jza = torch.autograd.functional.jacobian(lambda a: conv(a, w2, b2), torch.tensor(A1)).numpy()
Ho, Wo = G.shape[0], G.shape[1]
Gs, W2s = Strict(G), Strict(W2)
Js = Strict(Jza)


def inside(i, j):
    return 0 <= i < Ho and 0 <= j < Wo


def da_sum(kmax, jac):
    """the post's triple sum, k = 0 .. kmax, spatial terms outside the output map read as 0"""
    out = np.zeros_like(A1)
    for i in range(ro):
        for j in range(so):
            for m in range(M):
                v = 0.0
                for a in range(d2):
                    for b in range(d2):
                        for k in range(kmax + 1):
                            if not inside(i - a, j - b):
                                continue
                            f = Js(i - a, j - b, k, i, j, m) if jac else W2s(k, a, b, m)
                            v += Gs(i - a, j - b, k) * f
                out[i, j, m] = v
    return out


def as_printed(jac):
    try:
        return da_sum(K, jac), None
    except IndexError as e:
        return None, e.args[0]


v112, e112 = as_printed(True)
print(f"   (line 112: k = 0 .. K reads map k = K of a layer with K = {K} maps, indices 0 .. {K - 1}: {e112}; "
      f"with k = 0 .. K-1 the sum matches autograd: {np.allclose(da_sum(K - 1, True), dA1)})")
decide(112, v112 is not None and np.allclose(v112, dA1), "dL/da^l_{i,j,m} = sum_{a,b<d'} sum_{k=0}^{K} "
       "dL/dz^{l+1}_{i-a,j-b,k} dz^{l+1}_{i-a,j-b,k}/da^l_{i,j,m}: the sum runs to k = K, one map past the K maps "
       "(k = 0 .. K-1) layer l+1 uses")
decide(115, W2.shape[1:] == (d2, d2, M) and Jza.shape[2] == K, "w^{l+1} (one feature map) is d' x d' x M, M the "
       "depth of a^l (torch conv2d accepts it)")
v122, e122 = as_printed(False)
print(f"   (line 122: {e122}; with k = 0 .. K-1: {np.allclose(da_sum(K - 1, False), dA1)})")
decide(122, v122 is not None and np.allclose(v122, dA1), "dL/da^l_{i,j,m} = sum_{a,b} sum_{k=0}^{K} "
       "dL/dz^{l+1}_{i-a,j-b,k} w^{l+1,k}_{a,b,m}: the same bound k = K carried into the boxed result")

# ---- max pooling in words (line 136)
P = torch.tensor(rng.normal(size=(1, 1, 4, 6)), requires_grad=True)
Gp = rng.normal(size=(1, 1, 2, 3))
(F.max_pool2d(P, 2) * torch.tensor(Gp)).sum().backward()
route = np.zeros((4, 6))
Pn = P.detach().numpy()[0, 0]
for bi in range(2):
    for bj in range(3):
        blk = Pn[2 * bi:2 * bi + 2, 2 * bj:2 * bj + 2]
        ai, aj = np.unravel_index(np.argmax(blk), blk.shape)
        route[2 * bi + ai, 2 * bj + aj] = Gp[0, 0, bi, bj]
decide(136, np.allclose(route, P.grad.numpy()[0, 0]), "max pooling: each pooled value's error goes back to the node "
       "it came from (the block's maximum), zero elsewhere (torch max_pool2d, k = 2, autograd)")

finish()
