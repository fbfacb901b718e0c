"""Independent truth for tests/posts/conv_blind23/mukulrathi_cnn_backprop (NumPy, SciPy and torch, no derive).

The post (Mukul Rathi, 'Backpropagation in a Convolutional Neural Network', part 9 of the series 'Demystifying Deep
Learning', mukul-rathi/old-personal-website, 2018) derives the backward pass of a CNN layer by layer in index sums over
a batch of m examples, NHWC arrays X^{(m_i)}_{i,j,c}, W_{a,b,c,k}, b_k and Z^{(m_i)}_{i,j,k} = sum_a sum_b sum_c
X_{i+a,j+b,c} W_{a,b,c,k} + b_k (a cross-correlation, indices from 0): dJ/dW and dJ/db with a 1/m average over the
batch, dJ/dX as a sum over the maps k and the filter offsets, the conv_backward code (same/valid padding, scipy's
ndimage.convolve on the zero-padded dZ), ReLU, 2x2 max and average pooling (prose, the average's formula, the
pool_forward/pool_backward code), the fully connected layer's equations and code, and the softmax layer with the
cross-entropy (the Jacobian of softmax worked out term by term, dJ/dz = y_hat - y) with its code.

Convention (the post's, Andrew Ng's): J = (1/m) sum over the examples of their losses; a derivative by a per-example
quantity (dJ/dZ^{(m_i)}, dJ/dX^{(m_i)}, dJ/dy_hat^{(i)}, the code's dZ, dA and dx) is the derivative of that example's
own loss, m times the derivative of J; a derivative by a shared parameter (dJ/dW, dJ/db) is the derivative of J,
which is why those carry the 1/m. So here J = (1/m) sum_{m_i} sum G^{(m_i)} * Z^{(m_i)} for a random per-example
G = dJ/dZ^{(m_i)}, and autograd's dJ/dX is multiplied by m before it is compared. The code blocks are taken from
post.md as printed and executed (with numpy as np and scipy's ndimage), then compared with torch (conv2d, max_pool2d,
avg_pool2d, softmax) and autograd in float64."""
import sys
import textwrap
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2301)
T = lambda a: torch.tensor(np.ascontiguousarray(a, dtype=np.float64))
post = (Path(__file__).resolve().parent / "post.md").read_text(encoding="utf-8").split("\n")


def code(first, last, **extra):
    """the post's code lines first..last (1-based, inclusive), dedented and executed as printed"""
    ns = {"np": np, "ndimage": ndimage, **extra}
    exec(textwrap.dedent("\n".join(post[first - 1:last])), ns)
    return ns


conv_backward = code(53, 89)["conv_backward"]
relu = code(103, 107)["relu"]
pool_ns = code(162, 174)
pool_forward, pool_backward = pool_ns["pool_forward"], pool_ns["pool_backward"]
fc_backward = code(193, 199, relu=relu)["fc_backward"]   # it calls the ReLU section's relu
softmax_backward = code(267, 273)["softmax_backward"]


def conv_nhwc(x, w, b, pad=0):
    """the post's forward in torch: x (m, H, W, C), w (F, F, C, K), b (K) -> Z (m, H', W', K)"""
    return F.conv2d(x.permute(0, 3, 1, 2), w.permute(3, 2, 0, 1), b, padding=pad).permute(0, 2, 3, 1)


# ---- the convolution layer: m = 2 examples, a 7 x 6 x C = 2 input, K = 3 filters of 3 x 3 x 2 -> Z 5 x 4 x 3
m, H, Wd, C, K, f = 2, 7, 6, 2, 3, 3
X, W, B = rng.normal(size=(m, H, Wd, C)), rng.normal(size=(f, f, C, K)), rng.normal(size=K)
xt, wt, bt = (T(a).requires_grad_() for a in (X, W, B))
Zt = conv_nhwc(xt, wt, bt)
G = rng.normal(size=Zt.shape)                 # the per-example dJ/dZ^{(m_i)}
((Zt * T(G)).sum() / m).backward()            # J = (1/m) sum_{m_i} sum G^{(m_i)} Z^{(m_i)}
Z, dJdW, dJdb, dXex = Zt.detach().numpy(), wt.grad.numpy(), bt.grad.numpy(), m * xt.grad.numpy()
Ho, Wo = Z.shape[1:3]

zpost = np.zeros_like(Z)
for mi in range(m):
    for i in range(Ho):
        for j in range(Wo):
            for k in range(K):
                zpost[mi, i, j, k] = sum(X[mi, i + a, j + b, c] * W[a, b, c, k]
                                         for a in range(f) for b in range(f) for c in range(C)) + B[k]
decide(18, np.allclose(zpost, Z), "Z_{i,j,k} = sum_a sum_b sum_c X_{i+a,j+b,c} W_{a,b,c,k} + b_k, a, b over the "
       "F x F filter and c over the channels, equals torch conv2d (a cross-correlation) with a bias")

dW28 = np.zeros_like(W)
for a in range(f):
    for b in range(f):
        for c in range(C):
            for k in range(K):
                dW28[a, b, c, k] = sum(G[mi, i, j, k] * X[mi, i + a, j + b, c]
                                       for mi in range(m) for i in range(Ho) for j in range(Wo)) / m
decide(28, np.allclose(dW28, dJdW), "(1/m) sum_{m_i} sum_i sum_j dJ/dZ^{(m_i)}_{i,j,k} X^{(m_i)}_{i+a,j+b,c} "
       "= dJ/dW_{a,b,c,k} (autograd, with the per-example dJ/dZ of the post's convention)")
db30 = np.array([G[..., k].sum() / m for k in range(K)])
decide(30, np.allclose(db30, dJdb), "(1/m) sum_{m_i} sum_i sum_j dJ/dZ^{(m_i)}_{i,j,k} = dJ/db_k (autograd)")

# ---- line 39: the output that multiplies X_{i,j,c} by W_{a,b,c,k} is Z_{i-a,j-b,k}; F*F of them inside the map
Jzx = torch.autograd.functional.jacobian(lambda x: conv_nhwc(x, T(W), T(B))[0], T(X[:1]))[..., 0, :, :, :].numpy()
offset_ok, interior_counts = True, []
for i in range(H):
    for j in range(Wd):
        for c in range(C):
            n = 0
            for io in range(Ho):
                for jo in range(Wo):
                    for k in range(K):
                        a, b = i - io, j - jo
                        expect = W[a, b, c, k] if 0 <= a < f and 0 <= b < f else 0.0
                        offset_ok &= bool(np.isclose(Jzx[io, jo, k, i, j, c], expect))
                        n += (0 <= a < f and 0 <= b < f and k == 0)
            if f - 1 <= i <= Ho - 1 and f - 1 <= j <= Wo - 1:
                interior_counts.append(n)
print(f"   (line 39: input pixels at least F-1 from the border enter {sorted(set(interior_counts))} outputs of a map)")
decide(39, offset_ok and set(interior_counts) == {f * f},
       "dZ_{i',j',k}/dX_{i,j,c} = W_{i-i',j-j',c,k}: X_{i,j,c} meets W_{a,b,c,k} in the output Z_{i-a,j-b,k} "
       "(torch Jacobian); away from the border each input pixel is in F*F outputs of a map (the post's edge remark, "
       "line 45, covers the rest)")

Gp = np.pad(G, ((0, 0), (f - 1, f - 1), (f - 1, f - 1), (0, 0)))   # dJ/dZ read as 0 outside the map (line 45)
gz = lambda mi, i, j, k: Gp[mi, i + f - 1, j + f - 1, k] if i > -f and j > -f else 0.0


def dx43(weight):
    """sum_k sum_a sum_b dJ/dZ^{(m_i)}_{i-a,j-b,k} * weight(a, b, c, k), Z outside the map read as 0"""
    out = np.zeros_like(X)
    for mi in range(m):
        for i in range(H):
            for j in range(Wd):
                for c in range(C):
                    out[mi, i, j, c] = sum(gz(mi, i - a, j - b, k) * weight(a, b, c, k)
                                           for k in range(K) for a in range(f) for b in range(f))
    return out


with_k = dx43(lambda a, b, c, k: W[a, b, c, k])
k_free = {f"W[a,b,c,{k0}]": dx43(lambda a, b, c, k, k0=k0: W[a, b, c, k0]) for k0 in range(K)}
k_free["mean_k W[a,b,c,k]"] = dx43(lambda a, b, c, k: W[a, b, c].mean())
print(f"   (line 43: with the filter index, W_(a,b,c,k), the sum matches autograd: {np.allclose(with_k, dXex)}; "
      f"with a weight W_(a,b,c) that does not depend on k, as printed: "
      f"{ {n: bool(np.allclose(v, dXex)) for n, v in k_free.items()} })")
decide(43, any(np.allclose(v, dXex) for v in k_free.values()),
       "the sum runs over the K maps k but its weight W_{a,b,c} has lost the filter index: W is W_{a,b,c,k} (line 18), "
       "and X_{i,j,c} reaches map k through filter k's weight, so dJ/dX_{i,j,c} = sum_k sum_a sum_b dJ/dZ_{i-a,j-b,k} "
       "W_{a,b,c,k}; any weight that is the same for every k (one filter's, or their mean) differs from autograd "
       "(with W_{a,b,c,k} the line matches)")

full = np.zeros_like(X)
for mi in range(m):
    for k in range(K):
        for c in range(C):
            full[mi, :, :, c] += F.conv2d(T(G[mi, :, :, k])[None, None], T(np.rot90(W[:, :, c, k], 2))[None, None],
                                          padding=f - 1)[0, 0].numpy()
decide(45, np.allclose(full, dXex), "dJ/dX is itself a convolution: the output gradient zero-padded by F-1 and "
       "convolved (flipped filter) with W, summed over the maps k, equals autograd's dJ/dX")

# ---- the conv_backward code, as printed (padding 'valid' and 'same'); its dW loop slices both spatial axes with
# w_x = x_padded.shape[1], the height, so it is written for square maps (the series' MNIST images): square inputs here
Xq = rng.normal(size=(m, 7, 7, C))
xqt, wqt, bqt = T(Xq).requires_grad_(), T(W).requires_grad_(), T(B).requires_grad_()
Zq = conv_nhwc(xqt, wqt, bqt)
Gq_ = rng.normal(size=Zq.shape)
((Zq * T(Gq_)).sum() / m).backward()
dx_v, dW_v, db_v = conv_backward(Gq_, Xq, W, padding="valid")
Xs = rng.normal(size=(m, 6, 6, C))
xst, wst, bst = T(Xs).requires_grad_(), T(W).requires_grad_(), T(B).requires_grad_()
Zs = conv_nhwc(xst, wst, bst, pad=(f - 1) // 2)
Gs = rng.normal(size=Zs.shape)
((Zs * T(Gs)).sum() / m).backward()
dx_s, dW_s, db_s = conv_backward(Gs, Xs, W, padding="same")
print(f"   (conv_backward: 'same' keeps the size {Xs.shape[1:3]} -> {tuple(Zs.shape[1:3])})")
decide(56, np.allclose(db_v.ravel(), bqt.grad.numpy()) and np.allclose(db_s.ravel(), bst.grad.numpy()),
       "db = (1/m) np.sum(dZ, axis=(0,1,2)) = dJ/db (autograd, valid and same padding)")
decide(76, np.allclose(dW_v, wqt.grad.numpy()) and np.allclose(dW_s, wst.grad.numpy()),
       "dW[a,b] = (1/m) sum over examples and positions of dZ times the input window shifted by (a, b) = dJ/dW "
       "(autograd, valid and same padding)")
decide(87, np.allclose(dx_v, m * xqt.grad.numpy()), "ndimage.convolve of the dZ padded by f-1 with w[:,:,d,k], cropped by f//2 and "
       "summed over k: the per-example gradient of the (padded) input (with padding 'valid' nothing is cropped after; "
       "autograd)")
decide(88, np.allclose(dx_s, m * xst.grad.numpy()), "dx cropped by pad on each side: the per-example dJ/dx of the "
       "unpadded input with padding 'same' (autograd)")

# ---- ReLU
zr = rng.normal(size=50)
zrt = T(zr).requires_grad_()
torch.relu(zrt).sum().backward()
decide(97, np.allclose((zr > 0).astype(float), zrt.grad.numpy()), "ReLU's gradient is 1 for x > 0 and 0 for x < 0 "
       "(autograd)")
decide(105, np.allclose(relu(zr, deriv=True).astype(float), zrt.grad.numpy()), "relu(z, deriv=True) = (z > 0): "
       "ReLU's derivative (autograd)")
decide(107, np.allclose(relu(zr), torch.relu(T(zr)).numpy()), "np.multiply(z, z > 0) = max(z, 0)")

# ---- pooling, 2x2 windows at stride 2, NHWC (m, 6, 8, 3): H/2 = 3, W/2 = 4 and 3 channels all differ
P = rng.normal(size=(m, 6, 8, 3))
Gq = rng.normal(size=(m, 3, 4, 3))
nchw = lambda a: a.permute(0, 3, 1, 2)
nhwc = lambda a: a.permute(0, 2, 3, 1)
pt = T(P).requires_grad_()
mx = nhwc(F.max_pool2d(nchw(pt), 2))
(mx * T(Gq)).sum().backward()
dmax = pt.grad.numpy()
pa = T(P).requires_grad_()
av = nhwc(F.avg_pool2d(nchw(pa), 2))
(av * T(Gq)).sum().backward()
davg = pa.grad.numpy()
Jmax = torch.autograd.functional.jacobian(lambda p: F.max_pool2d(p, 2), T(P[0, :, :, 0])[None, None])[0, 0, :, :, 0, 0]
is_max = np.zeros((6, 8), dtype=bool)
for r in range(3):
    for s in range(4):
        win = P[0, 2 * r:2 * r + 2, 2 * s:2 * s + 2, 0]
        a, b = np.unravel_index(win.argmax(), win.shape)
        is_max[2 * r + a, 2 * s + b] = True
J = Jmax.numpy()
own = lambda r, s: [(2 * r + a, 2 * s + b) for a in range(2) for b in range(2)]
decide(124, all(J[r, s, i, j] == 0 for r in range(3) for s in range(4) for (i, j) in own(r, s) if not is_max[i, j]),
       "in each 2x2 patch the non-max values have gradient 0 (torch max_pool2d Jacobian)")
decide(126, all(J[r, s, i, j] == 1 for r in range(3) for s in range(4) for (i, j) in own(r, s) if is_max[i, j]),
       "the max value of each patch has gradient 1 (torch max_pool2d Jacobian)")
decide(134, np.allclose([(P[0, 2 * r, 2 * s, 0] + P[0, 2 * r, 2 * s + 1, 0] + P[0, 2 * r + 1, 2 * s, 0]
                          + P[0, 2 * r + 1, 2 * s + 1, 0]) / 4 for r in range(3) for s in range(4)],
                        av[0, :, :, 0].detach().numpy().ravel()),
       "Z = (X_11 + X_12 + X_21 + X_22)/4 is torch avg_pool2d(2) on each 2x2 patch")
Javg = torch.autograd.functional.jacobian(lambda p: F.avg_pool2d(p, 2), T(P[0, :, :, 0])[None, None])[0, 0, :, :, 0, 0]
decide(136, all(np.isclose(Javg[r, s, i, j].item(), 0.25) for r in range(3) for s in range(4) for (i, j) in own(r, s)),
       "each value of a 2x2 patch has gradient 0.25 in the average (torch avg_pool2d Jacobian)")

out_max, mask_max = pool_forward(P, mode="max")
decide(165, np.allclose(out_max, mx.detach().numpy()), "x_patches.max(axis=2).max(axis=3) = torch max_pool2d(2): "
       "axis 2 is the row inside the patch, then (after it is gone) axis 3 the column inside the patch")
decide(166, np.array_equal(mask_max.astype(bool), dmax != 0),
       "isclose(x, the output repeated over its 2x2 patch) marks the max of each patch, where max_pool2d's gradient "
       "lands (random values: no ties)")
out_avg, mask_avg = pool_forward(P, mode="average")
ref_avg = av.detach().numpy()
print(f"   (line 168: pool_forward(x, 'average') has shape {out_avg.shape}, torch avg_pool2d {ref_avg.shape}; "
      f"x_patches has shape (m, H/2, 2, W/2, 2, C): .mean(axis=3) averages over the patch column W/2, "
      f".mean(axis=4) then over the channels)")
decide(168, out_avg.shape == ref_avg.shape and np.allclose(out_avg, ref_avg),
       "x_patches has axes (m, H/2, 2, W/2, 2, C); .mean(axis=3) averages over the W/2 patch columns (not inside a "
       "patch) and .mean(axis=4) then over the channels: the result, shape (m, H/2, 2, 2), is not the average pooling "
       "(the max branch's axes 2 then 3, or mean(axis=(2, 4)), give it)")
decide(169, np.allclose(pool_backward(Gq, mask_avg), davg), "a mask of 0.25 everywhere with the backward's 2x2 "
       "repeat gives average pooling's input gradient (autograd)")
decide(174, np.allclose(pool_backward(Gq, mask_max), dmax) and np.allclose(pool_backward(Gq, mask_avg), davg),
       "mask * (dx repeated over each 2x2 patch) = the input gradient of max and of average pooling (autograd)")

# ---- the fully connected layer, columns are examples: Z = W A + b, A_out = relu(Z), J = (1/m) sum G * A_out
n_in, n_out, mm = 5, 4, 3
A, Wf, bf, Ga = rng.normal(size=(n_in, mm)), rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, 1)), \
    rng.normal(size=(n_out, mm))
at, wft, bft = T(A).requires_grad_(), T(Wf).requires_grad_(), T(bf).requires_grad_()
zf = wft @ at + bft
zf.retain_grad()
((torch.relu(zf) * T(Ga)).sum() / mm).backward()
Zf = zf.detach().numpy()
dZf = mm * zf.grad.numpy()                    # the per-example dJ/dZ (Ng's dZ)
decide(183, np.allclose(dZf @ A.T / mm, wft.grad.numpy()), "(1/m) dJ/dZ . A^T = dJ/dW (the matrix; its (j, k) entry "
       "is the left side's) with the per-example dZ of the post's convention (autograd)")
decide(185, np.allclose(dZf.sum(axis=1, keepdims=True) / mm, bft.grad.numpy()), "(1/m) sum over the m examples of "
       "dJ/dZ^{(i)} = dJ/db (autograd)")
decide(187, np.allclose(Wf.T @ dZf, mm * at.grad.numpy()), "W^T . dJ/dz = dJ/dA^{[l-1]} per example (autograd)")
dx_f, dW_f, db_f = fc_backward(Ga, Zf, A, Wf, bf)
decide(195, np.allclose(Ga * relu(Zf, deriv=True), dZf), "dZ = dA * relu'(Z) (the argument a read as the layer's Z, "
       "or its ReLU output, which has the same sign pattern; autograd)")
decide(196, np.allclose(dW_f, wft.grad.numpy()), "dW = (1/m) dZ x^T (autograd)")
decide(197, np.allclose(db_f, bft.grad.numpy()), "db = (1/m) sum over the examples of dZ (autograd)")
decide(198, np.allclose(dx_f, mm * at.grad.numpy()), "dx = w^T dZ, per example (autograd)")

# ---- softmax and cross-entropy, columns are examples; y a probability vector per example (sums to 1)
nc = 4
Zs_ = rng.normal(size=(nc, mm))
Y = rng.dirichlet(np.ones(nc), size=mm).T
Xl, Wl, bl = rng.normal(size=(n_in, mm)), rng.normal(size=(nc, n_in)), rng.normal(size=(nc, 1))
yhat = torch.softmax(T(Zs_), dim=0).numpy()
unchecked(207, "dJ/dZ = dJ/dA * g'(Z) with g the softmax: g' of a vector-valued softmax is a Jacobian, not an "
          "elementwise factor, and the post does not define it here (it states the quantity to compute and works "
          "the full Jacobian out on lines 233-257)")
yh_t = T(yhat).requires_grad_()
(-(T(Y) * torch.log(yh_t)).sum() / mm).backward()
decide(217, np.allclose(-Y / yhat, mm * yh_t.grad.numpy()), "-y_j/y_hat_j = dJ/dy_hat_j for example i (the per-example "
       "derivative of the post's convention, m times the derivative of J)")
Jsm = torch.autograd.functional.jacobian(lambda z: torch.softmax(z, dim=0), T(Zs_[:, 0])).numpy()   # [k, j]
e = np.exp(Zs_[:, 0])
yh = yhat[:, 0]
decide(233, np.allclose(e / e.sum() - (e / e.sum()) ** 2, np.diag(Jsm)) and np.allclose(yh * (1 - yh), np.diag(Jsm)),
       "da_j/dz_j = e^{z_j}/sum - (e^{z_j}/sum)^2 = y_hat_j (1 - y_hat_j) (torch Jacobian)")
off = ~np.eye(nc, dtype=bool)
decide(239, np.allclose((-np.outer(e, e) / e.sum() ** 2)[off], Jsm[off]) and np.allclose(-np.outer(yh, yh)[off], Jsm[off]),
       "da_m/dz_j = -e^{z_j} e^{z_m}/sum^2 = -y_hat_j y_hat_m for m != j (torch Jacobian)")
zt_ = T(Zs_).requires_grad_()
(-(T(Y) * torch.log_softmax(zt_, dim=0)).sum() / mm).backward()
dZsm = mm * zt_.grad.numpy()[:, 0]
dJdyh = -Y[:, 0] / yh
decide(243, np.allclose([sum(dJdyh[k] * Jsm[k, j] for k in range(nc)) for j in range(nc)], dZsm),
       "sum_k dJ/dy_hat_k dy_hat_k/dz_j = dJ/dz_j (autograd)")
decide(247, np.allclose([dJdyh[j] * Jsm[j, j] + sum(dJdyh[k] * Jsm[k, j] for k in range(nc) if k != j)
                         for j in range(nc)], dZsm), "the k = j term plus the sum over k != j (autograd)")
y0 = Y[:, 0]
decide(249, np.allclose([-y0[j] / yh[j] * yh[j] * (1 - yh[j]) + sum(-y0[k] / yh[k] * -yh[j] * yh[k]
                                                                     for k in range(nc) if k != j)
                         for j in range(nc)], dZsm), "the two terms with the softmax derivatives put in (autograd)")
decide(253, np.allclose(-y0 + yh * y0.sum(), dZsm), "-y_j + y_hat_j sum_k y_k = dJ/dz_j (autograd; holds for any y)")
decide(257, np.isclose(y0.sum(), 1) and np.allclose(yh - y0, dZsm), "with sum_k y_k = 1: y_hat_j - y_j (autograd)")
decide(261, np.allclose(yhat - Y, mm * zt_.grad.numpy()), "the whole matrix: Y_hat - Y, per example (autograd)")

zl = T(Wl @ Xl + bl)
yl = torch.softmax(zl, dim=0).numpy()
xlt, wlt, blt = T(Xl).requires_grad_(), T(Wl).requires_grad_(), T(bl).requires_grad_()
zlt = wlt @ xlt + blt
zlt.retain_grad()
(-(T(Y) * torch.log_softmax(zlt, dim=0)).sum() / mm).backward()
dx_l, dW_l, db_l = softmax_backward(yl, Y, Wl, bl, Xl)
decide(269, np.allclose(yl - Y, mm * zlt.grad.numpy()), "dZ = y_pred - y, per example (autograd)")
decide(270, np.allclose(dW_l, wlt.grad.numpy()), "dW = (1/m) dZ x^T (autograd)")
decide(271, np.allclose(db_l, blt.grad.numpy()), "db = (1/m) sum over the examples of dZ (autograd)")
decide(272, np.allclose(dx_l, mm * xlt.grad.numpy()), "dx = w^T dZ, per example (autograd)")

finish()
