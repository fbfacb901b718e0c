"""Independent truth for tests/posts/sequence_blind_rnn8/wjddyd66_rnn_bptt_ko (NumPy and torch, no derive).

The post's RNN (WildML's notation, column vectors, no biases): s_t = tanh(U x_t + W s_{t-1}), yhat_t = softmax(V s_t),
the cross-entropy E(y_t, yhat_t) = - y_t log(yhat_t) of one-hot y_t, read as the dot product, and E_3 = E(y_3, yhat_3)
the loss of step 3. z_3 = V s_3 on line 22; from line 43 on the post renames z_t = U x_t + W s_{t-1} (its S_{t-1}
read as s_{t-1}), the hidden pre-activation, and delta_i^3 = dE_3/dz_i. Steps t = 0..3 (the post's sum from k = 0)
of D = 3 inputs, H = 4 hidden units, K = 5 classes (K != H, so that no product of a K-vector and an H-vector is
accidentally defined), from a random s_{-1} (a constant). The forward pass is also checked against torch.nn.RNNCell.
References from torch autograd in float64: the gradients of E_3 and of the summed loss at every node and weight; the
Jacobians the chains name (torch.autograd.functional.jacobian): the total ds_3/dW and ds_3/ds_k, the immediate
ds_k/dW (s_{k-1} held fixed), dyhat_3/dz_3 through s_3, dz_{t+1}/ds_t and ds_t/dz_t; step i's share of dE_3/dU and
dE_3/dW as the gradient of step i's own copy of the weight. The chains are read in numerator layout, written left to
right from the loss (a gradient a row); (x) is the outer product."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(829)
D, H, K, T = 3, 4, 5, 4
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
nv = lambda x: x.detach().numpy()
shapes = dict(U=(H, D), W=(H, H), V=(K, H))
Pn = {k: rng.normal(0, 0.8, s) for k, s in shapes.items()}
X = [rng.normal(0, 1.0, (D, 1)) for _ in range(T)]
labels = rng.integers(0, K, T)
Y = [np.eye(K)[[labels[t]]].T for t in range(T)]
s_init = rng.normal(0, 0.5, (H, 1))  # s_{-1}

P = {k: Tt(v).requires_grad_() for k, v in Pn.items()}
copies, nodes, Es = [], [], []
sp = Tt(s_init)
for t in range(T):
    C = {k: v.clone() for k, v in P.items()}
    copies.append(C)
    zh = C["U"] @ Tt(X[t]) + C["W"] @ sp  # the z_t of line 43
    s = torch.tanh(zh)
    zo = C["V"] @ s  # the z_t of line 22
    yhat = torch.softmax(zo, 0)
    for v in (zh, s, zo, yhat):
        v.retain_grad()
    nodes.append(dict(sin=sp, zh=zh, s=s, zo=zo, yhat=yhat))
    Es.append(-(Tt(Y[t]) * torch.log(yhat)).sum())
    sp = s
E3 = Es[3]
gr = lambda out, wrt: torch.autograd.grad(out, wrt, retain_graph=True, allow_unused=True)[0]
val = [{k: nv(v) for k, v in d.items()} for d in nodes]
g3 = {k: nv(gr(E3, p)) for k, p in P.items()}
d3_zh = [nv(gr(E3, nodes[i]["zh"])) for i in range(T)]  # delta_i^3 = dE3/dz_i (z of line 43), columns
share3 = {k: [nv(gr(E3, copies[i][k])) if gr(E3, copies[i][k]) is not None else np.zeros(Pn[k].shape)
              for i in range(T)] for k in ("U", "W")}

# lines 8, 9: the forward definitions, re-evaluated and against torch.nn.RNNCell (tanh, no bias)
cell = torch.nn.RNNCell(D, H, bias=False, nonlinearity="tanh")
with torch.no_grad():
    cell.weight_ih.copy_(Tt(Pn["U"]))
    cell.weight_hh.copy_(Tt(Pn["W"]))
sp_np, ok8, ok9 = s_init, True, True
for t in range(T):
    s = np.tanh(Pn["U"] @ X[t] + Pn["W"] @ sp_np)
    ok8 &= close(s, val[t]["s"]) and close(nv(cell(Tt(X[t].T), Tt(sp_np.T))).T, s)
    ok9 &= close(np.exp(Pn["V"] @ s) / np.exp(Pn["V"] @ s).sum(), val[t]["yhat"])
    sp_np = s
decide(8, ok8, "s_t = tanh(U x_t + W s_{t-1}): the network's state, = torch RNNCell")
decide(9, ok9, "yhat_t = softmax(V s_t): the network's output")
# line 12: E(y_t, yhat_t) = - y_t log(yhat_t): torch's cross_entropy
ok12 = all(np.isclose(Es[t].item(), torch.nn.functional.cross_entropy(Tt(val[t]["zo"].T), torch.tensor([labels[t]])).item())
           for t in range(T))
decide(12, ok12, "E(y_t, yhat_t) = - y_t^T log yhat_t: the cross-entropy of step t")
# line 13: E(y, yhat) = - sum_t E(y_t, yhat_t): the loss the post trains (cross-entropy, 'Loss Function: Cross
# Entropy', and the gradient yhat - y it uses) is + sum_t E_t
CE = sum(e.item() for e in Es)
printed13 = -CE
print(f"   (line 13: - sum_t E_t = {printed13:.6f}, the summed cross-entropy = {CE:.6f})")
decide(13, np.isclose(printed13, CE), "- sum_t E(y_t, yhat_t) is minus the summed cross-entropy; the loss is + sum_t E_t")
# line 14: = - sum_t (- y_t log yhat_t): line 13 with line 12 put in, the same wrong sign (carried)
printed14 = -sum(-(Y[t] * np.log(val[t]["yhat"])).sum() for t in range(T))
print(f"   (line 14: = line 13's value: {np.isclose(printed14, printed13)})")
decide(14, np.isclose(printed14, CE), "- sum_t (- y_t log yhat_t) = sum_t y_t log yhat_t, line 13's sign")

# lines 19-21: dE3/dV = dE3/dyhat3 dyhat3/dV = dE3/dyhat3 dyhat3/dz3 dz3/dV = (yhat3 - y3) (x) s3, z3 = V s3 (line 22)
y3, yh3, s3, zo3 = Y[3], val[3]["yhat"], val[3]["s"], val[3]["zo"]
dE3_dyhat = -(y3 / yh3)
J_yhat_V = torch.autograd.functional.jacobian(lambda V: torch.softmax(V @ Tt(s3), 0), Tt(Pn["V"])).numpy()
J_yhat_zo = torch.autograd.functional.jacobian(lambda z: torch.softmax(z, 0), Tt(zo3)).numpy().reshape(K, K)
J_zo_V = torch.autograd.functional.jacobian(lambda V: V @ Tt(s3), Tt(Pn["V"])).numpy()
decide(19, close(np.einsum("i,iajk->jk", dE3_dyhat.ravel(), J_yhat_V), g3["V"]), "dE3/dyhat3 dyhat3/dV = dE3/dV")
decide(20, close(np.einsum("i,iajk->jk", (dE3_dyhat.T @ J_yhat_zo).ravel(), J_zo_V), g3["V"]),
       "dE3/dyhat3 dyhat3/dz3 dz3/dV = dE3/dV (z3 = V s3)")
decide(21, close((yh3 - y3) @ s3.T, g3["V"]), "(yhat3 - y3) (x) s3 = dE3/dV")
decide(22, close(Pn["V"] @ s3, zo3), "z3 = V s3: the output pre-activation")


# line 32: dE3/dW = dE3/dyhat3 dyhat3/ds3 ds3/dW (ds3/dW total: s3 depends on s2, s1, ... as the next lines say)
def step(t, W, sin, U=None):
    return torch.tanh((Tt(Pn["U"]) if U is None else U) @ Tt(X[t]) + W @ sin)


def s3_of_W(W):
    s = Tt(s_init)
    for t in range(T):
        s = step(t, W, s)
    return s


row3 = nv(gr(E3, nodes[3]["s"])).T  # dE3/dyhat3 dyhat3/ds3
J_s3_W = torch.autograd.functional.jacobian(s3_of_W, Tt(Pn["W"])).numpy()
decide(32, close(np.einsum("i,iajk->jk", row3.ravel(), J_s3_W), g3["W"]), "dE3/ds3 (total ds3/dW) = dE3/dW")


# line 38: sum_{k=0}^3 dE3/dyhat3 dyhat3/ds3 ds3/dsk dsk/dW (total ds3/dsk, immediate dsk/dW)
def run_from(k, sk):
    s = sk
    for t in range(k + 1, T):
        s = step(t, Tt(Pn["W"]), s)
    return s


J_tot = [torch.autograd.functional.jacobian(lambda s: run_from(k, s), Tt(val[k]["s"])).numpy().reshape(H, H)
         for k in range(T)]
J_imm = [torch.autograd.functional.jacobian(lambda W: step(k, W, Tt(val[k]["sin"])), Tt(Pn["W"])).numpy()
         for k in range(T)]
decide(38, close(sum(np.einsum("i,iajk->jk", (row3 @ J_tot[k]).ravel(), J_imm[k]) for k in range(T)), g3["W"]),
       "sum_k dE3/ds3 ds3/dsk dsk/dW = dE3/dW")
# line 43: z_t = U x_t + W s_{t-1} (S read as s): the hidden pre-activation
decide(43, all(close(Pn["U"] @ X[t] + Pn["W"] @ val[t]["sin"], val[t]["zh"]) for t in range(T)),
       "z_t = U x_t + W s_{t-1}: the hidden pre-activation of the network")
# line 45: delta_3^3 = dE3/dz3 = dE3/dyhat3 dyhat3/dz3 (z3 of line 43; dyhat3/dz3 through s3)
J_yhat_zh = torch.autograd.functional.jacobian(lambda z: torch.softmax(Tt(Pn["V"]) @ torch.tanh(z), 0),
                                               Tt(val[3]["zh"])).numpy().reshape(K, H)
decide(45, close((dE3_dyhat.T @ J_yhat_zh).T, d3_zh[3]), "dE3/dyhat3 dyhat3/dz3 = dE3/dz3 (z3 = U x3 + W s2)")
# line 47: = (yhat3 - y3) s3. True: V^T(yhat3 - y3) (.) (1 - s3^2), an H-vector. The printed product of the K-vector
# (yhat3 - y3) and the H-vector s3 is the K x H outer product (elementwise it is undefined, K != H); read with the
# earlier z3 = V s3 of line 22 the true dE3/dz3 is yhat3 - y3, without s3.
printed47 = (yh3 - y3) @ s3.T
print(f"   (line 47: printed {printed47.shape}, delta_3^3 {d3_zh[3].shape}; with z3 = V s3 dE3/dz3 = yhat3 - y3: "
      f"{close(yh3 - y3, nv(gr(E3, nodes[3]['zo'])))}; V^T(yhat3 - y3) (.) (1 - s3^2) = delta_3^3: "
      f"{close((Pn['V'].T @ (yh3 - y3)) * (1 - s3 ** 2), d3_zh[3])})")
decide(47, close(printed47, d3_zh[3]) or close(printed47, nv(gr(E3, nodes[3]["zo"]))),
       "(yhat3 - y3) s3 is neither dE3/dz3 for the hidden z3 (V^T(yhat3 - y3) (.) (1 - s3^2)) nor for z3 = V s3 "
       "(yhat3 - y3)")


# lines 50-51, 54-55: delta_{t}^3 = dE3/dz_{t+1} dz_{t+1}/ds_t ds_t/dz_t, rows; delta_{t+1}^3 names dE3/dz_{t+1}
def J_z_next_s(t):  # dz_{t+1}/ds_t
    return torch.autograd.functional.jacobian(lambda s: Tt(Pn["U"]) @ Tt(X[t + 1]) + Tt(Pn["W"]) @ s,
                                              Tt(val[t]["s"])).numpy().reshape(H, H)


def J_s_z(t):  # ds_t/dz_t
    return torch.autograd.functional.jacobian(torch.tanh, Tt(val[t]["zh"])).numpy().reshape(H, H)


for lines, t in (((50, 51), 2), ((54, 55), 1)):
    rhs = d3_zh[t + 1].T @ J_z_next_s(t) @ J_s_z(t)
    decide(lines[0], close(rhs.T, d3_zh[t]), f"dE3/dz{t + 1} dz{t + 1}/ds{t} ds{t}/dz{t} = dE3/dz{t}")
    decide(lines[1], close(rhs.T, d3_zh[t]), f"delta_{t + 1}^3 dz{t + 1}/ds{t} ds{t}/dz{t} = delta_{t}^3")
    if t == 2:
        with47 = (printed47.T @ J_z_next_s(t) @ J_s_z(t)) if printed47.shape[0] == H else None
        print("   (line 51: with line 47's value for delta_3^3 the product is not even defined (K x H): "
              f"{with47 is None}; not charged, delta_3^3 names dE3/dz3)")
# lines 59-60: step i's share of dE3/dU and dE3/dW, summed over i to the whole ('계산된 값을 모두 더해주는')
okU = all(close(d3_zh[i] @ X[i].T, share3["U"][i]) for i in range(T)) and close(sum(share3["U"]), g3["U"])
okW = all(close(d3_zh[i] @ val[i]["sin"].T, share3["W"][i]) for i in range(T)) and close(sum(share3["W"]), g3["W"])
decide(59, okU, "delta_i^3 x_i^T = step i's share of dE3/dU (the shares sum to dE3/dU)")
decide(60, okW, "delta_i^3 s_{i-1}^T = step i's share of dE3/dW (s_{-1} the initial state)")
finish()
