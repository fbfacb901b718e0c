"""Independent truth for tests/posts/conv_blind14/yinxiaojian_bouvrie_cnn_notes_zh (NumPy and torch, no derive).

The post (a Chinese Hexo post, 2018-03-21) translates Bouvrie's 'Notes on Convolutional Neural Networks' and adds
its own supplement ('补充说明') with a 3x3 map, a 2x2 kernel and every gradient entry written out. Two operations
are in play and each part keeps its own: the translated sections use MATLAB's conv2 (true convolution, the kernel
flipped; 'valid' in the forward pass, as line 76 says; 'full' where line 126 says so), and the supplement's '*' is
the cross-correlation that its lines 174-177 write out 'by the definition' (the supplement then explains that
conv2 rotates the kernel, which is why the paper rotates twice). The down-sampling down() sums n x n blocks (line
118), with a multiplicative beta and an additive b per map (line 114). Every formula is evaluated as printed in
float64 on random values against torch (conv2d, linear) and autograd; f is the sigmoid (the post names the
logistic and tanh as the usual choices)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1414)
T = lambda a: torch.tensor(np.ascontiguousarray(a, dtype=np.float64))
f = torch.sigmoid
df = lambda u: f(u) * (1 - f(u))
rot = lambda a: torch.flip(a, [-2, -1])
jac = torch.autograd.functional.jacobian


def xcorr(a, k):
    """valid cross-correlation (the supplement's '*')"""
    return F.conv2d(a[None, None], k[None, None])[0, 0]


def conv2(a, k, mode="valid"):
    """MATLAB conv2: true convolution (kernel flipped), 'valid' or 'full'"""
    if mode == "full":
        a = F.pad(a, (k.shape[1] - 1, k.shape[1] - 1, k.shape[0] - 1, k.shape[0] - 1))
    return xcorr(a, rot(k))


def down(x, n=2):
    return F.avg_pool2d(x[None, None], n)[0, 0] * n * n      # sum over n x n blocks


# ---- section 2: the fully connected network, E^N over N samples, E^n of one sample ----
N, c = 3, 4
t, y = T(rng.normal(size=(N, c))), T(rng.normal(size=(N, c)))
EN = 0.5 * ((t - y) ** 2).sum()
decide(5, True, "E^N = 1/2 sum_n sum_k (t_k^n - y_k^n)^2 (definition of the total error)")
one = [0.5 * torch.linalg.norm(t[n] - y[n]) ** 2 for n in range(N)]
print(f"   (line 11: E^N = {EN.item():.4f}; 1/2 ||t^n - y^n||^2 for n = 1..{N}: {[round(v.item(), 4) for v in one]}; "
      f"their sum is E^N: {torch.isclose(sum(one), EN)})")
decide(11, any(torch.isclose(EN, v) for v in one), "'the error of the n-th sample': E^N = 1/2 sum_{n=1}^N sum_k "
       "(t_k^n - y_k^n)^2 = 1/2 ||t^n - y^n||^2: the sum over all N samples is set equal to one sample's error")
sizes = [3, 5, 4]
Ws = [T(rng.normal(size=(sizes[k + 1], sizes[k]))).requires_grad_() for k in range(2)]
bs = [T(rng.normal(size=sizes[k + 1])).requires_grad_() for k in range(2)]
x0, tn = T(rng.normal(size=3)), T(rng.normal(size=4))
us, xs = [], [x0]
for W, b in zip(Ws, bs):
    u = W @ xs[-1] + b
    u.retain_grad()
    us.append(u)
    xs.append(f(u))
En = 0.5 * torch.linalg.norm(tn - xs[-1]) ** 2
En.backward()
decide(15, torch.allclose(xs[1], f(F.linear(x0, Ws[0], bs[0]))), "x^l = f(u^l), u^l = W^l x^{l-1} + b^l "
       "(definition) against torch linear")
decide(19, np.isclose(1.7159 * np.tanh(2 / 3), 1, atol=1e-4) and np.isclose(1.7159 * np.tanh(-2 / 3), -1, atol=1e-4),
       f"a tanh(b x) with a = 1.7159, b = 2/3 gives f(+-1) = +-{1.7159 * np.tanh(2 / 3):.5f}")
decide(29, torch.allclose(bs[0].grad, us[0].grad), "dE/db = dE/du du/db = delta")
decide(35, torch.allclose(us[0].grad, (Ws[1].T @ us[1].grad) * df(us[0])), "delta^l = (W^{l+1})^T delta^{l+1} o "
       "f'(u^l) (the superscript t read as l, the translation's rendering of the paper's script l)")
decide(39, torch.allclose(us[1].grad, df(us[1]) * (xs[-1] - tn)), "delta^L = f'(u^L) o (y^n - t^n)")
v43 = torch.outer(xs[0], us[0].grad)                                          # x^{l-1} (delta^l)^T
print(f"   (line 43: dE/dW^l is {tuple(Ws[0].grad.shape)}, delta^l (x^{{l-1}})^T: "
      f"{torch.allclose(Ws[0].grad, torch.outer(us[0].grad, xs[0]))}; the printed x^{{l-1}} (delta^l)^T is "
      f"{tuple(v43.shape)}, the transpose)")
decide(43, v43.shape == Ws[0].grad.shape and torch.allclose(v43, Ws[0].grad), "dE/dW^l = x^{l-1} (delta^l)^T: with "
       "u^l = W^l x^{l-1} + b^l the gradient is delta^l (x^{l-1})^T; the printed outer product is its transpose")

# ---- 3.1: convolution layer u = conv2(x, k, 'valid') + b (true convolution), x^l = f(u) ----
x_in = T(rng.normal(size=(6, 6)))
k = T(rng.normal(size=(3, 3))).requires_grad_()
b = T(rng.normal(size=())).requires_grad_()
u = conv2(x_in, k) + b
u.retain_grad()
G = T(rng.normal(size=(4, 4)))
(G * f(u)).sum().backward()
dl, kd = u.grad, k.detach()
decide(72, torch.allclose(u.detach(), F.conv2d(x_in[None, None], rot(kd)[None, None])[0, 0] + b.detach()),
       "x_j^l = f(sum_i x_i^{l-1} * k_ij + b_j) with '*' MATLAB's conv2 'valid' (definition; one input map)")
decide(98, torch.isclose(b.grad, dl.sum()), "dE/db_j = sum_uv (delta_j^l)_uv")
K = 3
p = lambda uu, vv: rot(x_in[uu:uu + K, vv:vv + K])           # the patch multiplied elementwise with k at (u, v)
g102 = sum(dl[uu, vv] * p(uu, vv) for uu in range(4) for vv in range(4))
decide(102, torch.allclose(g102, k.grad), "dE/dk = sum_uv (delta)_uv (p)_uv, p_uv the patch of x multiplied "
       "elementwise with k for output (u, v)")
decide(106, torch.allclose(rot(conv2(x_in, rot(dl), "valid")), k.grad), "dE/dk = rot180(conv2(x, rot180(delta), "
       "'valid'))")

# 3.1.1: convolution layer l followed by a sub-sampling layer l+1: u^{l+1} = beta down(x^l) + b', n = 2
beta, b2 = T(rng.normal(size=())).requires_grad_(), T(rng.normal(size=())).requires_grad_()
ul = T(rng.normal(size=(4, 4))).requires_grad_()
xl = f(ul)
dn = down(xl)
u2 = beta * dn + b2
u2.retain_grad()
G2 = T(rng.normal(size=(2, 2)))
(G2 * f(u2)).sum().backward()
up = lambda a: torch.kron(a, torch.ones(2, 2))
decide(86, torch.allclose(ul.grad, beta.detach() * (df(ul.detach()) * up(u2.grad))), "delta^l = beta^{l+1} "
       "(f'(u^l) o up(delta^{l+1})) for a sum-pooling layer l+1")
a90 = T(rng.normal(size=(2, 3)))
decide(90, torch.allclose(torch.kron(a90, torch.ones(2, 2)), a90.repeat_interleave(2, 0).repeat_interleave(2, 1)),
       "up(x) = x (x) 1_{n x n} copies each entry n times in both directions")
decide(114, torch.allclose(u2.detach(), beta.detach() * F.avg_pool2d(xl.detach()[None, None], 2)[0, 0] * 4
                           + b2.detach()), "x_j^l = f(beta_j down(x_j^{l-1}) + b_j), down the n x n block sum "
       "(definition)")
decide(132, torch.isclose(b2.grad, u2.grad.sum()), "sub-sampling layer: dE/db_j = sum_uv (delta_j^l)_uv")
d142 = dn.detach()
print(f"   (line 142: dE/dbeta_j = {beta.grad.item():.4f}; sum_uv (delta o d)_uv = "
      f"{(u2.grad * d142).sum().item():.4f}; the printed sum_uv delta_uv = {u2.grad.sum().item():.4f})")
decide(142, torch.isclose(beta.grad, u2.grad.sum()), "dE/dbeta_j = sum_uv (delta_j^l): the factor d_j^l = "
       "down(x_j^{l-1}) defined on the line before is dropped; the gradient is sum_uv (delta_j^l o d_j^l)_uv")

# 3.2.1: sub-sampling layer l followed by a convolution layer l+1 (conv2 'valid', kernel 2x2)
us_ = T(rng.normal(size=(4, 4))).requires_grad_()
k2 = T(rng.normal(size=(2, 2)))
u3 = conv2(f(us_), k2) + 0.3
u3.retain_grad()
(T(rng.normal(size=(3, 3))) * f(u3)).sum().backward()
decide(126, torch.allclose(us_.grad, df(us_.detach()) * conv2(u3.grad, rot(k2), "full")), "delta^l = f'(u^l) o "
       "conv2(delta^{l+1}, rot180(k^{l+1}), 'full')")

# ---- the supplement: 3x3 x, 2x2 k, z = x * k with '*' the cross-correlation of lines 174-177 ----
xs3 = T(rng.normal(size=(3, 3))).requires_grad_()
ks = T(rng.normal(size=(2, 2))).requires_grad_()
z = xcorr(xs3, ks)
z.retain_grad()
Gz = T(rng.normal(size=(2, 2)))
(Gz * torch.tanh(z)).sum().backward()
X, Kk, d = xs3.detach(), ks.detach(), z.grad
x_ = lambda i, j: X[i - 1, j - 1]
k_ = lambda i, j: Kk[i - 1, j - 1]
d_ = lambda i, j: d[i - 1, j - 1]
zp = {(1, 1): x_(1, 1) * k_(1, 1) + x_(1, 2) * k_(1, 2) + x_(2, 1) * k_(2, 1) + x_(2, 2) * k_(2, 2),
      (1, 2): x_(1, 2) * k_(1, 1) + x_(1, 3) * k_(1, 2) + x_(2, 2) * k_(2, 1) + x_(2, 3) * k_(2, 2),
      (2, 1): x_(2, 1) * k_(1, 1) + x_(2, 2) * k_(1, 2) + x_(3, 1) * k_(2, 1) + x_(3, 2) * k_(2, 2),
      (2, 2): x_(2, 2) * k_(1, 1) + x_(2, 3) * k_(1, 2) + x_(3, 2) * k_(2, 1) + x_(3, 3) * k_(2, 2)}
for line, (i, j) in zip(range(174, 178), [(1, 1), (1, 2), (2, 1), (2, 2)]):
    decide(line, torch.isclose(zp[(i, j)], z[i - 1, j - 1]), f"z_{i}{j} written out = torch conv2d "
           "(cross-correlation; the supplement's '*', definition)")
Jk = jac(lambda v: xcorr(X, v), Kk)
decide(181, torch.allclose(torch.einsum("ij,ijab->ab", d, Jk), ks.grad), "dE/dk = dE/dz dz/dk = delta dz/dk "
       "(the last member's missing partials read as dz/dk, the only defined reading)")
gk = {(1, 1): d_(1, 1) * x_(1, 1) + d_(1, 2) * x_(2, 2) + d_(2, 1) * x_(2, 1) + d_(2, 2) * x_(2, 2),
      (1, 2): d_(1, 1) * x_(1, 2) + d_(1, 2) * x_(1, 3) + d_(2, 1) * x_(2, 2) + d_(2, 2) * x_(2, 3),
      (2, 1): d_(1, 1) * x_(2, 1) + d_(1, 2) * x_(2, 2) + d_(2, 1) * x_(3, 1) + d_(2, 2) * x_(3, 2),
      (2, 2): d_(1, 1) * x_(2, 2) + d_(1, 2) * x_(2, 3) + d_(2, 1) * x_(3, 2) + d_(2, 2) * x_(3, 3)}
fix185 = d_(1, 1) * x_(1, 1) + d_(1, 2) * x_(1, 2) + d_(2, 1) * x_(2, 1) + d_(2, 2) * x_(2, 2)
print(f"   (line 185: dE/dk_11 = {ks.grad[0, 0].item():.4f}; printed (delta_12 x_22) {gk[(1, 1)].item():.4f}; "
      f"with delta_12 x_12: {fix185.item():.4f})")
for line, (i, j) in zip(range(185, 189), [(1, 1), (1, 2), (2, 1), (2, 2)]):
    decide(line, torch.isclose(gk[(i, j)], ks.grad[i - 1, j - 1]), f"nabla k_{i}{j} against autograd"
           + (": the second term multiplies delta_12 by x_22 where z_12 holds x_12 k_11" if (i, j) == (1, 1) else ""))
decide(207, torch.allclose(xcorr(X, d), ks.grad), "x * delta = (nabla k) (the display of lines 191-210, "
       "claimed on its last row)")
decide(213, torch.allclose(xcorr(X, d), ks.grad), "dE/dk^l = x^{l-1} * delta^l")
a = torch.ones(3, 3)
km = T(np.arange(1, 10).reshape(3, 3))
full = conv2(a, km, "full")
printed = T([[1, 3, 6, 5, 3], [5, 12, 21, 16, 9], [12, 27, 45, 33, 18], [11, 24, 39, 28, 15], [7, 15, 24, 17, 9]])
for r, line in enumerate(range(232, 237)):
    decide(line, torch.allclose(full[r], printed[r]), f"row {r + 1} of MATLAB convn(ones(3), [1 2 3; 4 5 6; 7 8 9], "
           "'full'), the true convolution")
Jx = jac(lambda v: xcorr(v, Kk), X)
decide(245, torch.allclose(torch.einsum("ij,ijab->ab", d, Jx), xs3.grad), "dE/dx^{l-1} = dE/dz dz/dx = delta dz/dx")
gx = [d_(1, 1) * k_(1, 1), d_(1, 1) * k_(1, 2) + d_(1, 2) * k_(1, 1), d_(1, 2) * k_(1, 2),
      d_(1, 1) * k_(2, 1) + d_(2, 1) * k_(1, 1),
      d_(1, 1) * k_(2, 2) + d_(1, 2) * k_(2, 1) + d_(2, 1) * k_(1, 2) + d_(2, 2) * k_(1, 1),
      d_(1, 2) * k_(2, 2) + d_(2, 2) * k_(1, 2), d_(2, 1) * k_(2, 1), d_(2, 1) * k_(2, 2) + d_(2, 2) * k_(2, 1),
      d_(2, 2) * k_(2, 2)]
for n, line in enumerate(range(249, 258)):
    i, j = divmod(n, 3)
    decide(line, torch.isclose(gx[n], xs3.grad[i, j]), f"nabla x_{i + 1}{j + 1} against autograd")
dpad = F.pad(d, (1, 1, 1, 1))
decide(278, torch.allclose(xcorr(dpad, rot(Kk)), xs3.grad), "zero-bordered delta * rot180(k) = (nabla x) (the display "
       "of lines 259-281, claimed on its last row)")
decide(284, torch.allclose(xcorr(dpad, rot(Kk)), xs3.grad), "dE/dx^{l-1} = delta^l * rot180(k^l), delta read with "
       "the zero border of the display above")
finish()
