"""Independent truth for tests/posts/conv_blind10/zxrobot_lenet_conv_backprop_zh (NumPy and torch, no derive).

The README's convolution layer (in Chinese): a^l = sigma(z^l), z^{l+1} = a^l * W^{l+1} + b, '*' the operation of its own
example (lines 21-24): the 'valid' cross-correlation of the first operand with the second as kernel (torch conv2d); a
zero border written into a matrix (lines 52-55) is part of the operand. delta^l = dC/dz^l, nabla a^l = dC/da^l. The
chain here: a^{l-1} (4x4) -> z^l = a^{l-1} * W^l + b^l (3x3) -> a^l = sigmoid(z^l) -> z^{l+1} = a^l * W^{l+1} + b (2x2)
-> C = sum(G * sigmoid(z^{l+1})), G random, so that the example's a^l is 3x3 and W^{l+1} 2x2 as in the README; every
gradient is autograd's (retain_grad), the Jacobians dz^{l+1}/dz^l and dz^{l+1}/da^l from
torch.autograd.functional.jacobian. Indices a_ij, w_ij, delta_ij start at 1 as in the README. Every entry is checked."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(2020)
T = lambda v: torch.tensor(np.ascontiguousarray(v), dtype=torch.float64)
xcorr = lambda inp, ker: F.conv2d(T(inp)[None, None], T(ker)[None, None])[0, 0].numpy()   # the README's '*'

a_prev = rng.normal(size=(4, 4)); W_l = rng.normal(size=(2, 2)); b_l = 0.2
W = rng.normal(size=(2, 2)); b = -0.3; G = rng.normal(size=(2, 2))

at_prev = T(a_prev); Wt = T(W).requires_grad_(); bt = T(b).requires_grad_()
z_l = F.conv2d(at_prev[None, None], T(W_l)[None, None])[0, 0] + b_l
z_l.requires_grad_(); z_l.retain_grad()
a_l = torch.sigmoid(z_l); a_l.retain_grad()
z_next = F.conv2d(a_l[None, None], Wt[None, None])[0, 0] + bt
z_next.retain_grad()
(torch.sigmoid(z_next) * T(G)).sum().backward()
a = a_l.detach().numpy(); zl = z_l.detach().numpy()
delta_l, grad_a, delta, dW = z_l.grad.numpy(), a_l.grad.numpy(), z_next.grad.numpy(), Wt.grad.numpy()
A = lambda i, j: a[i - 1, j - 1]; w = lambda i, j: W[i - 1, j - 1]; d = lambda i, j: delta[i - 1, j - 1]

# ---- forward
decide(2, np.allclose(1 / (1 + np.exp(-(xcorr(a_prev, W_l) + b_l))), a),
       "a^l = sigma(z^l) = sigma(a^{l-1} * W^l + b^l) (definition; '*' the cross-correlation of the README's example)")
to_next = lambda zz: F.conv2d(torch.sigmoid(zz)[None, None], T(W)[None, None])[0, 0] + b
J = torch.autograd.functional.jacobian(to_next, T(zl)).numpy().reshape(4, 9)
decide(4, np.allclose(delta.reshape(4) @ J, delta_l.reshape(9)),
       "delta^l = dC/dz^l = (dC/dz^{l+1})(dz^{l+1}/dz^l) = delta^{l+1} dz^{l+1}/dz^l, the row delta^{l+1} times the Jacobian, "
       "against autograd's dC/dz^l")
z_ex = xcorr(a, W)    # the example's z^{l+1} = a^l * W^{l+1}, no bias
decide(7, np.allclose(z_ex + b, z_next.detach().numpy()), "z^{l+1} = a^l * W^{l+1} (the example leaves b out; with b it is the "
       "layer's z^{l+1}) (definition)")
decide(18, z_ex.shape == (2, 2), "the 3x3 a * the 2x2 w = the 2x2 z (lines 8-18): a valid cross-correlation of a 3x3 map with a "
       "2x2 kernel at stride 1 is 2x2")
Z = lambda i, j: z_ex[i - 1, j - 1]
decide(21, np.isclose(A(1, 1) * w(1, 1) + A(1, 2) * w(1, 2) + A(2, 1) * w(2, 1) + A(2, 2) * w(2, 2), Z(1, 1)), "z_11 against conv2d")
decide(22, np.isclose(A(1, 2) * w(1, 1) + A(1, 3) * w(1, 2) + A(2, 2) * w(2, 1) + A(2, 3) * w(2, 2), Z(1, 2)), "z_12 against conv2d")
decide(23, np.isclose(A(2, 1) * w(1, 1) + A(2, 2) * w(1, 2) + A(3, 1) * w(2, 1) + A(3, 2) * w(2, 2), Z(2, 1)), "z_21 against conv2d")
decide(24, np.isclose(A(2, 2) * w(1, 1) + A(2, 3) * w(1, 2) + A(3, 2) * w(2, 1) + A(3, 3) * w(2, 2), Z(2, 2)), "z_22 against conv2d")

# ---- backward to a^l
Ja = torch.autograd.functional.jacobian(lambda aa: F.conv2d(aa[None, None], T(W)[None, None])[0, 0] + b, T(a)).numpy()
decide(26, np.allclose(delta.reshape(4) @ Ja.reshape(4, 9), grad_a.reshape(9)),
       "nabla a^l = dC/da^l = delta^{l+1} dz^{l+1}/da^l (Jacobian) against autograd's dC/da^l")
ga = lambda i, j: grad_a[i - 1, j - 1]
rows = {35: (d(1, 1) * w(1, 1), (1, 1)),
        36: (d(1, 1) * w(1, 2) + d(1, 2) * w(1, 1), (1, 2)),
        37: (d(1, 2) * w(1, 2), (1, 3)),
        38: (d(1, 1) * w(2, 1) + d(2, 1) * w(1, 1), (2, 1)),
        39: (d(1, 1) * w(2, 2) + d(1, 2) * w(2, 1) + d(2, 1) * w(1, 2) + d(2, 2) * w(1, 1), (2, 2)),
        40: (d(1, 2) * w(2, 2) + d(2, 2) * w(1, 2), (2, 3)),
        41: (d(2, 1) * w(2, 1), (3, 1)),
        42: (d(2, 1) * w(2, 2) + d(2, 2) * w(2, 1), (3, 2)),
        43: (d(2, 2) * w(2, 2), (3, 3))}
for line, (val, ij) in rows.items():
    decide(line, np.isclose(val, ga(*ij)), f"nabla a_{ij[0]}{ij[1]} against autograd's dC/da^l")
padded = np.pad(delta, 1)
rot = np.array([[w(2, 2), w(2, 1)], [w(1, 2), w(1, 1)]])
assert np.allclose(rot, W[::-1, ::-1])
decide(58, np.allclose(xcorr(padded, rot), grad_a), "nabla a (3x3) = the zero-bordered delta (4x4) * [[w22, w21], [w12, w11]] "
       "(lines 48-58), the full cross-correlation with the kernel turned by 180 degrees, against autograd's dC/da^l")
line60 = xcorr(padded, W[::-1, ::-1])      # with the zero border the sentence before describes
print(f"   (line 60: delta^(l+1) * rot180(W) is nabla a^l, row 1 {np.round(line60[0], 4)}; delta^l = nabla a^l (.) sigma'(z^l), "
      f"row 1 {np.round(delta_l[0], 4)}; without the zero border the '*' of a 2x2 with a 2x2 is 1x1)")
decide(60, np.allclose(line60, delta_l) and np.allclose(delta.reshape(4) @ J, delta_l.reshape(9)),
       "delta^l = dC/dz^l = ... = delta^{l+1} * rot180(W^{l+1}): the last step is nabla a^l = dC/da^l (lines 26-58); "
       "z^{l+1} depends on z^l through a^l = sigma(z^l), so delta^l = (delta^{l+1} * rot180(W^{l+1})) (.) sigma'(z^l); "
       "the factor sigma'(z^l) is missing (the earlier equalities of the line are right)")

# ---- the weight gradient
decide(64, np.allclose(z_ex + b, z_next.detach().numpy()), "z^{l+1} = a^l * W^{l+1} + b against the chain (definition)")
decide(65, np.allclose(xcorr(a, delta), dW), "dC/dW^{l+1} = a^l * delta^{l+1} (valid cross-correlation of a with delta as "
       "kernel) against autograd's dC/dW")
gW = lambda i, j: dW[i - 1, j - 1]
decide(69, np.isclose(A(1, 1) * d(1, 1) + A(1, 2) * d(1, 2) + A(2, 1) * d(2, 1) + A(2, 2) * d(2, 2), gW(1, 1)), "dC/dW_11 against autograd")
decide(70, np.isclose(A(1, 2) * d(1, 1) + A(1, 3) * d(1, 2) + A(2, 2) * d(2, 1) + A(2, 3) * d(2, 2), gW(1, 2)), "dC/dW_12 against autograd")
v71 = A(2, 1) * d(1, 1) + A(2, 2) * d(1, 2) + A(3, 1) * d(2, 1) + A(3, 3) * d(2, 2)
print(f"   (line 71: the printed sum is {v71:.4f}, dC/dW_21 is {gW(2, 1):.4f}; with a_32 for a_33 it is "
      f"{A(2, 1) * d(1, 1) + A(2, 2) * d(1, 2) + A(3, 1) * d(2, 1) + A(3, 2) * d(2, 2):.4f})")
decide(71, np.isclose(v71, gW(2, 1)), "dC/dW_21 = a21 d11 + a22 d12 + a31 d21 + a33 d22: W_21 meets a_32 at z_22 (line 24 has "
       "a_32 w_21), so the last term is a_32 delta_22, not a_33 delta_22")
v72 = A(2, 2) * d(1, 1) + A(2, 3) * d(1, 2) + A(3, 2) * d(2, 1) + A(3, 3) * d(2, 2)
print(f"   (line 72: the printed sum is {v72:.4f}; dC/dW_12 is {gW(1, 2):.4f}, dC/dW_22 is {gW(2, 2):.4f})")
decide(72, np.isclose(v72, gW(1, 2)), "dC/dW_12 = a22 d11 + a23 d12 + a32 d21 + a33 d22: the sum is dC/dW_22, labelled W_12 "
       "(line 70 already gives dC/dW_12, a different sum)")
finish()
