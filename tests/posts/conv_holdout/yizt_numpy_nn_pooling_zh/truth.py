"""Independent truth for tests/posts/conv_holdout/yizt_numpy_nn_pooling_zh (NumPy and torch, no derive).

The post's pooling: layer l-1 of C channels, H x W, zero-padded by (p_1, p_2) into pz; windows of (k_1, k_2) at stride
(s_1, s_2); 0-based indices; max pooling, average pooling, global max and global average pooling; delta^l = dL/dz^l.
The reference is torch: F.pad with zeros, then max_pool2d / avg_pool2d (no further padding), and autograd for the
gradients; each printed formula is evaluated as written on random values."""
import itertools
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(5)


def layer(kind, H, W, k, s, p, C=2):
    """torch reference: z^{l-1} (C, H, W), its output z^l, a random delta^l and autograd's delta^{l-1}."""
    x = torch.tensor(rng.normal(size=(1, C, H, W)), requires_grad=True)
    pz = F.pad(x, (p[1], p[1], p[0], p[0]))
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    z = pool(pz, kernel_size=k, stride=s)
    d = torch.tensor(rng.normal(size=z.shape))
    (z * d).sum().backward()
    return x.detach().numpy()[0], pz.detach().numpy()[0], z.detach().numpy()[0], d.numpy()[0], x.grad.numpy()[0]


# output size (line 19), for windows that tile the padded input exactly (the post's shapes assume it)
ok19 = True
for H, k, s, p in itertools.product(range(2, 10), (1, 2, 3), (1, 2, 3), (0, 1)):
    if (H + 2 * p - k) % s or H + 2 * p < k or p > k // 2:
        continue
    z = F.max_pool2d(torch.zeros(1, 1, H, H + s), k, s, padding=p)
    ok19 &= z.shape[2:] == ((H + 2 * p - k) // s + 1, (H + s + 2 * p - k) // s + 1)
decide(19, ok19, "(H + 2p - k)/s + 1 against torch's pooled size wherever the windows tile the padded input")

k, s, p = (3, 2), (2, 2), (1, 1)
x, pz, z, d, dx = layer("max", 7, 5, k, s, p)
Ho, Wo = z.shape[1:]
win = lambda i, j: [(m, n) for m in range(i * s[0], i * s[0] + k[0]) for n in range(j * s[1], j * s[1] + k[1])]
z24 = np.array([[[max(pz[c, i, j] for (m, n) in win(i, j)) for j in range(Wo)] for i in range(Ho)] for c in range(2)])
decide(24, np.allclose(z24, z), "max over the window of pz_{c,i,j} (m, n never used) is pz_{c,i,j}, not the window's "
       f"max: {np.round(z24[0, 0], 3).tolist()} vs torch {np.round(z[0, 0], 3).tolist()}")
xa, pza, za, da, dxa = layer("avg", 7, 5, k, s, p)
z32 = np.array([[[sum(pza[c, i, j] for (m, n) in win(i, j)) / (k[0] * k[1]) for j in range(Wo)] for i in range(Ho)]
                for c in range(2)])
z32_intended = np.array([[[sum(pza[c, m, n] for (m, n) in win(i, j)) / (k[0] * k[1]) for j in range(Wo)]
                          for i in range(Ho)] for c in range(2)])
decide(32, np.allclose(z32, za), "the double sum of pz_{c,i,j}/(k1 k2) is pz_{c,i,j} again; with pz_{c,m,n} it would "
       f"match torch's avg_pool2d: {np.allclose(z32_intended, za)}")

g = rng.normal(size=(2, 5, 4))
gt = torch.tensor(g)
decide(43, np.allclose([g[c].max() for c in range(2)], gt.amax(dim=(1, 2)).numpy()),
       "global max: the max of z_{c,m,n} over the channel")
i, j = 1, 2          # line 47's free i, j: any choice gives H W copies of one entry
z47 = [sum(g[c, i, j] for m in range(5) for n in range(4)) / (5 * 4) for c in range(2)]
decide(47, np.allclose(z47, gt.mean(dim=(1, 2)).numpy()), "global average: the sum of z_{c,i,j} over m, n divided by "
       f"H W is z_{{c,i,j}} = {np.round(z47, 3).tolist()}, not the channel mean {np.round(gt.mean(dim=(1, 2)).numpy(), 3).tolist()}")

# max pooling backward (lines 57-71), overlapping windows (k 3, s 2) with zero padding 1
arg = {}
for c, i2, j2 in itertools.product(range(2), range(Ho), range(Wo)):
    w = win(i2, j2)
    arg.setdefault((c,) + w[int(np.argmax([pz[c, m, n] for (m, n) in w]))], []).append((i2, j2))
I_set = lambda c, a, b: arg.get((c, a, b), [])
# line 57 as printed: the argmax over m, n of pz_{c,i,j}, a constant, so every position ties; np.argmax takes the first
arg_printed = {}
for c, i2, j2 in itertools.product(range(2), range(Ho), range(Wo)):
    w = win(i2, j2)
    arg_printed.setdefault((c,) + w[int(np.argmax([pz[c, i2, j2] for (m, n) in w]))], []).append((i2, j2))
decide(57, arg_printed == arg, "argmax over the window of pz_{c,i,j} is no argmax (the argument never changes); the "
       "sets it gives differ from the windows' true maxima")
dpz = np.zeros_like(pz)
for c, a, b in itertools.product(range(2), range(pz.shape[1]), range(pz.shape[2])):
    dpz[c, a, b] = sum(d[c, i2, j2] for (i2, j2) in I_set(c, a, b))
crop = dpz[:, p[0]:7 + p[0], p[1]:5 + p[1]]
decide(62, np.allclose(crop, dx), "sum over I(c,a,b) of dL/dz_{c,i,j} dz_{c,i,j}/dpz_{c,a,b} (each factor 1 at the "
       "argmax), cropped, against autograd")
decide(64, np.allclose(crop, dx), "sum over I(c,a,b) of delta^l_{c,i,j}, cropped, against autograd (k 3, s 2, zero padding 1)")
pz_leaf = torch.tensor(pz, requires_grad=True)
(F.max_pool2d(pz_leaf[None], k, s)[0] * torch.tensor(d)).sum().backward()
decide(70, np.allclose(pz_leaf.grad.numpy()[:, p[0]:7 + p[0], p[1]:5 + p[1]], dx),
       "autograd's dL/dpz restricted to p_1 <= a < H + p_1, p_2 <= b < W + p_2 is autograd's dL/dz^(l-1)")
decide(71, np.allclose(crop, dx), "the cropped sums against autograd")

# average pooling backward (lines 81-102)
ok81 = all(set(m for (m, n) in win(i2, 0)) == set(range(i2 * s[0], i2 * s[0] + k[0])) for i2 in range(Ho))
decide(81, ok81, "output row i reads padded rows i s .. i s + k - 1")
for line, axis in ((84, 0), (85, 1)):
    rows = [(i2, set(range(i2 * s[axis], i2 * s[axis] + k[axis]))) for i2 in range(z.shape[1 + axis])]
    decide(line, all(set(q for q in range(pz.shape[1 + axis]) if i2 * s[axis] <= q <= i2 * s[axis] + k[axis] - 1) == r
                     for i2, r in rows), f"eq. (7) for axis {axis}: i s <= m <= i s + k - 1")


def inverse(m, kk, ss, nout, rule):
    lo = math.floor((m - kk + 1) / ss) if rule == "floor" else math.ceil((m - kk + 1) / ss)
    return [i2 for i2 in range(max(lo, 0), m // ss + 1) if i2 < nout]


truth_inv = lambda m, kk, ss, nout: [i2 for i2 in range(nout) if i2 * ss <= m <= i2 * ss + kk - 1]
bad = [(m, kk, ss) for kk, ss in itertools.product((2, 3), (2, 3)) for m in range(12)
       if inverse(m, kk, ss, 99, "floor") != truth_inv(m, kk, ss, 99)]
decide(91, not bad, f"floor((m-k+1)/s) <= i <= floor(m/s) against the windows holding m: differs at (m, k, s) = "
       f"{bad[:4]} ...; the lower bound is ceil((m-k+1)/s)")
decide(92, not bad, "the same bound for j and n")


def avg_back(kk, ss, pp, H, W, rule):
    xa, pza, za, da, dxa = layer("avg", H, W, kk, ss, pp)
    Ho2, Wo2 = za.shape[1:]
    dp = np.zeros_like(pza)
    for c, m, n in itertools.product(range(2), range(pza.shape[1]), range(pza.shape[2])):
        dp[c, m, n] = sum(da[c, i2, j2] for i2 in inverse(m, kk[0], ss[0], Ho2, rule)
                          for j2 in inverse(n, kk[1], ss[1], Wo2, rule)) / (kk[0] * kk[1])
    return np.allclose(dp[:, pp[0]:H + pp[0], pp[1]:W + pp[1]], dxa)


pza_leaf = torch.tensor(pza, requires_grad=True)
(F.avg_pool2d(pza_leaf[None], k, s)[0] * torch.tensor(da)).sum().backward()
decide(98, np.allclose(pza_leaf.grad.numpy()[:, p[0]:7 + p[0], p[1]:5 + p[1]], dxa),
       "average pooling: autograd's dL/dpz restricted to the unpadded rows and columns is autograd's dL/dz^(l-1)")
floor_22 = avg_back((2, 2), (2, 2), (0, 0), 6, 4, "floor")
floor_32 = avg_back((3, 3), (2, 2), (1, 1), 7, 5, "floor")
ceil_32 = avg_back((3, 3), (2, 2), (1, 1), 7, 5, "ceil")
decide(99, floor_22 and floor_32, f"sum of delta^l/(k1 k2) over the (i, j) of eq. (8) (>= 0, and kept inside the "
       f"output): 2x2 stride 2 {'holds' if floor_22 else 'fails'}, 3x3 stride 2 padding 1 {'holds' if floor_32 else 'fails'}; "
       f"with ceil bounds it holds: {ceil_32}")

# global pooling backward (lines 112, 123)
gt = torch.tensor(g, requires_grad=True)
dg = rng.normal(size=2)
(gt.amax(dim=(1, 2)) * torch.tensor(dg)).sum().backward()
d112 = np.zeros_like(g)
for c in range(2):
    d112[c][np.unravel_index(np.argmax(g[c]), g[c].shape)] = dg[c]
decide(112, np.allclose(d112, gt.grad.numpy()), "delta^l_c at the channel's argmax, 0 elsewhere, against autograd")
gt = torch.tensor(g, requires_grad=True)
(gt.mean(dim=(1, 2)) * torch.tensor(dg)).sum().backward()
Hl, Wprev, Hprev = 1, g.shape[2], g.shape[1]           # layer l is one-dimensional: read H^l as 1
d123 = np.broadcast_to((dg / (Hl * Wprev))[:, None, None], g.shape)
decide(123, np.allclose(d123, gt.grad.numpy()), f"delta^l_c/(H^l W^(l-1)) with H^l = 1 is delta/{Wprev}; autograd "
       f"gives delta/(H^(l-1) W^(l-1)) = delta/{Hprev * Wprev}")

finish()
