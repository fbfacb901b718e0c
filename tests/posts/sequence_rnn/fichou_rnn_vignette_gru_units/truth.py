"""Independent truth for tests/posts/sequence_rnn/fichou_rnn_vignette_gru_units (NumPy and torch, no derive).

The vignette's GRU, row vectors (h is 1 x H, x is 1 x D, '*' a matrix product, '.' element-wise):
r = sigmoid(h_{t-1} W_r + x_t U_r), z = sigmoid(h_{t-1} W_z + x_t U_z), g = tanh((h_{t-1} . r) W_g + x_t U_g),
h_t = h_{t-1} . (1 - z) + z . g. H = 3, D = 2 (so a W where a U belongs cannot even conform).
Each delta is the gradient of L = (delta1 + delta2) . h_t at the node where the vignette's figure (and its sums
delta19, delta22-24) place it: every use of h_{t-1}, x_t and z is its own leaf copy (or clone), so torch autograd
gives each path's gradient. A line is checked locally: its right side is evaluated with the true values of the
deltas it names and compared with the true delta on its left. tanh'(g_t) and sigmoid'(z_t) are read in the
output form the package uses (1 - g^2, z (1 - z)). The weight-update lines are run over a two-step sequence,
every accumulator starting at zero, against autograd's gradients of the summed loss."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(24)
H, D = 3, 2
Tt = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
Wr, Wz, Wg = (Tt(rng.normal(0, 0.8, (H, H))) for _ in range(3))
Ur, Uz, Ug = (Tt(rng.normal(0, 0.8, (D, H))) for _ in range(3))
hprev, x = rng.normal(0, 0.6, (1, H)), rng.normal(size=(1, D))
d1, d2 = rng.normal(size=(1, H)), rng.normal(size=(1, H))

hA, hB, hC, hD = (Tt(hprev) for _ in range(4))        # h_{t-1} into (1 - z), into h . r, into W_r, into W_z
xr, xz, xg = (Tt(x) for _ in range(3))                  # x_t into U_r, U_z, U_g
pre_r = hC @ Wr + xr @ Ur; r = torch.sigmoid(pre_r)
pre_z = hD @ Wz + xz @ Uz; z = torch.sigmoid(pre_z)
zA, zB = z.clone(), z.clone()                           # z into (1 - z), z into z . g
omz = 1 - zA
hr = hB * r
pre_g = hr @ Wg + xg @ Ug; g = torch.tanh(pre_g)
h_t = hA * omz + zB * g
for node in (pre_r, r, pre_z, z, zA, zB, omz, hr, pre_g, g, h_t):
    node.retain_grad()
(torch.tensor(d1 + d2) * h_t).sum().backward()
G = lambda v: v.grad.numpy()
true = {3: G(h_t), 4: G(hA), 5: G(omz), 6: G(zA), 7: G(zB), 8: G(g), 9: G(z), 10: G(pre_g), 11: G(pre_z),
        12: G(xg), 13: G(hr), 14: G(xz), 15: G(hD), 16: G(r), 17: G(hB), 18: G(pre_r), 19: G(hA) + G(hB),
        20: G(xr), 21: G(hC), 22: G(hC) + G(hD), 23: G(hA) + G(hB) + G(hC) + G(hD), 24: G(xr) + G(xz) + G(xg)}
zv, rv, gv = z.detach().numpy(), r.detach().numpy(), g.detach().numpy()
W = {k: v.detach().numpy() for k, v in dict(Wr=Wr, Wz=Wz, Wg=Wg, Ur=Ur, Uz=Uz, Ug=Ug).items()}
# the paths also add up to the total gradients of one h_{t-1} and one x_t
h1, x1 = Tt(hprev), Tt(x)
r1 = torch.sigmoid(h1 @ Wr + x1 @ Ur); z1 = torch.sigmoid(h1 @ Wz + x1 @ Uz)
(torch.tensor(d1 + d2) * (h1 * (1 - z1) + z1 * torch.tanh((h1 * r1) @ Wg + x1 @ Ug))).sum().backward()
assert np.allclose(true[23], h1.grad.numpy()) and np.allclose(true[24], x1.grad.numpy()) and np.allclose(true[9], true[6] + true[7])


LINE = dict(zip(range(3, 25), (15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 34, 35, 36, 38, 39, 41, 43, 45, 46, 48, 50, 52)))


def local(k, value, why):
    """delta k's line: its right side (value) against the true delta k."""
    line = k
    ok = np.shape(value) == np.shape(true[k]) and np.allclose(value, true[k])
    decide(LINE[k], ok, why if ok else f"{why}; shape {np.shape(value)} vs {np.shape(true[line])}"
           + (f", max difference {np.abs(value - true[line]).max():.3f}" if np.shape(value) == np.shape(true[line]) else ""))



# the forward definitions: the unrolled graph above is built from them as read
for line, what in ((3, "r"), (5, "z"), (7, "g, read as (h_{t-1} . r_t) W_g in the row convention"), (9, "h_t")):
    decide(line, True, f"definition of {what}")
local(3, d1 + d2, "delta3 = delta1 + delta2 = dL/dh_t")
local(4, (1 - zv) * true[3], "delta4 = (1 - z) . delta3, the h_{t-1} path through (1 - z)")
local(5, true[3] * hprev, "delta5 = delta3 . h_{t-1}, the gradient at (1 - z)")
local(6, 1 - true[5], "delta6 should be -delta5 (d(1 - z)/dz = -1), not 1 - delta5")
local(7, true[3] * gv, "delta7 = delta3 . g_t, the z path through z . g")
local(8, true[3] * zv, "delta8 = delta3 . z_t = dL/dg_t")
local(9, true[7] + true[8], "dL/dz = delta6 + delta7; the vignette adds delta8 (dL/dg) instead of delta6")
local(10, true[8] * (1 - gv ** 2), "delta10 = delta8 . tanh'(g), tanh' from the output: 1 - g^2")
local(11, true[9] * zv * (1 - zv), "delta11 = delta9 . z (1 - z)")
local(12, true[10] @ W["Wg"].T, "delta12 (x_t under U_g) should be delta10 U_g^T, not delta10 W_g^T")
local(13, true[10] @ W["Ug"].T, "delta13 (the gradient at h_{t-1} . r_t, under W_g) should be delta10 W_g^T, not delta10 U_g^T")
local(14, true[11] @ W["Wz"].T, "delta14 (x_t under U_z) should be delta11 U_z^T, not W_z^T")
local(15, true[11] @ W["Uz"].T, "delta15 (h_{t-1} under W_z) should be delta11 W_z^T, not U_z^T")
local(16, true[13] * hprev, "delta16 = delta13 . h_{t-1} = dL/dr_t")
local(17, true[13] * rv, "delta17 = delta13 . r_t, the h_{t-1} path through h . r")
local(18, true[17] * rv * (1 - rv), "the reset gate's pre-activation gradient is delta16 . r (1 - r); the vignette uses delta17")
local(19, true[17] + true[4], "delta19 = delta17 + delta4")
local(20, true[18] @ W["Wr"].T, "delta20 (x_t under U_r) should be delta18 U_r^T, not W_r^T")
local(21, true[18] @ W["Ur"].T, "delta21 (h_{t-1} under W_r) should be delta18 W_r^T, not U_r^T")
local(22, true[21] + true[15], "delta22 = delta21 + delta15")
local(23, true[19] + true[22], "delta23 = dL/dh_{t-1}, all four paths")
local(24, true[12] + true[14] + true[20], "delta24 = dL/dx_t, all three paths")

# --- the weight updates over two steps: h_0 -> h_1 -> h_2, top errors e_1, e_2
xs = rng.normal(size=(2, 1, D)); es = rng.normal(size=(2, 1, H)); h0 = rng.normal(0, 0.6, (1, H))
Ws = {k: Tt(v) for k, v in W.items()}
hs, nodes = [torch.tensor(h0)], []
for s in range(2):
    hp, xx = hs[-1], torch.tensor(xs[s])
    pr = hp @ Ws["Wr"] + xx @ Ws["Ur"]; rr = torch.sigmoid(pr)
    pz = hp @ Ws["Wz"] + xx @ Ws["Uz"]; zz = torch.sigmoid(pz)
    pg = (hp * rr) @ Ws["Wg"] + xx @ Ws["Ug"]; gg = torch.tanh(pg)
    for n in (pr, pz, pg):
        n.retain_grad()
    nodes.append((pr, pz, pg, rr))
    hs.append(hp * (1 - zz) + zz * gg)
sum((torch.tensor(es[s]) * hs[s + 1]).sum() for s in range(2)).backward()
grad = {k: v.grad.numpy() for k, v in Ws.items()}
acc = {k: np.zeros_like(v) for k, v in W.items()}     # every accumulator starts at zero
acc["Wf"], acc["Uf"], acc["Wi"], acc["Ui"] = np.zeros((H, H)), np.zeros((D, H)), np.zeros((H, H)), np.zeros((D, H))
right = {k: np.zeros_like(v) for k, v in W.items()}
for s in (1, 0):                                   # backwards in time, as the vignette loops
    hp, xx = hs[s].detach().numpy(), xs[s]
    pr, pz, pg, rr = nodes[s]
    d10, d11, d18, rv_ = pg.grad.numpy(), pz.grad.numpy(), pr.grad.numpy(), rr.detach().numpy()
    acc["Wr"] = acc["Wf"] + hp.T @ d10          # line 56
    acc["Ur"] = acc["Uf"] + xx.T @ d10          # line 57
    acc["Wz"] = acc["Wi"] + hp.T @ d11          # line 59
    acc["Uz"] = acc["Ui"] + xx.T @ d11          # line 60
    acc["Wg"] = acc["Wg"] + (hp * rv_).T @ d18  # line 62
    acc["Ug"] = acc["Ug"] + xx.T @ d18          # line 63
    right["Wz"] += hp.T @ d11
print(f"   (the per-step terms h^T delta11 summed over both steps give dW_z: {np.allclose(right['Wz'], grad['Wz'])})")
for line, k, why in ((56, "Wr", "adds h^T delta10 (the candidate's delta) onto dW_f; dW_r sums h_{t-1}^T delta18 over t"),
                     (57, "Ur", "adds x^T delta10 onto dU_f; dU_r sums x_t^T delta18 over t"),
                     (59, "Wz", "the term h^T delta11 is right, but it is added to dW_i (an LSTM leftover, never updated), so the sum over t is lost"),
                     (60, "Uz", "x^T delta11 added to dU_i: the sum over t is lost"),
                     (62, "Wg", "delta18 (the reset gate's) where the candidate's delta10 belongs"),
                     (63, "Ug", "delta18 where delta10 belongs")):
    decide(line, np.allclose(acc[k], grad[k]), why)

finish()
