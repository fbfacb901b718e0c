"""Independent truth for tests/posts/sequence_blind_rnn19/sssaha_gru_bptt_unary_ops (NumPy and torch, no derive).

sssaha's blog post 'Feedforward and Backward Propagation in Gated Recurrent Unit (GRU)' (sssaha/sssaha.github.io,
_posts/2019-12-09-blog-post-1.md at commit a8bbaf5): the GRU cell in column vectors, without biases,
z_t = sigma(W_zh h_{t-1} + W_zx x_t), r_t = sigma(W_rh h_{t-1} + W_rx x_t), h~_t = f(W_h (r_t o h_{t-1}) + W_x x_t),
h_t = z_t o h_{t-1} + (1 - z_t) o h~_t, f = tanh (the post's words), rewritten as sixteen elementary nodes g_1 .. g_12,
z_t, r_t, h~_t, h_t (its equations (5)-(20)), then the backward pass node by node from a given Delta_{h_t}L.

The post leaves the loss open and only assumes Delta_{h_t}L known: the truth adds a read-out o_t = V h_t + c with the
softmax cross-entropy at every step, L = sum_t L_t, four steps of three inputs and three hidden units from a random
h_0, and takes Delta_{h_t}L as the total gradient of L at h_t (what reaches h_t from its own output and from every later
step). References from torch autograd in float64: the gradient of L at every node of every step (each g_k, z_t, r_t,
h~_t is used once, inside step t, so its gradient is the node's whole Delta); step t's share of a weight gradient (the
gradient of step t's own copy of the weight); the share that h_{t-1}, x_t and z_t receive through each of their uses
inside step t (h_{t-1} in g_1, g_4, g_7, g_11; x_t in g_2, g_5, g_9; z_t in g_11 and g_12), each use a differentiable
copy (clone) whose gradient is that use's share.

Lines are judged locally at every step, each right side evaluated with the true values of what it names, products in
the post's column layout ('*' the matrix product, 'o' the elementwise one, x^T a row), f' and sigma' at the
pre-activation the post writes (g_10, g_6, g_3). A weight line (Delta_{W_x}L = Delta_{g_9}L * x_t^T and the like) is
step t's share, the post deriving one cell at one time step. A quantity the post writes first with '=' and then with
'+=' (Delta_{z_t}L, Delta_{h_{t-1}}L, Delta_{x_t}L) is read after each line as the shares added so far, by the post's own
remark on '+='; after the last line Delta_{z_t}L and Delta_{x_t}L are the totals and Delta_{h_{t-1}}L is what h_{t-1}
receives through step t (its own output's share is added by the step before, which the post does not cover). A chain
'A = B = C' holds when both equalities hold. The forward lines are claimed ok when they define the network the truth
builds (the elementary nodes composing to the four forward equations); torch's GRUCell applies the reset gate after its
recurrent product, so the cell is checked against it with a diagonal W_h, for which the two cells agree.
"""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1912)
D, H, K, T = 3, 3, 4, 4                 # inputs, hidden units, classes (read-out), steps
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy().copy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
sg = lambda v: 1 / (1 + np.exp(-v))

P = {"W_zh": rng.normal(0, 0.8, (H, H)), "W_zx": rng.normal(0, 0.8, (H, D)),
     "W_rh": rng.normal(0, 0.8, (H, H)), "W_rx": rng.normal(0, 0.8, (H, D)),
     "W_h": rng.normal(0, 0.8, (H, H)), "W_x": rng.normal(0, 0.8, (H, D))}
V, c = rng.normal(0, 0.8, (K, H)), rng.normal(0, 0.4, (K, 1))
H0 = rng.normal(0, 0.6, (H, 1))
X = {t: rng.normal(0, 1.2, (D, 1)) for t in range(1, T + 1)}
target = {t: int(rng.integers(0, K)) for t in range(1, T + 1)}
leaf = {k: Tt(v).requires_grad_() for k, v in P.items()}
xleaf = {t: Tt(X[t]).requires_grad_() for t in X}

N = {}      # N[t][name]: the nodes of step t
h_prev = Tt(H0).requires_grad_()        # a leaf, so that step 1's uses of h_0 have gradients too
Ltot = 0
for t in range(1, T + 1):
    W = {k: v.clone() for k, v in leaf.items()}           # step t's own copy of every weight
    hp = {u: h_prev.clone() for u in ("g1", "g4", "g7", "g11")}   # h_{t-1}'s four uses
    xu = {u: xleaf[t].clone() for u in ("g2", "g5", "g9")}        # x_t's three uses
    n = {"W": W, "hp": hp, "xu": xu}
    n["g1"] = W["W_zh"] @ hp["g1"]
    n["g2"] = W["W_zx"] @ xu["g2"]
    n["g3"] = n["g1"] + n["g2"]
    n["z"] = torch.sigmoid(n["g3"])
    n["g4"] = W["W_rh"] @ hp["g4"]
    n["g5"] = W["W_rx"] @ xu["g5"]
    n["g6"] = n["g4"] + n["g5"]
    n["r"] = torch.sigmoid(n["g6"])
    n["g7"] = n["r"] * hp["g7"]
    n["g8"] = W["W_h"] @ n["g7"]
    n["g9"] = W["W_x"] @ xu["g9"]
    n["g10"] = n["g8"] + n["g9"]
    n["ht"] = torch.tanh(n["g10"])
    zu = {u: n["z"].clone() for u in ("g11", "g12")}                # z_t's two uses
    n["zu"] = zu
    n["g11"] = zu["g11"] * hp["g11"]
    n["g12"] = (1 - zu["g12"]) * n["ht"]
    n["h"] = n["g11"] + n["g12"]
    o = Tt(V) @ n["h"] + Tt(c)
    n["L"] = -torch.log_softmax(o, 0)[target[t], 0]
    for k in ("g1", "g2", "g3", "z", "g4", "g5", "g6", "r", "g7", "g8", "g9", "g10", "ht", "g11", "g12", "h"):
        n[k].retain_grad()
    for d in (W, hp, xu, zu):
        for v in d.values():
            v.retain_grad()
    N[t] = n
    Ltot = Ltot + n["L"]
    h_prev = n["h"]
Ltot.backward()

ts = range(1, T + 1)
val = {t: {k: nv(N[t][k]) for k in ("g1", "g2", "g3", "z", "g4", "g5", "g6", "r", "g7", "g8", "g9", "g10", "ht",
                                     "g11", "g12", "h")} for t in ts}
hprev = {t: (H0 if t == 1 else val[t - 1]["h"]) for t in ts}
G = {t: {k: nv(N[t][k].grad) for k in val[t]} for t in ts}                 # Delta_{node}L, the total
share = {t: {k: nv(v.grad) for k, v in N[t]["W"].items()} for t in ts}     # step t's share of each weight gradient
hp_use = {t: {u: nv(v.grad) for u, v in N[t]["hp"].items()} for t in ts}  # h_{t-1}'s share through each use
x_use = {t: {u: nv(v.grad) for u, v in N[t]["xu"].items()} for t in ts}
z_use = {t: {u: nv(v.grad) for u, v in N[t]["zu"].items()} for t in ts}
print(f"   (checks: weight shares sum to the totals: "
      f"{all(close(sum(share[t][k] for t in ts), nv(leaf[k].grad)) for k in P)}; z_t's two uses sum to its total: "
      f"{all(close(z_use[t]['g11'] + z_use[t]['g12'], G[t]['z']) for t in ts)}; x_t's three uses sum to its total: "
      f"{all(close(sum(x_use[t].values()), nv(xleaf[t].grad)) for t in ts)}; h_(t-1)'s four uses plus its own "
      f"output's share are its total: "
      f"{all(close(sum(hp_use[t].values()) + (V.T @ (nv(torch.softmax(Tt(V) @ N[t - 1]['h'] + Tt(c), 0)) - np.eye(K)[:, [target[t - 1]]])), G[t - 1]['h']) for t in range(2, T + 1))})")

# the cell against torch.nn.GRUCell (reset after its recurrent product; equal to the post's cell for a diagonal W_h;
# torch's h = (1 - z) n + z h_prev, the post's own convention)
Dg = np.diag(rng.normal(0, 0.8, H))
cell = torch.nn.GRUCell(D, H)
with torch.no_grad():
    cell.weight_ih.copy_(Tt(np.vstack([P["W_rx"], P["W_zx"], P["W_x"]])))
    cell.weight_hh.copy_(Tt(np.vstack([P["W_rh"], P["W_zh"], Dg])))
    cell.bias_ih.zero_()
    cell.bias_hh.zero_()


def post_cell(x, h, Wh):
    z = sg(P["W_zh"] @ h + P["W_zx"] @ x)
    r = sg(P["W_rh"] @ h + P["W_rx"] @ x)
    return z * h + (1 - z) * np.tanh(Wh @ (r * h) + P["W_x"] @ x)


ok_cell = all(close(nv(cell(Tt(X[t].T), Tt(hprev[t].T))).T, post_cell(X[t], hprev[t], Dg)) for t in ts)
print(f"   (the post's cell with a diagonal W_h = torch GRUCell (gates r, z, n; no biases): {ok_cell})")
ok_states = all(close(post_cell(X[t], hprev[t], P["W_h"]), val[t]["h"]) for t in ts)


def every(fn):
    return all(fn(t) for t in ts)


# ---------------------------------------------------------------- the forward, lines 10-16
decide(10, ok_cell and every(lambda t: close(sg(P["W_zh"] @ hprev[t] + P["W_zx"] @ X[t]), val[t]["z"])),
       "z_t = sigma(W_zh h_(t-1) + W_zx x_t), the update gate of the network the truth builds")
decide(12, every(lambda t: close(sg(P["W_rh"] @ hprev[t] + P["W_rx"] @ X[t]), val[t]["r"])),
       "r_t = sigma(W_rh h_(t-1) + W_rx x_t), the reset gate")
decide(14, every(lambda t: close(np.tanh(P["W_h"] @ (val[t]["r"] * hprev[t]) + P["W_x"] @ X[t]), val[t]["ht"])),
       "h~_t = f(W_h (r_t o h_(t-1)) + W_x x_t), f = tanh, the reset gate before W_h")
decide(16, ok_states and every(lambda t: close(val[t]["z"] * hprev[t] + (1 - val[t]["z"]) * val[t]["ht"],
                                               val[t]["h"])),
       "h_t = z_t o h_(t-1) + (1 - z_t) o h~_t (z_t keeps the old state, as in torch's GRUCell)")

# ---------------------------------------------------------------- the elementary nodes, lines 24-54
v_ = lambda t, k: val[t][k]
nodes = [
    (24, "g_1 = W_zh h_(t-1)", lambda t: P["W_zh"] @ hprev[t], "g1"),
    (26, "g_2 = W_zx x_t", lambda t: P["W_zx"] @ X[t], "g2"),
    (28, "g_3 = g_1 + g_2", lambda t: v_(t, "g1") + v_(t, "g2"), "g3"),
    (30, "z_t = sigma(g_3)", lambda t: sg(v_(t, "g3")), "z"),
    (32, "g_4 = W_rh h_(t-1)", lambda t: P["W_rh"] @ hprev[t], "g4"),
    (34, "g_5 = W_rx x_t", lambda t: P["W_rx"] @ X[t], "g5"),
    (36, "g_6 = g_4 + g_5", lambda t: v_(t, "g4") + v_(t, "g5"), "g6"),
    (38, "r_t = sigma(g_6)", lambda t: sg(v_(t, "g6")), "r"),
    (40, "g_7 = r_t o h_(t-1)", lambda t: v_(t, "r") * hprev[t], "g7"),
    (42, "g_8 = W_h g_7", lambda t: P["W_h"] @ v_(t, "g7"), "g8"),
    (44, "g_9 = W_x x_t", lambda t: P["W_x"] @ X[t], "g9"),
    (46, "g_10 = g_8 + g_9", lambda t: v_(t, "g8") + v_(t, "g9"), "g10"),
    (48, "h~_t = f(g_10)", lambda t: np.tanh(v_(t, "g10")), "ht"),
    (50, "g_11 = z_t o h_(t-1)", lambda t: v_(t, "z") * hprev[t], "g11"),
    (52, "g_12 = (1 - z_t) o h~_t", lambda t: (1 - v_(t, "z")) * v_(t, "ht"), "g12"),
    (54, "h_t = g_11 + g_12", lambda t: v_(t, "g11") + v_(t, "g12"), "h"),
]
for line, what, fn, key in nodes:
    decide(line, every(lambda t: close(fn(t), val[t][key])),
           what + " (an elementary node of the forward; the nodes compose to lines 10-16)")

# ---------------------------------------------------------------- the backward, lines 60-140
g = lambda t, k: G[t][k]
dsig = lambda a: sg(a) * (1 - sg(a))
dtanh = lambda a: 1 - np.tanh(a) ** 2

decide(60, every(lambda t: close(g(t, "g11"), g(t, "h")) and close(g(t, "g12"), g(t, "h"))),
       "Delta_g11 = Delta_g12 = Delta_(h_t): both summands of h_t = g_11 + g_12 receive h_t's whole gradient")
decide(64, every(lambda t: close(-g(t, "g12") * v_(t, "ht"), z_use[t]["g12"])),
       "Delta_(z_t) = -Delta_g12 o h~_t: the share z_t receives through g_12 = (1 - z_t) o h~_t (the first of its "
       "two terms; line 70 adds the other)")
decide(66, every(lambda t: close(g(t, "g12") * (1 - v_(t, "z")), g(t, "ht"))),
       "Delta_(h~_t) = Delta_g12 o (1 - z_t), h~_t's whole gradient (it is used only in g_12)")
decide(70, every(lambda t: close(z_use[t]["g12"] + g(t, "g11") * hprev[t], g(t, "z"))),
       "Delta_(z_t) += Delta_g11 o h_(t-1): the share through g_11 = z_t o h_(t-1); the sum is z_t's total")
decide(72, every(lambda t: close(g(t, "g11") * v_(t, "z"), hp_use[t]["g11"])),
       "Delta_(h_(t-1)) = Delta_g11 o z_t: the share h_(t-1) receives through g_11 (the first of four)")
decide(78, every(lambda t: close(g(t, "ht") * dtanh(v_(t, "g10")), g(t, "g10"))),
       "Delta_g10 = Delta_(h~_t) o f'(g_10), f' = 1 - tanh^2 at the pre-activation g_10")
decide(82, every(lambda t: close(g(t, "g8"), g(t, "g10")) and close(g(t, "g9"), g(t, "g10"))),
       "Delta_g8 = Delta_g9 = Delta_g10 (g_10 = g_8 + g_9)")
decide(86, every(lambda t: close(g(t, "g9") @ X[t].T, share[t]["W_x"])),
       "Delta_(W_x) = Delta_g9 x_t^T, step t's share of dL/dW_x")
decide(88, every(lambda t: close(P["W_x"].T @ g(t, "g9"), x_use[t]["g9"])),
       "Delta_(x_t) = W_x^T Delta_g9: the share x_t receives through g_9 (the first of three)")
decide(92, every(lambda t: close(g(t, "g8") @ v_(t, "g7").T, share[t]["W_h"])),
       "Delta_(W_h) = Delta_g8 g_7^T, step t's share of dL/dW_h")
decide(94, every(lambda t: close(P["W_h"].T @ g(t, "g8"), g(t, "g7"))),
       "Delta_g7 = W_h^T Delta_g8")
decide(98, every(lambda t: close(g(t, "g7") * hprev[t], g(t, "r"))),
       "Delta_(r_t) = Delta_g7 o h_(t-1), r_t's whole gradient (used only in g_7)")
decide(100, every(lambda t: close(hp_use[t]["g11"] + g(t, "g7") * v_(t, "r"),
                                  hp_use[t]["g11"] + hp_use[t]["g7"])),
       "Delta_(h_(t-1)) += Delta_g7 o r_t adds the share through g_7 = r_t o h_(t-1)")
decide(104, every(lambda t: close(g(t, "r") * dsig(v_(t, "g6")), g(t, "g6"))),
       "Delta_g6 = Delta_(r_t) o sigma'(g_6), sigma' at the pre-activation")
decide(108, every(lambda t: close(g(t, "g4"), g(t, "g6")) and close(g(t, "g5"), g(t, "g6"))),
       "Delta_g4 = Delta_g5 = Delta_g6 (g_6 = g_4 + g_5)")
decide(112, every(lambda t: close(g(t, "g5") @ X[t].T, share[t]["W_rx"])),
       "Delta_(W_rx) = Delta_g5 x_t^T, step t's share of dL/dW_rx")
decide(114, every(lambda t: close(x_use[t]["g9"] + P["W_rx"].T @ g(t, "g5"), x_use[t]["g9"] + x_use[t]["g5"])),
       "Delta_(x_t) += W_rx^T Delta_g5 adds the share through g_5")
decide(118, every(lambda t: close(g(t, "g4") @ hprev[t].T, share[t]["W_rh"])),
       "Delta_(W_rh) = Delta_g4 h_(t-1)^T, step t's share of dL/dW_rh")
decide(120, every(lambda t: close(hp_use[t]["g11"] + hp_use[t]["g7"] + P["W_rh"].T @ g(t, "g4"),
                                  hp_use[t]["g11"] + hp_use[t]["g7"] + hp_use[t]["g4"])),
       "Delta_(h_(t-1)) += W_rh^T Delta_g4 adds the share through g_4")
decide(124, every(lambda t: close(g(t, "z") * dsig(v_(t, "g3")), g(t, "g3"))),
       "Delta_g3 = Delta_(z_t) o sigma'(g_3), Delta_(z_t) the total of lines 64 and 70")
decide(128, every(lambda t: close(g(t, "g1"), g(t, "g3")) and close(g(t, "g2"), g(t, "g3"))),
       "Delta_g1 = Delta_g2 = Delta_g3 (g_3 = g_1 + g_2)")
decide(132, every(lambda t: close(g(t, "g2") @ X[t].T, share[t]["W_zx"])),
       "Delta_(W_zx) = Delta_g2 x_t^T, step t's share of dL/dW_zx")
decide(134, every(lambda t: close(x_use[t]["g9"] + x_use[t]["g5"] + P["W_zx"].T @ g(t, "g2"),
                                  nv(xleaf[t].grad))),
       "Delta_(x_t) += W_zx^T Delta_g2 adds the share through g_2; the sum is x_t's total gradient")
decide(138, every(lambda t: close(g(t, "g1") @ hprev[t].T, share[t]["W_zh"])),
       "Delta_(W_zh) = Delta_g1 h_(t-1)^T, step t's share of dL/dW_zh")
decide(140, every(lambda t: close(hp_use[t]["g11"] + hp_use[t]["g7"] + hp_use[t]["g4"] + P["W_zh"].T @ g(t, "g1"),
                                  sum(hp_use[t].values()))),
       "Delta_(h_(t-1)) += W_zh^T Delta_g1 adds the share through g_1; the sum is all h_(t-1) receives through step t")
finish()
