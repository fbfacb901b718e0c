"""Independent truth for tests/posts/conv_blind11/vedaldi_practical_cnn_chainrule (NumPy and torch, no derive).

The VGG practical (release 2018a, a Jupyter notebook on PyTorch): the building blocks of Part 1 with 0-based
multi-indices (u, v run over the spatial positions, a filter bank w_kcu, a map x_ncu), the chain rule of Part 2.1 for
the chain x_0 -> f_1 -> x_1 -> ... -> x_(L-1) -> f_L -> x_L (f_l takes x_(l-1) and w_l and gives x_l; x_L the
scalar loss), the tiny CNN, objective and momentum update of Part 3, each set against the notebook's own code
(torch conv2d, max_pool2d, local_response_norm, avg_pool2d) or autograd in float64. The chain used for Part 2.1:
L = 4 layers, x_0 (3,) -> x_1 = tanh(W_1 x_0) (4,) -> x_2 = tanh(W_2 x_1) (3,) -> x_3 = tanh(W_3 x_2) (2,) ->
x_4 = w_4 . x_3 + |x_3|^2 / 2 (the scalar loss); Jacobians from torch.autograd.functional.jacobian."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(2018)
T = lambda v: torch.tensor(np.ascontiguousarray(v), dtype=torch.float64)
jac = lambda fn, at: torch.autograd.functional.jacobian(fn, at).numpy()

# ---- Part 1: the building blocks
x = rng.normal(size=(2, 3, 6, 7)); w = rng.normal(size=(4, 3, 3, 2))
y = F.conv2d(T(x), T(w)).numpy()
N, K, V1, V2 = y.shape
y_post = np.zeros_like(y)
for n in range(N):
    for k in range(K):
        for v1 in range(V1):
            for v2 in range(V2):
                y_post[n, k, v1, v2] = sum(w[k, c, u1, u2] * x[n, c, u1 + v1, u2 + v2]
                                           for c in range(3) for u1 in range(3) for u2 in range(2))
decide(4, np.allclose(y_post, y), "y_nkv = sum_cu w_kcu x_n,c,u+v (0-based multi-indices) is torch conv2d (definition)")
decide(10, np.allclose(np.maximum(0, x), F.relu(T(x)).numpy()), "y_cu = max{0, x_cu} (definition, ReLU)")
Fp = 3
mp = F.max_pool2d(T(x), Fp, stride=1).numpy()
mp_post = np.array([[[[x[n, c, v1:v1 + Fp, v2:v2 + Fp].max() for v2 in range(7 - Fp + 1)] for v1 in range(6 - Fp + 1)]
                     for c in range(3)] for n in range(2)])
decide(16, np.allclose(mp_post, mp), "y_cv = max{x_cu : v <= u < v + F} (definition; stride 1, u and v componentwise), "
       "torch max_pool2d with stride 1")

# local response normalization: C = 8 channels, rho = 5 and rho = 4
xc = rng.normal(size=(1, 8, 3, 3)); kappa, alpha, beta = 0.7, 1.3, 0.6


def lrn(xx, rho, group):
    C = xx.shape[1]
    out = np.empty_like(xx)
    for k in range(C):
        G = [c for c in group(k, rho) if 0 <= c <= C - 1]
        out[:, k] = xx[:, k] / (kappa + alpha / rho * (xx[:, G] ** 2).sum(1)) ** beta
    return out


post_group = lambda k, rho: range(k - rho // 2, k + -(-rho // 2) + 1)          # [k - floor(rho/2), k + ceil(rho/2)]
torch_group = lambda k, rho: range(k - rho // 2, k + (rho - 1) // 2 + 1)       # rho consecutive channels
ok22, ok25, sizes = True, True, {}
for rho in (5, 4, 3):
    ref = F.local_response_norm(T(xc), rho, alpha=alpha, beta=beta, k=kappa).numpy()
    ok22 &= np.allclose(lrn(xc, rho, torch_group), ref)
    ok25 &= np.allclose(lrn(xc, rho, post_group), ref)
    sizes[rho] = len(post_group(4, rho))
decide(22, ok22, "y_kv = x_kv / (kappa + alpha/rho sum_{c in G(k)} x_cv^2)^beta with G(k) the rho channels around k is torch "
       "local_response_norm, the notebook's own implementation (definition)")
print(f"   (line 25: the interval [k - floor(rho/2), k + ceil(rho/2)] holds {sizes} channels for rho = 5, 4, 3 (interior k), "
      f"floor(rho/2) + ceil(rho/2) + 1 = rho + 1; torch's window holds rho)")
decide(25, ok25 and all(sizes[r] == r for r in sizes), "G(k) = [k - floor(rho/2), k + ceil(rho/2)] cap {0..C-1} 'is a group "
       "of rho consecutive channels': the interval has rho + 1 integers, and with it the operator differs from the "
       "local_response_norm it describes (rho = 5, 4, 3 tried on 8 channels)")

# ---- Part 2.1: the chain rule
W1, W2, W3, w4 = rng.normal(size=(4, 3)), rng.normal(size=(3, 4)), rng.normal(size=(2, 3)), rng.normal(size=2)
x0 = rng.normal(size=3)
f = {1: lambda xx, ww: torch.tanh(ww @ xx), 2: lambda xx, ww: torch.tanh(ww @ xx), 3: lambda xx, ww: torch.tanh(ww @ xx),
     4: lambda xx, ww: ww @ xx + 0.5 * (xx ** 2).sum()}
Ws = {1: T(W1), 2: T(W2), 3: T(W3), 4: T(w4)}
xs = {0: T(x0)}
for q in range(1, 5):
    xs[q] = f[q](xs[q - 1], Ws[q])
l = 2
total = jac(lambda ww: f[4](f[3](f[2](xs[1], ww), Ws[3]), Ws[4]), Ws[2]).reshape(1, -1)     # d x_4 / d vec W_2
Jx = {q: jac(lambda xx, q=q: f[q](xx, Ws[q]), xs[q - 1]).reshape(-1, xs[q - 1].numel()) for q in (3, 4)}
Jw2 = jac(lambda ww: f[2](xs[1], ww), Ws[2]).reshape(xs[2].numel(), -1)
right = Jx[4] @ Jx[3] @ Jw2
assert np.allclose(right, total)
# the scalar chain of line 62: every variable and parameter a scalar
s = {0: T(0.7)}
sw = {1: T(0.9), 2: T(-1.3), 3: T(0.6), 4: T(1.1)}
sf = {q: (lambda xx, ww: torch.tanh(ww * xx)) for q in (1, 2, 3)}
sf[4] = lambda xx, ww: ww * xx + 0.5 * xx ** 2
for q in range(1, 5):
    s[q] = sf[q](s[q - 1], sw[q])
d_total = torch.autograd.grad(sf[4](sf[3](sf[2](s[1], (w2s := sw[2].clone().requires_grad_())), sw[3]), sw[4]), w2s)[0].item()
dd = lambda fn, at: torch.autograd.functional.jacobian(fn, at).item()
prod = dd(lambda xx: sf[4](xx, sw[4]), s[3]) * dd(lambda xx: sf[3](xx, sw[3]), s[2]) * dd(lambda ww: sf[2](s[1], ww), sw[2])
decide(62, np.isclose(prod, d_total), "df/dw_l = df_L/dx_(L-1)(x_(L-1); w_L) x ... x df_(l+1)/dx_l(x_l; w_(l+1)) x "
       "df_l/dw_l(x_(l-1); w_l) for scalars (L = 4, l = 2), against autograd")
wconv = T(rng.normal(size=(4, 3, 2, 3)))
Jconv = jac(lambda xx: F.conv2d(xx[None], wconv)[0], T(np.zeros((3, 5, 6))))
decide(65, Jconv.size == 3 * 5 * 6 * 4 * 4 * 4, f"the derivative of a K x V1 x V2 output by a C x U1 x U2 input has "
       f"{Jconv.shape} = C U1 U2 K V1 V2 entries")
# line 80: the first factor d vec f_L / d vec x_L. f_L takes x_(L-1) (2 entries here); x_L is the scalar loss.
print(f"   (line 80: f_L's input is x_(L-1) with {xs[3].numel()} entries, x_L has {xs[4].numel()}: a Jacobian of f_L 'by x_L' "
      f"cannot be formed; read as dx_L/dx_L = 1, the product 1 x (d vec f_3/d vec x_2 = {Jx[3].shape}) x (d vec f_2/d vec W_2 "
      f"= {Jw2.shape}) is {(Jx[3] @ Jw2).shape}, d x_3/d vec W_2, not the {total.shape} gradient; with x_(L-1) for x_L the "
      f"line gives autograd's gradient: {np.allclose(Jx[4] @ Jx[3] @ Jw2, total)})")
dropped = np.eye(xs[4].numel()) @ Jx[3] @ Jw2 if Jx[3].shape[0] == xs[4].numel() else Jx[3] @ Jw2   # dx_L/dx_L = 1
decide(80, dropped.shape == total.shape and np.allclose(dropped, total),
       "d vec f/d vec w_l = (d vec f_L/d vec x_L) x ... x (d vec f_(l+1)/d vec x_l) x d vec f_l/d vec w_l: f_L's input is "
       "x_(L-1) (the chain above, and the scalar version, line 62), so the first factor is d vec f_L/d vec x_(L-1); by x_L "
       "it is no factor of the chain (the shapes do not even multiply) and the derivative through f_L is lost")
decide(94, dropped.shape == total.shape and np.allclose(dropped, total),
       "(vec p_L) x d vec f/d vec w_l = (vec p_L) x d vec f_L/d vec x_L x ...: the same first factor as line 80")
p_L = np.ones((1, 1))
print(f"   (line 103: p_(L-1) must have the size of x_(L-1) ({xs[3].numel()}), as the next sentence says: p_L d vec f_L/d vec "
      f"x_(L-1) = {np.round(p_L @ Jx[4], 4)} is dL/dx_(L-1); a factor by x_L would leave it the size of x_L)")
p_printed = p_L @ np.eye(xs[4].numel())                      # p_L times dx_L/dx_L
decide(103, p_printed.shape == Jx[4].shape and np.allclose(p_printed, Jx[4]), "(vec p_(L-1)) = (vec p_L) x d vec f_L/d vec x_L: the first projection is p_L times d vec f_L/d vec "
       "x_(L-1), the gradient by x_(L-1) (and as large as x_(L-1), as the text requires); the factor by x_L of line 80 again")

# ---- Part 3: the tiny CNN, its objective and the momentum update (against the notebook's own code)
def tinycnn(xx, ww, bb):
    pad1 = (ww.shape[2] - 1) // 2
    rho2 = 3
    pad2 = (rho2 - 1) // 2
    xx = F.conv2d(xx, ww, bb, padding=pad1)
    return F.avg_pool2d(xx, rho2, padding=pad2, stride=1)


x1 = T(rng.normal(size=(1, 1, 9, 9))); Wt = T(rng.normal(size=(1, 1, 3, 3))); bt = T(rng.normal(size=1))
x2 = F.conv2d(x1, Wt, bt, padding=1)
decide(111, np.allclose(tinycnn(x1, Wt, bt).numpy(), F.avg_pool2d(x2, 3, padding=1, stride=1).numpy()),
       "x_2 = W * x_1 + b, x_3 = avgpool_rho x_2: the notebook's tinycnn is this composition (definition)")
lam = 0.3
yy = tinycnn(x1, Wt, bt)[0, 0].numpy()
Pm = np.zeros((9, 9), bool); Pm[2, 3] = Pm[6, 6] = True
Nm = np.zeros((9, 9), bool); Nm[0, :] = True; Nm[8, 2:5] = True
pos, neg = Pm / Pm.sum(), Nm / Nm.sum()
code_E = (pos * np.maximum(0, 1 - yy) + neg * np.maximum(0, yy)).sum() + 0.5 * lam * (Wt.numpy() ** 2).sum()
E = lam / 2 * (Wt.numpy() ** 2).sum() + np.maximum(0, 1 - yy[Pm]).mean() + np.maximum(0, yy[Nm]).mean()
decide(125, np.isclose(code_E, E), "E(w, b) = lambda/2 |w|^2 + 1/|P| sum_P max{0, 1 - f} + 1/|N| sum_N max{0, f} is the "
       "energy the notebook's loop tracks (pos, neg normalised to sum 1) (definition)")
mom, rate, g = 0.9, 10.0, rng.normal(size=(3, 3))
mu_t, w_t = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
mu_next = mom * mu_t + (1 - mom) * g
decide(132, np.allclose(w_t - rate * mu_next, w_t - rate * (mom * mu_t + (1 - mom) * g)),
       "mu_(t+1) <- m mu_t + (1 - m) dE/dw_t, w_(t+1) <- w_t - eta mu_(t+1), as the notebook's loop does (definition)")
finish()
