"""Independent truth for tests/posts/conv_blind11/youmi_idiomer_cnn_derivation_zh (NumPy and torch, no derive).

The post (in Chinese, HTML with MathJax) works a LeNet-style network: conv2(A, B, 'valid') is its own sliding sum of
elementwise products (section 2.1, C = [[37, 47], [67, 77]]: a cross-correlation, torch conv2d), conv2(., ., 'full')
the same slide over A padded by h_b - 1 rows and w_b - 1 columns of zeros; down() is 2x2 average (or max) pooling,
a pooling layer is S = beta down(C) + b followed by the activation f; delta = dJ/du, u the pre-activation of a layer
(section 1.2 of the post, delta^(3) = dJ/dz^(3)). The chain here, in torch float64, f = sigmoid:
  A (12x12) -> C1: F1 = 2 maps, 3x3 kernels K_i^1, biases b_i^1 -> u^1 (2, 10, 10), a^1 = f(u^1)
  -> S2: u_i^2 = beta_i^2 down(a_i^1) + b_i^2 (2, 5, 5), a^2 = f(u^2)
  -> C3: F3 = 3 maps, u_i^3 = sum_j conv2(a_j^2, K_ij^3, 'valid') + sum_j b_ij^3 (3, 4, 4), a^3 = f(u^3)
  -> S4: u_i^4 = beta_i^4 down(a_i^3) + b_i^4 (3, 2, 2), a^4 = f(u^4)
  -> full connection z^5 = w^5 vec(a^4) + b^5 (4 outputs), a^5 = f(z^5), J = 1/2 ||y - a^5||^2.
Every delta and gradient is autograd's (retain_grad). F1 = 2 differs from F3 = 3 on purpose: the post's sum over
j = 1 .. N_l in the pooling layer's delta then misses a map. Indices (s, t) run over whole maps."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(1107)
T = lambda v: torch.tensor(np.ascontiguousarray(v), dtype=torch.float64)
sig = lambda v: 1 / (1 + np.exp(-v))


def corr_valid(x, k):
    """The post's conv2(x, k, 'valid'): k slid over x, sum of elementwise products (section 2.1)."""
    kh, kw = k.shape
    return np.array([[np.sum(x[i:i + kh, j:j + kw] * k) for j in range(x.shape[1] - kw + 1)]
                     for i in range(x.shape[0] - kh + 1)])


corr_full = lambda x, k: corr_valid(np.pad(x, ((k.shape[0] - 1,) * 2, (k.shape[1] - 1,) * 2)), k)   # conv2(., ., 'full')
convolve2d_full = lambda x, k: corr_full(x, k[::-1, ::-1])      # true convolution: the kernel turned by 180 degrees
down = lambda a: a.reshape(a.shape[0] // 2, 2, a.shape[1] // 2, 2).mean(axis=(1, 3))   # 2x2 average pooling
up = lambda d: np.kron(d, np.ones((2, 2)))                      # the post's up(), line 89
# gradients through four sigmoid layers are small (1e-3 .. 1e-6): compare relative to the size of the reference
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-7, atol=1e-9 * np.abs(b).max())
relerr = lambda a, b: np.abs(np.asarray(a) - b).max() / np.abs(b).max()

# ---- section 2.1 / 2.2: the post's own numbers
A = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], float)
B = np.array([[1, 2], [3, 4]], float)
Cc = F.conv2d(T(A)[None, None], T(B)[None, None])[0, 0].numpy()
decide(16, np.allclose(Cc[0], [37, 47]), f"row 1 of B slid over A (sum of elementwise products, torch conv2d): {Cc[0]}")
decide(17, np.allclose(Cc[1], [67, 77]), f"row 2: {Cc[1]}")
ok = True
for ha, wa, hb, wb in [(3, 3, 2, 2), (7, 5, 3, 2), (6, 9, 4, 4)]:
    out = F.conv2d(T(rng.normal(size=(ha, wa)))[None, None], T(rng.normal(size=(hb, wb)))[None, None])[0, 0]
    full = F.conv2d(F.pad(T(rng.normal(size=(ha, wa)))[None, None], (wb - 1, wb - 1, hb - 1, hb - 1)),
                    T(rng.normal(size=(hb, wb)))[None, None])[0, 0]
    ok &= tuple(out.shape) == (ha - hb + 1, wa - wb + 1) and tuple(full.shape) == (ha + hb - 1, wa + wb - 1)
decide(20, ok, "valid result (h_a - h_b + 1) x (w_a - w_b + 1); the 'full' border of h_b - 1 rows / w_b - 1 columns "
       "(definition) gives (h_a + h_b - 1) x (w_a + w_b - 1)")
Cp = np.array([[1, 2, 3, 4], [1, 2, 3, 4], [5, 6, 7, 8], [5, 6, 7, 8], [9, 0, 1, 2], [9, 0, 1, 2]], float)
decide(21, (6 // 2) * (4 // 2) == 6, "a 6x4 matrix splits into 3 x 2 = 6 disjoint 2x2 blocks")
Savg = F.avg_pool2d(T(Cp)[None, None], 2)[0, 0].numpy()
Smax = F.max_pool2d(T(Cp)[None, None], 2)[0, 0].numpy()
for line, row in zip((36, 37, 38), ([1.5, 3.5], [5.5, 7.5], [4.5, 1.5])):
    r = line - 36
    decide(line, np.allclose(Savg[r], row), f"average pooling row {r + 1}: torch avg_pool2d gives {Savg[r]}")
for line, row in zip((44, 45, 46), ([2, 4], [6, 8], [9, 2])):
    r = line - 44
    decide(line, np.allclose(Smax[r], row), f"max pooling row {r + 1}: torch max_pool2d gives {Smax[r]}")
decide(50, True, "S = beta down(C) + b (definition of the pooling layer, beta and b scalars)")

# ---- the sizes of the network in 2.3.1 (28x28 input, 5x5 kernels, 2x2 pooling)
x28 = torch.zeros(1, 1, 28, 28)
c1 = F.conv2d(x28, torch.zeros(4, 1, 5, 5))
s2 = F.avg_pool2d(c1, 2)
c3 = F.conv2d(s2, torch.zeros(6, 4, 5, 5))
s4 = F.avg_pool2d(c3, 2)
decide(54, tuple(c1.shape[2:]) == (24, 24), f"28x28 'valid' with 5x5 kernels: {tuple(c1.shape[2:])}")
decide(59, tuple(s2.shape[2:]) == (12, 12), f"24x24 pooled 2x2: {tuple(s2.shape[2:])}")
decide(64, tuple(c3.shape[2:]) == (8, 8), f"12x12 'valid' with 5x5 kernels: {tuple(c3.shape[2:])}")
decide(69, tuple(s4.shape[2:]) == (4, 4), f"8x8 pooled 2x2: {tuple(s4.shape[2:])}")

# ---- the small network of the docstring, in torch with autograd
F1, F3 = 2, 3
A12 = rng.normal(size=(12, 12))
K1 = rng.normal(size=(F1, 3, 3)) * 0.7; b1 = rng.normal(size=F1) * 0.3
beta2 = rng.normal(1.0, 0.3, size=F1); b2 = rng.normal(size=F1) * 0.3
K3 = rng.normal(size=(F3, F1, 2, 2)) * 0.7; b3 = rng.normal(size=(F3, F1)) * 0.3     # K_ij^3, b_ij^3
beta4 = rng.normal(1.0, 0.3, size=F3); b4 = rng.normal(size=F3) * 0.3
W5 = rng.normal(size=(4, F3 * 4)) * 0.5; b5 = rng.normal(size=4) * 0.3
y = rng.normal(size=4) * 4         # targets far from the outputs: gradients well above rounding
P = {k: T(v).requires_grad_() for k, v in dict(K1=K1, b1=b1, beta2=beta2, b2=b2, K3=K3, b3=b3, beta4=beta4, b4=b4,
                                               W5=W5, b5=b5).items()}


def keep(t):
    t.retain_grad()
    return t


u1 = keep(F.conv2d(T(A12)[None, None], P["K1"][:, None], P["b1"])[0])
a1 = keep(torch.sigmoid(u1))
u2 = keep(P["beta2"][:, None, None] * F.avg_pool2d(a1[None], 2)[0] + P["b2"][:, None, None])
a2 = keep(torch.sigmoid(u2))
u3 = keep(F.conv2d(a2[None], P["K3"], P["b3"].sum(1))[0])
a3 = keep(torch.sigmoid(u3))
u4 = keep(P["beta4"][:, None, None] * F.avg_pool2d(a3[None], 2)[0] + P["b4"][:, None, None])
a4 = keep(torch.sigmoid(u4))
z5 = keep(P["W5"] @ a4.reshape(-1) + P["b5"])
a5 = torch.sigmoid(z5)
J = 0.5 * ((T(y) - a5) ** 2).sum()
J.backward()
n = lambda t: t.detach().numpy()
d1, d2, d3, d5 = u1.grad.numpy(), u2.grad.numpy(), u3.grad.numpy(), z5.grad.numpy()
U1, A1, U2, A2, A3, A4 = n(u1), n(a1), n(u2), n(a2), n(a3), n(a4)
g = {k: v.grad.numpy() for k, v in P.items()}

# forward definitions (NumPy, the post's own operations) against the torch chain
decide(55, all(np.allclose(corr_valid(A12, K1[i]) + b1[i], U1[i]) for i in range(F1)),
       "C_i^1 = conv2(A, K_i^1, 'valid') + b_i^1 (definition; the post's conv2 is the sliding correlation)")
decide(56, True, "u_i^1 = C_i^1 (definition)")
decide(57, np.allclose(sig(U1), A1), "a_i^1 = f(u_i^1) (definition)")
decide(60, all(np.allclose(beta2[i] * down(A1[i]) + b2[i], U2[i]) for i in range(F1)),
       "S_i^2 = beta_i^2 down(a_i^1) + b_i^2 (definition)")
decide(61, True, "u_i^2 = S_i^2 (definition)")
decide(62, np.allclose(sig(U2), A2), "a_i^2 = f(u_i^2) (definition)")
U3 = np.array([sum(corr_valid(A2[j], K3[i, j]) + b3[i, j] for j in range(F1)) for i in range(F3)])
decide(65, np.allclose(U3, n(u3)), "C_i^3 = sum_j conv2(a_j^2, k_ij^3, 'valid') + b_ij^3 (definition; b_ij^3 read with "
       "the sum, so the biases of map i add up to one bias)")
decide(66, True, "u_i^3 = C_i^3 (definition)")
decide(67, np.allclose(sig(n(u3)), A3), "a_i^3 = f(u_i^3) (definition)")
decide(70, all(np.allclose(beta4[i] * down(A3[i]) + b4[i], n(u4)[i]) for i in range(F3)),
       "S_i^4 = beta_i^4 down(a_i^3) + b_i^4 (definition)")
decide(71, True, "u_i^4 = S_i^4 (definition)")
decide(72, np.allclose(sig(n(u4)), A4), "a_i^4 = f(u_i^4) (definition)")
decide(83, np.allclose(sig(U3), A3), "a_i^(l) = f(sum_j conv2(a_j^(l-1), K_ij^(l)) + b_ij^(l)) for l = 3 (definition)")
decide(84, A12.ndim == 2 and A2.shape[0] == F1, "N_0 = 1 (the one input map A) and N_2 = F_1 (the S2 pool maps)")
decide(99, np.allclose(sig(beta2[:, None, None] * np.array([down(A1[i]) for i in range(F1)]) + b2[:, None, None]), A2),
       "a_i^(l) = f(beta_i^(l) down(a_i^(l-1)) + b_i^(l)) for the pooling layer l = 2 (definition)")

# ---- full connection
decide(78, close(np.outer(d5, A4.reshape(-1)), g["W5"]), "dJ/dw^(l) = delta^(l) (a^(l-1))^T for the full connection, "
       "delta^(l) = dJ/dz^(l), against autograd")
decide(79, close(d5, g["b5"]), "dJ/db^(l) = delta^(l) against autograd")

# ---- up() and the convolution layer's delta (l = 1, followed by the pooling layer 2)
decide(89, np.array_equal(up(np.array([[1, 2], [3, 4]])), [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]),
       "up() copies each entry into its 2x2 block (definition)")
post92 = np.array([beta2[i] * (sig(U1[i]) * up(d2[i])) for i in range(F1)])
fprime = sig(U1) * (1 - sig(U1))
rescue_fprime = np.array([beta2[i] * (fprime[i] * up(d2[i])) for i in range(F1)])
print(f"   (line 92: largest error relative to autograd's dJ/du^1: as printed {relerr(post92, d1):.3g}, with f' read for "
      f"a(u) {relerr(rescue_fprime, d1):.3g} (4 times too large), beta f'(u) o up(delta)/4 {relerr(rescue_fprime / 4, d1):.1g})")
assert close(rescue_fprime / 4, d1)      # the right formula, for the record
# the post's other down(), 2x2 max pooling: u (2, 4, 4) -> a = f(u) -> S = beta maxpool(a) + b -> J = sum(G f(S))
um = T(rng.normal(size=(2, 4, 4))).requires_grad_()
bm, cm, Gm = rng.normal(1.0, 0.3, size=2), rng.normal(size=2), rng.normal(size=(2, 2, 2))
Sm = T(bm)[:, None, None] * F.max_pool2d(torch.sigmoid(um)[None], 2)[0] + T(cm)[:, None, None]
Sm.retain_grad()
(torch.sigmoid(Sm) * T(Gm)).sum().backward()
Um, dS, dU = um.detach().numpy(), Sm.grad.numpy(), um.grad.numpy()
maxpool_variants = [np.array([bm[i] * (fa * up(dS[i])) for i in range(2)])
                    for fa in (sig(Um), sig(Um) * (1 - sig(Um)))]
print(f"   (line 92 with max pooling: error relative to autograd, as printed {relerr(maxpool_variants[0], dU):.3g}, with f' "
      f"for a(u) {relerr(maxpool_variants[1], dU):.3g}: up() also feeds the entries that were not the maximum)")
decide(92, close(post92, d1) or close(rescue_fprime, d1) or any(close(v, dU) for v in maxpool_variants),
       "delta_i^(l) = beta_i^(l+1) (a(u_i^(l)) o up(delta_i^(l+1))): a(u) = f(u) is the activation where f'(u) belongs, "
       "and with the post's down() (2x2 average) up() needs the factor 1/4 (for max pooling it must route delta to the "
       "maximum only); wrong as printed and with f' read for a")
decide(93, close(d1.sum(axis=(1, 2)), g["b1"]) and all(close(d3.sum(axis=(1, 2)), g["b3"][:, j]) for j in range(F1)),
       "dJ/db_i^(l) = sum_st (delta_i)_st, against autograd for b_i^1 and for every b_ij^3")
gK3 = np.array([[sum(d3[i, s, t] * A2[j, s:s + 2, t:t + 2] for s in range(4) for t in range(4)) for j in range(F1)]
                for i in range(F3)])
decide(94, close(gK3, g["K3"]), "dJ/dK_ij^(l) = sum_st (delta_i^(l))_st (P_j^(l-1))_st, P_st the 2x2 patch of a_j^(l-1) "
       "under output (s, t), against autograd for l = 3")

# ---- the pooling layer's delta (l = 2, followed by the convolution layer 3)
N_l, N_next = F1, F3
post106 = np.array([sum(A2[i] * corr_full(d3[j], K3[j, i]) for j in range(N_l)) for i in range(F1)])
fp2 = sig(U2) * (1 - sig(U2))
true106 = np.array([fp2[i] * sum(convolve2d_full(d3[j], K3[j, i]) for j in range(N_next)) for i in range(F1)])
assert close(true106, d2)
rescues = {
    "f' for a": np.array([sum(fp2[i] * corr_full(d3[j], K3[j, i]) for j in range(N_l)) for i in range(F1)]),
    "f' and rot180": np.array([sum(fp2[i] * convolve2d_full(d3[j], K3[j, i]) for j in range(N_l)) for i in range(F1)]),
    "a, rot180, N_(l+1)": np.array([sum(A2[i] * convolve2d_full(d3[j], K3[j, i]) for j in range(N_next))
                                    for i in range(F1)]),
}
print(f"   (line 106: largest error relative to autograd's dJ/du^2: as printed {relerr(post106, d2):.3g}; "
      + ", ".join(f"with {k} {relerr(v, d2):.3g}" for k, v in rescues.items()) + f"; all three repairs {relerr(true106, d2):.1g})")
decide(106, close(post106, d2) or any(close(v, d2) for v in rescues.values()),
       "delta_i^(l) = sum_{j=1}^{N_l} a_i^(l) o conv2(delta_j^(l+1), K_ji^(l+1), 'full'): a_i^(l) stands where f'(u_i^(l)) "
       "belongs; with the post's conv2 (the sliding correlation of 2.1) the kernel must be turned by 180 degrees; and the "
       "sum must run over the N_(l+1) maps of the next layer, not the N_l of this one; no partial repair makes it right")
decide(107, close(d2.sum(axis=(1, 2)), g["b2"]), "dJ/db_i^(l) = sum_st (delta_i^(l))_st for the pooling layer, autograd")
dd = np.array([down(A1[i]) for i in range(F1)])
decide(108, close((d2 * dd).sum(axis=(1, 2)), g["beta2"]), "dJ/dbeta_i^(l) = sum_st (delta_i^(l) o d_i^(l-1))_st, "
       "d = down(a^(l-1)), against autograd")
finish()
