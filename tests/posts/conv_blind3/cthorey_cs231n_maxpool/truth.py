"""Independent truth for tests/posts/conv_blind3/cthorey_cs231n_maxpool (NumPy and torch, no derive).

The post's max pooling (CS231n notation): x [N, C, H, W], pooling regions H_p x W_p at stride S, y [N, C, H_1, W_1],
y_{n,c,k,l} the max of x_{n,c,p+kS,q+lS} over 0 <= p < H_p, 0 <= q < W_p (the post's code: x[n, c, k*S:k*S+Hp,
l*S:l*S+Wp]); (p_m, q_m) the position in x of that max, which depends on n, c, k, l. torch max_pool2d and autograd
are the reference, with continuous random inputs (no ties), N = 2, C = 3, and both 6x6 with 2x2 regions at S = 2
(non-overlapping) and 5x5 with 3x3 regions at S = 1 (overlapping, where an input can be the max of several regions)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402

rng = np.random.default_rng(21)
CASES = [(2, 3, 6, 6, 2, 2, 2), (2, 3, 5, 5, 3, 3, 1)]        # N, C, H, W, Hp, Wp, S


def setup(N, C, H, W, Hp, Wp, S):
    x = rng.normal(size=(N, C, H, W))
    xt = torch.tensor(x, requires_grad=True)
    y = F.max_pool2d(xt, (Hp, Wp), stride=S)
    G = rng.normal(size=tuple(y.shape)); (y * torch.tensor(G)).sum().backward()
    return x, y.detach().numpy(), G, xt.grad.numpy()


ok11 = ok30 = ok43 = ok56 = ok65 = ok72 = ok73 = ok74 = True
for case in CASES:
    N, C, H, W, Hp, Wp, S = case
    x, y, G, dx = setup(*case)
    H1, W1 = y.shape[2:]
    ok11 &= (H1, W1) == ((H - Hp) // S + 1, (W - Wp) // S + 1) and (H - Hp) % S == 0
    # line 30: the printed matrix runs rows kS .. kS+H_p and columns lS .. lS+W_p (corners included)
    printed = np.full(y.shape, np.nan)
    for k in range(H1):
        for l in range(W1):
            win = x[:, :, k * S:k * S + Hp + 1, l * S:l * S + Wp + 1]
            if k * S + Hp < H and l * S + Wp < W:                   # where the printed corners exist at all
                printed[:, :, k, l] = win.max(axis=(2, 3))
    ok30 &= np.allclose(printed, y)
    ok43 &= np.allclose([[[[x[n, c, k * S:k * S + Hp, l * S:l * S + Wp].max() for l in range(W1)] for k in range(H1)]
                          for c in range(C)] for n in range(N)], y)
    # (p_m, q_m) for every (n, c, k, l), and the local derivative dy_{n,c,k,l}/dx_{n',c',i,j} from torch
    pm = np.zeros(y.shape, int); qm = np.zeros(y.shape, int)
    for n in range(N):
        for c in range(C):
            for k in range(H1):
                for l in range(W1):
                    a = np.unravel_index(np.argmax(x[n, c, k * S:k * S + Hp, l * S:l * S + Wp]), (Hp, Wp))
                    pm[n, c, k, l], qm[n, c, k, l] = a[0] + k * S, a[1] + l * S
    ok65 &= np.allclose(np.take_along_axis(x.reshape(N, C, -1), (pm * W + qm).reshape(N, C, -1), 2).reshape(y.shape), y)
    J = torch.autograd.functional.jacobian(lambda t: F.max_pool2d(t, (Hp, Wp), stride=S), torch.tensor(x)).numpy()
    chain = np.einsum("nckl,nckl...->...", G, J)
    ok56 &= np.allclose(chain, dx); ok72 &= np.allclose(chain, dx)
    d73 = np.zeros_like(x); d74 = np.zeros_like(x)
    for n2 in range(N):
        for c2 in range(C):
            for i in range(H):
                for j in range(W):
                    d73[n2, c2, i, j] = sum(G[n, c, k, l] * (n == n2) * (c == c2) * (i == pm[n, c, k, l]) * (j == qm[n, c, k, l])
                                            for n in range(N) for c in range(C) for k in range(H1) for l in range(W1))
                    d74[n2, c2, i, j] = sum(G[n2, c2, k, l] * (i == pm[n2, c2, k, l]) * (j == qm[n2, c2, k, l])
                                            for k in range(H1) for l in range(W1))
    ok73 &= np.allclose(d73, dx); ok74 &= np.allclose(d74, dx)

decide(11, ok11, "H_1 = (H - H_p)/S + 1 against torch max_pool2d (sizes where S divides H - H_p)")
decide(12, ok11, "W_1 = (W - W_p)/S + 1 against torch max_pool2d")
unchecked(20, "names the width H_w, a symbol used nowhere else (the formulas use W_p); states no value")
decide(30, ok30, "the printed matrix spans rows kS .. kS+H_p and columns lS .. lS+W_p, an (H_p+1) x (W_p+1) block: its max "
       "is not torch's max_pool2d (the region is kS .. kS+H_p-1, as line 43 and the post's code have it)")
decide(43, ok43, "max over 0 <= p < H_p, 0 <= q < W_p of x_{n,c,p+kS,q+lS} against torch max_pool2d")
decide(56, ok56, "sum_{n,c,k,l} dL/dy dy/dx with torch's Jacobian of max_pool2d, against autograd")
decide(65, ok65, "y_{n,c,k,l} = x_{n,c,p_m,q_m} with (p_m, q_m) the argmax of the region")
decide(72, ok72, "the chain rule restated")
decide(73, ok73, "sum_{n,c,k,l} dL/dy delta_{n,n'} delta_{c,c'} delta_{i,p_m} delta_{j,q_m} against autograd (overlapping too)")
decide(74, ok74, "sum_{k,l} dL/dy_{n',c',k,l} delta_{i,p_m} delta_{j,q_m} against autograd: gradients add where an input is "
       "the max of several regions")
finish()
