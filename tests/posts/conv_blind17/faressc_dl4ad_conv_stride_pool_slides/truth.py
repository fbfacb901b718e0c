"""Independent truth for tests/posts/conv_blind17/faressc_dl4ad_conv_stride_pool_slides (NumPy and torch, no derive).

The post (reveal.js lecture slides in Markdown, 'Convolutional Layers', faressc/dl4ad) derives backpropagation through
a single-channel 1D convolution written as a true convolution, z[n] = sum_{k=0}^{M-1} w[k] h[n-k] + b with
h = sigma(z) and an MSE loss; then the hidden-layer rule, the summary, a table against the MLP, the multi-channel
case, stride, 1D max pooling with stride and the transposed convolution y[n] = sum_k w[k] x'[n+k] + b on the input
padded with M - 1 zeros. Signals are kept as dicts keyed by the post's own index: the forward's n runs over the
positions where every h[n-k] exists (n = M-1 .. L_in-1, which gives its L_out = L_in - M + 1), a later layer's
positions follow from the one before, a strided output runs over the n with every h[n s - k] inside the input, and the
pooled output over n = 0 .. floor((L_in - M)/s). The post calls the input gradient sum_k delta[n+k] w[k] a 'full
convolution', so delta is read as zero outside its positions there (the zero padding a full convolution has); every
other lookup is Strict. All gradients are checked in float64 against torch autograd (and conv1d, max_pool1d,
conv_transpose1d for the forwards)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, finish and Strict
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1701)
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))


def conv(h, w, b, s=1):
    """the post's forward z[n] = sum_k w[k] h[n s - k] + b over the n where every h[n s - k] exists; h a dict of
    torch scalars (or numbers) keyed by position; returns a dict keyed by n"""
    M, keys = len(w), set(h)
    out = {}
    for n in range(0, max(keys) // s + 1):
        if all(n * s - k in keys for k in range(M)):
            out[n] = sum(w[k] * h[n * s - k] for k in range(M)) + b
    return out


def as_dict(v, start=0):
    return {start + i: v[i] for i in range(len(v))}


def grads(d):
    """each entry's gradient (0 where the loss does not reach it)"""
    return {n: (v.grad.item() if v.grad is not None else 0.0) for n, v in d.items()}


# ---- one layer (lines 31-140): N = 2 samples, L_in = 9, M = 3, h^(L-1) -> z^(L) -> y_hat = sigma(z), MSE
N, Lin, M = 2, 9, 3
H = rng.normal(size=(N, Lin))
w0, b0 = rng.normal(size=M), rng.normal()
Yt = rng.normal(size=(N, Lin - M + 1))
wt, bt = T(w0).requires_grad_(), T(b0).requires_grad_()
hs = [{n: T(H[i, n]).requires_grad_() for n in range(Lin)} for i in range(N)]
zs = [conv(h, wt, bt) for h in hs]
for z in zs:
    for v in z.values():
        v.retain_grad()
yh = [{n: torch.sigmoid(v) for n, v in z.items()} for z in zs]
pos = sorted(zs[0])
Lsum = sum((T(Yt[i, j]) - yh[i][n]) ** 2 for i in range(N) for j, n in enumerate(pos)) / N
Lsum.backward()
dz = [grads(z) for z in zs]
zval = [{n: v.item() for n, v in z.items()} for z in zs]
sig = lambda x: 1 / (1 + np.exp(-x))
dsig = lambda x: sig(x) * (1 - sig(x))
ref = F.conv1d(T(H)[:, None], T(w0[::-1].copy())[None, None], T([b0]))[:, 0].numpy()     # true conv = xcorr, flipped w
decide(31, pos == list(range(M - 1, Lin)) and np.allclose([[zval[i][n] for n in pos] for i in range(N)], ref),
       "z[n] = sum_k w[k] h[n-k] + b (definition; n = M-1 .. L_in-1, a true convolution: torch conv1d with w flipped)")
decide(32, True, "h[n] = sigma(z[n]) (definition)")
decide(42, len(pos) == Lin - M + 1, f"L_out = L_in - M + 1 = {Lin - M + 1}: the positions with every h[n-k] inside")
Wtoe = np.array([[w0[n - j] if 0 <= n - j < M else 0.0 for j in range(Lin)] for n in pos])
decide(52, np.allclose(Wtoe @ H[0] + b0, [zval[0][n] for n in pos]), "z = W h + b 1 with W the Toeplitz matrix "
       "W[n, j] = w[n - j]")
mse = F.mse_loss(T([[yh[i][n].item() for n in pos] for i in range(N)]), T(Yt), reduction="sum").item() / N
decide(72, np.isclose(Lsum.item(), mse), "L = (1/N) sum_i sum_n (y_i[n] - y_hat_i[n])^2 (definition, torch mse_loss "
       "summed over n and averaged over the N samples)")
row82 = [[2 / N * (sig(zval[i][n]) - Yt[i, j]) * dsig(zval[i][n]) for j, n in enumerate(pos)] for i in range(N)]
auto82 = [[dz[i][n] for n in pos] for i in range(N)]
decide(82, np.allclose(row82, auto82), "dL_i/dz_i[n] = dL_i/dy_hat dy_hat/dz = (2/N)(y_hat - y) sigma'(z), L_i the "
       "sample's term (1/N) sum_n (y_i[n] - y_hat_i[n])^2 of L, against autograd's dL/dz_i")
decide(94, np.allclose(row82, auto82), "delta_i[n] = (2/N)(y_hat_i[n] - y_i[n]) sigma'(z_i[n]) = dL/dz_i[n]")
decide(98, np.allclose(np.array(row82), (2 / N) * (sig(np.array([[zval[i][n] for n in pos] for i in range(N)])) - Yt)
                       * dsig(np.array([[zval[i][n] for n in pos] for i in range(N)]))), "the vector form, elementwise")
decide(113, np.allclose([zval[1][n] for n in pos], ref[1]), "z_i[n] = sum_k w[k] h_i[n-k] + b (the forward again, "
       "per sample)")
# per sample: dL_i/dw and dL_i/db (L_i's own gradient: backward of sample i's term alone)
ok122, ok140 = True, True
for i in range(N):
    w1, b1 = T(w0).requires_grad_(), T(b0).requires_grad_()
    zi = conv(as_dict(T(H[i])), w1, b1)
    Li = sum((T(Yt[i, j]) - torch.sigmoid(zi[n])) ** 2 for j, n in enumerate(pos)) / N
    Li.backward()
    d = {n: 2 / N * (sig(zval[i][n]) - Yt[i, j]) * dsig(zval[i][n]) for j, n in enumerate(pos)}
    ok122 &= np.allclose([sum(d[n] * H[i, n - k] for n in pos) for k in range(M)], w1.grad.numpy())
    ok140 &= np.isclose(sum(d.values()), b1.grad.item())
decide(122, ok122, "dL_i/dw[k] = sum_n dL_i/dz_i[n] dz_i[n]/dw[k] = sum_n delta_i[n] h_i[n-k] against autograd")
decide(140, ok140, "dL_i/db = sum_n delta_i[n] dz_i[n]/db = sum_n delta_i[n] against autograd")

# ---- two layers (lines 163-262): x -> z1 -> h1 = sigma(z1) -> z2 -> y_hat = sigma(z2), one sample, L = sum (y - y_hat)^2
x = rng.normal(size=11)
w1n, b1n, w2n, b2n = rng.normal(size=M), rng.normal(), rng.normal(size=M), rng.normal()
W1, B1, W2, B2 = (T(a).requires_grad_() for a in (w1n, b1n, w2n, b2n))
z1 = conv(as_dict(T(x)), W1, B1)
h1 = {n: torch.sigmoid(v) for n, v in z1.items()}
for v in list(z1.values()) + list(h1.values()):
    v.retain_grad()
z2 = conv(h1, W2, B2)
for v in z2.values():
    v.retain_grad()
t2 = {n: rng.normal() for n in z2}
yhat2 = {n: torch.sigmoid(v) for n, v in z2.items()}
for v in yhat2.values():
    v.retain_grad()
L2 = sum((t2[n] - yhat2[n]) ** 2 for n in z2)
L2.backward()
d1, d2, dh1 = grads(z1), grads(z2), grads(h1)
z1v, z2v = {n: v.item() for n, v in z1.items()}, {n: v.item() for n, v in z2.items()}
dyh = grads(yhat2)
print(f"   (positions: z1 at {sorted(z1)}, z2 at {sorted(z2)})")
# local partials dz2[m]/dh1[n] from autograd
keys1 = sorted(h1)
J = torch.autograd.functional.jacobian(
    lambda v: torch.stack(list(conv({n: v[j] for j, n in enumerate(keys1)}, T(w2n), T(b2n)).values())),
    T([h1[n].item() for n in keys1])).numpy()                    # [m index, n index]
keys2 = sorted(z2)
decide(163, np.allclose([sum(d2[m] * J[a, j] for a, m in enumerate(keys2)) for j in range(len(keys1))],
                        [dh1[n] for n in keys1]), "dL/dh[n] = sum_m dL/dz^(l+1)[m] dz^(l+1)[m]/dh[n] against autograd")
decide(171, all(np.isclose(z2v[m], sum(w2n[k] * h1[m - k].item() for k in range(M)) + b2n) for m in keys2),
       "z^(l+1)[m] = sum_k w^(l+1)[k] h[m-k] + b^(l+1) (the forward of the next layer)")
case = np.array([[w2n[m - n] if 0 <= m - n < M else 0.0 for n in keys1] for m in keys2])
decide(176, np.allclose(case, J), "dz[m]/dh[n] = w[m-n] if 0 <= m-n < M, else 0: the autograd Jacobian, both cases")
dfull = lambda m: d2.get(m, 0.0)                                   # delta zero outside: the 'full convolution'
v177 = [sum(dfull(n + k) * w2n[k] for k in range(M)) for n in keys1]
try:
    strict = [sum(Strict(np.array([d2[m] for m in keys2]))(n + k - keys2[0]) * w2n[k] for k in range(M))
              for n in keys1]
    s177 = "defined everywhere"
except IndexError as err:
    s177 = f"undefined at the edges ({err}); the post's 'full convolution' pads delta with zeros"
print(f"   (line 177: read Strict the sum is {s177})")
decide(177, np.allclose(v177, [dh1[n] for n in keys1]), "dL/dh[n] = sum_k delta^(l+1)[n+k] w^(l+1)[k] (delta zero "
       "outside its positions, the full convolution the post names) against autograd")
v202 = {n: v177[j] * dsig(z1v[n]) for j, n in enumerate(keys1)}
decide(202, np.allclose([v202[n] for n in keys1], [d1[n] for n in keys1]), "delta^(l)[n] = dL/dh dh/dz = "
       "(sum_k delta^(l+1)[n+k] w^(l+1)[k]) sigma'(z^(l)[n]) against autograd")
decide(214, np.allclose([sum(d1[n] * x[n - k] for n in d1) for k in range(M)], W1.grad.numpy()),
       "dL/dw^(l)[k] = sum_n delta^(l)[n] h^(l-1)[n-k] (h^(l-1) = x here) against autograd")
decide(226, np.isclose(sum(d1.values()), B1.grad.item()), "dL/db^(l) = sum_n delta^(l)[n] against autograd")
decide(247, all(np.isclose(z1v[n], sum(w1n[k] * x[n - k] for k in range(M)) + b1n) for n in z1),
       "summary: z^(l)[n] = sum_k w[k] h^(l-1)[n-k] + b (the forward)")
decide(248, all(np.isclose(h1[n].item(), sig(z1v[n])) for n in h1), "summary: h^(l)[n] = sigma(z^(l)[n])")
decide(257, np.allclose([dyh[n] * dsig(z2v[n]) for n in keys2], [d2[n] for n in keys2]),
       "summary: delta^(L)[n] = dL/dy_hat[n] sigma'(z^(L)[n]) against autograd")
decide(259, np.allclose([v202[n] for n in keys1], [d1[n] for n in keys1]), "summary: delta^(l)[n] = [sum_k "
       "delta^(l+1)[n+k] w^(l+1)[k]] sigma'(z^(l)[n])")
ok261 = np.allclose([sum(d2[m] * h1[m - k].item() for m in d2) for k in range(M)], W2.grad.numpy()) and \
    np.allclose([sum(d1[n] * x[n - k] for n in d1) for k in range(M)], W1.grad.numpy())
decide(261, ok261, "summary: dL/dw^(l)[k] = sum_n delta^(l)[n] h^(l-1)[n-k], both layers, against autograd")
decide(262, np.isclose(sum(d2.values()), B2.grad.item()) and np.isclose(sum(d1.values()), B1.grad.item()),
       "summary: dL/db^(l) = sum_n delta^(l)[n], both layers")

# ---- the table (lines 302-313): the MLP column on a dense layer z = W h + b, h' = sigma(z), then a dense layer on top
hm = rng.normal(size=4)
Wm, bm, Wn = T(rng.normal(size=(3, 4))).requires_grad_(), T(rng.normal(size=3)).requires_grad_(), rng.normal(size=(2, 3))
hmt = T(hm).requires_grad_()
zm = Wm @ hmt + bm
zm.retain_grad()
zn = T(Wn) @ torch.sigmoid(zm)
zn.retain_grad()
(zn ** 2).sum().backward()
dm, dn = zm.grad.numpy(), zn.grad.numpy()
decide(302, np.allclose(Wm.grad.numpy(), np.outer(dm, hm)), "MLP: dL/dW^(l) = delta^(l) (h^(l-1))^T, the outer "
       "product, against autograd")
decide(303, ok261, "conv: sum_n delta^(l)[n] h^(l-1)[n-k] (as line 261)")
hm2 = torch.sigmoid(zm).detach().requires_grad_()
(((T(Wn) @ hm2)) ** 2).sum().backward()
decide(307, np.allclose(Wn.T @ dn, hm2.grad.numpy()), "MLP: (W^(l+1))^T delta^(l+1) = dL/dh^(l) against autograd")
decide(308, np.allclose(v177, [dh1[n] for n in keys1]), "conv: sum_k delta^(l+1)[n+k] w^(l+1)[k] (as line 177)")
decide(312, np.allclose(bm.grad.numpy(), dm), "MLP: dL/db^(l) = delta^(l)")
decide(313, np.isclose(sum(d1.values()), B1.grad.item()), "conv: sum_n delta^(l)[n]")

# ---- multi-channel (lines 349-375): C_in = 2, C_out = 3
Cin, Cout, Lm = 2, 3, 8
Xm, Wmc, Bmc = rng.normal(size=(Cin, Lm)), rng.normal(size=(Cin, Cout, M)), rng.normal(size=Cout)
Xt, Wct = T(Xm).requires_grad_(), T(Wmc).requires_grad_()
Zt = F.conv1d(Xt[None], Wct.flip(-1).permute(1, 0, 2), T(Bmc))[0]          # (C_out, Lm - M + 1)
Zt.retain_grad()
(Zt * T(rng.normal(size=Zt.shape))).sum().backward()
Dz = Zt.grad.numpy()                                                        # delta_j at n = M-1 .. Lm-1
posm = list(range(M - 1, Lm))
zdef = np.array([[sum(Wmc[i, j, k] * Xm[i, n - k] for i in range(Cin) for k in range(M)) + Bmc[j] for n in posm]
                 for j in range(Cout)])
decide(349, np.allclose(zdef, Zt.detach().numpy()), "z_j[n] = sum_i sum_k w_ij[k] h_i[n-k] + b_j (definition; torch "
       "conv1d with the kernels flipped)")
dlt = lambda j, n: Dz[j, n - (M - 1)] if n in posm else 0.0
decide(361, np.allclose([[[sum(dlt(j, n) * Xm[i, n - k] for n in posm) for k in range(M)] for j in range(Cout)]
                         for i in range(Cin)], Wct.grad.numpy()), "dL/dw_ij[k] = sum_n delta_j[n] h_i[n-k] against "
       "autograd")
decide(375, np.allclose([[sum(dlt(j, n + k) * Wmc[i, j, k] for j in range(Cout) for k in range(M)) for n in range(Lm)]
                         for i in range(Cin)], Xt.grad.numpy()), "dL/dh_i[n] = sum_j sum_k delta_j[n+k] w_ij[k] "
       "(delta zero outside, the full convolution) against autograd")


# ---- stride (lines 397-407)
def strided(Ls, Ms, s):
    hsn = rng.normal(size=Ls)
    ws, bs = rng.normal(size=Ms), rng.normal()
    hd = {n: T(hsn[n]).requires_grad_() for n in range(Ls)}
    zd = conv(hd, T(ws), T(bs), s)
    for v in zd.values():
        v.retain_grad()
    sum(v * T(rng.normal()) for v in zd.values()).backward()
    return hsn, ws, bs, zd, grads(zd), grads(hd)


hsn, ws, bs, zd, dd, dhd = strided(11, 3, 2)
ref_s = F.conv1d(T(hsn)[None, None], T(ws[::-1].copy())[None, None], T([bs]), stride=2)[0, 0].numpy()
decide(397, np.allclose([zd[n].item() for n in sorted(zd)], ref_s), "z[n] = sum_k w[k] h[n s - k] + b (definition; "
       f"L = 11, M = 3, s = 2: n = {sorted(zd)}, torch conv1d with stride 2)")
nonzero = [m for m in range(11) if dhd[m] != 0]
print(f"   (line 401: L = 11, M = 3, s = 2: the positions of h with a nonzero gradient are {nonzero}, "
      f"not every s-th one)")
decide(401, nonzero == list(range(0, 11, 2)) or nonzero == list(range(1, 11, 2)), "'only every s-th position receives "
       "gradients': each output n reads the M positions n s - k, k = 0..M-1, so with M >= s every input position "
       "receives a gradient (here all 11 do); only the stride-dilated delta is sparse")


def row406(m, dd_, ws_, s):
    """sum over the k with m = n s - k for an output n: delta[n] w[k]"""
    return sum(dd_[(m + k) // s] * ws_[k] for k in range(len(ws_)) if (m + k) % s == 0 and (m + k) // s in dd_)


hit = lambda m, dd_, Ms, s: any((m + k) % s == 0 and (m + k) // s in dd_ for k in range(Ms))
ok406 = all(np.isclose(row406(m, dd, ws, 2), dhd[m]) for m in range(11) if hit(m, dd, 3, 2))
hsn2, ws2, bs2, zd2, dd2, dhd2 = strided(11, 2, 3)                          # M < s: some positions are read by no output
ok406 &= all(np.isclose(row406(m, dd2, ws2, 3), dhd2[m]) for m in range(11) if hit(m, dd2, 2, 3))
decide(406, ok406, "dL/dh[m] = sum_k delta[n] w[k] over the k with m = n s - k (n = (m + k)/s, an output) against "
       "autograd, for M = 3, s = 2 and M = 2, s = 3")
missing = [m for m in range(11) if not hit(m, dd2, 2, 3)]
decide(407, all(dhd2[m] == 0 for m in missing) and len(missing) > 0, f"0 otherwise: the positions no output reads "
       f"(M = 2, s = 3: {missing}) get no gradient")

# ---- max pooling (lines 424-441)
def pool_case(Lp, Mp, s):
    xp = rng.normal(size=Lp)
    xt = T(xp).requires_grad_()
    yp, idx = F.max_pool1d(xt[None, None], Mp, s, return_indices=True)
    yp.retain_grad()
    (yp * T(rng.normal(size=yp.shape))).sum().backward()
    nout = (Lp - Mp) // s + 1
    ydef = [max(xp[n * s + k] for k in range(Mp)) for n in range(nout)]
    kstar = [int(np.argmax([xp[n * s + k] for k in range(Mp)])) for n in range(nout)]
    return xp, yp.detach().numpy()[0, 0], idx.numpy()[0, 0], yp.grad.numpy()[0, 0], xt.grad.numpy(), ydef, kstar


def post435(xp, yv, kstar, gy, s, m):
    """the printed row: dL/dy[n] for the n with x[m] = y[n] and m = n s + k* (the first such n); None if none"""
    ns = [n for n in range(len(yv)) if xp[m] == yv[n] and m == n * s + kstar[n]]
    return (gy[ns[0]] if ns else None), ns


res = {}
for (Lp, Mp, s) in ((10, 3, 1), (12, 3, 2), (12, 2, 2)):
    xp, yv, idx, gy, gx, ydef, kstar = pool_case(Lp, Mp, s)
    ok_def = np.allclose(ydef, yv) and all(idx[n] == n * s + kstar[n] for n in range(len(yv)))
    rows = [post435(xp, yv, kstar, gy, s, m) for m in range(Lp)]
    ok_row = all(np.isclose(v, gx[m]) for m, (v, ns) in enumerate(rows) if v is not None)
    ok_zero = all(gx[m] == 0 for m, (v, ns) in enumerate(rows) if v is None)
    shared = [(m, ns) for m, (v, ns) in enumerate(rows) if len(ns) > 1]
    res[(Lp, Mp, s)] = (ok_def, ok_row, ok_zero, shared)
    print(f"   (pooling L = {Lp}, M = {Mp}, s = {s}: windows overlap: {s < Mp}; inputs that are the maximum of "
          f"several windows (m, n's): {shared}; the printed row holds: {ok_row})")
decide(424, all(r[0] for r in res.values()), "y[n] = max_{0<=k<M} x[n s + k] (definition; torch max_pool1d, three "
       "settings)")
decide(435, all(r[1] for r in res.values()), "dL/dx[m] = dL/dy[n] if x[m] = y[n] and m = n s + k*: with s < M the "
       "windows overlap and an input that is the maximum of several windows gets the sum of their dL/dy[n] (autograd); "
       "the row gives one of them (right only for s >= M, the non-overlapping windows)")
decide(436, all(r[2] for r in res.values()), "0 otherwise: an input that is the maximum of no window gets no gradient")
decide(441, all(r[0] for r in res.values()), "k* = argmax_k x[n s + k]: the offset of the window's maximum (torch's "
       "indices are n s + k*)")

# ---- transposed convolution (lines 459-483): L_in = 6, M = 3, x' = x padded with M - 1 zeros at each edge
Lt, Mt = 6, 3
xtn, wtn, btn = rng.normal(size=Lt), rng.normal(size=Mt), rng.normal()
xtt, wtt, btt = T(xtn).requires_grad_(), T(wtn).requires_grad_(), T(btn).requires_grad_()
xpad = F.pad(xtt, (Mt - 1, Mt - 1))
Lout = Lt + Mt - 1
yt = torch.stack([sum(wtt[k] * xpad[n + k] for k in range(Mt)) for n in range(Lout)]) + btt
yt.retain_grad()
(yt * T(rng.normal(size=Lout))).sum().backward()
dy, dxt, dwt = yt.grad.numpy(), xtt.grad.numpy(), wtt.grad.numpy()
Wc = np.array([[wtn[n - j] if 0 <= n - j < Mt else 0.0 for j in range(Lout)] for n in range(Mt - 1, Lout)])
ref_t = F.conv_transpose1d(T(xtn)[None, None], T(wtn[::-1].copy())[None, None], T([btn]))[0, 0].numpy()
decide(459, np.allclose(yt.detach().numpy(), Wc.T @ xtn + btn) and np.allclose(yt.detach().numpy(), ref_t),
       "y[n] = sum_k w[k] x'[n+k] + b is the transpose of the post's own convolution (W^T x + b, W its Toeplitz "
       "matrix) and torch conv_transpose1d with w flipped (definition)")
dz0 = lambda n: dy[n] if 0 <= n < Lout else 0.0
v471 = np.array([sum(dz0(m - k) * wtn[k] for k in range(Mt)) for m in range(Lt)])
xprime = np.array([sum(dz0(j - k) * wtn[k] for k in range(Mt)) for j in range(Lt + 2 * (Mt - 1))])
print(f"   (line 471: sum_k delta[m-k] w[k] for m = 0..{Lt - 1} = {np.round(v471, 4).tolist()}; autograd dL/dx = "
      f"{np.round(dxt, 4).tolist()}; the sum is dL/dx'[m], the gradient by the padded input, which is dL/dx[m - (M-1)]:"
      f" {np.allclose(xprime[Mt - 1:Mt - 1 + Lt], dxt)})")
decide(471, np.allclose(v471, dxt), "dL/dx[m] = sum_k delta[m-k] w[k]: y[n] reads x[m] at x'[m + M - 1] = x'[n + k], "
         "so dL/dx[m] = sum_k delta[m + M - 1 - k] w[k]; the printed sum is shifted by M - 1 (it is the gradient by "
         "x'[m], the padded input), even with delta read as zero outside")
decide(483, np.allclose([sum(dy[n] * xpad[n + k].item() for n in range(Lout)) for k in range(Mt)], dwt),
       "dL/dw[k] = sum_n delta[n] x'[n+k] against autograd")
decide(530, ok122 and ok261, "dL/dw[k] = sum_n dL/dz[n] dz[n]/dw[k] = sum_n delta[n] h[n-k] (as lines 122 and 261)")
finish()
