"""Independent truth for tests/posts/conv_blind2/pikazlou_conv_backprop_notebook (NumPy and torch, no derive).

The notebook's layer: X (3x3) '*' W (2x2) + b = Y (2x2), where '*' is the cross-correlation the post says it means
(torch's conv2d); dL/dY = G is given. The index x_{mn} is 1-based as in the post. Every formula is evaluated as printed
on random values and compared with torch conv2d and autograd; '*' in the result section is read the same way."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(21)
X = rng.normal(size=(3, 3)); W = rng.normal(size=(2, 2)); b = rng.normal(); G = rng.normal(size=(2, 2))


def corr(A, K):
    """The post's '*': valid cross-correlation (torch conv2d, no flip)."""
    return F.conv2d(torch.tensor(np.ascontiguousarray(A))[None, None], torch.tensor(np.ascontiguousarray(K))[None, None])[0, 0].numpy()


xt = torch.tensor(X, requires_grad=True); wt = torch.tensor(W, requires_grad=True)
bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
Y = F.conv2d(xt[None, None], wt[None, None])[0, 0] + bt
(Y * torch.tensor(G)).sum().backward()
Y = Y.detach().numpy(); dX, dW, db = xt.grad.numpy(), wt.grad.numpy(), bt.grad.item()
x = lambda m, n: X[m - 1, n - 1]; w = lambda m, n: W[m - 1, n - 1]; g = lambda m, n: G[m - 1, n - 1]

decide(6, np.allclose(corr(X, W) + b, Y), "X * W + b, '*' the cross-correlation, against torch conv2d")
decide(12, corr(X, W).shape == (2, 2) and np.allclose(corr(X, W) + b, Y),
       "3x3 '*' 2x2 + b is the 2x2 Y (display on lines 12-26)")
decide(35, np.isclose(x(1, 1) * w(1, 1) + x(1, 2) * w(1, 2) + x(2, 1) * w(2, 1) + x(2, 2) * w(2, 2) + b, Y[0, 0]), "y_11")
decide(39, np.isclose(x(1, 2) * w(1, 1) + x(1, 3) * w(1, 2) + x(2, 2) * w(2, 1) + x(2, 3) * w(2, 2) + b, Y[0, 1]), "y_12")
decide(49, np.isclose(g(1, 1) * w(1, 1) + 0 + 0 + 0, dX[0, 0]), "dL/dx_11 = dL/dy_11 w_11 against autograd")
decide(53, np.isclose(g(1, 1) * w(1, 2) + g(1, 2) * w(1, 1), dX[0, 1]), "dL/dx_12 = dL/dy_11 w_12 + dL/dy_12 w_11")
decide(61, np.isclose(g(1, 1) * x(1, 1) + g(1, 2) * x(1, 2) + g(2, 1) * x(2, 1) + g(2, 2) * x(2, 2), dW[0, 0]),
       "dL/dw_11 = sum dL/dy_ij x_ij against autograd")
decide(69, np.isclose(G.sum(), db), "dL/db = sum of dL/dy_ij")
decide(77, np.allclose(corr(X, G), dW), "dL/dW = X '*' dL/dY (the sentence) against autograd")
decide(80, np.allclose(W, corr(X, G)), f"the display's left side is the filter W itself, {np.round(W, 3).tolist()}; "
       f"X '*' dL/dY = {np.round(corr(X, G), 3).tolist()} is dL/dW (display on lines 80-94)")
Gp = np.pad(G, 1); Wflip = np.array([[w(2, 2), w(2, 1)], [w(1, 2), w(1, 1)]])
decide(97, np.allclose(corr(Gp, np.flip(W)), dX), "0-padded dL/dY '*' W flipped both ways against autograd dL/dX")
decide(100, np.allclose(corr(Gp, Wflip), dX), "the display: padded dL/dY '*' [[w22, w21], [w12, w11]] (display on lines 100-116)")
decide(119, np.isclose(corr(G, np.ones((2, 2)))[0, 0], db), "dL/db = dL/dY '*' ones(2x2), a 1x1 result")
decide(122, np.isclose(corr(G, np.ones((2, 2)))[0, 0], db), "the display (lines 122-132)")
finish()
