"""Independent truth for tests/posts/conv_blind32/ricojia_cnn_basics_backprop (NumPy, SciPy and torch, no derive).

The post (Rico Jia, 'Deep Learning - CNN Basics', RicoJia/ricojia.github.io, _posts/2022/2022-01-31-deep-learning-
CNN-Basics.markdown) introduces filters, the kernel flip of a true convolution, the output-size ('padding') formula,
'valid' / 'same' / 'full' padding with 1-D examples, max pooling with a 4x4 example, the counts of a conv layer and of
an example network (32x32x1 -> conv 3x3x2 -> pool -> conv 4 filters -> pool -> flatten -> fc), and then the backward
pass of a convolution layer y = x (cross-correlation) k, in 1-based index notation (y_11 = x_11 k_11 + x_12 k_12 +
...): dJ/dx_11, dJ/dx_12, dJ/dk_11, dJ/dk_12, the bias gradient, dJ/dX as a convolution and three of its entries,
and a NumPy/SciPy Conv2d class (forward with scipy.signal.correlate2d, backward with correlate2d and convolve2d).

Everything is checked in float64 against torch (conv1d, conv2d, max_pool2d), torch Jacobians and autograd with
J = sum(G * y) for a random G. The expansions (lines 148-174) are read on the smallest setting they fit: x 4x4, k 3x3,
y 2x2 (line 150 uses x_14 and k_13, line 163 sums y_11 .. y_22), indices from 1; the post's \\frac{J}{x_{11}} (lines
172-174) is read as dJ/dx_11, as its display above writes it. The class (lines 183-277) is taken from post.md as
printed and executed with numpy and scipy; he_init_cnn (not in the post) is given here as a seeded normal draw of the
shape (out_channels, in_channels, k, k) the class's comment names. The class computes in float32 (its astype calls),
so its results are compared with float64 autograd at rtol 1e-4, atol 1e-5."""
import sys
import textwrap
from pathlib import Path

import numpy as np
import scipy.signal
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(3201)
T = lambda a: torch.tensor(np.ascontiguousarray(a, dtype=np.float64))
post = (Path(__file__).resolve().parent / "post.md").read_text(encoding="utf-8").split("\n")


def line(n):
    return post[n - 1]


def close32(a, b):
    return np.allclose(a, b, rtol=1e-4, atol=1e-5)


# ---- the flip of a true convolution (lines 21-32)
M = np.array([[1, 2], [3, 4]])
printed = np.array([[4, 3], [2, 1]])
x6, k3 = rng.normal(size=(6, 6)), rng.normal(size=(3, 3))
true_conv = scipy.signal.convolve2d(x6, k3, mode="valid")
xcorr_flipped = F.conv2d(T(x6)[None, None], T(np.flip(k3))[None, None])[0, 0].numpy()
decide(31, np.array_equal(np.flip(M), printed) and np.allclose(true_conv, xcorr_flipped),
       "reversing [[1,2],[3,4]] horizontally and vertically gives [[4,3],[2,1]]; a true convolution is the "
       "cross-correlation (torch conv2d) with the filter so reversed")

# ---- the slope example (line 37)
slope, kern = T([3, 2, 1, 0]), T([1, 0])
plain = F.conv1d(slope[None, None], kern[None, None])[0, 0].numpy()
flipped = F.conv1d(slope[None, None], kern.flip(0)[None, None])[0, 0].numpy()
unchecked(37, f"with the kernel [1,0] as printed the responses on [3,2,1,0] are {plain.tolist()} and with the "
          f"flipped kernel {flipped.tolist()}, none negative; the sentence's 'negative responses' fit a zero-mean slope "
          "detector (e.g. [1,-1]) the post does not write, so its referent is unclear")

# ---- the output-size ('padding') formula (line 50): (n - 2p)/s + 1 with n the kernel size
bad = []
for N in range(3, 12):
    for n in range(1, 6):
        for p in range(0, 3):
            for s in range(1, 4):
                if N + 2 * p < n:
                    continue
                out = F.conv1d(torch.zeros(1, 1, N), torch.zeros(1, 1, n), stride=s, padding=p).shape[-1]
                if (n - 2 * p) / s + 1 != out:
                    bad.append((N, n, p, s, out, (n - 2 * p) / s + 1))
                repaired_ok = (N + 2 * p - n) // s + 1 == out
                assert repaired_ok
decide(50, not bad, f"(n - 2p)/s + 1 with n the kernel size misses the input size and subtracts the padding: e.g. "
       f"input {bad[0][0]}, kernel {bad[0][1]}, padding {bad[0][2]}, stride {bad[0][3]} gives {bad[0][4]} outputs "
       f"(torch conv1d), the formula {bad[0][5]} ({len(bad)} of the grid's cases differ); the output size is "
       "floor((N + 2p - n)/s) + 1 for an input of N (which equals torch over the whole grid)")

# ---- 'valid', 'same', 'full' on [1,2,3] with [1,1,1] (lines 56-84)
sig, ones = T([1, 2, 3]), T([1, 1, 1])
res = {p: F.conv1d(sig[None, None], ones[None, None], padding=p)[0, 0].numpy().tolist() for p in (0, 1, 2)}
decide(61, res[0] == [6.0], f"valid (no padding): {res[0]}")
decide(71, res[1] == [3.0, 6.0, 5.0] and len(res[1]) == 3, f"same (padding 1): {res[1]}, as long as the input")
cover = np.zeros(3)
for start in range(5):                                # full: the windows over [0,0,1,2,3,0,0]
    for t in range(start, start + 3):
        if 2 <= t <= 4:
            cover[t - 2] += 1
decide(74, res[2] == [1.0, 3.0, 6.0, 5.0, 3.0] and np.all(cover == 3),
       f"full (padding k - 1 = 2) touches every input element with all 3 kernel positions: counts {cover.tolist()}")
padded = [0, 0, 1, 2, 3, 0, 0]
offsets = [(len(line(n)) - len(line(n).lstrip())) // 4 for n in range(78, 83)]
drawn = [sum(padded[o:o + 3]) for o in offsets]
assert [sum(padded[o:o + 3]) for o in range(5)] == res[2]         # the windows at offsets 0..4 give the output
decide(82, drawn == res[2], f"the drawing's windows (lines 78-82) start at offsets {offsets}: the fifth (line 82) is "
       f"drawn under the fourth (offset {offsets[-1]}, sum {drawn[-1]}), where the fifth output {res[2][-1]} comes "
       "from offset 4 (the window [3, 0, 0]); the drawn sums are " + str(drawn))
decide(83, res[2] == [1.0, 3.0, 6.0, 5.0, 3.0], f"full: {res[2]} (torch conv1d, padding 2)")

# ---- max pooling (lines 96-108)
img = np.array([[int(v) for v in line(n).split()] for n in range(97, 101)], dtype=float)
pooled = F.max_pool2d(T(img)[None, None], 2, 2)[0, 0].numpy()
said = np.array([[6, 8], [9, 5]], dtype=float)
decide(107, np.array_equal(pooled, said), f"2x2 max pooling at stride 2 of the 4x4 image: {pooled.tolist()} (torch)")

# ---- the conv layer's counts and the example network (lines 116-135)
layer = torch.nn.Conv2d(3, 4, 3)
decide(116, layer.weight.shape[0] * layer.weight.shape[1] == 12,
       "3 input and 4 output channels: weight (4, 3, k, k), 3 x 4 = 12 two-dimensional kernels")
xin = torch.randn(2, 3, 6, 6)
diff = (layer(xin) - F.conv2d(xin, layer.weight)).detach().numpy()
decide(122, tuple(layer.bias.shape) == (4,) and all(np.allclose(diff[:, o], layer.bias[o].item()) for o in range(4)),
       "the bias is one number per output channel, added to every position of that channel (torch Conv2d)")
a1 = F.conv2d(torch.zeros(1, 1, 32, 32), torch.zeros(2, 1, 3, 3))
decide(129, tuple(a1.shape[1:]) == (2, 30, 30), f"32x32x1 with two 3x3 filters, stride 1, no padding: {tuple(a1.shape[1:])}")
p_s1 = F.max_pool2d(a1, 2, stride=1)
p_s2 = F.max_pool2d(a1, 2, stride=2)
decide(131, tuple(p_s1.shape[1:]) == (2, 15, 15),
       f"a 2x2 window at stride 1 on 30x30x2 gives {tuple(p_s1.shape[1:])}, not 15x15x2 (torch max_pool2d); "
       f"15x15x2 is the stride-2 pooling ({tuple(p_s2.shape[1:])})")
a2_pad2 = F.conv2d(torch.zeros(1, 2, 15, 15), torch.zeros(4, 2, 3, 3), padding=2)
a2_pad1 = F.conv2d(torch.zeros(1, 2, 15, 15), torch.zeros(4, 2, 3, 3), padding=1)
decide(133, tuple(a2_pad2.shape[2:]) == (15, 15),
       f"3x3 filters at stride 1 with padding 2 take 15x15 to {tuple(a2_pad2.shape[2:])}, not the same size "
       f"(torch conv2d); the same size needs padding 1 ({tuple(a2_pad1.shape[2:])})")
decide(134, tuple(a2_pad1.shape[1:]) == (4, 15, 15),
       "four 3x3x2 filters keeping the size (the layer's stated 'same') on 15x15x2 give 15x15x4")
decide(135, torch.zeros(1, 4, 15, 15).flatten(1).shape[1] == 900, "15 x 15 x 4 = 900")

# ---- the backward pass on the expanded example: x 4x4, k 3x3, y 2x2, indices from 1 (lines 146-176)
X, K, G = rng.normal(size=(4, 4)), rng.normal(size=(3, 3)), rng.normal(size=(2, 2))
conv = lambda x, k: F.conv2d(x[None, None], k[None, None])[0, 0]
Jk = torch.autograd.functional.jacobian(lambda k: conv(T(X), k), T(K)).numpy()   # [i, j, m, n] = dy_ij/dk_mn
x = lambda a, b: X[a - 1, b - 1]
k = lambda a, b: K[a - 1, b - 1]
g = lambda a, b: G[a - 1, b - 1]


def expansion_terms(i, j, pairs):
    """each listed product x_ab k_cd is a term of y_ij: dy_ij/dk_cd = x_ab"""
    return all(np.isclose(Jk[i - 1, j - 1, c - 1, d - 1], x(a, b)) for (a, b), (c, d) in pairs)


decide(148, expansion_terms(1, 1, [((1, 1), (1, 1)), ((1, 2), (1, 2)), ((1, 3), (1, 3))]),
       "y_11 holds x_11 k_11 + x_12 k_12 + x_13 k_13 (torch Jacobian dy/dk)")
decide(150, expansion_terms(1, 2, [((1, 2), (1, 1)), ((1, 3), (1, 2)), ((1, 4), (1, 3))]),
       "y_12 holds x_12 k_11 + x_13 k_12 + x_14 k_13")
decide(152, expansion_terms(2, 1, [((2, 1), (1, 1)), ((2, 2), (1, 2)), ((2, 3), (1, 3))]),
       "y_21 holds x_21 k_11 + x_22 k_12 + x_23 k_13")

xt, kt = T(X).requires_grad_(), T(K).requires_grad_()
(conv(xt, kt) * T(G)).sum().backward()
dX, dK = xt.grad.numpy(), kt.grad.numpy()
dx = lambda a, b: dX[a - 1, b - 1]
dk = lambda a, b: dK[a - 1, b - 1]
decide(156, np.isclose(g(1, 1) * k(1, 1), dx(1, 1)), "dJ/dx_11 = dJ/dy_11 k_11 (autograd)")
decide(158, np.isclose(g(1, 1) * k(1, 2) + g(1, 2) * k(1, 1), dx(1, 2)), "dJ/dx_12 = dJ/dy_11 k_12 + dJ/dy_12 k_11")
decide(161, np.allclose(scipy.signal.correlate2d(X, G, mode="valid"), dK),
       "dJ/dK is the valid cross-correlation of x with dJ/dy (autograd)")
decide(163, np.isclose(g(1, 1) * x(1, 1) + g(1, 2) * x(1, 2) + g(2, 1) * x(2, 1) + g(2, 2) * x(2, 2), dk(1, 1)),
       "dJ/dk_11 = sum over the 2x2 output of dJ/dy_ij x_ij")
decide(165, np.isclose(g(1, 1) * x(1, 2) + g(1, 2) * x(1, 3) + g(2, 1) * x(2, 2) + g(2, 2) * x(2, 3), dk(1, 2)),
       "dJ/dk_12 = sum of dJ/dy_ij x_i,j+1")

# the bias gradient (line 168): one bias per output channel, a batch of 2 and 3 output channels
xb = torch.randn(2, 2, 5, 5)
wb = torch.randn(3, 2, 3, 3)
bb = torch.randn(3, requires_grad=True)
Gb = torch.randn(2, 3, 3, 3)
(F.conv2d(xb, wb, bb) * Gb).sum().backward()
true_db = bb.grad.numpy()
across_channels = Gb.sum(dim=1).numpy()               # sum_c dJ/dy_c: an array over the batch and positions
decide(168, np.allclose(np.full(3, across_channels.sum()), true_db) or across_channels.shape == true_db.shape,
       f"dJ/db_o is the sum of dJ/dy over the batch and the positions of channel o ({np.round(true_db, 4).tolist()}, "
       "autograd; the class's axis=(0, 2, 3)), one value per channel; the sum across all channels, "
       f"sum_c dJ/dy_c, is an array of shape {across_channels.shape} (or, summed out, one number "
       f"{across_channels.sum():.4f} shared by every bias)")
decide(170, np.allclose(scipy.signal.convolve2d(G, K, mode="full"), dX),
       "dJ/dX is the full (true) convolution of dJ/dy with k (scipy convolve2d 'full' = autograd)")
decide(172, np.isclose(g(1, 1) * k(1, 1), dx(1, 1)), "dJ/dx_11 = dJ/dy_11 k_11")
decide(173, np.isclose(g(1, 1) * k(1, 2) + g(1, 2) * k(1, 1), dx(1, 2)), "dJ/dx_12 = dJ/dy_11 k_12 + dJ/dy_12 k_11")
X5, G3 = rng.normal(size=(5, 5)), rng.normal(size=(3, 3))    # a wider output, where y_13 exists
x5t = T(X5).requires_grad_()
(conv(x5t, T(K)) * T(G3)).sum().backward()
printed_174 = g(1, 1) * k(1, 3) + g(1, 2) * k(1, 2) + g(1, 2) * k(1, 1)
printed_174_wide = G3[0, 0] * K[0, 2] + G3[0, 1] * K[0, 1] + G3[0, 1] * K[0, 0]
decide(174, np.isclose(printed_174, dx(1, 3)) and np.isclose(printed_174_wide, x5t.grad[0, 2].item()),
       "x_13 meets k_13 in y_11, k_12 in y_12 and k_11 in y_13, so dJ/dx_13 = dJ/dy_11 k_13 + dJ/dy_12 k_12 + "
       "dJ/dy_13 k_11 (autograd on a 5x5 input: " + str(np.isclose(
           G3[0, 0] * K[0, 2] + G3[0, 1] * K[0, 1] + G3[0, 2] * K[0, 0], x5t.grad[0, 2].item())) + "), and on the "
       "4x4 example without y_13 it is the first two terms (" + str(np.isclose(g(1, 1) * k(1, 3) + g(1, 2) * k(1, 2),
                                                                                dx(1, 3))) + "); the printed third "
       "term dJ/dy_12 k_11 repeats y_12, which holds x_13 only through k_12")

# ---- the Conv2d class (lines 183-277), executed as printed
ns = {"np": np, "scipy": scipy}
draw = np.random.default_rng(3202)
ns["he_init_cnn"] = lambda out_channels, in_channels, kernel_size: draw.normal(
    scale=np.sqrt(2.0 / (in_channels * kernel_size * kernel_size)), size=(out_channels, in_channels, kernel_size,
                                                                          kernel_size))
exec(textwrap.dedent("\n".join(post[182:277])), ns)
Conv2d = ns["Conv2d"]

size_ok = True
for N in (5, 6, 7):
    for p in (0, 1, 2):
        c = Conv2d(2, 3, 3, padding=p)
        out = c(rng.normal(size=(1, 2, N, N)))
        size_ok &= out.shape == tuple(F.conv2d(torch.zeros(1, 2, N, N), torch.zeros(3, 2, 3, 3), padding=p).shape)
decide(224, size_ok, "output_size = (input + 2p - k)/1 + 1 gives torch conv2d's output size (stride 1)")


def run_class(batch, padding):
    c = Conv2d(2, 3, 3, padding=padding)
    c.bias = rng.normal(size=3).astype(np.float32)
    xin = rng.normal(size=(batch, 2, 5, 6))
    out = c(xin)
    Gc = rng.normal(size=out.shape)
    c.backward(Gc)
    xt_, wt_, bt_ = T(xin).requires_grad_(), T(c.weights).requires_grad_(), T(c.bias).requires_grad_()
    y = F.conv2d(xt_, wt_, bt_, padding=padding)
    (y * T(Gc)).sum().backward()
    return c, out, y.detach().numpy(), xt_.grad.numpy(), wt_.grad.numpy(), bt_.grad.numpy(), xin, Gc


c2, out2, y2, dx2, dw2, db2, xin2, Gc2 = run_class(batch=2, padding=1)
decide(243, close32(out2, y2), "the forward (lines 237-244: correlate2d 'valid' of the padded input with each "
       "filter, summed over the input channels, plus the channel's bias) equals torch conv2d (batch 2, padding 1)")
c1, out1, y1, dx1, dw1, db1, _, _ = run_class(batch=1, padding=0)
plus_eq_src = textwrap.dedent("\n".join(post[182:277])).replace("self.weights_gradient[o, i] = ", "self.weights_gradient[o, i] += ")
ns_plus = dict(ns)
exec(plus_eq_src, ns_plus)
plus_eq = ns_plus["Conv2d"](2, 3, 3, padding=1)
plus_eq.weights, plus_eq.bias = c2.weights, c2.bias
plus_eq(xin2)
plus_eq.backward(Gc2)
last_only = sum(scipy.signal.correlate2d(np.pad(xin2[1, i], 1), Gc2[1, o], mode="valid")[None, None] *
                (np.arange(3)[:, None, None, None] == o) * (np.arange(2)[None, :, None, None] == i)
                for o in range(3) for i in range(2))
decide(264, close32(c2.weights_gradient, dw2),
       "for a batch of 2 the loop assigns weights_gradient[o, i] = correlate2d(...) for each sample in turn, so it "
       "keeps the last sample's term only (equal to it: " + str(close32(c2.weights_gradient, last_only)) + "); "
       "dJ/dW sums the samples (autograd); with one sample it agrees (" + str(close32(c1.weights_gradient, dw1)) +
       "), and with += it does for any batch: " + str(close32(plus_eq.weights_gradient, dw2)))
decide(267, close32(c1.input_gradient, dx1), "input_gradient += convolve2d(dJ/dy, w, 'full') summed over the output "
       "channels equals autograd's dJ/dx (padding 0)")
decide(273, close32(c2.input_gradient, dx2), "with padding 1 the full convolutions give dJ/d(padded x); keeping the "
       "unpadded part [p:-p, p:-p] equals autograd's dJ/dx (batch 2)")
decide(276, close32(c2.bias_gradient, db2), "np.sum(output_gradient, axis=(0, 2, 3)) equals autograd's dJ/db")

finish()
