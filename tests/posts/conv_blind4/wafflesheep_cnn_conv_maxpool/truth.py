"""Independent truth for tests/posts/conv_blind4/wafflesheep_cnn_conv_maxpool (NumPy and torch, no derive).

The post's operation '*' is the valid cross-correlation A * B (B slides over A): (A * B)_{p,q} = sum_{r,s} A_{p+r,q+s} B_{r,s},
as its display of Y = W * X writes out entry by entry (W 3x3 is the operand that is slid over, X 2x2 the one that slides;
the post's indices are 1-based, NumPy's 0-based). c is any scalar function of Y; here c = sum(G * Y) with random G, so
dc/dY = G. torch conv2d (also a cross-correlation) and autograd are the reference: Y = conv2d(W, X), the Jacobian dY/dX,
dc/dX and dc/dW. The max-pool example is the post's own A (4x4, 2x2 pool) against torch max_pool2d and autograd. The
multi-channel layer O_j = sum_i I_i * K_ij is checked with n = 2 input and m = 3 output channels (5x5 inputs, 2x2 kernels);
pad(.) is zero padding by (kernel size - 1) on every side and flip(.) the 180-degree rotation, as the post defines them."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(41)


def corr(A, B):
    """The post's A * B: valid cross-correlation, B sliding over A."""
    p, q = A.shape[0] - B.shape[0] + 1, A.shape[1] - B.shape[1] + 1
    return np.array([[np.sum(A[i:i + B.shape[0], j:j + B.shape[1]] * B) for j in range(q)] for i in range(p)])


def pad(A, k):
    return np.pad(A, k - 1)


flip = lambda A: A[::-1, ::-1]

W = rng.normal(size=(3, 3)); X = rng.normal(size=(2, 2)); G = rng.normal(size=(2, 2))
w = lambda a, b: W[a - 1, b - 1]
x = lambda a, b: X[a - 1, b - 1]
g = lambda a, b: G[a - 1, b - 1]
Wt = torch.tensor(W, requires_grad=True); Xt = torch.tensor(X, requires_grad=True)
Yt = F.conv2d(Wt[None, None], Xt[None, None])[0, 0]
(Yt * torch.tensor(G)).sum().backward()
Y, dX, dW = Yt.detach().numpy(), Xt.grad.numpy(), Wt.grad.numpy()
J = torch.autograd.functional.jacobian(lambda t: F.conv2d(torch.tensor(W)[None, None], t[None, None])[0, 0],
                                       torch.tensor(X)).numpy()          # J[p, q, r, s] = dy_{p+1,q+1}/dx_{r+1,s+1}
dy = lambda p, q, r, s: J[p - 1, q - 1, r - 1, s - 1]

# lines 38, 40: Y = W * X written out
y38 = [w(1, 1) * x(1, 1) + w(1, 2) * x(1, 2) + w(2, 1) * x(2, 1) + w(2, 2) * x(2, 2),
       w(1, 2) * x(1, 1) + w(1, 3) * x(1, 2) + w(2, 2) * x(2, 1) + w(2, 3) * x(2, 2)]
y40 = [w(2, 1) * x(1, 1) + w(2, 2) * x(1, 2) + w(3, 1) * x(2, 1) + w(3, 2) * x(2, 2),
       w(2, 2) * x(1, 1) + w(2, 3) * x(1, 2) + w(3, 2) * x(2, 1) + w(3, 3) * x(2, 2)]
decide(38, np.allclose(y38, Y[0]), "first row of Y = W * X against torch conv2d(W, X) (a cross-correlation)")
decide(40, np.allclose(y40, Y[1]), "second row of Y = W * X against torch conv2d(W, X)")

# lines 51-81: the sixteen printed entries dy_{ab}/dx_{cd} = w_{ef}, against the Jacobian of conv2d
entries = {51: (1, 1, 1, 1, 1, 1), 53: (1, 1, 1, 2, 1, 2), 55: (1, 1, 2, 1, 2, 1), 57: (1, 1, 1, 2, 2, 2),
           59: (1, 2, 1, 1, 1, 2), 61: (1, 2, 1, 2, 1, 3), 63: (1, 2, 2, 1, 2, 2), 65: (1, 2, 1, 2, 2, 3),
           67: (2, 1, 1, 1, 2, 1), 69: (2, 1, 1, 2, 2, 2), 71: (2, 1, 2, 1, 3, 1), 73: (2, 1, 1, 2, 3, 2),
           75: (2, 2, 1, 1, 2, 2), 77: (2, 2, 1, 2, 2, 3), 79: (2, 2, 2, 1, 3, 2), 81: (2, 2, 1, 2, 3, 3)}
for line, (a, b, c, d, e, f) in entries.items():
    ok = np.isclose(dy(a, b, c, d), w(e, f))
    why = f"dy_{a}{b}/dx_{c}{d} = w_{e}{f} against the Jacobian of conv2d"
    if not ok:
        true = [f"w_{i}{j}" for i in (1, 2, 3) for j in (1, 2, 3) if np.isclose(dy(a, b, c, d), w(i, j))]
        why += (f": dy_{a}{b}/dx_{c}{d} is {true[0]} (the same row's other entry says so); w_{e}{f} is "
                f"dy_{a}{b}/dx_22 (x_12 written for x_22)")
    decide(line, ok, why)

# lines 107, 109: the chain rule, entry by entry
chain = np.array([[sum(g(p, q) * dy(p, q, r, s) for p in (1, 2) for q in (1, 2)) for s in (1, 2)] for r in (1, 2)])
decide(107, np.allclose(chain[0], dX[0]), "sum_pq dc/dy_pq dy_pq/dx_1s (s = 1, 2) with torch's Jacobian, against autograd")
decide(109, np.allclose(chain[1], dX[1]), "sum_pq dc/dy_pq dy_pq/dx_2s with torch's Jacobian, against autograd")
r115 = [g(1, 1) * w(1, 1) + g(1, 2) * w(1, 2) + g(2, 1) * w(2, 1) + g(2, 2) * w(2, 2),
        g(1, 1) * w(1, 2) + g(1, 2) * w(1, 3) + g(2, 1) * w(2, 2) + g(2, 2) * w(2, 3)]
r117 = [g(1, 1) * w(2, 1) + g(1, 2) * w(2, 2) + g(2, 1) * w(3, 1) + g(2, 2) * w(3, 2),
        g(1, 1) * w(2, 2) + g(1, 2) * w(2, 3) + g(2, 1) * w(3, 2) + g(2, 2) * w(3, 3)]
decide(115, np.allclose(r115, dX[0]), "first row of dc/dX in w's against autograd (the right entries, not lines 57/65)")
decide(117, np.allclose(r117, dX[1]), "second row of dc/dX in w's against autograd")
decide(136, np.allclose(corr(W, G), dX), "dc/dX = W * dc/dY (valid cross-correlation of W with G) against autograd")

# lines 158-162, 184, 189: dc/dW
r158 = [g(1, 1) * x(1, 1), g(1, 1) * x(1, 2) + g(1, 2) * x(1, 1), g(1, 2) * x(1, 2)]
r160 = [g(1, 1) * x(2, 1) + g(2, 1) * x(1, 1), g(1, 1) * x(2, 2) + g(1, 2) * x(2, 1) + g(2, 1) * x(1, 2) + g(2, 2) * x(1, 1),
        g(1, 2) * x(2, 2) + g(2, 2) * x(1, 2)]
r162 = [g(2, 1) * x(2, 1), g(2, 1) * x(2, 2) + g(2, 2) * x(2, 1), g(2, 2) * x(2, 2)]
decide(158, np.allclose(r158, dW[0]), "first row of dc/dW against autograd")
decide(160, np.allclose(r160, dW[1]), "second row of dc/dW against autograd")
decide(162, np.allclose(r162, dW[2]), "third row of dc/dW against autograd")
decide(184, np.allclose(corr(pad(G, 2), flip(X)), dW), "pad(dc/dY) * flip(X), G padded to 4x4, against autograd")
decide(189, pad(G, 2).shape == (4, 4) and np.allclose(corr(pad(G, X.shape[0]), flip(X)), dW),
       "a pad of (kernel size - 1) = 1 around the 2x2 dc/dY gives the 4x4 matrix of the display and autograd's dc/dW")

# the max function and the post's max-pool example
v = torch.tensor([5.0, 9.0, 7.0, 6.0], dtype=torch.float64, requires_grad=True)
v.max().backward()
decide(209, v.max().item() == 9, "max(5, 9, 7, 6) = 9")
decide(213, 0 * 5 + 1 * 9 + 0 * 7 + 0 * 6 == 9, "0*5 + 1*9 + 0*7 + 0*6 = 9, the max")
decide(216, np.array_equal(v.grad.numpy(), [0, 1, 0, 0]), "dy/dx = (0, 1, 0, 0) from autograd of max")
A = torch.tensor([[5, 2, 7, 4], [6, 3, 2, 1], [8, 6, 5, 9], [1, 3, 6, 1]], dtype=torch.float64, requires_grad=True)
Bt = F.max_pool2d(A[None, None], 2)[0, 0]
Gb = rng.normal(size=(2, 2))
(Bt * torch.tensor(Gb)).sum().backward()
Bn, dA = Bt.detach().numpy(), A.grad.numpy()
decide(244, np.array_equal(Bn[0], [6, 7]), "first row of maxpool(A), 2x2 pool, against torch max_pool2d")
decide(245, np.array_equal(Bn[1], [8, 9]), "second row of maxpool(A) against torch max_pool2d")
b = lambda p, q: Gb[p - 1, q - 1]
rows = {257: [0, 0, b(1, 2), 0], 258: [b(1, 1), 0, 0, 0], 259: [b(2, 1), 0, 0, b(2, 2)], 260: [0, 0, 0, 0]}
for line, row in rows.items():
    decide(line, np.allclose(row, dA[line - 257]), f"row {line - 256} of dc/dA (dc/dB placed at the maxima) against autograd")

# the multi-channel layer: n = 2 inputs, m = 3 outputs
n, m = 2, 3
I = rng.normal(size=(n, 5, 5)); K = rng.normal(size=(n, m, 2, 2)); GO = rng.normal(size=(m, 4, 4))
It = torch.tensor(I, requires_grad=True); Kt = torch.tensor(K, requires_grad=True)
Ot = F.conv2d(It[None], Kt.permute(1, 0, 2, 3))[0]          # conv2d weight [out, in, kh, kw]
(Ot * torch.tensor(GO)).sum().backward()
O, dI, dK = Ot.detach().numpy(), It.grad.numpy(), Kt.grad.numpy()
decide(274, np.allclose([sum(corr(I[i], K[i, j]) for i in range(n)) for j in range(m)], O),
       "O_j = sum_i I_i * K_ij against torch conv2d with n = 2 inputs, m = 3 outputs")
per_j = [[corr(pad(GO[j], 2), flip(K[i, j])) for j in range(m)] for i in range(n)]
any_j = any(np.allclose(per_j[i][j], dI[i]) for i in range(n) for j in range(m))
summed = all(np.allclose(sum(per_j[i][j] for j in range(m)), dI[i]) for i in range(n))
decide(283, any_j, "pad(dc/dO_j) * flip(K_ij) for any one j is not autograd's dc/dI_i: I_i feeds all m output channels, so "
       f"dc/dI_i = sum_j pad(dc/dO_j) * flip(K_ij) (the sum matches autograd: {summed}); the sum over j is missing")
decide(284, all(np.allclose(corr(I[i], GO[j]), dK[i, j]) for i in range(n) for j in range(m)),
       "dc/dK_ij = I_i * dc/dO_j against autograd")
finish()
