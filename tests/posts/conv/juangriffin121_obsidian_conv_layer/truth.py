"""Independent truth for tests/posts/conv/juangriffin121_obsidian_conv_layer (NumPy and torch, no derive).

The note's layer: 'same' cross-correlation, v_ij = sum_{a,b=0}^{L-1} u_{i-h+a, j-h+b} k_ab with h = floor(L/2)
(zero outside the image), y_n = sum_m k_nm * x_m + b_n with an untied bias b_nij. Checked with 2 input and
3 output channels, 5x5 images, L = 3, against torch.nn.functional.conv2d(padding=h) and its autograd, for
E = sum(G * y) (so dE/dy = G)."""
import itertools

import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping (../verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verdicts import decide, finish, unchecked  # noqa: E402

rng = np.random.default_rng(3)
M, N, S, L = 2, 3, 5, 3
h = L // 2
x = rng.normal(size=(M, S, S)); K = rng.normal(size=(N, M, L, L)); B = rng.normal(size=(N, S, S)); G = rng.normal(size=(N, S, S))

def star(k, u):
    """The note's k*u (line 5), literally; the kernel's size sets the offset floor(L/2)."""
    Lk = k.shape[0]; hk = Lk // 2
    out = np.zeros(u.shape)
    for i, j in itertools.product(range(u.shape[0]), range(u.shape[1])):
        for a, b in itertools.product(range(Lk), range(Lk)):
            r, c = i - hk + a, j - hk + b
            if 0 <= r < u.shape[0] and 0 <= c < u.shape[1]:
                out[i, j] += u[r, c] * k[a, b]
    return out

xt = torch.tensor(x, requires_grad=True); Kt = torch.tensor(K, requires_grad=True); Bt = torch.tensor(B, requires_grad=True)
yt = F.conv2d(xt[None], Kt, padding=h)[0] + Bt
(yt * torch.tensor(G)).sum().backward()
y, dx, dK, dB = yt.detach().numpy(), xt.grad.numpy(), Kt.grad.numpy(), Bt.grad.numpy()

ref = F.conv2d(torch.tensor(x[:1])[None], torch.tensor(K[:1, :1]), padding=h)[0, 0].numpy()
decide(5, np.allclose(star(K[0, 0], x[0]), ref), "v = k*u as defined equals a zero-padded 'same' cross-correlation")
y_post = np.array([sum(star(K[n, m], x[m]) for m in range(M)) + B[n] for n in range(N)])
for line in (10, 16, 21, 22):
    decide(line, np.allclose(y_post, y), "y_n = sum_m k_nm * x_m + b_n (also in index form) against torch")

# dy_{nij}/dx_{luv}: the Jacobian by autograd, entry by entry
Jac = np.zeros((N, S, S, M, S, S))
for n, i, j in itertools.product(range(N), range(S), range(S)):
    a = torch.tensor(x, requires_grad=True)
    F.conv2d(a[None], torch.tensor(K), padding=h)[0, n, i, j].backward()
    Jac[n, i, j] = a.grad.numpy()
def kk(n, l, p, q):
    return K[n, l, p, q] if 0 <= p < L and 0 <= q < L else 0.0
J31 = np.zeros_like(Jac); J32 = np.zeros_like(Jac)
for n, i, j, l, u, v in itertools.product(range(N), range(S), range(S), range(M), range(S), range(S)):
    J31[n, i, j, l, u, v] = sum((m == l) * (u == i - h + a) * (v == j - h + b) * K[n, m, a, b]
                                for m in range(M) for a in range(L) for b in range(L))
    J32[n, i, j, l, u, v] = sum((u == i - h + a) * (v == j - h + b) * K[n, l, a, b] for a in range(L) for b in range(L))
# lines 29-30 differentiate the expansion of line 22 term by term: finite differences of that expansion
eps = 1e-6; Jfd = np.zeros_like(Jac)
for l, u, v in itertools.product(range(M), range(S), range(S)):
    xp = x.copy(); xp[l, u, v] += eps; xm = x.copy(); xm[l, u, v] -= eps
    yp = np.array([sum(star(K[n, m], xp[m]) for m in range(M)) + B[n] for n in range(N)])
    ym = np.array([sum(star(K[n, m], xm[m]) for m in range(M)) + B[n] for n in range(N)])
    Jfd[:, :, :, l, u, v] = (yp - ym) / (2 * eps)
decide(29, np.allclose(Jfd, Jac, atol=1e-7), "differentiating the expansion (finite differences) gives the autograd Jacobian")
decide(30, np.allclose(Jfd, Jac, atol=1e-7), "the derivative moved inside the sums: same Jacobian")
decide(31, np.allclose(J31, Jac), "the Kronecker-delta form against autograd")
decide(32, np.allclose(J32, Jac), "the sum over m collapsed to m = l, against autograd")
J37 = np.zeros_like(Jac)
for n, i, j, l, u, v in itertools.product(range(N), range(S), range(S), range(M), range(S), range(S)):
    J37[n, i, j, l, u, v] = kk(n, l, u - i + h, v - j + h)
decide(37, np.allclose(J37, Jac), "k_{n,l,U-i+h,V-j+h} (0 outside the kernel) against autograd")
dx42 = np.array([[[sum(G[n, i, j] * kk(n, l, U - i + h, V - j + h) for n in range(N) for i in range(S) for j in range(S))
                   for V in range(S)] for U in range(S)] for l in range(M)])
decide(42, np.allclose(dx42, dx), "dE/dx_{l,U,V} as printed against autograd")

rot90 = np.array([sum(star(np.rot90(K[n, l]), G[n]) for n in range(N)) for l in range(M)])
rot180 = np.array([sum(star(np.rot90(K[n, l], 2), G[n]) for n in range(N)) for l in range(M)])
decide(45, np.allclose(rot90, dx), f"with a 90-degree rotated kernel: off by {np.abs(rot90 - dx).max():.3f}; with the "
       f"180-degree rotated kernel: off by {np.abs(rot180 - dx).max():.1e}")
dx49 = np.array([sum(star(K[n, l], G[n]) for n in range(N)) for l in range(M)])
decide(49, np.allclose(dx49, dx), f"sum_n dE/dy_n * k_nl with the note's * (no rotation): off by {np.abs(dx49 - dx).max():.3f}")
decide(54, np.allclose(dx49, dx), "the same product in the (.*) notation: the kernel is not rotated")

Jk = np.zeros((N, S, S, N, M, L, L)); Jk60 = np.zeros_like(Jk)
for n, i, j in itertools.product(range(N), range(S), range(S)):
    c = torch.tensor(K, requires_grad=True)
    F.conv2d(torch.tensor(x)[None], c, padding=h)[0, n, i, j].backward()
    Jk[n, i, j] = c.grad.numpy()
    for nu, mu, u, v in itertools.product(range(N), range(M), range(L), range(L)):
        r, q = i - h + u, j - h + v
        Jk60[n, i, j, nu, mu, u, v] = (nu == n) * (x[mu, r, q] if 0 <= r < S and 0 <= q < S else 0.0)
decide(60, np.allclose(Jk60, Jk), "dy_nij/dk_{nu mu u v} = delta_{nu n} x_{mu, i-h+u, j-h+v} against autograd")
dK65 = np.array([[[[sum(G[nu, i, j] * (x[mu, i - h + u, j - h + v] if 0 <= i - h + u < S and 0 <= j - h + v < S else 0)
                        for i in range(S) for j in range(S)) for v in range(L)] for u in range(L)] for mu in range(M)]
                 for nu in range(N)])
decide(65, np.allclose(dK65, dK), "dE/dk_{nu mu u v} as printed against autograd")
unchecked(70, "dE/dy_nu * x_mu uses the note's * with the 5x5 gradient map as the 'kernel': the note fixes neither the "
          "size nor the offset of the result, so there is no single reading to check")
unchecked(75, "the (x*) operator is not defined in the note")
decide(79, np.allclose(dB, G), "with the untied bias b_nij, dE/db = dE/dy")

finish()
