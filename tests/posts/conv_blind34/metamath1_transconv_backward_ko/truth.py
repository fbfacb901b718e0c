"""Independent truth for tests/posts/conv_blind34/metamath1_transconv_backward_ko (NumPy and torch, no derive).

The post (metamath1 / 조준우, 'Convolution, Transposed Convolution and Backward Convolution', the Jupyter notebook
CNN/transconv_fullconv.ipynb of metamath1/ml-simple-works, in Korean) derives the input gradient of a single-channel
CONV layer z = I (cross-correlation) w, 0-based, for no padding / stride 1, padding p / stride 1, stride s / no
padding and padding p / stride s, writes dC/dI_ij = sum_kl w_(i-k s+p),(j-l s+p) delta_kl, expands dC/dI_00 and
dC/dI_03, and reads each as a full convolution of the rotated upstream gradient with the filter (and as a transposed
convolution).

Everything is checked in float64 against torch conv2d / conv_transpose2d and autograd with C = sum(G * z) for a random
G (delta = G). A filter entry w_ab with an index outside 0..Q-1 (w_{0,-1}, w_{14}, ...) is read as zero: the post
writes these terms and its figures pad the filter with zeros. The sums over k, l run over the output positions."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402,F401

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(3401)
T = lambda a: torch.tensor(np.ascontiguousarray(a, dtype=np.float64))


def wz(w, a, b):
    """w_ab, zero outside the filter (the post's reading of w_{0,-1}, w_{14}, ...)."""
    return w[a, b] if 0 <= a < w.shape[0] and 0 <= b < w.shape[1] else 0.0


def case(n, q, s, p):
    """I (n x n), w (q x q), z = conv2d(I, w, stride s, padding p), delta = dC/dz, dI = dC/dI by autograd."""
    I, w = rng.normal(size=(n, n)), rng.normal(size=(q, q))
    It = T(I)[None, None].requires_grad_(True)
    z = F.conv2d(It, T(w)[None, None], stride=s, padding=p)
    G = rng.normal(size=z.shape[2:])
    (z * T(G)[None, None]).sum().backward()
    return I, w, z.detach()[0, 0].numpy(), G, It.grad[0, 0].numpy()


def formula(I, w, delta, s, p):
    """dC/dI_ij = sum_k sum_l w_(i-k s+p),(j-l s+p) delta_kl, as eqs. (3), (5), (6), (7) print it."""
    out = np.zeros_like(I)
    for i in range(I.shape[0]):
        for j in range(I.shape[1]):
            out[i, j] = sum(wz(w, i - k * s + p, j - l * s + p) * delta[k, l]
                            for k in range(delta.shape[0]) for l in range(delta.shape[1]))
    return out


def forward(I, w, zshape, s, p):
    """z_kl = sum_q sum_r w_qr I_(k s - p + q),(l s - p + r), I zero outside (the padding)."""
    Iz = lambda a, b: I[a, b] if 0 <= a < I.shape[0] and 0 <= b < I.shape[1] else 0.0
    return np.array([[sum(w[a, b] * Iz(k * s - p + a, l * s - p + b) for a in range(w.shape[0])
                          for b in range(w.shape[1])) for l in range(zshape[1])] for k in range(zshape[0])])


def dz_dI(I, w, zshape, s, p):
    """The Jacobian dz_kl/dI_ij by torch (z linear in I)."""
    J = torch.autograd.functional.jacobian(lambda x: F.conv2d(x[None, None], T(w)[None, None], stride=s,
                                                              padding=p)[0, 0], T(I))
    return J.numpy()


# ---- no padding, stride 1: I 4x4, w 3x3, z 2x2
I, w, z, d, dI = case(4, 3, 1, 0)
decide(20, z.shape == (2, 2) and np.allclose(forward(I, w, z.shape, 1, 0), z),
       "z_kl = sum_q sum_r w_qr I_(k+q),(l+r) is the unflipped cross-correlation torch conv2d computes; a 4x4 input "
       "and a 3x3 filter give a 2x2 z")
J = dz_dI(I, w, z.shape, 1, 0)
decide(44, np.allclose(np.einsum("klij,kl->ij", J, d), dI),
       "dC/dI_ij = sum_kl (dz_kl/dI_ij) delta_kl, with the Jacobian by torch, equals autograd")
decide(63, all(np.isclose(J[k, l, i, j], wz(w, i - k, j - l)) for k in range(2) for l in range(2)
               for i in range(4) for j in range(4)),
       "dz_kl/dI_ij = w_(i-k),(j-l) (zero where i-k or j-l leaves 0..2) over all k, l, i, j, against torch's Jacobian")
decide(69, np.allclose(formula(I, w, d, 1, 0), dI), "eq. (3) dC/dI_ij = sum_kl w_(i-k),(j-l) delta_kl equals autograd")
full = F.conv2d(T(w)[None, None], T(np.flip(d))[None, None], padding=1)[0, 0].numpy()
decide(72, np.allclose(full, dI),
       "eq. (3) as a full convolution: delta rotated by 180 degrees slid over w padded by 1 (conv2d(w, flip(delta), "
       "padding=1)) gives dC/dI")
e00 = wz(w, 0, 0) * d[0, 0] + wz(w, 0, -1) * d[0, 1] + wz(w, -1, 0) * d[1, 0] + wz(w, -1, -1) * d[1, 1]
decide(75, np.isclose(e00, dI[0, 0]), "dC/dI_00 = w_00 delta_00 + (three terms with a negative filter index, zero) "
       "equals autograd's dC/dI_00")
decide(80, full.shape == (4, 4), "the full convolution of the 2x2 rotated delta over the 1-padded 3x3 filter is 4x4, "
       "the input's size")
decide(101, np.isclose(d[0, 0] * w[0, 1] + d[0, 1] * w[0, 0], dI[0, 1]),
       "entry (0, 1) of dC/dI is delta_00 w_01 + delta_01 w_00 (autograd), both by the stacking and the full "
       "convolution")

# ---- padding p = 1, stride 1: I 4x4, w 3x3, z 4x4
p = 1
I, w, z, d, dI = case(4, 3, 1, p)
decide(141, z.shape == (4, 4), "a 4x4 input padded by 1 with a 3x3 filter at stride 1 gives a 4x4 z (torch conv2d)")
decide(144, np.allclose(forward(I, w, z.shape, 1, p), z),
       "z_kl = sum_q^{Q-1} sum_r^{R-1} w_qr I_(k-p+q),(l-p+r) (sums from 0, I zero outside, the padding) equals torch "
       "conv2d with padding 1")
J = dz_dI(I, w, z.shape, 1, p)
decide(170, all(np.isclose(J[k, l, i, j], wz(w, i - k + p, j - l + p)) for k in range(4) for l in range(4)
                for i in range(4) for j in range(4)),
       "dz_kl/dI_ij = w_(i-k+p),(j-l+p) over all indices, against torch's Jacobian")
decide(176, np.allclose(formula(I, w, d, 1, p), dI), "eq. (5) dC/dI_ij = sum_kl w_(i-k+p),(j-l+p) delta_kl equals autograd")
pad2 = F.conv2d(T(w)[None, None], T(np.flip(d))[None, None], padding=2)[0, 0].numpy()
pad3 = F.conv2d(T(w)[None, None], T(np.flip(d))[None, None], padding=3)[0, 0].numpy()
decide(179, np.allclose(pad2, dI) and pad2.shape == (4, 4) and pad3.shape == (6, 6),
       "with padding 1 the backward convolution pads w by 2 where the full convolution of the 4x4 delta pads by 3, one "
       "less (conv2d(w, flip(delta), padding=2) equals autograd and is 4x4); with a general p it is p less, as the "
       "line's next sentence ties to the +p")
decide(183, np.allclose(pad2, dI) and np.allclose(pad3[1:-1, 1:-1], dI),
       "the padding-2 result is the padding-3 full convolution shifted one step down-right (its inner 4x4 block)")
ct = F.conv_transpose2d(T(d)[None, None], T(w)[None, None], padding=p)[0, 0].numpy()
decide(195, np.allclose(ct, dI) and np.allclose(ct, pad3[p:-p, p:-p]),
       "conv_transpose2d(delta, w, padding=1) equals dC/dI: the transposed convolution's padding crops the full result "
       "by p, the filter moved p down-right")

# ---- stride s = 2, no padding: I 5x5, w 3x3, z 2x2
s = 2
I, w, z, d, dI = case(5, 3, s, 0)
decide(199, z.shape == (2, 2), "a 5x5 input, a 3x3 filter, stride 2: a 2x2 z (torch conv2d)")
decide(206, np.allclose(forward(I, w, z.shape, s, 0), z), "z_kl = sum w_qr I_(k s+q),(l s+r) equals torch conv2d, stride 2")
J = dz_dI(I, w, z.shape, s, 0)
decide(232, all(np.isclose(J[k, l, i, j], wz(w, i - k * s, j - l * s)) for k in range(2) for l in range(2)
                for i in range(5) for j in range(5)),
       "dz_kl/dI_ij = w_(i-k s),(j-l s) over all indices, against torch's Jacobian")
decide(238, np.allclose(formula(I, w, d, s, 0), dI), "eq. (6) equals autograd at stride 2")
e00 = wz(w, 0, 0) * d[0, 0] + wz(w, 0, -2) * d[0, 1] + wz(w, -2, 0) * d[1, 0] + wz(w, -2, -2) * d[1, 1]
decide(244, np.isclose(e00, dI[0, 0]), "dC/dI_00 = w_00 delta_00 + (three out-of-range terms) equals autograd")
D = np.zeros((3, 3))
D[::2, ::2] = d
full_s = F.conv2d(T(w)[None, None], T(np.flip(D))[None, None], padding=2)[0, 0].numpy()
decide(251, np.allclose(full_s, dI),
       "the rotated delta with one empty row and column between its entries (dilated by s - 1 = 1), full-convolved "
       "over w (padding 2), equals autograd")
decide(253, full_s.shape == (5, 5) and np.allclose(F.conv_transpose2d(T(d)[None, None], T(w)[None, None],
                                                                       stride=2)[0, 0].numpy(), dI),
       "the result is 5x5 and equals conv_transpose2d(delta, w, stride=2)")

# ---- padding 1, stride 2: I 4x4, w 3x3, z 2x2
s, p = 2, 1
I, w, z, d, dI = case(4, 3, s, p)
used = {k * s + a for k in range(z.shape[0]) for a in range(3)}
decide(268, z.shape == (2, 2), "a 4x4 input padded by 1, a 3x3 filter, stride 2: a 2x2 z (torch conv2d)")
decide(273, used == {0, 1, 2, 3, 4},
       "the windows of the 6x6 padded input start at rows 0 and 2 and cover rows 0..4: its last row (and column, "
       "index 5) is never used")
decide(278, np.allclose(forward(I, w, z.shape, s, p), z), "z_kl = sum w_qr I_(k s-p+q),(l s-p+r) equals torch conv2d")
J = dz_dI(I, w, z.shape, s, p)
decide(304, all(np.isclose(J[k, l, i, j], wz(w, i - k * s + p, j - l * s + p)) for k in range(2) for l in range(2)
                for i in range(4) for j in range(4)),
       "dz_kl/dI_ij = w_(i-k s+p),(j-l s+p) over all indices, against torch's Jacobian")
decide(310, np.allclose(formula(I, w, d, s, p), dI), "eq. (7) equals autograd at padding 1, stride 2")
e00 = wz(w, 1, 1) * d[0, 0] + wz(w, 1, -1) * d[0, 1] + wz(w, -1, 1) * d[1, 0] + wz(w, -1, -1) * d[1, 1]
decide(318, np.isclose(e00, dI[0, 0]), "dC/dI_00 = w_11 delta_00 + (three out-of-range terms) equals autograd")
e03 = wz(w, 1, 4) * d[0, 0] + wz(w, 1, 2) * d[0, 1] + wz(w, -1, 4) * d[1, 0] + wz(w, -1, 2) * d[1, 1]
decide(326, np.isclose(e03, dI[0, 3]), "dC/dI_03 = (w_14 = 0) + w_12 delta_01 + (two out-of-range terms) equals autograd")
D = np.zeros((3, 3))
D[::2, ::2] = d
wp = np.pad(w, ((1, 2), (1, 2)))  # one zero before, two after: the asymmetric padding
asym = F.conv2d(T(wp)[None, None], T(np.flip(D))[None, None])[0, 0].numpy()
decide(331, np.allclose(asym, dI) and asym.shape == (4, 4),
       "the rotated, dilated delta slides over w padded by 1 before and 2 after (asymmetric) to give dC/dI (4x4); the "
       "extra zero comes from the padded input's last row and column that the forward pass never uses")

finish()
