"""Independent truth for tests/posts/sequence_blind_rnn3/ahmadrazacdx_gru_numpy_bptt (NumPy and torch, no derive).

The notebook's GRU (Cho et al.), column vectors: z_u = W_u[h_{t-1}; x_t] + b_u, u_t = sigma(z_u), z_r likewise,
r_t = sigma(z_r), z_h = W_h[r_t (.) h_{t-1}; x_t] + b_h, h~_t = tanh(z_h), h_t = (1 - u_t) (.) h_{t-1} + u_t (.) h~_t,
y_t = W_y h_t + b_y, p_t = softmax(y_t), L_t the cross-entropy of step t against a target id, L = sum_t L_t over
t = 0..T-1 from a random h_{-1}; one-hot inputs x_t as in the notebook. H = 3 hidden units, V = 4 symbols, T = 4.
References from torch autograd in float64: the gradient of L with respect to every step's z_u, z_r, z_h, u_t, r_t,
h~_t, r_t (.) h_{t-1}, the concatenation [r_t (.) h_{t-1}; x_t], h_t (the total, through the output and all later
steps), and the weights; every use of h_{t-1} inside step t (in [h_{t-1}; x_t] for z_u, for z_r, in r_t (.) h_{t-1},
and the direct (1 - u_t) (.) h_{t-1}) is its own clone, so autograd splits the gradient that step t sends to h_{t-1}
into the notebook's four pathways. Each printed right side is evaluated with the true values of what it names."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(29)
H, V, T = 3, 4, 4
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
Wu, Wr, Wh = (Tt(rng.normal(0, 0.8, (H, H + V))).requires_grad_() for _ in range(3))
bu, br, bh = (Tt(rng.normal(0, 0.3, (H, 1))).requires_grad_() for _ in range(3))
Wy, by = Tt(rng.normal(0, 0.8, (V, H))).requires_grad_(), Tt(rng.normal(0, 0.3, (V, 1))).requires_grad_()
ids, tg = rng.integers(0, V, T), rng.integers(0, V, T)
X = [Tt(np.eye(V)[[i]].T) for i in ids]                    # one-hot columns (V, 1)
h_init = Tt(rng.normal(0, 0.5, (H, 1))).requires_grad_()   # a leaf so that its clones carry gradients

keep = {k: {} for k in "hu hr hh hd zu zr zh u r c rh cat h y".split()}
h_prev, L = h_init, 0
for t in range(T):
    hu, hr, hh, hd = (h_prev.clone() for _ in range(4))
    for k, v in zip(("hu", "hr", "hh", "hd"), (hu, hr, hh, hd)):
        v.retain_grad(); keep[k][t] = v
    zu = Wu @ torch.cat([hu, X[t]]) + bu
    u = torch.sigmoid(zu)
    zr = Wr @ torch.cat([hr, X[t]]) + br
    r = torch.sigmoid(zr)
    rh = r * hh
    cat = torch.cat([rh, X[t]])
    zh = Wh @ cat + bh
    c = torch.tanh(zh)
    h = (1 - u) * hd + u * c
    y = Wy @ h + by
    for k, v in zip(("zu", "zr", "zh", "u", "r", "c", "rh", "cat", "h", "y"), (zu, zr, zh, u, r, c, rh, cat, h, y)):
        v.retain_grad(); keep[k][t] = v
    L = L + torch.nn.functional.cross_entropy(y.T, torch.tensor([tg[t]]))
    h_prev = h
L.backward()
g = {k: {t: v.grad.numpy() for t, v in d.items()} for k, d in keep.items()}
val = {k: {t: v.detach().numpy() for t, v in d.items()} for k, d in keep.items()}
gW = {k: v.grad.numpy() for k, v in dict(Wu=Wu, Wr=Wr, Wh=Wh, Wy=Wy, bu=bu, br=br, bh=bh, by=by).items()}
WU, WR, WH, WY = (v.detach().numpy() for v in (Wu, Wr, Wh, Wy))
Xn = [x.numpy() for x in X]
hp = {t: (h_init.detach().numpy() if t == 0 else val["h"][t - 1]) for t in range(T)}      # h_{t-1}
close = lambda a, b: a.shape == b.shape and np.allclose(a, b, atol=1e-12)
allT = lambda fn: all(fn(t) for t in range(T))

for line, what in ((6, "z_u = W_u [h_{t-1}; x_t] + b_u"), (7, "u_t = sigmoid(z_u)"), (9, "z_r = W_r [h_{t-1}; x_t] + b_r"),
                   (10, "r_t = sigmoid(z_r)"), (12, "z_h = W_h [r_t (.) h_{t-1}; x_t] + b_h (the reset before the product)"),
                   (13, "h~_t = tanh(z_h)"), (15, "h_t = (1 - u_t) (.) h_{t-1} + u_t (.) h~_t"), (17, "y_t = W_y h_t + b_y")):
    decide(line, True, what + " (definition)")

p = {t: np.exp(val["y"][t]) / np.exp(val["y"][t]).sum() for t in range(T)}
onehot = {t: np.eye(V)[[tg[t]]].T for t in range(T)}
dy = {t: p[t] - onehot[t] for t in range(T)}
decide(27, allT(lambda t: close(dy[t], g["y"][t])), "dL_t/dy_t = p_t - 1_{y*_t} (softmax with cross-entropy)")
decide(32, close(sum(dy[t] @ val["h"][t].T for t in range(T)), gW["Wy"]), "dL/dW_y = sum_t dL_t/dy_t h_t^T")
decide(34, close(sum(dy[t] for t in range(T)), gW["by"]), "dL/db_y = sum_t dL_t/dy_t")
dH = {t: g["h"][t] for t in range(T)}
dH[T] = np.zeros((H, 1))                                   # 'initialized as zeros for the last timestep'
step2 = [close(WY.T @ dy[t] + dH[t + 1], dH[t]) for t in range(T)]
back = {t: g["hu"][t] + g["hr"][t] + g["hh"][t] + g["hd"][t] for t in range(T)}   # what step t sends to h_{t-1}
fixed = all(close(WY.T @ dy[t] + (back[t + 1] if t + 1 < T else 0), dH[t]) for t in range(T))
print(f"   (step 2 as printed holds at t = {[t for t in range(T) if step2[t]]} only; with the gradient step t+1 sends "
      f"back to h_t (Step 7's four pathways at t+1) in place of dL/dh_(t+1) it holds at every t: {fixed})")
decide(38, all(step2), "the second term must be what step t+1 sends back to h_t (the four pathways of Step 7 at "
       "t+1), not dL/dh_{t+1}, the gradient at h_{t+1} itself")
decide(49, allT(lambda t: close(dH[t] * val["u"][t], g["c"][t])), "dL/dh~_t = dL/dh_t (.) u_t")
decide(54, allT(lambda t: close(g["c"][t] * (1 - val["c"][t] ** 2), g["zh"][t])), "dL/dz_h = dL/dh~_t (.) (1 - h~_t^2)")
zg = torch.linspace(-5, 5, 1001, dtype=torch.float64, requires_grad=True)
dt = torch.autograd.grad(torch.tanh(zg).sum(), zg)[0].numpy()
ds = torch.autograd.grad(torch.sigmoid(zg).sum(), zg)[0].numpy()
zn = zg.detach().numpy()
decide(56, np.allclose(dt, 1 - np.tanh(zn) ** 2), "tanh' = 1 - tanh^2")
jac = allT(lambda t: close(np.diag(torch.autograd.functional.jacobian(
    lambda uu: (1 - uu) * Tt(hp[t]) + uu * Tt(val["c"][t]), Tt(val["u"][t])).numpy().reshape(H, H)).reshape(H, 1),
    val["c"][t] - hp[t]))
decide(65, jac, "dh_t/du_t = -h_{t-1} + h~_t = h~_t - h_{t-1} (the diagonal of the Jacobian, written as a vector)")
decide(68, allT(lambda t: close(dH[t] * (val["c"][t] - hp[t]), g["u"][t])), "dL/du_t = dL/dh_t (.) (h~_t - h_{t-1})")
decide(71, allT(lambda t: close(g["u"][t] * val["u"][t] * (1 - val["u"][t]), g["zu"][t])), "dL/dz_u = dL/du_t (.) u_t (.) (1 - u_t)")
sg = 1 / (1 + np.exp(-zn))
decide(73, np.allclose(ds, sg * (1 - sg)), "sigma' = sigma (1 - sigma)")
decide(82, allT(lambda t: close(WH.T @ g["zh"][t], g["cat"][t])), "dL/d[r_t (.) h_{t-1}; x_t] = W_h^T dL/dz_h")
decide(85, allT(lambda t: close((WH.T @ g["zh"][t])[:H], g["rh"][t])), "the first H entries are dL/d(r_t (.) h_{t-1})")
decide(88, allT(lambda t: close(g["rh"][t] * hp[t], g["r"][t])), "dL/dr_t = dL/d(r_t (.) h_{t-1}) (.) h_{t-1}")
decide(91, allT(lambda t: close(g["r"][t] * val["r"][t] * (1 - val["r"][t]), g["zr"][t])), "dL/dz_r = dL/dr_t (.) r_t (.) (1 - r_t)")
cu = {t: np.vstack([hp[t], Xn[t]]) for t in range(T)}
ch = {t: np.vstack([val["r"][t] * hp[t], Xn[t]]) for t in range(T)}
decide(98, close(sum(g["zu"][t] @ cu[t].T for t in range(T)), gW["Wu"]), "dL/dW_u = sum_t dL/dz_u [h_{t-1}; x_t]^T")
decide(99, close(sum(g["zu"][t] for t in range(T)), gW["bu"]), "dL/db_u = sum_t dL/dz_u")
decide(102, close(sum(g["zr"][t] @ cu[t].T for t in range(T)), gW["Wr"]), "dL/dW_r = sum_t dL/dz_r [h_{t-1}; x_t]^T")
decide(103, close(sum(g["zr"][t] for t in range(T)), gW["br"]), "dL/db_r = sum_t dL/dz_r")
decide(106, close(sum(g["zh"][t] @ ch[t].T for t in range(T)), gW["Wh"]), "dL/dW_h = sum_t dL/dz_h [r_t (.) h_{t-1}; x_t]^T")
decide(107, close(sum(g["zh"][t] for t in range(T)), gW["bh"]), "dL/db_h = sum_t dL/dz_h")
decide(114, allT(lambda t: close((WU.T @ g["zu"][t])[:H], g["hu"][t])), "the path through z_u: [W_u^T dL/dz_u]_{0:H}")
decide(117, allT(lambda t: close((WR.T @ g["zr"][t])[:H], g["hr"][t])), "the path through z_r: [W_r^T dL/dz_r]_{0:H}")
decide(120, allT(lambda t: close((WH.T @ g["zh"][t])[:H] * val["r"][t], g["hh"][t])),
       "the path through the candidate: [W_h^T dL/dz_h]_{0:H} (.) r_t")
decide(123, allT(lambda t: close(dH[t] * (1 - val["u"][t]), g["hd"][t])), "the direct path: dL/dh_t (.) (1 - u_t)")
total_h_prev = {t: (g["h"][t - 1] if t > 0 else None) for t in range(T)}
print(f"   (the four pathways are the whole gradient at h_(t-1) only with its own output term W_y^T dL_(t-1)/dy_(t-1) "
      f"added: {all(close(back[t] + WY.T @ dy[t - 1], total_h_prev[t]) for t in range(1, T))})")
sent_back = {t: (g["h"][t - 1] - WY.T @ dy[t - 1] if t > 0 else h_init.grad.numpy()) for t in range(T)}
decide(126, allT(lambda t: close(g["hu"][t] + g["hr"][t] + g["hh"][t] + g["hd"][t], sent_back[t])),
       "the four pathways sum to the gradient step t sends back to h_{t-1} (autograd's dL/dh_{t-1} less h_{t-1}'s own "
       "output term; at t = 0 the whole gradient of the initial state), as the text reads it: the gradient that flows "
       "to the previous state through step t")
finish()
