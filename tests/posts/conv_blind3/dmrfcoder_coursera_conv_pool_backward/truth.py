"""Independent truth for tests/posts/conv_blind3/dmrfcoder_coursera_conv_pool_backward (NumPy and torch, no derive).

The notes' conv layer (the deeplearning.ai assignment's layout, channels last): A_prev [m, n_H_prev, n_W_prev, n_C_prev],
W [f, f, n_C_prev, n_C], b [n_C], stride s, padding pad, Z [m, n_H, n_W, n_C] with Z[i,h,w,c] = sum(a_slice * W[..., c])
+ b[c] over the window a_slice = A_prev_pad[i, h*s : h*s+f, w*s : w*s+f, :]. torch conv2d and autograd are the
reference (m = 2, 5x5x3 input, two 3x3 filters, stride 1, pad 1). Formulas (1) and (2) are read per training example
and filter, with the '+=' into the window a_slice came from (as the notes' code lines have it), and their sums over
h = 0 .. n_H, w = 0 .. n_W read literally: dZ has rows 0 .. n_H - 1, so dZ_{n_H, w} is undefined. The pooling
examples (4) and (5) are checked with torch max_pool2d / avg_pool2d and autograd on the notes' own numbers."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(14)
m, nHp, nWp, nCp, f, nC, s, pad = 2, 5, 5, 3, 3, 2, 1, 1
A = rng.normal(size=(m, nHp, nWp, nCp)); W = rng.normal(size=(f, f, nCp, nC)); b = rng.normal(size=nC)
At = torch.tensor(A.transpose(0, 3, 1, 2), requires_grad=True); Wt = torch.tensor(W.transpose(3, 2, 0, 1), requires_grad=True)
bt = torch.tensor(b, requires_grad=True)
Zt = F.conv2d(At, Wt, bt, stride=s, padding=pad)
dZ = rng.normal(size=tuple(Zt.permute(0, 2, 3, 1).shape))
(Zt.permute(0, 2, 3, 1) * torch.tensor(dZ)).sum().backward()
dA = At.grad.numpy().transpose(0, 2, 3, 1); dW = Wt.grad.numpy().transpose(2, 3, 1, 0); db = bt.grad.numpy()
nH, nW = dZ.shape[1:3]
Ap = np.pad(A, ((0, 0), (pad, pad), (pad, pad), (0, 0)))


def strict_dZ(i, h, w, c):
    if not (0 <= h < nH and 0 <= w < nW):
        raise IndexError((h, w))
    return dZ[i, h, w, c]


def run(h_range, w_range):
    """Formulas (1)-(3) accumulated over the given h, w ranges; None where they name an entry that does not exist."""
    dAp = np.zeros_like(Ap); dW_ = np.zeros_like(W); db_ = np.zeros(nC)
    try:
        for i in range(m):
            for h in h_range:
                for w in w_range:
                    for c in range(nC):
                        g = strict_dZ(i, h, w, c)
                        dAp[i, h * s:h * s + f, w * s:w * s + f, :] += W[:, :, :, c] * g
                        dW_[:, :, :, c] += Ap[i, h * s:h * s + f, w * s:w * s + f, :] * g
                        db_[c] += g
    except IndexError:
        return None
    return dAp[:, pad:-pad, pad:-pad, :], dW_, db_


literal = run(range(nH + 1), range(nW + 1))                 # h = 0 .. n_H, w = 0 .. n_W as printed
loops = run(range(nH), range(nW))                           # the code's for-loops over range(n_H), range(n_W)
decide(8, literal is not None and np.allclose(literal[0], dA), f"h runs 0 .. n_H = {nH}: dZ has rows 0 .. {nH - 1}, so "
       f"dZ_{{n_H,w}} is undefined; over h < n_H, w < n_W the accumulation matches autograd: {np.allclose(loops[0], dA)}")
decide(14, np.allclose(loops[0], dA), "da_prev_pad[window] += W[..., c] * dZ[i, h, w, c] over the loops, unpadded, against autograd")
decide(20, literal is not None and np.allclose(literal[1], dW), f"h runs 0 .. n_H again (dZ_{{n_H,w}} undefined); over "
       f"h < n_H, w < n_W it matches autograd: {np.allclose(loops[1], dW)}")
decide(26, np.allclose(loops[1], dW), "dW[..., c] += a_slice * dZ[i, h, w, c] over the loops against autograd")
decide(33, np.allclose(dZ.sum(axis=(0, 1, 2)), db), "db = sum_h sum_w dZ_hw (and over the examples) against autograd")
decide(39, np.allclose(loops[2], db), "db[c] += dZ[i, h, w, c] over the loops against autograd")
# (4): the max of [[1, 3], [4, 2]] is 4, at row 1, column 0
X = torch.tensor([[[[1.0, 3.0], [4.0, 2.0]]]], dtype=torch.float64, requires_grad=True)
F.max_pool2d(X, 2).sum().backward()
decide(50, np.array_equal(X.grad[0, 0].numpy(), [[0, 0], [1, 0]]), "the mask of [[1, 3], [4, 2]] is torch max_pool2d's "
       "gradient for dZ = 1: [[0, 0], [1, 0]]")
# (5): dZ = 1 through a 2x2 average pool spreads 1/4 to each entry
X2 = torch.tensor(rng.normal(size=(1, 1, 2, 2)), requires_grad=True)
F.avg_pool2d(X2, 2).sum().backward()
decide(65, np.allclose(X2.grad[0, 0].numpy(), [[0.25, 0.25], [0.25, 0.25]]), "dZ = 1 through a 2x2 average pool: 1/4 at "
       "every entry (torch avg_pool2d and autograd)")
finish()
