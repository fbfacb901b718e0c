"""Independent truth for tests/posts/sequence_blind_rnn7/bn3monkey_rnn_bptt_ko (NumPy and torch, no derive).

The note's RNN, column vectors: p(t) = U x(t) + W h(t-1) + b, h(t) = f(p(t)), q(t) = V h(t) + c, y(t) = g(q(t)); the
sine-wave model's identity output g(x) = x and squared error E = 1/2 sum_t ||y(t) - t(t)||^2. The note leaves f open:
here f = tanh. T = 4 steps, 2 inputs, 3 hidden units, 2 outputs (so that V and W have different shapes), a random
h(0) (a constant). e_h(t) = dE/dp(t) and e_o(t) = dE/dq(t) are the gradients at the nodes (autograd, retain_grad).
References from torch autograd in float64: the gradient of E with respect to step t's own copy of every weight (the
step's share of the shared weight's gradient, h(t-1) held fixed: the reading of the section's per-t lines
dE/dU = e_h(t) x(t)^T etc.); for the BPTT section, where the error of one time step is sent back through time, the
gradients of E_t = 1/2 ||y(t) - t(t)||^2 at p(t), q(t) and at every earlier p(t - z); the Jacobians the chains name
(torch.autograd.functional.jacobian). The BPTT chains (lines 73-81) are written as e_h(t) times Jacobians, i.e.
numerator layout with e_h a row; they are evaluated so. Line 63's g' is also checked with a sigmoid output g."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(5103)
n, H, m, T = 2, 3, 2, 4
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
nv = lambda x: x.detach().numpy()
shapes = dict(U=(H, n), W=(H, H), b=(H, 1), V=(m, H), c=(m, 1))
Pn = {k: rng.normal(0, 0.7, s) for k, s in shapes.items()}
X = [rng.normal(0, 1.0, (n, 1)) for _ in range(T)]
Y_target = [rng.normal(0, 1.0, (m, 1)) for _ in range(T)]  # t(t)
h0 = rng.normal(0, 0.5, (H, 1))
f, fprime = torch.tanh, (lambda p: 1 - np.tanh(p) ** 2)
G = {"identity": (lambda q: q, lambda q: np.ones_like(q)),
     "sigmoid": (torch.sigmoid, lambda q: (1 / (1 + np.exp(-q))) * (1 - 1 / (1 + np.exp(-q))))}


def run(gname="identity"):
    """Forward pass with one copy of every weight per step; returns per-step losses, copies and nodes."""
    gfun = G[gname][0]
    P = {k: Tt(v).requires_grad_() for k, v in Pn.items()}
    copies, nodes, Es = [], [], []
    hp = Tt(h0)
    for t in range(T):
        C = {k: v.clone() for k, v in P.items()}
        copies.append(C)
        p = C["U"] @ Tt(X[t]) + C["W"] @ hp + C["b"]
        h = f(p)
        q = C["V"] @ h + C["c"]
        y = gfun(q)
        for v in (p, h, q):
            v.retain_grad()
        nodes.append(dict(hin=hp, p=p, h=h, q=q, y=y))
        Es.append(0.5 * ((y - Tt(Y_target[t])) ** 2).sum())
        hp = h
    return P, copies, nodes, Es


gr = lambda out, wrt: torch.autograd.grad(out, wrt, retain_graph=True, allow_unused=True)[0]
P, copies, nodes, Es = run()
E = sum(Es)
val = [{k: nv(v) for k, v in d.items()} for d in nodes]
e_h = [nv(gr(E, nodes[t]["p"])) for t in range(T)]  # total E
e_o = [nv(gr(E, nodes[t]["q"])) for t in range(T)]

# lines 9, 15, 45, 48: the forward definitions, re-evaluated in NumPy (f = tanh, g = identity as line 48 sets)
hp, ok_h, ok_y = h0, True, True
for t in range(T):
    p = Pn["U"] @ X[t] + Pn["W"] @ hp + Pn["b"]
    h = np.tanh(p)
    y = Pn["V"] @ h + Pn["c"]
    ok_h &= close(h, val[t]["h"]) and close(p, val[t]["p"])
    ok_y &= close(y, val[t]["y"])
    hp = h
decide(9, ok_h, "h(t) = f(U x(t) + W h(t-1) + b): the network's hidden state (f = tanh)")
decide(15, ok_y, "y(t) = g(V h(t) + c): the network's output")
decide(45, ok_y, "y(t) = g(V h(t) + c), restated")
decide(48, ok_y, "y(t) = V h(t) + c, g(x) = x: the sine model's output")
decide(56, np.isclose(E.item(), sum(0.5 * ((val[t]["y"] - Y_target[t]) ** 2).sum() for t in range(T))),
       "E = 1/2 sum_t ||y(t) - t(t)||^2: the loss the truth differentiates")

# lines 32-40: dE/dparam = dE/dp(t) (dp(t)/dparam)^T = ..., read as step t's share (the gradient w.r.t. step t's own
# copy of the weight)
share = {k: [nv(gr(E, copies[t][k])) for t in range(T)] for k in Pn}
decide(32, all(close(e_h[t] @ X[t].T, share["U"][t]) for t in range(T)), "step t's share of dE/dU = e_h(t) x(t)^T")
decide(34, all(close(e_o[t] @ val[t]["h"].T, share["V"][t]) for t in range(T)), "step t's share of dE/dV = e_o(t) h(t)^T")
printed36 = [e_o[t] @ val[t]["hin"].T for t in range(T)]
print(f"   (line 36: e_o(t) h(t-1)^T has shape {printed36[0].shape}, W has shape {Pn['W'].shape}; e_h(t) h(t-1)^T = "
      f"step t's share: {all(close(e_h[t] @ val[t]['hin'].T, share['W'][t]) for t in range(T))})")
decide(36, all(close(printed36[t], share["W"][t]) for t in range(T)),
       "dp(t)/dW brings h(t-1) into p(t), whose gradient is e_h(t): step t's share is e_h(t) h(t-1)^T; the printed "
       "e_o(t) h(t-1)^T is (outputs x hidden), not even W's shape")
decide(38, all(close(e_h[t], share["b"][t]) for t in range(T)), "step t's share of dE/db = e_h(t)")
decide(40, all(close(e_o[t], share["c"][t]) for t in range(T)), "step t's share of dE/dc = e_o(t)")

# BPTT section: the error of one time step, E_t = 1/2 ||y(t) - t(t)||^2, sent back through time
eh_t = {t: [nv(gr(Es[t], nodes[s]["p"])) for s in range(t + 1)] for t in range(T)}  # eh_t[t][s] = dE_t/dp(s), s <= t
eo_t = {t: nv(gr(Es[t], nodes[t]["q"])) for t in range(T)}
ok62 = all(close(fprime(val[t]["p"]) * (Pn["V"].T @ eo_t[t]), eh_t[t][t]) for t in range(T))
print("   (line 62 with the total E of line 56 instead: holds at t = 1..T: "
      f"{[close(fprime(val[t]['p']) * (Pn['V'].T @ e_o[t]), e_h[t]) for t in range(T)]}, i.e. only where no later step "
      "sends a gradient back)")
decide(62, ok62, "e_h(t) = f'(p(t)) (.) V^T e_o(t) (e_0 read as e_o) for the error of step t, at every t")
ok63 = True
for gname in G:
    _, _, nd, Eg = run(gname)
    for t in range(T):
        q = nv(nd[t]["q"])
        ok63 &= close(G[gname][1](q) * (nv(nd[t]["y"]) - Y_target[t]), nv(gr(Eg[t], nd[t]["q"])))
decide(63, ok63, "e_o(t) = g'(q(t)) (.) (y(t) - t(t)), with g = identity and with g = sigmoid")


def jac_p_p(t):
    """dp(t)/dp(t-1): p(t) = U x(t) + W f(p(t-1)) + b."""
    fn = lambda pp: Tt(Pn["U"]) @ Tt(X[t]) + Tt(Pn["W"]) @ torch.tanh(pp) + Tt(Pn["b"])
    return torch.autograd.functional.jacobian(fn, Tt(val[t - 1]["p"])).numpy().reshape(H, H)


def jac_p_h(t):
    fn = lambda hh: Tt(Pn["U"]) @ Tt(X[t]) + Tt(Pn["W"]) @ hh + Tt(Pn["b"])
    return torch.autograd.functional.jacobian(fn, Tt(val[t - 1]["h"])).numpy().reshape(H, H)


def jac_h_p(s):
    return torch.autograd.functional.jacobian(torch.tanh, Tt(val[s]["p"])).numpy().reshape(H, H)


ok73 = ok75 = ok77 = True
for t in range(T):
    for s in range(1, t + 1):  # e_h(s-1) from e_h(s), all for the error of step t
        row = eh_t[t][s].T
        truth = eh_t[t][s - 1].T
        ok73 &= close(row @ jac_p_p(s), truth)
        ok75 &= close(row @ jac_p_h(s) @ jac_h_p(s - 1), truth)
        ok77 &= close(row @ (Pn["W"] @ np.diag(fprime(val[s - 1]["p"]).ravel())), truth)
decide(73, ok73, "e_h(t-1) = dE/dp(t) dp(t)/dp(t-1) (row times Jacobian) for the error sent back from step t")
decide(75, ok75, "e_h(t-1) = e_h(t) dp(t)/dh(t-1) dh(t-1)/dp(t-1)")
decide(77, ok77, "e_h(t-1) = e_h(t) (W f'(p(t-1))): the row e_h(t) times W diag(f'(p(t-1)))")
ok81 = all(close(eh_t[t][t - z].T @ Pn["W"] @ np.diag(fprime(val[t - z - 1]["p"]).ravel()), eh_t[t][t - z - 1].T)
           for t in range(T) for z in range(t))
decide(81, ok81, "e_h(t-z-1) = e_h(t-z) (W f'(p(t-z-1))) for every z back to the first step")
finish()
