"""Independent truth for tests/posts/conv_blind16/thomasatlantis_c99_mnist_conv_maxpool_zh (NumPy and torch, no derive).

The post (the Chinese README of ThomasAtlantis/C99_MNIST, a C99 port of a one-convolution MNIST network) derives the
backward pass of conv -> ReLU -> 2x2 max pooling -> sigmoid -> fully connected -> softmax with cross-entropy: the
output sensitivity delta_i = dC/dy_i, the sensitivity of the FC input z_j through the sigmoid, the sigmoid's
derivative through s = 1/sigma, max-pool routing, the convolution's input sensitivity on a 3x3 map and a 2x2 kernel
entry by entry and as pad_1(delta) * rot180(W), the FC and kernel updates, the kernel gradient of a 4x4 map and a 3x3
kernel entry by entry and as an index sum, and the bias gradient. '*' is the valid cross-correlation its own
z_11 .. z_22 write out (checked against torch conv2d). Every formula is evaluated as printed in float64 on random
values against torch and autograd; index formulas are read with Strict arrays (an index outside an array is
undefined, never wrapped or zero). Entry indices a_11, delta_11, w_11 count from 1; the sums of lines 134 and 143
start at 0, and out.L, out.W are the output's height and width (the repository's C code loops i < conv->L)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, finish and Strict
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1602)
T = lambda x: torch.tensor(np.ascontiguousarray(x, dtype=np.float64))
jac = torch.autograd.functional.jacobian


def xcorr(x, k):
    """the post's '*': valid cross-correlation of one map with one kernel"""
    return F.conv2d(T(x)[None, None], T(k)[None, None])[0, 0].numpy()


# ---- #1 softmax and cross-entropy (lines 9-14): y the FC outputs, y' = softmax(y), t one-hot (line 16)
K, label = 6, 2
y = rng.normal(size=K)
t = np.eye(K)[label]
yt = T(y).requires_grad_()
C = -(T(t) * torch.log_softmax(yt, 0)).sum()
C.backward()
delta = yt.grad.numpy()                                   # dC/dy_i
yp = torch.softmax(T(y), 0).numpy()
decide(9, np.isclose(C.item(), F.cross_entropy(T(y)[None], torch.tensor([label])).item()),
       "C = -sum_k t_k ln y'_k with y' the softmax (definition), against torch cross_entropy")
decide(10, True, "delta_i = dC/dy_i (definition)")
dsoft = yp * (1 - yp)                                     # dy'_i/dy_i, the diagonal of the softmax Jacobian
v11 = -t / y * dsoft
v11b = -t / yp * dsoft
print(f"   (line 11: with 1/y'_i for 1/y_i it would be -t_i(1 - y'_i) = {np.round(v11b, 4).tolist()}, still not "
      f"dC/dy = {np.round(delta, 4).tolist()}: the terms k != i of the sum, -t_k/y'_k dy'_k/dy_i, are dropped)")
decide(11, np.allclose(v11, delta), "dC/dy_i = -t_i (1/y_i) dy'_i/dy_i: the derivative of ln y'_i is 1/y'_i, not "
       "1/y_i, and the sum over k loses its terms k != i (dy'_k/dy_i = -y'_k y'_i)")
S = np.exp(y).sum()
v12 = -t / yp * (np.exp(y) * S - np.exp(y) * np.exp(y)) / S ** 2
decide(12, np.allclose(v12, delta), "= -t_i (1/y'_i)(e^y_i sum - e^2y_i)/sum^2 = -t_i(1 - y'_i): the quotient rule "
       "is right, but the k != i terms of line 11 are still missing (0 where t_i = 0, where dC/dy_i = y'_i)")
v13 = -t * (1 - np.exp(y) / S)
decide(13, np.allclose(v13, delta), "= -t_i(1 - y'_i), as line 12")
decide(14, np.allclose(yp - t, delta), "= y'_i - t_i against autograd (right, though it does not follow from line 13)")

# ---- #2 the FC input z_j through the sigmoid (lines 21-34): y_i = sum_k w_ik sigma(z_k) + b_i
J = 5
z = rng.normal(size=J)
Wfc, bfc = rng.normal(size=(K, J)), rng.normal(size=K)
zt = T(z).requires_grad_()
yv = T(Wfc) @ torch.sigmoid(zt) + T(bfc)
yv.retain_grad()
(-(T(t) * torch.log_softmax(yv, 0)).sum()).backward()
dz, dy = zt.grad.numpy(), yv.grad.numpy()
Jy = jac(lambda v: T(Wfc) @ torch.sigmoid(v) + T(bfc), T(z)).numpy()          # dy_i/dz_j
sg = 1 / (1 + np.exp(-z))
decide(21, np.allclose(dy @ Jy, dz), "delta_j = dC/dz_j = sum_i dC/dy_i dy_i/dz_j (all i downstream) against autograd")
decide(22, np.allclose(dy @ Jy, dz), "= sum_i delta_i d(sum_k w_ik sigma(z_k) + b_i)/dz_j")
decide(23, np.allclose(np.array([sum(dy[i] * sg[j] * (1 - sg[j]) * Wfc[i, j] for i in range(K)) for j in range(J)]),
                       dz), "= sum_i delta_i sigma'(z_j) w_ij")
xs = T(rng.normal(size=7)).requires_grad_()
s = 1 + torch.exp(-xs)                                    # s = 1/sigma (the post's 倒数, reciprocal)
ds = jac(lambda v: 1 + torch.exp(-v), xs.detach()).diagonal().numpy()
sx = s.detach().numpy()
sig = torch.sigmoid(xs.detach()).numpy()
dsig = jac(torch.sigmoid, xs.detach()).diagonal().numpy()
decide(27, np.allclose(ds, -np.exp(-xs.detach().numpy())) and np.allclose(ds, 1 - sx),
       "s = 1/sigma = 1 + e^-x: ds/dx = -e^-x = 1 - s(x)")
decide(28, np.allclose(dsig, -ds / sx ** 2) and np.allclose(dsig, (sx - 1) / sx ** 2),
       "dsigma/dx = -s'/s^2 = (s - 1)/s^2")
decide(29, np.allclose(dsig, (1 / sig - 1) * sig ** 2), "= (1/sigma - 1) sigma^2")
decide(30, np.allclose(dsig, (1 - sig) * sig), "= (1 - sigma) sigma")
decide(34, np.allclose(sg * (1 - sg) * (Wfc.T @ dy), dz), "delta_j = a_j(1 - a_j) sum_i delta_i w_ij, a_j = sigma(z_j)")

# ---- #3 max pooling (lines 38-44): a 4x4 pool input, 2x2 windows at stride 2 (the repository's), z_j the outputs
am = T(rng.normal(size=(4, 4))).requires_grad_()
zp = F.max_pool2d(am[None, None], 2)[0, 0]
zp.retain_grad()
Gp = T(rng.normal(size=(2, 2)))
(torch.sigmoid(zp) * Gp).sum().backward()                 # z_j then goes through the sigmoid into the FC layer
d_in, d_out = am.grad.numpy(), zp.grad.numpy()
A_ = am.detach().numpy()
zpv = zp.detach().numpy()
at_max = np.array([[A_[i, j] == zpv[i // 2, j // 2] for j in range(4)] for i in range(4)])
decide(40, np.allclose(d_in[at_max], np.array([d_out[i // 2, j // 2] for i in range(4) for j in range(4)
                                               if at_max[i, j]])),
       "delta_k^in = delta_j^out where a_k^in = z_j^out (the maximum of window j), against autograd")
decide(41, np.allclose(d_in[~at_max], 0), "0 for the other inputs of the window")

# ---- #4 the convolution's input sensitivity (lines 48-100): a^in 3x3, W 2x2, z^out = a^in * W (b = 0), then ReLU,
# then C = sum G ReLU(z^out) (so delta' = dC/dReLU(z^out) = G); ReLU'(z^out) must have zeros and ones
for seed in range(100):
    r2 = np.random.default_rng(1602 + seed)
    A3, W2 = r2.normal(size=(3, 3)), r2.normal(size=(2, 2))
    zz = xcorr(A3, W2)
    if (zz > 0).any() and (zz < 0).any():
        break
Gc = rng.normal(size=(2, 2))
a3 = T(A3).requires_grad_()
zo = F.conv2d(a3[None, None], T(W2)[None, None])[0, 0]
zo.retain_grad()
ro = torch.relu(zo)
ro.retain_grad()
(ro * T(Gc)).sum().backward()
d_a, d_z, d_r = a3.grad.numpy(), zo.grad.numpy(), ro.grad.numpy()   # dC/da^in, dC/dz^out, delta' = dC/dReLU(z^out)
Jz = jac(lambda v: F.conv2d(v[None, None], T(W2)[None, None])[0, 0], T(A3)).numpy().reshape(4, 9)
relu_p = (zz > 0).astype(float)
decide(48, np.allclose(Jz.T @ d_z.reshape(4), d_a.reshape(9)), "delta = dC/da^in = (dz^out/da^in)^T dC/dz^out "
       "(the Jacobian of the flattened maps) against autograd")
decide(49, np.allclose(Jz.T @ (d_r * relu_p).reshape(4), d_a.reshape(9)), "= (dz/da)^T (dC/dReLU(z^out) (.) "
       "ReLU'(z^out))")
decide(50, np.allclose(Jz.T @ (d_r * relu_p).reshape(4), d_a.reshape(9)), "= (dz/da)^T delta' ReLU'(z^out), "
       "delta' = dC/dReLU(z^out)")
z_printed = np.array([[A3[0, 0] * W2[0, 0] + A3[0, 1] * W2[0, 1] + A3[1, 0] * W2[1, 0] + A3[1, 1] * W2[1, 1],
                       A3[0, 1] * W2[0, 0] + A3[0, 2] * W2[0, 1] + A3[1, 1] * W2[1, 0] + A3[1, 2] * W2[1, 1]],
                      [A3[1, 0] * W2[0, 0] + A3[1, 1] * W2[0, 1] + A3[2, 0] * W2[1, 0] + A3[2, 1] * W2[1, 1],
                       A3[1, 1] * W2[0, 0] + A3[1, 2] * W2[0, 1] + A3[2, 1] * W2[1, 0] + A3[2, 2] * W2[1, 1]]])
decide(65, zz.shape == (2, 2), "a (3x3) * W (2x2) = z (2x2), stride 1 (definition)")
for n, (i, j) in zip(range(66, 70), [(0, 0), (0, 1), (1, 0), (1, 1)]):
    decide(n, np.isclose(z_printed[i, j], zz[i, j]), f"z_{i + 1}{j + 1} written out = torch conv2d")
# lines 72-80: nabla a_ij with delta_ij = dC/dz_ij (the example's own delta)
dd = lambda i, j: d_z[i - 1, j - 1]
ww = lambda i, j: W2[i - 1, j - 1]
rows = {72: (1, 1, dd(1, 1) * ww(1, 1)),
        73: (1, 2, dd(1, 1) * ww(1, 2) + dd(1, 2) * ww(1, 1)),
        74: (1, 3, dd(1, 2) * ww(1, 2)),
        75: (2, 1, dd(1, 1) * ww(2, 1) + dd(2, 1) * ww(1, 1)),
        76: (2, 2, dd(1, 1) * ww(2, 2) + dd(1, 2) * ww(2, 1) + dd(2, 1) * ww(1, 2) + dd(2, 2) * ww(1, 1)),
        77: (2, 3, dd(1, 2) * ww(2, 2) + dd(2, 2) * ww(1, 2)),
        78: (3, 1, dd(2, 1) * ww(2, 1)),
        79: (3, 2, dd(2, 1) * ww(2, 2) + dd(2, 2) * ww(2, 1)),
        80: (3, 3, dd(2, 2) * ww(2, 2))}
for n, (i, j, v) in rows.items():
    decide(n, np.isclose(v, d_a[i - 1, j - 1]), f"nabla a_{i}{j} against autograd (delta = dC/dz^out)")
padded = xcorr(np.pad(d_z, 1), W2[::-1, ::-1])
decide(97, np.allclose(padded, d_a), "[[0,0,0,0],[0,d11,d12,0],[0,d21,d22,0],[0,0,0,0]] * [[w22,w21],[w12,w11]] = "
       "(nabla a_ij) against autograd")
# line 100: delta^in = pad_1(delta^out) * rot180(W) (.) ReLU'(z^out)
readings = {}
for name, dout in (("delta^out = dC/dz^out", d_z), ("delta^out = delta' = dC/dReLU(z^out)", d_r)):
    conv = xcorr(np.pad(dout, 1), W2[::-1, ::-1])                 # 3x3
    try:
        readings[name + ", (.) after the correlation"] = np.allclose(T(conv) * T(relu_p) if conv.shape ==
                                                                     relu_p.shape else np.nan, d_a)
    except Exception:
        readings[name + ", (.) after the correlation"] = False
    readings[name + ", (.) on rot180(W)"] = np.allclose(xcorr(np.pad(dout, 1), W2[::-1, ::-1] * relu_p), d_a)
right = np.allclose(xcorr(np.pad(d_r * relu_p, 1), W2[::-1, ::-1]), d_a)
print(f"   (line 100: pad_1(delta') * rot180(W) is 3x3 and ReLU'(z^out) is 2x2, so the printed (.) is undefined; the "
      f"readings: {readings}; ReLU'(z^out) = {relu_p.tolist()}; inside the padding, pad_1(delta' (.) ReLU'(z^out)) "
      f"* rot180(W), it holds: {right})")
decide(100, any(readings.values()), "delta^in = pad_1(delta^out) * rot180(W) (.) ReLU'(z^out): ReLU'(z^out) belongs "
       "to the 2x2 output and must multiply delta' before the padding; multiplied after the correlation it does not "
       "even fit the 3x3 result, and under no reading of delta^out or of the (.) does the line give dC/da^in")
zr = T(rng.normal(size=9)).requires_grad_()
torch.relu(zr).sum().backward()
decide(103, np.allclose(zr.grad.numpy()[zr.detach().numpy() > 0], 1), "ReLU'(z) = 1 for z > 0")
decide(104, np.allclose(zr.grad.numpy()[zr.detach().numpy() <= 0], 0), "ReLU'(z) = 0 otherwise")

# ---- the FC updates (lines 118-124): y_j = sum_i w_ji x_i + b_j, x the FC input, eta a learning rate
xi = rng.normal(size=J)
Wt, bt = T(Wfc).requires_grad_(), T(bfc).requires_grad_()
yy = Wt @ T(xi) + bt
yy.retain_grad()
(-(T(t) * torch.log_softmax(yy, 0)).sum()).backward()
dyy = yy.grad.numpy()
eta = 0.1
decide(118, np.allclose(Wt.grad.numpy(), np.outer(dyy, xi)), "dC/dw_ji = dC/dy_j dy_j/dw_ji = delta_j x_i")
decide(119, np.allclose(Wfc - eta * Wt.grad.numpy(), Wfc - eta * np.outer(dyy, xi)), "w_ji - eta delta_j x_i is "
       "the gradient step")
decide(123, np.allclose(bt.grad.numpy(), dyy), "dC/db_j = delta_j")
decide(124, np.allclose(bfc - eta * bt.grad.numpy(), bfc - eta * dyy), "b_j - eta delta_j is the gradient step")

# ---- #3 the kernel gradient (lines 127-143): a 4x4, W 3x3, z 2x2, delta = dC/dz
A4, W3, G4 = rng.normal(size=(4, 4)), rng.normal(size=(3, 3)), rng.normal(size=(2, 2))
w3 = T(W3).requires_grad_()
z4 = F.conv2d(T(A4)[None, None], w3[None, None])[0, 0]
z4.retain_grad()
(z4 * T(G4)).sum().backward()
gW, d4 = w3.grad.numpy(), z4.grad.numpy()
decide(127, z4.shape == (2, 2), "a 4x4 map and a 3x3 kernel give a 2x2 output and a 2x2 delta")
a_ = lambda i, j: A4[i - 1, j - 1]
e = lambda i, j: d4[i - 1, j - 1]
entries = {129: (1, 1, a_(1, 1) * e(1, 1) + a_(1, 2) * e(1, 2) + a_(2, 1) * e(2, 1) + a_(2, 2) * e(2, 2)),
           130: (1, 2, a_(1, 2) * e(1, 1) + a_(1, 3) * e(1, 2) + a_(2, 2) * e(2, 1) + a_(2, 3) * e(2, 2)),
           131: (1, 3, a_(1, 3) * e(1, 1) + a_(1, 4) * e(1, 2) + a_(2, 3) * e(2, 1) + a_(2, 4) * e(2, 2)),
           132: (2, 1, a_(2, 1) * e(1, 1) + a_(2, 2) * e(1, 2) + a_(3, 1) * e(2, 1) + a_(3, 2) * e(2, 2))}
for n, (p, q, v) in entries.items():
    decide(n, np.isclose(v, gW[p - 1, q - 1]), f"dC/dw_{p}{q} against autograd ('dC/w' read as dC/dw)")


def sum134(p, q, dbase, upper):
    """sum_{i=0}^{upper} sum_{j=0}^{upper} delta_ij x_{i+p, j+q}: delta read in base dbase, x (= a) 1-based"""
    Ds, Xs = Strict(d4), Strict(A4)
    return sum(Ds(i - dbase, j - dbase) * Xs(i + p - 1, j + q - 1) for i in range(upper + 1) for j in range(upper + 1))


outL = 2                                                  # out.L = out.W = the output's size
res = {}
for base in (0, 1):
    try:
        res[f"delta {base}-based"] = all(np.isclose(sum134(p, q, base, outL), gW[p - 1, q - 1])
                                         for p in range(1, 4) for q in range(1, 4))
    except IndexError as err:
        res[f"delta {base}-based"] = f"undefined, index {err}"
short = all(np.isclose(sum134(p, q, 0, outL - 1), gW[p - 1, q - 1]) for p in range(1, 4) for q in range(1, 4))
print(f"   (line 134: with i, j = 0 .. out.L = {outL}: {res}; stopping at out.L - 1 (delta 0-based, x 1-based) it "
      f"holds: {short})")
decide(134, any(v is True for v in res.values()), "dC/dw_pq = sum_{i=0}^{out.L} sum_{j=0}^{out.W} delta_ij "
       "x_{i+p,j+q}: i and j take out.L + 1 and out.W + 1 values over an out.L x out.W delta, so the sum names a row "
       "and a column of delta that do not exist (x^in read as a^in)")
decide(136, np.allclose(xcorr(A4, d4), gW), "dC/dW = a^in * delta^out (valid cross-correlation) against autograd")
# line 143: several kernels k; dC/db_k = sum over the positions of kernel k's delta
Xk = T(rng.normal(size=(1, 1, 4, 4)))
bk = T(rng.normal(size=3)).requires_grad_()
zk = F.conv2d(Xk, T(rng.normal(size=(3, 1, 3, 3))), bk)
zk.retain_grad()
(zk * T(rng.normal(size=zk.shape))).sum().backward()
dk = zk.grad.numpy()[0]
try:
    v143 = [sum(Strict(dk[k])(i, j) for i in range(outL + 1) for j in range(outL + 1)) for k in range(3)]
    ok143 = np.allclose(v143, bk.grad.numpy())
except IndexError:
    ok143 = False
ok143s = np.allclose([dk[k][:outL, :outL].sum() for k in range(3)], bk.grad.numpy())
print(f"   (line 143: with i, j up to out.L - 1 the sum is dC/db_k: {ok143s})")
decide(143, ok143, "dC/db_k = sum_{i=0}^{out.L} sum_{j=0}^{out.W} dC/dz_ij dz_ij/db_k = sum delta_ij: the same "
       "bounds as line 134, one row and one column past the output")
finish()
