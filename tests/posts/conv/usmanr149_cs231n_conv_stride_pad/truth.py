"""Independent truth for tests/posts/conv/usmanr149_cs231n_conv_stride_pad (NumPy and torch, no derive).

One 5x5 input x, one 3x3 filter w, bias b, zero padding P = 1, stride S = 2, so V is 3x3. The reference
is torch.nn.functional.conv2d (cross-correlation, as CS231n and the post define it) and its autograd;
every formula of the post is written out as printed and evaluated on random values, then compared."""
import itertools

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping (../verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(0)
Wd, f, P, S = 5, 3, 1, 2
x = rng.normal(size=(Wd, Wd)); w = rng.normal(size=(f, f)); b = rng.normal(); dV = rng.normal(size=(3, 3))

xt = torch.tensor(x, requires_grad=True); wt = torch.tensor(w, requires_grad=True); bt = torch.tensor([b], dtype=torch.float64, requires_grad=True)
Vt = F.conv2d(xt[None, None], wt[None, None], bt, stride=S, padding=P)[0, 0]
(Vt * torch.tensor(dV)).sum().backward()          # L with dL/dV = dV
V, gx, gw, gb = Vt.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.item()
close = lambda a, c: np.allclose(a, c, atol=1e-10)

# line 5: output size
decide(5, (Wd - f + 2 * P) / S + 1 == V.shape[0], f"C = {(Wd - f + 2 * P) / S + 1}, torch gives {V.shape[0]}")

# line 12: V_{m,n} as printed, the out-of-range terms (the padding) counting 0
def V_post(m, n):
    return sum(w[i, j] * x[S*m+i-P, S*n+j-P] for i in range(f) for j in range(f)
               if 0 <= S*m+i-P < Wd and 0 <= S*n+j-P < Wd) + b
decide(12, close(np.array([[V_post(m, n) for n in range(3)] for m in range(3)]), V), "against torch conv2d")

# lines 23-39: the 3x3 array of V, each cell's terms as printed ((x index), (w index))
cells = {
    (0, 0): [((0, 0), (1, 1)), ((0, 1), (1, 2)), ((1, 0), (2, 1)), ((1, 1), (2, 2))],
    (0, 1): [((0, 1), (1, 0)), ((0, 2), (1, 1)), ((0, 3), (1, 2)), ((1, 1), (2, 0)), ((1, 2), (2, 1)), ((1, 3), (2, 2))],
    (0, 2): [((0, 3), (1, 0)), ((0, 4), (1, 1)), ((1, 3), (2, 0)), ((1, 4), (2, 1))],
    (1, 0): [((1, 0), (0, 1)), ((1, 1), (0, 2)), ((2, 0), (1, 1)), ((2, 1), (1, 2)), ((3, 0), (2, 1)), ((3, 1), (2, 2))],
    (1, 1): [((1, 1), (0, 0)), ((1, 2), (0, 1)), ((1, 3), (0, 2)), ((2, 1), (1, 0)), ((2, 2), (1, 1)), ((2, 3), (1, 2)),
             ((3, 1), (2, 0)), ((3, 2), (2, 1)), ((3, 3), (2, 2))],
    (1, 2): [((1, 3), (0, 0)), ((1, 4), (0, 1)), ((2, 3), (1, 0)), ((2, 4), (1, 1)), ((3, 3), (2, 0)), ((3, 4), (2, 1))],
    (2, 0): [((3, 0), (0, 1)), ((3, 1), (0, 2)), ((4, 0), (1, 1)), ((4, 1), (1, 2))],
    (2, 1): [((3, 1), (0, 0)), ((3, 2), (0, 1)), ((3, 3), (0, 2)), ((4, 1), (1, 0)), ((4, 2), (1, 1)), ((4, 3), (1, 2))],
    (2, 2): [((3, 3), (0, 0)), ((3, 4), (0, 1)), ((4, 3), (1, 0)), ((4, 4), (1, 1))],
}
post_V = np.array([[sum(x[a] * w[c] for a, c in cells[m, n]) + b for n in range(3)] for m in range(3)])
decide(23, close(post_V, V), "all nine cells of the printed array against torch conv2d")

# chain-rule restatements (each is dL/dV contracted with dV/d(that variable))
for line in (48, 65, 79, 111, 121, 138):
    decide(line, True, "chain rule dL/dq = sum_mn dL/dV_mn dV_mn/dq: a definition, right as stated")

# line 56: dL/db
decide(56, np.isclose(dV.sum(), gb), f"sum dV = {dV.sum():.6f}, autograd {gb:.6f}")
# line 73: dL/dx00
decide(73, np.isclose(dV[0, 0] * w[1, 1], gx[0, 0]), "dV00 w11 against autograd")

def jac_V(var, index):
    """dV/d(var[index]) as a 3x3 matrix, by autograd of each V entry."""
    out = np.zeros((3, 3))
    for m, n in itertools.product(range(3), range(3)):
        a = torch.tensor(x, requires_grad=True); c = torch.tensor(w, requires_grad=True)
        v = F.conv2d(a[None, None], c[None, None], torch.tensor([b], dtype=torch.float64), stride=S, padding=P)[0, 0, m, n]
        v.backward()
        out[m, n] = (a.grad if var == "x" else c.grad).numpy()[index]
    return out

J = jac_V("x", (1, 0))
decide(83, np.allclose(J[0], [0, 0, 0]), f"first row of dV/dx10 is {J[0]} (w21 = {w[2, 1]:.4f} at (0,0)), printed 0 0 0")
decide(87, np.isclose(dV[0, 0] * w[0, 1], gx[1, 0]),
       f"(dL/dV)00 w01 = {dV[0, 0] * w[0, 1]:.6f}, autograd dL/dx10 = {gx[1, 0]:.6f} = dV00 w21 + dV10 w01")
decide(93, False, "the header differentiates by x_{1,0} while the left side is dL/dx_{1,1}: dV/dx10 != dV/dx11 "
       f"({np.abs(jac_V('x', (1, 0)) - jac_V('x', (1, 1))).max():.3f} apart)")
J = jac_V("x", (1, 1))
post_J = np.array([[w[2, 2], w[2, 0], 0], [w[0, 2], w[0, 0], 0], [0, 0, 0]])
decide(97, close(J, post_J), "the printed 3x3 matrix dV/dx11 against autograd")
decide(101, np.isclose(dV[0, 0] * w[2, 2] + dV[0, 1] * w[2, 2], dV[0, 0] * J[0, 0] + dV[0, 1] * J[0, 1]),
       "the (0,1) term must carry w20 (the matrix just above says so), printed w22")
decide(102, np.isclose(dV[1, 0] * w[0, 2] + dV[1, 1] * w[0, 0], dV[1, 0] * J[1, 0] + dV[1, 1] * J[1, 1]),
       "the (1,0) and (1,1) terms")

# line 112: the general formula as printed; filter indices outside 0..2 read as 0 (the kindest reading)
def gx_post(i, j):
    total = 0.0
    for w1, w2 in itertools.product(range(3), range(3)):
        nk = len(range(max(0, w1*S - P), min(w1*S + f - P, Wd) + 1))
        nl = len(range(max(0, w2*S - P), min(w2*S + f - P, Wd) + 1))
        p, q = i + P - w1*S, j + P - w2*S
        if 0 <= p < f and 0 <= q < f:
            total += nk * nl * dV[w1, w2] * w[p, q]
    return total
post_gx = np.array([[gx_post(i, j) for j in range(Wd)] for i in range(Wd)])
decide(112, close(post_gx, gx), f"as printed it is off by up to {np.abs(post_gx - gx).max():.3f}: the k and l sums "
       "do not appear in the summand, so each term is counted (number of k)(number of l) times")

J = jac_V("w", (0, 0))
decide(126, close(J, [[0, 0, 0], [0, x[1, 1], x[1, 3]], [0, x[3, 1], x[3, 3]]]), "dV/dw00 against autograd")
decide(129, np.isclose(dV[1, 1]*x[1, 1] + dV[1, 2]*x[1, 3] + dV[2, 1]*x[3, 1] + dV[2, 2]*x[3, 3], gw[0, 0]),
       "dL/dw00 (lines 129-132) against autograd")

J = jac_V("w", (1, 0))
decide(142, np.allclose(J[0], [0, x[1, 0], 0]), f"row 0 of dV/dw10 is [0, x01, x03] = {np.round(J[0], 4)}")
decide(143, np.allclose(J[1], [x[2, 1], x[1, 1], x[2, 3]]), f"row 1 of dV/dw10 is [0, x21, x23] = {np.round(J[1], 4)}")
decide(144, np.allclose(J[2], [0, x[4, 1], x[4, 3]]), "row 2 of dV/dw10")
# each printed term (dL/dV)_{mn} x_{..} against the true coefficient of (dL/dV)_{mn} in dL/dw10
for line, (m, n), xi in ((146, (0, 1), (1, 0)), (147, (1, 0), (2, 1)), (148, (1, 1), (1, 1)),
                         (149, (1, 2), (2, 3)), (151, (2, 1), (4, 1)), (152, (2, 2), (4, 3))):
    decide(line, np.isclose(J[m, n], x[xi]), f"coefficient of dV{m}{n}: true {J[m, n]:.4f}, printed x{xi} = {x[xi]:.4f}")

# line 161: the general dw formula as printed
post_gw = np.array([[sum(w[w1, w2] * x[S*w1 + i, S*w2 + j] for w1 in range(3) for w2 in range(3)
                         if 0 <= S*w1 + i < Wd and 0 <= S*w2 + j < Wd) for j in range(f)] for i in range(f)])
decide(161, close(post_gw, gw), f"printed formula gives {np.round(post_gw[0], 3)}... autograd {np.round(gw[0], 3)}...: "
       "it multiplies by w instead of dL/dV and drops the padding shift -P")

finish()
