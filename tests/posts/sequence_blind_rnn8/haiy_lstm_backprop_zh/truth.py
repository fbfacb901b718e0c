"""Independent truth for tests/posts/sequence_blind_rnn8/haiy_lstm_backprop_zh (NumPy and torch, no derive).

The note's LSTM, column vectors: f_t, i_t, o_t = sigmoid(W_x* x_t + W_h* h_{t-1} + b_*), the candidate
c_c_t = Cc_t = tanh(W_xc x_t + W_hc h_{t-1} + b_c), c_t = f_t c_{t-1} + i_t c_c_t, h_t = o_t tanh(c_t) ('.' elementwise),
y_t = softmax(W_hy h_t + b_y), L = - sum_t p_t log(y_t) with one-hot labels p_t, and L_t = - p_t log(y_t) the step's
term (the left sides of the backward lines). The merged weights are W_* = [W_x*, W_h*] acting on [x_t, h_{t-1}] (the
note's colmerge/rowmerge). T = 3 steps of X = 2 inputs, H = 3 hidden units, K = 4 classes (K != H), a random h_0 and
c_0 (constants). The forward pass is also checked against torch.nn.LSTMCell (gates i, f, g, o; the note's biases in
bias_ih, bias_hh = 0). References from torch autograd in float64: the gradients of L_t and of L at every gate, cell,
state and pre-activation node; step t's share of a merged weight's gradient as the gradient of step t's own copy of
it; the gradient c_{t-1} receives through c_t alone (h_{t-1} detached) and the total one."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, unchecked, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(403)
Xd, H, K, T = 2, 3, 4, 3
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
nv = lambda x: x.detach().numpy()
sig = lambda v: 1 / (1 + np.exp(-v))
G = ("f", "i", "o", "c")
Pn = {}
for g in G:
    Pn["Wx" + g] = rng.normal(0, 0.8, (H, Xd))
    Pn["Wh" + g] = rng.normal(0, 0.8, (H, H))
    Pn["b" + g] = rng.normal(0, 0.5, (H, 1))
Pn["Why"] = rng.normal(0, 0.8, (K, H))
Pn["by"] = rng.normal(0, 0.5, (K, 1))
Xs = [rng.normal(0, 1.0, (Xd, 1)) for _ in range(T)]
labels = rng.integers(0, K, T)
Pl = [np.eye(K)[[labels[t]]].T for t in range(T)]  # one-hot p_t
h0, c0 = rng.normal(0, 0.5, (H, 1)), rng.normal(0, 0.5, (H, 1))

# merged weights W_* = [W_x*, W_h*] (H x (X + H)) as leaves, with a copy per step
Wm = {g: Tt(np.hstack([Pn["Wx" + g], Pn["Wh" + g]])).requires_grad_() for g in G}
b = {g: Tt(Pn["b" + g]) for g in G}
Why, by = Tt(Pn["Why"]), Tt(Pn["by"])


def forward(detach_h_prev_at=None):
    nodes, Ls, copies = [], [], []
    hp, cp = Tt(h0), Tt(c0)
    for t in range(T):
        C = {g: Wm[g].clone() for g in G}
        copies.append(C)
        cin = cp
        hin = hp.detach() if detach_h_prev_at == t else hp
        if detach_h_prev_at == t:
            cin = cp.detach().requires_grad_()
        xh = torch.cat([Tt(Xs[t]), hin])
        a = {g: C[g] @ xh + b[g] for g in G}
        f, i, o = (torch.sigmoid(a[g]) for g in ("f", "i", "o"))
        cc = torch.tanh(a["c"])
        c = f * cin + i * cc
        h = o * torch.tanh(c)
        y = torch.softmax(Why @ h + by, 0)
        n = dict(xh=xh, cin=cin, af=a["f"], ai=a["i"], ao=a["o"], ac=a["c"], f=f, i=i, o=o, cc=cc, c=c, h=h, y=y)
        for v in n.values():
            if v.requires_grad:
                v.retain_grad()
        nodes.append(n)
        Ls.append(-(Tt(Pl[t]) * torch.log(y)).sum())
        hp, cp = h, c
    return nodes, Ls, copies


nodes, Ls, copies = forward()
L = sum(Ls)
gr = lambda out, wrt: torch.autograd.grad(out, wrt, retain_graph=True, allow_unused=True)[0]
val = [{k: nv(v) for k, v in d.items()} for d in nodes]
dLt = [{k: nv(gr(Ls[t], nodes[t][k])) for k in ("h", "o", "c", "f", "i", "cc", "af", "ai", "ao", "ac")} for t in range(T)]
dL = [{k: nv(gr(L, nodes[t][k])) for k in ("h", "c")} for t in range(T)]
shareLt = [{g: nv(gr(Ls[t], copies[t][g])) for g in G} for t in range(T)]  # step t's share of dL_t/dW_*

# lines 7-10: the gate definitions, re-evaluated in NumPy and against torch.nn.LSTMCell
cell = torch.nn.LSTMCell(Xd, H)
with torch.no_grad():
    cell.weight_ih.copy_(Tt(np.vstack([Pn["Wxi"], Pn["Wxf"], Pn["Wxc"], Pn["Wxo"]])))
    cell.weight_hh.copy_(Tt(np.vstack([Pn["Whi"], Pn["Whf"], Pn["Whc"], Pn["Who"]])))
    cell.bias_ih.copy_(Tt(np.vstack([Pn["bi"], Pn["bf"], Pn["bc"], Pn["bo"]]).ravel()))
    cell.bias_hh.zero_()
hp, cp, okg = h0, c0, {g: True for g in G}
ok41 = ok42 = ok43 = ok_cell = True
for t in range(T):
    pre = {g: Pn["Wx" + g] @ Xs[t] + Pn["Wh" + g] @ hp + Pn["b" + g] for g in G}
    f, i, o, cc = sig(pre["f"]), sig(pre["i"]), sig(pre["o"]), np.tanh(pre["c"])
    okg["f"] &= close(f, val[t]["f"]); okg["i"] &= close(i, val[t]["i"]); okg["o"] &= close(o, val[t]["o"])
    okg["c"] &= close(cc, val[t]["cc"])
    c = f * cp + i * cc
    h = o * np.tanh(c)
    z = Pn["Why"] @ h + Pn["by"]
    ok41 &= close(c, val[t]["c"]); ok42 &= close(h, val[t]["h"])
    ok43 &= close(np.exp(z) / np.exp(z).sum(), val[t]["y"])
    hr, cr = cell(Tt(Xs[t].T), (Tt(hp.T), Tt(cp.T)))
    ok_cell &= close(nv(hr).T, h) and close(nv(cr).T, c)
    hp, cp = h, c
print(f"   (lines 7-10, 41-42: the network = torch LSTMCell: {ok_cell})")
decide(7, okg["f"], "f_t = sigmoid(W_xf x_t + W_hf h_{t-1} + b_f)")
decide(8, okg["i"], "i_t = sigmoid(W_xi x_t + W_hi h_{t-1} + b_i)")
decide(9, okg["o"], "o_t = sigmoid(W_xo x_t + W_ho h_{t-1} + b_o)")
decide(10, okg["c"], "c_c_t = tanh(W_xc x_t + W_hc h_{t-1} + b_c_in)")
unchecked(21, "W = sigmoid(W_x * x + W_h * h): W is the name lines 27 and 30-33 give the merged weight (H x (X + H)), "
          "the right side a gate's value (an H-vector) without its bias; the line equates neither")
# lines 30-33: the merged gates f_t = sigmoid(W_f [x_t, h_{t-1}]) etc., with the merged W_* = [W_x*, W_h*] of lines
# 27-28: the biases b_* of lines 7-10 are gone
for line, g, act in ((30, "f", sig), (31, "i", sig), (32, "o", sig), (33, "c", np.tanh)):
    key = "cc" if g == "c" else g
    merged = [act(np.hstack([Pn["Wx" + g], Pn["Wh" + g]]) @ val[t]["xh"]) for t in range(T)]
    decide(line, all(close(merged[t], val[t][key]) for t in range(T)),
           f"the merged {key}_t = act(W_{g} [x_t, h_(t-1)]) drops the bias b_{g} of the gate it restates")
decide(41, ok41, "c_t = f_t . c_{t-1} + i_t . c_c_t")
decide(42, ok42, "h_t = o_t . tanh(c_t)")
decide(43, ok43, "y_t = softmax(W_hy h_t + b_y)")
# line 50: L = - sum_t p_t log(y_t): torch's cross_entropy summed over the steps
ce = sum(torch.nn.functional.cross_entropy(Tt((Pn["Why"] @ val[t]["h"] + Pn["by"]).T), torch.tensor([labels[t]]),
                                           reduction="sum").item() for t in range(T))
decide(50, np.isclose(L.item(), ce), "L = - sum_t p_t^T log y_t: the summed cross-entropy")

# line 57: dL_t/dh_t = (h_t - y_t). True: W_hy^T (y_t - p_t)
true57 = [Pn["Why"].T @ (val[t]["y"] - Pl[t]) for t in range(T)]
print(f"   (line 57: W_hy^T (y_t - p_t) = dL_t/dh_t: {all(close(true57[t], dLt[t]['h']) for t in range(T))}; "
      f"h_t {val[0]['h'].shape} - y_t {val[0]['y'].shape} is not even defined for K != H)")
decide(57, all(val[t]["h"].shape == val[t]["y"].shape and close(val[t]["h"] - val[t]["y"], dLt[t]["h"])
               for t in range(T)), "dL_t/dh_t = W_hy^T (y_t - p_t); h_t - y_t subtracts the prediction from the state")
# lines 58-59, 61-64: the gate chains, with delta_ht the dL_t/dh_t it names (and delta_Ct = dL_t/dC_t)
ok58 = all(close(dLt[t]["h"] * np.tanh(val[t]["c"]), dLt[t]["o"]) for t in range(T))
print("   (line 58 on: with line 57's printed value for delta_ht the products would not even be defined; not charged)")
decide(58, ok58, "dL_t/dh_t dh_t/do_t = delta_ht . tanh(C_t) = dL_t/do_t")
ok59 = all(close(dLt[t]["h"] * val[t]["o"] * (1 - np.tanh(val[t]["c"]) ** 2), dLt[t]["c"]) for t in range(T))
decide(59, ok59, "delta_ht . o_t . (1 - tanh^2 C_t) = dL_t/dC_t (L_t reaches C_t only through h_t)")
decide(61, all(close(dLt[t]["c"] * val[t]["cin"], dLt[t]["f"]) for t in range(T)),
       "delta_Ct . C_{t-1} = dL_t/df_t")
# line 62: dL_t/dC_{t-1} = dL/dc_t dc_t/dC_{t-1} = delta_Ct . f_t, read as what C_{t-1} receives through c_t (h_{t-1}
# held fixed), the one path the line's chain names; the total dL_t/dC_{t-1} also runs through h_{t-1}
ok62, tot62 = True, True
for t in range(1, T):
    nd, Lsd, _ = forward(detach_h_prev_at=t)
    through_c = nv(gr(Lsd[t], nd[t]["cin"]))
    total = nv(gr(Ls[t], nodes[t - 1]["c"]))
    ok62 &= close(dLt[t]["c"] * val[t]["f"], through_c)
    tot62 &= close(dLt[t]["c"] * val[t]["f"], total)
print(f"   (line 62: delta_Ct . f_t = the total dL_t/dC_(t-1) (with the path through h_(t-1)): {tot62})")
decide(62, ok62, "delta_Ct . f_t = the gradient C_{t-1} receives from L_t through c_t (h_{t-1} held fixed)")
unchecked(63, "dL/dC_t dC_t/di_t is the chain rule, but C'_t is not defined in the note (its candidate is c_c_t, Cc_t); "
          "read as the candidate, delta_Ct . c_c_t = dL_t/di_t: "
          f"{all(close(dLt[t]['c'] * val[t]['cc'], dLt[t]['i']) for t in range(T))}")
decide(64, all(close(dLt[t]["c"] * val[t]["i"], dLt[t]["cc"]) for t in range(T)), "delta_Ct . i_t = dL_t/dCc_t")
# lines 66-69: dL_t/dW_* = delta_*t . gate'(...): delta_it = dL_t/di_t etc. (the pattern of delta_ot, delta_Ct); step
# t's share of the gradient of the merged W_* (H x (X + H)) is (delta_* . gate') [x_t, h_{t-1}]^T
for line, g, key, der in ((66, "i", "i", lambda t: val[t]["i"] * (1 - val[t]["i"])),
                          (67, "f", "f", lambda t: val[t]["f"] * (1 - val[t]["f"])),
                          (68, "o", "o", lambda t: val[t]["o"] * (1 - val[t]["o"])),
                          (69, "c", "cc", lambda t: 1 - np.tanh(val[t]["cc"]) ** 2)):
    printed = [dLt[t][key] * der(t) for t in range(T)]
    print(f"   (line {line}: printed {printed[0].shape}, W_{g} {tuple(Wm[g].shape)}; the printed vector = dL_t/d(pre-activation): "
          f"{all(close(printed[t], dLt[t]['a' + g]) for t in range(T))}; (dL_t/da_{g}) [x_t, h_(t-1)]^T = step t's share: "
          f"{all(close(dLt[t]['a' + g] @ val[t]['xh'].T, shareLt[t][g]) for t in range(T))})")
    decide(line, all(close(printed[t], shareLt[t][g]) for t in range(T)),
           f"dL_t/dW_{g} (step t's share) is (dL_t/da_{g}) [x_t, h_(t-1)]^T, an H x (X + H) matrix; the printed H-vector "
           "leaves out [x_t, h_(t-1)]^T" + ("; and 1 - tanh^2(Cc_t) applies tanh twice: tanh' at the pre-activation is "
                                            "1 - Cc_t^2" if g == "c" else ""))
decide(79, ok59, "the line 59 restated: dL_t/dC_t = delta_ht . o_t . (1 - tanh^2 C_t)")
# line 87: dL_t/dC_t = delta_ht . o_t . (1 - tanh^2 C_t) + delta_C(t+1). Readings: (a) as printed, L_t and the note's
# delta_C(t+1) = dL_(t+1)/dC_(t+1): L_t does not depend on C_(t+1); (b) the whole L, delta_ht = dL/dh_t and
# delta_C(t+1) = dL/dC_(t+1): the path from C_(t+1) back to C_t carries f_(t+1)
ok_a = ok_b = True
fix_b = True
for t in range(T - 1):
    first_a = dLt[t]["h"] * val[t]["o"] * (1 - np.tanh(val[t]["c"]) ** 2)
    ok_a &= close(first_a + dLt[t + 1]["c"], dLt[t]["c"])
    first_b = dL[t]["h"] * val[t]["o"] * (1 - np.tanh(val[t]["c"]) ** 2)
    ok_b &= close(first_b + dL[t + 1]["c"], dL[t]["c"])
    fix_b &= close(first_b + dL[t + 1]["c"] * val[t + 1]["f"], dL[t]["c"])
print(f"   (line 87: with f_(t+1) on the second term, reading (b) holds: {fix_b})")
decide(87, ok_a or ok_b, "reading (a): L_t does not depend on C_(t+1), so the added delta_C(t+1) is spurious; "
       "reading (b): dL/dC_t = dL/dh_t . o_t . (1 - tanh^2 C_t) + dL/dC_(t+1) . f_(t+1): the f_(t+1) is missing")
finish()
