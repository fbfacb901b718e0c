"""Independent truth for tests/posts/sequence_blind_rnn2/michaelmastro_batched_gru_numpy (NumPy and torch, no derive).

The batched GRU of GRU.py, as its forward() computes it: for each step t, X_and_H_in[t] = [1, x_t, h_{t-1}]
(b x (1 + input + d), the 1 the bias), [z r] = sigmoid(X_and_H_in[t] WGRU[:, :2d]), X_and_H_reset = [1, x_t, r *
h_{t-1}], c = tanh(X_and_H_reset WGRU[:, 2d:]), Hout[t] = (1 - z) * h_{t-1} + z * c, from h0. backward(dH, cache,
dhn) takes the gradient reaching every Hout[t] (the file's own test uses loss = sum(H * wrand), dH = wrand) and dhn,
a gradient reaching the last state from beyond the sequence, so the loss here is L = sum(dH * Hout) + sum(dhn *
Hout[n-1]). Built in torch float64 with every use of x_t and h_{t-1} its own clone (the gates, the candidate, the
direct (1 - z) h path), z used twice through two clones (z * c and 1 - z), WGRU cloned per step, and the gates'
and the candidate's pre-activations, r, c, 1 - z and r * h nodes; autograd gives each path a line names. The
backward loop is then run as printed (Python 3: range for xrange, d an integer), each line checked at every step
against autograd, with the quantities it reads taken as the true ones; the '+=' lines on dWGRU are compared after
the loop with autograd's gradient of the whole sequence. n = 4 steps, b = 2, input 3, d = 3."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(12)
n, b, I, d = 4, 2, 3, 3
X = rng.normal(size=(n, b, I))
W0 = rng.normal(size=(I + d + 1, 3 * d)) / np.sqrt(I + d)
h0_n = rng.normal(size=(b, d))
dH = rng.normal(size=(n, b, d))
dhn = rng.normal(size=(b, d))
T = lambda a: torch.tensor(a, dtype=torch.float64)
W = T(W0).requires_grad_()
h0 = T(h0_n).requires_grad_()


def keep(v):
    v.retain_grad()
    return v


S = []                                   # every step's nodes
prev = h0
for t in range(n):
    st = {"x_g": keep(T(X[t]).requires_grad_()), "x_c": keep(T(X[t]).requires_grad_())}
    st.update({k: keep(prev.clone()) for k in ("h_g", "h_c", "h_d")})
    st["Wt"] = keep(W.clone())
    ones = torch.ones(b, 1, dtype=torch.float64)
    st["pre_g"] = keep(torch.cat([ones, st["x_g"], st["h_g"]], 1) @ st["Wt"][:, :2 * d])
    gates = torch.sigmoid(st["pre_g"])
    st["z"], st["r"] = keep(gates[:, :d]), keep(gates[:, d:])
    st["z_c"], st["z_o"] = keep(st["z"].clone()), keep(st["z"].clone())
    st["rh"] = keep(st["r"] * st["h_c"])
    st["pre_c"] = keep(torch.cat([ones, st["x_c"], st["rh"]], 1) @ st["Wt"][:, 2 * d:])
    st["c"] = keep(torch.tanh(st["pre_c"]))
    st["omz"] = keep(1 - st["z_o"])
    st["H"] = keep(st["omz"] * st["h_d"] + st["z_c"] * st["c"])
    S.append(st)
    prev = st["H"]
loss = sum((T(dH[t]) * S[t]["H"]).sum() for t in range(n)) + (T(dhn) * S[-1]["H"]).sum()
loss.backward()
nv = lambda v: v.detach().numpy()
gr = lambda v: v.grad.numpy()

# the forward as printed (NumPy), against the torch cell above
Hout, ZRC, ZRC_n = np.zeros((n, b, d)), np.zeros((n, b, 3 * d)), np.zeros((n, b, 3 * d))
X_and_H_in = np.zeros((n, b, I + d + 1))
X_and_H_reset = np.zeros((b, I + d + 1))
for t in range(n):
    prevh = Hout[t - 1] if t > 0 else h0_n
    X_and_H_in[t, :, 0] = 1
    X_and_H_in[t, :, 1:I + 1] = X[t]
    X_and_H_in[t, :, I + 1:] = prevh
    ZRC[t, :, :2 * d] = X_and_H_in[t].dot(W0[:, :2 * d])
    ZRC_n[t, :, :2 * d] = 1.0 / (1.0 + np.exp(-ZRC[t, :, :2 * d]))
    X_and_H_reset[:, 0] = 1
    X_and_H_reset[:, 1:I + 1] = X[t]
    X_and_H_reset[:, I + 1:] = ZRC_n[t, :, 1 * d: 2 * d] * prevh
    ZRC[t, :, 2 * d:] = X_and_H_reset.dot(W0[:, 2 * d:])
    ZRC_n[t, :, 2 * d:] = np.tanh(ZRC[t, :, 2 * d:])
    Hout[t] = (1 - ZRC_n[t, :, :d]) * prevh + ZRC_n[t, :, :d] * ZRC_n[t, :, 2 * d:]
fw = lambda k: all(np.allclose(a, nv(S[t][k])) for t, a in enumerate(dict(
    pre_g=ZRC[:, :, :2 * d], gates=ZRC_n[:, :, :2 * d], pre_c=ZRC[:, :, 2 * d:], c=ZRC_n[:, :, 2 * d:], H=Hout)[k]))
same = all(np.allclose(ZRC_n[t, :, :2 * d], np.hstack([nv(S[t]["z"]), nv(S[t]["r"])])) for t in range(n))
decide(38, fw("pre_g"), "[z r] pre-activations = [1, x_t, h_{t-1}] WGRU[:, :2d] (definition; the torch cell agrees)")
decide(40, same, "the two gates are the sigmoids of their pre-activations")
decide(45, all(np.allclose(ZRC_n[t, :, d:2 * d] * (Hout[t - 1] if t else h0_n), nv(S[t]["rh"])) for t in range(n)),
       "the reset gate applied to h_{t-1} before the candidate's product")
decide(48, fw("pre_c"), "candidate pre-activation = [1, x_t, r h_{t-1}] WGRU[:, 2d:]")
decide(50, fw("c"), "c = tanh of it")
decide(56, fw("H"), "Hout[t] = (1 - z) h_{t-1} + z c (z weights the candidate)")

# the backward loop as printed; each line's value checked at every step against autograd, reading true inputs
ok = {k: True for k in (94, 102, 105, 108, 113, 116, 120, 122, 126, 128, 132, 134, 137, 142, 145, 147, 149)}
dWGRU = np.zeros_like(W0)
dX = np.zeros((n, b, I))
dh0 = np.zeros((b, d))
dh_out = dH.copy()
dh_out[n - 1] += dhn.copy()
ok[94] = np.allclose(dh_out[n - 1], gr(S[n - 1]["H"]))           # dH[n-1] plus dhn: the whole gradient at the last state
for t in reversed(range(n)):
    st = S[t]
    dht = gr(st["H"])                                                # the true whole gradient at Hout[t]
    prevh = Hout[t - 1] if t > 0 else h0_n
    X_and_H_reset = X_and_H_in[t].copy()
    X_and_H_reset[:, I + 1:] = ZRC_n[t, :, 1 * d: 2 * d] * prevh
    ok[102] &= np.allclose(X_and_H_reset[:, I + 1:], nv(st["rh"]))
    dc_n = ZRC_n[t, :, :d] * dht
    ok[105] &= np.allclose(dc_n, gr(st["c"]))
    dC = (1 - ZRC_n[t, :, 2 * d:] ** 2) * gr(st["c"])
    ok[108] &= np.allclose(dC, gr(st["pre_c"]))
    dWGRU[:, 2 * d:] += np.dot(X_and_H_reset.transpose(), dC)
    dx_and_dh_reset = gr(st["pre_c"]).dot(W0[:, 2 * d:].transpose())
    ok[113] &= np.allclose(dx_and_dh_reset[:, 1:I + 1], gr(st["x_c"])) and np.allclose(dx_and_dh_reset[:, I + 1:], gr(st["rh"]))
    ok[116] &= np.allclose(dx_and_dh_reset[:, 1:I + 1], gr(st["x_c"]))
    dr_n = prevh * gr(st["rh"])
    ok[120] &= np.allclose(dr_n, gr(st["r"]))
    ok[122] &= np.allclose(ZRC_n[t, :, d:2 * d] * gr(st["rh"]), gr(st["h_c"]))
    d_one_minus_z = prevh * dht
    ok[126] &= np.allclose(d_one_minus_z, gr(st["omz"]))
    ok[128] &= np.allclose((1 - ZRC_n[t, :, :d]) * dht, gr(st["h_d"]))
    ok[132] &= np.allclose(ZRC_n[t, :, 2 * d:] * dht, gr(st["z_c"]))
    ok[134] &= np.allclose(-1 * gr(st["omz"]), gr(st["z_o"]))
    dZRC_n_g = np.hstack([gr(st["z"]), gr(st["r"])])
    dZg = ZRC_n[t, :, :2 * d] * (1 - ZRC_n[t, :, :2 * d]) * dZRC_n_g
    ok[137] &= np.allclose(dZg, gr(st["pre_g"]))
    dWGRU[:, :2 * d] += np.dot(X_and_H_in[t].transpose(), gr(st["pre_g"]))
    add = gr(st["pre_g"]).dot(W0[:, :2 * d].transpose())
    ok[142] &= np.allclose(add[:, 1:I + 1], gr(st["x_g"])) and np.allclose(add[:, I + 1:], gr(st["h_g"]))
    # the sums the loop builds in dX_and_H_in[t], from the printed terms (lines 116, 122, 128, 142)
    dX_and_H_in = np.zeros((b, I + d + 1))
    dX_and_H_in[:, 1:I + 1] = dx_and_dh_reset[:, 1:I + 1]
    dX_and_H_in[:, I + 1:] = ZRC_n[t, :, d:2 * d] * gr(st["rh"])
    dX_and_H_in[:, I + 1:] += (1 - ZRC_n[t, :, :d]) * dht
    dX_and_H_in += add
    dX[t] = dX_and_H_in[:, 1:I + 1]
    ok[145] &= np.allclose(dX[t], gr(st["x_c"]) + gr(st["x_g"]))
    if t > 0:
        ok[147] &= np.allclose(dH[t - 1] + dX_and_H_in[:, I + 1:], gr(S[t - 1]["H"]))
    else:
        dh0 += dX_and_H_in[:, I + 1:]
        ok[149] &= np.allclose(dh0, gr(h0))

why = {94: "dh_out[n-1] += dhn: the gradient from beyond the sequence joins the last state's",
       102: "X_and_H_reset's h part recomputed as r * h_{t-1}, as in the forward",
       105: "dc_n = z dh_t, the gradient at c (dh_out[t] is the whole gradient at Hout[t])",
       108: "dC = (1 - c^2) dc_n with c = ZRC_n (the tanh's output), the gradient at the candidate's pre-activation",
       113: "dC WGRU[:, 2d:]^T = the gradient at [1, x_t, r h_{t-1}]",
       116: "its x part is the candidate's share of dx_t",
       120: "dr = h_{t-1} * (gradient at r h_{t-1})",
       122: "r * (gradient at r h_{t-1}) is the path to h_{t-1} through the candidate",
       126: "d(1 - z) = h_{t-1} dh_t",
       128: "(1 - z) dh_t is the direct path to h_{t-1}",
       132: "c dh_t is the gradient reaching z through z * c",
       134: "the path through 1 - z adds -d(1 - z)",
       137: "sigma(1 - sigma) with the gates' outputs ZRC_n: the gradient at the gates' pre-activations",
       142: "dZ WGRU[:, :2d]^T adds the gates' paths to dx_t and dh_{t-1}",
       145: "dX[t] is the whole gradient at x_t (candidate + gates)",
       147: "dh_out[t-1] += the h part: the gradient reaching h_{t-1} through step t joins dH[t-1]",
       149: "at t = 0 the same sum is dh0"}
for line in sorted(ok):
    decide(line, bool(ok[line]), why[line])
decide(112, np.allclose(dWGRU[:, 2 * d:], W.grad.numpy()[:, 2 * d:]), "dWGRU[:, 2d:] += X_and_H_reset^T dC over the steps is "
       "autograd's gradient of the candidate's columns (bias row included)")
decide(140, np.allclose(dWGRU[:, :2 * d], W.grad.numpy()[:, :2 * d]), "dWGRU[:, :2d] += X_and_H_in[t]^T dZ over the steps is "
       "autograd's gradient of the gates' columns")
# another stored version of the file (commit abf17643) writes ZRC, the pre-activations, in lines 108 and 137
wrong108 = all(np.allclose((1 - ZRC[t, :, 2 * d:] ** 2) * gr(S[t]["c"]), gr(S[t]["pre_c"])) for t in range(n))
print(f"   (with ZRC in place of ZRC_n, as that version has it, line 108 would hold: {wrong108})")

finish()
