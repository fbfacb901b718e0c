"""Independent truth for tests/posts/sequence_blind_rnn20/lucyliu_vanilla_rnn_bptt (NumPy and torch, no derive).

'Backpropagation of a vanilla RNN' (LucyLiu-UCSB/LucyLiu-UCSB.github.io, _posts/2020-01-24-Backpropagation-of-a-
vanilla-RNN.md at commit b77cdb3), from '## Forward pass' to the end of the dL/dh_t display. The post's network,
column vectors (its code's layout): h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h), y_t = W_hy h_t + b_y,
p_t = softmax(y_t), l_t = -sum_i z_{t,i} log p_{t,i} against a one-hot z_t (target index j), L = sum_t l_t, from an
initial state h_0 (the code's hprev). n_x = n_y = 4 (the post's 'hello' vocabulary h, e, l, o), n_h = 3, n_seq = 4.
Every check runs twice and must hold in both: with the post's example (inputs the one-hot 'h', 'e', 'l', 'l',
targets 'e', 'l', 'l', 'o') and with random real inputs and random targets; h_0 is random in both.

References from torch autograd in float64: dL/dW and dl_t/dW through every path, the total gradient of L at every
h_t and y_t (each a node of the graph, retain_grad), dl_t/dy_t, dl_t/dp_t, and the Jacobians the chains multiply
(torch.autograd.functional.jacobian, numerator layout: output axes first). Readings: a derivative written without
its second partial sign (dl_t/W_hy, dp/y, dl_t/y_t) is the partial it names; W_hy^{[i,:]} is row i of W_hy and
j = arg_i{z_{t,i} = 1} the target index; e_j the j-th unit vector; dy_t is dl_t/dy_t = dL/dy_t (the post's d-notation,
dW_hh = dL/dW_hh, and its code's dy); dL/dh_t is the total gradient of L at h_t and dh_t/dW_hh, dh_t^{raw}/dW_hh the
immediate derivatives with h_{t-1} held (the sum over t adds the paths); a column gradient beside (1 - h^2) is the
elementwise product, then the outer product with h_{t-1}^T or x_t^T; rows and columns of one vector are identified
where the post mixes them (dL/dh_t (..) as a row in the Jacobian chains, W_hy^T dy_t as a column). The recursion of
lines 59-62 is checked for t < n_seq and at t = n_seq with the h_{t+1} term read as 0 (L does not reach an h_{n_seq+1};
the code starts with dhnext = 0).
"""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402,F401

torch.set_default_dtype(torch.float64)
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy().copy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
rng = np.random.default_rng(2020)
NX, NH, T = 4, 3, 4                                   # n_x = n_y (vocabulary), n_h, n_seq
NY = NX
TS = range(1, T + 1)
P = {"Wxh": rng.normal(0, 0.8, (NH, NX)), "Whh": rng.normal(0, 0.8, (NH, NH)), "bh": rng.normal(0, 0.3, NH),
     "Why": rng.normal(0, 0.9, (NY, NH)), "by": rng.normal(0, 0.3, NY)}
PT = {k: Tt(v) for k, v in P.items()}
H0 = rng.normal(0, 0.5, NH)
VOC = "helo"                            # h, e, l, o
CASES = {
    "hello": ({t: np.eye(NX)[VOC.index(c)] for t, c in zip(TS, "hell")}, {t: VOC.index(c) for t, c in zip(TS, "ello")}),
    "random": ({t: rng.normal(0, 1.0, NX) for t in TS}, {t: int(rng.integers(NY)) for t in TS}),
}


def run(X, J, Wxh, Whh, bh, Why, by, keep=False):
    """The post's forward (lines 6-10); with keep, every h_t, y_t, p_t keeps its gradient."""
    h, raw, y, p, l = {0: Tt(H0).requires_grad_(keep)}, {}, {}, {}, {}
    for t in TS:
        raw[t] = Whh @ h[t - 1] + Wxh @ Tt(X[t]) + bh
        h[t] = torch.tanh(raw[t])
        y[t] = Why @ h[t] + by
        p[t] = torch.exp(y[t]) / torch.exp(y[t]).sum()
        l[t] = -(Tt(np.eye(NY)[J[t]]) * torch.log(p[t])).sum()
        if keep:
            for v in (h[t], y[t], p[t]):
                v.retain_grad()
    return h, raw, y, p, l, sum(l.values())


def reference(X, J):
    R = {"X": X, "J": J}
    leaf = {k: Tt(v).requires_grad_(True) for k, v in P.items()}
    h, raw, y, p, l, L = run(X, J, **leaf, keep=True)
    L.backward()
    R["dL"] = {k: nv(v.grad) for k, v in leaf.items()}
    R["gh"] = {t: nv(h[t].grad) for t in TS}                # total dL/dh_t
    R["gy"] = {t: nv(y[t].grad) for t in TS}                # dL/dy_t
    R["h"] = {t: nv(v) for t, v in h.items()}
    R["raw"] = {t: nv(v) for t, v in raw.items()}
    R["y"] = {t: nv(v) for t, v in y.items()}
    R["p"] = {t: nv(v) for t, v in p.items()}
    R["l"] = {t: float(v.detach()) for t, v in l.items()}
    R["L"] = float(L.detach())
    # step t's own loss: dl_t/dW through every path, dl_t/dy_t, dl_t/dp_t
    R["dl"] = {}
    for t in TS:
        lf = {k: Tt(v).requires_grad_(True) for k, v in P.items()}
        out = run(X, J, **lf, keep=True)
        out[4][t].backward()
        R["dl"][t] = {k: nv(v.grad) for k, v in lf.items()}
        R["dl"][t]["y"] = nv(out[2][t].grad)
        R["dl"][t]["p"] = nv(out[3][t].grad)
    # Jacobians at step t (numerator layout), h_{t-1} held where a weight is the variable
    h_, PTn = R["h"], PT
    R["J_p_y"] = {t: nv(jacobian(lambda v: torch.exp(v) / torch.exp(v).sum(), Tt(R["y"][t]))) for t in TS}
    R["J_y_Why"] = {t: nv(jacobian(lambda W: W @ Tt(h_[t]) + PTn["by"], PTn["Why"])) for t in TS}    # (NY, NY, NH)
    R["J_y_h"] = {t: nv(jacobian(lambda v: PTn["Why"] @ v + PTn["by"], Tt(h_[t]))) for t in TS}
    R["J_h_raw"] = {t: nv(jacobian(torch.tanh, Tt(R["raw"][t]))) for t in TS}
    R["J_raw_Whh"] = {t: nv(jacobian(lambda W: W @ Tt(h_[t - 1]) + PTn["Wxh"] @ Tt(X[t]) + PTn["bh"], PTn["Whh"]))
                      for t in TS}
    R["J_h_Whh"] = {t: nv(jacobian(lambda W: torch.tanh(W @ Tt(h_[t - 1]) + PTn["Wxh"] @ Tt(X[t]) + PTn["bh"]),
                                   PTn["Whh"])) for t in TS}
    R["J_raw_hprev"] = {t: nv(jacobian(lambda v: PTn["Whh"] @ v + PTn["Wxh"] @ Tt(X[t]) + PTn["bh"], Tt(h_[t - 1])))
                        for t in TS}
    R["J_h_hprev"] = {t: nv(jacobian(lambda v: torch.tanh(PTn["Whh"] @ v + PTn["Wxh"] @ Tt(X[t]) + PTn["bh"]),
                                     Tt(h_[t - 1]))) for t in TS}
    return R


RS = {name: reference(*case) for name, case in CASES.items()}
holds = lambda f: all(f(R) for R in RS.values())
e = lambda R, t: np.eye(NY)[R["J"][t]]
row = lambda g, Jm: np.einsum("i,i...->...", g, Jm)      # a row gradient times a Jacobian, over the first axis

# the network the truth builds is torch's tanh RNN cell (bias_ih = b_h, bias_hh = 0) with a softmax read-out
rc = torch.nn.RNNCell(NX, NH, nonlinearity="tanh")
with torch.no_grad():
    rc.weight_ih.copy_(PT["Wxh"]), rc.weight_hh.copy_(PT["Whh"]), rc.bias_ih.copy_(PT["bh"]), rc.bias_hh.zero_()
cell_ok = holds(lambda R: all(close(nv(rc(Tt(R["X"][t])[None], Tt(R["h"][t - 1])[None])[0]), R["h"][t]) for t in TS))
ce_ok = holds(lambda R: all(np.isclose(R["l"][t], float(torch.nn.functional.cross_entropy(
    Tt(R["y"][t])[None], torch.tensor([R["J"][t]])))) for t in TS))

# ---------------------------------------------------------------- the forward (lines 6-10)
decide(6, cell_ok and holds(lambda R: all(close(R["h"][t], np.tanh(P["Whh"] @ R["h"][t - 1] + P["Wxh"] @ R["X"][t]
                                                                      + P["bh"])) for t in TS)),
       "h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h), torch's tanh RNNCell (bias_hh = 0)")
decide(7, holds(lambda R: all(close(R["y"][t], P["Why"] @ R["h"][t] + P["by"]) for t in TS)), "y_t = W_hy h_t + b_y")
decide(8, holds(lambda R: all(close(R["p"][t], np.exp(R["y"][t]) / np.exp(R["y"][t]).sum()) for t in TS)),
       "p_t = softmax(y_t), componentwise")
decide(9, ce_ok and holds(lambda R: all(np.isclose(R["l"][t], -np.sum(e(R, t) * np.log(R["p"][t]))) for t in TS)),
       "l_t = -sum_i z_{t,i} log p_{t,i}, z_t one-hot: torch's cross-entropy of y_t")
decide(10, holds(lambda R: np.isclose(R["L"], sum(R["l"].values()))), "L = sum_t l_t")

# ---------------------------------------------------------------- dW_hy and db_y (lines 40-48)
decide(40, holds(lambda R: close(sum(R["dl"][t]["Why"] for t in TS), R["dL"]["Why"])),
       "dL/dW_hy = sum_t dl_t/dW_hy ('dl_t/W_hy' read as the partial)")


def line42(R, t):
    """dl_t/dp_j . dp_j/dy_i . dy_i/dW_hy[i,:], j the target, for every row i."""
    j = R["J"][t]
    return all(close(R["dl"][t]["p"][j] * R["J_p_y"][t][j, i] * R["J_y_Why"][t][i, i], R["dl"][t]["Why"][i])
               for i in range(NY))


def line44(R, t):
    """-1/p_j ((p_j - p_j^2) h_t^T if i = j, -(p_i p_j) h_t^T if i != j), row i of dl_t/dW_hy."""
    j, p, h = R["J"][t], R["p"][t], R["h"][t]
    return all(close(-1 / p[j] * ((p[j] - p[j] ** 2) * h if i == j else -(p[i] * p[j]) * h), R["dl"][t]["Why"][i])
               for i in range(NY))


print("   (dl_t/dp_t has its only non-zero entry at the target j: "
      f"{holds(lambda R: all(np.count_nonzero(R['dl'][t]['p']) == 1 for t in TS))}; "
      f"dy_i/dW_hy[i,:] = h_t^T: {holds(lambda R: all(close(R['J_y_Why'][t][i, i], R['h'][t]) for t in TS for i in range(NY)))})")
decide(42, holds(lambda R: all(line42(R, t) for t in TS)),
       "l_t reads p_t only at the target j, and row i of W_hy only y_{t,i}: the three factors give row i of dl_t/dW_hy")
decide(44, holds(lambda R: all(line44(R, t) for t in TS)),
       "dl_t/dp_j = -1/p_j, dp_j/dy_j = p_j - p_j^2, dp_j/dy_i = -p_i p_j (i != j): both cases are row i of dl_t/dW_hy")
decide(47, holds(lambda R: all(close(np.outer(R["dl"][t]["y"], R["h"][t]), R["dl"][t]["Why"])
                               and close(np.outer(R["p"][t] - e(R, t), R["h"][t]), R["dl"][t]["Why"]) for t in TS)),
       "dl_t/dy_t h_t^T = (p_t - e_j) h_t^T = dl_t/dW_hy, both equalities")
decide(48, holds(lambda R: all(close(R["dl"][t]["y"], R["dl"][t]["by"]) and close(R["p"][t] - e(R, t), R["dl"][t]["by"])
                               for t in TS)), "dl_t/db_y = dl_t/dy_t = p_t - e_j, both equalities")

# ---------------------------------------------------------------- dW_hh, dW_xh, db_h (lines 50-56)
decide(50, holds(lambda R: close(sum(row(R["gh"][t], R["J_h_Whh"][t]) for t in TS), R["dL"]["Whh"])),
       "sum_t dL/dh_t . dh_t/dW_hh (dL/dh_t the total gradient at h_t, dh_t/dW_hh immediate, h_{t-1} held) is "
       "dL/dW_hh; the 'set h_t^raw' clause defines the pre-activation the truth builds")
decide(51, holds(lambda R: close(sum(row(R["gh"][t] @ R["J_h_raw"][t], R["J_raw_Whh"][t]) for t in TS),
                                 R["dL"]["Whh"])),
       "the chain through h_t^raw, Jacobians in the printed order")
th = rng.normal(0, 1.0, 6)
tanh_ok = close(nv(torch.diagonal(jacobian(torch.tanh, Tt(th)))), 1 - np.tanh(th) ** 2)
decide(52, tanh_ok and holds(lambda R: close(sum(np.outer(R["gh"][t] * (1 - R["h"][t] ** 2), R["h"][t - 1]) for t in TS),
                                             R["dL"]["Whh"])),
       "sum_t (dL/dh_t * (1 - h_t^2)) h_{t-1}^T, the product with (1 - h_t^2) elementwise; tanh' = 1 - tanh^2")
decide(55, holds(lambda R: close(sum(np.outer(R["gh"][t] * (1 - R["h"][t] ** 2), R["X"][t]) for t in TS),
                                 R["dL"]["Wxh"])), "sum_t (dL/dh_t * (1 - h_t^2)) x_t^T is dL/dW_xh")
decide(56, holds(lambda R: close(sum(R["gh"][t] * (1 - R["h"][t] ** 2) for t in TS), R["dL"]["bh"])),
       "sum_t dL/dh_t * (1 - h_t^2) is dL/db_h")

# ---------------------------------------------------------------- dL/dh_t (lines 59-62)
nxt = lambda R, t, f: f(R, t + 1) if t < T else np.zeros(NH)   # the h_{t+1} term, 0 at t = n_seq
print(f"   (dL/dy_t = dl_t/dy_t = p_t - e_j: "
      f"{holds(lambda R: all(close(R['gy'][t], R['dl'][t]['y']) and close(R['gy'][t], R['p'][t] - e(R, t)) for t in TS))})")
decide(59, holds(lambda R: all(close(R["gy"][t] @ R["J_y_h"][t] + nxt(R, t, lambda R, u: R["gh"][u] @ R["J_h_hprev"][u]),
                                     R["gh"][t]) for t in TS)),
       "dL/dy_t dy_t/dh_t + dL/dh_{t+1} dh_{t+1}/dh_t, the one-step Jacobian (t < n_seq; at n_seq the second term 0)")
decide(60, holds(lambda R: all(close(R["dl"][t]["y"] @ R["J_y_h"][t]
                                     + nxt(R, t, lambda R, u: R["gh"][u] @ R["J_h_raw"][u] @ R["J_raw_hprev"][u]),
                                     R["gh"][t]) for t in TS)),
       "dl_t/dy_t in place of dL/dy_t (y_t reaches L only through l_t), the second path through h_{t+1}^raw")
decide(61, holds(lambda R: all(close(P["Why"].T @ R["dl"][t]["y"]
                                     + nxt(R, t, lambda R, u: (R["gh"][u] * (1 - R["h"][u] ** 2)) @ R["J_raw_hprev"][u]),
                                     R["gh"][t]) for t in TS)),
       "W_hy^T dy_t (dy_t = dl_t/dy_t) plus (dL/dh_{t+1} * (1 - h_{t+1}^2)) dh_{t+1}^raw/dh_t")
decide(62, holds(lambda R: all(close(P["Why"].T @ R["dl"][t]["y"]
                                     + nxt(R, t, lambda R, u: P["Whh"].T @ ((1 - R["h"][u] ** 2) * R["gh"][u])),
                                     R["gh"][t]) for t in TS)),
       "W_hy^T dy_t + W_hh^T ((1 - h_{t+1}^2) * dL/dh_{t+1}), the product with (1 - h^2) elementwise")
finish()
