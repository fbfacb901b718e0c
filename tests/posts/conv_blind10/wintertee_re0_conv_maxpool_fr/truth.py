"""Independent truth for tests/posts/conv_blind10/wintertee_re0_conv_maxpool_fr (NumPy and torch, no derive).

The post's layers (French): a single-channel 'valid' convolution of an N x N image x with an n x n filter (w, b),
indices from 1, z_{i,j} = sum_{a,b in [1,n]} x_{i+a-1,j+b-1} w_{a,b} + b_{a,b} for i, j in [1, N-n+1] (a
cross-correlation), then a = phi(z); and a max pooling a_{i,j} = max of the n x n square of x whose corner is (i, j).
H is the loss at the end of the network (the post's cross-entropy); here H = sum(G * a) with G random, so that dH/da = G
(phi = ReLU, the activation the post's project uses). The b_{a,b} of line 13 is read inside the sum (its indices are the
summation's): the filter's biases add up to one scalar bias B = sum_{a,b} b_{a,b}. delta is what line 27 defines,
delta_{i,j} = dH/dx_{i,j}, the gradient by the layer's input x (an N x N array). Lines 31 and 35 are evaluated with that
delta, as printed, and line 31 also under the readings that would give the post the benefit of the doubt (only the
terms whose indices exist; delta the gradient by z and a the input x). Every entry is checked; N = 6, n = 3 for the
convolution (z is 4x4), N = 5, n = 2 for the pooling (stride 1 as line 48 prints it)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, Strict and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish  # noqa: E402

rng = np.random.default_rng(1010)
N, n = 6, 3
M = N - n + 1                                   # the output size of line 11's range [1, N-n+1]
x = rng.normal(size=(N, N)); w = rng.normal(size=(n, n)); bab = rng.normal(0, 0.3, size=(n, n))
G = rng.normal(size=(M, M))
T = lambda a: torch.tensor(a, dtype=torch.float64)

# torch's graph: x -> z = conv2d(x, w) + B -> a = relu(z) -> H = sum(G * a)
xt = T(x).requires_grad_(); wt = T(w).requires_grad_(); Bt = T(bab.sum()).requires_grad_()
zt = F.conv2d(xt[None, None], wt[None, None])[0, 0] + Bt
zt.retain_grad()
at = torch.relu(zt)
(at * T(G)).sum().backward()
z_ref, a_ref = zt.detach().numpy(), at.detach().numpy()
dx, dw, dB, dz = xt.grad.numpy(), wt.grad.numpy(), Bt.grad.item(), zt.grad.numpy()
X = Strict(x)   # X(i, j) with indices from 0; the post's x_{i,j} is X(i-1, j-1)

# ---- forward
decide(11, z_ref.shape == (M, M), f"(i, j) in [1, N-n+1]: the valid convolution of an N x N image with an n x n filter "
       f"has N-n+1 = {M} rows and columns (torch conv2d gives {z_ref.shape})")
z13 = np.array([[sum(X(i + a - 1 - 1, j + b - 1 - 1) * w[a - 1, b - 1] + bab[a - 1, b - 1]
                     for a in range(1, n + 1) for b in range(1, n + 1))
                 for j in range(1, M + 1)] for i in range(1, M + 1)])
decide(13, np.allclose(z13, z_ref), "z_{i,j} = sum_{a,b in [1,n]} x_{i+a-1,j+b-1} w_{a,b} + b_{a,b} (b_{a,b} inside the sum, "
       "as its indices say) against torch conv2d (a cross-correlation) with the scalar bias sum_{a,b} b_{a,b}")
decide(19, np.allclose(np.maximum(z13, 0), a_ref), "a_{i,j} = phi(z_{i,j}), phi = ReLU, against torch relu (definition)")

# ---- backward
decide(27, dx.shape == (N, N), "delta_{i,j} = dH/dx_{i,j}: the gradient by the layer's input x, an N x N array (autograd's "
       "x.grad); a definition, and the delta that lines 31 and 35 use")
A = Strict(a_ref)


def eta(delta, act, lo, hi, defined_only, shift=0):
    """sum_m sum_n delta_{m,n} act_{i+m,j+n} with m, n from lo to hi (indices from 1); None when a term reads an index
    outside its array, unless defined_only (then such terms are dropped)."""
    D = Strict(delta)
    out = np.zeros((n, n))
    for i in range(1, n + 1):
        for j in range(1, n + 1):
            s = 0.0
            for m in range(lo, hi + 1):
                for k in range(lo, hi + 1):
                    try:
                        s += D(m - 1, k - 1) * act(i + m - 1 + shift, j + k - 1 + shift)
                    except IndexError:
                        if not defined_only:
                            return None
            out[i - 1, j - 1] = s
    return out


readings = {
    "literal: delta = dH/dx (m, n over 1..N), a = phi(z)": eta(dx, A, 1, N, False),
    "only the terms whose indices exist, delta = dH/dx, a = phi(z)": eta(dx, A, 1, N, True),
    "delta read as dH/dz, a read as the input x, m, n over 1..N-n+1": eta(dz, X, 1, M, False),
    "delta read as dH/dz, a read as the input x, only the terms that exist": eta(dz, X, 1, M, True),
}
for name, val in readings.items():
    print(f"   (line 31, {name}: " + ("undefined, an index outside its array" if val is None else
          f"eta_11 = {val[0, 0]:.4f}") + f"; autograd dH/dw_11 = {dw[0, 0]:.4f})")
decide(31, any(v is not None and np.allclose(v, dw) for v in readings.values()),
       "eta_{i,j} = dH/dw_{i,j} = sum_m sum_n delta_{m,n} a_{i+m,j+n}: with delta = dH/dx (line 27) and a = phi(z) (line 19) "
       "the sum multiplies the gradient by the input with the layer's output and reads a outside its N-n+1 rows; the chain "
       "rule needs dH/dz_{m,n} x_{m+i-1,n+j-1}, and even with delta read as dH/dz and a as x the index i+m is one row "
       "off (x_{i+m} for x_{i+m-1}); no reading matches autograd's dH/dw")
print(f"   (line 35: sum delta = sum dH/dx = {dx.sum():.4f}; dH/dB = {dB:.4f}; sum dH/dz = {dz.sum():.4f})")
decide(35, np.isclose(dx.sum(), dB), "dH/db = sum_i sum_j delta_{i,j} with delta = dH/dx_{i,j} (line 27): the sum of the gradient "
       "by the input, not dH/db = sum_{i,j} dH/dz_{i,j} (autograd; every b_{a,b} has that gradient, the filter's bias adds "
       "to every z_{i,j}); it would hold with delta the gradient by z")

# ---- max pooling, its own x and n (the pool's input), stride 1 as line 48 prints it
Np, npl = 5, 2
xp = rng.normal(size=(Np, Np)); XP = Strict(xp)
pool48 = np.array([[max(XP(i - 1 + r, j - 1 + c) for r in range(npl) for c in range(npl))
                    for j in range(1, Np - npl + 2)] for i in range(1, Np - npl + 2)])
ref = F.max_pool2d(T(xp)[None, None], npl, stride=1)[0, 0].numpy()
decide(48, np.allclose(pool48, ref), "a_{i,j} = max(x_{i,j}, ..., x_{i,j+n-1}, x_{i+1,j}, ..., x_{i+n-1,j+n-1}), the n x n "
       "square with corner (i, j), against torch max_pool2d (kernel n, stride 1) (definition; line 50's 'chaque carre' "
       "leaves the stride open, the formula moves the window by one)")
finish()
