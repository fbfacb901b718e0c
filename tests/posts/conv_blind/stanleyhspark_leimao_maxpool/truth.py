"""Independent truth for tests/posts/conv_blind/stanleyhspark_leimao_maxpool (NumPy and torch, no derive).

P_i = f(sum_j W_ij PR_j) checked with f = tanh against autograd; max pooling (2x2, stride 2) against torch max_pool2d."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402

rng = np.random.default_rng(4)
unchecked(3, "a definition with f and W left general")
PR = torch.tensor(rng.normal(size=6), requires_grad=True); Wm = torch.tensor(rng.normal(size=(4, 6)))
Pv = torch.tanh(Wm @ PR); g = torch.tensor(rng.normal(size=4)); (Pv * g).sum().backward()
fprime = 1 - Pv.detach().numpy() ** 2
decide(7, np.allclose(PR.grad.numpy(), (g.numpy() * fprime) @ Wm.numpy()), "sum_i grad(P_i) f'_i W_ij against autograd")
x = torch.tensor(rng.normal(size=(1, 1, 4, 4)), requires_grad=True)
out, idx = F.max_pool2d(x, 2, 2, return_indices=True); gout = torch.tensor(rng.normal(size=out.shape)); (out * gout).sum().backward()
flat = x.detach().numpy().ravel(); Wp = np.zeros((4, 16))
for i, (r, c) in enumerate([(0, 0), (0, 2), (2, 0), (2, 2)]):
    for a in range(2):
        for bb in range(2):
            Wp[i, (r + a) * 4 + c + bb] = 1
grad = x.grad.numpy().ravel(); gi = gout.numpy().ravel(); maxes = idx.numpy().ravel()
decide(11, np.allclose(grad[maxes], [gi @ Wp[:, j] for j in maxes]), "grad at each window's max = sum_i grad(P_i) W_{i,max}")
others = np.setdiff1d(np.arange(16), maxes)
decide(13, np.allclose(grad[others], 0), "autograd gives 0 at every non-max input")
finish()
