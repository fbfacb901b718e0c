"""Independent truth for tests/posts/sequence_blind_rnn/sooftware_til_gru_numpy (NumPy and torch, no derive).

The notes' GRU step, row layout without biases: x (N x D), h_prev (N x H), Wx (D x 3H) and Wh (H x 3H) stacked
z | r | candidate; z = sigmoid(x Wxz + h_prev Whz), r = sigmoid(x Wxr + h_prev Whr),
h_hat = tanh(x Wx + (r * h_prev) Wh) (the reset gate before the product), h_next = (1 - z) * h_prev + z * h_hat.
dh_next is the gradient reaching h_next, so the loss is L = sum(dh_next * h_next). Every use of x and of h_prev
is its own clone (the direct path, the z gate, the r gate, the candidate's r * h_prev) and r * h_prev and the gates'
pre-activations are nodes, so autograd in float64 gives each path the lines name; a '+=' line is judged by the
term it adds. N = 2, D = 3, H = 4."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(8)
N, D, H = 2, 3, 4
P = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
Wx_t, Wh_t = P(rng.normal(0, 0.6, (D, 3 * H))), P(rng.normal(0, 0.6, (H, 3 * H)))
x, h_prev = P(rng.normal(size=(N, D))), P(rng.normal(0, 0.7, (N, H)))
dh_next = rng.normal(size=(N, H))


def keep(v):
    v.retain_grad()
    return v


use = {k: keep(x.clone()) for k in ("xz", "xr", "xc")}
use.update({k: keep(h_prev.clone()) for k in ("h_dir", "hz", "hr", "hc")})
sl = lambda k: slice(k * H, (k + 1) * H)
pre_z = keep(use["xz"] @ Wx_t[:, sl(0)] + use["hz"] @ Wh_t[:, sl(0)])
pre_r = keep(use["xr"] @ Wx_t[:, sl(1)] + use["hr"] @ Wh_t[:, sl(1)])
z, r = keep(torch.sigmoid(pre_z)), keep(torch.sigmoid(pre_r))
rh = keep(r * use["hc"])
pre_c = keep(use["xc"] @ Wx_t[:, sl(2)] + rh @ Wh_t[:, sl(2)])
h_hat = keep(torch.tanh(pre_c))
h_next = (1 - z) * use["h_dir"] + z * h_hat
(torch.tensor(dh_next) * h_next).sum().backward()

nv = lambda v: v.detach().numpy()
gr = lambda v: v.grad.numpy()
Wx, Wh = nv(Wx_t), nv(Wh_t)
Wxz, Wxr, Wxc = Wx[:, sl(0)], Wx[:, sl(1)], Wx[:, sl(2)]
Whz, Whr, Whc = Wh[:, sl(0)], Wh[:, sl(1)], Wh[:, sl(2)]
xv, hv, zv, rv, hh = nv(x), nv(h_prev), nv(z), nv(r), nv(h_hat)
dWx, dWh = gr(Wx_t), gr(Wh_t)

decide(14, True, "definition of the update gate (np.sigmoid, which NumPy lacks, read as the logistic sigmoid)")
decide(15, True, "definition of the reset gate")
decide(16, True, "definition of the candidate, the reset gate applied to h_prev before Wh")
decide(17, True, "definition of h_next = (1 - z) h_prev + z h_hat")

decide(29, np.allclose(dh_next * zv, gr(h_hat)), "dh_hat = dh_next z, the gradient at h_hat")
decide(30, np.allclose(dh_next * (1 - zv), gr(use["h_dir"])), "dh_prev starts with the direct path (1 - z) dh_next")
dt_c = gr(h_hat) * (1 - hh ** 2)
decide(33, np.allclose(dt_c, gr(pre_c)), "dt = dh_hat (1 - h_hat^2), the candidate's pre-activation gradient")
decide(34, np.allclose((rv * hv).T @ gr(pre_c), dWh[:, sl(2)]), "dWh (candidate block) = (r h_prev)^T dt")
decide(35, np.allclose(gr(pre_c) @ Whc.T, gr(rh)), "dhr = dt Wh^T, the gradient at r * h_prev")
decide(36, np.allclose(xv.T @ gr(pre_c), dWx[:, sl(2)]), "dWx (candidate block) = x^T dt")
decide(37, np.allclose(gr(pre_c) @ Wxc.T, gr(use["xc"])), "dx starts with the candidate path dt Wx^T")
decide(38, np.allclose(rv * gr(rh), gr(use["hc"])), "adds r dhr, the path through the candidate's r * h_prev")
dz = dh_next * hh - dh_next * hv
decide(41, np.allclose(dz, gr(z)), "dz = dh_next h_hat - dh_next h_prev, the gradient at z")
decide(42, np.allclose(gr(z) * zv * (1 - zv), gr(pre_z)), "dt = dz z (1 - z)")
decide(43, np.allclose(hv.T @ gr(pre_z), dWh[:, sl(0)]), "dWhz = h_prev^T dt")
decide(44, np.allclose(gr(pre_z) @ Whz.T, gr(use["hz"])), "adds dt Whz^T, the path through the update gate")
decide(45, np.allclose(xv.T @ gr(pre_z), dWx[:, sl(0)]), "dWxz = x^T dt")
decide(46, np.allclose(gr(pre_z) @ Wxz.T, gr(use["xz"])), "adds dt Wxz^T to dx")
decide(49, np.allclose(gr(rh) * hv, gr(r)), "dr = dhr h_prev, the gradient at r")
decide(50, np.allclose(gr(r) * rv * (1 - rv), gr(pre_r)), "dt = dr r (1 - r)")
decide(51, np.allclose(hv.T @ gr(pre_r), dWh[:, sl(1)]), "dWhr = h_prev^T dt")
decide(52, np.allclose(gr(pre_r) @ Whr.T, gr(use["hr"])), "adds dt Whr^T, the path through the reset gate")
decide(53, np.allclose(xv.T @ gr(pre_r), dWx[:, sl(1)]), "dWxr = x^T dt")
decide(54, np.allclose(gr(pre_r) @ Wxr.T, gr(use["xr"])), "adds dt Wxr^T to dx")
# the stacks and the returned totals, the post's code run as printed
decide(56, np.allclose(np.hstack((xv.T @ gr(pre_z), xv.T @ gr(pre_r), xv.T @ gr(pre_c))), dWx), "dWx stacks z | r | candidate as the forward slices Wx")
decide(57, np.allclose(np.hstack((hv.T @ gr(pre_z), hv.T @ gr(pre_r), (rv * hv).T @ gr(pre_c))), dWh), "dWh stacks z | r | candidate as the forward slices Wh")
dh_prev = dh_next * (1 - zv) + rv * gr(rh) + gr(pre_z) @ Whz.T + gr(pre_r) @ Whr.T
dx = gr(pre_c) @ Wxc.T + gr(pre_z) @ Wxz.T + gr(pre_r) @ Wxr.T
decide(59, np.allclose(dh_prev, gr(h_prev)) and np.allclose(dx, gr(x)), "the accumulated dx and dh_prev are autograd's dL/dx and dL/dh_prev")

finish()
