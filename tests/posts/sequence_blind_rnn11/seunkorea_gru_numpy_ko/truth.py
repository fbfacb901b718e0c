"""Independent truth for tests/posts/sequence_blind_rnn11/seunkorea_gru_numpy_ko (NumPy and torch, no derive).

The notebook's GRU layer (row vectors, a batch of rows, no biases; the stacked weights Wx (D, 3H) and Wh (H, 3H) in
the order z, r, h~, as in 'Deep Learning from Scratch 2', which the notebook's linked blog post follows):
z = sigmoid(x Wxz + h_prev Whz), r = sigmoid(x Wxr + h_prev Whr), h_hat = tanh(x Wxh + (r * h_prev) Whh),
h_next = (1 - z) * h_prev + z * h_hat. This is the cell its backward differentiates (dWh = (r * h_prev)^T dt, dhr =
dt Wh^T, dr = dhr * h_prev); its forward line 22 drops the reset gate. Placed in a sequence as the book's TimeGRU
places it: T = 3 steps, a batch of N = 2 rows, D = 3 features, H = 2 hidden units, h_0 = 0, a dense read-out
y_t = h_t W_y + b_y with the softmax cross-entropy at every step and every row, summed; the backward's dh_next is then
the total gradient at h_next (the book's dhs[:, t, :] + dh). torch's GRUCell applies the reset gate after its
recurrent product, so the cell is checked against it with a diagonal Whh and torch's update gate set to 1 - z
(where the two agree), and re-evaluated from
its definition otherwise. References from torch autograd in float64 at every step: the gradients at h_next, h_hat,
the candidate's pre-activation, the reset product m = r * h_prev, r, z and their pre-activations, x; the step's share
of dL/dWx and dL/dWh (the gradient of that step's own copy of the stacked weights, and of its blocks); the share
h_prev receives through each of its four uses (the direct (1 - z) * h_prev, the update gate's Whz, the reset gate's
Whr and the product m), each fed as a separate leaf. Each line is judged locally, with the true values of what it
names; dh_prev and dx are read as what they hold by the code's own use after each line (the shares through the
paths added so far; after line 60 and 62 everything h_prev and x receive through this step)."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(3307)
N, D, H, T, C = 2, 3, 2, 3, 4        # batch rows, features, hidden units, steps, classes
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
sig = lambda v: 1 / (1 + np.exp(-v))

WX = rng.normal(0, 0.9, (D, 3 * H))       # [Wxz | Wxr | Wxh]
WH = rng.normal(0, 0.9, (H, 3 * H))       # [Whz | Whr | Whh]
WY, BY = rng.normal(0, 0.9, (H, C)), rng.normal(0, 0.3, (C,))
XS = {t: rng.normal(0, 1, (N, D)) for t in range(1, T + 1)}
TG = {t: rng.integers(0, C, N) for t in range(1, T + 1)}
blk = lambda A, k: A[:, k * H:(k + 1) * H]
Wxz, Wxr, Wxh = (blk(WX, k) for k in range(3))
Whz, Whr, Whh = (blk(WH, k) for k in range(3))
wx_leaf, wh_leaf = Tt(WX).requires_grad_(), Tt(WH).requires_grad_()


def forward(split_at=None):
    o = {k: {} for k in ("h", "hh", "ah", "m", "r", "ar", "z", "az", "x", "L", "cx", "ch", "uses")}
    o["h"][0] = Tt(np.zeros((N, H)))
    for t in range(1, T + 1):
        cx, ch = wx_leaf.clone(), wh_leaf.clone()       # step t's own copies of the stacked weights
        x = Tt(XS[t]).requires_grad_()
        hp = o["h"][t - 1]
        uses = ({u: hp.detach().clone().requires_grad_() for u in "dzrm"} if split_at == t
                else {u: hp for u in "dzrm"})
        az = x @ cx[:, :H] + uses["z"] @ ch[:, :H]
        z = torch.sigmoid(az)
        ar = x @ cx[:, H:2 * H] + uses["r"] @ ch[:, H:2 * H]
        r = torch.sigmoid(ar)
        m = r * uses["m"]
        ah = x @ cx[:, 2 * H:] + m @ ch[:, 2 * H:]
        hh = torch.tanh(ah)
        h = (1 - z) * uses["d"] + z * hh
        for v in (az, z, ar, r, m, ah, hh, h):
            v.retain_grad()
        L = -torch.log_softmax(h @ Tt(WY) + Tt(BY), 1)[np.arange(N), TG[t]].sum()
        for k, v in (("h", h), ("hh", hh), ("ah", ah), ("m", m), ("r", r), ("ar", ar), ("z", z), ("az", az),
                     ("x", x), ("L", L), ("cx", cx), ("ch", ch), ("uses", uses)):
            o[k][t] = v
    return o


F = forward()
L = sum(F["L"][t] for t in range(1, T + 1))
L.backward(retain_graph=True)
gr = lambda out, wrt: nv(torch.autograd.grad(out, wrt, retain_graph=True)[0])
S = range(1, T + 1)
v = {k: {t: nv(F[k][t]) for t in S} for k in ("h", "hh", "r", "z")}
v["h"][0] = np.zeros((N, H))
g = {k: {t: nv(F[k][t].grad) for t in S} for k in ("h", "hh", "ah", "m", "r", "ar", "z", "az", "x")}
share_x = {t: gr(L, F["cx"][t]) for t in S}
share_h = {t: gr(L, F["ch"][t]) for t in S}
path = {}
for t in S:
    Fs = forward(split_at=t)
    Ls = sum(Fs["L"][k] for k in S)
    for u in "dzrm":
        path[(u, t)] = gr(Ls, Fs["uses"][t][u])
hp = lambda t: v["h"][t - 1]
print(f"   (h_(t-1)'s total = its read-out share + the four shares through step t: "
      f"{all(close(sum(path[(u, t)] for u in 'dzrm') + gr(F['L'][t - 1], F['h'][t - 1]), g['h'][t - 1]) for t in range(2, T + 1))})")

# the cell against torch.nn.GRUCell (reset after its product, h' = (1 - z') n + z' h): equal when Whh is diagonal,
# with torch's z' = 1 - z (the z blocks negated, sigmoid(-a) = 1 - sigmoid(a)), since here z weights the candidate
Dg = np.diag(rng.normal(0, 0.9, H))
cell = torch.nn.GRUCell(D, H)
with torch.no_grad():
    cell.weight_ih.copy_(Tt(np.vstack([Wxr.T, -Wxz.T, Wxh.T])))
    cell.weight_hh.copy_(Tt(np.vstack([Whr.T, -Whz.T, Dg.T])))
    cell.bias_ih.zero_()
    cell.bias_hh.zero_()


def book_cell(x, h, Wc):
    z, r = sig(x @ Wxz + h @ Whz), sig(x @ Wxr + h @ Whr)
    return (1 - z) * h + z * np.tanh(x @ Wxh + (r * h) @ Wc)


hr = rng.normal(0, 1, (N, H))
print(f"   (the cell with a diagonal Whh = torch GRUCell (gates r, 1 - z, n, zero biases): "
      f"{close(nv(cell(Tt(XS[1]), Tt(hr))), book_cell(XS[1], hr, Dg))})")

# lines 17, 32 and 18, 33: the slices of the stacked weights, in the order z, r, h~
for line in (17, 32):
    decide(line, close(WX[:, :H], Wxz) and close(WX[:, H:2 * H], Wxr) and close(WX[:, 2 * H:], Wxh),
           "Wx[:, :H], Wx[:, H:2H], Wx[:, 2H:] are the update gate's, reset gate's and candidate's input blocks "
           "(the third named Wx)")
for line in (18, 33):
    decide(line, close(WH[:, :H], Whz) and close(WH[:, H:2 * H], Whr) and close(WH[:, 2 * H:], Whh),
           "Wh[:, :H], Wh[:, H:2H], Wh[:, 2H:] are the update gate's, reset gate's and candidate's recurrent blocks "
           "(the third named Wz, a name the code never uses; lines 22 and 43 call it Wh)")
decide(20, all(close(sig(XS[t] @ Wxz + hp(t) @ Whz), v["z"][t]) for t in S), "z = sigmoid(x Wxz + h_prev Whz)")
decide(21, all(close(sig(XS[t] @ Wxr + hp(t) @ Whr), v["r"][t]) for t in S), "r = sigmoid(x Wxr + h_prev Whr)")
# line 22: h_hat = tanh(x Wx + h_prev Wh); Wh read as the candidate's block Whh, and literally (self.Wh, H x 3H)
r22 = {t: np.tanh(XS[t] @ Wxh + hp(t) @ Whh) for t in S}
print(f"   (line 22, Wh read as Whh: = h_hat at steps 1..{T}: {[close(r22[t], v['hh'][t]) for t in S]} (step 1 agrees "
      f"only because h_0 = 0); with r: {all(close(np.tanh(XS[t] @ Wxh + (v['r'][t] * hp(t)) @ Whh), v['hh'][t]) for t in S)}; "
      f"read literally as the stacked Wh, h_prev Wh is (N, 3H) and cannot be added to x Wx (N, H))")
decide(22, all(close(r22[t], v["hh"][t]) for t in S),
       "drops the reset gate: the candidate the backward differentiates (lines 42, 43, 57) is tanh(x Wxh + "
       "(r * h_prev) Whh); with Wh read as Whh, tanh(x Wxh + h_prev Whh) differs wherever h_prev != 0 and r != 1")
decide(23, all(close((1 - v["z"][t]) * hp(t) + v["z"][t] * v["hh"][t], v["h"][t]) for t in S),
       "h_next = (1 - z) * h_prev + z * h_hat (z weights the candidate)")

dhn = lambda t: g["h"][t]            # dh_next: the total gradient at h_next
decide(37, all(close(dhn(t) * v["z"][t], g["hh"][t]) for t in S), "dh_hat = dh_next * z = dL/dh_hat")
decide(38, all(close(dhn(t) * (1 - v["z"][t]), path[("d", t)]) for t in S),
       "dh_prev = dh_next * (1 - z) = the share h_prev receives through the direct term (1 - z) * h_prev")
decide(41, all(close(g["hh"][t] * (1 - v["hh"][t] ** 2), g["ah"][t]) for t in S),
       "dt = dh_hat * (1 - h_hat^2) = the gradient at the candidate's pre-activation")
decide(42, all(close((v["r"][t] * hp(t)).T @ g["ah"][t], blk(share_h[t], 2)) for t in S),
       "dWh = (r * h_prev)^T dt = the step's share of dL/dWhh (row layout: (H, N)(N, H))")
decide(43, all(close(g["ah"][t] @ Whh.T, g["m"][t]) for t in S),
       "dhr = dt Wh^T (Wh read as Whh) = the gradient at the reset product m = r * h_prev")
decide(44, all(close(XS[t].T @ g["ah"][t], blk(share_x[t], 2)) for t in S),
       "dWx = x^T dt = the step's share of dL/dWxh")
x_cand = {t: g["ah"][t] @ Wxh.T for t in S}
x_z = {t: g["az"][t] @ Wxz.T for t in S}
decide(45, all(close(g["ah"][t] @ Wxh.T, x_cand[t]) for t in S) and
       all(close(x_cand[t] + x_z[t] + g["ar"][t] @ Wxr.T, g["x"][t]) for t in S),
       "dx = dt Wx^T = the share x receives through the candidate (with the gates' shares below, the total dL/dx)")
decide(46, all(close(path[("d", t)] + v["r"][t] * g["m"][t], path[("d", t)] + path[("m", t)]) for t in S),
       "dh_prev += r * dhr adds the share through the reset product")
decide(49, all(close(dhn(t) * v["hh"][t] - dhn(t) * hp(t), g["z"][t]) for t in S),
       "dz = dh_next * h_hat - dh_next * h_prev = dL/dz")
decide(50, all(close(g["z"][t] * v["z"][t] * (1 - v["z"][t]), g["az"][t]) for t in S),
       "dt = dz * z * (1 - z) = the gradient at the update gate's pre-activation")
decide(51, all(close(hp(t).T @ g["az"][t], blk(share_h[t], 0)) for t in S), "dWhz = h_prev^T dt, the step's share")
decide(52, all(close(path[("d", t)] + path[("m", t)] + g["az"][t] @ Whz.T,
                     path[("d", t)] + path[("m", t)] + path[("z", t)]) for t in S),
       "dh_prev += dt Whz^T adds the share through the update gate")
decide(53, all(close(XS[t].T @ g["az"][t], blk(share_x[t], 0)) for t in S), "dWxz = x^T dt, the step's share")
decide(54, all(close(x_cand[t] + g["az"][t] @ Wxz.T, x_cand[t] + x_z[t]) for t in S),
       "dx += dt Wxz^T adds the share x receives through the update gate")
decide(57, all(close(g["m"][t] * hp(t), g["r"][t]) for t in S), "dr = dhr * h_prev = dL/dr")
decide(58, all(close(g["r"][t] * v["r"][t] * (1 - v["r"][t]), g["ar"][t]) for t in S),
       "dt = dr * r * (1 - r) = the gradient at the reset gate's pre-activation")
decide(59, all(close(hp(t).T @ g["ar"][t], blk(share_h[t], 1)) for t in S), "dWhr = h_prev^T dt, the step's share")
decide(60, all(close(path[("d", t)] + path[("m", t)] + path[("z", t)] + g["ar"][t] @ Whr.T,
                     sum(path[(u, t)] for u in "dzrm")) for t in S),
       "dh_prev += dt Whr^T completes what h_prev receives through this step (all four uses)")
decide(61, all(close(XS[t].T @ g["ar"][t], blk(share_x[t], 1)) for t in S), "dWxr = x^T dt, the step's share")
decide(62, all(close(x_cand[t] + x_z[t] + g["ar"][t] @ Wxr.T, g["x"][t]) for t in S),
       "dx += dt Wxr^T completes dx = the total dL/dx")
decide(64, all(close(np.hstack((blk(share_x[t], 0), blk(share_x[t], 1), blk(share_x[t], 2))), share_x[t]) and
               close(np.hstack((XS[t].T @ g["az"][t], XS[t].T @ g["ar"][t], XS[t].T @ g["ah"][t])), share_x[t])
               for t in S),
       "dWx = [dWxz | dWxr | dWx] in the forward's order z, r, h~ = the step's share of dL/dWx")
decide(65, all(close(np.hstack((hp(t).T @ g["az"][t], hp(t).T @ g["ar"][t], (v["r"][t] * hp(t)).T @ g["ah"][t])),
                     share_h[t]) for t in S),
       "dWh = [dWhz | dWhr | dWh] = the step's share of dL/dWh")
finish()
