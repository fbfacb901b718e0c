"""Independent truth for tests/posts/conv_holdout/ufal_npfl138_manual_convolution (NumPy and torch, no derive).

The slides' convolution: image I of shape [H, W, C], kernel K of shape [k, k, C, O], bias b of size O, stride s,
R_{i,j,o} = b_o + sum_{m,n=0}^{k-1} sum_c I_{s i + m, s j + n, c} K_{m,n,c,o} (the cross-correlation, torch's conv2d);
G = dL/dR. Every formula is evaluated as printed on random values (I_{i+m,j+n} a vector of size C, K_{m,n} a C x O
matrix, so I K is a row vector of size O) and compared with torch's conv2d and autograd; out-of-range G entries are 0."""
import itertools
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402

rng = np.random.default_rng(12)
H, W, C, O, k = 7, 6, 2, 3, 3


def torch_conv(I, K, b, s):
    """R of shape [H', W', O] by torch: I [H, W, C] -> (1, C, H, W), K [k, k, C, O] -> (O, C, k, k)."""
    x = torch.tensor(I.transpose(2, 0, 1)[None], requires_grad=True)
    w = torch.tensor(K.transpose(3, 2, 0, 1), requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    R = F.conv2d(x, w, bt, stride=s)[0].permute(1, 2, 0)
    return R, x, w, bt


I = rng.normal(size=(H, W, C)); K = rng.normal(size=(k, k, C, O)); b = rng.normal(size=O)
R1 = torch_conv(I, K, b, 1)[0].detach().numpy()
Hp, Wp = H - (k - 1), W - (k - 1)

# forward, stride 1 (lines 14-36)
R14 = np.array([[[b[o] + sum(I[i + m, j + n, c] * K[m, n, c, o] for m in range(k) for n in range(k) for c in range(C))
                  for o in range(O)] for j in range(Wp)] for i in range(Hp)])
for line in (14, 20):
    decide(line, np.allclose(R14, R1), "b_o + sum_m sum_n sum_c I_{i+m,j+n,c} K_{m,n,c,o} against torch conv2d, stride 1")
R24 = np.array([[b + sum(I[i + m, j + n] @ K[m, n] for m in range(k) for n in range(k)) for j in range(Wp)] for i in range(Hp)])
decide(24, np.allclose(R24, R1), "b + sum_m sum_n I_{i+m,j+n} K_{m,n}, a C-vector times a C x O matrix")
for line in (35, 70):
    decide(line, np.allclose(R24, R1), "R_ij = b + sum_m sum_n I_{i+m,j+n} K_{m,n} (the same as line 24)")
i, j = 2, 1
expansion = b + sum(I[i + m, j + n] @ K[m, n] for m in range(k) for n in range(k))
decide(36, np.allclose(expansion, R1[i, j]),
       "b + I_{i,j} K_{0,0} + I_{i+1,j} K_{1,0} + I_{i,j+1} K_{0,1} + ... over every (m, n), at (i, j) = (2, 1)")
decide(71, np.allclose(expansion, R1[i, j]), "the same expansion, recalled")
unchecked(42, "R <- R + I_{•,•} K_{m,n}: the image indices are placeholders the next step (line 46) fills in")
decide(45, R1.shape[:2] == (H - (k - 1), W - (k - 1)), f"stride 1 output of a {H}x{W} image, k = {k}: {R1.shape[:2]}")
R46 = np.broadcast_to(b, (Hp, Wp, O)).copy()
for m, n in itertools.product(range(k), range(k)):
    R46 = R46 + I[m:m + H - (k - 1), n:n + W - (k - 1)] @ K[m, n]
decide(46, np.allclose(R46, R1), "the loop R <- R + I_{m:m+H-(k-1), n:n+W-(k-1)} K_{m,n} from R = b equals torch conv2d")
ok49 = True
for s in (2, 3):
    Rs = torch_conv(I, K, b, s)[0].detach().numpy()
    R49 = np.broadcast_to(b, Rs.shape).copy()
    for m, n in itertools.product(range(k), range(k)):
        R49 = R49 + I[m:m + H - (k - 1):s, n:n + W - (k - 1):s] @ K[m, n]
    ok49 &= R49.shape == Rs.shape and np.allclose(R49, Rs)
decide(49, ok49, "with the image indices I_{m:m+H-(k-1):s, n:n+W-(k-1):s} the loop equals torch conv2d at stride 2 and 3")
ok55 = True
for Hx, kx, sx in itertools.product(range(3, 12), (1, 2, 3), (1, 2, 3)):
    y = F.conv2d(torch.zeros(1, 1, Hx, Hx + 1), torch.zeros(1, 1, kx, kx), stride=sx)
    ok55 &= y.shape[2:] == (math.ceil((Hx - (kx - 1)) / sx), math.ceil((Hx + 1 - (kx - 1)) / sx))
decide(55, ok55, "G (the output) is [ceil((H-(k-1))/s), ceil((W-(k-1))/s), O] against torch, H 3..11, k 1..3, s 1..3")

# backward with stride 2 (lines 58-64)
s = 2
R, x, w, bt = torch_conv(I, K, b, s)
G = rng.normal(size=tuple(R.shape))
(R * torch.tensor(G)).sum().backward()
dI = x.grad.numpy()[0].transpose(1, 2, 0); dK = w.grad.numpy().transpose(2, 3, 1, 0); db = bt.grad.numpy()
Ho, Wo = G.shape[:2]
db58 = sum(np.eye(O) @ G[i, j] for i in range(Ho) for j in range(Wo))
decide(58, np.allclose(db58, db), "sum_i sum_j dR_ij/db G_ij = sum_i sum_j Id G_ij against autograd dL/db (stride 2)")
JK = torch.autograd.functional.jacobian(                      # dR_{i,j,o} / dK_{m,n,c,p}
    lambda kk: F.conv2d(torch.tensor(I.transpose(2, 0, 1)[None]), kk.permute(3, 2, 0, 1), torch.tensor(b),
                        stride=s)[0].permute(1, 2, 0), torch.tensor(K)).numpy()
dK61 = np.einsum("ijomncp,ijo->mncp", JK, G)
decide(61, np.allclose(dK61, dK), "sum_i sum_j dR_ij/dK_mn contracted with G_ij over the outputs, against autograd (stride 2)")
dK64 = np.array([[sum(np.outer(I[s * i + m, s * j + n], G[i, j]) for i in range(Ho) for j in range(Wo))
                  for n in range(k)] for m in range(k)])
decide(64, np.allclose(dK64, dK), "sum_i sum_j I_{si+m,sj+n} (G_ij)^T, an outer product C x O, against autograd (stride 2)")

# backward with respect to the image, stride 1 (lines 75-99)
R, x, w, bt = torch_conv(I, K, b, 1)
G = rng.normal(size=tuple(R.shape))
(R * torch.tensor(G)).sum().backward()
dI = x.grad.numpy()[0].transpose(1, 2, 0)
Ho, Wo = G.shape[:2]
JI = torch.autograd.functional.jacobian(
    lambda ii: F.conv2d(ii.permute(2, 0, 1)[None], torch.tensor(K.transpose(3, 2, 0, 1)), torch.tensor(b))[0].permute(1, 2, 0),
    torch.tensor(I)).numpy()                                     # dR_{i,j,o} / dI_{i',j',c}
decide(75, np.allclose(np.einsum("ijoabc,ijo->abc", JI, G), dI),
       "sum_i sum_j dR_ij/dI_i'j' G_ij (the Jacobian contracted over the outputs) against autograd")
Gat = lambda a, c: G[a, c] if 0 <= a < Ho and 0 <= c < Wo else np.zeros(O)
d78 = np.zeros_like(dI)
for ii, jj, m, n in itertools.product(range(Ho), range(Wo), range(k), range(k)):
    d78[ii + m, jj + n] += K[m, n] @ G[ii, jj]
decide(78, np.allclose(d78, dI), "sum_m sum_n K_{m,n} G_{i,j} over i' = i+m, j' = j+n against autograd")
d81 = np.array([[sum(K[m, n] @ Gat(a - m, c - n) for m in range(k) for n in range(k)) for c in range(W)] for a in range(H)])
for line in (81, 86):
    decide(line, np.allclose(d81, dI), "sum_m sum_n K_{m,n} G_{i'-m,j'-n} (G outside its range is 0) against autograd")
Gp = np.pad(G, ((k - 1, k - 1), (k - 1, k - 1), (0, 0)))
d93 = np.array([[sum(K[m, n] @ Gp[a - m + k - 1, c - n + k - 1] for m in range(k) for n in range(k)) for c in range(W)]
                for a in range(H)])
decide(93, np.allclose(d93, dI) and Gp.shape[0] == H + k - 1,
       "i'-m runs from -(k-1) to H-1, k-1 past each edge of G; padding G by k-1 on both sides covers it")
d98 = np.array([[sum(K[k - 1 - m2, k - 1 - n2] @ Gat(a - (k - 1) + m2, c - (k - 1) + n2) for m2 in range(k) for n2 in range(k))
                 for c in range(W)] for a in range(H)])
decide(98, np.allclose(d98, dI), "sum_m' sum_n' K_{k-1-m',k-1-n'} G_{i'-(k-1)+m', j'-(k-1)+n'} against autograd")
Krot = np.rot90(K, 2, axes=(0, 1))
d99 = np.array([[sum(Krot[m2, n2] @ Gp[a + m2, c + n2] for m2 in range(k) for n2 in range(k)) for c in range(W)]
                for a in range(H)])
decide(99, np.allclose(d99, dI), "the kernel rotated by 180 degrees slid over G padded by k-1 (a plain correlation)")

# stride > 1 through zeros (lines 110-114): keep the stride-1 sized output, zero where the kernel was not applied
s = 2
R, x, w, bt = torch_conv(I, K, b, s)
G = rng.normal(size=tuple(R.shape))
(R * torch.tensor(G)).sum().backward()
dI = x.grad.numpy()[0].transpose(1, 2, 0)
Gz = np.zeros((H - (k - 1), W - (k - 1), O)); Gz[::s, ::s] = G
Gzp = np.pad(Gz, ((k - 1, k - 1), (k - 1, k - 1), (0, 0)))
d114 = np.array([[sum(K[m, n] @ Gzp[a - m + k - 1, c - n + k - 1] for m in range(k) for n in range(k)) for c in range(W)]
                 for a in range(H)])
decide(114, np.allclose(d114, dI), "stride 2: G spread into the stride-1 output size with zeros, then the stride-1 "
       "formula of line 86, equals autograd")

finish()
