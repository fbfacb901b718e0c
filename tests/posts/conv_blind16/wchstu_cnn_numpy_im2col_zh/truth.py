"""Independent truth for tests/posts/conv_blind16/wchstu_cnn_numpy_im2col_zh (NumPy and torch, no derive).

The post (a Chinese Markdown note, docs/CNN.md of wchstu/Deep_Learning_Coding, 'convolutional network formulas and a
NumPy implementation') works a multi-channel convolution z[i,j] = sum_k a[i,k] * w[j,k] + b[j] with numbers (an input
(1,3,4,4), kernels (2,3,2,2), b = [1, 2]), rewrites it as a matrix product z_t = a_t w_t (im2col: one row of a_t per
window, channel-major), prints NumPy forward and backward code, writes the input gradient of a 4x4 map and a 2x2
kernel entry by entry, the rule delta^l = delta^(l+1) * ROT180(w^(l+1)) (.) da/dz, the gradients in the im2col form
(np.tensordot) and the shapes of a (16,3,128,128) example. '*' is the cross-correlation its own numbers use (checked
against torch conv2d). Every line is evaluated as printed in float64 on the post's numbers or on random values,
against torch conv2d and autograd. Indices of the symbolic 4x4 example count from 1 (a_11 .. a_44); NumPy axes from
0. The code is run as printed, one block at a time, on a minimal object holding the attributes it reads."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1601)
T = lambda x: torch.tensor(np.ascontiguousarray(x, dtype=np.float64))


def xcorr(x, k):
    """the post's '*' for one input channel and one kernel: the valid cross-correlation of its numbers"""
    return F.conv2d(T(x)[None, None], T(k)[None, None])[0, 0].numpy()


def im2col(x, kh, kw, s=1):
    """a_t of the post: one row per kernel position (row-major over positions), the window of every channel, channel
    first (inputs[:, :, h:h+kh, w:w+kw].reshape(B, -1))"""
    B, C, H, W = x.shape
    rows = [x[:, :, h:h + kh, w:w + kw].reshape(B, -1) for h in range(0, H - kh + 1, s) for w in range(0, W - kw + 1, s)]
    return np.stack(rows, 1)


# ---- the post's numbers (lines 11-28)
a = np.array([[[[1, 6, 6, 2], [4, 3, 4, 3], [3, 6, 7, 7], [1, 5, 1, 2]],
               [[9, 1, 6, 7], [5, 3, 2, 6], [5, 7, 1, 7], [6, 8, 5, 8]],
               [[8, 6, 9, 5], [4, 6, 1, 6], [2, 3, 3, 8], [3, 5, 3, 6]]]], dtype=float)
w = np.array([[[[5, 9], [5, 8]], [[1, 1], [8, 8]], [[7, 1], [2, 8]]],
              [[[5, 6], [9, 3]], [[2, 1], [9, 1]], [[8, 4], [3, 6]]]], dtype=float)
b = np.array([1.0, 2.0])
z_torch = F.conv2d(T(a), T(w), T(b)).numpy()

# line 32: z[i,j] = sum_{k=0}^{2} a[i,k] * w[j,k] + b[j]
z32 = np.stack([sum(xcorr(a[0, k], w[j, k]) for k in range(3)) + b[j] for j in range(2)])[None]
decide(32, np.allclose(z32, z_torch), "z[i,j] = sum_k a[i,k] * w[j,k] + b[j] with '*' the valid cross-correlation, "
       "against torch conv2d (definition)")
z00 = np.array([[296, 250, 288], [277, 280, 294], [302, 297, 315]], float)
z01 = np.array([[291, 252, 263], [230, 267, 239], [223, 283, 257]], float)
decide(37, np.array_equal(z_torch[0, 0], z00), f"z[0,0] = {z_torch[0, 0].tolist()} (torch conv2d on the post's a, w, b)")
decide(39, np.array_equal(z_torch[0, 1], z01), f"z[0,1] = {z_torch[0, 1].tolist()}")

# lines 42-46: w_t is (3*2*2, 2); the printed 'w.reshape(-1,2).T = [two rows]^T'
w_disp = np.array([[5, 9, 5, 8, 1, 1, 8, 8, 7, 1, 2, 8], [5, 6, 9, 3, 2, 1, 9, 1, 8, 4, 3, 6]], float).T
a_t = im2col(a, 2, 2)
works = np.allclose((a_t[0] @ w_disp).T.reshape(2, 3, 3) + b[:, None, None], z_torch[0])
decide(42, w_disp.shape == (12, 2) and works, "the kernel becomes a (3*2*2, 2) matrix: the displayed w_t is 12 x 2 "
       f"and a_t w_t + b gives z: {works}")
lit = w.reshape(-1, 2).T
print(f"   (line 44: w.reshape(-1,2).T has shape {lit.shape}, first row {lit[0].astype(int).tolist()}; the displayed "
      f"matrix is w.reshape(2,-1).T: {np.array_equal(w.reshape(2, -1).T, w_disp)})")
decide(44, lit.shape == w_disp.shape and np.array_equal(lit, w_disp), "w_t = w.reshape(-1,2).T = [..]^T: "
       "w.reshape(-1,2) pairs consecutive entries of the row-major w, so .T is 2 x 12 and is not the displayed 12 x 2 "
       "matrix, which is w.reshape(2,-1).T (one column per kernel)")

# lines 48-59: a_t[0] is 9 x 12, rows as printed
decide(48, a_t.shape == (1, 9, 12), "the input becomes a (1,9,12) matrix")
rows = ["1 6 4 3 9 1 5 3 8 6 4 6", "6 6 3 4 1 6 3 2 6 9 6 1", "6 2 4 3 6 7 2 6 9 5 1 6",
        "4 3 3 6 5 3 5 7 4 6 2 3", "3 4 6 7 3 2 7 1 6 1 3 3", "4 3 7 7 2 6 1 7 1 6 3 8",
        "3 6 1 5 5 7 6 8 2 3 3 5", "6 7 5 1 7 1 8 5 3 3 5 3", "7 7 1 2 1 7 5 8 3 8 3 6"]
for r, text in enumerate(rows):
    printed = np.array(text.split(), float)
    decide(51 + r, np.array_equal(printed, a_t[0, r]), f"a_t[0] row {r + 1} = the window at ({r // 3},{r % 3}), "
           "channel by channel")
decide(62, works, "z_t[0] = a_t[0] w_t; z = z_t.transpose([0,2,1]).reshape(1,2,3,3) + b ('rehsape' read as reshape)")

# ---- general layer (lines 80-93), random B=2, C^(l-1)=3, C^l=4, 5x6 input, 2x3 kernel
B, Ci, Co, H, W_, kh, kw = 2, 3, 4, 5, 6, 2, 3
x = rng.normal(size=(B, Ci, H, W_))
wk = rng.normal(size=(Co, Ci, kh, kw))
bk = rng.normal(size=Co)
zz = F.conv2d(T(x), T(wk), T(bk)).numpy()
Ho, Wo = zz.shape[2:]
z80 = np.stack([np.stack([sum(F.conv2d(T(x[i, k])[None, None], T(wk[j, k])[None, None])[0, 0].numpy()
                              for k in range(Ci)) + bk[j] for j in range(Co)]) for i in range(B)])
decide(80, np.allclose(z80, zz), "z^l[i,j] = sum_{k=0}^{C^(l-1)-1} a^(l-1)[i,k] * w^l[j,k] + b^l[j] against conv2d")
xt = im2col(x, kh, kw)
decide(84, xt.shape == (B, Ho * Wo, kh * kw * Ci), f"a_t^(l-1) has dim (B, H^l W^l, h^l w^l C^(l-1)) = {xt.shape}")
wt_good = wk.reshape(Co, -1).T                      # what z_t = a_t w_t needs: (C^(l-1) h w, C^l), one column per kernel
lit88 = wk.reshape(-1, Co).T
decide(88, lit88.shape == wt_good.shape and np.allclose(lit88, wt_good), f"w_t = w.reshape(-1, C^l).T has shape "
       f"{lit88.shape} where a_t w_t needs {wt_good.shape}, and its entries are interleaved (line 44's slip)")
zt = xt @ wt_good
decide(92, np.allclose(zt.transpose(0, 2, 1).reshape(B, Co, Ho, Wo) + bk.reshape(1, -1, 1, 1), zz),
       "z_t^l = a_t w_t, with w_t the matrix line 44 displays (one column per kernel)")
decide(93, np.allclose(zt.transpose([0, 2, 1]).reshape(B, Co, Ho, Wo) + bk.reshape(1, -1, 1, 1), zz),
       "z^l = z_t.transpose([0,2,1]).reshape(B,C^l,H^l,W^l) + b.reshape(1,-1,1,1) against conv2d")

# ---- the forward code (lines 97-122), run as printed on the post's numbers (padding 0, stride 1)
class Obj:
    pass


o = Obj()
o.kernel_size, o.stride, o.padding, o.in_channels, o.out_channels = (2, 2), (1, 1), (0, 0), 3, 2
o.kernel_trans, o.bias = w_disp, b
o.pad = lambda v: v
inputs = o.pad(a)
o.input_shape = inputs.shape
o.batch_size, in_channels, o.H_in, o.W_in = inputs.shape
o.H_out = (inputs.shape[2] - o.kernel_size[0]) // o.stride[0] + 1
o.W_out = (inputs.shape[3] - o.kernel_size[1]) // o.stride[1] + 1
decide(103, o.H_out == 3 and F.conv2d(T(rng.normal(size=(1, 1, 7, 7))), T(np.ones((1, 1, 3, 3))), stride=2).shape[2]
       == (7 - 3) // 2 + 1, "H_out = (H_padded - k) // s + 1 (3 here; checked with stride 2 against conv2d too)")
decide(104, o.W_out == 3, "W_out likewise")
o.input_trans = np.full((o.batch_size, o.H_out * o.W_out, o.kernel_trans.shape[0]), np.nan)   # np.empty: unset
ind = 0
h = 0
visited = []
while (h + o.kernel_size[0] <= inputs.shape[2]):
    w_ = 0
    while (w_ + o.kernel_size[1] <= inputs.shape[3]):
        o.input_trans[:, ind, :] = inputs[:, :, h:h + o.kernel_size[0], w_:w_ + o.kernel_size[1]].reshape(o.batch_size, -1)
        visited.append((h, w_))
        w_ += o.stride[1]
        ind += 1
        h += o.stride[0]                            # line 116, indented into the inner loop as printed
        output = o.input_trans @ o.kernel_trans
        output = output.transpose([0, 2, 1]).reshape(o.batch_size, o.out_channels, o.H_out, o.W_out)
        if o.bias is not None:
            output += o.bias.reshape(1, -1, 1, 1)
one = inputs[:, :, 1:3, 2:4].reshape(1, -1)
decide(113, np.array_equal(one, a_t[:, 5]), "input_trans[:, ind] = the window at (h, w), all channels flattened "
       "(row 6 = window (1, 2) as a_t)")
print(f"   (line 116: as printed the loops visit the windows {visited}; rows filled {ind} of 9; "
      f"input_trans equals a_t: {np.array_equal(o.input_trans, a_t)})")
decide(116, np.array_equal(o.input_trans, a_t), "h += self.stride[0] stands inside the inner loop, so h moves down one "
       "row after every column step: only the diagonal windows are visited and input_trans is not a_t")
ok_mm = np.allclose(((a_t @ o.kernel_trans).transpose([0, 2, 1]).reshape(1, 2, 3, 3) + b.reshape(1, -1, 1, 1)),
                    z_torch)
decide(118, ok_mm, "output = input_trans @ kernel_trans (the formula z_t = a_t w_t; checked on the right input_trans, "
       "the wrong windows are line 116's)")
decide(119, ok_mm, "output.transpose([0,2,1]).reshape(B, C_out, H_out, W_out)")
decide(121, ok_mm, "output += bias.reshape(1,-1,1,1)")

# ---- the symbolic example (lines 131-152): a 4x4, w 2x2, delta 3x3 = dC/dz, dC/da entry by entry
A = rng.normal(size=(4, 4))
Wk = rng.normal(size=(2, 2))
G = rng.normal(size=(3, 3))
at = T(A).requires_grad_()
zt_ = F.conv2d(at[None, None], T(Wk)[None, None])[0, 0]
(zt_ * T(G)).sum().backward()
dA = at.grad.numpy()
d = lambda i, j: G[i - 1, j - 1]                    # delta_ij, 1-based
ww = lambda i, j: Wk[i - 1, j - 1]
printed = {
    144: [ww(1, 1) * d(1, 1), ww(1, 1) * d(1, 2) + ww(1, 2) * d(1, 1), ww(1, 2) * d(1, 2) + ww(1, 1) * d(1, 3),
          ww(1, 2) * d(1, 3)],
    145: [ww(2, 1) * d(1, 1) + ww(1, 1) * d(2, 1),
          ww(2, 2) * d(1, 1) + ww(2, 1) * d(1, 2) + ww(1, 2) * d(2, 1) + ww(1, 1) * d(2, 2),
          ww(2, 2) * d(1, 2) + ww(2, 1) * d(1, 3) + ww(1, 2) * d(2, 2) + ww(1, 1) * d(2, 3)],
    146: [ww(2, 1) * d(1, 3) + ww(1, 1) * d(2, 3)],
    147: [ww(2, 1) * d(2, 1) + ww(1, 1) * d(3, 1),
          ww(2, 2) * d(2, 1) + ww(2, 1) * d(2, 2) + ww(1, 2) * d(3, 1) + ww(1, 1) * d(3, 2),
          ww(2, 2) * d(2, 2) + ww(2, 1) * d(2, 3) + ww(1, 2) * d(3, 2) + ww(1, 1) * d(3, 3)],
    148: [ww(2, 1) * d(2, 3) + ww(1, 1) * d(3, 3)],
    149: [ww(2, 1) * d(3, 1), ww(2, 2) * d(3, 1) + ww(2, 1) * d(3, 2), ww(2, 2) * d(3, 2) + ww(2, 1) * d(3, 3),
          ww(2, 2) * d(3, 3)],
}
where = {144: [(0, 0), (0, 1), (0, 2), (0, 3)], 145: [(1, 0), (1, 1), (1, 2)], 146: [(1, 3)],
         147: [(2, 0), (2, 1), (2, 2)], 148: [(2, 3)], 149: [(3, 0), (3, 1), (3, 2), (3, 3)]}
for line in printed:
    got = [dA[p] for p in where[line]]
    ok = np.allclose(printed[line], got)
    cells = ", ".join(f"a_{p[0] + 1}{p[1] + 1}" for p in where[line])
    extra = ""
    if line == 146:
        extra = ": dC/da_24 = w_22 delta_13 + w_12 delta_23 (a_24 is the last column of windows (1,3) and (2,3)); " \
                "the printed w_21, w_11 are the first-column weights"
    if line == 148:
        extra = ": dC/da_34 = w_22 delta_23 + w_12 delta_33; the printed w_21, w_11 are the first-column weights"
    decide(line, ok, f"dC/d{cells} against autograd{extra}")
pad_rot = xcorr(np.pad(G, 1), Wk[::-1, ::-1])
decide(152, np.allclose(pad_rot, dA), "zero-padding the error and cross-correlating with the kernel turned 180 degrees "
       "gives dC/da")

# line 156: delta^l = delta^(l+1) * ROT180(w^(l+1)) (.) da^l/dz^l, sigma the sigmoid; '*' with the zero padding
# line 152 states (full correlation), one channel and several channels (sum over the output channels)
zl = rng.normal(size=(4, 4))
zlt = T(zl).requires_grad_()
al = torch.sigmoid(zlt)
zn = F.conv2d(al[None, None], T(Wk)[None, None])[0, 0]
zn.retain_grad()
(zn * T(G)).sum().backward()
d_l, d_n = zlt.grad.numpy(), zn.grad.numpy()
sp = (torch.sigmoid(T(zl)) * (1 - torch.sigmoid(T(zl)))).numpy()
one_ch = np.allclose(xcorr(np.pad(d_n, 1), Wk[::-1, ::-1]) * sp, d_l)
valid = xcorr(d_n, Wk[::-1, ::-1])
xm = T(rng.normal(size=(1, 3, 5, 5))).requires_grad_()
wm = rng.normal(size=(4, 3, 2, 2))
zm = F.conv2d(torch.sigmoid(xm), T(wm))
zm.retain_grad()
Gm = rng.normal(size=zm.shape)
(zm * T(Gm)).sum().backward()
dzm = zm.grad.numpy()[0]
spm = torch.sigmoid(xm.detach()) * (1 - torch.sigmoid(xm.detach()))
multi = np.stack([sum(xcorr(np.pad(dzm[j], 1), wm[j, k, ::-1, ::-1]) for j in range(4)) for k in range(3)])
multi_ok = np.allclose(multi * spm.numpy()[0], xm.grad.numpy()[0])
print(f"   (line 156: read without the padding, delta^(l+1) * ROT180(w) is {valid.shape}, not 4x4)")
decide(156, one_ch and multi_ok, "delta^l = delta^(l+1) * ROT180(w^(l+1)) (.) sigma'(z^l), '*' with the zero padding "
       "of line 152, one channel and summed over the output channels, against autograd")

# ---- im2col backward (lines 163-199), random B=2, C=3 -> 4, 5x6 input, 2x3 kernel, padding 1
pad = (1, 1)
xp = T(x).requires_grad_()
wtt = T(wk).requires_grad_()
btt = T(bk).requires_grad_()
zo = F.conv2d(xp, wtt, btt, padding=pad)
Gz = rng.normal(size=zo.shape)
(zo * T(Gz)).sum().backward()
xpad = np.pad(x, ((0, 0), (0, 0), pad, pad))
Ho2, Wo2 = zo.shape[2:]
xt2 = im2col(xpad, kh, kw)
dt = Gz.transpose([0, 2, 3, 1]).reshape(B, Ho2 * Wo2, Co)
decide(163, np.allclose(dt, np.stack([Gz[:, :, r // Wo2, r % Wo2] for r in range(Ho2 * Wo2)], 1)),
       "delta_t = delta.transpose([0,2,3,1]).reshape(B, H W, C^l): row r is position r, one column per channel")
decide(165, dt.shape == (B, Ho2 * Wo2, Co) and wt_good.T.shape == (Co, Ci * kh * kw), "delta_t is (B, H^l W^l, C^l), "
       "(w_t)^T is (C^l, C^(l-1) h w)")
dat = np.tensordot(dt, wt_good.T, [(2), (0)])
dat_ref = np.einsum("bpc,kc->bpk", dt, wt_good)
decide(167, np.allclose(dat, dat_ref), "dC/da_t = tensordot(delta_t, w_t^T, [(2),(0)]) = the chain rule through "
       "z_t = a_t w_t")
print(f"   (line 169: the tensordot result has shape {dat.shape}, three axes; the printed (B, H^l, W^l, C^(l-1)h^lw^l) "
      f"has four)")
decide(169, dat.shape == (B, Ho2, Wo2, Ci * kh * kw), "the result's dims are (B, H^l W^l, C^(l-1) h^l w^l): the "
       "product of a (B, H^l W^l, C^l) and a (C^l, C^(l-1) h w) array keeps H^l W^l as one axis; the printed "
       "(B, H^l, W^l, C^(l-1) h^l w^l) has four (the axis counts 'the 3rd' and 'the 1st' are right)")
# the backward code (lines 174-193) run as printed
o2 = Obj()
o2.batch_size, o2.out_channels, o2.in_channels = B, Co, Ci
o2.kernel_trans, o2.stride, o2.kernel_size, o2.padding = wt_good, (1, 1), (kh, kw), pad
o2.input_shape, o2.input_trans, o2.bias = xpad.shape, xt2, bk
grad = Gz
grad_trans = grad.transpose([0, 2, 3, 1]).reshape(o2.batch_size, -1, o2.out_channels)
grad_backward_trans = np.tensordot(grad_trans, o2.kernel_trans.T, [(2), [0]])
grad_backward = np.zeros(o2.input_shape)
ind = 0
for ih in range(grad.shape[2]):
    begin_h = ih * o2.stride[0]
    for iw in range(grad.shape[3]):
        begin_w = iw * o2.stride[1]
        grad_backward[:, :, begin_h:(begin_h + o2.kernel_size[0]), begin_w:(begin_w + o2.kernel_size[1])] += \
            grad_backward_trans[:, ind, :].reshape(o2.batch_size, o2.in_channels, o2.kernel_size[0], o2.kernel_size[1])
        ind += 1
gb_full = grad_backward.copy()
grad_backward = grad_backward[:, :, o2.padding[0]:o2.input_shape[2] - o2.padding[0],
                              o2.padding[1]:o2.input_shape[3] - o2.padding[1]]
o2.grad_k_trans = np.tensordot(o2.input_trans, grad_trans, [(0, 1), (0, 1)])
o2.grad_b = np.sum(grad_trans, axis=(0, 1)).reshape(1, -1)
xpad_t = T(xpad).requires_grad_()
(F.conv2d(xpad_t, T(wk), T(bk)) * T(Gz)).sum().backward()
decide(175, np.allclose(grad_trans, dt), "grad_trans = grad.transpose([0,2,3,1]).reshape(B, -1, C_out)")
decide(176, np.allclose(grad_backward_trans, dat_ref), "grad_backward_trans = tensordot(grad_trans, kernel_trans.T)")
decide(185, np.allclose(gb_full, xpad_t.grad.numpy()), "scatter-adding each row back onto its window (the statement "
       "of lines 184-185) gives dC/d(padded input), against autograd")
decide(187, np.allclose(grad_backward, xp.grad.numpy()), "cropping the padding gives dC/da against autograd")
decide(190, np.allclose(o2.grad_k_trans, wtt.grad.numpy().reshape(Co, -1).T), "grad_k_trans = tensordot(input_trans, "
       "grad_trans, [(0,1),(0,1)]) = dC/dw in the layout of kernel_trans, against autograd")
decide(192, np.allclose(o2.grad_b[0], btt.grad.numpy()), "grad_b = sum of grad_trans over batch and positions")
decide(198, np.allclose(np.tensordot(xt2, dt, [(0, 1), (0, 1)]), wtt.grad.numpy().reshape(Co, -1).T),
       "dC/dw_t = tensordot(a_t, delta_t, [(0,1),(0,1)]) against autograd")
decide(199, np.allclose(np.sum(dt, axis=(0, 1)), btt.grad.numpy()), "dC/db = sum(delta_t, axis=(0,1))")

# ---- the shapes of the (16,3,128,128) example (lines 203-209): w (8,3,3,3), stride 1, no padding
zs = F.conv2d(torch.zeros(1, 3, 128, 128), torch.zeros(8, 3, 3, 3)).shape
print(f"   (lines 207, 209: a (.,3,128,128) map and a 3x3 kernel give {tuple(zs)[1:]}: 128 - 3 + 1 = 126, "
      f"126^2 = {126 ** 2}; the printed 127, 127^2 = {127 ** 2})")
decide(207, tuple(zs[1:]) == (8, 127, 127), "the error of the output is delta(16, 8, 126, 126); the printed 127 is "
       "128 - 3 + 2")
chain = [(16, 3, 127, 127), (16, 16129, 8), (16, 16129, 27), (16, 3, 128, 128)]
right = [(16, 8, 126, 126), (16, 126 * 126, 8), (16, 126 * 126, 27), (16, 3, 128, 128)]
decide(209, chain == right, "delta(16,3,127,127) -> delta_t(16,16129,8) -> delta_t w_t^T (16,16129,27) -> "
       "delta'(16,3,128,128): the output error has 8 channels, not 3, and 126 x 126 = 15876 positions (127 and 16129 "
       "carried from line 207); the last two arrows' 27 = 3*3*3 and (16,3,128,128) are right")
finish()
