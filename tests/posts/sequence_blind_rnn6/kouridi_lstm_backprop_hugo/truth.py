"""Independent truth for tests/posts/sequence_blind_rnn6/kouridi_lstm_backprop_hugo (NumPy and torch, no derive).

The post's LSTM, column vectors: z_t = [h_{t-1}, x_t] (h first), a_f = W_f z_t + b_f, f_t = sigma(a_f); likewise
i_t, o_t; a_c = W_c z_t + b_c, c^_t = tanh(a_c); c_t = i_t (.) c^_t + f_t (.) c_{t-1}; h_t = o_t (.) tanh(c_t);
v_t = W_v h_t + b_v, y^_t = softmax(v_t); J the cross-entropy summed over the steps (the post: softmax with the
cross-entropy at the output layer, 'calculated T times'). n_x = 2 inputs, n_h = 3 hidden units, 4 classes, T = 3,
random h_0, c_0 (constants).
References from torch autograd in float64: the total gradient of J at every node (v_t, h_t, o_t, a_o, c_t, z_t); the
gradient step t sends back to h_{t-1} and c_{t-1} (the gradient at step t's own view of h_{t-1}, c_{t-1}); the part
of dJ/dh_t that comes through v_t and the part of dJ/dc_t that comes through h_t; the gradient of J with respect to
step t's own copy of every weight (dJ/dW^t, the post's per-step 'All equations correspond to one time step') and the
total gradient with respect to the shared weights. The post's '.' is the matrix product (W_v^T . dJ/dv, dJ/da . z^T)
and (.) the Hadamard product; '+=' adds to the value of the line before it; '[:n_h, :]' takes the first n_h rows."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(727)
nx, nh, m, T = 2, 3, 4, 3
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
shapes = dict(Wf=(nh, nh + nx), bf=(nh, 1), Wi=(nh, nh + nx), bi=(nh, 1), Wo=(nh, nh + nx), bo=(nh, 1),
              Wc=(nh, nh + nx), bc=(nh, 1), Wv=(m, nh), bv=(m, 1))
P0 = {k: rng.normal(0, 0.8, s) for k, s in shapes.items()}
X = [Tt(rng.normal(0, 1.0, (nx, 1))) for _ in range(T)]
tgt = rng.integers(0, m, T)
Y = [Tt(np.eye(m)[[k]].T) for k in tgt]
h0, c0 = Tt(rng.normal(0, 0.5, (nh, 1))), Tt(rng.normal(0, 0.5, (nh, 1)))
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
nv = lambda x: x.detach().numpy()
allT = lambda fn: all(fn(t) for t in range(T))


def run(P0):
    P = {k: Tt(v).requires_grad_() for k, v in P0.items()}
    keep, copies, Js = [], [], []
    hp, cp = h0.clone().requires_grad_(), c0.clone().requires_grad_()
    for t in range(T):
        C = {k: p.clone() for k, p in P.items()}
        copies.append(C)
        hin, cin = hp * 1, cp * 1  # step t's own views of h_{t-1}, c_{t-1}
        z = torch.cat([hin, X[t]], 0)
        af = C["Wf"] @ z + C["bf"]; f = torch.sigmoid(af)
        ai = C["Wi"] @ z + C["bi"]; i = torch.sigmoid(ai)
        ao = C["Wo"] @ z + C["bo"]; o = torch.sigmoid(ao)
        ac = C["Wc"] @ z + C["bc"]; ch = torch.tanh(ac)
        c = i * ch + f * cin
        hh = o * torch.tanh(c)
        v = C["Wv"] @ hh + C["bv"]
        Js.append(-(Y[t] * torch.log_softmax(v, 0)).sum())
        d = dict(hin=hin, cin=cin, z=z, af=af, f=f, ai=ai, i=i, ao=ao, o=o, ac=ac, ch=ch, c=c, h=hh, v=v)
        for x in d.values():
            x.retain_grad()
        keep.append(d)
        hp, cp = hh, c
    return P, copies, keep, Js


P, copies, keep, Js = run(P0)
J = sum(Js)
J.backward(retain_graph=True)
val = [{k: nv(x) for k, x in d.items()} for d in keep]
G = [{k: x.grad.numpy() for k, x in d.items()} for d in keep]   # total gradients of J at every node
gl = lambda out, wrt: torch.autograd.grad(out, wrt, retain_graph=True)[0].numpy()

# forward definitions: recompute with the printed formulas in NumPy
sig = lambda a: 1 / (1 + np.exp(-a))
hp, cp, ok = nv(h0), nv(c0), True
for t in range(T):
    z = np.vstack([hp, nv(X[t])])
    f, i, o = (sig(P0[w] @ z + P0[b]) for w, b in (("Wf", "bf"), ("Wi", "bi"), ("Wo", "bo")))
    ch = np.tanh(P0["Wc"] @ z + P0["bc"])
    c = i * ch + f * cp
    hh = o * np.tanh(c)
    v = P0["Wv"] @ hh + P0["bv"]
    ok &= all(close(a, val[t][k]) for a, k in ((z, "z"), (f, "f"), (i, "i"), (o, "o"), (ch, "ch"), (c, "c"), (hh, "h"), (v, "v")))
    hp, cp = hh, c
for line, what in ((3, "z_t = [h_{t-1}, x_t]"), (7, "a_f, f_t"), (8, "a_i, i_t"), (9, "a_o, o_t"), (10, "a_c, c^_t = tanh(a_c)"),
                   (14, "c_t = i (.) c^ + f (.) c_{t-1}"), (15, "h_t = o (.) tanh(c_t)"), (19, "v_t = W_v h_t + b_v"),
                   (20, "y^_t = softmax(v_t)")):
    decide(line, ok, f"{what}: defines the network the truth builds (checked against a NumPy re-evaluation)")

yh = [np.exp(val[t]["v"]) / np.exp(val[t]["v"]).sum() for t in range(T)]
dv = [yh[t] - nv(Y[t]) for t in range(T)]
decide(25, allT(lambda t: close(dv[t], G[t]["v"])), "dJ/dv_t = y^_t - y_t (v_t reaches J only through J_t)")
own = lambda k, t: gl(J, copies[t][k])
decide(26, allT(lambda t: close(dv[t] @ val[t]["h"].T, own("Wv", t))),
       "dJ/dv_t . h_t^T is the gradient of J w.r.t. step t's own copy of W_v (the per-step dJ/dW_v^t)")
decide(27, allT(lambda t: close(dv[t], own("bv", t))), "dJ/dv_t is step t's share of dJ/db_v")
Wv = P0["Wv"]
via_v = [gl(Js[t], keep[t]["h"]) for t in range(T)]   # the part of dJ/dh_t through v_t (only J_t)
decide(31, allT(lambda t: close(Wv.T @ dv[t], via_v[t])),
       "W_v^T . dJ/dv_t is the part of dJ/dh_t that comes through v_t (read as the first term of the accumulator)")
h_next = [G[t + 1]["hin"] if t + 1 < T else np.zeros((nh, 1)) for t in range(T)]
decide(32, allT(lambda t: close(Wv.T @ dv[t] + h_next[t], G[t]["h"])),
       "adding dJ/dh_next (what step t+1 sends back to h_t; zero at the last step) gives the total dJ/dh_t")
dh = [G[t]["h"] for t in range(T)]
decide(37, allT(lambda t: close(dh[t] * np.tanh(val[t]["c"]), G[t]["o"])), "dJ/do_t = dJ/dh_t (.) tanh(c_t)")
dao = [dh[t] * np.tanh(val[t]["c"]) * val[t]["o"] * (1 - val[t]["o"]) for t in range(T)]
decide(41, allT(lambda t: close(dao[t], G[t]["ao"])), "dJ/da_o = dJ/dh (.) tanh(c) (.) sigma'(a_o)")
decide(42, allT(lambda t: close(dh[t] * np.tanh(val[t]["c"]) * sig(val[t]["ao"]) * (1 - sig(val[t]["ao"])), G[t]["ao"])),
       "sigma'(a_o) = sigma(a_o)(1 - sigma(a_o))")
decide(43, allT(lambda t: close(dao[t], G[t]["ao"])), "with o_t = sigma(a_o)")
decide(47, allT(lambda t: close(G[t]["ao"] @ val[t]["z"].T, own("Wo", t))),
       "dJ/da_o . z_t^T is the gradient of J w.r.t. step t's own copy of W_o")
decide(48, allT(lambda t: close(G[t]["ao"], own("bo", t))), "dJ/da_o is step t's share of dJ/db_o")
via_h = [dh[t] * val[t]["o"] * (1 - np.tanh(val[t]["c"]) ** 2) for t in range(T)]
c_next = [G[t + 1]["cin"] if t + 1 < T else np.zeros((nh, 1)) for t in range(T)]
decide(53, allT(lambda t: close(via_h[t], G[t]["c"] - c_next[t])),
       "dJ/dh_t (.) o_t (.) (1 - tanh(c_t)^2) is the part of dJ/dc_t through h_t (read as the accumulator's first term)")
decide(57, allT(lambda t: close(via_h[t] + c_next[t], G[t]["c"])),
       "adding dJ/dc_next (what step t+1 sends back to c_t) gives the total dJ/dc_t")
Ws = {k: P0[k] for k in ("Wf", "Wi", "Wo", "Wc")}
dz = [sum(Ws[w].T @ G[t][a] for w, a in (("Wf", "af"), ("Wi", "ai"), ("Wo", "ao"), ("Wc", "ac"))) for t in range(T)]
decide(62, allT(lambda t: close(dz[t], G[t]["z"])), "z_t reaches J only through the four pre-activations: the sum of the four chains")
decide(63, allT(lambda t: close(dz[t], G[t]["z"])), "dJ/dz_t = W_f^T dJ/da_f + W_i^T dJ/da_i + W_o^T dJ/da_o + W_c^T dJ/da_c")
decide(67, allT(lambda t: close(G[t]["z"][:nh, :], G[t]["hin"])),
       "the first n_h rows of dJ/dz_t are what step t sends back to h_{t-1} (the post's dJ/dh_next one step earlier)")
decide(68, allT(lambda t: close(G[t]["c"] * val[t]["f"], G[t]["cin"])),
       "dJ/dc_t (.) f_t is what step t sends back to c_{t-1}")

# lines 74-78: dJ/dW = sum_t dJ/dW^t (true) and the update W += alpha * dJ/dW, 'assuming Stochastic Gradient
# Descent': for a small learning rate alpha > 0 the step goes up the gradient and raises J
alpha = 1e-3
for line, k in ((74, "Wf"), (75, "Wi"), (76, "Wo"), (77, "Wc"), (78, "Wv")):
    total = P[k].grad.numpy()
    summed = sum(own(k, t) for t in range(T))
    P1 = dict(P0); P1[k] = P0[k] + alpha * total
    J1 = float(sum(run(P1)[3]).detach())
    P2 = dict(P0); P2[k] = P0[k] - alpha * total
    J2 = float(sum(run(P2)[3]).detach())
    print(f"   (line {line}: sum of the per-step gradients = dJ/d{k}: {close(summed, total)}; J = {float(J.detach()):.6f}, "
          f"after W += alpha dJ/dW: {J1:.6f}, after W -= alpha dJ/dW: {J2:.6f})")
    decide(line, close(summed, total) and J1 < float(J.detach()),
           f"dJ/d{k} = sum_t dJ/d{k}^t holds, but {k} += alpha * dJ/d{k} is gradient ascent: it raises J (descent subtracts)")
finish()
