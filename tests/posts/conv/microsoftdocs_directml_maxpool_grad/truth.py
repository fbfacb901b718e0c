"""Independent truth for tests/posts/conv/microsoftdocs_directml_maxpool_grad (NumPy and torch, no derive).

2x2 max pooling, stride 1, no padding, on the 3x3 input of the page; the gradient tensor [[1, 2], [4, 5]] is
routed back with torch's max_pool2d autograd and with a plain NumPy loop, and every number of the page's two
tables is compared with them (flat indices are row-major, as the page's IndicesTensor)."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping (../verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verdicts import decide, finish, unchecked  # noqa: E402

X = np.array([[1, 2, 3], [2, 4, 2], [5, 6, 7]], dtype=float)
G = np.array([[1, 2], [4, 5]], dtype=float)

# NumPy: windows, their max and the row-major flat index of the max (first one on a tie), and the routed gradient
out = np.zeros((2, 2)); idx = np.zeros((2, 2), dtype=int); dX = np.zeros((3, 3))
for i in range(2):
    for j in range(2):
        win = X[i:i + 2, j:j + 2]
        r, c = np.unravel_index(np.argmax(win), (2, 2))
        out[i, j] = win[r, c]; idx[i, j] = (i + r) * 3 + (j + c); dX[i + r, j + c] += G[i, j]
# torch as a second reference
Xt = torch.tensor(X, requires_grad=True)
o, ind = F.max_pool2d(Xt[None, None], 2, stride=1, return_indices=True)
(o[0, 0] * torch.tensor(G)).sum().backward()
assert np.allclose(o[0, 0].detach().numpy(), out) and (ind[0, 0].numpy() == idx).all() and np.allclose(Xt.grad.numpy(), dX)
print("NumPy and torch agree: out", out.tolist(), "indices", idx.tolist(), "dX", dX.tolist())

decide(9, out[0].tolist() == [4, 4] and idx[0].tolist() == [4, 4], "first rows of OutputTensor and IndicesTensor")
decide(10, out[1].tolist() == [6, 7] and idx[1].tolist() == [7, 8], "second rows")
decide(18, dX[0].tolist() == [0, 0, 0], "row 0 of OutputGradientTensor")
decide(19, dX[1].tolist() == [0, 3, 0], "row 1: the 4 at (1,1) is the max of two windows, 1 + 2")
decide(20, dX[2].tolist() == [0, 4, 5], "row 2")
# line 23: the rule itself, on random inputs (ties have probability 0): routing and summing equals autograd
rng = np.random.default_rng(0); ok = True
for _ in range(50):
    A = rng.normal(size=(5, 5)); H = rng.normal(size=(4, 4)); R = np.zeros((5, 5))
    for i in range(4):
        for j in range(4):
            r, c = np.unravel_index(np.argmax(A[i:i + 2, j:j + 2]), (2, 2)); R[i + r, j + c] += H[i, j]
    At = torch.tensor(A, requires_grad=True)
    (F.max_pool2d(At[None, None], 2, stride=1)[0, 0] * torch.tensor(H)).sum().backward()
    ok &= np.allclose(At.grad.numpy(), R)
decide(23, ok, "route each window's gradient to its max, summing where windows share it: equals autograd on 50 random inputs")
unchecked(25, "tie-breaking is a convention (at a tie max is not differentiable; any convex split is a subgradient)")

finish()
