"""Independent truth for tests/posts/conv_holdout/parasdahal_deepnotes_conv_layer (NumPy and torch, no derive).

The post's layer: Z_ij = sum_{a,b=0}^{m-1} W_ab a_{(i+a)(j+b)} over the (zero-padded) input a^{l-1}, stride 1, an m x m
filter (the CNN cross-correlation, torch's conv2d). Its worked example: a 4x4 image holding 0..15, padding 1, a 2x2
filter, im2col patches. Worked numbers are recomputed; formulas are evaluated on random values against torch's
conv2d and autograd. N in the sums' upper limit N-m is read as the side of the (padded) input, as the sums need."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy.signal import correlate2d

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

# -- the worked example: a 1x1x4x4 image holding 0..15, padding 1, stride 1, 2x2 filters ---------------------
img = np.arange(16.0).reshape(4, 4)
pad = np.pad(img, 1)
rng = np.random.default_rng(7)
A = rng.normal(size=(6, 6)); Wr = rng.normal(size=(3, 3))       # a random (padded) 6x6 input and 3x3 filter
Zpost = np.array([[sum(Wr[a, b] * A[i + a, j + b] for a in range(3) for b in range(3)) for j in range(4)]
                  for i in range(4)])
decide(8, np.allclose(Zpost, F.conv2d(torch.tensor(A)[None, None], torch.tensor(Wr)[None, None])[0, 0].numpy()),
       "Z_ij = sum_{a,b=0}^{m-1} W_ab a_(i+a)(j+b) on a random 6x6 input, m = 3, equals torch conv2d")

decide(15, pad.shape == (6, 6), f"padding a 4x4 image by P=1 gives {pad.shape}")
out = F.conv2d(torch.tensor(img)[None, None], torch.ones(1, 1, 2, 2, dtype=torch.float64), padding=1)
printed = 4 - 2 / 1 + 1
decide(34, printed == 5, f"4-2/1+1 = {printed:g} (and (4-2)/1+1 = {(4 - 2) / 1 + 1:g}); the count of positions is "
       f"{out.shape[-1]} = (H-F+2P)/S+1 = (4-2+2)/1+1, the printed sum drops the padding's 2P")

patch = lambda r, c: pad[r:r + 2, c:c + 2]
for line, c, row in ((48, 1, [0, 1]), (54, 2, [1, 2]), (60, 3, [3, 0])):
    decide(line, np.array_equal(patch(0, c)[1], row),
           f"X_{c}'s second row is padded row 1, columns {c}..{c + 1}: {patch(0, c)[1].astype(int).tolist()}; printed {row}"
           + ("" if np.array_equal(patch(0, c)[1], row) else f" (that is X_4: {patch(0, 4)[1].astype(int).tolist()})"))

# im2col: one column per position (row-major), one row per filter entry (top-left, top-right, bottom-left, bottom-right)
Xcol = np.array([[patch(r, c)[ki, kj] for r in range(5) for c in range(5)] for ki in range(2) for kj in range(2)])
printed_rows = {
    74: "0&0&0&0&0&0&0&1&2&3&0&4&5&6&7&0&8&9&10&11&0&12&13&14&15",
    75: "0&0&0&0&0&0&1&2&3&0&4&5&6&7&0&8&9&10&11&0&12&13&14&15&0",
    76: "0&0&1&2&3&0&4&5&6&7&0&8&9&10&11&0&12&13&14&15&0&0&0&0&0",
    77: "0&1&2&3&0&4&5&6&7&0&8&9&10&11&0&12&13&14&15&0&0&0&0&0&0"}
for k, (line, row) in enumerate(printed_rows.items()):
    decide(line, np.array_equal(Xcol[k], [float(v) for v in row.split("&")]), f"X_col row {k} recomputed from the padded image")
decide(67, Xcol.shape == (4, 25), f"25 positions, a 1x2x2 patch stretched to 4x1: X_col is {Xcol.shape}")
Wf = rng.normal(size=(3, 1, 2, 2))
Wrow = Wf.reshape(3, -1)
res = Wrow @ Xcol
torch_out = F.conv2d(torch.tensor(img)[None, None], torch.tensor(Wf), padding=1).numpy()
decide(84, Wrow.shape == (3, 4), f"3 filters of 1x2x2 stretched: W_row is {Wrow.shape}")
decide(86, res.shape == (3, 25) and np.allclose(res.reshape(1, 3, 5, 5), torch_out),
       f"W_row X_col is {res.shape}, reshaped to {torch_out.shape} it equals torch conv2d with padding 1")

# -- the backward formulas, on a random 6x6 (padded) input, 3x3 filter, stride 1: output 4x4 ----------------
N, m = 6, 3
At = torch.tensor(A, requires_grad=True); Wt = torch.tensor(Wr, requires_grad=True)
dZ = rng.normal(size=(N - m + 1, N - m + 1))
(F.conv2d(At[None, None], Wt[None, None])[0, 0] * torch.tensor(dZ)).sum().backward()
dW, dA = Wt.grad.numpy(), At.grad.numpy()
J_W = torch.autograd.functional.jacobian(lambda w: F.conv2d(torch.tensor(A)[None, None], w[None, None])[0, 0],
                                         torch.tensor(Wr)).numpy()           # dZ_ij / dW_ab
J_A = torch.autograd.functional.jacobian(lambda x: F.conv2d(x[None, None], torch.tensor(Wr)[None, None])[0, 0],
                                         torch.tensor(A)).numpy()            # dZ_ij / da_kl
rng_out = range(N - m + 1)
dW99 = np.array([[sum(dZ[i, j] * J_W[i, j, a, b] for i in rng_out for j in rng_out) for b in range(m)] for a in range(m)])
dW100 = np.array([[sum(dZ[i, j] * A[i + a, j + b] for i in rng_out for j in rng_out) for b in range(m)] for a in range(m)])
decide(99, np.allclose(dW99, dW), "sum over i,j = 0..N-m of dC/dZ_ij dZ_ij/dW_ab against autograd")
decide(100, np.allclose(dW100, dW), "sum over i,j of dC/dZ_ij a_(i+a)(j+b) against autograd")
decide(104, np.allclose(J_W, np.array([[[[A[i + a, j + b] for b in range(m)] for a in range(m)] for j in rng_out]
                                        for i in rng_out])), "dZ_ij/dW_ab = a_(i+a)(j+b) against torch's Jacobian")
bt = torch.zeros(1, dtype=torch.float64, requires_grad=True)
(F.conv2d(torch.tensor(A)[None, None], torch.tensor(Wr)[None, None], bt)[0, 0] * torch.tensor(dZ)).sum().backward()
decide(113, np.isclose(dZ.sum(), bt.grad.item()), "sum of dC/dZ_ij against autograd dC/db")

inside = lambda i, j: 0 <= i <= N - m and 0 <= j <= N - m
dA123 = np.array([[sum(dZ[i - a, j - b] * J_A[i - a, j - b, i, j] for a in range(m) for b in range(m) if inside(i - a, j - b))
                   for j in range(N)] for i in range(N)])
dA124 = np.array([[sum(dZ[i - a, j - b] * Wr[a, b] for a in range(m) for b in range(m) if inside(i - a, j - b))
                   for j in range(N)] for i in range(N)])
decide(123, np.allclose(dA123, dA), "sum over a,b of dC/dZ_(i-a)(j-b) dZ_(i-a)(j-b)/da_ij (terms outside Z are 0) against autograd")
decide(124, np.allclose(dA124, dA), "sum over a,b of dC/dZ_(i-a)(j-b) W_ab against autograd")
decide(127, np.allclose(correlate2d(np.pad(dZ, m - 1), np.rot90(Wr, 2), mode="valid"), dA),
       "the same as sliding W flipped along both axes over dZ padded by m-1 (a full convolution)")

finish()
