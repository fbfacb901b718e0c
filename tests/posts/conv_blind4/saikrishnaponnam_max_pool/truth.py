"""Independent truth for tests/posts/conv_blind4/saikrishnaponnam_max_pool (NumPy and torch, no derive).

The notes' max pooling: k x k windows R_{i,j} starting at (i s, j s) (0-based), Y_{i,j} = max over R_{i,j} of X_{m,n}.
torch max_pool2d and autograd are the reference, with continuous random inputs (no ties), for both settings the notes'
k and s allow: k = 2, s = 2 on a 6x6 input (windows that do not overlap) and k = 2, s = 1 and k = 3, s = 1 on a 5x5 input
(overlapping windows). The backward case formula is read literally: the gradient at (m, n) is dY_{i,j} for a window
R_{i,j} that holds (m, n) and whose max X_{m,n} is, else 0; where several windows have their max at (m, n) the formula
gives one of their dY_{i,j}, and the check accepts any of them."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402

rng = np.random.default_rng(7)
CASES = [(6, 2, 2), (5, 2, 1), (5, 3, 1)]                 # H = W, k, s

ok13 = ok15 = True
case_ok = {}
for H, k, s in CASES:
    X = rng.normal(size=(H, H))
    Xt = torch.tensor(X, requires_grad=True)
    Yt = F.max_pool2d(Xt[None, None], k, stride=s)[0, 0]
    dY = rng.normal(size=tuple(Yt.shape))
    (Yt * torch.tensor(dY)).sum().backward()
    Y, dX = Yt.detach().numpy(), Xt.grad.numpy()
    out = Y.shape[0]
    R = lambda i, j: [(m, n) for m in range(i * s, i * s + k) for n in range(j * s, j * s + k)]
    ok15 &= all(len(R(i, j)) == k * k and max(m for m, _ in R(i, j)) < H for i in range(out) for j in range(out))
    ok13 &= np.allclose([[max(X[m, n] for m, n in R(i, j)) for j in range(out)] for i in range(out)], Y)
    good, several = True, 0
    for m in range(H):
        for n in range(H):
            hits = [dY[i, j] for i in range(out) for j in range(out) if (m, n) in R(i, j) and X[m, n] == Y[i, j]]
            several += len(hits) > 1
            good &= np.any(np.isclose(hits or [0.0], dX[m, n]))
    case_ok[(H, k, s)] = (good, several)
    print(f"   k = {k}, s = {s}, {H}x{H}: case formula matches autograd everywhere: {good}; inputs that are the max of "
          f"several windows: {several}")

decide(13, ok13, "Y_{i,j} = max over R_{i,j} against torch max_pool2d (k = 2, s = 2; k = 2, s = 1; k = 3, s = 1)")
decide(15, ok15, "R_{i,j}: the k x k window starting at (i s, j s), inside the input for every output (i, j)")
nonoverlap_ok = case_ok[(6, 2, 2)][0]
overlap_bad = [c for c in CASES if not case_ok[c][0]]
decide(25, all(g for g, _ in case_ok.values()), f"right where windows do not overlap (s = k: {nonoverlap_ok}); with s < k, "
       f"which the notes' separate k and s allow, an input that is the max of several windows gets the sum of their "
       f"dY_{{i,j}} (autograd), not one of them (fails for {overlap_bad})")
unchecked(30, "how ties are broken or split is a convention, not a value")
finish()
