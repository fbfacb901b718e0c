"""Independent truth for tests/posts/conv_blind19/nestedsoftware_cnn_primer (NumPy and torch, no derive).

The post (Nested Software, 'Convolutional Neural Networks: An Intuitive Primer', a Jekyll post of
nestedsoftware/nestedsoftware_jekyll_blog, 2019) builds a feature map z = correlate2d(a_prev, w, 'valid') + b,
a = sigmoid(z) (a valid cross-correlation, one shared bias), and derives its backward pass in words and in SciPy
calls: the components dC/db = sigma'(z) * dC/da, the bias gradient as their sum (a same-size cross-correlation), the
weight gradient as correlate2d(a_prev, dC/db components), the input gradient as the full convolution of w with the
components; then stacked (3-d) feature maps, max pooling with overlapping windows (stride 1, its code), a fully
connected layer, sizes and parameter counts in the text, and two REPL appendices with printed arrays.
Everything is evaluated as printed in float64: correlate2d and convolve2d are written with torch conv2d (valid:
no padding; full: K - 1 zeros on every side; convolve = correlate with the kernel rotated by 180 degrees), the
gradients are checked against torch autograd with C = sum(G * a) for a random G = dC/da, max pooling against
torch max_pool2d (kernel 2, stride 1) and the REPL arrays against the same operations on the printed inputs."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1901)
T = lambda a: torch.tensor(np.ascontiguousarray(a, dtype=np.float64))


def correlate(a, k, mode):
    """scipy's correlate2d / correlate in 'valid' or 'full' mode for 2-d or 3-d arrays, written with torch conv."""
    a, k = T(a), T(k)
    pad = [s - 1 for s in k.shape] if mode == "full" else [0] * k.dim()
    if a.dim() == 2:
        return F.conv2d(a[None, None], k[None, None], padding=tuple(pad))[0, 0].numpy()
    return F.conv3d(a[None, None], k[None, None], padding=tuple(pad))[0, 0].numpy()


def convolve(a, k, mode):
    """convolve2d: correlate with the kernel flipped in every axis"""
    return correlate(a, np.flip(np.asarray(k, dtype=np.float64), axis=tuple(range(np.ndim(k)))), mode)


sigmoid = lambda z: 1.0 / (1.0 + np.exp(-z))
sigmoid_prime = lambda z: sigmoid(z) * (1 - sigmoid(z))

# ---- the post's feature map on a 3x3 input, 2x2 weights, one bias; C = sum(G * a), G = dC/da
A, W, B, G = rng.normal(size=(3, 3)), rng.normal(size=(2, 2)), rng.normal(), rng.normal(size=(2, 2))
At, Wt, Bt = T(A).requires_grad_(), T(W).requires_grad_(), T(B).requires_grad_()
Zt = F.conv2d(At[None, None], Wt[None, None])[0, 0] + Bt
Zt.retain_grad()
at = torch.sigmoid(Zt)
(at * T(G)).sum().backward()
dA, dW, dB, dZ, Z = At.grad.numpy(), Wt.grad.numpy(), float(Bt.grad), Zt.grad.numpy(), Zt.detach().numpy()
comps = sigmoid_prime(Z) * G                      # the post's b_gradient_components, dc_db(z, a_gradient)

# ---- sizes and counts in the text
decide(5, 28 * 28 == 784 and 28 * 28 * 30 == 23520 and 28 * 28 * 30 + 30 == 23550,
       "28x28 = 784 inputs; 28x28x30 = 23,520 weights; plus 30 biases = 23,550 parameters")


def out_shape(M, N, I, J):
    return tuple(F.conv2d(torch.zeros(1, 1, M, N), torch.zeros(1, 1, I, J)).shape[2:])


cases = [(4, 5, 2, 2), (6, 7, 2, 3), (5, 5, 3, 3)]
post23 = [(M - I + 1, J - N + 1) for M, N, I, J in cases]
true23 = [out_shape(*c) for c in cases]
print(f"   (line 23: (M-I+1)x(J-N+1) gives {post23}; the valid output is {true23}, (M-I+1)x(N-J+1); the example "
      f"4x5 with 2x2 -> 3x4: {out_shape(4, 5, 2, 2) == (3, 4)})")
decide(23, post23 == true23 and out_shape(4, 5, 2, 2) == (3, 4),
       "an M x N image and an I x J overlay at stride 1 give an (M-I+1) x (N-J+1) map; the line writes the width "
       "J-N+1, which is negative for every overlay narrower than the image (for its own 4x5 example with 2x2, "
       "2-5+1 = -2 where the 3x4 it states has width 4)")
decide(41, out_shape(28, 28, 4, 4) == (25, 25) and 4 * 4 == 16 and (16 + 1) * 16 == 272 and 272 < 23550,
       "28x28 with a 4x4 overlay -> 25x25; 16 shared weights + 1 bias; 17 x 16 = 272 parameters < 23,550")

# ---- the forward
zpost = correlate(A, W, "valid") + B
decide(52, np.allclose(zpost, Z), "z = correlate2d(a_prev, w, 'valid') + b: the feature map's forward (torch conv2d)")
decide(210, np.allclose(zpost, Z), "the same forward line in the code listing")

# ---- bias gradient
decide(78, np.allclose(sigmoid_prime(Z) * G, dZ), "sigma'(z) * dC/da per feature neuron = dC/dz = the per-neuron "
       "component of dC/db (autograd dC/dz)")
decide(91, np.isclose(comps.sum(), dB), "the shared bias's gradient is the sum of the four components (autograd)")
bpost = correlate(sigmoid_prime(Z), G, "valid")
decide(95, bpost.shape == (1, 1) and np.isclose(bpost[0, 0], dB), "cross-correlating the same-size 2x2 sigma'(z) "
       "and dC/da gives a single value, the cumulative dC/db")
decide(100, np.isclose(bpost[0, 0], dB), "b_gradient = correlate2d(sigmoid_prime(z), a_gradient, 'valid')")
decide(218, np.isclose(bpost[0, 0], dB), "the same line in the code listing")

# ---- weight gradient
four = [comps[i, j] * A[i:i + 2, j:j + 2] for i in range(2) for j in range(2)]
decide(109, len(four) == 4 and all(m.shape == (2, 2) for m in four) and np.allclose(sum(four), dW),
       "each component of dC/db times its 2x2 underlay: four 2x2 matrices whose sum is dC/dw (autograd)")
wpost = correlate(A, comps, "valid")
decide(113, wpost.shape == (2, 2) and np.allclose(wpost, dW), "cross-correlating the 3x3 a_prev with the 2x2 "
       "components gives the same 2x2 dC/dw")
decide(116, np.allclose(wpost, dW), "w_gradient = correlate2d(a_prev, b_gradient_components, 'valid')")
decide(219, np.allclose(wpost, dW), "the same line in the code listing")

# ---- input gradient
placed = []
for i in range(2):
    for j in range(2):
        m = np.zeros((3, 3))
        m[i:i + 2, j:j + 2] = comps[i, j] * W
        placed.append(m)
decide(125, len(placed) == 4 and np.allclose(sum(placed), dA), "each component times the weights at its overlay, "
       "zero elsewhere: four 3x3 matrices whose sum is dC/da_prev (autograd)")
full133 = correlate(W, comps, "full")
decide(133, full133.shape == (3, 3), "the 2x2 components as a full-mode overlay over the 2x2 w give a 3x3 matrix "
       "(the rotation that makes it dC/da_prev is the next paragraph's)")
rot = np.rot90(comps, 2)
full135 = correlate(W, rot, "full")
decide(135, np.allclose(full135, dA) and np.isclose(full135[0, 0], W[0, 0] * comps[0, 0]),
       "with the components rotated by 180 degrees the full cross-correlation over w equals dC/da_prev, and its first "
       "position covers w_00 with dC/db_00")
apost = convolve(W, comps, "full")
decide(142, np.allclose(apost, dA), "a_prev_gradient = convolve2d(w, b_gradient_components, 'full')")
decide(220, np.allclose(apost, dA), "the same line in the code listing")

decide(161, correlate(np.zeros((7, 3)), np.zeros((2, 3)), "valid").shape == (6, 1),
       "a 7x3 matrix cross-correlated (valid) with a 2x3 one gives 6x1")

# ---- stacked feature maps: D = 3 input maps, 2 output maps, one sigmoid per output map
D = 3
A3, W3, B3, G3 = rng.normal(size=(D, 3, 3)), rng.normal(size=(2, D, 2, 2)), rng.normal(size=2), rng.normal(size=(2, 2, 2))
A3t, W3t = T(A3).requires_grad_(), T(W3).requires_grad_()
Z3t = F.conv2d(A3t[None], W3t, T(B3))[0]
(torch.sigmoid(Z3t) * T(G3)).sum().backward()
Z3 = Z3t.detach().numpy()
comps3 = sigmoid_prime(Z3) * G3
dw3 = [correlate(A3, comps3[o][None], "valid") for o in range(2)]
decide(166, all(d.shape == (D, 2, 2) for d in dw3) and np.allclose(np.stack(dw3), W3t.grad.numpy()),
       "dC/dw of one next-layer map = the 3-d a_prev stack cross-correlated with its [dC/db] components: a D x 2 x 2 "
       "matrix, one slice per previous map (autograd)")
da3 = sum(convolve(W3[o], comps3[o][None], "full") for o in range(2))
decide(167, da3.shape == (D, 3, 3) and np.allclose(da3, A3t.grad.numpy()),
       "dC/da_prev = the 3-d w of each next-layer map convolved (full) with its [dC/db], summed over the next-layer "
       "maps: D x 3 x 3, one slice per previous map (autograd)")

# ---- max pooling, the code's overlapping 2x2 windows at stride 1, on the post's input
mp_in = np.array([[8, 0, 11, 1, 6], [10, 2, 4, 14, 17], [5, 16, 19, 15, 7], [12, 13, 9, 18, 3]], dtype=np.float64)
Gp = rng.normal(size=(3, 4))
mpt = T(mp_in).requires_grad_()
(F.max_pool2d(mpt[None, None], 2, stride=1)[0, 0] * T(Gp)).sum().backward()
routed = np.zeros_like(mp_in)
for r in range(3):
    for c in range(4):
        win = mp_in[r:r + 2, c:c + 2]
        i, j = np.unravel_index(win.argmax(), win.shape)
        routed[r + i, c + j] += Gp[r, c]
decide(175, np.allclose(routed, mpt.grad.numpy()), "each pooling neuron passes dC/da back to the maximum of its "
       "overlay, the rest of the overlay 0 (with the overlapping windows of the code the contributions add up): "
       "torch max_pool2d(kernel 2, stride 1) autograd")
decide(246, np.allclose(routed, mpt.grad.numpy()), "a_prev_gradient[max_position] += a_gradient[r][c]")
sh = lambda rows, cols, orow, ocol: (rows - orow + 1, cols - ocol + 1)
decide(296, sh(4, 5, 2, 2)[0] == out_shape(4, 5, 2, 2)[0] and sh(6, 7, 2, 3)[0] == out_shape(6, 7, 2, 3)[0],
       "num_offsets_for_row = input_num_rows - overlay_num_rows + 1")
decide(297, sh(4, 5, 2, 2)[1] == out_shape(4, 5, 2, 2)[1] and sh(6, 7, 2, 3)[1] == out_shape(6, 7, 2, 3)[1],
       "num_offsets_for_col = input_num_cols - overlay_num_cols + 1 (the code has the width right)")

# ---- the fully connected layer: z = w a + b, a = sigmoid(z)
n_in, n_out = 6, 4
a_prev, Wd, bd, gd = rng.normal(size=(n_in, 1)), rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, 1)), \
    rng.normal(size=(n_out, 1))
ap_t, Wd_t, bd_t = T(a_prev).requires_grad_(), T(Wd).requires_grad_(), T(bd).requires_grad_()
zd_t = Wd_t @ ap_t + bd_t
zd_t.retain_grad()
(torch.sigmoid(zd_t) * T(gd)).sum().backward()
zd = zd_t.detach().numpy()
zs = rng.normal(size=5)
sig_t = torch.sigmoid(T(zs))
decide(285, np.allclose(sigmoid(zs), sig_t.numpy()), "sigmoid(z) = 1/(1 + exp(-z))")
dsig = torch.autograd.functional.jacobian(torch.sigmoid, T(zs)).diagonal().numpy()
decide(288, np.allclose(sigmoid_prime(zs), dsig), "sigmoid'(z) = sigmoid(z)(1 - sigmoid(z)) (autograd)")
dcdb = sigmoid_prime(zd) * gd
decide(291, np.allclose(dcdb, zd_t.grad.numpy()) and np.allclose(dcdb, bd_t.grad.numpy()),
       "dc_db = sigmoid_prime(z) * dc_da (autograd)")
decide(269, np.allclose(dcdb, bd_t.grad.numpy()), "b_gradient = dc_db(z, a_gradient) in the dense layer")
decide(326, np.allclose(Wd @ a_prev + bd, zd), "raw_activation: z = w a + b (the layer's forward)")
decide(329, np.allclose(dcdb @ a_prev.T, Wd_t.grad.numpy()), "dc_dw = dc_db a_prev^T (autograd)")
decide(272, np.allclose(dcdb @ a_prev.T, Wd_t.grad.numpy()), "weights_gradient = dc_dw(a_prev, b_gradient)")
decide(332, np.allclose(Wd.T @ dcdb, ap_t.grad.numpy()), "dc_da_prev = w^T dc_db (autograd)")
decide(274, np.allclose(Wd.T @ dcdb, ap_t.grad.numpy()), "a_prev_gradient = dc_da_prev(w, b_gradient)")

# ---- Appendix A: the REPL arrays, row by row
values = np.arange(1, 10, dtype=np.float64).reshape(3, 3)
f = np.array([[10, 20], [30, 40]], dtype=np.float64)
f_rot180 = np.rot90(np.rot90(f))
printed = {
    (372, 373): (correlate(values, f, "valid"), [[370, 470], [670, 770]], "correlate2d(values, f, valid)"),
    (375, 376): (convolve(values, f, "valid"), [[230, 330], [530, 630]], "convolve2d(values, f, valid)"),
    (379, 380): (f_rot180, [[40, 30], [20, 10]], "np.rot90(np.rot90(f))"),
    (382, 383): (correlate(values, f_rot180, "valid"), [[230, 330], [530, 630]], "correlate2d(values, f_rot180, valid)"),
    (385, 386, 387, 388): (correlate(values, f, "full"),
                           [[40, 110, 180, 90], [180, 370, 470, 210], [360, 670, 770, 330], [140, 230, 260, 90]],
                           "correlate2d(values, f, full)"),
    (390, 391, 392, 393): (convolve(values, f, "full"),
                           [[10, 40, 70, 60], [70, 230, 330, 240], [190, 530, 630, 420], [210, 520, 590, 360]],
                           "convolve2d(values, f, full)"),
    (395, 396, 397, 398): (correlate(values, f_rot180, "full"),
                           [[10, 40, 70, 60], [70, 230, 330, 240], [190, 530, 630, 420], [210, 520, 590, 360]],
                           "correlate2d(values, f_rot180, full)"),
}
# ---- Appendix B
fm1 = values
fm2 = np.array([[9, 8, 7], [6, 5, 4], [3, 2, 1]], dtype=np.float64)
f1 = np.array([[1, 2], [3, 4]], dtype=np.float64)
f2 = np.array([[5, 6], [7, 8]], dtype=np.float64)
r1, r2 = correlate(fm1, f1, "valid"), correlate(fm2, f2, "valid")
stacked = correlate(np.stack([fm1, fm2]), np.stack([f1, f2]), "valid")
printed.update({
    (425, 426): (r1, [[37, 47], [67, 77]], "result1 = correlate2d(feature_map1, filter1, valid)"),
    (429, 430): (r2, [[175, 149], [97, 71]], "result2 = correlate2d(feature_map2, filter2, valid)"),
    (433, 434): (r1 + r2, [[212, 196], [164, 148]], "result1 + result2"),
    (453, 454): (stacked.reshape(2, 2), [[212, 196], [164, 148]],
                 "the 3-d valid correlation of the stacks (depth 2 against depth 2 -> 1 x 2 x 2), reshaped to 2x2"),
})
for lines, (computed, shown, what) in printed.items():
    for row, line in enumerate(lines):
        decide(line, np.allclose(computed[row], shown[row]), f"{what}, row {row + 1}: {shown[row]}")

finish()
