"""Independent truth for tests/posts/sequence_blind_rnn9/hschen_rnn_bptt_zh (NumPy and torch, no derive).

The notebook's RNN (column vectors, no biases, denominator layout): s_t = W_rec h_{t-1} + W_in x_t, h_t = tanh(s_t),
z_t = W_out h_t, yhat_t = softmax(z_t), E_t = - y_t^T log(yhat_t) with one-hot x_t and y_t, E = sum_t E_t, steps
t = 0..T (its sums run from 0) and h_{-1} = 0 (line 42). T = 3 (four steps), K = 5 words, H = 3 hidden units (K != H,
so no product of a K- and an H-vector is accidentally defined). The forward pass is also checked against torch's
RNNCell (tanh, no bias). References from torch autograd in float64: the gradients of E and of every E_t at every s_k,
h_k, z_t and weight; the one-step Jacobians (torch.autograd.functional.jacobian), read in the notebook's denominator
layout (the transpose of the numerator Jacobian: ds_{k+1}/dh_k = W_rec^T, dh_k/ds_k = diag(1 - h_k (.) h_k)); the
immediate ds_k/dW_rec with h_{k-1} held fixed. delta_k^(t) = dE_t/ds_k (line 28)."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(911)
K, H, T = 5, 3, 3
steps = range(T + 1)
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
nv = lambda x: x.detach().numpy()
Win = rng.normal(0, 0.8, (H, K))
Wrec = rng.normal(0, 0.8, (H, H))
Wout = rng.normal(0, 0.8, (K, H))
words = rng.integers(0, K, T + 1)
labels = rng.integers(0, K, T + 1)
X = [np.eye(K)[[w]].T for w in words]
Y = [np.eye(K)[[c]].T for c in labels]
h_m1 = np.zeros((H, 1))

Wt = {n: Tt(a).requires_grad_() for n, a in (("in", Win), ("rec", Wrec), ("out", Wout))}


def forward():
    nodes, Es, copies = [], [], []
    hp = Tt(h_m1)
    for t in steps:
        C = {n: w.clone() for n, w in Wt.items()}  # step t's own copy of each weight
        copies.append(C)
        s = C["rec"] @ hp + C["in"] @ Tt(X[t])
        h = torch.tanh(s)
        z = C["out"] @ h
        yh = torch.softmax(z, 0)
        for v in (s, h, z):
            v.retain_grad()
        nodes.append(dict(s=s, h=h, z=z, yh=yh, hp=hp))
        Es.append(-(Tt(Y[t]) * torch.log(yh)).sum())
        hp = h
    return nodes, Es, copies


nodes, Es, copies = forward()
E = sum(Es)
gr = lambda out, wrt: torch.autograd.grad(out, wrt, retain_graph=True, allow_unused=True)[0]
zero_if_none = lambda g, like: np.zeros(tuple(like.shape)) if g is None else nv(g)
val = [{k: nv(v) for k, v in d.items()} for d in nodes]
# delta[t][k] = dE_t/ds_k (zero for k > t)
delta = [[zero_if_none(gr(Es[t], nodes[k]["s"]), nodes[k]["s"]) for k in steps] for t in steps]
gEt = [{n: nv(gr(Es[t], Wt[n])) for n in Wt} for t in steps]          # dE_t/dW (total, through every step)
gE = {n: nv(gr(E, Wt[n])) for n in Wt}
r = [val[t]["yh"] - Y[t] for t in steps]

# line 2: the forward relations, re-evaluated and against torch.nn.RNNCell
cell = torch.nn.RNNCell(K, H, bias=False, nonlinearity="tanh")
with torch.no_grad():
    cell.weight_ih.copy_(Tt(Win))
    cell.weight_hh.copy_(Tt(Wrec))
hp, ok2 = h_m1, True
for t in steps:
    s = Wrec @ hp + Win @ X[t]
    h = np.tanh(s)
    z = Wout @ h
    yh = np.exp(z) / np.exp(z).sum()
    ok2 &= close(s, val[t]["s"]) and close(h, val[t]["h"]) and close(yh, val[t]["yh"])
    ok2 &= np.isclose(-(Y[t] * np.log(yh)).sum(), Es[t].item())
    ok2 &= close(nv(cell(Tt(X[t].T), Tt(hp.T))).T, h)
    hp = h
ok2 &= np.isclose(E.item(), sum(e.item() for e in Es))
decide(2, ok2, "s_t = W_rec h_(t-1) + W_in x_t, h_t = tanh(s_t), z_t = W_out h_t, yhat_t = softmax(z_t), "
       "E_t = -y_t^T log yhat_t, E = sum_t E_t (= torch RNNCell)")
# line 7: E_t = -y_t^T log(yhat_t) = -log(yhat_{t,j}) for the one-hot y_t with y_{t,j} = 1
decide(7, all(np.isclose(-(Y[t] * np.log(val[t]["yh"])).sum(), -np.log(val[t]["yh"][labels[t], 0]))
              and np.isclose(-np.log(val[t]["yh"][labels[t], 0]), Es[t].item()) for t in steps),
       "-y_t^T log yhat_t = -log yhat_(t,j) = E_t")
# line 10: dE/dW_in = sum_t dE_t/dW_in
decide(10, close(sum(gEt[t]["in"] for t in steps), gE["in"]), "dE/dW_in = sum_t dE_t/dW_in (E a sum of the E_t)")
# line 16: dE_t/dW_out(i,j) = tr((dE_t/dz_t)^T dz_t/dW_out(i,j)) = tr((yhat_t - y_t)^T [0..dz_t^(i)/dW_out(i,j)..0])
#          = r_t^(i) h_t^(j); W_out enters E_t only through z_t
ok16 = True
for t in steps:
    dz = zero_if_none(gr(Es[t], nodes[t]["z"]), nodes[t]["z"])
    for i in range(K):
        for j in range(H):
            dzdW = np.zeros((K, 1))
            dzdW[i, 0] = val[t]["h"][j, 0]  # dz_t/dW_out(i,j): only component i, equal to h_t^(j)
            m1 = np.trace(dz.T @ dzdW)
            m2 = np.trace(r[t].T @ dzdW)
            m3 = r[t][i, 0] * val[t]["h"][j, 0]
            ok16 &= np.isclose(m1, gEt[t]["out"][i, j]) and np.isclose(m2, m1) and np.isclose(m3, m1)
decide(16, ok16, "each member equals dE_t/dW_out(i,j)")
decide(19, all(close(np.outer(r[t], val[t]["h"]), gEt[t]["out"]) for t in steps), "dE_t/dW_out = r_t (x) h_t")
decide(20, close(sum(np.outer(r[t], val[t]["h"]) for t in steps), gE["out"]), "dE/dW_out = sum_t r_t (x) h_t")


# the immediate ds_k/dW_rec (h_{k-1} held fixed), an H x H x H array [a, i, j]
def ds_dWrec(k):
    hk1 = Tt(val[k]["hp"])
    return nv(torch.autograd.functional.jacobian(lambda W: W @ hk1 + Tt(Win) @ Tt(X[k]), Tt(Wrec)))[:, 0]


def ds_dWrec_total(k):  # the total ds_k/dW_rec through every earlier step
    def s_of(W):
        hp = Tt(h_m1)
        for q in range(k + 1):
            s = W @ hp + Tt(Win) @ Tt(X[q])
            hp = torch.tanh(s)
        return s
    return nv(torch.autograd.functional.jacobian(s_of, Tt(Wrec)))[:, 0]


# line 25: dE_t/dW_rec = sum_k ds_k/dW_rec dE_t/ds_k, ds_k/dW_rec read as the immediate one (the contraction over s_k's
# index in the denominator layout); with the total ds_k/dW_rec every path would be counted more than once
ok25 = all(close(sum(np.einsum("aij,a->ij", ds_dWrec(k), delta[t][k][:, 0]) for k in range(t + 1)), gEt[t]["rec"])
           for t in steps)
tot25 = all(close(sum(np.einsum("aij,a->ij", ds_dWrec_total(k), delta[t][k][:, 0]) for k in range(t + 1)),
                  gEt[t]["rec"]) for t in steps)
print(f"   (line 25: with the total ds_k/dW_rec instead of the immediate one the sum would hold: {tot25})")
decide(25, ok25, "sum_k (immediate ds_k/dW_rec) . delta_k^(t) = dE_t/dW_rec")
# line 27: dE_t/dW_rec(i,j) = sum_k tr[(dE_t/ds_k)^T ds_k/dW_rec(i,j)] = sum_k tr[(delta_k^(t))^T ds_k/dW_rec(i,j)]
ok27 = True
for t in steps:
    J = [ds_dWrec(k) for k in range(t + 1)]
    for i in range(H):
        for j in range(H):
            m = sum(np.trace(delta[t][k].T @ J[k][:, i, j][:, None]) for k in range(t + 1))
            ok27 &= np.isclose(m, gEt[t]["rec"][i, j])
decide(27, ok27, "both members equal dE_t/dW_rec(i,j) (delta_k^(t) = dE_t/ds_k, immediate ds_k/dW_rec(i,j))")
# line 31: delta_k^(t) = dh_k/ds_k ds_{k+1}/dh_k dE_t/ds_{k+1} = diag(1 - h_k (.) h_k) W_rec^T delta_{k+1}^(t)
#          = (W_rec^T delta_{k+1}^(t)) (.) (1 - h_k (.) h_k), k < t; denominator layout Jacobians
ok31 = True
for t in steps:
    for k in range(t):
        Jhs = nv(torch.autograd.functional.jacobian(torch.tanh, Tt(val[k]["s"])))[:, 0, :, 0].T
        Jsh = nv(torch.autograd.functional.jacobian(lambda h: Tt(Wrec) @ h + Tt(Win) @ Tt(X[k + 1]),
                                                    Tt(val[k]["h"])))[:, 0, :, 0].T
        m1 = Jhs @ Jsh @ delta[t][k + 1]
        m2 = np.diag(1 - val[k]["h"][:, 0] ** 2) @ Wrec.T @ delta[t][k + 1]
        m3 = (Wrec.T @ delta[t][k + 1]) * (1 - val[k]["h"] * val[k]["h"])
        ok31 &= close(m1, delta[t][k]) and close(m2, delta[t][k]) and close(m3, delta[t][k])
decide(31, ok31, "every member equals delta_k^(t) = dE_t/ds_k (k < t)")
# line 34: delta_t^(t) = dE_t/ds_t = dh_t/ds_t dz_t/dh_t dE_t/dz_t = diag(1 - h_t (.) h_t) W_out^T (yhat_t - y_t)
#          = (W_out^T (yhat_t - y_t)) (.) (1 - h_t (.) h_t)
ok34 = True
for t in steps:
    Jhs = nv(torch.autograd.functional.jacobian(torch.tanh, Tt(val[t]["s"])))[:, 0, :, 0].T
    m1 = Jhs @ Wout.T @ zero_if_none(gr(Es[t], nodes[t]["z"]), nodes[t]["z"])
    m2 = np.diag(1 - val[t]["h"][:, 0] ** 2) @ Wout.T @ r[t]
    m3 = (Wout.T @ r[t]) * (1 - val[t]["h"] * val[t]["h"])
    ok34 &= close(m1, delta[t][t]) and close(m2, delta[t][t]) and close(m3, delta[t][t])
decide(34, ok34, "every member equals dE_t/ds_t")
decide(36, all(close((Wout.T @ r[t]) * (1 - val[t]["h"] ** 2), delta[t][t]) for t in steps)
       and all(close((Wrec.T @ delta[t][k + 1]) * (1 - val[k]["h"] ** 2), delta[t][k]) for t in steps for k in range(t)),
       "the two rows of the recursion hold")
# line 39: dE_t/dW_rec(i,j) = sum_k delta_k^(t) h_{k-1}^(j): the right side is an H-vector (delta_k^(t) without its
# component i), the left side a number; with delta_k^(t)(i) it would hold
rhs39 = [[sum(delta[t][k] * val[k]["hp"][j, 0] for k in range(t + 1)) for j in range(H)] for t in steps]
fix39 = all(np.isclose(sum(delta[t][k][i, 0] * val[k]["hp"][j, 0] for k in range(t + 1)), gEt[t]["rec"][i, j])
            for t in steps for i in range(H) for j in range(H))
print(f"   (line 39: right side shape {rhs39[0][0].shape} for a scalar left side; with delta_k^(t)(i): {fix39})")
decide(39, all(close(rhs39[t][j], np.array(gEt[t]["rec"][i, j])) for t in steps for i in range(H) for j in range(H)),
       "sum_k delta_k^(t) h_(k-1)^(j) is an H-vector: the component i of delta_k^(t) is missing")
# line 41: dE_t/dW_rec = sum_k delta_k^(t) (x) h_{k-1}; dE/dW_rec = sum_t sum_k delta_k^(t) (x) h_{k-1}
ok41a = all(close(sum(np.outer(delta[t][k], val[k]["hp"]) for k in range(t + 1)), gEt[t]["rec"]) for t in steps)
ok41b = close(sum(np.outer(delta[t][k], val[k]["hp"]) for t in steps for k in range(t + 1)), gE["rec"])
decide(41, ok41a and ok41b, "both matrix forms hold (h_(-1) = 0)")
# lines 46, 52: delta_k without superscript. The notebook defines it once, in line 53: delta_t = dE_t/ds_t, i.e.
# delta_k = delta_k^(k). Read so, line 46 sums the wrong deltas; read as delta_k^(t) (the superscript dropped) it holds.
dk = [delta[k][k] for k in steps]  # the post's delta_k = dE_k/ds_k
ok46 = all(close(sum(np.outer(dk[k], X[k]) for k in range(t + 1)), gEt[t]["in"]) for t in steps)
alt46 = all(close(sum(np.outer(delta[t][k], X[k]) for k in range(t + 1)), gEt[t]["in"]) for t in steps)
print(f"   (line 46: read with delta_k^(t) in place of delta_k it holds: {alt46})")
decide(46, ok46, "with the post's delta_k = dE_k/ds_k (line 53), sum_(k<=t) delta_k (x) x_k is not dE_t/dW_in: "
       "it needs delta_k^(t) = dE_t/ds_k")
# line 52: the three update rows, the step being -lambda times the claimed dE/dW
upd_in = sum(np.outer(dk[k], X[k]) for t in steps for k in range(t + 1))
upd_rec = sum(np.outer(dk[k], val[k]["hp"]) for t in steps for k in range(t + 1))
upd_out = sum(np.outer(r[t], val[t]["h"]) for t in steps)
print(f"   (line 52: W_in row {close(upd_in, gE['in'])}, W_rec row {close(upd_rec, gE['rec'])}, "
      f"W_out row {close(upd_out, gE['out'])}; the first two equal sum_k (T - k + 1) delta_k^(k) (x) ., "
      f"with delta_k^(t): {close(sum(np.outer(delta[t][k], X[k]) for t in steps for k in range(t + 1)), gE['in'])}, "
      f"{close(sum(np.outer(delta[t][k], val[k]['hp']) for t in steps for k in range(t + 1)), gE['rec'])})")
decide(52, close(upd_in, gE["in"]) and close(upd_rec, gE["rec"]) and close(upd_out, gE["out"]),
       "with delta_k = dE_k/ds_k (line 53) the W_in and W_rec steps are not -lambda dE/dW: the double sums need "
       "delta_k^(t)")
decide(53, all(close((Wout.T @ r[t]) * (1 - val[t]["h"] * val[t]["h"]), delta[t][t]) for t in steps),
       "delta_t = dE_t/ds_t = (W_out^T r_t) (.) (1 - h_t (.) h_t)")
finish()
