"""Independent truth for tests/posts/sequence_blind_rnn7/guchio3_rnn_softmax_backprop_ja (NumPy and torch, no derive).

The post's RNN without biases, column vectors: hbar_t = W_i x_t + W_h h_{t-1}, h_t = f_1(hbar_t), ybar_t = W_o h_t,
y_t = f_2(ybar_t) = softmax(ybar_t), E = - sum_t' l_t'^T log(y_t') with one-hot labels l_t. f_1 is left open: tanh here.
T = 3 steps of D = 2 inputs, H = 3 hidden units, N = 4 classes (so that W_o, W_i and their transposes have different
shapes), a random h_0 (a constant). References from torch autograd in float64: the gradient of E at every node
(ybar_t, hbar_t, y_t); the gradient of E with respect to step t's own copy of each weight (the step's share of the
shared weight's gradient, h_{t-1} held fixed); dy_t'/dy_t as the gradient flowing from y_t' into the node y_t; the
softmax Jacobian (torch.autograd.functional.jacobian). The post's convention is the Matrix Cookbook's it cites
(denominator layout: a gradient is a column shaped like its variable, and a chain is written Jacobian . gradient,
as in its dE/dybar = dy/dybar . dE/dy); its '.' between two columns is read as the outer product, the only product
that gives a matrix, and y_t . y_t the same way."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1126)
D, H, N, T = 2, 3, 4, 3
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
nv = lambda x: x.detach().numpy()
shapes = dict(Wi=(H, D), Wh=(H, H), Wo=(N, H))
Pn = {k: rng.normal(0, 0.8, s) for k, s in shapes.items()}
X = [rng.normal(0, 1.0, (D, 1)) for _ in range(T)]
labels = rng.integers(0, N, T)
Lab = [np.eye(N)[[labels[t]]].T for t in range(T)]  # one-hot columns l_t
h0 = rng.normal(0, 0.5, (H, 1))

P = {k: Tt(v).requires_grad_() for k, v in Pn.items()}
copies, nodes = [], []
hp = Tt(h0)
E = 0
for t in range(T):
    C = {k: v.clone() for k, v in P.items()}
    copies.append(C)
    hbar = C["Wi"] @ Tt(X[t]) + C["Wh"] @ hp
    h = torch.tanh(hbar)
    ybar = C["Wo"] @ h
    y = torch.softmax(ybar, 0)
    for v in (hbar, h, ybar, y):
        v.retain_grad()
    nodes.append(dict(hin=hp, hbar=hbar, h=h, ybar=ybar, y=y))
    E = E - (Tt(Lab[t]) * torch.log(y)).sum()
    hp = h
gr = lambda out, wrt: torch.autograd.grad(out, wrt, retain_graph=True, allow_unused=True)[0]
val = [{k: nv(v) for k, v in d.items()} for d in nodes]
dE = {k: [nv(gr(E, nodes[t][k])) for t in range(T)] for k in ("hbar", "ybar", "y")}
share = {k: [nv(gr(E, copies[t][k])) for t in range(T)] for k in Pn}
J = [torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), Tt(val[t]["ybar"])).numpy().reshape(N, N)
     for t in range(T)]  # J[t][i, k] = d y_ti / d ybar_tk

# lines 9-12: the forward definitions, re-evaluated in NumPy (f_1 = tanh, f_2 = softmax)
hp, ok = h0, True
for t in range(T):
    hb = Pn["Wi"] @ X[t] + Pn["Wh"] @ hp
    h = np.tanh(hb)
    yb = Pn["Wo"] @ h
    y = np.exp(yb) / np.exp(yb).sum()
    ok &= close(hb, val[t]["hbar"]) and close(h, val[t]["h"]) and close(yb, val[t]["ybar"]) and close(y, val[t]["y"])
    hp = h
decide(9, ok, "hbar_t = W_i x_t + W_h h_{t-1}: the network's pre-activation")
decide(10, ok, "h_t = f_1(hbar_t): the network's hidden state (f_1 = tanh)")
decide(11, ok, "ybar_t = W_o h_t: the network's output pre-activation")
decide(12, ok, "y_t = f_2(ybar_t): the network's output")
v = rng.normal(0, 1.0, N)
decide(17, close(np.exp(v) / np.exp(v).sum(), torch.softmax(Tt(v), 0).numpy()), "f_2(v)_i = exp(v_i) / sum_j exp(v_j): softmax")
ce = sum(torch.nn.functional.cross_entropy(Tt(val[t]["ybar"].T), torch.tensor([labels[t]]), reduction="sum").item()
         for t in range(T))
decide(21, np.isclose(E.item(), ce), "E = - sum_t' l_t'^T log(y_t'): the summed cross-entropy (torch's own cross_entropy)")

# lines 30-32: dE/dW = dybar_t/dW . dE/dybar_t = h_t . dE/dybar_t (and the two hidden weights), read as step t's share;
# '.' of two columns read as the outer product
for line, name, left, node in ((30, "Wo", "h", "ybar"), (31, "Wi", None, "hbar"), (32, "Wh", "hin", "hbar")):
    printed = [(X[t] if left is None else val[t][left]) @ dE[node][t].T for t in range(T)]
    right = [dE[node][t] @ (X[t] if left is None else val[t][left]).T for t in range(T)]
    print(f"   (line {line}: printed {printed[0].shape}, {name} {Pn[name].shape}; printed = transpose of step t's share: "
          f"{all(close(printed[t], share[name][t].T) for t in range(T))}; (dE/d..) (..)^T = share: "
          f"{all(close(right[t], share[name][t]) for t in range(T))})")
    decide(line, all(close(printed[t], share[name][t]) for t in range(T)),
           f"step t's share of dE/d{name} is (dE/d{node}_t)({ {None: 'x_t', 'h': 'h_t', 'hin': 'h_(t-1)'}[left] })^T, shaped like "
           f"{name}; the printed outer product is its transpose")

# line 42: dE/dybar_t = - dy_t/dybar_t . dE/dy_t ; line 43: = - dy_t/dybar_t . sum_t' dy_t'/dy_t . l_t'/y_t'
dyy = {}  # dyy[(tp, t)] = d y_tp / d y_t (N x N), from autograd: the gradient that y_tp sends into the node y_t
for t in range(T):
    for tp in range(T):
        M = np.zeros((N, N))
        for j in range(N):
            g = torch.autograd.grad(nodes[tp]["y"][j, 0], nodes[t]["y"], retain_graph=True, allow_unused=True)[0]
            M[j] = 0 if g is None else nv(g).ravel()
        dyy[(tp, t)] = M
ok42 = all(close(-J[t] @ dE["y"][t], dE["ybar"][t]) for t in range(T))
print("   (line 42: - J dE/dy_t = - dE/dybar_t at every t: "
      f"{all(close(-J[t] @ dE['y'][t], -dE['ybar'][t]) for t in range(T))})")
decide(42, ok42, "dE/dybar_t = J^T dE/dy_t (J symmetric); the leading minus makes the right side -dE/dybar_t")
ok43 = all(close(-J[t] @ sum(dyy[(tp, t)].T @ (Lab[tp] / val[tp]["y"]) for tp in range(T)), dE["ybar"][t])
           for t in range(T))
decide(43, ok43, "- J sum_t' (dy_t'/dy_t) (l_t'/y_t') = - J l_t/y_t = J dE/dy_t = dE/dybar_t (the minus now belongs to "
       "dE/dy_t = - l_t/y_t)")

# lines 53-57: the softmax derivative, for every i, k, on the network's own ybar_t
ok53 = ok54 = ok56 = ok57 = True
for t in range(T):
    e = np.exp(val[t]["ybar"].ravel())
    S = e.sum()
    fv = e / S
    for i in range(N):
        for k in range(N):
            dexp = e[i] if i == k else 0.0
            ok53 &= np.isclose((dexp * S - e[i] * e[k]) / S ** 2, J[t][i, k])
            ok54 &= np.isclose(dexp / S - e[i] / S * e[k] / S, J[t][i, k])
            if i == k:
                ok56 &= np.isclose(fv[i] * (1 - fv[k]), J[t][i, k])
            else:
                ok57 &= np.isclose(-fv[i] * fv[k], J[t][i, k])
decide(53, ok53, "the quotient rule: (d exp(v_i)/dv_k sum_j exp(v_j) - exp(v_i) exp(v_k)) / (sum_j exp(v_j))^2 = df_2(v_i)/dv_k")
decide(54, ok54, "d exp(v_i)/dv_k / sum_j exp(v_j) - f_2(v_i) f_2(v_k) = df_2(v_i)/dv_k")
decide(56, ok56, "i = k: f_2(v_i)(1 - f_2(v_k)) = df_2(v_i)/dv_i")
decide(57, ok57, "i != k: - f_2(v_i) f_2(v_k) = df_2(v_i)/dv_k")

# line 72: the printed matrix (row r, column c: y_r(1 - y_r) on the diagonal, - y_c y_r off it) = dy_t/dybar_t
ok72 = ok73 = True
for t in range(T):
    yv = val[t]["y"].ravel()
    M = np.array([[yv[r] * (1 - yv[r]) if r == c else -yv[c] * yv[r] for c in range(N)] for r in range(N)])
    ok72 &= close(M, J[t])
    ok73 &= close(-(np.outer(yv, yv) - np.diag(yv)), J[t])
decide(72, ok72, "the printed N x N matrix (completed on this row) is the softmax Jacobian")
decide(73, ok73, "- (y_t . y_t - y_t (.) I) = - (y y^T - diag(y)) = the softmax Jacobian")

# lines 83-84: dE/dybar_T = (y_T . y_T - y_T (.) I) . l_T / y_T = y_T - l_T
yT = val[-1]["y"]
decide(83, close((np.outer(yT, yT) - np.diag(yT.ravel())) @ (Lab[-1] / yT), dE["ybar"][-1]),
       "(y y^T - diag(y)) (l_T / y_T) = y_T (sum_i l_Ti) - l_T = dE/dybar_T")
decide(84, close(yT - Lab[-1], dE["ybar"][-1]) and np.isclose(Lab[-1].sum(), 1.0), "dE/dybar_T = y_T - l_T (sum_i l_Ti = 1)")
finish()
