"""Independent truth for tests/posts/sequence_blind_rnn9/wangkuiyi_lstm_backward_en (NumPy and torch, no derive).

The note's LSTM (column vectors, no biases): a^t = tanh(ahat^t), ahat^t = W_a x^t + U_a h^{t-1}; i^t, f^t, o^t =
sigmoid(ihat^t), ... with ihat^t = W_i x^t + U_i h^{t-1} etc.; c^t = a^t (.) i^t + c^{t-1} (.) f^t; h^t = tanh(c^t)
(.) o^t. The note takes dE/dh^t 'from the cost layer' and leaves the cost open: here a dense softmax read-out
y^t = softmax(V h^t) with the cross-entropy at every step, E the sum. T = 3 steps t = 1..3 of X = 2 inputs, H = 3
hidden units, K = 4 classes, a random h^0 and c^0. The forward pass is also checked against torch.nn.LSTMCell (gates
i, f, g = a, o; biases zero). References from torch autograd in float64: dE at every gate, pre-activation, cell and
state node (the total gradient); the share c^t receives through h^t alone (dE/dh^t times the local dh^t/dc^t); the
share c^{t-1} receives through c^t alone (c^{t-1} fed to c^t alone as a separate leaf); step t's share of the gradient of
Theta = [W U] as the gradient of step t's own copy of Theta."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(577)
Xd, H, K, T = 2, 3, 4, 3
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
nv = lambda x: x.detach().numpy()
sig = lambda v: 1 / (1 + np.exp(-v))
G = ("a", "i", "f", "o")  # the note's order in Ihat = [ahat ihat fhat ohat]^T
Wn = {g: rng.normal(0, 0.8, (H, Xd)) for g in G}
Un = {g: rng.normal(0, 0.8, (H, H)) for g in G}
Vn = rng.normal(0, 0.8, (K, H))
Xs = [rng.normal(0, 1.0, (Xd, 1)) for _ in range(T)]
labels = rng.integers(0, K, T)
h0, c0 = rng.normal(0, 0.5, (H, 1)), rng.normal(0, 0.5, (H, 1))
Theta_n = np.hstack([np.vstack([Wn[g] for g in G]), np.vstack([Un[g] for g in G])])  # 4H x (X + H), Theta = [W U]
Theta = Tt(Theta_n).requires_grad_()


def forward(split_at=None):
    nodes, Es, copies = [], [], []
    hp, cp = Tt(h0), Tt(c0)
    for t in range(T):
        Th = Theta.clone()
        copies.append(Th)
        cin = cp.detach().requires_grad_() if split_at == t else cp  # c^{t-1} as c^t sees it (a leaf at split_at)
        I = torch.cat([Tt(Xs[t]), hp])
        Ihat = Th @ I
        ah, ih, fh, oh = (Ihat[k * H:(k + 1) * H] for k in range(4))
        a, i, f, o = torch.tanh(ah), torch.sigmoid(ih), torch.sigmoid(fh), torch.sigmoid(oh)
        c = a * i + cin * f
        h = torch.tanh(c) * o
        y = torch.softmax(Tt(Vn) @ h, 0)
        n = dict(I=I, Ihat=Ihat, ah=ah, ih=ih, fh=fh, oh=oh, a=a, i=i, f=f, o=o, c=c, h=h, cin=cin)
        for v in n.values():
            if v.requires_grad:
                v.retain_grad()
        nodes.append(n)
        Es.append(-torch.log(y[labels[t], 0]))
        hp, cp = h, c
    return nodes, Es, copies


nodes, Es, copies = forward()
E = sum(Es)
gr = lambda out, wrt: torch.autograd.grad(out, wrt, retain_graph=True, allow_unused=True)[0]
val = [{k: nv(v) for k, v in d.items()} for d in nodes]
dE = [{k: nv(gr(E, nodes[t][k])) for k in ("Ihat", "ah", "ih", "fh", "oh", "a", "i", "f", "o", "c", "h")}
      for t in range(T)]
cprev = [c0] + [val[t]["c"] for t in range(T - 1)]
# the share c^t receives through h^t alone: dE/dh^t (total) times the local dh^t/dc^t (o^t fixed)
Jhc = [nv(torch.autograd.functional.jacobian(lambda c: torch.tanh(c) * Tt(val[t]["o"]), Tt(val[t]["c"])))[:, 0, :, 0]
       for t in range(T)]
share_h = [Jhc[t].T @ dE[t]["h"] for t in range(T)]
# the share c^{t-1} receives through c^t alone
share_c = []
for t in range(T):
    nodes_s, Es_s, _ = forward(split_at=t)
    share_c.append(nv(gr(sum(Es_s), nodes_s[t]["cin"])))
dTheta_t = [nv(gr(E, copies[t])) for t in range(T)]  # step t's share of dE/dTheta
dTheta = nv(gr(E, Theta))

# lines 3-8: the forward definitions, re-evaluated and against torch.nn.LSTMCell
cell = torch.nn.LSTMCell(Xd, H)
with torch.no_grad():
    cell.weight_ih.copy_(Tt(np.vstack([Wn["i"], Wn["f"], Wn["a"], Wn["o"]])))
    cell.weight_hh.copy_(Tt(np.vstack([Un["i"], Un["f"], Un["a"], Un["o"]])))
    cell.bias_ih.zero_()
    cell.bias_hh.zero_()
hp, cp = h0, c0
ok = {n: True for n in (3, 4, 5, 6, 7, 8)}
ok_cell = True
for t in range(T):
    pre = {g: Wn[g] @ Xs[t] + Un[g] @ hp for g in G}
    a, i, f, o = np.tanh(pre["a"]), sig(pre["i"]), sig(pre["f"]), sig(pre["o"])
    ok[3] &= close(pre["a"], val[t]["ah"]) and close(a, val[t]["a"])
    ok[4] &= close(pre["i"], val[t]["ih"]) and close(i, val[t]["i"])
    ok[5] &= close(pre["f"], val[t]["fh"]) and close(f, val[t]["f"])
    ok[7] &= close(pre["o"], val[t]["oh"]) and close(o, val[t]["o"])
    c = a * i + cp * f
    h = np.tanh(c) * o
    ok[6] &= close(c, val[t]["c"])
    ok[8] &= close(h, val[t]["h"])
    hr, cr = cell(Tt(Xs[t].T), (Tt(hp.T), Tt(cp.T)))
    ok_cell &= close(nv(hr).T, h) and close(nv(cr).T, c)
    hp, cp = h, c
print(f"   (lines 3-8: the network = torch LSTMCell without biases: {ok_cell})")
decide(3, ok[3], "a^t = tanh(ahat^t) = tanh(W_a x^t + U_a h^(t-1))")
decide(4, ok[4], "i^t = sigmoid(ihat^t) = sigmoid(W_i x^t + U_i h^(t-1)) (ihat_t read as ihat^t)")
decide(5, ok[5], "f^t = sigmoid(fhat^t) = sigmoid(W_f x^t + U_f h^(t-1))")
decide(6, ok[6], "c^t = a^t (.) i^t + c^(t-1) (.) f^t")
decide(7, ok[7], "o^t = sigmoid(ohat^t) = sigmoid(W_o x^t + U_o h^(t-1))")
decide(8, ok[8], "h^t = tanh(c^t) (.) o^t")
# lines 25-26: dE/do^t = dE/dh^t . dh^t/do^t = dE/dh^t (.) tanh(c^t); o^t reaches E only through h^t
Jho = [nv(torch.autograd.functional.jacobian(lambda o: torch.tanh(Tt(val[t]["c"])) * o, Tt(val[t]["o"])))[:, 0, :, 0]
       for t in range(T)]
decide(25, all(close(Jho[t].T @ dE[t]["h"], dE[t]["o"]) for t in range(T)), "dE/dh^t . dh^t/do^t = dE/do^t")
decide(26, all(close(dE[t]["h"] * np.tanh(val[t]["c"]), dE[t]["o"]) for t in range(T)), "dE/dh^t (.) tanh(c^t) = dE/do^t")
# lines 29-30: dE/dc^t = dE/dh^t dh^t/dc^t = dE/dh^t (.) o^t (.) [1 - tanh^2(c^t)]. Read as the share c^t receives
# through h^t, which the note then accumulates into delta c^t (line 34); as the total dE/dc^t it misses c^(t+1)'s path
tot29 = all(close(share_h[t], dE[t]["c"]) for t in range(T))
print(f"   (lines 29-30: the h^t share = the total dE/dc^t at every step: {tot29}; at the last step: "
      f"{close(share_h[T - 1], dE[T - 1]['c'])})")
decide(29, all(close(Jhc[t].T @ dE[t]["h"], share_h[t]) for t in range(T)),
       "dE/dh^t dh^t/dc^t is the share c^t receives through h^t (read so; the note adds c^(t+1)'s share in line 34)")
decide(30, all(close(dE[t]["h"] * val[t]["o"] * (1 - np.tanh(val[t]["c"]) ** 2), share_h[t]) for t in range(T)),
       "dE/dh^t (.) o^t (.) (1 - tanh^2 c^t) = the share through h^t")
# line 34: delta c^t += dE/dc^t, delta c^t starting from line 41 of step t+1 (delta c^(t+1) (.) f^(t+1), zero at T)
dc, ok34 = [None] * T, True
for t in reversed(range(T)):
    start = dc[t + 1] * val[t + 1]["f"] if t + 1 < T else np.zeros((H, 1))
    dc[t] = start + share_h[t]
    ok34 &= close(dc[t], dE[t]["c"])
decide(34, ok34, "run backwards from delta c^T = 0 with line 41's start values, delta c^t is the total dE/dc^t")
# lines 38-41 with delta c^t the accumulated (total) dE/dc^t
decide(38, all(close(dE[t]["c"] * val[t]["a"], dE[t]["i"]) for t in range(T)), "delta c^t (.) a^t = dE/di^t")
decide(39, all(close(dE[t]["c"] * val[t]["i"], dE[t]["a"]) for t in range(T)), "delta c^t (.) i^t = dE/da^t")
decide(40, all(close(dE[t]["c"] * cprev[t], dE[t]["f"]) for t in range(T)), "delta c^t (.) c^(t-1) = dE/df^t")
tot41 = all(close(dE[t]["c"] * val[t]["f"], dE[t - 1]["c"]) for t in range(1, T))
print(f"   (line 41: delta c^t (.) f^t = the total dE/dc^(t-1): {tot41}; the note calls it the initial value of "
      "delta c^(t-1))")
decide(41, all(close(dE[t]["c"] * val[t]["f"], share_c[t]) for t in range(T)),
       "delta c^t (.) f^t = the share c^(t-1) receives through c^t (the note's 'initial value of delta c^(t-1)')")
# lines 46-55: the pre-activation gradients, each right side evaluated with the true dE/da^t, dE/di^t, ...
p46 = [dE[t]["a"] * (1 - np.tanh(val[t]["ah"])) for t in range(T)]
print(f"   (line 46: with 1 - tanh^2(ahat^t) it would hold: "
      f"{all(close(dE[t]['a'] * (1 - np.tanh(val[t]['ah']) ** 2), dE[t]['ah']) for t in range(T))})")
decide(46, all(close(p46[t], dE[t]["ah"]) for t in range(T)),
       "tanh' is 1 - tanh^2(ahat^t) = 1 - (a^t)^2; 1 - tanh(ahat^t) is not the slope")
for line, g, key in ((49, "i", "ih"), (52, "f", "fh"), (55, "o", "oh")):
    used = "ah" if g == "i" else key  # line 49 writes ahat^t, lines 52 and 55 the gate's own pre-activation
    printed = [dE[t][g] * val[t][used] * (1 - val[t][used]) for t in range(T)]
    right = all(close(dE[t][g] * val[t][g] * (1 - val[t][g]), dE[t][key]) for t in range(T))
    print(f"   (line {line}: with {g}^t (.) (1 - {g}^t), the sigmoid's slope at the gate's value, it would hold: {right})")
    decide(line, all(close(printed[t], dE[t][key]) for t in range(T)),
           f"sigmoid' at {key[0]}hat^t is {g}^t (.) (1 - {g}^t); the line takes "
           + ("the candidate's pre-activation ahat^t" if g == "i" else f"the pre-activation {g}hat^t itself"))
# line 59: Ihat = Theta I, with Ihat = [ahat ihat fhat ohat]^T, Theta = [W U], I = [x h^(t-1)]^T (lines 63-65)
decide(59, all(close(Theta_n @ val[t]["I"], val[t]["Ihat"]) for t in range(T)), "Theta I^t = Ihat^t")
# line 71: dE/dIhat^t . dIhat^t/dTheta |_t = step t's share of dE/dTheta (the contraction over Ihat's index)
ok71 = True
for t in range(T):
    J = nv(torch.autograd.functional.jacobian(lambda Th: Th @ Tt(val[t]["I"]), Tt(Theta_n)))[:, 0]  # [4H, 4H, X+H]
    ok71 &= close(np.einsum("a,aij->ij", dE[t]["Ihat"][:, 0], J), dTheta_t[t])
decide(71, ok71, "dE/dIhat^t . dIhat^t/dTheta|_t = step t's share of dE/dTheta")
# line 76: [dE/dahat dE/dihat dE/dfhat dE/dohat] x I^t: the bracket is a row (Ihat^t carries the ^T, line 63; this
# bracket does not), I^t a column (line 65): (1 x 4H)(X+H x 1) is not defined, nor is a column times a column; the
# share is the column dE/dIhat^t times the row (I^t)^T
fix76 = all(close(dE[t]["Ihat"] @ val[t]["I"].T, dTheta_t[t]) for t in range(T))
row = dE[0]["Ihat"].T
print(f"   (line 76: bracket {row.shape} x I^t {val[0]['I'].shape}; (dE/dIhat^t)(I^t)^T = step t's share: {fix76})")


def product(A, B):
    return A @ B if A.shape[1] == B.shape[0] else None


decide(76, all((lambda P: P is not None and close(P, dTheta_t[t]))(product(dE[t]["Ihat"].T, val[t]["I"]))
               for t in range(T)),
       "[dE/dahat ... dE/dohat] x I^t multiplies a 4H row by an (X+H) column: the transposes are on the wrong "
       "factors; step t's share is (dE/dIhat^t)(I^t)^T")
decide(80, close(sum(dTheta_t), dTheta), "dE/dTheta = sum_t delta Theta^t")
finish()
