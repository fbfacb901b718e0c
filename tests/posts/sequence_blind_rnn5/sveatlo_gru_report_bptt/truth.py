"""Independent truth for tests/posts/sequence_blind_rnn5/sveatlo_gru_report_bptt (NumPy and torch, no derive).

The report's GRU, column vectors: z_t = sigma(W_z x_t + U_z h_{t-1} + b_z), r_t = sigma(W_r x_t + U_r h_{t-1} + b_r),
h^_t = g(W_h x_t + U_h (r_t (.) h_{t-1}) + b_h) with g = tanh (the report differentiates it with "tan'"),
h_t = z_t (.) h_{t-1} + (1 - z_t) (.) h^_t (z_t keeps the old state), y^_t = softmax(V h_t + b_y), L_t the
cross-entropy of step t against a one-hot target, L = sum_t L_t, t = 1..T from a random h_0. H = 3 hidden units,
D = 2 inputs, K = 4 classes, T = 4. References from torch autograd in float64: the gradient of L at every step's
pre-activations (a_z, a_r, a_h), gates, candidate, r_t (.) h_{t-1}, logits and h_t; each step uses its own copy of
every weight (so the gradient of step t's copy is that step's contribution dW_{.t}); and each step uses its own clone
of h_{t-1}, whose gradient is what step t sends back to h_{t-1} (the report's new "dh_{t+1}" for the next, earlier,
step). Each printed right side is evaluated with the true values of what it names; the report's dh, dr (no index)
are read as dh_t, dr_t, '*' and juxtaposition of two vectors as the elementwise product, sigma'(r_t), sigma'(z_t),
tan'(h^_t) as the derivative of the gate's activation at its pre-activation (r(1 - r), z(1 - z), 1 - h^2)."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(71)
H, D, K, T = 3, 2, 4, 4
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
P = {n: Tt(rng.normal(0, 0.7, s)).requires_grad_() for n, s in dict(
    Wz=(H, D), Uz=(H, H), bz=(H, 1), Wr=(H, D), Ur=(H, H), br=(H, 1), Wh=(H, D), Uh=(H, H), bh=(H, 1),
    V=(K, H), by=(K, 1)).items()}
X = [Tt(rng.normal(0, 1.0, (D, 1))) for _ in range(T)]
tg = rng.integers(0, K, T)
Y = [Tt(np.eye(K)[[k]].T) for k in tg]
h0 = Tt(rng.normal(0, 0.5, (H, 1))).requires_grad_()   # a leaf so that its clone carries a gradient

names = "hp az ar ah z r hh rh q h".split()
keep = {k: [] for k in names}
copies = []                                  # each step's own copy of every weight
h_prev, L = h0, 0
for t in range(T):
    W = {n: p.clone() for n, p in P.items()}
    for w in W.values():
        w.retain_grad()
    copies.append(W)
    hp = h_prev.clone()                      # step t's own use of h_{t-1}
    az = W["Wz"] @ X[t] + W["Uz"] @ hp + W["bz"]
    z = torch.sigmoid(az)
    ar = W["Wr"] @ X[t] + W["Ur"] @ hp + W["br"]
    r = torch.sigmoid(ar)
    rh = r * hp
    ah = W["Wh"] @ X[t] + W["Uh"] @ rh + W["bh"]
    hh = torch.tanh(ah)
    h = z * hp + (1 - z) * hh
    q = W["V"] @ h + W["by"]
    for k, v in zip(names, (hp, az, ar, ah, z, r, hh, rh, q, h)):
        v.retain_grad()
        keep[k].append(v)
    L = L - (Y[t] * torch.log_softmax(q, 0)).sum()
    h_prev = h
L.backward()
g = {k: [v.grad.numpy() for v in vs] for k, vs in keep.items()}
val = {k: [v.detach().numpy() for v in vs] for k, vs in keep.items()}
gw = [{n: w.grad.numpy() for n, w in W.items()} for W in copies]
Pn = {n: p.detach().numpy() for n, p in P.items()}
Xn, Yn = [x.numpy() for x in X], [y.numpy() for y in Y]
close = lambda a, b: a.shape == b.shape and np.allclose(a, b, atol=1e-12)
allT = lambda fn: all(fn(t) for t in range(T))
sig = lambda a: 1 / (1 + np.exp(-a))

# the forward definitions (the network the truth builds)
for line, what in ((2, "h^_t = g(W_h x_t + U_h (r_t (.) h_{t-1}) + b_h), g = tanh"),
                   (5, "h_t = z_t (.) h_{t-1} + (1 - z_t) (.) h^_t"), (9, "z_t = sigma(W_z x_t + U_z h_{t-1} + b_z)"),
                   (12, "r_t = sigma(W_r x_t + U_r h_{t-1} + b_r)"), (16, "y^_t = softmax(V h_t + b_y)"),
                   (23, "L_t = sum -y_t (.) log(y^_t), the cross-entropy against a one-hot y_t"),
                   (26, "L = sum_{t=1}^{s} L_t")):
    decide(line, True, what + " (definition)")
# torch's own cross-entropy agrees with the report's L_t
assert np.isclose(sum(-(Yn[t] * np.log(np.exp(val["q"][t]) / np.exp(val["q"][t]).sum())).sum() for t in range(T)),
                  L.item())

yh = [np.exp(val["q"][t]) / np.exp(val["q"][t]).sum() for t in range(T)]
dy = [yh[t] - Yn[t] for t in range(T)]
decide(31, allT(lambda t: close(dy[t], g["q"][t])), "dy_t = y^_t - y_t, the gradient at the logits V h_t + b_y")
decide(34, allT(lambda t: close(dy[t] @ val["h"][t].T, gw[t]["V"])), "dV_t = dy_t h_t^T, step t's contribution to dV")
decide(37, allT(lambda t: close(dy[t], gw[t]["by"])), "db_{y_t} = dy_t")
back = [g["hp"][t] for t in range(T)] + [np.zeros((H, 1))]      # what step t sends back to h_{t-1}; none after T
decide(40, allT(lambda t: close(Pn["V"].T @ dy[t] + back[t + 1], g["h"][t])),
       "dh_t = V^T dy_t + dh_{t+1}, dh_{t+1} read as the gradient step t+1 sent back to h_t (0 after the last step)")
decide(43, allT(lambda t: close(g["h"][t] * (1 - val["z"][t]), g["hh"][t])), "dh^_t = dh_t (.) (1 - z_t)")
dhl = [g["hh"][t] * (1 - val["hh"][t] ** 2) for t in range(T)]
lit_tan = allT(lambda t: close(g["hh"][t] * (1 + np.tan(val["hh"][t]) ** 2), g["ah"][t]))
lit_tanh = allT(lambda t: close(g["hh"][t] * (1 - np.tanh(val["hh"][t]) ** 2), g["ah"][t]))
print(f"   (line 46 read literally, tan'(h^) = 1 + tan^2(h^) holds: {lit_tan}; tanh' taken at the output h^, "
      f"1 - tanh^2(h^), holds: {lit_tanh}; tanh' at the pre-activation, 1 - h^^2, holds: "
      f"{allT(lambda t: close(dhl[t], g['ah'][t]))})")
decide(46, allT(lambda t: close(dhl[t], g["ah"][t])),
       "dh^_{l_t} = dh^_t (.) tanh'(a_h) = dh^_t (.) (1 - h^_t^2), the gradient at the candidate's pre-activation")
hp = [val["hp"][t] for t in range(T)]
decide(51, allT(lambda t: close(dhl[t] @ Xn[t].T, gw[t]["Wh"])), "dW_{h_t} = dh^_{l_t} x_t^T")
decide(54, allT(lambda t: close(dhl[t] @ (val["r"][t] * hp[t]).T, gw[t]["Uh"])), "dU_{h_t} = dh^_{l_t} (r_t (.) h_{t-1})^T")
decide(57, allT(lambda t: close(dhl[t], gw[t]["bh"])), "db_{h_t} = dh^_{l_t}")
drhp = [Pn["Uh"].T @ dhl[t] for t in range(T)]
decide(61, allT(lambda t: close(drhp[t], g["rh"][t])), "drhp_t = U_h^T dh^_{l_t}, the gradient at r_t (.) h_{t-1}")
decide(64, allT(lambda t: close(drhp[t] * hp[t], g["r"][t])), "dr_t = drhp_t (.) h_{t-1}")
drl = [g["r"][t] * val["r"][t] * (1 - val["r"][t]) for t in range(T)]
decide(67, allT(lambda t: close(drl[t], g["ar"][t])), "dr_{l_t} = dr_t * sigma'(r_t) = dr_t (.) r_t (.) (1 - r_t)")
decide(72, allT(lambda t: close(drl[t] @ Xn[t].T, gw[t]["Wr"])), "dW_{r_t} = dr_{l_t} x_t^T")
decide(75, allT(lambda t: close(drl[t] @ hp[t].T, gw[t]["Ur"])), "dU_{r_t} = dr_{l_t} h_{t-1}^T")
decide(78, allT(lambda t: close(drl[t], gw[t]["br"])), "db_{r_t} = dr_{l_t}")
decide(82, allT(lambda t: close(g["h"][t] * (hp[t] - val["hh"][t]), g["z"][t])), "dz_t = dh_t (.) (h_{t-1} - h^_t)")
dzl = [g["z"][t] * val["z"][t] * (1 - val["z"][t]) for t in range(T)]
decide(85, allT(lambda t: close(dzl[t], g["az"][t])), "dz_{l_t} = dz_t sigma'(z_t) = dz_t (.) z_t (.) (1 - z_t)")
decide(91, allT(lambda t: close(dzl[t] @ Xn[t].T, gw[t]["Wz"])), "dW_{z_t} = dz_{l_t} x_t^T")
decide(94, allT(lambda t: close(dzl[t] @ hp[t].T, gw[t]["Uz"])), "dU_{z_t} = dz_{l_t} h_{t-1}^T")
decide(97, allT(lambda t: close(dzl[t], gw[t]["bz"])), "db_{z_t} = dz_{l_t}")
sent = lambda t, Uz: Uz @ dzl[t] + g["h"][t] * val["z"][t] + drhp[t] * val["r"][t] + Pn["Ur"].T @ drl[t]
print(f"   (with U_z^T in place of U_z the sum is the gradient step t sends back to h_(t-1): "
      f"{allT(lambda t: close(sent(t, Pn['Uz'].T), g['hp'][t]))})")
decide(102, allT(lambda t: close(sent(t, Pn["Uz"]), g["hp"][t])),
       "the gradient step t sends back to h_{t-1} (the report's new dh_{t+1}) needs U_z^T dz_{l_t}; U_z dz_{l_t} is a "
       "different vector (U_z is not symmetric)")
finish()
