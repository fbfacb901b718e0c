"""Independent truth for tests/posts/conv/bishwarup307_convnet_backprop (NumPy and torch, no derive).

One 3x3 input X, one 2x2 filter W, no bias, stride 1, no padding: Z is 2x2. The reference is
torch.nn.functional.conv2d (cross-correlation, the CNN 'convolution') and its autograd; each printed
equation is evaluated on random values and compared. Indices in the post are 1-based."""
import numpy as np
import torch
import torch.nn.functional as F
from scipy.signal import convolve2d, correlate2d
# the shared bookkeeping (../verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(1)
X = rng.normal(size=(3, 3)); W = rng.normal(size=(2, 2)); dZ = rng.normal(size=(2, 2))
Xt = torch.tensor(X, requires_grad=True); Wt = torch.tensor(W, requires_grad=True)
Zt = F.conv2d(Xt[None, None], Wt[None, None])[0, 0]
(Zt * torch.tensor(dZ)).sum().backward()
Z, dX, dW = Zt.detach().numpy(), Xt.grad.numpy(), Wt.grad.numpy()
x = lambda r, c: X[r - 1, c - 1]; w = lambda r, c: W[r - 1, c - 1]; dz = lambda r, c: dZ[r - 1, c - 1]

# forward equations (lines 3-9)
for line, (r, c), value in (
        (3, (1, 1), w(1,1)*x(1,1) + w(1,2)*x(1,2) + w(2,1)*x(2,1) + w(2,2)*x(2,2)),
        (5, (1, 2), w(1,1)*x(1,2) + w(1,2)*x(1,3) + w(2,1)*x(2,2) + w(2,2)*x(2,3)),
        (7, (2, 1), w(1,1)*x(2,1) + w(1,2)*x(2,2) + w(2,1)*x(3,1) + w(2,2)*x(3,2)),
        (9, (2, 2), w(1,1)*x(2,2) + w(1,2)*x(2,3) + w(2,1)*x(3,2) + w(2,2)*x(3,3))):
    decide(line, np.isclose(value, Z[r - 1, c - 1]), f"Z{r}{c} against torch conv2d")

# dW (lines 13-19)
for line, (r, c), value in (
        (13, (1, 1), dz(1,1)*x(1,1) + dz(1,2)*x(1,2) + dz(2,1)*x(2,1) + dz(2,2)*x(2,2)),
        (15, (1, 2), dz(1,1)*x(1,2) + dz(1,2)*x(1,3) + dz(2,1)*x(2,2) + dz(2,2)*x(2,3)),
        (17, (2, 1), dz(1,1)*x(2,1) + dz(1,2)*x(2,2) + dz(2,1)*x(3,1) + dz(2,2)*x(3,2)),
        (19, (2, 2), dz(1,1)*x(2,2) + dz(1,2)*x(2,3) + dz(2,1)*x(3,2) + dz(2,2)*x(3,3))):
    decide(line, np.isclose(value, dW[r - 1, c - 1]), f"dW{r}{c} against autograd")

decide(33, np.isclose(w(1,1)*dz(1,1), dX[0, 0]), "dX11 against autograd")
decide(37, np.isclose(w(1,2)*dz(1,1) + w(1,1)*dz(1,2), dX[0, 1]), "dX12 against autograd")

# lines 41/45: rotate W by 180 degrees and slide it (the CNN 'convolution', a cross-correlation) over dZ
# padded for a full convolution; the post's (x) is that operation
rot = np.rot90(W, 2)
full = correlate2d(np.pad(dZ, 1), rot, mode="valid")
decide(41, np.allclose(full, dX), "rot180(W) slid over the fully padded dZ equals autograd dX")
# the general statement, on a bigger layer: 5x5 input, 3x3 filter
A = rng.normal(size=(5, 5)); K = rng.normal(size=(3, 3)); G = rng.normal(size=(3, 3))
At = torch.tensor(A, requires_grad=True)
(F.conv2d(At[None, None], torch.tensor(K)[None, None])[0, 0] * torch.tensor(G)).sum().backward()
decide(45, np.allclose(correlate2d(np.pad(G, 2), np.rot90(K, 2), mode="valid"), At.grad.numpy())
       and np.allclose(convolve2d(G, K, mode="full"), At.grad.numpy()),
       "5x5 input, 3x3 kernel: full convolution with the rotated kernel equals autograd")

finish()
