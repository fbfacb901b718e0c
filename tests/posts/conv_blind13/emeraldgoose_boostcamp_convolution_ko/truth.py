"""Independent truth for tests/posts/conv_blind13/emeraldgoose_boostcamp_convolution_ko (NumPy and torch, no derive).

The note (Korean lecture notes of a 2021 boostcamp course): a fully connected layer h_i = sigma(sum_j W_ij x_j), the
1D convolution layer h_i = sigma(sum_{j=1}^k V_j x_{i+j-1}) (1-based), the convolution [f*g] continuous and discrete
with its commutativity, the '2D-conv' and '3D-conv' of CNNs (the note says just before that CNNs compute the
cross-correlation, so [f*g](i,j) = sum f(p,q) g(i+p, j+q) is read as that operation, f the kernel), the output size
H - K_H + 1, the channels, and the backward rule d/dx [f*g](x) = [f*g'](x). References: torch conv1d/conv2d/conv3d
(cross-correlation) in float64, direct sums for the discrete convolution, and for the continuous statements a
quadrature on a fine grid (d = 1) with smooth, fast-decaying f and g, derivatives by central differences and by the
closed-form g'."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(806)
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
sig = lambda z: 1 / (1 + np.exp(-z))

# line 4: h_i = sigma(sum_{j=1}^p W_ij x_j), the fully connected layer (definition)
p, n = 5, 4
Wm = rng.normal(size=(n, p)); x = rng.normal(size=p)
h4 = np.array([sig(sum(Wm[i, j] * x[j] for j in range(p))) for i in range(n)])
decide(4, np.allclose(h4, torch.sigmoid(F.linear(T(x), T(Wm))).numpy()), "h_i = sigma(sum_j W_ij x_j) (definition) is "
       "a dense layer without bias (sigma the sigmoid)")

# line 7: h_i = sigma(sum_{j=1}^k V_j x_{i+j-1}), i = 1..d-k+1 (1-based), against torch conv1d
d, k = 9, 3
V = rng.normal(size=k); x = rng.normal(size=d)
h7 = np.array([sig(sum(V[j - 1] * x[i + j - 1 - 1] for j in range(1, k + 1))) for i in range(1, d - k + 2)])
decide(7, np.allclose(h7, torch.sigmoid(F.conv1d(T(x)[None, None], T(V)[None, None]))[0, 0].numpy()),
       "h_i = sigma(sum_{j=1}^k V_j x_{i+j-1}) (definition, 1-based) is torch conv1d with kernel V, then sigma")

# line 11: [f*g](x) = int f(z) g(x-z) dz = int f(x-z) g(z) dz = [g*f](x), d = 1, on a grid
z = np.linspace(-12, 12, 24001); dz = z[1] - z[0]
f = lambda t: np.exp(-0.5 * (t - 0.7) ** 2) * (1 + 0.3 * np.sin(2 * t))
g = lambda t: np.exp(-((t + 0.4) ** 2) / 1.5) * (0.5 + t / 3)
gp = lambda t: np.exp(-((t + 0.4) ** 2) / 1.5) * (1 / 3 - 2 * (t + 0.4) / 1.5 * (0.5 + t / 3))   # g'
integ = lambda vals: np.trapezoid(vals, dx=dz)
xs = np.array([-2.3, -0.5, 0.0, 1.1, 2.8])
fg = np.array([integ(f(z) * g(xv - z)) for xv in xs])
fg2 = np.array([integ(f(xv - z) * g(z)) for xv in xs])
gf = np.array([integ(g(z) * f(xv - z)) for xv in xs])
decide(11, np.allclose(fg, fg2, atol=1e-8) and np.allclose(fg2, gf, atol=1e-8),
       "int f(z) g(x-z) dz = int f(x-z) g(z) dz = [g*f](x) by quadrature at five x (the substitution z -> x - z)")

# line 12: the discrete convolution sum_a f(a) g(i-a) = sum_a f(i-a) g(a) = [g*f](i), finitely supported f, g on Z^d
ok12 = True
fa = rng.normal(size=7); ga = rng.normal(size=5)                      # d = 1, supports {0..6}, {0..4}
F1 = lambda a: fa[a] if 0 <= a < len(fa) else 0.0
G1 = lambda a: ga[a] if 0 <= a < len(ga) else 0.0
for i in range(-2, 14):
    s1 = sum(F1(a) * G1(i - a) for a in range(-20, 20)); s2 = sum(F1(i - a) * G1(a) for a in range(-20, 20))
    ok12 &= np.isclose(s1, s2) and np.isclose(s1, np.convolve(fa, ga)[i] if 0 <= i < len(fa) + len(ga) - 1 else 0.0)
fb = rng.normal(size=(3, 4)); gb = rng.normal(size=(4, 2))            # d = 2
F2 = lambda a, b: fb[a, b] if 0 <= a < 3 and 0 <= b < 4 else 0.0
G2 = lambda a, b: gb[a, b] if 0 <= a < 4 and 0 <= b < 2 else 0.0
R = range(-6, 8)
for i in range(-1, 8):
    for j in range(-1, 7):
        s1 = sum(F2(a, b) * G2(i - a, j - b) for a in R for b in R); s2 = sum(F2(i - a, j - b) * G2(a, b) for a in R for b in R)
        ok12 &= np.isclose(s1, s2)
decide(12, ok12, "sum_a f(a) g(i-a) = sum_a f(i-a) g(a) = [g*f](i) for finitely supported f, g on Z and Z^2 (and equal "
       "to numpy's convolve)")

# line 17: 2D-conv [f*g](i,j) = sum_{p,q} f(p,q) g(i+p, j+q): the cross-correlation of CNNs (line 13), f the kernel
fk = rng.normal(size=(3, 2)); gi = rng.normal(size=(6, 5))
c17 = np.array([[sum(fk[a, b] * gi[i + a, j + b] for a in range(3) for b in range(2)) for j in range(5 - 2 + 1)]
                for i in range(6 - 3 + 1)])
decide(17, np.allclose(c17, F.conv2d(T(gi)[None, None], T(fk)[None, None])[0, 0].numpy()), "[f*g](i,j) = sum_{p,q} "
       "f(p,q) g(i+p, j+q) is torch conv2d of the input g with the kernel f (the cross-correlation the note says CNNs "
       "use, line 13)")
fk3 = rng.normal(size=(2, 3, 2)); gi3 = rng.normal(size=(4, 5, 4))
c18 = np.array([[[sum(fk3[a, b, c] * gi3[i + a, j + b, l + c] for a in range(2) for b in range(3) for c in range(2))
                  for l in range(3)] for j in range(3)] for i in range(3)])
decide(18, np.allclose(c18, F.conv3d(T(gi3)[None, None], T(fk3)[None, None])[0, 0].numpy()), "[f*g](i,j,k) = "
       "sum_{p,q,r} f(p,q,r) g(i+p, j+q, k+r) is torch conv3d (cross-correlation)")

# lines 23-24, 26-27: sizes
ok23 = ok24 = ok26 = ok27 = True
for Hh, Ww, KH, KW, C, OC in [(6, 5, 3, 2, 1, 1), (9, 7, 4, 4, 3, 5), (5, 8, 5, 1, 2, 4)]:
    out = F.conv2d(T(rng.normal(size=(1, C, Hh, Ww))), T(rng.normal(size=(1, C, KH, KW))))
    ok23 &= out.shape[2] == Hh - KH + 1; ok24 &= out.shape[3] == Ww - KW + 1
    ok26 &= tuple(out.shape[1:]) == (1, Hh - KH + 1, Ww - KW + 1)
    ok27 &= F.conv2d(T(rng.normal(size=(1, C, Hh, Ww))), T(rng.normal(size=(OC, C, KH, KW)))).shape[1] == OC
decide(23, ok23, "O_H = H - K_H + 1 (stride 1, no padding) against torch")
decide(24, ok24, "O_W = W - K_W + 1 against torch")
decide(26, ok26, "a kernel (K_H, K_W, C) over an input (H, W, C) gives (O_H, O_W, 1): the channels are summed")
decide(27, ok27, "O_C kernels give O_C output maps")

# line 31: d/dx [f*g](x) = d/dx int f(y) g(x-y) dy = int f(y) g'(x-y) dy = [f*g'](x)
eps = 1e-5
lhs = np.array([(integ(f(z) * g(xv + eps - z)) - integ(f(z) * g(xv - eps - z))) / (2 * eps) for xv in xs])
mid = np.array([integ(f(z) * gp(xv - z)) for xv in xs])
num_gp = np.array([integ(f(z) * (g(xv - z + eps) - g(xv - z - eps)) / (2 * eps)) for xv in xs])
decide(31, np.allclose(lhs, mid, atol=1e-6) and np.allclose(mid, num_gp, atol=1e-6),
       "d/dx [f*g](x) (central difference of the quadrature) = int f(y) g'(x-y) dy = [f*g'](x) at five x")
finish()
