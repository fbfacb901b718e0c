"""Independent truth for tests/posts/conv_blind8/transformerswsz_cnn_backprop_zh (NumPy and torch, no derive).

The post's layers (Chinese; a repost of Pinard's 'CNN backpropagation' article): '*' is the operation of its own
examples (lines 98-101 and 130-154), the cross-correlation 'valid' over the first operand with the second as kernel
(torch conv2d); a zero border written out in a matrix (lines 132-139) is part of the operand. delta^l = dJ/dz^l.
- pooling (lines 23-53): 2x2 windows at stride 2, MAX (maxima placed top-left, bottom-right, top-right, bottom-left in
  the four windows, as the post says) and Average, upstream delta_k^l = [[2, 8], [4, 6]] as printed; for lines 47 and
  53 a small network z^(l-1) -> a^(l-1) = tanh(z^(l-1)) -> pool (no activation, as the post says) -> J = sum(G * pooled),
  upsample read as the routing of the rows above (to the max for MAX, 1/4 each for Average);
- convolution, delta (lines 58-154): a^(l-1) 3x3, W^l 2x2, stride 1, z^l 2x2, b^l = 0; for lines 58, 66 and 206
  z^(l-1) -> a^(l-1) = tanh(z^(l-1)) -> z^l = a^(l-1) * W^l + b^l -> J = sum(G * z^l) with a random G;
- convolution, weights (lines 158-209): a^(l-1) 4x4, W^l 3x3, z^l 2x2, J = sum(delta * z^l) with a random delta,
  and m = 3 samples for the summary lines.
torch conv2d / max_pool2d / avg_pool2d, autograd and torch Jacobians are the reference. Indices in the post are
1-based (a_11 is a[0, 0])."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(83)
T = lambda a: torch.tensor(a, dtype=torch.float64)
corr = lambda x, k: F.conv2d(T(x)[None, None], T(k)[None, None])[0, 0].numpy()   # the post's '*'
rot180 = lambda k: np.flip(k, (0, 1)).copy()

# ---- pooling, lines 27-53
dl = np.array([[2.0, 8.0], [4.0, 6.0]])
P = rng.uniform(-1, 0, size=(4, 4))
for (i, j) in [(0, 0), (1, 3), (2, 1), (3, 2)]:      # left-top, right-bottom, right-top, left-bottom of the windows
    P[i, j] = rng.uniform(0.5, 1.5)
Pt = T(P).requires_grad_()
(F.max_pool2d(Pt[None, None], 2, 2)[0, 0] * T(dl)).sum().backward()
up_max = Pt.grad.numpy()
Pt = T(P).requires_grad_()
(F.avg_pool2d(Pt[None, None], 2, 2)[0, 0] * T(dl)).sum().backward()
up_avg = Pt.grad.numpy()
shown_max = {27: [2, 0, 0, 0], 28: [0, 0, 0, 8], 29: [0, 4, 0, 0], 30: [0, 0, 6, 0]}
for r, (line, row) in enumerate(shown_max.items()):
    decide(line, np.allclose(row, up_max[r]), f"row {r + 1} of the MAX upsampling of [[2, 8], [4, 6]] against the "
           f"max_pool2d gradient (maxima left-top, right-bottom, right-top, left-bottom)")
shown_avg = {38: [0.5, 0.5, 2, 2], 39: [0.5, 0.5, 2, 2], 40: [1, 1, 1.5, 1.5], 41: [1, 1, 1.5, 1.5]}
for r, (line, row) in enumerate(shown_avg.items()):
    decide(line, np.allclose(row, up_avg[r]), f"row {r + 1} of the Average upsampling against the avg_pool2d gradient")


def pool_net(kind, C=2):
    z = rng.normal(size=(C, 4, 4)); G = rng.normal(size=(C, 2, 2))
    zt = T(z).requires_grad_()
    a = torch.tanh(zt)
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    p = pool(a[None], 2, 2)[0]
    p.retain_grad()
    (p * T(G)).sum().backward()
    delta_l = p.grad.numpy()
    at = T(np.tanh(z)).requires_grad_()
    (pool(at[None], 2, 2)[0] * T(delta_l)).sum().backward()
    upsample = at.grad.numpy()                      # the routing of delta^l, as in the rows above
    return zt.grad.numpy(), upsample, 1 - np.tanh(z) ** 2


ok47, ok53 = True, True
for kind in ("max", "avg"):
    dz, ups, sprime = pool_net(kind, C=1)
    ok47 &= np.allclose(ups * sprime, dz)
    dz, ups, sprime = pool_net(kind, C=3)
    ok53 &= np.allclose(ups * sprime, dz)
decide(47, ok47, "delta_k^(l-1) = (da/dz)^T dJ/da = upsample(delta_k^l) (.) sigma'(z_k^(l-1)) against autograd, MAX and "
       "Average, sigma = tanh")
decide(53, ok53, "delta^(l-1) = upsample(delta^l) (.) sigma'(z^(l-1)) for a tensor of 3 maps, MAX and Average")

# ---- convolution: delta, lines 58-154
a3 = rng.normal(size=(3, 3)); W2 = rng.normal(size=(2, 2)); G2 = rng.normal(size=(2, 2))
zprev = rng.normal(size=(3, 3)); bl = 0.3
f_next = lambda zp: F.conv2d(torch.tanh(zp)[None, None], T(W2)[None, None])[0, 0] + bl
zpt = T(zprev).requires_grad_()
(f_next(zpt) * T(G2)).sum().backward()
delta_prev = zpt.grad.numpy()
Jzz = torch.autograd.functional.jacobian(f_next, T(zprev)).numpy().reshape(4, 9)
decide(58, np.allclose((Jzz.T @ G2.reshape(4)).reshape(3, 3), delta_prev),
       "delta^(l-1) = dJ/dz^(l-1) = (dz^l/dz^(l-1))^T dJ/dz^l = (dz^l/dz^(l-1))^T delta^l (Jacobian) against autograd")
decide(62, np.allclose(f_next(T(zprev)).detach().numpy(), corr(np.tanh(zprev), W2) + bl),
       "z^l = a^(l-1) * W^l + b^l = sigma(z^(l-1)) * W^l + b^l (definition, '*' the post's cross-correlation)")
decide(66, np.allclose(corr(np.pad(G2, 1), rot180(W2)) * (1 - np.tanh(zprev) ** 2), delta_prev),
       "delta^(l-1) = delta^l * rot180(W^l) (.) sigma'(z^(l-1)), delta^l with the zero border of lines 132-139 (k - 1 = 1), "
       "against autograd")
z2 = corr(a3, W2)
decide(71, z2.shape == (2, 2), "a^(l-1) * W^l = z^l: a 3x3 map and a 2x2 kernel at stride 1 give a 2x2 z (definition)")
A = lambda i, j: a3[i - 1, j - 1]
w = lambda i, j: W2[i - 1, j - 1]
rows_z = {98: A(1, 1) * w(1, 1) + A(1, 2) * w(1, 2) + A(2, 1) * w(2, 1) + A(2, 2) * w(2, 2),
          99: A(1, 2) * w(1, 1) + A(1, 3) * w(1, 2) + A(2, 2) * w(2, 1) + A(2, 3) * w(2, 2),
          100: A(2, 1) * w(1, 1) + A(2, 2) * w(1, 2) + A(3, 1) * w(2, 1) + A(3, 2) * w(2, 2),
          101: A(2, 2) * w(1, 1) + A(2, 3) * w(1, 2) + A(3, 2) * w(2, 1) + A(3, 3) * w(2, 2)}
for (line, v), (i, j) in zip(rows_z.items(), [(0, 0), (0, 1), (1, 0), (1, 1)]):
    decide(line, np.isclose(v, z2[i, j]), f"z_{i + 1}{j + 1} written out against torch conv2d")
at = T(a3).requires_grad_()
(F.conv2d(at[None, None], T(W2)[None, None])[0, 0] * T(G2)).sum().backward()
da = at.grad.numpy()
Jza = torch.autograd.functional.jacobian(lambda x: F.conv2d(x[None, None], T(W2)[None, None])[0, 0], T(a3)).numpy().reshape(4, 9)
decide(105, np.allclose((Jza.T @ G2.reshape(4)).reshape(3, 3), da),
       "grad a^(l-1) = dJ/da^(l-1) = (dz^l/da^(l-1))^T dJ/dz^l = (dz^l/da^(l-1))^T delta^l against autograd")
d = lambda i, j: G2[i - 1, j - 1]
grads = {110: ((1, 1), w(1, 1) * d(1, 1)), 114: ((1, 2), w(1, 1) * d(1, 2) + w(1, 2) * d(1, 1)),
         120: ((1, 3), w(1, 2) * d(1, 2)), 121: ((2, 1), w(1, 1) * d(2, 1) + w(2, 1) * d(1, 1)),
         122: ((2, 2), w(1, 1) * d(2, 2) + w(1, 2) * d(2, 1) + w(2, 1) * d(1, 2) + w(2, 2) * d(1, 1)),
         123: ((2, 3), w(1, 2) * d(2, 2) + w(2, 2) * d(1, 2)), 124: ((3, 1), w(2, 1) * d(2, 1)),
         125: ((3, 2), w(2, 1) * d(2, 2) + w(2, 2) * d(2, 1)), 126: ((3, 3), w(2, 2) * d(2, 2))}
for line, ((i, j), v) in grads.items():
    decide(line, np.isclose(v, da[i - 1, j - 1]), f"grad a_{i}{j} against autograd (delta_ij = dJ/dz_ij)")
padded = np.zeros((4, 4)); padded[1:3, 1:3] = G2
flipped = np.array([[w(2, 2), w(2, 1)], [w(1, 2), w(1, 1)]])
full = corr(padded, flipped)
assert np.allclose(flipped, rot180(W2))
for r, line in enumerate((149, 150, 151)):
    decide(line, np.allclose(full[r], da[r]), f"row {r + 1} of [delta with a zero border] * [[w22, w21], [w12, w11]] "
           f"equals row {r + 1} of grad a^(l-1) (autograd)")

# ---- convolution: weights and bias, lines 158-209
a4 = rng.normal(size=(4, 4)); W3 = rng.normal(size=(3, 3)); b0 = 0.2; dl4 = rng.normal(size=(2, 2))
a4t, W3t, bt = T(a4).requires_grad_(), T(W3).requires_grad_(), T(b0).requires_grad_()
z4 = F.conv2d(a4t[None, None], W3t[None, None])[0, 0] + bt
(z4 * T(dl4)).sum().backward()
dW, db = W3t.grad.numpy(), bt.grad.item()
decide(158, np.allclose(z4.detach().numpy(), corr(a4, W3) + b0), "z^l = a^(l-1) * W^l + b (definition)")
decide(162, np.allclose(corr(a4, dl4), dW), "dJ/dW^l = a^(l-1) * delta^l ('*' the post's cross-correlation) against autograd")
aa = lambda i, j: a4[i - 1, j - 1]
dd = lambda i, j: dl4[i - 1, j - 1]
decide(168, np.allclose([[sum(dd(i, j) * aa(i + p - 1, j + q - 1) for i in (1, 2) for j in (1, 2)) for q in (1, 2, 3)]
                         for p in (1, 2, 3)], dW), "dJ/dW_pq = sum_i sum_j delta_ij a_(i+p-1, j+q-1) (1-based) against autograd")
rows_w = {172: ((1, 1), aa(1, 1) * dd(1, 1) + aa(1, 2) * dd(1, 2) + aa(2, 1) * dd(2, 1) + aa(2, 2) * dd(2, 2)),
          174: ((1, 2), aa(1, 2) * dd(1, 1) + aa(1, 3) * dd(1, 2) + aa(2, 2) * dd(2, 1) + aa(2, 3) * dd(2, 2)),
          176: ((1, 3), aa(1, 3) * dd(1, 1) + aa(1, 4) * dd(1, 2) + aa(2, 3) * dd(2, 1) + aa(2, 4) * dd(2, 2)),
          178: ((3, 3), aa(3, 3) * dd(1, 1) + aa(3, 4) * dd(1, 2) + aa(4, 3) * dd(2, 1) + aa(4, 4) * dd(2, 2))}
for line, ((p, q), v) in rows_w.items():
    decide(line, np.isclose(v, dW[p - 1, q - 1]), f"dJ/dW_{p}{q} written out (4x4 a, 2x2 delta) against autograd")
decide(197, np.allclose(corr(a4, dl4), dW), "dJ/dW^l = [a_11 .. a_44] * [delta_11 .. delta_22] (display lines 181-198) "
       "against autograd")
decide(203, np.isclose(dl4.sum(), db), "dJ/db^l = sum_(u, v) (delta^l)_(u, v) against autograd (one bias per kernel)")

# ---- the summary, lines 206-209 (m = 3 samples)
m, alpha = 3, 0.1
zs = rng.normal(size=(m, 3, 3)); Gs = rng.normal(size=(m, 2, 2))
ok206 = True
for i in range(m):
    zpt = T(zs[i]).requires_grad_()
    (f_next(zpt) * T(Gs[i])).sum().backward()
    ok206 &= np.allclose(corr(np.pad(Gs[i], 1), rot180(W2)) * (1 - np.tanh(zs[i]) ** 2), zpt.grad.numpy())
decide(206, ok206, "conv layer: delta^(i,l) = delta^(i,l+1) * rot180(W^(l+1)) (.) sigma'(z^(i,l)) for each sample i "
       "(zero border as on line 66)")
ok207 = True
for kind in ("max", "avg"):
    dz, ups, sprime = pool_net(kind, C=2)
    ok207 &= np.allclose(ups * sprime, dz)
decide(207, ok207, "pooling layer: delta^(i,l) = upsample(delta^(i,l+1)) (.) sigma'(z^(i,l)), MAX and Average")
As = rng.normal(size=(m, 4, 4)); Ds = rng.normal(size=(m, 2, 2))
true_step = W3 - alpha * sum(corr(As[i], Ds[i]) for i in range(m))
print("   (line 209: delta^(i,l) * a^(i,l-1) slides the 4x4 a over the 2x2 delta: 'valid' it has no output "
      f"(2 - 4 + 1 < 1); with delta given the zero border of line 66 (3 on each side) it is "
      f"{corr(np.pad(Ds[0], 3), As[0]).shape}, not the 3x3 of W; the gradient is a^(i,l-1) * delta^(i,l) (line 162), and "
      "the cross-correlation does not commute)")
full_da = sum(corr(np.pad(Ds[i], 3), As[i]) for i in range(m))        # delta * a with a zero border: 5x5
decide(209, full_da.shape == W3.shape and np.allclose(W3 - alpha * full_da, true_step),
       "W^l = W^l - alpha sum_i delta^(i,l) * a^(i,l-1): the operands of line 162 (a^(l-1) * delta^l) are swapped; the "
       "post's '*' (a cross-correlation) does not commute, and delta * a gives no 3x3 kernel gradient (no output 'valid', "
       "a 5x5 map with a zero border); the bias step on the same line is right")
finish()
